//! `/api/v1/quizzes`: quizzes, their questions, and graded attempts at them.

use actix_web::web;
use sophie_domain::{
    GradedAnswer, Page, Question, QuestionId, Quiz, QuizId, QuizResponse, QuizResponseId,
    QuizWithQuestions,
};
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

use body::{
    CreateQuestion, CreateQuiz, GradedQuizResponse, QuizQuery, SubmitAnswer, SubmitResponse,
    UpdateQuestion, UpdateQuiz,
};

#[derive(OpenApi)]
#[openapi(
    paths(
        create,
        list,
        get,
        update,
        delete,
        add_question,
        update_question,
        delete_question,
        submit_response,
        list_responses,
        get_response
    ),
    components(schemas(
        CreateQuiz,
        UpdateQuiz,
        CreateQuestion,
        UpdateQuestion,
        SubmitResponse,
        SubmitAnswer,
        Quiz,
        Question,
        QuizWithQuestions,
        GradedQuizResponse,
        QuizResponse,
        GradedAnswer,
        Page<Quiz>,
        Page<GradedQuizResponse>
    )),
    tags((name = "quizzes", description = "Quizzes, their questions, and graded attempts"))
)]
pub(crate) struct Api;

pub(crate) fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/quizzes")
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
            .service(web::resource("/{id}/questions").route(web::post().to(add_question)))
            .service(
                web::resource("/{id}/questions/{questionId}")
                    .route(web::patch().to(update_question))
                    .route(web::delete().to(delete_question)),
            )
            .service(
                web::resource("/{id}/responses")
                    .route(web::post().to(submit_response))
                    .route(web::get().to(list_responses)),
            )
            .service(
                web::resource("/{id}/responses/{responseId}").route(web::get().to(get_response)),
            ),
    );
}

/// Creates a quiz with its questions, in one step.
#[utoipa::path(post, path = "/api/v1/quizzes", tag = "quizzes", request_body = CreateQuiz,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = QuizWithQuestions), (status = 401, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn create(
    state: web::Data<AppState>,
    user: CurrentUser,
    body: ApiJson<CreateQuiz>,
) -> ApiResult<Created<QuizWithQuestions>> {
    let new = body.into_inner().into_domain()?;
    let quiz = state.quizzes.create(user.user_id, new).await?;
    Ok(Created::at(
        format!("/api/v1/quizzes/{}", quiz.quiz.id),
        quiz,
    ))
}

/// Lists the student's quizzes, newest first, without their questions.
#[utoipa::path(get, path = "/api/v1/quizzes", tag = "quizzes", params(PageQuery, QuizQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<Quiz>), (status = 401, body = Problem),
        (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: PageQuery,
    filter: ApiQuery<QuizQuery>,
) -> ApiResult<web::Json<Page<Quiz>>> {
    let page = page.to_request()?;
    let quizzes = state
        .quizzes
        .list(user.user_id, filter.into_inner().into_domain(), page)
        .await?;
    Ok(web::Json(quizzes))
}

/// Reads a quiz with its questions (correct answers included: it is the student's own).
#[utoipa::path(get, path = "/api/v1/quizzes/{id}", tag = "quizzes", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = QuizWithQuestions), (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<QuizId>,
) -> ApiResult<web::Json<QuizWithQuestions>> {
    let quiz = state.quizzes.get(user.user_id, id.into_inner()).await?;
    Ok(web::Json(quiz))
}

/// Changes a quiz (not its questions).
#[utoipa::path(patch, path = "/api/v1/quizzes/{id}", tag = "quizzes", params(("id" = Uuid, Path)),
    request_body = UpdateQuiz, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Quiz), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<QuizId>,
    body: ApiJson<UpdateQuiz>,
) -> ApiResult<web::Json<Quiz>> {
    let update = body.into_inner().into_domain()?;
    let quiz = state
        .quizzes
        .update(user.user_id, id.into_inner(), update)
        .await?;
    Ok(web::Json(quiz))
}

/// Deletes a quiz, its questions and its attempts.
#[utoipa::path(delete, path = "/api/v1/quizzes/{id}", tag = "quizzes",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<QuizId>,
) -> ApiResult<NoContent> {
    state.quizzes.delete(user.user_id, id.into_inner()).await?;
    Ok(NoContent)
}

/// Adds a question to a quiz; its total points follow.
#[utoipa::path(post, path = "/api/v1/quizzes/{id}/questions", tag = "quizzes",
    params(("id" = Uuid, Path)), request_body = CreateQuestion,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = Question), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn add_question(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<QuizId>,
    body: ApiJson<CreateQuestion>,
) -> ApiResult<Created<Question>> {
    let quiz_id = id.into_inner();
    let draft = body.into_inner().into_domain()?;
    let question = state
        .quizzes
        .add_question(user.user_id, quiz_id, draft)
        .await?;
    Ok(Created::at(
        format!("/api/v1/quizzes/{quiz_id}/questions/{}", question.id),
        question,
    ))
}

/// Changes a question of a quiz; its total points follow.
#[utoipa::path(patch, path = "/api/v1/quizzes/{id}/questions/{questionId}", tag = "quizzes",
    params(("id" = Uuid, Path), ("questionId" = Uuid, Path)), request_body = UpdateQuestion,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Question), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn update_question(
    state: web::Data<AppState>,
    user: CurrentUser,
    ids: web::Path<(QuizId, QuestionId)>,
    body: ApiJson<UpdateQuestion>,
) -> ApiResult<web::Json<Question>> {
    let (quiz_id, question_id) = ids.into_inner();
    let edit = body.into_inner().into_domain()?;
    let question = state
        .quizzes
        .edit_question(user.user_id, quiz_id, question_id, edit)
        .await?;
    Ok(web::Json(question))
}

/// Removes a question from a quiz; its total points follow.
#[utoipa::path(delete, path = "/api/v1/quizzes/{id}/questions/{questionId}", tag = "quizzes",
    params(("id" = Uuid, Path), ("questionId" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_question(
    state: web::Data<AppState>,
    user: CurrentUser,
    ids: web::Path<(QuizId, QuestionId)>,
) -> ApiResult<NoContent> {
    let (quiz_id, question_id) = ids.into_inner();
    state
        .quizzes
        .delete_question(user.user_id, quiz_id, question_id)
        .await?;
    Ok(NoContent)
}

/// Grades an attempt at a quiz on the server and records it: each right answer earns its
/// question's points; a wrong or missing one earns nothing.
#[utoipa::path(post, path = "/api/v1/quizzes/{id}/responses", tag = "quizzes",
    params(("id" = Uuid, Path)), request_body = SubmitResponse,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = GradedQuizResponse), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn submit_response(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<QuizId>,
    body: ApiJson<SubmitResponse>,
) -> ApiResult<Created<GradedQuizResponse>> {
    let quiz_id = id.into_inner();
    let attempt = body.into_inner().into_domain(state.clock.now())?;
    let response = state
        .quizzes
        .submit_attempt(user.user_id, quiz_id, attempt)
        .await?;
    let graded = GradedQuizResponse::of(response);
    Ok(Created::at(
        format!("/api/v1/quizzes/{quiz_id}/responses/{}", graded.response.id),
        graded,
    ))
}

/// Lists the student's graded attempts at a quiz, newest first.
#[utoipa::path(get, path = "/api/v1/quizzes/{id}/responses", tag = "quizzes",
    params(("id" = Uuid, Path), PageQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<GradedQuizResponse>), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn list_responses(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<QuizId>,
    page: PageQuery,
) -> ApiResult<web::Json<Page<GradedQuizResponse>>> {
    let page = page.to_request()?;
    let responses = state
        .quizzes
        .attempts(user.user_id, id.into_inner(), page)
        .await?;
    Ok(web::Json(responses.map(GradedQuizResponse::of)))
}

/// Reads one graded attempt at a quiz.
#[utoipa::path(get, path = "/api/v1/quizzes/{id}/responses/{responseId}", tag = "quizzes",
    params(("id" = Uuid, Path), ("responseId" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = GradedQuizResponse), (status = 404, body = Problem)))]
async fn get_response(
    state: web::Data<AppState>,
    user: CurrentUser,
    ids: web::Path<(QuizId, QuizResponseId)>,
) -> ApiResult<web::Json<GradedQuizResponse>> {
    let (quiz_id, response_id) = ids.into_inner();
    let response = state
        .quizzes
        .attempt(user.user_id, quiz_id, response_id)
        .await?;
    Ok(web::Json(GradedQuizResponse::of(response)))
}
