use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::links::{SourceLinks, SourceLinksUpdate};
use crate::enums::{Difficulty, QuestionType};
use crate::id::{CourseId, DocumentId, NoteId, QuestionId, QuizId, QuizResponseId, UserId};
use crate::values::{
    CardText, Description, DurationSeconds, Points, QuestionContent, TimeLimitMinutes, Title,
};

/// A quiz. Its `total_points` is always the sum of its questions' points.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Quiz {
    /// The quiz's id.
    pub id: QuizId,
    /// Its owner.
    pub user_id: UserId,
    /// The course it is filed under.
    pub course_id: Option<CourseId>,
    /// The note it was made from.
    pub note_id: Option<NoteId>,
    /// The document it was made from.
    pub document_id: Option<DocumentId>,
    /// Its title.
    pub title: String,
    /// A description.
    pub description: Option<String>,
    /// How hard it is overall.
    pub difficulty: Difficulty,
    /// The time allowed, in minutes.
    pub time_limit: Option<i32>,
    /// The sum of its questions' points.
    pub total_points: i32,
    /// When it was created.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

impl Quiz {
    /// The links to the material it belongs to.
    #[must_use]
    pub const fn links(&self) -> SourceLinks {
        SourceLinks {
            course_id: self.course_id,
            note_id: self.note_id,
            document_id: self.document_id,
        }
    }
}

/// One question of a quiz.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    /// The question's id.
    pub id: QuestionId,
    /// The quiz it belongs to.
    pub quiz_id: QuizId,
    /// How it is answered and graded.
    #[serde(rename = "type")]
    pub question_type: QuestionType,
    /// The question's text.
    pub question: String,
    /// The options of a multiple-choice question.
    pub options: Option<Vec<String>>,
    /// The correct answer.
    pub correct_answer: String,
    /// Why the answer is right.
    pub explanation: Option<String>,
    /// A hint.
    pub hint: Option<String>,
    /// How hard it is.
    pub difficulty: Difficulty,
    /// What it is worth; at least 1.
    pub points: i32,
    /// What it rests on, when it was generated: quotes of the student's material.
    #[serde(default)]
    pub sources: Vec<super::SourceQuote>,
    /// When it was created.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// A quiz with all its questions, in the order they were added.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuizWithQuestions {
    /// The quiz.
    #[serde(flatten)]
    pub quiz: Quiz,
    /// Its questions, oldest first.
    pub questions: Vec<Question>,
}

/// Creates a [`Quiz`] with its questions, in one step; the total points are computed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewQuiz {
    /// Its title.
    pub title: Title,
    /// A description.
    pub description: Option<Description>,
    /// How hard it is.
    pub difficulty: Difficulty,
    /// The time allowed, in minutes.
    pub time_limit: Option<TimeLimitMinutes>,
    /// The material it belongs to; each id must be the user's.
    pub links: SourceLinks,
    /// Its questions, at most [`NewQuiz::MAX_QUESTIONS`].
    pub questions: Vec<NewQuestion>,
}

impl NewQuiz {
    /// The most questions a quiz may hold.
    pub const MAX_QUESTIONS: usize = 200;
}

/// Creates a [`Question`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewQuestion {
    /// The question's text.
    pub question: CardText,
    /// Its type, options and correct answer, consistent with each other.
    pub content: QuestionContent,
    /// An explanation.
    pub explanation: Option<CardText>,
    /// A hint.
    pub hint: Option<CardText>,
    /// How hard it is.
    pub difficulty: Difficulty,
    /// What it is worth.
    pub points: Points,
    /// What it rests on (generated items; empty for hand-written ones).
    pub sources: Vec<super::SourceQuote>,
}

/// Changes a [`Quiz`] (not its questions).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuizUpdate {
    /// A new title.
    pub title: Option<Title>,
    /// A new description, or `Some(None)` to clear it.
    pub description: Option<Option<Description>>,
    /// A new difficulty.
    pub difficulty: Option<Difficulty>,
    /// A new time limit, or `Some(None)` for none.
    pub time_limit: Option<Option<TimeLimitMinutes>>,
    /// New links; each new id must be the user's.
    pub links: SourceLinksUpdate,
}

impl QuizUpdate {
    /// Whether nothing would change.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.difficulty.is_none()
            && self.time_limit.is_none()
            && self.links.is_empty()
    }
}

/// Changes a [`Question`]. Type, options and correct answer change together, as one
/// [`QuestionContent`], so they stay consistent.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuestionUpdate {
    /// A new text.
    pub question: Option<CardText>,
    /// A new type, options and correct answer.
    pub content: Option<QuestionContent>,
    /// A new explanation, or `Some(None)` to clear it.
    pub explanation: Option<Option<CardText>>,
    /// A new hint, or `Some(None)` to clear it.
    pub hint: Option<Option<CardText>>,
    /// A new difficulty.
    pub difficulty: Option<Difficulty>,
    /// New points; the quiz's total follows.
    pub points: Option<Points>,
}

impl QuestionUpdate {
    /// Whether nothing would change.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.question.is_none()
            && self.content.is_none()
            && self.explanation.is_none()
            && self.hint.is_none()
            && self.difficulty.is_none()
            && self.points.is_none()
    }
}

/// Narrows a list of quizzes. Filters combine with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuizFilter {
    /// Only quizzes filed under this course.
    pub course_id: Option<CourseId>,
    /// Only quizzes made from this note.
    pub note_id: Option<NoteId>,
    /// Only quizzes made from this document.
    pub document_id: Option<DocumentId>,
    /// Only quizzes of this difficulty.
    pub difficulty: Option<Difficulty>,
    /// Only quizzes the student has not attempted yet.
    pub unattempted: bool,
}

/// An answer as the student submitted it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmittedAnswer {
    /// The question answered.
    pub question_id: QuestionId,
    /// The answer given: an option's text, `true`/`false`, or free text.
    pub answer: String,
}

/// One question's result in a graded attempt.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GradedAnswer {
    /// The question.
    pub question_id: QuestionId,
    /// The answer given, or `None` if the question was left unanswered.
    pub answer: Option<String>,
    /// Whether it was right.
    pub correct: bool,
    /// The points it earned: the question's points if right, else 0.
    pub points_awarded: i32,
}

/// One graded attempt at a quiz.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuizResponse {
    /// The attempt's id.
    pub id: QuizResponseId,
    /// The quiz attempted.
    pub quiz_id: QuizId,
    /// Who attempted it.
    pub user_id: UserId,
    /// Every question's result, in the quiz's order.
    pub answers: Vec<GradedAnswer>,
    /// The points earned.
    pub score: i32,
    /// The points available when it was taken.
    pub total_points: i32,
    /// How long the attempt took.
    pub time_spent_seconds: Option<i32>,
    /// When the attempt started.
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub started_at: Option<DateTime<Utc>>,
    /// When it was submitted.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub completed_at: DateTime<Utc>,
    /// When it was recorded.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Records a graded attempt. Build it with [`crate::rules::grading::grade_quiz_response`],
/// so the score always agrees with the answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewQuizResponse {
    /// The quiz attempted.
    pub quiz_id: QuizId,
    /// Every question's result.
    pub answers: Vec<GradedAnswer>,
    /// The points earned.
    pub score: i32,
    /// The points available.
    pub total_points: i32,
    /// How long the attempt took.
    pub time_spent_seconds: Option<DurationSeconds>,
    /// When the attempt started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it was submitted.
    pub completed_at: DateTime<Utc>,
}
