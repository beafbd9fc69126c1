//! `/api/v1/chat-sessions`: the student's conversations with the assistant, and their messages.

use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use sophie_domain::{ChatMessage, ChatSession, ChatSessionId, Page};
use utoipa::OpenApi;

use crate::auth::CurrentUser;
use crate::error::{ApiResult, Problem};
use crate::json::ApiJson;
use crate::paging::PageQuery;
use crate::query::ApiQuery;
use crate::reply::{Created, NoContent};
use crate::state::AppState;

mod body;
mod stream;
#[cfg(test)]
mod tests;

use body::{
    ChatExchange, ChatSessionQuery, CreateChatMessage, CreateChatSession, UpdateChatSession,
};

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, update, delete, post_message, list_messages),
    components(schemas(
        CreateChatSession,
        UpdateChatSession,
        CreateChatMessage,
        ChatExchange,
        ChatSession,
        ChatMessage,
        Page<ChatSession>,
        Page<ChatMessage>
    )),
    tags((name = "chat-sessions", description = "Conversations with the assistant and their messages"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/chat-sessions")
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
            .service(
                web::resource("/{id}/messages")
                    .route(web::post().to(post_message))
                    .route(web::get().to(list_messages)),
            ),
    );
}

/// Starts a chat.
#[utoipa::path(post, path = "/api/v1/chat-sessions", tag = "chat-sessions", request_body = CreateChatSession,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = ChatSession), (status = 401, body = Problem),
        (status = 404, body = Problem, description = "The course is not the student's"),
        (status = 422, body = Problem)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<CreateChatSession>,
) -> ApiResult<Created<ChatSession>> {
    let new = body.into_inner().into_domain()?;
    let session = state
        .repositories
        .chats
        .create_session(user.user_id, new)
        .await?;
    Ok(Created::at(
        format!("/api/v1/chat-sessions/{}", session.id),
        session,
    ))
}

/// Lists the student's chats, newest first.
#[utoipa::path(get, path = "/api/v1/chat-sessions", tag = "chat-sessions", params(PageQuery, ChatSessionQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<ChatSession>), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageQuery,
    filter: ApiQuery<ChatSessionQuery>,
) -> ApiResult<web::Json<Page<ChatSession>>> {
    let page = page.to_request()?;
    let sessions = state
        .repositories
        .chats
        .list_sessions(user.user_id, filter.to_filter(), page)
        .await?;
    Ok(web::Json(sessions))
}

/// Reads a chat.
#[utoipa::path(get, path = "/api/v1/chat-sessions/{id}", tag = "chat-sessions", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ChatSession), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ChatSessionId>,
) -> ApiResult<web::Json<ChatSession>> {
    let session = state
        .repositories
        .chats
        .get_session(user.user_id, id.into_inner())
        .await?;
    Ok(web::Json(session))
}

/// Renames a chat or files it under another course (`courseId: null` unfiles it).
#[utoipa::path(patch, path = "/api/v1/chat-sessions/{id}", tag = "chat-sessions", params(("id" = Uuid, Path)),
    request_body = UpdateChatSession, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ChatSession), (status = 401, body = Problem),
        (status = 404, body = Problem, description = "The chat, or the new course, is not the student's"),
        (status = 422, body = Problem)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ChatSessionId>,
    body: ApiJson<UpdateChatSession>,
) -> ApiResult<web::Json<ChatSession>> {
    let update = body.into_inner().into_domain()?;
    let session = state
        .repositories
        .chats
        .update_session(user.user_id, id.into_inner(), update)
        .await?;
    Ok(web::Json(session))
}

/// Deletes a chat and its messages.
#[utoipa::path(delete, path = "/api/v1/chat-sessions/{id}", tag = "chat-sessions", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ChatSessionId>,
) -> ApiResult<NoContent> {
    state
        .repositories
        .chats
        .delete_session(user.user_id, id.into_inner())
        .await?;
    Ok(NoContent)
}

/// Asks a question in a chat, answered from the student's own material.
///
/// The question is stored (`USER`), passages are found with the hybrid search (within the
/// chat's course, or the `documentIds` given), and the answer is stored (`ASSISTANT`) with
/// its `references` (`documentId` or `noteId`, `chunkId`, `pageNumber`, and a `quote` that
/// stands verbatim in the source), cited inline as `[1]`, `[2]`, ... When nothing relevant is
/// found, the answer says so and cites nothing. A chat created without a title takes its
/// first question as title.
///
/// With `Accept: text/event-stream` (preferred to JSON), the reply is a stream of server-sent
/// events. The question is stored and the passages found first, so a refusal is an ordinary
/// problem response. Then `token` events carry the answer's text as the model writes it (a
/// JSON string each; offline, the whole answer in one), then `references` (a JSON array),
/// then `message` (the stored answer as JSON), then `done`. The stored answer is the one to
/// show in the end: its `[n]` markers are renumbered to the citations whose quotes were found
/// in their sources. When the model fails midway, an `error` event carries the problem (as
/// JSON, with its `status`) and the stream ends; the question stays stored.
#[utoipa::path(post, path = "/api/v1/chat-sessions/{id}/messages", tag = "chat-sessions",
    params(("id" = Uuid, Path)), request_body = CreateChatMessage,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, description = "The question and the answer, stored",
            content(
                (ChatExchange = "application/json"),
                (String = "text/event-stream")),
            headers(("Location" = String, description = "The chat's messages"))),
        (status = 400, description = "The body is not JSON", body = Problem),
        (status = 401, body = Problem),
        (status = 404, description = "The chat, or a document named, is not the student's",
            body = Problem),
        (status = 413, body = Problem),
        (status = 415, body = Problem),
        (status = 422, description = "An empty or too long question, or more than 10 \
            documents", body = Problem),
        (status = 429, description = "The student's model tokens of the day are spent \
            (with a model configured)", body = Problem),
        (status = 503, description = "The model could not be reached; the question is stored",
            body = Problem)))]
async fn post_message(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ChatSessionId>,
    request: HttpRequest,
    body: ApiJson<CreateChatMessage>,
) -> ApiResult<HttpResponse> {
    let (question, documents) = body.into_inner().into_domain()?;
    let session = id.into_inner();
    for document in &documents {
        state
            .repositories
            .documents
            .get(user.user_id, *document)
            .await?;
    }
    let chat = state.chat()?;
    let location = format!("/api/v1/chat-sessions/{session}/messages");
    if stream::wants_events(&request) {
        let pending = chat
            .begin(user.user_id, session, question, documents)
            .await?;
        return Ok(stream::answer_events(location, chat, pending));
    }
    let exchange = chat.ask(user.user_id, session, question, documents).await?;
    Ok(HttpResponse::Created()
        .insert_header((LOCATION, location))
        .json(ChatExchange::from(exchange)))
}

/// Lists a chat's messages, oldest first, as the conversation reads.
#[utoipa::path(get, path = "/api/v1/chat-sessions/{id}/messages", tag = "chat-sessions",
    params(("id" = Uuid, Path), PageQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<ChatMessage>), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn list_messages(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<ChatSessionId>,
    page: PageQuery,
) -> ApiResult<web::Json<Page<ChatMessage>>> {
    let page = page.to_request()?;
    let messages = state
        .repositories
        .chats
        .list_messages(user.user_id, id.into_inner(), page)
        .await?;
    Ok(web::Json(messages))
}
