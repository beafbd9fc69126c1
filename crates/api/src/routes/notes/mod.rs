//! `/api/v1/notes`: Markdown the student wrote, or the text of an imported lecture.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use sophie_domain::values::{DurationSeconds, Markdown, Tags, Title, WebUrl};
use sophie_domain::{CourseId, NewNote, Note, NoteFilter, NoteId, NoteSource, NoteUpdate, Page};
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
    components(schemas(CreateNote, UpdateNote, Note, Page<Note>)),
    tags((name = "notes", description = "Notes the student wrote or imported"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/notes")
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

/// A new note.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateNote {
    /// Its title, 1 to 200 characters.
    title: String,
    /// Its Markdown body; empty by default.
    #[serde(default)]
    content: String,
    /// The transcription it was made from.
    transcription: Option<String>,
    /// A summary.
    summary: Option<String>,
    /// Where its content came from; `MANUAL` by default.
    source: Option<NoteSource>,
    /// The http(s) URL it was imported from.
    source_url: Option<String>,
    /// The length of the recording in seconds, 0 to 604800.
    duration_seconds: Option<i64>,
    /// Its tags: at most 20, each 1 to 50 characters; none by default.
    #[serde(default)]
    tags: Vec<String>,
    /// The course to file it under.
    course_id: Option<CourseId>,
}

impl CreateNote {
    fn into_domain(self) -> ApiResult<NewNote> {
        let mut fields = Fields::new();
        let title = fields.check("title", Title::parse(self.title));
        let content = fields.check("content", Markdown::parse(self.content));
        let transcription = fields.check_opt("transcription", self.transcription, Markdown::parse);
        let summary = fields.check_opt("summary", self.summary, Markdown::parse);
        let source_url = fields.check_opt("sourceUrl", self.source_url, WebUrl::parse);
        let duration_seconds = fields.check_opt(
            "durationSeconds",
            self.duration_seconds,
            DurationSeconds::new,
        );
        let tags = fields.check("tags", Tags::parse(self.tags));
        Ok(all_valid!(
            fields,
            (title, content, transcription, summary, source_url, duration_seconds, tags) => NewNote {
                course_id: self.course_id,
                title,
                content,
                transcription,
                summary,
                source: self.source.unwrap_or(NoteSource::Manual),
                source_url,
                duration_seconds,
                tags,
            }
        ))
    }
}

/// Changes to a note: fields left out stay; `null` clears a nullable one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateNote {
    title: Option<String>,
    content: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    transcription: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    summary: Option<Option<String>>,
    /// The new tags, replacing the old ones.
    tags: Option<Vec<String>>,
    /// The course to file it under; `null` unfiles it.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<CourseId>)]
    course_id: Option<Option<CourseId>>,
}

impl UpdateNote {
    fn into_domain(self) -> ApiResult<NoteUpdate> {
        let mut fields = Fields::new();
        let title = fields.check_opt("title", self.title, Title::parse);
        let content = fields.check_opt("content", self.content, Markdown::parse);
        let transcription =
            fields.check_patch("transcription", self.transcription, Markdown::parse);
        let summary = fields.check_patch("summary", self.summary, Markdown::parse);
        let tags = fields.check_opt("tags", self.tags, Tags::parse);
        Ok(
            all_valid!(fields, (title, content, transcription, summary, tags) => NoteUpdate {
                course_id: self.course_id,
                title,
                content,
                transcription,
                summary,
                tags,
            }),
        )
    }
}

/// Narrows the list of notes; filters combine with AND.
// `utoipa::IntoParams` stays qualified: the path macro writes `<T as utoipa::IntoParams>`, which
// an import of the trait would make an unnecessary qualification.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct NoteQuery {
    /// Only notes filed under this course.
    #[param(value_type = Option<Uuid>)]
    course_id: Option<String>,
    /// Only notes carrying this tag (exact match).
    tag: Option<String>,
    /// Only notes from this source.
    #[param(value_type = Option<NoteSource>)]
    source: Option<String>,
}

impl NoteQuery {
    fn into_domain(self) -> ApiResult<NoteFilter> {
        let mut fields = Fields::new();
        let course_id = fields.check_opt("courseId", self.course_id, id_param);
        let source = fields.check_opt("source", self.source, enum_param);
        Ok(all_valid!(fields, (course_id, source) => NoteFilter {
            course_id,
            tag: self.tag,
            source,
        }))
    }
}

/// Creates a note.
#[utoipa::path(post, path = "/api/v1/notes", tag = "notes", request_body = CreateNote,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = Note), (status = 401, body = Problem),
        (status = 404, description = "The course is not the student's", body = Problem),
        (status = 422, body = Problem)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<CreateNote>,
) -> ApiResult<HttpResponse> {
    let new = body.into_inner().into_domain()?;
    let note = state.repositories.notes.create(user.user_id, new).await?;
    Ok(created(format!("/api/v1/notes/{}", note.id), &note))
}

/// Lists the student's notes, newest first.
#[utoipa::path(get, path = "/api/v1/notes", tag = "notes", params(PageQuery, NoteQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<Note>), (status = 401, body = Problem),
        (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<NoteQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.to_request()?;
    let filter = filter.into_inner().into_domain()?;
    let notes = state
        .repositories
        .notes
        .list(user.user_id, filter, page)
        .await?;
    Ok(HttpResponse::Ok().json(notes))
}

/// Reads a note.
#[utoipa::path(get, path = "/api/v1/notes/{id}", tag = "notes", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Note), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let note = state
        .repositories
        .notes
        .get(user.user_id, NoteId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(note))
}

/// Changes a note.
#[utoipa::path(patch, path = "/api/v1/notes/{id}", tag = "notes", params(("id" = Uuid, Path)),
    request_body = UpdateNote, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Note), (status = 401, body = Problem),
        (status = 404, description = "The note, or the new course, is not the student's",
            body = Problem),
        (status = 422, body = Problem)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: ApiJson<UpdateNote>,
) -> ApiResult<HttpResponse> {
    let update = body.into_inner().into_domain()?;
    let note = state
        .repositories
        .notes
        .update(user.user_id, NoteId::from_uuid(id.into_inner()), update)
        .await?;
    Ok(HttpResponse::Ok().json(note))
}

/// Deletes a note; material made from it stays, unlinked.
#[utoipa::path(delete, path = "/api/v1/notes/{id}", tag = "notes", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    state
        .repositories
        .notes
        .delete(user.user_id, NoteId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use actix_web::test;
    use serde_json::{Value, json};

    use crate::test_support::{app, bearer, signed_in, state};

    /// The fields a 422 names, in order.
    fn fields_named(problem: &Value) -> Vec<&str> {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect()
    }

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

    #[actix_web::test]
    async fn a_student_creates_reads_changes_and_deletes_a_note() {
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
            "/api/v1/notes",
            json!({
                "title": "Cells",
                "transcription": "raw words",
                "summary": "short",
                "tags": ["bio", " exam ", "BIO"],
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
        let note: Value = test::read_body_json(created).await;
        assert_eq!(
            location,
            format!("/api/v1/notes/{}", note["id"].as_str().unwrap())
        );
        assert_eq!(note["content"], "", "content defaults to empty");
        assert_eq!(note["source"], "MANUAL", "source defaults to MANUAL");
        assert_eq!(note["tags"], json!(["bio", "exam"]));
        assert_eq!(note["courseId"], course["id"]);
        assert_eq!(note["sourceUrl"], Value::Null);
        assert!(note["createdAt"].is_string() && note["updatedAt"].is_string());

        let read = get_json!(&app, &token, &location);
        assert_eq!(read, note);

        let changed = test::TestRequest::patch()
            .uri(&location)
            .insert_header(bearer(&token))
            .set_json(json!({
                "content": "# Cells\nThe unit of life.",
                "transcription": null,
                "courseId": null,
                "tags": ["cells"],
            }))
            .send_request(&app)
            .await;
        assert_eq!(changed.status(), 200);
        let changed: Value = test::read_body_json(changed).await;
        assert_eq!(changed["transcription"], Value::Null, "null clears");
        assert_eq!(changed["courseId"], Value::Null, "null unfiles");
        assert_eq!(changed["summary"], "short", "untouched fields stay");
        assert_eq!(changed["title"], "Cells");
        assert_eq!(changed["tags"], json!(["cells"]));
        assert_eq!(changed["content"], "# Cells\nThe unit of life.");

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
    async fn notes_are_filtered_by_course_tag_and_source() {
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
        let course_id = course["id"].as_str().unwrap();
        for body in [
            json!({ "title": "Filed", "courseId": course_id, "tags": ["exam"] }),
            json!({ "title": "Loose", "tags": ["exam", "later"] }),
            json!({ "title": "Lecture", "source": "YOUTUBE",
                    "sourceUrl": "https://youtube.com/watch?v=1", "durationSeconds": 3600 }),
        ] {
            let response = post_json!(&app, &token, "/api/v1/notes", body);
            assert_eq!(response.status(), 201);
        }
        let titles = |page: &Value| -> Vec<String> {
            let mut titles: Vec<String> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n["title"].as_str().unwrap().to_owned())
                .collect();
            titles.sort();
            titles
        };

        let all = get_json!(&app, &token, "/api/v1/notes");
        assert_eq!(titles(&all), ["Filed", "Lecture", "Loose"]);
        assert_eq!(all["nextCursor"], Value::Null);
        let by_course = get_json!(&app, &token, &format!("/api/v1/notes?courseId={course_id}"));
        assert_eq!(titles(&by_course), ["Filed"]);
        let by_tag = get_json!(&app, &token, "/api/v1/notes?tag=exam");
        assert_eq!(titles(&by_tag), ["Filed", "Loose"]);
        let both = get_json!(
            &app,
            &token,
            &format!("/api/v1/notes?tag=exam&courseId={course_id}&limit=5")
        );
        assert_eq!(titles(&both), ["Filed"]);
        let by_source = get_json!(&app, &token, "/api/v1/notes?source=YOUTUBE");
        assert_eq!(titles(&by_source), ["Lecture"]);
        assert_eq!(by_source["items"][0]["durationSeconds"], 3600);

        for (query, field) in [
            ("source=PODCAST", "source"),
            ("source=manual", "source"),
            ("courseId=not-a-uuid", "courseId"),
        ] {
            let response = test::TestRequest::get()
                .uri(&format!("/api/v1/notes?{query}"))
                .insert_header(bearer(&token))
                .send_request(&app)
                .await;
            assert_eq!(response.status(), 422, "{query}");
            let problem: Value = test::read_body_json(response).await;
            assert_eq!(fields_named(&problem), [field]);
        }
    }

    #[actix_web::test]
    async fn bad_input_is_named_field_by_field() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let response = post_json!(
            &app,
            &token,
            "/api/v1/notes",
            json!({
                "title": " ",
                "sourceUrl": "ftp://example.com",
                "durationSeconds": -1,
                "tags": ["ok", ""],
            })
        );
        assert_eq!(response.status(), 422);
        let problem: Value = test::read_body_json(response).await;
        assert_eq!(
            fields_named(&problem),
            ["title", "sourceUrl", "durationSeconds", "tags"]
        );

        let unknown_source = post_json!(
            &app,
            &token,
            "/api/v1/notes",
            json!({ "title": "x", "source": "PODCAST" })
        );
        assert_eq!(unknown_source.status(), 422);
        let problem: Value = test::read_body_json(unknown_source).await;
        assert_eq!(fields_named(&problem), ["source"]);

        let unknown_field = post_json!(
            &app,
            &token,
            "/api/v1/notes",
            json!({ "title": "x", "userId": "someone" })
        );
        assert_eq!(unknown_field.status(), 422);

        let note = post_json!(&app, &token, "/api/v1/notes", json!({ "title": "Kept" }));
        let note: Value = test::read_body_json(note).await;
        let response = test::TestRequest::patch()
            .uri(&format!("/api/v1/notes/{}", note["id"].as_str().unwrap()))
            .insert_header(bearer(&token))
            .set_json(json!({ "title": "", "tags": vec!["x"; 21] }))
            .send_request(&app)
            .await;
        assert_eq!(response.status(), 422);
        let problem: Value = test::read_body_json(response).await;
        assert_eq!(
            fields_named(&problem),
            ["title"],
            "repeated tags count once"
        );
    }

    #[actix_web::test]
    async fn another_students_note_and_course_are_not_found() {
        let state = state();
        let (_, ada) = signed_in(&state, "ada@example.com").await;
        let (_, bob) = signed_in(&state, "bob@example.com").await;
        let app = app(state).await;
        let note = post_json!(&app, &ada, "/api/v1/notes", json!({ "title": "Ada's" }));
        let note: Value = test::read_body_json(note).await;
        let uri = format!("/api/v1/notes/{}", note["id"].as_str().unwrap());

        for request in [
            test::TestRequest::get().uri(&uri),
            test::TestRequest::patch()
                .uri(&uri)
                .set_json(json!({ "title": "Bob's now" })),
            test::TestRequest::delete().uri(&uri),
        ] {
            let response = request.insert_header(bearer(&bob)).send_request(&app).await;
            assert_eq!(response.status(), 404);
        }
        let unchanged = get_json!(&app, &ada, &uri);
        assert_eq!(unchanged, note);
        let bobs_list = get_json!(&app, &bob, "/api/v1/notes");
        assert_eq!(bobs_list["items"], json!([]));

        let course = post_json!(&app, &ada, "/api/v1/courses", json!({ "name": "Ada's" }));
        let course: Value = test::read_body_json(course).await;
        let linked = post_json!(
            &app,
            &bob,
            "/api/v1/notes",
            json!({ "title": "Sneaky", "courseId": course["id"] })
        );
        assert_eq!(linked.status(), 404);
        let bobs = post_json!(&app, &bob, "/api/v1/notes", json!({ "title": "Bob's" }));
        let bobs: Value = test::read_body_json(bobs).await;
        let bobs_uri = format!("/api/v1/notes/{}", bobs["id"].as_str().unwrap());
        let refiled = test::TestRequest::patch()
            .uri(&bobs_uri)
            .insert_header(bearer(&bob))
            .set_json(json!({ "courseId": course["id"] }))
            .send_request(&app)
            .await;
        assert_eq!(refiled.status(), 404);
        assert_eq!(get_json!(&app, &bob, &bobs_uri)["courseId"], Value::Null);

        let anonymous = test::TestRequest::post()
            .uri("/api/v1/notes")
            .set_json(json!({ "bad": true }))
            .send_request(&app)
            .await;
        assert_eq!(anonymous.status(), 401, "no session is 401 before the body");
    }

    #[actix_web::test]
    async fn notes_are_paged_with_the_next_cursor() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        for i in 0..25 {
            let response = post_json!(
                &app,
                &token,
                "/api/v1/notes",
                json!({ "title": format!("Note {i}") })
            );
            assert_eq!(response.status(), 201);
        }
        let mut seen = HashSet::new();
        let mut sizes = Vec::new();
        let mut uri = "/api/v1/notes?limit=10".to_owned();
        loop {
            let page = get_json!(&app, &token, &uri);
            let items = page["items"].as_array().unwrap();
            sizes.push(items.len());
            for item in items {
                assert!(seen.insert(item["id"].as_str().unwrap().to_owned()));
            }
            match page["nextCursor"].as_str() {
                Some(cursor) => uri = format!("/api/v1/notes?limit=10&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(sizes, [10, 10, 5]);
        assert_eq!(seen.len(), 25);
    }
}
