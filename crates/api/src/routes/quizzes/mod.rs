//! `/api/v1/quizzes`: quizzes, their questions, and graded attempts at them.

use actix_web::{HttpResponse, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sophie_domain::services::grading::{Grade, grade_quiz_response};
use sophie_domain::values::{
    CardText, Description, DurationSeconds, Points, QuestionContent, TimeLimitMinutes, Title,
};
use sophie_domain::{
    CourseId, Difficulty, DocumentId, DomainError, GradedAnswer, NewQuestion, NewQuiz, NoteId,
    Page, Question, QuestionId, QuestionType, QuestionUpdate, Quiz, QuizFilter, QuizId,
    QuizResponse, QuizResponseId, QuizUpdate, QuizWithQuestions, SourceLinks, SourceLinksUpdate,
    SubmittedAnswer,
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

/// `field` under `prefix` (`questions[3].question`), or `field` alone without a prefix.
fn field_name(prefix: &str, field: &str) -> String {
    if prefix.is_empty() {
        field.to_owned()
    } else {
        format!("{prefix}.{field}")
    }
}

/// A new question.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateQuestion {
    /// How it is answered and graded.
    #[serde(rename = "type")]
    question_type: QuestionType,
    /// The question's text, 1 to 5000 characters.
    question: String,
    /// For `MULTIPLE_CHOICE`: 2 to 10 distinct options; for `TRUE_FALSE` none or `true` and
    /// `false`; none for the other types.
    options: Option<Vec<String>>,
    /// The correct answer: one of the options, `true`/`false`, or the expected text.
    correct_answer: String,
    /// Why the answer is right.
    explanation: Option<String>,
    /// A hint.
    hint: Option<String>,
    /// How hard it is; the quiz's difficulty by default.
    difficulty: Option<Difficulty>,
    /// What it is worth, 1 to 1000; 1 by default.
    points: Option<i64>,
}

impl CreateQuestion {
    /// Checks the question into `fields`, naming its fields after `prefix`.
    fn check(
        self,
        fields: &mut Fields,
        prefix: &str,
        quiz_difficulty: Difficulty,
    ) -> Option<NewQuestion> {
        let question = fields.check(
            &field_name(prefix, "question"),
            CardText::parse(self.question),
        );
        let content = fields.domain(
            prefix,
            QuestionContent::new(self.question_type, self.options, self.correct_answer),
        );
        let explanation = fields.check_opt(
            &field_name(prefix, "explanation"),
            self.explanation,
            CardText::parse,
        );
        let hint = fields.check_opt(&field_name(prefix, "hint"), self.hint, CardText::parse);
        let points = fields.check(
            &field_name(prefix, "points"),
            Points::new(self.points.unwrap_or(1)),
        );
        match (question, content, explanation, hint, points) {
            (Some(question), Some(content), Some(explanation), Some(hint), Some(points)) => {
                Some(NewQuestion {
                    question,
                    content,
                    explanation,
                    hint,
                    difficulty: self.difficulty.unwrap_or(quiz_difficulty),
                    points,
                })
            }
            _ => None,
        }
    }

    fn into_domain(self, quiz_difficulty: Difficulty) -> ApiResult<NewQuestion> {
        let mut fields = Fields::new();
        let question = self.check(&mut fields, "", quiz_difficulty);
        Ok(all_valid!(fields, (question) => question))
    }
}

/// A new quiz with its questions; its total points are their sum.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateQuiz {
    /// Its title, 1 to 200 characters.
    title: String,
    /// A description.
    description: Option<String>,
    /// How hard it is overall.
    difficulty: Difficulty,
    /// The time allowed, 1 to 1440 minutes.
    time_limit: Option<i64>,
    /// The course it is filed under.
    course_id: Option<Uuid>,
    /// The note it was made from.
    note_id: Option<Uuid>,
    /// The document it was made from.
    document_id: Option<Uuid>,
    /// Its questions, at most 200.
    questions: Vec<CreateQuestion>,
}

impl CreateQuiz {
    fn into_domain(self) -> ApiResult<NewQuiz> {
        let mut fields = Fields::new();
        let title = fields.check("title", Title::parse(self.title));
        let description = fields.check_opt("description", self.description, Description::parse);
        let time_limit = fields.check_opt("timeLimit", self.time_limit, TimeLimitMinutes::new);
        let links = SourceLinks {
            course_id: self.course_id.map(CourseId::from_uuid),
            note_id: self.note_id.map(NoteId::from_uuid),
            document_id: self.document_id.map(DocumentId::from_uuid),
        };
        let difficulty = self.difficulty;
        let questions = if self.questions.len() > NewQuiz::MAX_QUESTIONS {
            fields.push(
                "questions",
                format!("a quiz holds at most {} questions", NewQuiz::MAX_QUESTIONS),
            );
            None
        } else {
            // Every question is checked, so the client hears of every bad one at once.
            let questions: Vec<Option<NewQuestion>> = self
                .questions
                .into_iter()
                .enumerate()
                .map(|(index, question)| {
                    question.check(&mut fields, &format!("questions[{index}]"), difficulty)
                })
                .collect();
            questions.into_iter().collect::<Option<Vec<_>>>()
        };
        Ok(
            all_valid!(fields, (title, description, time_limit, questions) => NewQuiz {
                title, description, difficulty, time_limit, links, questions,
            }),
        )
    }
}

/// Changes to a quiz (not its questions): fields left out stay; `null` clears a nullable one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateQuiz {
    title: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    description: Option<Option<String>>,
    difficulty: Option<Difficulty>,
    /// Minutes; `null` removes the limit.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<i64>)]
    time_limit: Option<Option<i64>>,
    /// `null` unfiles the quiz.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Uuid>)]
    course_id: Option<Option<Uuid>>,
    /// `null` unlinks the note.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Uuid>)]
    note_id: Option<Option<Uuid>>,
    /// `null` unlinks the document.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Uuid>)]
    document_id: Option<Option<Uuid>>,
}

impl UpdateQuiz {
    fn into_domain(self) -> ApiResult<QuizUpdate> {
        let mut fields = Fields::new();
        let title = fields.check_opt("title", self.title, Title::parse);
        let description = fields.check_patch("description", self.description, Description::parse);
        let time_limit = fields.check_patch("timeLimit", self.time_limit, TimeLimitMinutes::new);
        let links = SourceLinksUpdate {
            course_id: self.course_id.map(|id| id.map(CourseId::from_uuid)),
            note_id: self.note_id.map(|id| id.map(NoteId::from_uuid)),
            document_id: self.document_id.map(|id| id.map(DocumentId::from_uuid)),
        };
        let difficulty = self.difficulty;
        Ok(
            all_valid!(fields, (title, description, time_limit) => QuizUpdate {
                title, description, difficulty, time_limit, links,
            }),
        )
    }
}

/// Changes to a question: fields left out stay; `null` clears a nullable one. Type, options
/// and correct answer are checked together, merged with the question's current ones.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateQuestion {
    #[serde(rename = "type")]
    question_type: Option<QuestionType>,
    question: Option<String>,
    /// `null` removes the options (for a type that takes none).
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Vec<String>>)]
    options: Option<Option<Vec<String>>>,
    correct_answer: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    explanation: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    hint: Option<Option<String>>,
    difficulty: Option<Difficulty>,
    points: Option<i64>,
}

impl UpdateQuestion {
    /// Whether the type, the options or the correct answer change, so the question's current
    /// ones are needed to check them together.
    const fn changes_content(&self) -> bool {
        self.question_type.is_some() || self.options.is_some() || self.correct_answer.is_some()
    }

    /// The update; `current` is the question as it is, needed when the content changes.
    fn into_domain(self, current: Option<&Question>) -> ApiResult<QuestionUpdate> {
        let changes_content = self.changes_content();
        let mut fields = Fields::new();
        let question = fields.check_opt("question", self.question, CardText::parse);
        let content = match current {
            Some(current) if changes_content => {
                let question_type = self.question_type.unwrap_or(current.question_type);
                // Options kept from before only still make sense for a multiple-choice question.
                let options = match self.options {
                    Some(options) => options,
                    None if question_type == QuestionType::MultipleChoice => {
                        current.options.clone()
                    }
                    None => None,
                };
                let correct_answer = self
                    .correct_answer
                    .unwrap_or_else(|| current.correct_answer.clone());
                fields
                    .domain(
                        "",
                        QuestionContent::new(question_type, options, correct_answer),
                    )
                    .map(Some)
            }
            _ => Some(None),
        };
        let explanation = fields.check_patch("explanation", self.explanation, CardText::parse);
        let hint = fields.check_patch("hint", self.hint, CardText::parse);
        let points = fields.check_opt("points", self.points, Points::new);
        let difficulty = self.difficulty;
        Ok(
            all_valid!(fields, (question, content, explanation, hint, points) => QuestionUpdate {
                question, content, explanation, hint, difficulty, points,
            }),
        )
    }
}

/// One answer of an attempt.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SubmitAnswer {
    /// The question answered.
    question_id: Uuid,
    /// The answer given: an option's text, `true`/`false`, or free text.
    answer: String,
}

/// An attempt at a quiz, to grade. Questions left out count as wrong.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SubmitResponse {
    /// The answers, at most one per question.
    answers: Vec<SubmitAnswer>,
    /// How long the attempt took, 0 to 604800 seconds.
    time_spent_seconds: Option<i64>,
    /// When the attempt started; not in the future.
    started_at: Option<DateTime<Utc>>,
}

/// A graded attempt, with its score as a percentage and its number of right answers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GradedQuizResponse {
    /// The attempt.
    #[serde(flatten)]
    response: QuizResponse,
    /// The score as a percentage of the points available (0 for a quiz worth nothing).
    percentage: f64,
    /// How many questions were answered correctly.
    correct_count: usize,
}

impl GradedQuizResponse {
    /// The attempt with its percentage and its count of right answers, as grading states them.
    fn of(response: QuizResponse) -> Self {
        let grade = Grade {
            answers: response.answers,
            score: response.score,
            total_points: response.total_points,
        };
        let percentage = grade.percentage();
        let correct_count = grade.correct_count();
        Self {
            response: QuizResponse {
                answers: grade.answers,
                ..response
            },
            percentage,
            correct_count,
        }
    }
}

/// Narrows the list of quizzes; filters combine with AND.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct QuizQuery {
    /// Only quizzes filed under this course.
    course_id: Option<Uuid>,
    /// Only quizzes made from this note.
    note_id: Option<Uuid>,
    /// Only quizzes made from this document.
    document_id: Option<Uuid>,
    /// Only quizzes of this difficulty.
    difficulty: Option<Difficulty>,
}

impl QuizQuery {
    fn into_domain(self) -> QuizFilter {
        QuizFilter {
            course_id: self.course_id.map(CourseId::from_uuid),
            note_id: self.note_id.map(NoteId::from_uuid),
            document_id: self.document_id.map(DocumentId::from_uuid),
            difficulty: self.difficulty,
        }
    }
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
) -> ApiResult<HttpResponse> {
    let new = body.into_inner().into_domain()?;
    let quiz = state.repositories.quizzes.create(user.user_id, new).await?;
    Ok(created(format!("/api/v1/quizzes/{}", quiz.quiz.id), &quiz))
}

/// Lists the student's quizzes, newest first, without their questions.
#[utoipa::path(get, path = "/api/v1/quizzes", tag = "quizzes", params(PageQuery, QuizQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Page<Quiz>), (status = 401, body = Problem),
        (status = 422, body = Problem)))]
async fn list(
    state: web::Data<AppState>,
    user: CurrentUser,
    page: web::Query<PageQuery>,
    filter: web::Query<QuizQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.to_request()?;
    let quizzes = state
        .repositories
        .quizzes
        .list(user.user_id, filter.into_inner().into_domain(), page)
        .await?;
    Ok(HttpResponse::Ok().json(quizzes))
}

/// Reads a quiz with its questions (correct answers included: it is the student's own).
#[utoipa::path(get, path = "/api/v1/quizzes/{id}", tag = "quizzes", params(("id" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = QuizWithQuestions), (status = 404, body = Problem)))]
async fn get(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let quiz = state
        .repositories
        .quizzes
        .get(user.user_id, QuizId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::Ok().json(quiz))
}

/// Changes a quiz (not its questions).
#[utoipa::path(patch, path = "/api/v1/quizzes/{id}", tag = "quizzes", params(("id" = Uuid, Path)),
    request_body = UpdateQuiz, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Quiz), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
async fn update(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
    body: ApiJson<UpdateQuiz>,
) -> ApiResult<HttpResponse> {
    let update = body.into_inner().into_domain()?;
    let quiz = state
        .repositories
        .quizzes
        .update(user.user_id, QuizId::from_uuid(id.into_inner()), update)
        .await?;
    Ok(HttpResponse::Ok().json(quiz))
}

/// Deletes a quiz, its questions and its attempts.
#[utoipa::path(delete, path = "/api/v1/quizzes/{id}", tag = "quizzes",
    params(("id" = Uuid, Path)), security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete(
    state: web::Data<AppState>,
    user: CurrentUser,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    state
        .repositories
        .quizzes
        .delete(user.user_id, QuizId::from_uuid(id.into_inner()))
        .await?;
    Ok(HttpResponse::NoContent().finish())
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
    id: web::Path<Uuid>,
    body: ApiJson<CreateQuestion>,
) -> ApiResult<HttpResponse> {
    let quiz_id = QuizId::from_uuid(id.into_inner());
    let body = body.into_inner();
    let difficulty = match body.difficulty {
        Some(difficulty) => difficulty,
        None => {
            state
                .repositories
                .quizzes
                .get(user.user_id, quiz_id)
                .await?
                .quiz
                .difficulty
        }
    };
    let new = body.into_domain(difficulty)?;
    let question = state
        .repositories
        .quizzes
        .add_question(user.user_id, quiz_id, new)
        .await?;
    Ok(created(
        format!("/api/v1/quizzes/{quiz_id}/questions/{}", question.id),
        &question,
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
    ids: web::Path<(Uuid, Uuid)>,
    body: ApiJson<UpdateQuestion>,
) -> ApiResult<HttpResponse> {
    let (quiz_id, question_id) = ids.into_inner();
    let (quiz_id, question_id) = (
        QuizId::from_uuid(quiz_id),
        QuestionId::from_uuid(question_id),
    );
    let body = body.into_inner();
    let update = if body.changes_content() {
        let quiz = state
            .repositories
            .quizzes
            .get(user.user_id, quiz_id)
            .await?;
        let current = quiz
            .questions
            .iter()
            .find(|q| q.id == question_id)
            .ok_or(DomainError::not_found("question"))?;
        body.into_domain(Some(current))?
    } else {
        body.into_domain(None)?
    };
    let question = state
        .repositories
        .quizzes
        .update_question(user.user_id, quiz_id, question_id, update)
        .await?;
    Ok(HttpResponse::Ok().json(question))
}

/// Removes a question from a quiz; its total points follow.
#[utoipa::path(delete, path = "/api/v1/quizzes/{id}/questions/{questionId}", tag = "quizzes",
    params(("id" = Uuid, Path), ("questionId" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 404, body = Problem)))]
async fn delete_question(
    state: web::Data<AppState>,
    user: CurrentUser,
    ids: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (quiz_id, question_id) = ids.into_inner();
    state
        .repositories
        .quizzes
        .delete_question(
            user.user_id,
            QuizId::from_uuid(quiz_id),
            QuestionId::from_uuid(question_id),
        )
        .await?;
    Ok(HttpResponse::NoContent().finish())
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
    id: web::Path<Uuid>,
    body: ApiJson<SubmitResponse>,
) -> ApiResult<HttpResponse> {
    let quiz_id = QuizId::from_uuid(id.into_inner());
    let body = body.into_inner();
    let now = state.clock.now();
    let mut fields = Fields::new();
    let time_spent = fields.check_opt(
        "timeSpentSeconds",
        body.time_spent_seconds,
        DurationSeconds::new,
    );
    if body.started_at.is_some_and(|started| started > now) {
        fields.push("startedAt", "must not be in the future");
    }
    let time_spent = all_valid!(fields, (time_spent) => time_spent);
    let answers: Vec<SubmittedAnswer> = body
        .answers
        .into_iter()
        .map(|a| SubmittedAnswer {
            question_id: QuestionId::from_uuid(a.question_id),
            answer: a.answer,
        })
        .collect();

    let quiz = state
        .repositories
        .quizzes
        .get(user.user_id, quiz_id)
        .await?;
    let grade = grade_quiz_response(&quiz, &answers)?;
    let new = grade.into_response(&quiz, time_spent, body.started_at, now);
    let response = state
        .repositories
        .quizzes
        .record_response(user.user_id, new)
        .await?;
    let graded = GradedQuizResponse::of(response);
    Ok(created(
        format!("/api/v1/quizzes/{quiz_id}/responses/{}", graded.response.id),
        &graded,
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
    id: web::Path<Uuid>,
    page: web::Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let page = page.to_request()?;
    let responses = state
        .repositories
        .quizzes
        .list_responses(user.user_id, QuizId::from_uuid(id.into_inner()), page)
        .await?;
    Ok(HttpResponse::Ok().json(responses.map(GradedQuizResponse::of)))
}

/// Reads one graded attempt at a quiz.
#[utoipa::path(get, path = "/api/v1/quizzes/{id}/responses/{responseId}", tag = "quizzes",
    params(("id" = Uuid, Path), ("responseId" = Uuid, Path)),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = GradedQuizResponse), (status = 404, body = Problem)))]
async fn get_response(
    state: web::Data<AppState>,
    user: CurrentUser,
    ids: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (quiz_id, response_id) = ids.into_inner();
    let response = state
        .repositories
        .quizzes
        .get_response(user.user_id, QuizResponseId::from_uuid(response_id))
        .await?;
    if response.quiz_id != QuizId::from_uuid(quiz_id) {
        return Err(DomainError::not_found("quiz response").into());
    }
    Ok(HttpResponse::Ok().json(GradedQuizResponse::of(response)))
}

#[cfg(test)]
mod tests {
    use actix_web::body::MessageBody;
    use actix_web::dev::{Service, ServiceResponse};
    use actix_web::test;
    use serde_json::{Value, json};

    use crate::test_support::{app, bearer, signed_in, state};

    /// Sends `request` as `token`; the status, the `Location` and the JSON body (`null` if none).
    async fn send<S, B>(
        app: &S,
        token: &str,
        request: test::TestRequest,
    ) -> (u16, Option<String>, Value)
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let response = request.insert_header(bearer(token)).send_request(app).await;
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("Location")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = test::read_body(response).await;
        let json = if body.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&body).unwrap()
        };
        (status, location, json)
    }

    fn error_fields(problem: &Value) -> Vec<&str> {
        problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect()
    }

    /// A quiz with one question of each type, worth 2, 1 (by default), 3 and 4 points.
    fn every_type() -> Value {
        json!({
            "title": "Cells",
            "difficulty": "MEDIUM",
            "timeLimit": 30,
            "questions": [
                { "type": "MULTIPLE_CHOICE", "question": "Capital of France?",
                  "options": ["Paris", "Lyon", "Nice"], "correctAnswer": "paris", "points": 2 },
                { "type": "TRUE_FALSE", "question": "Cells have walls?", "correctAnswer": "False" },
                { "type": "SHORT_ANSWER", "question": "Powerhouse of the cell?",
                  "correctAnswer": "The Mitochondria", "points": 3, "difficulty": "HARD" },
                { "type": "FILL_IN_THE_BLANK", "question": "DNA is kept in the ___.",
                  "correctAnswer": "nucleus", "points": 4, "hint": "N..." }
            ]
        })
    }

    async fn create_quiz<S, B>(app: &S, token: &str, body: Value) -> (String, Value)
    where
        S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let (status, location, quiz) = send(
            app,
            token,
            test::TestRequest::post()
                .uri("/api/v1/quizzes")
                .set_json(body),
        )
        .await;
        assert_eq!(status, 201, "{quiz}");
        (location.unwrap(), quiz)
    }

    #[actix_web::test]
    async fn a_quiz_of_every_question_type_totals_its_points() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let (location, quiz) = create_quiz(&app, &token, every_type()).await;
        assert_eq!(
            location,
            format!("/api/v1/quizzes/{}", quiz["id"].as_str().unwrap())
        );
        assert_eq!(quiz["totalPoints"], 10);
        assert_eq!(quiz["timeLimit"], 30);
        let questions = quiz["questions"].as_array().unwrap();
        let types: Vec<&str> = questions
            .iter()
            .map(|q| q["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "MULTIPLE_CHOICE",
                "TRUE_FALSE",
                "SHORT_ANSWER",
                "FILL_IN_THE_BLANK"
            ]
        );
        assert_eq!(
            questions[0]["correctAnswer"], "Paris",
            "the option's spelling"
        );
        assert_eq!(questions[0]["options"], json!(["Paris", "Lyon", "Nice"]));
        assert_eq!(questions[1]["correctAnswer"], "false");
        assert_eq!(questions[1]["points"], 1, "one point by default");
        assert_eq!(
            questions[1]["difficulty"], "MEDIUM",
            "the quiz's difficulty"
        );
        assert_eq!(questions[2]["difficulty"], "HARD");
        assert_eq!(questions[3]["options"], Value::Null);

        let (status, _, read) = send(&app, &token, test::TestRequest::get().uri(&location)).await;
        assert_eq!(status, 200);
        assert_eq!(read, quiz);

        let (_, _, page) = send(
            &app,
            &token,
            test::TestRequest::get().uri("/api/v1/quizzes?difficulty=MEDIUM"),
        )
        .await;
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["totalPoints"], 10);
        assert!(items[0].get("questions").is_none());

        let (status, _, changed) = send(
            &app,
            &token,
            test::TestRequest::patch()
                .uri(&location)
                .set_json(json!({ "timeLimit": null, "title": "Biology", "description": "x" })),
        )
        .await;
        assert_eq!(status, 200, "{changed}");
        assert_eq!(changed["timeLimit"], Value::Null, "null removes the limit");
        assert_eq!(changed["title"], "Biology");
        assert_eq!(changed["totalPoints"], 10);
        let (status, _, problem) = send(
            &app,
            &token,
            test::TestRequest::patch()
                .uri(&location)
                .set_json(json!({ "timeLimit": 0 })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(error_fields(&problem), ["timeLimit"]);

        let (status, _, _) = send(&app, &token, test::TestRequest::delete().uri(&location)).await;
        assert_eq!(status, 204);
        let (status, _, _) = send(&app, &token, test::TestRequest::get().uri(&location)).await;
        assert_eq!(status, 404);
    }

    #[actix_web::test]
    async fn inconsistent_questions_are_named_by_their_position() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let cases = [
            (
                json!({ "type": "MULTIPLE_CHOICE", "question": "2 + 2?",
                        "options": ["3", "5"], "correctAnswer": "4" }),
                "questions[0].correctAnswer",
            ),
            (
                json!({ "type": "ESSAY", "question": "Discuss.", "correctAnswer": "x" }),
                "questions[0].type",
            ),
            (
                json!({ "type": "SHORT_ANSWER", "question": "Why?",
                        "options": ["a", "b"], "correctAnswer": "a" }),
                "questions[0].options",
            ),
            (
                json!({ "type": "TRUE_FALSE", "question": "Sure?", "correctAnswer": "maybe" }),
                "questions[0].correctAnswer",
            ),
            (
                json!({ "type": "SHORT_ANSWER", "question": "Why?", "correctAnswer": "a",
                        "points": 0 }),
                "questions[0].points",
            ),
        ];
        for (question, field) in cases {
            let (status, _, problem) = send(
                &app,
                &token,
                test::TestRequest::post()
                    .uri("/api/v1/quizzes")
                    .set_json(json!({
                        "title": "Bad", "difficulty": "EASY", "questions": [question]
                    })),
            )
            .await;
            assert_eq!(status, 422, "{problem}");
            assert_eq!(error_fields(&problem), [field], "{problem}");
        }

        let (status, _, problem) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri("/api/v1/quizzes")
                .set_json(json!({
                    "title": "Two bad", "difficulty": "EASY", "questions": [
                        { "type": "SHORT_ANSWER", "question": "Fine", "correctAnswer": "yes" },
                        { "type": "MULTIPLE_CHOICE", "question": " ",
                          "options": ["a", "A"], "correctAnswer": "a" }
                    ]
                })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(
            error_fields(&problem),
            ["questions[1].question", "questions[1].options[1]"]
        );
        let (_, _, page) = send(
            &app,
            &token,
            test::TestRequest::get().uri("/api/v1/quizzes"),
        )
        .await;
        assert_eq!(page["items"], json!([]), "nothing was created");
    }

    #[actix_web::test]
    async fn an_attempt_is_graded_on_the_server_with_partial_credit() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let (location, quiz) = create_quiz(&app, &token, every_type()).await;
        let ids: Vec<&str> = quiz["questions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["id"].as_str().unwrap())
            .collect();

        let (status, response_uri, graded) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri(&format!("{location}/responses"))
                .set_json(json!({
                    "answers": [
                        { "questionId": ids[0], "answer": "PARIS" },
                        { "questionId": ids[1], "answer": "true" },
                        { "questionId": ids[2], "answer": "  the   MITOCHONDRIA " }
                    ],
                    "timeSpentSeconds": 95,
                    "startedAt": "2024-01-01T10:00:00Z"
                })),
        )
        .await;
        assert_eq!(status, 201, "{graded}");
        let response_uri = response_uri.unwrap();
        assert_eq!(
            response_uri,
            format!("{location}/responses/{}", graded["id"].as_str().unwrap())
        );
        assert_eq!(graded["quizId"], quiz["id"]);
        assert_eq!(graded["score"], 5);
        assert_eq!(graded["totalPoints"], 10);
        assert_eq!(graded["percentage"], 50.0);
        assert_eq!(graded["correctCount"], 2);
        assert_eq!(graded["timeSpentSeconds"], 95);
        assert_eq!(graded["startedAt"], "2024-01-01T10:00:00Z");
        let results: Vec<(bool, i64)> = graded["answers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| {
                (
                    a["correct"].as_bool().unwrap(),
                    a["pointsAwarded"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            results,
            [(true, 2), (false, 0), (true, 3), (false, 0)],
            "case and spaces do not matter; an unanswered question earns nothing"
        );
        assert_eq!(graded["answers"][3]["answer"], Value::Null);

        let (status, _, read) =
            send(&app, &token, test::TestRequest::get().uri(&response_uri)).await;
        assert_eq!(status, 200);
        assert_eq!(read, graded);

        let (_, _, second) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri(&format!("{location}/responses"))
                .set_json(json!({ "answers": [
                    { "questionId": ids[0], "answer": "Paris" },
                    { "questionId": ids[1], "answer": "FALSE" },
                    { "questionId": ids[2], "answer": "the mitochondria" },
                    { "questionId": ids[3], "answer": "Nucleus" }
                ] })),
        )
        .await;
        assert_eq!(second["score"], 10);
        assert_eq!(second["percentage"], 100.0);

        let (status, _, page) = send(
            &app,
            &token,
            test::TestRequest::get().uri(&format!("{location}/responses")),
        )
        .await;
        assert_eq!(status, 200);
        let scores: Vec<i64> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["score"].as_i64().unwrap())
            .collect();
        assert_eq!(scores, [10, 5], "newest first");
        assert_eq!(page["items"][1]["percentage"], 50.0);
    }

    #[actix_web::test]
    async fn an_answer_must_be_to_a_question_of_the_quiz_and_times_must_be_sane() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let (location, _) = create_quiz(&app, &token, every_type()).await;
        let (other_location, other) = create_quiz(&app, &token, every_type()).await;
        let foreign = other["questions"][0]["id"].as_str().unwrap();

        let (status, _, problem) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri(&format!("{location}/responses"))
                .set_json(json!({ "answers": [{ "questionId": foreign, "answer": "Paris" }] })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(error_fields(&problem), ["answers[0].questionId"]);

        let (status, _, problem) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri(&format!("{location}/responses"))
                .set_json(json!({ "answers": [], "timeSpentSeconds": -1,
                    "startedAt": "2999-01-01T00:00:00Z" })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(error_fields(&problem), ["timeSpentSeconds", "startedAt"]);

        let (status, _, page) = send(
            &app,
            &token,
            test::TestRequest::get().uri(&format!("{location}/responses")),
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(page["items"], json!([]), "nothing was recorded");

        // An attempt read under another quiz's path is not found.
        let (_, response_uri, _) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri(&format!("{location}/responses"))
                .set_json(json!({ "answers": [] })),
        )
        .await;
        let response_id = response_uri.unwrap().rsplit('/').next().unwrap().to_owned();
        let (status, _, _) = send(
            &app,
            &token,
            test::TestRequest::get().uri(&format!("{other_location}/responses/{response_id}")),
        )
        .await;
        assert_eq!(status, 404);
    }

    #[actix_web::test]
    async fn another_student_cannot_see_change_or_answer_the_quiz() {
        let state = state();
        let (_, ada) = signed_in(&state, "ada@example.com").await;
        let (_, bob) = signed_in(&state, "bob@example.com").await;
        let app = app(state).await;
        let (location, quiz) = create_quiz(&app, &ada, every_type()).await;
        let question = quiz["questions"][0]["id"].as_str().unwrap();
        let (_, response_uri, _) = send(
            &app,
            &ada,
            test::TestRequest::post()
                .uri(&format!("{location}/responses"))
                .set_json(json!({ "answers": [{ "questionId": question, "answer": "Paris" }] })),
        )
        .await;
        let response_uri = response_uri.unwrap();
        let question_uri = format!("{location}/questions/{question}");

        for request in [
            test::TestRequest::get().uri(&location),
            test::TestRequest::patch()
                .uri(&location)
                .set_json(json!({ "title": "Mine" })),
            test::TestRequest::delete().uri(&location),
            test::TestRequest::post()
                .uri(&format!("{location}/questions"))
                .set_json(json!({ "type": "SHORT_ANSWER", "question": "q",
                    "correctAnswer": "a" })),
            test::TestRequest::patch()
                .uri(&question_uri)
                .set_json(json!({ "points": 9 })),
            test::TestRequest::patch()
                .uri(&question_uri)
                .set_json(json!({ "correctAnswer": "Lyon" })),
            test::TestRequest::delete().uri(&question_uri),
            test::TestRequest::post()
                .uri(&format!("{location}/responses"))
                .set_json(json!({ "answers": [{ "questionId": question, "answer": "Paris" }] })),
            test::TestRequest::get().uri(&format!("{location}/responses")),
            test::TestRequest::get().uri(&response_uri),
        ] {
            let (status, _, problem) = send(&app, &bob, request).await;
            assert_eq!(status, 404, "{problem}");
        }

        let (_, _, read) = send(&app, &ada, test::TestRequest::get().uri(&location)).await;
        assert_eq!(read, quiz, "unchanged");
        let (_, _, page) = send(
            &app,
            &ada,
            test::TestRequest::get().uri(&format!("{location}/responses")),
        )
        .await;
        assert_eq!(page["items"].as_array().unwrap().len(), 1);
    }

    #[actix_web::test]
    async fn total_points_follow_questions_added_changed_and_removed() {
        let state = state();
        let (_, token) = signed_in(&state, "ada@example.com").await;
        let app = app(state).await;
        let (location, quiz) = create_quiz(
            &app,
            &token,
            json!({ "title": "Growing", "difficulty": "EASY", "questions": [
                { "type": "MULTIPLE_CHOICE", "question": "2 + 2?", "options": ["3", "4"],
                  "correctAnswer": "4", "points": 2 }
            ] }),
        )
        .await;
        assert_eq!(quiz["totalPoints"], 2);
        let first_uri = format!(
            "{location}/questions/{}",
            quiz["questions"][0]["id"].as_str().unwrap()
        );

        let (status, added_uri, added) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri(&format!("{location}/questions"))
                .set_json(
                    json!({ "type": "SHORT_ANSWER", "question": "Capital of Italy?",
                    "correctAnswer": "Rome", "points": 5 }),
                ),
        )
        .await;
        assert_eq!(status, 201, "{added}");
        let added_uri = added_uri.unwrap();
        assert_eq!(
            added_uri,
            format!("{location}/questions/{}", added["id"].as_str().unwrap())
        );
        assert_eq!(added["difficulty"], "EASY", "the quiz's difficulty");
        let (_, _, read) = send(&app, &token, test::TestRequest::get().uri(&location)).await;
        assert_eq!(read["totalPoints"], 7);

        let (status, _, problem) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri(&format!("{location}/questions"))
                .set_json(json!({ "type": "TRUE_FALSE", "question": "?", "correctAnswer": "yes" })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(error_fields(&problem), ["correctAnswer"]);

        // The correct answer alone is checked against the options the question has.
        let (status, _, problem) = send(
            &app,
            &token,
            test::TestRequest::patch()
                .uri(&first_uri)
                .set_json(json!({ "correctAnswer": "5" })),
        )
        .await;
        assert_eq!(status, 422);
        assert_eq!(error_fields(&problem), ["correctAnswer"]);
        let (status, _, changed) = send(
            &app,
            &token,
            test::TestRequest::patch()
                .uri(&first_uri)
                .set_json(json!({ "correctAnswer": "3", "points": 4, "hint": "odd" })),
        )
        .await;
        assert_eq!(status, 200, "{changed}");
        assert_eq!(changed["correctAnswer"], "3");
        assert_eq!(changed["options"], json!(["3", "4"]), "the options stay");
        assert_eq!(changed["hint"], "odd");
        // A new type drops options that no longer fit it.
        let (status, _, changed) = send(
            &app,
            &token,
            test::TestRequest::patch()
                .uri(&first_uri)
                .set_json(json!({ "type": "TRUE_FALSE", "correctAnswer": "TRUE" })),
        )
        .await;
        assert_eq!(status, 200, "{changed}");
        assert_eq!(changed["type"], "TRUE_FALSE");
        assert_eq!(changed["options"], Value::Null);
        assert_eq!(changed["correctAnswer"], "true");
        assert_eq!(changed["points"], 4);
        let (_, _, read) = send(&app, &token, test::TestRequest::get().uri(&location)).await;
        assert_eq!(read["totalPoints"], 9);

        let (status, _, _) = send(&app, &token, test::TestRequest::delete().uri(&added_uri)).await;
        assert_eq!(status, 204);
        let (_, _, read) = send(&app, &token, test::TestRequest::get().uri(&location)).await;
        assert_eq!(read["totalPoints"], 4);
        assert_eq!(read["questions"].as_array().unwrap().len(), 1);
        let (status, _, _) = send(
            &app,
            &token,
            test::TestRequest::patch()
                .uri(&added_uri)
                .set_json(json!({ "correctAnswer": "Roma" })),
        )
        .await;
        assert_eq!(status, 404, "a removed question is gone");
    }

    #[actix_web::test]
    async fn every_route_is_documented() {
        use utoipa::OpenApi as _;
        let doc = super::Api::openapi();
        let paths: Vec<&str> = doc.paths.paths.keys().map(String::as_str).collect();
        assert_eq!(
            paths,
            [
                "/api/v1/quizzes",
                "/api/v1/quizzes/{id}",
                "/api/v1/quizzes/{id}/questions",
                "/api/v1/quizzes/{id}/questions/{questionId}",
                "/api/v1/quizzes/{id}/responses",
                "/api/v1/quizzes/{id}/responses/{responseId}"
            ]
        );
    }
}
