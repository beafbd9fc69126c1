//! `/api/v1/import-jobs`: the student's view of imports running in the background.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use sophie_domain::{DomainError, ImportJob, ImportJobFilter, ImportJobId, JobStatus, Page};
use utoipa::OpenApi;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::paging::PageQuery;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, cancel, delete),
    components(schemas(ImportJob, JobStatus, Page<ImportJob>)),
    tags((name = "import-jobs", description = "Imports of lectures, videos, files and web pages, \
                                               running in the background"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/import-jobs")
            .service(
                web::resource("")
                    .route(web::post().to(create))
                    .route(web::get().to(list)),
            )
            .service(
                web::resource("/{id}")
                    .route(web::get().to(get))
                    .route(web::delete().to(delete)),
            )
            .service(web::resource("/{id}/cancel").route(web::post().to(cancel))),
    );
}

/// Narrows the list of imports.
// `utoipa::IntoParams` stays qualified: imported, it makes `#[utoipa::path]` warn
// (`unused_qualifications`) on the `web::Query` of the handler.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct ImportJobQuery {
    /// Only imports in this state.
    status: Option<JobStatus>,
}

impl ImportJobQuery {
    const fn to_filter(&self) -> ImportJobFilter {
        ImportJobFilter {
            status: self.status,
        }
    }
}

/// Starts an import: **not available in this version**.
///
/// Imports are run by the background worker, which comes in a later version of sophie; until
/// then this always answers 501 Not Implemented, and no job is recorded.
#[utoipa::path(post, path = "/api/v1/import-jobs", tag = "import-jobs",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 401, body = Problem),
        (status = 501, body = Problem, description = "Starting imports comes in a later version")))]
async fn create(_user: CurrentUser) -> ApiResult<HttpResponse> {
    Err(DomainError::NotImplemented {
        feature: "starting imports",
    }
    .into())
}

/// Lists the student's imports, newest first.
#[utoipa::path(get, path = "/api/v1/import-jobs", tag = "import-jobs",
    params(PageQuery, ImportJobQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<ImportJob>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<ImportJobQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.to_request()?;
    let jobs = state
        .repositories
        .import_jobs
        .list(user.user_id, filter.to_filter(), page)
        .await?;
    Ok(HttpResponse::Ok().json(jobs))
}

/// Reads an import.
#[utoipa::path(get, path = "/api/v1/import-jobs/{id}", tag = "import-jobs",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ImportJob), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let job = state
        .repositories
        .import_jobs
        .get(user.user_id, ImportJobId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(job))
}

/// Cancels an import that has not finished: it becomes `CANCELLED`, with `completedAt` set.
#[utoipa::path(post, path = "/api/v1/import-jobs/{id}/cancel", tag = "import-jobs",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ImportJob), (status = 401, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "The import has already finished")))]
async fn cancel(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let job = state
        .repositories
        .import_jobs
        .cancel(user.user_id, ImportJobId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(job))
}

/// Deletes an import's record; the note or document it produced stays.
#[utoipa::path(delete, path = "/api/v1/import-jobs/{id}", tag = "import-jobs",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    state
        .repositories
        .import_jobs
        .delete(user.user_id, ImportJobId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[cfg(test)]
mod tests {
    use actix_web::test;
    use serde_json::{Value, json};
    use sophie_domain::values::{Title, WebUrl};
    use sophie_domain::{
        ImportJob, ImportJobUpdate, ImportSource, JobStatus, NewImportJob, UserId,
    };

    use crate::state::AppState;
    use crate::test_support::{app, bearer, signed_in, state};

    async fn job(state: &AppState, user: UserId, title: &str) -> ImportJob {
        state
            .repositories
            .import_jobs
            .create(
                user,
                NewImportJob {
                    source: ImportSource::Youtube,
                    source_url: Some(WebUrl::parse("https://youtube.com/watch?v=x").unwrap()),
                    title: Some(Title::parse(title).unwrap()),
                    document_id: None,
                },
            )
            .await
            .unwrap()
    }

    #[actix_web::test]
    async fn a_student_lists_filters_reads_cancels_and_deletes_imports() {
        let state = state();
        let (ada, token) = signed_in(&state, "ada@example.com").await;
        let lecture = job(&state, ada, "Lecture 1").await;
        let finished = job(&state, ada, "Lecture 2").await;
        state
            .repositories
            .import_jobs
            .update(
                ada,
                finished.id,
                ImportJobUpdate {
                    status: Some(JobStatus::Completed),
                    ..ImportJobUpdate::default()
                },
            )
            .await
            .unwrap();
        let app = app(state).await;

        let all: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get()
                .uri("/api/v1/import-jobs")
                .insert_header(bearer(&token))
                .to_request(),
        )
        .await;
        let titles: Vec<&str> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Lecture 2", "Lecture 1"], "newest first");
        let pending: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get()
                .uri("/api/v1/import-jobs?status=PENDING&limit=5")
                .insert_header(bearer(&token))
                .to_request(),
        )
        .await;
        assert_eq!(pending["items"].as_array().unwrap().len(), 1);
        assert_eq!(pending["items"][0]["id"], lecture.id.to_string());
        assert_eq!(pending["nextCursor"], Value::Null);
        let bad_status = test::TestRequest::get()
            .uri("/api/v1/import-jobs?status=DONE")
            .insert_header(bearer(&token))
            .send_request(&app)
            .await;
        assert_eq!(bad_status.status(), 400);

        let uri = format!("/api/v1/import-jobs/{}", lecture.id);
        let read: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get()
                .uri(&uri)
                .insert_header(bearer(&token))
                .to_request(),
        )
        .await;
        assert_eq!(read["status"], "PENDING");
        assert_eq!(read["source"], "YOUTUBE");
        assert_eq!(read["completedAt"], Value::Null);

        let cancelled = test::TestRequest::post()
            .uri(&format!("{uri}/cancel"))
            .insert_header(bearer(&token))
            .send_request(&app)
            .await;
        assert_eq!(cancelled.status(), 200);
        let cancelled: Value = test::read_body_json(cancelled).await;
        assert_eq!(cancelled["status"], "CANCELLED");
        assert!(cancelled["completedAt"].is_string());
        let again = test::TestRequest::post()
            .uri(&format!("{uri}/cancel"))
            .insert_header(bearer(&token))
            .send_request(&app)
            .await;
        assert_eq!(again.status(), 409);
        let problem: Value = test::read_body_json(again).await;
        assert_eq!(problem["type"], "urn:sophie:problem:conflict");
        let completed = test::TestRequest::post()
            .uri(&format!("/api/v1/import-jobs/{}/cancel", finished.id))
            .insert_header(bearer(&token))
            .send_request(&app)
            .await;
        assert_eq!(
            completed.status(),
            409,
            "a finished import cannot be cancelled"
        );

        let deleted = test::TestRequest::delete()
            .uri(&uri)
            .insert_header(bearer(&token))
            .send_request(&app)
            .await;
        assert_eq!(deleted.status(), 204);
        let gone = test::TestRequest::get()
            .uri(&uri)
            .insert_header(bearer(&token))
            .send_request(&app)
            .await;
        assert_eq!(gone.status(), 404);
    }

    #[actix_web::test]
    async fn another_students_import_is_not_found_and_stays_unchanged() {
        let state = state();
        let (ada, _) = signed_in(&state, "ada@example.com").await;
        let (_, bob) = signed_in(&state, "bob@example.com").await;
        let lecture = job(&state, ada, "Ada's lecture").await;
        let app = app(state.clone()).await;

        let uri = format!("/api/v1/import-jobs/{}", lecture.id);
        for request in [
            test::TestRequest::get().uri(&uri),
            test::TestRequest::post().uri(&format!("{uri}/cancel")),
            test::TestRequest::delete().uri(&uri),
        ] {
            let response = request.insert_header(bearer(&bob)).send_request(&app).await;
            assert_eq!(response.status(), 404);
        }
        let bobs: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get()
                .uri("/api/v1/import-jobs")
                .insert_header(bearer(&bob))
                .to_request(),
        )
        .await;
        assert_eq!(bobs["items"], json!([]));
        let still = state
            .repositories
            .import_jobs
            .get(ada, lecture.id)
            .await
            .unwrap();
        assert_eq!(still.status, JobStatus::Pending);
    }

    #[actix_web::test]
    async fn starting_an_import_is_not_implemented_yet() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let response = test::TestRequest::post()
            .uri("/api/v1/import-jobs")
            .insert_header(bearer(&token))
            .set_json(json!({ "source": "URL", "sourceUrl": "https://example.com" }))
            .send_request(&app)
            .await;
        assert_eq!(response.status(), 501);
        assert_eq!(
            response.headers().get("Content-Type").unwrap(),
            "application/problem+json"
        );
        let problem: Value = test::read_body_json(response).await;
        assert_eq!(problem["type"], "urn:sophie:problem:not-implemented");
        assert_eq!(problem["status"], 501);
        assert_eq!(
            problem["detail"],
            "starting imports is not available in this version of sophie"
        );
        let anonymous = test::TestRequest::post()
            .uri("/api/v1/import-jobs")
            .send_request(&app)
            .await;
        assert_eq!(anonymous.status(), 401);
    }
}
