//! `/api/v1/calendar-events`: lectures, exams and deadlines in the student's calendar.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use sophie_domain::values::{Color, Description, EventSchedule, ShortText, Title};
use sophie_domain::{
    CalendarEvent, CalendarEventId, CalendarEventUpdate, CalendarFilter, CourseId, DocumentId,
    EventType, InvalidValue, NewCalendarEvent, Page, Priority,
};
use utoipa::{OpenApi, ToSchema};
use uuid::Uuid;

use super::created;
use crate::all_valid;
use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::json::ApiJson;
use crate::paging::PageQuery;
use crate::patch;
use crate::state::AppState;
use crate::validate::{Fields, enum_param, id_param};

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, update, delete),
    components(schemas(
        CreateCalendarEvent,
        UpdateCalendarEvent,
        CalendarEvent,
        Page<CalendarEvent>
    )),
    tags((name = "calendar", description = "Events in the student's calendar"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/calendar-events")
            .service(
                web::resource("")
                    .route(web::post().to(create))
                    .route(web::get().to(list)),
            )
            .service(
                web::resource("/{id}")
                    .route(web::get().to(get))
                    .route(web::patch().to(update))
                    .route(web::delete().to(delete)),
            ),
    );
}

/// A new calendar event.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateCalendarEvent {
    /// Its title, 1 to 200 characters.
    title: String,
    /// A description.
    description: Option<String>,
    /// When it starts (RFC 3339).
    start_date: DateTime<Utc>,
    /// When it ends (RFC 3339); not before it starts.
    end_date: Option<DateTime<Utc>>,
    /// What kind of event it is.
    event_type: EventType,
    /// Where it happens.
    location: Option<String>,
    /// How urgent it is.
    priority: Option<Priority>,
    /// A palette name or hex colour; `blue` by default.
    color: Option<String>,
    /// The course it belongs to.
    course_id: Option<CourseId>,
    /// The document it was found in (a syllabus).
    document_id: Option<DocumentId>,
}

impl CreateCalendarEvent {
    fn into_domain(self) -> ApiResult<NewCalendarEvent> {
        let mut fields = Fields::new();
        let title = fields.check("title", Title::parse(self.title));
        let description = fields.check_opt("description", self.description, Description::parse);
        let schedule = fields.check(
            "endDate",
            EventSchedule::new(self.start_date, self.end_date),
        );
        let location = fields.check_opt("location", self.location, ShortText::parse);
        let color = fields
            .check_opt("color", self.color, Color::parse)
            .map(Option::unwrap_or_default);
        Ok(
            all_valid!(fields, (title, description, schedule, location, color) => NewCalendarEvent {
                title,
                description,
                schedule,
                event_type: self.event_type,
                location,
                priority: self.priority,
                color,
                google_event_id: None,
                google_calendar_id: None,
                course_id: self.course_id,
                document_id: self.document_id,
            }),
        )
    }
}

/// Changes to a calendar event: fields left out stay; `null` clears a nullable one. The start
/// and end are checked together, against the event's current ones when only one changes.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateCalendarEvent {
    title: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    /// A new start (RFC 3339).
    start_date: Option<DateTime<Utc>>,
    /// A new end (RFC 3339); `null` leaves the event without an end.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<DateTime<Utc>>)]
    end_date: Option<Option<DateTime<Utc>>>,
    event_type: Option<EventType>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    location: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Priority>)]
    priority: Option<Option<Priority>>,
    color: Option<String>,
    /// The course it belongs to; `null` for none.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<CourseId>)]
    course_id: Option<Option<CourseId>>,
    /// The document it was found in; `null` for none.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<DocumentId>)]
    document_id: Option<Option<DocumentId>>,
}

impl UpdateCalendarEvent {
    /// Whether the start or the end changes, so the event must be read to check them together.
    const fn changes_schedule(&self) -> bool {
        self.start_date.is_some() || self.end_date.is_some()
    }

    /// The update; `current` is the event as stored, given when [`Self::changes_schedule`]:
    /// the new schedule is its start and end with this body's changes applied.
    fn into_domain(self, current: Option<&CalendarEvent>) -> ApiResult<CalendarEventUpdate> {
        let mut fields = Fields::new();
        let title = fields.check_opt("title", self.title, Title::parse);
        let description = fields.check_patch("description", self.description, Description::parse);
        let schedule = match current {
            None => Some(None),
            Some(event) => {
                let start = self.start_date.unwrap_or(event.start_date);
                let end = self.end_date.unwrap_or(event.end_date);
                fields
                    .check("endDate", EventSchedule::new(start, end))
                    .map(Some)
            }
        };
        let location = fields.check_patch("location", self.location, ShortText::parse);
        let color = fields.check_opt("color", self.color, Color::parse);
        Ok(
            all_valid!(fields, (title, description, schedule, location, color) => CalendarEventUpdate {
                title,
                description,
                schedule,
                event_type: self.event_type,
                location,
                priority: self.priority,
                color,
                course_id: self.course_id,
                document_id: self.document_id,
                ..CalendarEventUpdate::default()
            }),
        )
    }
}

/// Narrows the list of events; filters combine with AND.
// `utoipa::IntoParams` stays qualified: the path macro writes `<T as utoipa::IntoParams>`, which
// an import of the trait would make an unnecessary qualification.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct CalendarQuery {
    /// Only events still going on at or after this instant (RFC 3339, such as
    /// `2026-09-01T00:00:00Z`): their end, or their start when they have none, is not before it.
    #[param(value_type = Option<DateTime<Utc>>)]
    from: Option<String>,
    /// Only events starting before this instant (RFC 3339).
    #[param(value_type = Option<DateTime<Utc>>)]
    to: Option<String>,
    /// Only events of this course.
    #[param(value_type = Option<Uuid>)]
    course_id: Option<String>,
    /// Only events of this kind.
    #[param(value_type = Option<EventType>)]
    event_type: Option<String>,
}

fn instant_param(value: &str) -> Result<DateTime<Utc>, InvalidValue> {
    DateTime::parse_from_rfc3339(value.trim())
        .map(|instant| instant.with_timezone(&Utc))
        .map_err(|_| {
            InvalidValue::new("must be an RFC 3339 timestamp such as 2026-09-01T09:00:00Z")
        })
}

impl CalendarQuery {
    fn into_domain(self) -> ApiResult<CalendarFilter> {
        let mut fields = Fields::new();
        let from = fields.check_opt("from", self.from, |from| instant_param(&from));
        let to = fields.check_opt("to", self.to, |to| instant_param(&to));
        if let (Some(Some(from)), Some(Some(to))) = (from, to)
            && to < from
        {
            fields.push("to", "must not be before from");
        }
        let course_id = fields.check_opt("courseId", self.course_id, id_param);
        let event_type = fields.check_opt("eventType", self.event_type, enum_param);
        Ok(
            all_valid!(fields, (from, to, course_id, event_type) => CalendarFilter {
                from,
                to,
                course_id,
                event_type,
            }),
        )
    }
}

/// Creates a calendar event.
#[utoipa::path(post, path = "/api/v1/calendar-events", tag = "calendar",
    request_body = CreateCalendarEvent, security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = CalendarEvent), (status = 401, body = Problem),
        (status = 404, description = "The course or document is not the student's",
            body = Problem),
        (status = 422, body = Problem)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<CreateCalendarEvent>,
) -> ApiResult<HttpResponse> {
    let new = body.into_inner().into_domain()?;
    let event = state
        .repositories
        .calendar
        .create(user.user_id, new)
        .await?;
    Ok(created(
        format!("/api/v1/calendar-events/{}", event.id),
        &event,
    ))
}

/// Lists the student's events **by start date, earliest first**.
#[utoipa::path(get, path = "/api/v1/calendar-events", tag = "calendar",
    params(PageQuery, CalendarQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<CalendarEvent>), (status = 401, body = Problem),
        (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<CalendarQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.to_request()?;
    let filter = filter.into_inner().into_domain()?;
    let events = state
        .repositories
        .calendar
        .list(user.user_id, filter, page)
        .await?;
    Ok(HttpResponse::Ok().json(events))
}

/// Reads a calendar event.
#[utoipa::path(get, path = "/api/v1/calendar-events/{id}", tag = "calendar",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = CalendarEvent), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let event = state
        .repositories
        .calendar
        .get(user.user_id, CalendarEventId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(event))
}

/// Changes a calendar event. A new start or end is checked against the other one, as stored
/// when it does not change: the event never ends before it starts.
#[utoipa::path(patch, path = "/api/v1/calendar-events/{id}", tag = "calendar",
    params(("id" = Uuid, Path)), request_body = UpdateCalendarEvent,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = CalendarEvent), (status = 401, body = Problem),
        (status = 404,
            description = "The event, or a new course or document, is not the student's",
            body = Problem),
        (status = 422, body = Problem)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: ApiJson<UpdateCalendarEvent>,
) -> ApiResult<HttpResponse> {
    let id = CalendarEventId::from_uuid(id.into_inner());
    let body = body.into_inner();
    // Start and end are validated as a whole, so a change to one is merged with the other as
    // stored. (A concurrent change to the schedule between this read and the write is lost to
    // this one, as with any PATCH.)
    let current = if body.changes_schedule() {
        Some(state.repositories.calendar.get(user.user_id, id).await?)
    } else {
        None
    };
    let update = body.into_domain(current.as_ref())?;
    let event = state
        .repositories
        .calendar
        .update(user.user_id, id, update)
        .await?;
    Ok(HttpResponse::Ok().json(event))
}

/// Deletes a calendar event.
#[utoipa::path(delete, path = "/api/v1/calendar-events/{id}", tag = "calendar",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    state
        .repositories
        .calendar
        .delete(user.user_id, CalendarEventId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use actix_web::test;
    use serde_json::{Value, json};

    use crate::test_support::{app, bearer, signed_in, state};

    macro_rules! post_json {
        ($app:expr, $token:expr, $uri:expr, $body:expr) => {
            test::TestRequest::post()
                .uri($uri)
                .insert_header(bearer($token))
                .set_json($body)
                .send_request($app)
                .await
        };
    }

    macro_rules! patch_json {
        ($app:expr, $token:expr, $uri:expr, $body:expr) => {
            test::TestRequest::patch()
                .uri($uri)
                .insert_header(bearer($token))
                .set_json($body)
                .send_request($app)
                .await
        };
    }

    macro_rules! get_json {
        ($app:expr, $token:expr, $uri:expr) => {{
            let response = test::TestRequest::get()
                .uri($uri)
                .insert_header(bearer($token))
                .send_request($app)
                .await;
            assert_eq!(response.status(), 200, "GET {}", $uri);
            let body: Value = test::read_body_json(response).await;
            body
        }};
    }

    fn fields_named(problem: &Value) -> Vec<&str> {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect()
    }

    /// The titles of a page, in the order given.
    fn titles(page: &Value) -> Vec<&str> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["title"].as_str().unwrap())
            .collect()
    }

    #[actix_web::test]
    async fn a_student_creates_reads_changes_and_deletes_an_event() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let course = post_json!(
            &app,
            &token,
            "/api/v1/courses",
            json!({ "name": "Biology" })
        );
        let course: Value = test::read_body_json(course).await;

        let created = post_json!(
            &app,
            &token,
            "/api/v1/calendar-events",
            json!({
                "title": "Midterm",
                "description": "Chapters 1-4",
                "startDate": "2026-10-15T09:00:00+02:00",
                "endDate": "2026-10-15T11:00:00+02:00",
                "eventType": "EXAM",
                "location": "Hall B",
                "priority": "HIGH",
                "courseId": course["id"],
            })
        );
        assert_eq!(created.status(), 201);
        let location = created
            .headers()
            .get("Location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let event: Value = test::read_body_json(created).await;
        assert_eq!(
            location,
            format!("/api/v1/calendar-events/{}", event["id"].as_str().unwrap())
        );
        assert_eq!(event["startDate"], "2026-10-15T07:00:00Z", "kept in UTC");
        assert_eq!(event["endDate"], "2026-10-15T09:00:00Z");
        assert_eq!(event["eventType"], "EXAM");
        assert_eq!(event["priority"], "HIGH");
        assert_eq!(event["color"], "blue", "blue by default");
        assert_eq!(event["courseId"], course["id"]);
        assert_eq!(event["googleEventId"], Value::Null);
        assert_eq!(get_json!(&app, &token, &location), event);

        // Moving the start alone keeps the stored end.
        let moved = patch_json!(
            &app,
            &token,
            &location,
            json!({ "startDate": "2026-10-15T08:00:00Z", "priority": null, "location": null })
        );
        assert_eq!(moved.status(), 200);
        let moved: Value = test::read_body_json(moved).await;
        assert_eq!(moved["startDate"], "2026-10-15T08:00:00Z");
        assert_eq!(moved["endDate"], "2026-10-15T09:00:00Z");
        assert_eq!(moved["priority"], Value::Null, "null clears");
        assert_eq!(moved["location"], Value::Null);
        assert_eq!(
            moved["description"], "Chapters 1-4",
            "untouched fields stay"
        );

        let open_ended = patch_json!(
            &app,
            &token,
            &location,
            json!({ "endDate": null, "eventType": "DEADLINE", "courseId": null })
        );
        assert_eq!(open_ended.status(), 200);
        let open_ended: Value = test::read_body_json(open_ended).await;
        assert_eq!(open_ended["endDate"], Value::Null, "null clears the end");
        assert_eq!(open_ended["startDate"], "2026-10-15T08:00:00Z");
        assert_eq!(open_ended["eventType"], "DEADLINE");
        assert_eq!(open_ended["courseId"], Value::Null);

        // Without an end, any later start is fine; both may change at once.
        let both = patch_json!(
            &app,
            &token,
            &location,
            json!({ "startDate": "2026-11-01T10:00:00Z", "endDate": "2026-11-01T12:00:00Z" })
        );
        assert_eq!(both.status(), 200);
        let both: Value = test::read_body_json(both).await;
        assert_eq!(both["startDate"], "2026-11-01T10:00:00Z");
        assert_eq!(both["endDate"], "2026-11-01T12:00:00Z");

        let deleted = test::TestRequest::delete()
            .uri(&location)
            .insert_header(bearer(&token))
            .send_request(&app)
            .await;
        assert_eq!(deleted.status(), 204);
        let gone = test::TestRequest::get()
            .uri(&location)
            .insert_header(bearer(&token))
            .send_request(&app)
            .await;
        assert_eq!(gone.status(), 404);
    }

    #[actix_web::test]
    async fn an_event_never_ends_before_it_starts() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let backwards = post_json!(
            &app,
            &token,
            "/api/v1/calendar-events",
            json!({
                "title": "Backwards",
                "startDate": "2026-10-15T10:00:00Z",
                "endDate": "2026-10-15T09:00:00Z",
                "eventType": "LECTURE",
            })
        );
        assert_eq!(backwards.status(), 422);
        let problem: Value = test::read_body_json(backwards).await;
        assert_eq!(fields_named(&problem), ["endDate"]);

        let event = post_json!(
            &app,
            &token,
            "/api/v1/calendar-events",
            json!({
                "title": "Lecture",
                "startDate": "2026-10-15T09:00:00Z",
                "endDate": "2026-10-15T10:00:00Z",
                "eventType": "LECTURE",
            })
        );
        let event: Value = test::read_body_json(event).await;
        let uri = format!("/api/v1/calendar-events/{}", event["id"].as_str().unwrap());
        for body in [
            json!({ "startDate": "2026-10-15T11:00:00Z" }),
            json!({ "endDate": "2026-10-15T08:00:00Z" }),
            json!({ "startDate": "2026-10-16T09:00:00Z", "endDate": "2026-10-15T09:00:00Z" }),
        ] {
            let response = patch_json!(&app, &token, &uri, &body);
            assert_eq!(response.status(), 422, "{body}");
            let problem: Value = test::read_body_json(response).await;
            assert_eq!(fields_named(&problem), ["endDate"]);
        }
        assert_eq!(get_json!(&app, &token, &uri), event, "unchanged");
    }

    #[actix_web::test]
    async fn bad_input_is_named_field_by_field() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let response = post_json!(
            &app,
            &token,
            "/api/v1/calendar-events",
            json!({
                "title": " ",
                "startDate": "2026-10-15T09:00:00Z",
                "eventType": "EXAM",
                "color": "blurple",
            })
        );
        assert_eq!(response.status(), 422);
        let problem: Value = test::read_body_json(response).await;
        assert_eq!(fields_named(&problem), ["title", "color"]);

        for (body, field) in [
            (
                json!({ "title": "x", "startDate": "2026-10-15T09:00:00Z", "eventType": "PARTY" }),
                "eventType",
            ),
            (
                json!({ "title": "x", "startDate": "2026-10-15T09:00:00Z", "eventType": "EXAM",
                        "priority": "SOON" }),
                "priority",
            ),
            (
                json!({ "title": "x", "startDate": "tomorrow", "eventType": "EXAM" }),
                "startDate",
            ),
            (json!({ "title": "x", "eventType": "EXAM" }), "body"),
        ] {
            let response = post_json!(&app, &token, "/api/v1/calendar-events", body);
            assert_eq!(response.status(), 422, "{field}");
            let problem: Value = test::read_body_json(response).await;
            let named = fields_named(&problem)[0].to_owned();
            assert_eq!(named, field);
        }

        for (query, field) in [
            ("from=yesterday", "from"),
            ("to=2026-13-01T00:00:00Z", "to"),
            ("from=2026-10-02T00:00:00Z&to=2026-10-01T00:00:00Z", "to"),
            ("eventType=exam", "eventType"),
            ("courseId=1", "courseId"),
        ] {
            let response = test::TestRequest::get()
                .uri(&format!("/api/v1/calendar-events?{query}"))
                .insert_header(bearer(&token))
                .send_request(&app)
                .await;
            assert_eq!(response.status(), 422, "{query}");
            let problem: Value = test::read_body_json(response).await;
            assert_eq!(fields_named(&problem), [field], "{query}");
        }
    }

    #[actix_web::test]
    async fn events_are_listed_by_start_date_and_filtered_by_range_course_and_kind() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let course = post_json!(
            &app,
            &token,
            "/api/v1/courses",
            json!({ "name": "Biology" })
        );
        let course: Value = test::read_body_json(course).await;
        // Created out of order, so the list's order is the start date's.
        for body in [
            json!({ "title": "Exam", "startDate": "2026-10-20T09:00:00Z",
                    "endDate": "2026-10-20T11:00:00Z", "eventType": "EXAM",
                    "courseId": course["id"] }),
            json!({ "title": "Lecture 1", "startDate": "2026-10-01T09:00:00Z",
                    "endDate": "2026-10-01T10:00:00Z", "eventType": "LECTURE",
                    "courseId": course["id"] }),
            json!({ "title": "Project week", "startDate": "2026-10-05T00:00:00Z",
                    "endDate": "2026-10-12T00:00:00Z", "eventType": "ASSIGNMENT" }),
            json!({ "title": "Lecture 2", "startDate": "2026-10-08T09:00:00Z",
                    "eventType": "LECTURE" }),
        ] {
            let response = post_json!(&app, &token, "/api/v1/calendar-events", body);
            assert_eq!(response.status(), 201);
        }
        let all = get_json!(&app, &token, "/api/v1/calendar-events");
        assert_eq!(
            titles(&all),
            ["Lecture 1", "Project week", "Lecture 2", "Exam"]
        );

        // From the 7th to the 15th: the project still runs on the 7th; the exam is after.
        let week = get_json!(
            &app,
            &token,
            "/api/v1/calendar-events?from=2026-10-07T00:00:00Z&to=2026-10-15T00:00:00Z"
        );
        assert_eq!(titles(&week), ["Project week", "Lecture 2"]);
        let from = get_json!(
            &app,
            &token,
            "/api/v1/calendar-events?from=2026-10-12T00:00:00Z"
        );
        assert_eq!(
            titles(&from),
            ["Project week", "Exam"],
            "an end at `from` counts"
        );
        let to = get_json!(
            &app,
            &token,
            "/api/v1/calendar-events?to=2026-10-05T00:00:00Z"
        );
        assert_eq!(titles(&to), ["Lecture 1"], "`to` excludes a start at it");

        let course_id = course["id"].as_str().unwrap();
        let by_course = get_json!(
            &app,
            &token,
            &format!("/api/v1/calendar-events?courseId={course_id}")
        );
        assert_eq!(titles(&by_course), ["Lecture 1", "Exam"]);
        let lectures = get_json!(&app, &token, "/api/v1/calendar-events?eventType=LECTURE");
        assert_eq!(titles(&lectures), ["Lecture 1", "Lecture 2"]);
        let combined = get_json!(
            &app,
            &token,
            &format!("/api/v1/calendar-events?eventType=LECTURE&courseId={course_id}")
        );
        assert_eq!(titles(&combined), ["Lecture 1"]);

        // Paging follows the start date too.
        let first = get_json!(&app, &token, "/api/v1/calendar-events?limit=3");
        assert_eq!(titles(&first), ["Lecture 1", "Project week", "Lecture 2"]);
        let cursor = first["nextCursor"].as_str().unwrap();
        let second = get_json!(
            &app,
            &token,
            &format!("/api/v1/calendar-events?limit=3&cursor={cursor}")
        );
        assert_eq!(titles(&second), ["Exam"]);
        assert_eq!(second["nextCursor"], Value::Null);
    }

    #[actix_web::test]
    async fn another_students_event_and_course_are_not_found() {
        let state = state();
        let (_, ada) = signed_in(&state, "ada@example.com").await;
        let (_, bob) = signed_in(&state, "bob@example.com").await;
        let app = app(state).await;
        let event = post_json!(
            &app,
            &ada,
            "/api/v1/calendar-events",
            json!({ "title": "Ada's", "startDate": "2026-10-01T09:00:00Z",
                    "eventType": "OTHER" })
        );
        let event: Value = test::read_body_json(event).await;
        let uri = format!("/api/v1/calendar-events/{}", event["id"].as_str().unwrap());
        for request in [
            test::TestRequest::get().uri(&uri),
            test::TestRequest::patch()
                .uri(&uri)
                .set_json(json!({ "title": "Bob's now" })),
            test::TestRequest::patch()
                .uri(&uri)
                .set_json(json!({ "startDate": "2027-01-01T00:00:00Z" })),
            test::TestRequest::delete().uri(&uri),
        ] {
            let response = request.insert_header(bearer(&bob)).send_request(&app).await;
            assert_eq!(response.status(), 404);
        }
        assert_eq!(get_json!(&app, &ada, &uri), event, "unchanged");
        let bobs = get_json!(&app, &bob, "/api/v1/calendar-events");
        assert_eq!(bobs["items"], json!([]));

        let course = post_json!(&app, &ada, "/api/v1/courses", json!({ "name": "Ada's" }));
        let course: Value = test::read_body_json(course).await;
        let linked = post_json!(
            &app,
            &bob,
            "/api/v1/calendar-events",
            json!({ "title": "Sneaky", "startDate": "2026-10-01T09:00:00Z",
                    "eventType": "OTHER", "courseId": course["id"] })
        );
        assert_eq!(linked.status(), 404);
        let missing_document = post_json!(
            &app,
            &bob,
            "/api/v1/calendar-events",
            json!({ "title": "Sneaky", "startDate": "2026-10-01T09:00:00Z",
                    "eventType": "OTHER", "documentId": uuid::Uuid::new_v4() })
        );
        assert_eq!(missing_document.status(), 404);
    }
}
