//! `/api/v1/courses`: the courses a student takes.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use sophie_domain::values::{Color, Description, Name, ShortText};
use sophie_domain::{Course, CourseId, CourseUpdate, NewCourse, Page};
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
use crate::validate::Fields;

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, update, delete),
    components(schemas(CreateCourse, UpdateCourse, Course, Page<Course>)),
    tags((name = "courses", description = "The courses a student takes"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/courses")
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

/// A new course.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateCourse {
    /// Its name, 1 to 100 characters.
    name: String,
    /// Its code (`MATH 221`).
    code: Option<String>,
    /// A description.
    description: Option<String>,
    /// A palette name or hex colour; `blue` by default.
    color: Option<String>,
    /// The term (`Fall 2026`).
    term: Option<String>,
    /// Who teaches it.
    instructor: Option<String>,
}

impl CreateCourse {
    fn into_domain(self) -> ApiResult<NewCourse> {
        let mut fields = Fields::new();
        let name = fields.check("name", Name::parse(self.name));
        let code = fields.check_opt("code", self.code, ShortText::parse);
        let description = fields.check_opt("description", self.description, Description::parse);
        let color = fields
            .check_opt("color", self.color, Color::parse)
            .map(Option::unwrap_or_default);
        let term = fields.check_opt("term", self.term, ShortText::parse);
        let instructor = fields.check_opt("instructor", self.instructor, ShortText::parse);
        Ok(
            all_valid!(fields, (name, code, description, color, term, instructor) => NewCourse {
                name, code, description, color, term, instructor,
            }),
        )
    }
}

/// Changes to a course: fields left out stay; `null` clears a nullable one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateCourse {
    name: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    code: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    color: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    term: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    instructor: Option<Option<String>>,
}

impl UpdateCourse {
    fn into_domain(self) -> ApiResult<CourseUpdate> {
        let mut fields = Fields::new();
        let name = fields.check_opt("name", self.name, Name::parse);
        let code = fields.check_patch("code", self.code, ShortText::parse);
        let description = fields.check_patch("description", self.description, Description::parse);
        let color = fields.check_opt("color", self.color, Color::parse);
        let term = fields.check_patch("term", self.term, ShortText::parse);
        let instructor = fields.check_patch("instructor", self.instructor, ShortText::parse);
        Ok(
            all_valid!(fields, (name, code, description, color, term, instructor) => CourseUpdate {
                name, code, description, color, term, instructor,
            }),
        )
    }
}

/// Creates a course.
#[utoipa::path(post, path = "/api/v1/courses", tag = "courses", request_body = CreateCourse,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = Course), (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<CreateCourse>,
) -> ApiResult<HttpResponse> {
    let new = body.into_inner().into_domain()?;
    let course = state.repositories.courses.create(user.user_id, new).await?;
    Ok(created(format!("/api/v1/courses/{}", course.id), &course))
}

/// Lists the student's courses, newest first.
#[utoipa::path(get, path = "/api/v1/courses", tag = "courses", params(PageQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<Course>), (status = 401, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.to_request()?;
    let courses = state.repositories.courses.list(user.user_id, page).await?;
    Ok(HttpResponse::Ok().json(courses))
}

/// Reads a course.
#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "courses", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Course), (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let course = state
        .repositories
        .courses
        .get(user.user_id, CourseId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(course))
}

/// Changes a course.
#[utoipa::path(patch, path = "/api/v1/courses/{id}", tag = "courses", params(("id" = Uuid, Path)),
    request_body = UpdateCourse, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Course), (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: ApiJson<UpdateCourse>,
) -> ApiResult<HttpResponse> {
    let update = body.into_inner().into_domain()?;
    let course = state
        .repositories
        .courses
        .update(user.user_id, CourseId::from_uuid(id.into_inner()), update)
        .await?;
    Ok(HttpResponse::Ok().json(course))
}

/// Deletes a course; what was filed under it stays, unfiled.
#[utoipa::path(delete, path = "/api/v1/courses/{id}", tag = "courses", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    state
        .repositories
        .courses
        .delete(user.user_id, CourseId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use actix_web::test;
    use serde_json::{Value, json};

    use crate::test_support::{app, bearer, signed_in, state};

    #[actix_web::test]
    async fn a_student_creates_reads_changes_and_deletes_a_course() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;

        let created = test::TestRequest::post()
            .uri("/api/v1/courses")
            .insert_header(bearer(&token))
            .set_json(json!({ "name": "Linear Algebra", "code": "MATH 221" }))
            .send_request(&app)
            .await;
        assert_eq!(created.status(), 201);
        let location = created
            .headers()
            .get("Location")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let course: Value = test::read_body_json(created).await;
        assert_eq!(course["color"], "blue");
        assert_eq!(
            location,
            format!("/api/v1/courses/{}", course["id"].as_str().unwrap())
        );

        let changed = test::TestRequest::patch()
            .uri(&location)
            .insert_header(bearer(&token))
            .set_json(json!({ "code": null, "term": "Fall 2026" }))
            .send_request(&app)
            .await;
        assert_eq!(changed.status(), 200);
        let changed: Value = test::read_body_json(changed).await;
        assert_eq!(changed["code"], Value::Null, "null clears the code");
        assert_eq!(changed["term"], "Fall 2026");
        assert_eq!(changed["name"], "Linear Algebra", "untouched fields stay");

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
    async fn bad_input_is_named_field_by_field() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let response = test::TestRequest::post()
            .uri("/api/v1/courses")
            .insert_header(bearer(&token))
            .set_json(json!({ "name": " ", "color": "blurple" }))
            .send_request(&app)
            .await;
        assert_eq!(response.status(), 422);
        assert_eq!(
            response.headers().get("Content-Type").unwrap(),
            "application/problem+json"
        );
        let problem: Value = test::read_body_json(response).await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["name", "color"]);
    }

    #[actix_web::test]
    async fn another_students_course_is_not_found_and_no_session_is_unauthorized() {
        let state = state();
        let (_, ada) = signed_in(&state, "ada@example.com").await;
        let (_, bob) = signed_in(&state, "bob@example.com").await;
        let app = app(state).await;
        let created: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::post()
                .uri("/api/v1/courses")
                .insert_header(bearer(&ada))
                .set_json(json!({ "name": "Ada's course" }))
                .to_request(),
        )
        .await;
        let uri = format!("/api/v1/courses/{}", created["id"].as_str().unwrap());
        for request in [
            test::TestRequest::get().uri(&uri),
            test::TestRequest::delete().uri(&uri),
        ] {
            let response = request.insert_header(bearer(&bob)).send_request(&app).await;
            assert_eq!(response.status(), 404);
        }
        let anonymous = test::TestRequest::get()
            .uri("/api/v1/courses")
            .send_request(&app)
            .await;
        assert_eq!(anonymous.status(), 401);
        let not_a_uuid = test::TestRequest::get()
            .uri("/api/v1/courses/not-a-uuid")
            .insert_header(bearer(&ada))
            .send_request(&app)
            .await;
        assert_eq!(not_a_uuid.status(), 404);
    }
}
