//! `/api/v1/notes`: Markdown the student wrote, or the text of an imported lecture.

use actix_web::web;
use sophie_domain::{Note, NoteId, Page};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::json::ApiJson;
use crate::paging::PageQuery;
use crate::query::ApiQuery;
use crate::reply::{Created, NoContent};
use crate::state::AppState;

mod body;
#[cfg(test)]
mod tests;

use body::{CreateNote, NoteQuery, UpdateNote};

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, update, delete, summarize),
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
            )
            .service(web::resource("/{id}/summary").route(web::post().to(summarize)))
            .service(
                web::resource("/{id}/extract-events")
                    .route(web::post().to(super::calendar::extractions::extract_from_note)),
            ),
    );
}

/// Summarizes the note (its content, or its transcription when it has none) and stores the
/// summary in `summary`, replacing any before: a few of its own central sentences offline,
/// the model's words when one is configured.
#[utoipa::path(post, path = "/api/v1/notes/{id}/summary", tag = "notes",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "The note with its new summary", body = Note),
        (status = 401, body = Problem), (status = 404, body = Problem),
        (status = 422, description = "Too little text to summarize, or a bad id",
            body = Problem),
        (status = 429, description = "The student's model tokens of the day are spent",
            body = Problem),
        (status = 503, description = "The model could not be reached", body = Problem)))]
async fn summarize(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<NoteId>,
) -> ApiResult<web::Json<Note>> {
    let note = state
        .summaries()?
        .summarize_note(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(note))
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
) -> ApiResult<Created<Note>> {
    let new = body.into_inner().into_domain()?;
    let note = state.repositories.notes.create(user.user_id, new).await?;
    Ok(Created::at(format!("/api/v1/notes/{}", note.id), note))
}

/// Lists the student's notes, newest first.
#[utoipa::path(get, path = "/api/v1/notes", tag = "notes", params(PageQuery, NoteQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<Note>), (status = 401, body = Problem),
        (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageQuery,
    filter: ApiQuery<NoteQuery>,
) -> ApiResult<web::Json<Page<Note>>> {
    let page = page.to_request()?;
    let filter = filter.into_inner().into_domain()?;
    let notes = state
        .repositories
        .notes
        .list(user.user_id, filter, page)
        .await?;
    Ok(web::Json(notes))
}

/// Reads a note.
#[utoipa::path(get, path = "/api/v1/notes/{id}", tag = "notes", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Note), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<NoteId>,
) -> ApiResult<web::Json<Note>> {
    let note = state
        .repositories
        .notes
        .get(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(note))
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
    id: web::Path<NoteId>,
    body: ApiJson<UpdateNote>,
) -> ApiResult<web::Json<Note>> {
    let update = body.into_inner().into_domain()?;
    let text_changed = update.title.is_some() || update.content.is_some();
    let note = state
        .repositories
        .notes
        .update(user.user_id, id.into_inner(), update)
        .await?;
    // An imported note is found by meaning through its chunks: they follow its text.
    if text_changed
        && let Some(imports) = &state.imports
        && let Err(error) = imports.note_index().text_changed(&note).await
    {
        tracing::warn!(note = %note.id, %error, "could not queue the note's indexing");
    }
    Ok(web::Json(note))
}

/// Deletes a note; material made from it stays, unlinked.
#[utoipa::path(delete, path = "/api/v1/notes/{id}", tag = "notes", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<NoteId>,
) -> ApiResult<NoContent> {
    state
        .repositories
        .notes
        .delete(user.user_id, id.into_inner())
        .await?;
    Ok(NoContent)
}
