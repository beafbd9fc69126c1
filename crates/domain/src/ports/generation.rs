//! The generation port: study material made from the student's own text (flashcards, quiz
//! questions, study guides, summaries) and answers to questions that cite it.
//!
//! Every draft an adapter returns cites the passages it rests on by their index in the
//! material it was given, with a quote; the domain checks each quote against its passage
//! before anything is stored, and drops what fails. The material is data for the adapter,
//! never instructions to it.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::ai::{PromptMessage, TextSink, TokenUsage};
use crate::enums::{Difficulty, QuestionType};
use crate::error::DomainResult;
use crate::id::{DocumentChunkId, DocumentId, NoteId};

/// Where a passage of the student's material comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum PassageOrigin {
    /// A chunk of a document.
    Document {
        /// The document.
        document_id: DocumentId,
        /// The chunk.
        chunk_id: DocumentChunkId,
        /// The page the chunk starts on.
        page_number: Option<i32>,
    },
    /// A note (or a chunk of one).
    Note {
        /// The note.
        note_id: NoteId,
    },
}

/// A passage of the student's material, given to generation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Passage {
    /// Where it comes from.
    pub origin: PassageOrigin,
    /// The heading it stands under (a note's or section's title), if known.
    pub heading: Option<String>,
    /// Its text.
    pub text: String,
}

/// What a generated item rests on: a quote from one passage of the material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Citation {
    /// The passage's index in the material given (from 0).
    pub passage: usize,
    /// Words of that passage, as they stand in it (white space aside), that support the item.
    pub quote: String,
}

/// A flashcard drafted from the material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardDraft {
    /// The prompt side (a question, a term, a cloze with `____`).
    pub front: String,
    /// The answer side.
    pub back: String,
    /// A hint, if any.
    pub hint: Option<String>,
    /// Its support; at least one.
    pub citations: Vec<Citation>,
}

/// A quiz question drafted from the material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionDraft {
    /// Its type.
    pub question_type: QuestionType,
    /// The question (with `____` for a fill-in-the-blank).
    pub question: String,
    /// The options of a multiple-choice question (2 to 10, distinct, the answer among them);
    /// empty for other types.
    pub options: Vec<String>,
    /// The correct answer: one of the options; `true` or `false`; the word or phrase of the
    /// blank; a model answer.
    pub correct_answer: String,
    /// Why that is the answer.
    pub explanation: Option<String>,
    /// Its support; at least one.
    pub citations: Vec<Citation>,
}

/// A section of a study guide.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuideSectionDraft {
    /// Its heading (following the material's headings where it has them).
    pub heading: String,
    /// Its body, as Markdown.
    pub body: String,
    /// Its support; at least one.
    pub citations: Vec<Citation>,
}

/// A key term with its definition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyTermDraft {
    /// The term.
    pub term: String,
    /// What it means, as the material says.
    pub definition: String,
    /// Its support; at least one.
    pub citations: Vec<Citation>,
}

/// A study guide drafted from the material.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GuideDraft {
    /// A title.
    pub title: String,
    /// A short summary of the whole.
    pub summary: String,
    /// The sections, in the material's order.
    pub sections: Vec<GuideSectionDraft>,
    /// The key terms.
    pub key_terms: Vec<KeyTermDraft>,
    /// Practice questions.
    pub practice: Vec<QuestionDraft>,
}

/// An answer to a student's question, drafted from passages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AnswerDraft {
    /// The answer, citing its support inline as `[1]`, `[2]`, ... (the 1-based position in
    /// `citations`); when the passages do not answer the question, it says so and cites
    /// nothing.
    pub text: String,
    /// What `[n]` refers to, in order.
    pub citations: Vec<Citation>,
}

/// What to generate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerationOptions {
    /// How many cards or questions (at most; fewer when the material holds fewer).
    pub count: u32,
    /// How hard.
    pub difficulty: Difficulty,
    /// Which question types (every type when empty).
    pub question_types: Vec<QuestionType>,
}

/// A draft with what making it cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated<T> {
    /// The draft.
    pub draft: T,
    /// The adapter's or model's name.
    pub model: String,
    /// Tokens used (zero offline).
    pub usage: TokenUsage,
}

/// Makes study material from the student's text and answers questions from it.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait StudyGenerator: Send + Sync {
    /// The adapter's name (`offline`, or the model's).
    fn name(&self) -> String;

    /// Flashcards from `material`: at most `options.count`, no two alike.
    ///
    /// # Errors
    ///
    /// `Unavailable` when a model cannot be reached; `Internal` when it keeps answering
    /// with something that is not the drafts asked for.
    async fn flashcards(
        &self,
        material: Vec<Passage>,
        options: GenerationOptions,
    ) -> DomainResult<Generated<Vec<CardDraft>>>;

    /// Quiz questions from `material`, of `options.question_types`: at most
    /// `options.count`, no two alike.
    ///
    /// # Errors
    ///
    /// As [`StudyGenerator::flashcards`].
    async fn quiz(
        &self,
        material: Vec<Passage>,
        options: GenerationOptions,
    ) -> DomainResult<Generated<Vec<QuestionDraft>>>;

    /// A study guide of `material`.
    ///
    /// # Errors
    ///
    /// As [`StudyGenerator::flashcards`].
    async fn study_guide(
        &self,
        material: Vec<Passage>,
        options: GenerationOptions,
    ) -> DomainResult<Generated<GuideDraft>>;

    /// An answer to `question` from `passages`, with `history` (the conversation's recent
    /// turns, oldest first) as context.
    ///
    /// # Errors
    ///
    /// As [`StudyGenerator::flashcards`].
    async fn answer(
        &self,
        question: String,
        history: Vec<PromptMessage>,
        passages: Vec<Passage>,
    ) -> DomainResult<Generated<AnswerDraft>>;

    /// [`StudyGenerator::answer`], passing the answer's text to `sink` as it is written, with
    /// its `[n]` markers as the model writes them, before the citations are checked. The
    /// draft returned is what counts: the domain renumbers its markers, and a model asked
    /// again after a broken answer may write another.
    ///
    /// By default the whole text is passed once, when the answer is made.
    ///
    /// # Errors
    ///
    /// As [`StudyGenerator::answer`].
    async fn answer_streaming(
        &self,
        question: String,
        history: Vec<PromptMessage>,
        passages: Vec<Passage>,
        sink: TextSink,
    ) -> DomainResult<Generated<AnswerDraft>> {
        let made = self.answer(question, history, passages).await?;
        sink(&made.draft.text);
        Ok(made)
    }

    /// A summary of `text` (a few sentences, in its own words where offline).
    ///
    /// # Errors
    ///
    /// As [`StudyGenerator::flashcards`].
    async fn summarize(&self, text: String) -> DomainResult<Generated<String>>;
}
