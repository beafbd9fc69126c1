//! `/api/v1/study-guides`: Markdown guides made from notes or documents, editable by the
//! student.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use sophie_domain::values::{Markdown, Title};
use sophie_domain::{
    CourseId, DocumentId, NewStudyGuide, NoteId, Page, SourceLinks, SourceLinksUpdate, StudyGuide,
    StudyGuideFilter, StudyGuideId, StudyGuideUpdate,
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
use crate::validate::{Fields, id_param};

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, update, delete),
    components(schemas(CreateStudyGuide, UpdateStudyGuide, StudyGuide, Page<StudyGuide>)),
    tags((name = "study-guides", description = "Study guides made from the student's material"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/study-guides")
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

/// A new study guide.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateStudyGuide {
    /// Its title, 1 to 200 characters.
    title: String,
    /// Its Markdown body.
    content: String,
    /// The course to file it under.
    course_id: Option<CourseId>,
    /// The note it was made from.
    note_id: Option<NoteId>,
    /// The document it was made from.
    document_id: Option<DocumentId>,
}

impl CreateStudyGuide {
    fn into_domain(self) -> ApiResult<NewStudyGuide> {
        let mut fields = Fields::new();
        let title = fields.check("title", Title::parse(self.title));
        let content = fields.check("content", Markdown::parse(self.content));
        Ok(all_valid!(fields, (title, content) => NewStudyGuide {
            title,
            content,
            links: SourceLinks {
                course_id: self.course_id,
                note_id: self.note_id,
                document_id: self.document_id,
            },
        }))
    }
}

/// Changes to a study guide: fields left out stay; `null` removes a link.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateStudyGuide {
    title: Option<String>,
    content: Option<String>,
    /// The course to file it under; `null` unfiles it.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<CourseId>)]
    course_id: Option<Option<CourseId>>,
    /// The note it was made from; `null` unlinks it.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<NoteId>)]
    note_id: Option<Option<NoteId>>,
    /// The document it was made from; `null` unlinks it.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<DocumentId>)]
    document_id: Option<Option<DocumentId>>,
}

impl UpdateStudyGuide {
    fn into_domain(self) -> ApiResult<StudyGuideUpdate> {
        let mut fields = Fields::new();
        let title = fields.check_opt("title", self.title, Title::parse);
        let content = fields.check_opt("content", self.content, Markdown::parse);
        Ok(all_valid!(fields, (title, content) => StudyGuideUpdate {
            title,
            content,
            links: SourceLinksUpdate {
                course_id: self.course_id,
                note_id: self.note_id,
                document_id: self.document_id,
            },
        }))
    }
}

/// Narrows the list of study guides; filters combine with AND.
// `utoipa::IntoParams` stays qualified: the path macro writes `<T as utoipa::IntoParams>`, which
// an import of the trait would make an unnecessary qualification.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct StudyGuideQuery {
    /// Only guides filed under this course.
    #[param(value_type = Option<Uuid>)]
    course_id: Option<String>,
    /// Only guides made from this note.
    #[param(value_type = Option<Uuid>)]
    note_id: Option<String>,
    /// Only guides made from this document.
    #[param(value_type = Option<Uuid>)]
    document_id: Option<String>,
}

impl StudyGuideQuery {
    fn into_domain(self) -> ApiResult<StudyGuideFilter> {
        let mut fields = Fields::new();
        let course_id = fields.check_opt("courseId", self.course_id, id_param);
        let note_id = fields.check_opt("noteId", self.note_id, id_param);
        let document_id = fields.check_opt("documentId", self.document_id, id_param);
        Ok(
            all_valid!(fields, (course_id, note_id, document_id) => StudyGuideFilter {
                course_id,
                note_id,
                document_id,
            }),
        )
    }
}

/// Creates a study guide.
#[utoipa::path(post, path = "/api/v1/study-guides", tag = "study-guides",
    request_body = CreateStudyGuide, security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = StudyGuide), (status = 401, body = Problem),
        (status = 404, description = "A linked course, note or document is not the student's",
            body = Problem),
        (status = 422, body = Problem)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<CreateStudyGuide>,
) -> ApiResult<HttpResponse> {
    let new = body.into_inner().into_domain()?;
    let guide = state
        .repositories
        .study_guides
        .create(user.user_id, new)
        .await?;
    Ok(created(
        format!("/api/v1/study-guides/{}", guide.id),
        &guide,
    ))
}

/// Lists the student's study guides, newest first.
#[utoipa::path(get, path = "/api/v1/study-guides", tag = "study-guides",
    params(PageQuery, StudyGuideQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<StudyGuide>), (status = 401, body = Problem),
        (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<StudyGuideQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.to_request()?;
    let filter = filter.into_inner().into_domain()?;
    let guides = state
        .repositories
        .study_guides
        .list(user.user_id, filter, page)
        .await?;
    Ok(HttpResponse::Ok().json(guides))
}

/// Reads a study guide.
#[utoipa::path(get, path = "/api/v1/study-guides/{id}", tag = "study-guides",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = StudyGuide), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let guide = state
        .repositories
        .study_guides
        .get(user.user_id, StudyGuideId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(guide))
}

/// Changes a study guide.
#[utoipa::path(patch, path = "/api/v1/study-guides/{id}", tag = "study-guides",
    params(("id" = Uuid, Path)), request_body = UpdateStudyGuide,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = StudyGuide), (status = 401, body = Problem),
        (status = 404,
            description = "The guide, or a newly linked course, note or document, is not the \
                           student's",
            body = Problem),
        (status = 422, body = Problem)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: ApiJson<UpdateStudyGuide>,
) -> ApiResult<HttpResponse> {
    let update = body.into_inner().into_domain()?;
    let guide = state
        .repositories
        .study_guides
        .update(
            user.user_id,
            StudyGuideId::from_uuid(id.into_inner()),
            update,
        )
        .await?;
    Ok(HttpResponse::Ok().json(guide))
}

/// Deletes a study guide.
#[utoipa::path(delete, path = "/api/v1/study-guides/{id}", tag = "study-guides",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    state
        .repositories
        .study_guides
        .delete(user.user_id, StudyGuideId::from_uuid(id.into_inner()))
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

    fn titles(page: &Value) -> Vec<String> {
        let mut titles: Vec<String> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["title"].as_str().unwrap().to_owned())
            .collect();
        titles.sort();
        titles
    }

    #[actix_web::test]
    async fn a_student_creates_reads_changes_and_deletes_a_guide() {
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
        let note = post_json!(&app, &token, "/api/v1/notes", json!({ "title": "Cells" }));
        let note: Value = test::read_body_json(note).await;

        let created = post_json!(
            &app,
            &token,
            "/api/v1/study-guides",
            json!({
                "title": "Cells, revised",
                "content": "## Key ideas",
                "courseId": course["id"],
                "noteId": note["id"],
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
        let guide: Value = test::read_body_json(created).await;
        assert_eq!(
            location,
            format!("/api/v1/study-guides/{}", guide["id"].as_str().unwrap())
        );
        assert_eq!(guide["courseId"], course["id"]);
        assert_eq!(guide["noteId"], note["id"]);
        assert_eq!(guide["documentId"], Value::Null);
        assert_eq!(guide["content"], "## Key ideas");
        assert_eq!(get_json!(&app, &token, &location), guide);

        let changed = test::TestRequest::patch()
            .uri(&location)
            .insert_header(bearer(&token))
            .set_json(json!({ "content": "", "noteId": null }))
            .send_request(&app)
            .await;
        assert_eq!(changed.status(), 200);
        let changed: Value = test::read_body_json(changed).await;
        assert_eq!(changed["noteId"], Value::Null, "null unlinks");
        assert_eq!(changed["content"], "", "a guide may be emptied");
        assert_eq!(changed["courseId"], course["id"], "untouched links stay");
        assert_eq!(changed["title"], "Cells, revised");

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
    async fn guides_are_filtered_by_course_and_note() {
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
        let note = post_json!(&app, &token, "/api/v1/notes", json!({ "title": "Cells" }));
        let note: Value = test::read_body_json(note).await;
        for body in [
            json!({ "title": "From the note", "content": "", "noteId": note["id"] }),
            json!({ "title": "Filed", "content": "", "courseId": course["id"] }),
            json!({ "title": "Both", "content": "", "courseId": course["id"],
                    "noteId": note["id"] }),
            json!({ "title": "Neither", "content": "" }),
        ] {
            let response = post_json!(&app, &token, "/api/v1/study-guides", body);
            assert_eq!(response.status(), 201);
        }
        let course_id = course["id"].as_str().unwrap();
        let note_id = note["id"].as_str().unwrap();
        let all = get_json!(&app, &token, "/api/v1/study-guides");
        assert_eq!(all["items"].as_array().unwrap().len(), 4);
        let by_note = get_json!(
            &app,
            &token,
            &format!("/api/v1/study-guides?noteId={note_id}")
        );
        assert_eq!(titles(&by_note), ["Both", "From the note"]);
        let by_course = get_json!(
            &app,
            &token,
            &format!("/api/v1/study-guides?courseId={course_id}")
        );
        assert_eq!(titles(&by_course), ["Both", "Filed"]);
        let both = get_json!(
            &app,
            &token,
            &format!("/api/v1/study-guides?courseId={course_id}&noteId={note_id}")
        );
        assert_eq!(titles(&both), ["Both"]);
        let none = get_json!(
            &app,
            &token,
            &format!("/api/v1/study-guides?documentId={}", uuid::Uuid::new_v4())
        );
        assert_eq!(none["items"], json!([]));

        let bad = test::TestRequest::get()
            .uri("/api/v1/study-guides?noteId=nope")
            .insert_header(bearer(&token))
            .send_request(&app)
            .await;
        assert_eq!(bad.status(), 422);
        let problem: Value = test::read_body_json(bad).await;
        assert_eq!(problem["errors"][0]["field"], "noteId");
    }

    #[actix_web::test]
    async fn bad_input_is_named_field_by_field() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let response = post_json!(
            &app,
            &token,
            "/api/v1/study-guides",
            json!({ "title": "", "content": "x".repeat(1_000_001) })
        );
        assert_eq!(response.status(), 422);
        let problem: Value = test::read_body_json(response).await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["title", "content"]);

        let missing = post_json!(
            &app,
            &token,
            "/api/v1/study-guides",
            json!({ "title": "No body" })
        );
        assert_eq!(missing.status(), 422, "content is required");
        let bad_link = post_json!(
            &app,
            &token,
            "/api/v1/study-guides",
            json!({ "title": "x", "content": "", "noteId": "not-a-uuid" })
        );
        assert_eq!(bad_link.status(), 422);
        let problem: Value = test::read_body_json(bad_link).await;
        assert_eq!(problem["errors"][0]["field"], "noteId");
    }

    #[actix_web::test]
    async fn another_students_guide_and_material_are_not_found() {
        let state = state();
        let (_, ada) = signed_in(&state, "ada@example.com").await;
        let (_, bob) = signed_in(&state, "bob@example.com").await;
        let app = app(state).await;
        let guide = post_json!(
            &app,
            &ada,
            "/api/v1/study-guides",
            json!({ "title": "Ada's", "content": "mine" })
        );
        let guide: Value = test::read_body_json(guide).await;
        let uri = format!("/api/v1/study-guides/{}", guide["id"].as_str().unwrap());
        for request in [
            test::TestRequest::get().uri(&uri),
            test::TestRequest::patch()
                .uri(&uri)
                .set_json(json!({ "content": "Bob's now" })),
            test::TestRequest::delete().uri(&uri),
        ] {
            let response = request.insert_header(bearer(&bob)).send_request(&app).await;
            assert_eq!(response.status(), 404);
        }
        assert_eq!(get_json!(&app, &ada, &uri), guide, "unchanged");

        let course = post_json!(&app, &ada, "/api/v1/courses", json!({ "name": "Ada's" }));
        let course: Value = test::read_body_json(course).await;
        let note = post_json!(&app, &ada, "/api/v1/notes", json!({ "title": "Ada's" }));
        let note: Value = test::read_body_json(note).await;
        for link in [
            json!({ "courseId": course["id"] }),
            json!({ "noteId": note["id"] }),
        ] {
            let mut body = json!({ "title": "Sneaky", "content": "" });
            body.as_object_mut()
                .unwrap()
                .extend(link.as_object().unwrap().clone());
            let response = post_json!(&app, &bob, "/api/v1/study-guides", body);
            assert_eq!(response.status(), 404, "{link}");
        }
        let bobs = post_json!(
            &app,
            &bob,
            "/api/v1/study-guides",
            json!({ "title": "Bob's", "content": "" })
        );
        let bobs: Value = test::read_body_json(bobs).await;
        let relinked = test::TestRequest::patch()
            .uri(&format!(
                "/api/v1/study-guides/{}",
                bobs["id"].as_str().unwrap()
            ))
            .insert_header(bearer(&bob))
            .set_json(json!({ "noteId": note["id"] }))
            .send_request(&app)
            .await;
        assert_eq!(relinked.status(), 404);
        assert_eq!(
            get_json!(&app, &bob, "/api/v1/study-guides")["items"][0]["noteId"],
            Value::Null
        );
    }
}
