//! The request bodies and the query string of `/api/v1/quizzes`, with their conversions into
//! domain commands and filters, and the graded attempt this resource answers with.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sophie_domain::rules::grading::{Grade, check_started_at};
use sophie_domain::services::quizzes::{Attempt, QuestionDraft, QuestionEdit};
use sophie_domain::values::{
    CardText, Description, DurationSeconds, Points, QuestionContent, TimeLimitMinutes, Title,
};
use sophie_domain::{
    CourseId, Difficulty, DocumentId, NewQuestion, NewQuiz, NoteId, QuestionId, QuestionType,
    QuizFilter, QuizResponse, QuizUpdate, SourceLinks, SourceLinksUpdate, SubmittedAnswer,
};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::all_valid;
use crate::error::ApiResult;
use crate::patch;
use crate::validate::Fields;

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
    #[schema(value_type = CardText, inline)]
    question: String,
    /// For `MULTIPLE_CHOICE`: 2 to 10 distinct options; for `TRUE_FALSE` none or `true` and
    /// `false`; none for the other types.
    options: Option<Vec<String>>,
    /// The correct answer: one of the options, `true`/`false`, or the expected text.
    correct_answer: String,
    /// Why the answer is right.
    #[schema(value_type = Option<CardText>, inline)]
    explanation: Option<String>,
    /// A hint.
    #[schema(value_type = Option<CardText>, inline)]
    hint: Option<String>,
    /// How hard it is; the quiz's difficulty by default.
    difficulty: Option<Difficulty>,
    /// What it is worth, 1 to 1000; 1 by default.
    points: Option<i64>,
}

impl CreateQuestion {
    /// Checks the question into `fields`, naming its fields after `prefix`.
    fn check(self, fields: &mut Fields, prefix: &str) -> Option<QuestionDraft> {
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
                Some(QuestionDraft {
                    question,
                    content,
                    explanation,
                    hint,
                    difficulty: self.difficulty,
                    points,
                })
            }
            _ => None,
        }
    }

    /// The question to add; without a difficulty it takes the quiz's.
    pub(super) fn into_domain(self) -> ApiResult<QuestionDraft> {
        let mut fields = Fields::new();
        let question = self.check(&mut fields, "");
        Ok(all_valid!(fields, (question) => question))
    }
}

/// A new quiz with its questions; its total points are their sum.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateQuiz {
    /// Its title, 1 to 200 characters.
    #[schema(value_type = Title, inline)]
    title: String,
    /// A description.
    #[schema(value_type = Option<Description>, inline)]
    description: Option<String>,
    /// How hard it is overall.
    difficulty: Difficulty,
    /// The time allowed, 1 to 1440 minutes.
    #[schema(value_type = Option<TimeLimitMinutes>, inline)]
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
    pub(super) fn into_domain(self) -> ApiResult<NewQuiz> {
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
                    question
                        .check(&mut fields, &format!("questions[{index}]"))
                        .map(|draft| draft.with_default_difficulty(difficulty))
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
    #[schema(value_type = Option<Title>, inline)]
    title: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Description>, inline)]
    description: Option<Option<String>>,
    difficulty: Option<Difficulty>,
    /// Minutes; `null` removes the limit.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<TimeLimitMinutes>, inline)]
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
    pub(super) fn into_domain(self) -> ApiResult<QuizUpdate> {
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
    #[schema(value_type = Option<CardText>, inline)]
    question: Option<String>,
    /// `null` removes the options (for a type that takes none).
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Vec<String>>)]
    options: Option<Option<Vec<String>>>,
    correct_answer: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<CardText>, inline)]
    explanation: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<CardText>, inline)]
    hint: Option<Option<String>>,
    difficulty: Option<Difficulty>,
    #[schema(value_type = Option<Points>, inline)]
    points: Option<i64>,
}

impl UpdateQuestion {
    /// The changes, every field checked but the type, options and correct answer, which are
    /// checked together once merged with the question's current ones.
    pub(super) fn into_domain(self) -> ApiResult<QuestionEdit> {
        let mut fields = Fields::new();
        let question = fields.check_opt("question", self.question, CardText::parse);
        let explanation = fields.check_patch("explanation", self.explanation, CardText::parse);
        let hint = fields.check_patch("hint", self.hint, CardText::parse);
        let points = fields.check_opt("points", self.points, Points::new);
        let (question_type, options, correct_answer, difficulty) = (
            self.question_type,
            self.options,
            self.correct_answer,
            self.difficulty,
        );
        Ok(
            all_valid!(fields, (question, explanation, hint, points) => QuestionEdit {
                question, question_type, options, correct_answer, explanation, hint,
                difficulty, points,
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

impl SubmitResponse {
    /// The attempt, its times checked against `now`: every problem with them is named at once.
    pub(super) fn into_domain(self, now: DateTime<Utc>) -> ApiResult<Attempt> {
        let mut fields = Fields::new();
        let time_spent = fields.check_opt(
            "timeSpentSeconds",
            self.time_spent_seconds,
            DurationSeconds::new,
        );
        fields.check_instant("startedAt", self.started_at.as_ref());
        if let Some(started_at) = self.started_at.as_ref() {
            fields.check("startedAt", check_started_at(started_at, now));
        }
        let answers: Vec<SubmittedAnswer> = self
            .answers
            .into_iter()
            .map(|a| SubmittedAnswer {
                question_id: QuestionId::from_uuid(a.question_id),
                answer: a.answer,
            })
            .collect();
        let started_at = self.started_at;
        Ok(all_valid!(fields, (time_spent) => Attempt {
            answers,
            time_spent,
            started_at,
        }))
    }
}

/// A graded attempt, with its score as a percentage and its number of right answers.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GradedQuizResponse {
    /// The attempt.
    #[serde(flatten)]
    pub(super) response: QuizResponse,
    /// The score as a percentage of the points available (0 for a quiz worth nothing).
    percentage: f64,
    /// How many questions were answered correctly.
    correct_count: usize,
}

impl GradedQuizResponse {
    /// The attempt with its percentage and its count of right answers, as grading states them.
    pub(super) fn of(response: QuizResponse) -> Self {
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
    /// Only quizzes not attempted yet (`true`).
    unattempted: Option<bool>,
}

impl QuizQuery {
    pub(super) fn into_domain(self) -> QuizFilter {
        QuizFilter {
            course_id: self.course_id.map(CourseId::from_uuid),
            note_id: self.note_id.map(NoteId::from_uuid),
            document_id: self.document_id.map(DocumentId::from_uuid),
            difficulty: self.difficulty,
            unattempted: self.unattempted.unwrap_or(false),
        }
    }
}
