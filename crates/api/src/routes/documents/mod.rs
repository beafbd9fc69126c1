//! `/api/v1/documents`: files the student uploaded (PDFs, slides, syllabi), processed in the
//! background into searchable text: uploaded, listed, read, downloaded, renamed, refiled,
//! processed again and deleted.

use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::{HttpRequest, HttpResponse, web};
use sophie_domain::{Document, DocumentId, Page};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::json::ApiJson;
use crate::paging::PageQuery;
use crate::query::ApiQuery;
use crate::reply::{Accepted, NoContent};
use crate::state::AppState;

mod body;
#[cfg(test)]
mod tests;
pub(crate) mod upload;

use body::{DocumentQuery, UpdateDocument};
use upload::UploadForm;

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, update, delete, file, reprocess, summarize),
    components(schemas(UpdateDocument, UploadForm, Document, Page<Document>)),
    tags((name = "documents", description = "Files the student uploaded"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/documents")
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
            )
            .service(web::resource("/{id}/file").route(web::get().to(file)))
            .service(web::resource("/{id}/reprocess").route(web::post().to(reprocess)))
            .service(web::resource("/{id}/summary").route(web::post().to(summarize)))
            .service(
                web::resource("/{id}/extract-events")
                    .route(web::post().to(super::calendar::extractions::extract_from_document)),
            ),
    );
}

/// Uploads a document as `multipart/form-data`: a `file` part (PDF, DOCX, PPTX, HTML,
/// Markdown or plain text, found from its bytes, not its name), and optional `title` and
/// `courseId` parts. Answers 202 with the document `PENDING` and its `Location`; it is
/// processed in the background (`PROCESSING`, then `READY` with `pageCount`, or `FAILED`
/// with `errorMessage`), and a notification tells the student either way.
#[utoipa::path(post, path = "/api/v1/documents", tag = "documents",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 202, description = "Stored; processing in the background", body = Document,
            headers(("Location" = String, description = "The document's URL, to poll"))),
        (status = 400, description = "The multipart body cannot be read", body = Problem),
        (status = 401, body = Problem),
        (status = 404, description = "The course is not the student's", body = Problem),
        (status = 413, description = "The file is larger than the upload limit", body = Problem),
        (status = 415, description = "Not multipart/form-data, or a file of a type that is \
            not supported (the answer names what was found)", body = Problem),
        (status = 422, description = "No file, an unknown part, or a bad title or course id",
            body = Problem)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    request: HttpRequest,
    payload: web::Payload,
) -> ApiResult<Accepted<Document>> {
    let documents = state.documents()?;
    let upload = upload::read(request.headers(), payload, documents.upload_limit(), || {
        documents.too_large().into()
    })
    .await?;
    let document = documents.upload(user.user_id, upload).await?;
    Ok(Accepted::at(
        format!("/api/v1/documents/{}", document.id),
        document,
    ))
}

/// Downloads the document's original file, with its type and a safe
/// `Content-Disposition: attachment`.
#[utoipa::path(get, path = "/api/v1/documents/{id}/file", tag = "documents",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "The bytes as uploaded",
            content(
                (Vec<u8> = "application/pdf"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                (Vec<u8> = "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
                (String = "text/html"), (String = "text/markdown"), (String = "text/plain"),
                (Vec<u8> = "application/octet-stream"))),
        (status = 401, body = Problem),
        (status = 404, description = "No such document of the student's, or its file is gone",
            body = Problem)))]
async fn file(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<DocumentId>,
) -> ApiResult<HttpResponse> {
    let file = state
        .documents()?
        .file(user.user_id, id.into_inner())
        .await?;
    let disposition = ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii_file_name(&file.file_name)),
            DispositionParam::FilenameExt(header::ExtendedValue {
                charset: header::Charset::Ext("UTF-8".to_owned()),
                language_tag: None,
                value: file.file_name.into_bytes(),
            }),
        ],
    };
    let mime = if file.mime_type.starts_with("text/") {
        format!("{}; charset=utf-8", file.mime_type)
    } else {
        file.mime_type
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, mime))
        .insert_header(disposition)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; sandbox",
        ))
        .body(file.bytes))
}

/// The file name with anything outside printable ASCII (and quotes, backslashes) replaced,
/// for clients that ignore `filename*`.
pub(crate) fn ascii_file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Processes the document again: back to `PENDING`, and processed in the background (after a
/// failure, or to pick up a better extractor or embedding model).
#[utoipa::path(post, path = "/api/v1/documents/{id}/reprocess", tag = "documents",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 202, description = "Processing again", body = Document,
            headers(("Location" = String, description = "The document's URL, to poll"))),
        (status = 401, body = Problem),
        (status = 404, body = Problem),
        (status = 409, description = "It is still being processed", body = Problem)))]
async fn reprocess(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<DocumentId>,
) -> ApiResult<Accepted<Document>> {
    let document = state
        .documents()?
        .reprocess(user.user_id, id.into_inner())
        .await?;
    Ok(Accepted::at(
        format!("/api/v1/documents/{}", document.id),
        document,
    ))
}

/// Summarizes the processed document from its text and stores the summary in `summary`,
/// replacing any before: a few of its own central sentences offline, the model's words when
/// one is configured.
#[utoipa::path(post, path = "/api/v1/documents/{id}/summary", tag = "documents",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "The document with its new summary", body = Document),
        (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 409, description = "It is not processed (READY) yet", body = Problem),
        (status = 422, description = "Too little text to summarize, or a bad id",
            body = Problem),
        (status = 429, description = "The student's model tokens of the day are spent",
            body = Problem),
        (status = 503, description = "The model could not be reached", body = Problem)))]
async fn summarize(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<DocumentId>,
) -> ApiResult<web::Json<Document>> {
    let document = state
        .summaries()?
        .summarize_document(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(document))
}

/// Lists the student's documents, newest first.
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents",
    params(PageQuery, DocumentQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<Document>), (status = 401, body = Problem),
        (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageQuery,
    filter: ApiQuery<DocumentQuery>,
) -> ApiResult<web::Json<Page<Document>>> {
    let page = page.to_request()?;
    let filter = filter.into_inner().into_domain()?;
    let documents = state
        .repositories
        .documents
        .list(user.user_id, filter, page)
        .await?;
    Ok(web::Json(documents))
}

/// Reads a document's record.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Document), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<DocumentId>,
) -> ApiResult<web::Json<Document>> {
    let document = state
        .repositories
        .documents
        .get(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(document))
}

/// Renames or refiles a document.
#[utoipa::path(patch, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = Uuid, Path)), request_body = UpdateDocument,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Document), (status = 401, body = Problem),
        (status = 404, description = "The document, or the new course, is not the student's",
            body = Problem),
        (status = 422, body = Problem)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<DocumentId>,
    body: ApiJson<UpdateDocument>,
) -> ApiResult<web::Json<Document>> {
    let update = body.into_inner().into_domain()?;
    let document = state
        .repositories
        .documents
        .update(user.user_id, id.into_inner(), update)
        .await?;
    Ok(web::Json(document))
}

/// Deletes a document, its search index and its file; material made from it stays, unlinked.
#[utoipa::path(delete, path = "/api/v1/documents/{id}", tag = "documents",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<DocumentId>,
) -> ApiResult<NoContent> {
    state
        .documents()?
        .delete(user.user_id, id.into_inner())
        .await?;
    Ok(NoContent)
}
