//! Quizzes, their questions and their graded attempts on PostgreSQL.
//!
//! A quiz and all its questions are written in one transaction (one `INSERT` for every
//! question) and read back in two queries; [`QuizInsert`] is that write, for a generation's
//! result too. Every write to a quiz's questions locks the quiz row first and then recomputes
//! `total_points` from the questions in the same transaction, so the total stays their sum
//! under concurrent writers.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Int4, Jsonb, Nullable, Timestamptz, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sophie_domain::rules::quiz_points;
use sophie_domain::values::{CardText, Description, DurationSeconds, TimeLimitMinutes};
use sophie_domain::{
    DomainError, DomainResult, GradedAnswer, NewQuestion, NewQuiz, NewQuizResponse, Page,
    PageRequest, Question, QuestionId, QuestionUpdate, Quiz, QuizFilter, QuizId, QuizRepository,
    QuizResponse, QuizResponseId, QuizUpdate, QuizWithQuestions, SortOrder, SourceLinks, UserId,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::{StoreError, from_diesel};
use crate::json_columns::SourcesJson;
use crate::keyset::after_cursor;
use crate::links::ensure_links_owned;
use crate::pg_enums::{PgDifficulty, PgQuestionType};
use crate::schema::{questions, quiz_responses, quizzes};
use crate::store::PostgresStore;

const ENTITY: &str = "quiz";
const QUESTION: &str = "question";
const RESPONSE: &str = "quiz response";

fn too_many_questions() -> DomainError {
    DomainError::validation(
        "questions",
        format!("a quiz holds at most {} questions", NewQuiz::MAX_QUESTIONS),
    )
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = quizzes, check_for_backend(diesel::pg::Pg))]
struct QuizRow {
    id: Uuid,
    title: String,
    description: Option<String>,
    difficulty: PgDifficulty,
    time_limit: Option<i32>,
    total_points: i32,
    user_id: Uuid,
    course_id: Option<Uuid>,
    note_id: Option<Uuid>,
    document_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<QuizRow> for Quiz {
    fn from(row: QuizRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            course_id: row.course_id.map(Into::into),
            note_id: row.note_id.map(Into::into),
            document_id: row.document_id.map(Into::into),
            title: row.title,
            description: row.description,
            difficulty: row.difficulty.into(),
            time_limit: row.time_limit,
            total_points: row.total_points,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = quizzes, treat_none_as_default_value = false)]
struct NewQuizRow {
    id: Uuid,
    title: String,
    description: Option<String>,
    difficulty: PgDifficulty,
    time_limit: Option<i32>,
    total_points: i32,
    user_id: Uuid,
    course_id: Option<Uuid>,
    note_id: Option<Uuid>,
    document_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = quizzes)]
struct QuizChanges {
    title: Option<String>,
    description: Option<Option<String>>,
    difficulty: Option<PgDifficulty>,
    time_limit: Option<Option<i32>>,
    course_id: Option<Option<Uuid>>,
    note_id: Option<Option<Uuid>>,
    document_id: Option<Option<Uuid>>,
    updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = questions, check_for_backend(diesel::pg::Pg))]
struct QuestionRow {
    id: Uuid,
    type_: PgQuestionType,
    question: String,
    options: Option<serde_json::Value>,
    correct_answer: String,
    explanation: Option<String>,
    hint: Option<String>,
    difficulty: PgDifficulty,
    points: i32,
    quiz_id: Uuid,
    sources: SourcesJson,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<QuestionRow> for Question {
    type Error = DomainError;

    fn try_from(row: QuestionRow) -> Result<Self, Self::Error> {
        let options = row.options.map(options_from_json).transpose()?;
        Ok(Self {
            id: row.id.into(),
            quiz_id: row.quiz_id.into(),
            question_type: row.type_.into(),
            question: row.question,
            options,
            correct_answer: row.correct_answer,
            explanation: row.explanation,
            hint: row.hint,
            difficulty: row.difficulty.into(),
            points: row.points,
            sources: row.sources.0,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// `questions.options`: a JSON array of strings. A JSON string holding such an array (how the
/// seed data kept options) reads the same.
fn options_from_json(value: serde_json::Value) -> DomainResult<Vec<String>> {
    let value = match value {
        serde_json::Value::String(text) => {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        }
        other => other,
    };
    serde_json::from_value(value).map_err(|e| {
        DomainError::internal_from("a question's options are not a list of strings", e)
    })
}

fn options_to_json(options: Option<Vec<String>>) -> Option<serde_json::Value> {
    options.map(serde_json::Value::from)
}

fn questions_from_rows(rows: Vec<QuestionRow>) -> DomainResult<Vec<Question>> {
    rows.into_iter().map(Question::try_from).collect()
}

#[derive(Insertable)]
#[diesel(table_name = questions, treat_none_as_default_value = false)]
struct NewQuestionRow {
    id: Uuid,
    type_: PgQuestionType,
    question: String,
    options: Option<serde_json::Value>,
    correct_answer: String,
    explanation: Option<String>,
    hint: Option<String>,
    difficulty: PgDifficulty,
    points: i32,
    quiz_id: Uuid,
    sources: SourcesJson,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl NewQuestionRow {
    /// A question of `quiz`, with a fresh id: ids made in input order sort in input order.
    fn new(quiz: Uuid, new: NewQuestion, now: DateTime<Utc>) -> Self {
        let (question_type, options, correct_answer) = new.content.into_parts();
        Self {
            id: QuestionId::new().as_uuid(),
            type_: question_type.into(),
            question: new.question.into_inner(),
            options: options_to_json(options),
            correct_answer,
            explanation: new.explanation.map(CardText::into_inner),
            hint: new.hint.map(CardText::into_inner),
            difficulty: new.difficulty.into(),
            points: new.points.get_i32(),
            quiz_id: quiz,
            sources: SourcesJson(new.sources),
            created_at: now,
            updated_at: now,
        }
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = questions)]
struct QuestionChanges {
    type_: Option<PgQuestionType>,
    question: Option<String>,
    options: Option<Option<serde_json::Value>>,
    correct_answer: Option<String>,
    explanation: Option<Option<String>>,
    hint: Option<Option<String>>,
    difficulty: Option<PgDifficulty>,
    points: Option<i32>,
    updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = quiz_responses, check_for_backend(diesel::pg::Pg))]
struct QuizResponseRow {
    id: Uuid,
    quiz_id: Uuid,
    user_id: Uuid,
    answers: serde_json::Value,
    score: i32,
    total_points: i32,
    time_spent_seconds: Option<i32>,
    started_at: Option<DateTime<Utc>>,
    completed_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl TryFrom<QuizResponseRow> for QuizResponse {
    type Error = DomainError;

    fn try_from(row: QuizResponseRow) -> Result<Self, Self::Error> {
        let answers: Vec<GradedAnswer> = serde_json::from_value(row.answers).map_err(|e| {
            DomainError::internal_from("a quiz response's answers cannot be read", e)
        })?;
        Ok(Self {
            id: row.id.into(),
            quiz_id: row.quiz_id.into(),
            user_id: row.user_id.into(),
            answers,
            score: row.score,
            total_points: row.total_points,
            time_spent_seconds: row.time_spent_seconds,
            started_at: row.started_at,
            completed_at: row.completed_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

/// A new quiz with its questions, as rows checked against the quiz's limits and ready to
/// insert; `total_points` is the questions' sum.
pub(super) struct QuizInsert {
    user: UserId,
    links: SourceLinks,
    quiz: NewQuizRow,
    questions: Vec<NewQuestionRow>,
}

impl QuizInsert {
    /// `user`'s quiz, stamped `now`.
    ///
    /// # Errors
    ///
    /// `Validation` when it has more than [`NewQuiz::MAX_QUESTIONS`] questions.
    pub(super) fn new(user: UserId, new: NewQuiz, now: DateTime<Utc>) -> DomainResult<Self> {
        if new.questions.len() > NewQuiz::MAX_QUESTIONS {
            return Err(too_many_questions());
        }
        let links = new.links;
        let quiz_id = QuizId::new().as_uuid();
        let questions: Vec<NewQuestionRow> = new
            .questions
            .into_iter()
            .map(|question| NewQuestionRow::new(quiz_id, question, now))
            .collect();
        let quiz = NewQuizRow {
            id: quiz_id,
            title: new.title.into_inner(),
            description: new.description.map(Description::into_inner),
            difficulty: new.difficulty.into(),
            time_limit: new.time_limit.map(TimeLimitMinutes::get_i32),
            total_points: quiz_points::total_points(questions.iter().map(|q| q.points)),
            user_id: user.as_uuid(),
            course_id: links.course_id.map(|id| id.as_uuid()),
            note_id: links.note_id.map(|id| id.as_uuid()),
            document_id: links.document_id.map(|id| id.as_uuid()),
            created_at: now,
            updated_at: now,
        };
        Ok(Self {
            user,
            links,
            quiz,
            questions,
        })
    }

    /// Checks the links are the user's, then inserts the quiz and its questions: two or three
    /// statements, to run inside a transaction on `conn`.
    pub(super) async fn run(
        &self,
        conn: &mut AsyncPgConnection,
    ) -> Result<QuizWithQuestions, StoreError> {
        ensure_links_owned(conn, self.user, self.links).await?;
        let quiz: QuizRow = diesel::insert_into(quizzes::table)
            .values(&self.quiz)
            .returning(QuizRow::as_returning())
            .one(conn)
            .await?;
        let rows: Vec<QuestionRow> = if self.questions.is_empty() {
            Vec::new()
        } else {
            diesel::insert_into(questions::table)
                .values(&self.questions)
                .returning(QuestionRow::as_returning())
                .get_results(conn)
                .await?
        };
        let mut questions = questions_from_rows(rows)?;
        questions.sort_by_key(|q| (q.created_at, q.id));
        Ok(QuizWithQuestions {
            quiz: quiz.into(),
            questions,
        })
    }
}

/// The user's quiz `id`, changed by `changes`.
async fn update_quiz_row(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    id: Uuid,
    changes: &QuizChanges,
) -> QueryResult<QuizRow> {
    diesel::update(
        quizzes::table
            .filter(quizzes::id.eq(id))
            .filter(quizzes::user_id.eq(user)),
    )
    .set(changes)
    .returning(QuizRow::as_returning())
    .one(conn)
    .await
}

/// Locks the user's quiz for a change to its questions (concurrent writers to the same quiz
/// queue here, so each sees the others' questions) and counts its questions; `None` when the
/// quiz is not the user's.
async fn lock_quiz(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    quiz: Uuid,
) -> QueryResult<Option<i64>> {
    let count: Option<Option<i64>> = quizzes::table
        .filter(quizzes::id.eq(quiz))
        .filter(quizzes::user_id.eq(user))
        .select(
            questions::table
                .filter(questions::quiz_id.eq(quiz))
                .count()
                .single_value(),
        )
        .for_no_key_update()
        .limit(1)
        .one(conn)
        .await
        .optional()?;
    Ok(count.map(|n| n.unwrap_or(0)))
}

/// Sets the (locked) quiz's total to the sum of its questions' points.
async fn refresh_total_points(
    conn: &mut AsyncPgConnection,
    quiz: Uuid,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE quizzes \
         SET total_points = (SELECT COALESCE(SUM(points), 0) FROM questions WHERE quiz_id = $1)::integer, \
             updated_at = $2 \
         WHERE id = $1",
    )
    .bind::<SqlUuid, _>(quiz)
    .bind::<Timestamptz, _>(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Says what was missing when a question could not be reached: its quiz (missing or another
/// user's), or the question itself. Runs only on that failure path.
async fn missing_question(conn: &mut AsyncPgConnection, user: Uuid, quiz: Uuid) -> DomainError {
    let owned = quizzes::table
        .filter(quizzes::id.eq(quiz))
        .filter(quizzes::user_id.eq(user))
        .select(quizzes::id)
        .limit(1)
        .one::<Uuid>(conn)
        .await
        .optional();
    match owned {
        Ok(Some(_)) => DomainError::not_found(QUESTION),
        Ok(None) => DomainError::not_found(ENTITY),
        Err(error) => from_diesel(ENTITY, error),
    }
}

#[async_trait]
impl QuizRepository for PostgresStore {
    async fn create(&self, user: UserId, new: NewQuiz) -> DomainResult<QuizWithQuestions> {
        let insert = QuizInsert::new(user, new, self.clock.now())?;
        let mut conn = self.db.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| insert.run(conn).await)
            .await
            .map_err(|e| e.into_domain(ENTITY))
    }

    async fn get(&self, user: UserId, id: QuizId) -> DomainResult<QuizWithQuestions> {
        // Both statements go out together and come back in one round trip. The questions
        // are returned only when the quiz is the user's.
        let (quiz, rows) = self
            .db
            .read(ENTITY, async |conn| {
                let quiz = quizzes::table
                    .filter(quizzes::id.eq(id.as_uuid()))
                    .filter(quizzes::user_id.eq(user.as_uuid()))
                    .select(QuizRow::as_select())
                    .limit(1)
                    .load::<QuizRow>(&mut &*conn);
                let rows = questions::table
                    .filter(questions::quiz_id.eq(id.as_uuid()))
                    .order((questions::created_at.asc(), questions::id.asc()))
                    .select(QuestionRow::as_select())
                    .load::<QuestionRow>(&mut &*conn);
                let (quiz, rows) = tokio::join!(quiz, rows);
                let quiz = quiz?
                    .into_iter()
                    .next()
                    .ok_or(diesel::result::Error::NotFound)?;
                Ok((quiz, rows?))
            })
            .await?;
        Ok(QuizWithQuestions {
            quiz: quiz.into(),
            questions: questions_from_rows(rows)?,
        })
    }

    async fn list(
        &self,
        user: UserId,
        filter: QuizFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Quiz>> {
        let query = || {
            let mut query = quizzes::table
                .filter(quizzes::user_id.eq(user.as_uuid()))
                .select(QuizRow::as_select())
                .order((quizzes::created_at.desc(), quizzes::id.desc()))
                .limit(page.fetch_limit())
                .into_boxed();
            if let Some(course) = filter.course_id {
                query = query.filter(quizzes::course_id.eq(course.as_uuid()));
            }
            if let Some(note) = filter.note_id {
                query = query.filter(quizzes::note_id.eq(note.as_uuid()));
            }
            if let Some(document) = filter.document_id {
                query = query.filter(quizzes::document_id.eq(document.as_uuid()));
            }
            if let Some(difficulty) = filter.difficulty {
                query = query.filter(quizzes::difficulty.eq(PgDifficulty(difficulty)));
            }
            if filter.unattempted {
                query = query.filter(diesel::dsl::not(diesel::dsl::exists(
                    quiz_responses::table.filter(quiz_responses::quiz_id.eq(quizzes::id)),
                )));
            }
            if let Some(cursor) = page.cursor {
                query = query.filter(after_cursor(
                    "quizzes.created_at",
                    "quizzes.id",
                    SortOrder::NewestFirst,
                    cursor,
                ));
            }
            query
        };
        let rows = self
            .db
            .read(ENTITY, async |conn| query().load(conn).await)
            .await?;
        Ok(Page::from_overfetch(
            rows.into_iter().map(Quiz::from).collect(),
            page,
            |q| (q.created_at, q.id.as_uuid()),
        ))
    }

    async fn update(&self, user: UserId, id: QuizId, update: QuizUpdate) -> DomainResult<Quiz> {
        let links = update.links;
        let targets = links.new_targets();
        let changes = QuizChanges {
            title: update.title.map(String::from),
            description: update.description.map(|v| v.map(String::from)),
            difficulty: update.difficulty.map(PgDifficulty),
            time_limit: update.time_limit.map(|v| v.map(TimeLimitMinutes::get_i32)),
            course_id: links.course_id.map(|v| v.map(|id| id.as_uuid())),
            note_id: links.note_id.map(|v| v.map(|id| id.as_uuid())),
            document_id: links.document_id.map(|v| v.map(|id| id.as_uuid())),
            updated_at: self.clock.now(),
        };
        let (user_id, quiz_id) = (user.as_uuid(), id.as_uuid());
        let mut conn = self.db.conn().await?;
        let row = if targets.is_empty() {
            update_quiz_row(&mut conn, user_id, quiz_id, &changes)
                .await
                .map_err(|e| from_diesel(ENTITY, e))?
        } else {
            conn.transaction::<_, StoreError, _>(async |conn| {
                ensure_links_owned(conn, user, targets).await?;
                Ok(update_quiz_row(conn, user_id, quiz_id, &changes).await?)
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?
        };
        Ok(row.into())
    }

    async fn delete(&self, user: UserId, id: QuizId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        // Its questions and responses go with it: ON DELETE CASCADE.
        let deleted = diesel::delete(
            quizzes::table
                .filter(quizzes::id.eq(id.as_uuid()))
                .filter(quizzes::user_id.eq(user.as_uuid())),
        )
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        if deleted == 0 {
            return Err(DomainError::not_found(ENTITY));
        }
        Ok(())
    }

    async fn add_question(
        &self,
        user: UserId,
        quiz: QuizId,
        new: NewQuestion,
    ) -> DomainResult<Question> {
        let now = self.clock.now();
        let (user_id, quiz_id) = (user.as_uuid(), quiz.as_uuid());
        let row = NewQuestionRow::new(quiz_id, new, now);
        let mut conn = self.db.conn().await?;
        let question: QuestionRow = conn
            .transaction::<_, StoreError, _>(async |conn| {
                let Some(count) = lock_quiz(conn, user_id, quiz_id).await? else {
                    return Err(DomainError::not_found(ENTITY).into());
                };
                let full = usize::try_from(count).map_or(true, |n| n >= NewQuiz::MAX_QUESTIONS);
                if full {
                    return Err(too_many_questions().into());
                }
                let question = diesel::insert_into(questions::table)
                    .values(&row)
                    .returning(QuestionRow::as_returning())
                    .one(conn)
                    .await?;
                refresh_total_points(conn, quiz_id, now).await?;
                Ok(question)
            })
            .await
            .map_err(|e| e.into_domain(QUESTION))?;
        question.try_into()
    }

    async fn update_question(
        &self,
        user: UserId,
        quiz: QuizId,
        question: QuestionId,
        update: QuestionUpdate,
    ) -> DomainResult<Question> {
        let now = self.clock.now();
        let points_change = update.points.is_some();
        let (question_type, options, correct_answer) = match update.content {
            Some(content) => {
                let (question_type, options, correct_answer) = content.into_parts();
                (
                    Some(question_type.into()),
                    Some(options_to_json(options)),
                    Some(correct_answer),
                )
            }
            None => (None, None, None),
        };
        let changes = QuestionChanges {
            type_: question_type,
            question: update.question.map(String::from),
            options,
            correct_answer,
            explanation: update.explanation.map(|v| v.map(String::from)),
            hint: update.hint.map(|v| v.map(String::from)),
            difficulty: update.difficulty.map(PgDifficulty),
            points: update.points.map(|p| p.get_i32()),
            updated_at: now,
        };
        let (user_id, quiz_id, question_id) = (user.as_uuid(), quiz.as_uuid(), question.as_uuid());
        let mut conn = self.db.conn().await?;
        let row: QuestionRow = if points_change {
            conn.transaction::<_, StoreError, _>(async |conn| {
                if lock_quiz(conn, user_id, quiz_id).await?.is_none() {
                    return Err(DomainError::not_found(ENTITY).into());
                }
                let row = diesel::update(
                    questions::table
                        .filter(questions::id.eq(question_id))
                        .filter(questions::quiz_id.eq(quiz_id)),
                )
                .set(&changes)
                .returning(QuestionRow::as_returning())
                .one(conn)
                .await?;
                refresh_total_points(conn, quiz_id, now).await?;
                Ok(row)
            })
            .await
            .map_err(|e| e.into_domain(QUESTION))?
        } else {
            // The total does not move: one statement, reaching the question through its
            // quiz's owner.
            match diesel::update(
                questions::table
                    .filter(questions::id.eq(question_id))
                    .filter(questions::quiz_id.eq(quiz_id))
                    .filter(
                        questions::quiz_id.eq_any(
                            quizzes::table
                                .filter(quizzes::id.eq(quiz_id))
                                .filter(quizzes::user_id.eq(user_id))
                                .select(quizzes::id),
                        ),
                    ),
            )
            .set(&changes)
            .returning(QuestionRow::as_returning())
            .one(&mut conn)
            .await
            .optional()
            .map_err(|e| from_diesel(QUESTION, e))?
            {
                Some(row) => row,
                None => return Err(missing_question(&mut conn, user_id, quiz_id).await),
            }
        };
        row.try_into()
    }

    async fn delete_question(
        &self,
        user: UserId,
        quiz: QuizId,
        question: QuestionId,
    ) -> DomainResult<()> {
        let now = self.clock.now();
        let (user_id, quiz_id, question_id) = (user.as_uuid(), quiz.as_uuid(), question.as_uuid());
        let mut conn = self.db.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            if lock_quiz(conn, user_id, quiz_id).await?.is_none() {
                return Err(DomainError::not_found(ENTITY).into());
            }
            let deleted = diesel::delete(
                questions::table
                    .filter(questions::id.eq(question_id))
                    .filter(questions::quiz_id.eq(quiz_id)),
            )
            .execute(conn)
            .await?;
            if deleted == 0 {
                return Err(DomainError::not_found(QUESTION).into());
            }
            refresh_total_points(conn, quiz_id, now).await?;
            Ok(())
        })
        .await
        .map_err(|e| e.into_domain(QUESTION))
    }

    async fn record_response(
        &self,
        user: UserId,
        response: NewQuizResponse,
    ) -> DomainResult<QuizResponse> {
        // The schema's checks on quiz_responses, with the in-memory adapter's words.
        if response.total_points < 0 {
            return Err(DomainError::validation(
                "totalPoints",
                "must not be negative",
            ));
        }
        if response.score < 0 || response.score > response.total_points {
            return Err(DomainError::validation(
                "score",
                "must be between 0 and the total points",
            ));
        }
        let answers = serde_json::to_value(&response.answers).map_err(|e| {
            DomainError::internal_from("a quiz response's answers cannot be written", e)
        })?;
        let now = self.clock.now();
        let id = QuizResponseId::new().as_uuid();
        // One statement: the row is inserted only if the quiz is the user's.
        let source = quizzes::table
            .filter(quizzes::id.eq(response.quiz_id.as_uuid()))
            .filter(quizzes::user_id.eq(user.as_uuid()))
            .select((
                id.into_sql::<SqlUuid>(),
                quizzes::id,
                quizzes::user_id,
                answers.into_sql::<Jsonb>(),
                response.score.into_sql::<Int4>(),
                response.total_points.into_sql::<Int4>(),
                response
                    .time_spent_seconds
                    .map(DurationSeconds::get_i32)
                    .into_sql::<Nullable<Int4>>(),
                response.started_at.into_sql::<Nullable<Timestamptz>>(),
                response.completed_at.into_sql::<Timestamptz>(),
                now.into_sql::<Timestamptz>(),
                now.into_sql::<Timestamptz>(),
            ));
        let mut conn = self.db.conn().await?;
        let rows: Vec<QuizResponseRow> = diesel::insert_into(quiz_responses::table)
            .values(source)
            .into_columns((
                quiz_responses::id,
                quiz_responses::quiz_id,
                quiz_responses::user_id,
                quiz_responses::answers,
                quiz_responses::score,
                quiz_responses::total_points,
                quiz_responses::time_spent_seconds,
                quiz_responses::started_at,
                quiz_responses::completed_at,
                quiz_responses::created_at,
                quiz_responses::updated_at,
            ))
            .returning(QuizResponseRow::as_returning())
            .get_results(&mut conn)
            .await
            .map_err(|e| from_diesel(RESPONSE, e))?;
        rows.into_iter()
            .next()
            .ok_or(DomainError::not_found(ENTITY))?
            .try_into()
    }

    async fn list_responses(
        &self,
        user: UserId,
        quiz: QuizId,
        page: PageRequest,
    ) -> DomainResult<Page<QuizResponse>> {
        let (user_id, quiz_id) = (user.as_uuid(), quiz.as_uuid());
        let query = || {
            let mut query = quiz_responses::table
                .filter(quiz_responses::quiz_id.eq(quiz_id))
                .filter(quiz_responses::user_id.eq(user_id))
                .select(QuizResponseRow::as_select())
                .order((quiz_responses::created_at.desc(), quiz_responses::id.desc()))
                .limit(page.fetch_limit())
                .into_boxed();
            if let Some(cursor) = page.cursor {
                query = query.filter(after_cursor(
                    "quiz_responses.created_at",
                    "quiz_responses.id",
                    SortOrder::NewestFirst,
                    cursor,
                ));
            }
            query
        };
        // The quiz first: a quiz that is not the user's is `NotFound`, not an empty page.
        let rows = self
            .db
            .read(ENTITY, async |conn| {
                quizzes::table
                    .filter(quizzes::id.eq(quiz_id))
                    .filter(quizzes::user_id.eq(user_id))
                    .select(quizzes::id)
                    .limit(1)
                    .one::<Uuid>(conn)
                    .await?;
                query().load(conn).await
            })
            .await?;
        let responses = rows
            .into_iter()
            .map(QuizResponse::try_from)
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_overfetch(responses, page, |r| {
            (r.created_at, r.id.as_uuid())
        }))
    }

    async fn get_response(&self, user: UserId, id: QuizResponseId) -> DomainResult<QuizResponse> {
        self.db
            .read(RESPONSE, async |conn| {
                quiz_responses::table
                    .filter(quiz_responses::id.eq(id.as_uuid()))
                    .filter(quiz_responses::user_id.eq(user.as_uuid()))
                    .select(QuizResponseRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
            })
            .await?
            .try_into()
    }
}
