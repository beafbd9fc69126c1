use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::links::{SourceLinks, SourceLinksUpdate};
use crate::enums::Difficulty;
use crate::id::{CourseId, DocumentId, FlashcardId, FlashcardSetId, NoteId, UserId};
use crate::values::{CardText, Color, Description, Tags, Title};

/// A set of flashcards, often generated from a note or a document.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlashcardSet {
    /// The set's id.
    pub id: FlashcardSetId,
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
    /// Its tags.
    pub tags: Vec<String>,
    /// A display colour.
    pub color: String,
    /// When it was created.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

impl FlashcardSet {
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

/// One card: a question on the front, the answer on the back.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flashcard {
    /// The card's id.
    pub id: FlashcardId,
    /// The set it belongs to.
    pub flashcard_set_id: FlashcardSetId,
    /// The front.
    pub question: String,
    /// The back.
    pub answer: String,
    /// A hint.
    pub hint: Option<String>,
    /// Why the answer is right.
    pub explanation: Option<String>,
    /// How hard it is.
    pub difficulty: Difficulty,
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

/// A set with all its cards, in the order they were added.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FlashcardSetWithCards {
    /// The set.
    #[serde(flatten)]
    pub set: FlashcardSet,
    /// Its cards, oldest first.
    pub flashcards: Vec<Flashcard>,
}

/// Creates a [`FlashcardSet`] with its cards, in one step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFlashcardSet {
    /// Its title.
    pub title: Title,
    /// A description.
    pub description: Option<Description>,
    /// How hard it is.
    pub difficulty: Difficulty,
    /// Its tags.
    pub tags: Tags,
    /// A display colour.
    pub color: Color,
    /// The material it belongs to; each id must be the user's.
    pub links: SourceLinks,
    /// Its cards, at most [`NewFlashcardSet::MAX_CARDS`].
    pub flashcards: Vec<NewFlashcard>,
}

impl NewFlashcardSet {
    /// The most cards a set may hold.
    pub const MAX_CARDS: usize = 500;
}

/// Creates a [`Flashcard`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewFlashcard {
    /// The front.
    pub question: CardText,
    /// The back.
    pub answer: CardText,
    /// A hint.
    pub hint: Option<CardText>,
    /// An explanation.
    pub explanation: Option<CardText>,
    /// How hard it is.
    pub difficulty: Difficulty,
    /// What it rests on (generated items; empty for hand-written ones).
    pub sources: Vec<super::SourceQuote>,
}

/// Changes a [`FlashcardSet`] (not its cards).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlashcardSetUpdate {
    /// A new title.
    pub title: Option<Title>,
    /// A new description, or `Some(None)` to clear it.
    pub description: Option<Option<Description>>,
    /// A new difficulty.
    pub difficulty: Option<Difficulty>,
    /// New tags.
    pub tags: Option<Tags>,
    /// A new colour.
    pub color: Option<Color>,
    /// New links; each new id must be the user's.
    pub links: SourceLinksUpdate,
}

impl FlashcardSetUpdate {
    /// Whether nothing would change.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.title.is_none()
            && self.description.is_none()
            && self.difficulty.is_none()
            && self.tags.is_none()
            && self.color.is_none()
            && self.links.is_empty()
    }
}

/// Changes a [`Flashcard`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlashcardUpdate {
    /// A new front.
    pub question: Option<CardText>,
    /// A new back.
    pub answer: Option<CardText>,
    /// A new hint, or `Some(None)` to clear it.
    pub hint: Option<Option<CardText>>,
    /// A new explanation, or `Some(None)` to clear it.
    pub explanation: Option<Option<CardText>>,
    /// A new difficulty.
    pub difficulty: Option<Difficulty>,
}

impl FlashcardUpdate {
    /// Whether nothing would change.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.question.is_none()
            && self.answer.is_none()
            && self.hint.is_none()
            && self.explanation.is_none()
            && self.difficulty.is_none()
    }
}

/// Narrows a list of flashcard sets. Filters combine with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlashcardSetFilter {
    /// Only sets filed under this course.
    pub course_id: Option<CourseId>,
    /// Only sets made from this note.
    pub note_id: Option<NoteId>,
    /// Only sets made from this document.
    pub document_id: Option<DocumentId>,
    /// Only sets carrying this tag.
    pub tag: Option<String>,
    /// Only sets of this difficulty.
    pub difficulty: Option<Difficulty>,
}
