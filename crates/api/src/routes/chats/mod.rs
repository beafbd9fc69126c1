//! `/api/v1/chat-sessions`: the student's conversations with the assistant, and their messages.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use sophie_domain::values::{MessageText, Title};
use sophie_domain::{
    ChatMessage, ChatSession, ChatSessionFilter, ChatSessionId, ChatSessionUpdate, CourseId,
    MessageType, NewChatMessage, NewChatSession, Page,
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
use crate::validate::Fields;

#[derive(OpenApi)]
#[openapi(
    paths(create, list, get, update, delete, post_message, list_messages),
    components(schemas(
        CreateChatSession,
        UpdateChatSession,
        CreateChatMessage,
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

/// A new chat.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateChatSession {
    /// Its title, 1 to 200 characters.
    title: String,
    /// The course it is about; must be the student's.
    course_id: Option<Uuid>,
}

impl CreateChatSession {
    fn into_domain(self) -> ApiResult<NewChatSession> {
        let mut fields = Fields::new();
        let title = fields.check("title", Title::parse(self.title));
        let course_id = Some(self.course_id.map(CourseId::from_uuid));
        Ok(all_valid!(fields, (title, course_id) => NewChatSession { title, course_id }))
    }
}

/// Changes to a chat: fields left out stay; `courseId: null` unfiles it.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateChatSession {
    /// A new title, 1 to 200 characters.
    title: Option<String>,
    /// Another course of the student's, or `null` for none.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Uuid>)]
    course_id: Option<Option<Uuid>>,
}

impl UpdateChatSession {
    fn into_domain(self) -> ApiResult<ChatSessionUpdate> {
        let mut fields = Fields::new();
        let title = fields.check_opt("title", self.title, Title::parse);
        let course_id = Some(self.course_id.map(|id| id.map(CourseId::from_uuid)));
        Ok(all_valid!(fields, (title, course_id) => ChatSessionUpdate { title, course_id }))
    }
}

/// A message from the student.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateChatMessage {
    /// Its text, 1 to 32,000 characters.
    content: String,
}

impl CreateChatMessage {
    fn into_domain(self) -> ApiResult<NewChatMessage> {
        let mut fields = Fields::new();
        let content = fields.check("content", MessageText::parse(self.content));
        Ok(all_valid!(fields, (content) => NewChatMessage {
            content,
            message_type: MessageType::User,
            references: Vec::new(),
        }))
    }
}

/// Narrows the list of chats.
// `utoipa::IntoParams` stays qualified: imported, it makes `#[utoipa::path]` warn
// (`unused_qualifications`) on the `web::Query` of the handler.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct ChatSessionQuery {
    /// Only chats about this course.
    course_id: Option<Uuid>,
}

impl ChatSessionQuery {
    fn to_filter(&self) -> ChatSessionFilter {
        ChatSessionFilter {
            course_id: self.course_id.map(CourseId::from_uuid),
        }
    }
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
) -> ApiResult<HttpResponse> {
    let new = body.into_inner().into_domain()?;
    let session = state
        .repositories
        .chats
        .create_session(user.user_id, new)
        .await?;
    Ok(created(
        format!("/api/v1/chat-sessions/{}", session.id),
        &session,
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
    page: web::Query<PageQuery>,
    filter: web::Query<ChatSessionQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.to_request()?;
    let sessions = state
        .repositories
        .chats
        .list_sessions(user.user_id, filter.to_filter(), page)
        .await?;
    Ok(HttpResponse::Ok().json(sessions))
}

/// Reads a chat.
#[utoipa::path(get, path = "/api/v1/chat-sessions/{id}", tag = "chat-sessions", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ChatSession), (status = 401, body = Problem),
        (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let session = state
        .repositories
        .chats
        .get_session(user.user_id, ChatSessionId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(session))
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
    id: web::Path<Uuid>,
    body: ApiJson<UpdateChatSession>,
) -> ApiResult<HttpResponse> {
    let update = body.into_inner().into_domain()?;
    let session = state
        .repositories
        .chats
        .update_session(
            user.user_id,
            ChatSessionId::from_uuid(id.into_inner()),
            update,
        )
        .await?;
    Ok(HttpResponse::Ok().json(session))
}

/// Deletes a chat and its messages.
#[utoipa::path(delete, path = "/api/v1/chat-sessions/{id}", tag = "chat-sessions", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 401, body = Problem), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    state
        .repositories
        .chats
        .delete_session(user.user_id, ChatSessionId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Posts the student's message to a chat.
///
/// The message is stored as sent, with `messageType: USER` and no references. The assistant
/// does not answer yet: its replies come in a later version of sophie, so no `ASSISTANT`
/// message follows for now. The `Location` is the chat's list of messages, where the new
/// message is the newest.
#[utoipa::path(post, path = "/api/v1/chat-sessions/{id}/messages", tag = "chat-sessions",
    params(("id" = Uuid, Path)), request_body = CreateChatMessage,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = ChatMessage), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn post_message(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: ApiJson<CreateChatMessage>,
) -> ApiResult<HttpResponse> {
    let new = body.into_inner().into_domain()?;
    let session = ChatSessionId::from_uuid(id.into_inner());
    let message = state
        .repositories
        .chats
        .add_message(user.user_id, session, new)
        .await?;
    Ok(created(
        format!("/api/v1/chat-sessions/{session}/messages"),
        &message,
    ))
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
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.to_request()?;
    let messages = state
        .repositories
        .chats
        .list_messages(
            user.user_id,
            ChatSessionId::from_uuid(id.into_inner()),
            page,
        )
        .await?;
    Ok(HttpResponse::Ok().json(messages))
}

#[cfg(test)]
mod tests {
    use actix_web::test;
    use serde_json::{Value, json};

    use crate::test_support::{app, bearer, signed_in, state};

    #[actix_web::test]
    async fn a_student_starts_lists_renames_and_deletes_a_chat() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;

        let course: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::post()
                .uri("/api/v1/courses")
                .insert_header(bearer(&token))
                .set_json(json!({ "name": "Linear Algebra" }))
                .to_request(),
        )
        .await;
        let course_id = course["id"].as_str().unwrap();

        let created = test::TestRequest::post()
            .uri("/api/v1/chat-sessions")
            .insert_header(bearer(&token))
            .set_json(json!({ "title": "Eigenvalues", "courseId": course_id }))
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
        let chat: Value = test::read_body_json(created).await;
        assert_eq!(chat["title"], "Eigenvalues");
        assert_eq!(chat["courseId"], course_id);
        assert_eq!(
            location,
            format!("/api/v1/chat-sessions/{}", chat["id"].as_str().unwrap())
        );
        let unfiled = test::TestRequest::post()
            .uri("/api/v1/chat-sessions")
            .insert_header(bearer(&token))
            .set_json(json!({ "title": "Anything" }))
            .send_request(&app)
            .await;
        assert_eq!(unfiled.status(), 201);

        let all: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get()
                .uri("/api/v1/chat-sessions")
                .insert_header(bearer(&token))
                .to_request(),
        )
        .await;
        let titles: Vec<&str> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["title"].as_str().unwrap())
            .collect();
        assert_eq!(titles, ["Anything", "Eigenvalues"], "newest first");
        assert_eq!(all["nextCursor"], Value::Null);
        let filed: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get()
                .uri(&format!(
                    "/api/v1/chat-sessions?courseId={course_id}&limit=10"
                ))
                .insert_header(bearer(&token))
                .to_request(),
        )
        .await;
        assert_eq!(filed["items"].as_array().unwrap().len(), 1);
        assert_eq!(filed["items"][0]["title"], "Eigenvalues");

        let renamed = test::TestRequest::patch()
            .uri(&location)
            .insert_header(bearer(&token))
            .set_json(json!({ "title": "Eigenvectors" }))
            .send_request(&app)
            .await;
        assert_eq!(renamed.status(), 200);
        let renamed: Value = test::read_body_json(renamed).await;
        assert_eq!(renamed["title"], "Eigenvectors");
        assert_eq!(renamed["courseId"], course_id, "untouched fields stay");
        let unfiled: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::patch()
                .uri(&location)
                .insert_header(bearer(&token))
                .set_json(json!({ "courseId": null }))
                .to_request(),
        )
        .await;
        assert_eq!(unfiled["courseId"], Value::Null, "null unfiles the chat");
        assert_eq!(unfiled["title"], "Eigenvectors");

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
    async fn messages_are_stored_as_sent_and_listed_oldest_first() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let chat: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::post()
                .uri("/api/v1/chat-sessions")
                .insert_header(bearer(&token))
                .set_json(json!({ "title": "Questions" }))
                .to_request(),
        )
        .await;
        let messages = format!(
            "/api/v1/chat-sessions/{}/messages",
            chat["id"].as_str().unwrap()
        );

        for text in ["first", "second", "third"] {
            let posted = test::TestRequest::post()
                .uri(&messages)
                .insert_header(bearer(&token))
                .set_json(json!({ "content": text }))
                .send_request(&app)
                .await;
            assert_eq!(posted.status(), 201);
            assert_eq!(posted.headers().get("Location").unwrap(), messages.as_str());
            let message: Value = test::read_body_json(posted).await;
            assert_eq!(message["content"], text);
            assert_eq!(message["messageType"], "USER");
            assert_eq!(message["references"], json!([]));
            assert_eq!(message["chatSessionId"], chat["id"]);
        }

        let first_page: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get()
                .uri(&format!("{messages}?limit=2"))
                .insert_header(bearer(&token))
                .to_request(),
        )
        .await;
        let contents = |page: &Value| -> Vec<String> {
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["content"].as_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(contents(&first_page), ["first", "second"], "oldest first");
        assert_eq!(first_page["items"].as_array().unwrap().len(), 2);
        let cursor = first_page["nextCursor"].as_str().unwrap();
        let second_page: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get()
                .uri(&format!("{messages}?limit=2&cursor={cursor}"))
                .insert_header(bearer(&token))
                .to_request(),
        )
        .await;
        assert_eq!(contents(&second_page), ["third"]);
        assert_eq!(second_page["nextCursor"], Value::Null);

        let empty = test::TestRequest::post()
            .uri(&messages)
            .insert_header(bearer(&token))
            .set_json(json!({ "content": "   " }))
            .send_request(&app)
            .await;
        assert_eq!(empty.status(), 422);
        let problem: Value = test::read_body_json(empty).await;
        assert_eq!(problem["errors"][0]["field"], "content");
        let typed = test::TestRequest::post()
            .uri(&messages)
            .insert_header(bearer(&token))
            .set_json(json!({ "content": "hi", "messageType": "ASSISTANT" }))
            .send_request(&app)
            .await;
        assert_eq!(
            typed.status(),
            422,
            "a student cannot post as the assistant"
        );
    }

    #[actix_web::test]
    async fn another_students_chat_is_not_found_and_stays_unchanged() {
        let state = state();
        let (_, ada) = signed_in(&state, "ada@example.com").await;
        let (_, bob) = signed_in(&state, "bob@example.com").await;
        let app = app(state).await;
        let chat: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::post()
                .uri("/api/v1/chat-sessions")
                .insert_header(bearer(&ada))
                .set_json(json!({ "title": "Ada's chat" }))
                .to_request(),
        )
        .await;
        let uri = format!("/api/v1/chat-sessions/{}", chat["id"].as_str().unwrap());
        let messages = format!("{uri}/messages");
        test::call_service(
            &app,
            test::TestRequest::post()
                .uri(&messages)
                .insert_header(bearer(&ada))
                .set_json(json!({ "content": "mine" }))
                .to_request(),
        )
        .await;

        for request in [
            test::TestRequest::get().uri(&uri),
            test::TestRequest::get().uri(&messages),
            test::TestRequest::post()
                .uri(&messages)
                .set_json(json!({ "content": "hello" })),
            test::TestRequest::patch()
                .uri(&uri)
                .set_json(json!({ "title": "Bob's now" })),
            test::TestRequest::delete().uri(&uri),
        ] {
            let response = request.insert_header(bearer(&bob)).send_request(&app).await;
            assert_eq!(response.status(), 404);
        }

        let still: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get()
                .uri(&uri)
                .insert_header(bearer(&ada))
                .to_request(),
        )
        .await;
        assert_eq!(still["title"], "Ada's chat");
        let listed: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get()
                .uri(&messages)
                .insert_header(bearer(&ada))
                .to_request(),
        )
        .await;
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);
        assert_eq!(listed["items"][0]["content"], "mine");
        let bobs: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get()
                .uri("/api/v1/chat-sessions")
                .insert_header(bearer(&bob))
                .to_request(),
        )
        .await;
        assert_eq!(bobs["items"], json!([]));
    }

    #[actix_web::test]
    async fn filing_a_chat_under_another_students_course_is_not_found() {
        let state = state();
        let (_, ada) = signed_in(&state, "ada@example.com").await;
        let (_, bob) = signed_in(&state, "bob@example.com").await;
        let app = app(state).await;
        let course: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::post()
                .uri("/api/v1/courses")
                .insert_header(bearer(&ada))
                .set_json(json!({ "name": "Ada's course" }))
                .to_request(),
        )
        .await;
        let course_id = course["id"].as_str().unwrap();

        let create = test::TestRequest::post()
            .uri("/api/v1/chat-sessions")
            .insert_header(bearer(&bob))
            .set_json(json!({ "title": "Sneaky", "courseId": course_id }))
            .send_request(&app)
            .await;
        assert_eq!(create.status(), 404);

        let chat: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::post()
                .uri("/api/v1/chat-sessions")
                .insert_header(bearer(&bob))
                .set_json(json!({ "title": "Bob's chat" }))
                .to_request(),
        )
        .await;
        let uri = format!("/api/v1/chat-sessions/{}", chat["id"].as_str().unwrap());
        let refile = test::TestRequest::patch()
            .uri(&uri)
            .insert_header(bearer(&bob))
            .set_json(json!({ "courseId": course_id }))
            .send_request(&app)
            .await;
        assert_eq!(refile.status(), 404);
        let unchanged: Value = test::call_and_read_body_json(
            &app,
            test::TestRequest::get()
                .uri(&uri)
                .insert_header(bearer(&bob))
                .to_request(),
        )
        .await;
        assert_eq!(unchanged["courseId"], Value::Null);

        let bad = test::TestRequest::post()
            .uri("/api/v1/chat-sessions")
            .insert_header(bearer(&bob))
            .set_json(json!({ "title": "", "courseId": "not-a-uuid" }))
            .send_request(&app)
            .await;
        assert_eq!(bad.status(), 422);
    }
}
