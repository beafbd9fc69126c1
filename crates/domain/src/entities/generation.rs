use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{NewFlashcardSet, NewQuiz, NewStudyGuide};
use crate::enums::{Difficulty, GenerationKind, JobStatus, QuestionType};
use crate::id::{CourseId, DocumentChunkId, DocumentId, GenerationJobId, NoteId, UserId};
use crate::ports::TokenUsage;

/// What a generated card, question or guide section rests on: words of the student's own
/// material, as they stand in it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SourceQuote {
    /// The document quoted, when it is a document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_id: Option<DocumentId>,
    /// The note quoted, when it is a note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note_id: Option<NoteId>,
    /// The document's chunk the quote is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_id: Option<DocumentChunkId>,
    /// The page that chunk starts on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_number: Option<i32>,
    /// The words quoted.
    pub quote: String,
    /// For a study guide: the heading of the section it supports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
}

/// The material a generation is made from: one note, one document, or all of a course's.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum GenerationSource {
    /// A note.
    Note(NoteId),
    /// A document.
    Document(DocumentId),
    /// Every note and document of a course.
    Course(CourseId),
}

impl GenerationSource {
    /// The result's links to this source.
    #[must_use]
    pub const fn links(self) -> super::SourceLinks {
        let none = super::SourceLinks {
            course_id: None,
            note_id: None,
            document_id: None,
        };
        match self {
            Self::Note(id) => super::SourceLinks {
                note_id: Some(id),
                ..none
            },
            Self::Document(id) => super::SourceLinks {
                document_id: Some(id),
                ..none
            },
            Self::Course(id) => super::SourceLinks {
                course_id: Some(id),
                ..none
            },
        }
    }
}

/// What a generation is asked for.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationSettings {
    /// How many cards or questions, at most (fewer when the material holds fewer); unused
    /// for a guide.
    pub count: u32,
    /// How hard.
    pub difficulty: Difficulty,
    /// The question types of a quiz (every type when empty).
    #[serde(default)]
    pub question_types: Vec<QuestionType>,
    /// The result's title; made from the material's when `None`.
    #[serde(default)]
    pub title: Option<String>,
}

impl GenerationSettings {
    /// The most cards or questions one generation makes.
    pub const MAX_COUNT: u32 = 50;
}

/// A generation running in the background: the student polls it for its state and the id of
/// what it made.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationJob {
    /// The job's id.
    pub id: GenerationJobId,
    /// Its owner.
    pub user_id: UserId,
    /// What it makes.
    pub kind: GenerationKind,
    /// Its state.
    pub status: JobStatus,
    /// Its progress, 0 to 100.
    pub progress: i32,
    /// The course it is made from.
    pub course_id: Option<CourseId>,
    /// The note it is made from.
    pub note_id: Option<NoteId>,
    /// The document it is made from.
    pub document_id: Option<DocumentId>,
    /// What was asked.
    pub settings: GenerationSettings,
    /// The flashcard set, quiz or study guide it made (until the student deletes it).
    pub result_id: Option<Uuid>,
    /// Why it failed.
    pub error_message: Option<String>,
    /// The generator that made it (`offline`, or the model's name).
    pub model: Option<String>,
    /// Tokens the model read.
    pub prompt_tokens: i32,
    /// Tokens the model wrote.
    pub completion_tokens: i32,
    /// When it finished.
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub completed_at: Option<DateTime<Utc>>,
    /// When it was asked for.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

impl GenerationJob {
    /// The material it is made from.
    #[must_use]
    pub const fn source(&self) -> Option<GenerationSource> {
        match (self.note_id, self.document_id, self.course_id) {
            (Some(id), _, _) => Some(GenerationSource::Note(id)),
            (None, Some(id), _) => Some(GenerationSource::Document(id)),
            (None, None, Some(id)) => Some(GenerationSource::Course(id)),
            (None, None, None) => None,
        }
    }
}

/// Asks for a [`GenerationJob`], pending.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewGenerationJob {
    /// What to make.
    pub kind: GenerationKind,
    /// From what; must be the user's.
    pub source: GenerationSource,
    /// How.
    pub settings: GenerationSettings,
}

/// What a generation made, to be stored with its job's completion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GeneratedResult {
    /// A flashcard set with its cards.
    Flashcards(NewFlashcardSet),
    /// A quiz with its questions.
    Quiz(NewQuiz),
    /// A study guide.
    StudyGuide(NewStudyGuide),
}

impl GeneratedResult {
    /// The kind of job that makes it.
    #[must_use]
    pub const fn kind(&self) -> GenerationKind {
        match self {
            Self::Flashcards(_) => GenerationKind::Flashcards,
            Self::Quiz(_) => GenerationKind::Quiz,
            Self::StudyGuide(_) => GenerationKind::StudyGuide,
        }
    }
}

/// A generation's end, written at once: the result, the job `COMPLETED` with its id, and the
/// student's notification linking to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenerationFinish {
    /// What was made.
    pub result: GeneratedResult,
    /// The generator's name.
    pub model: String,
    /// What it cost.
    pub usage: TokenUsage,
    /// The student's notification; its link is set to the result's path
    /// ([`GenerationKind::result_path`]) when it is stored.
    pub notice: super::NewNotification,
}
