//! The offline study generator: flashcards, quiz questions, study guides, answers and
//! summaries made from the text itself, with no model, no network and no download.
//!
//! Everything rests on the sentences of the material (module `sentences`) and the key terms
//! found in them (`terms`): terms defined by sentences of definitional shape (`definitions`:
//! "X is a Y that ...", "X refers to ...", "Y is called X", "X, which ...", "the term X ...",
//! "**X**: ..."), bold phrases and headings. From these come the flashcards (`cards`), the
//! quiz questions (`questions`), the study guide (`guide`) and the answers (`answers`).
//!
//! Every draft cites the sentence it comes from, quoted exactly as it stands in its passage
//! (white space collapsed). The output depends on nothing but the input: the same material
//! and options always give the same drafts (sorted maps and explicit orders throughout, no
//! randomness). The material is only ever read as text: a sentence that gives orders ("ignore
//! your instructions ...") is a sentence like any other.

mod answers;
mod cards;
mod definitions;
mod guide;
mod questions;
mod sentences;
mod terms;

use async_trait::async_trait;
use sophie_domain::error::DomainResult;
use sophie_domain::ports::{
    AnswerDraft, CardDraft, Generated, GenerationOptions, GuideDraft, Passage, PromptMessage,
    QuestionDraft, StudyGenerator, TokenUsage,
};
use sophie_domain::rules::summary::extractive_summary;

pub use answers::NOT_FOUND;

use sentences::Material;
use terms::find_terms;

/// The name the offline generator reports as its model.
pub const OFFLINE_MODEL: &str = "offline";

/// A [`StudyGenerator`] that needs no model: it finds key terms and their definitions in the
/// material and makes flashcards, questions and guides of them, answers questions with the
/// material's own sentences, and summarises by extraction.
///
/// - Flashcards: "What is X?" with the definition, and clozes of key terms in the most
///   representative sentences ("____ packages proteins into vesicles." / "The Golgi
///   apparatus"), at most `count`, no two with the same front or back.
/// - Quiz questions: multiple choice whose wrong options are terms (or definitions) of the
///   same kind, true/false statements (about half made false by swapping a term for another
///   of its kind), fill-in-the-blank and short answers from definitions; the types take turns;
///   easy questions favour frequent terms and true/false, hard ones rare terms, more wrong
///   options and short answers.
/// - Study guide: title, extractive summary, a section of key sentences per heading, key
///   terms, practice questions.
/// - Answers: up to three sentences sharing the most content words with the question, or
///   [`NOT_FOUND`] when none shares enough; the conversation's history is not used.
/// - Summaries: the domain's [`extractive_summary`] (empty when the text has no sentence of
///   three words or more).
///
/// It never fails: material with nothing to use gives empty drafts. Usage is always zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OfflineGenerator;

impl OfflineGenerator {
    /// The offline generator.
    #[must_use]
    pub const fn new() -> Self {
        Self
    }

    /// At most `options.count` flashcards from `material` (see [`OfflineGenerator`]).
    #[must_use]
    pub fn make_flashcards(
        &self,
        material: &[Passage],
        options: &GenerationOptions,
    ) -> Vec<CardDraft> {
        let read = Material::read(material);
        let terms = find_terms(&read);
        let count = usize::try_from(options.count).unwrap_or(usize::MAX);
        cards::flashcards(&read, &terms, count)
    }

    /// At most `options.count` quiz questions from `material` (see [`OfflineGenerator`]).
    #[must_use]
    pub fn make_quiz(
        &self,
        material: &[Passage],
        options: &GenerationOptions,
    ) -> Vec<QuestionDraft> {
        let read = Material::read(material);
        let terms = find_terms(&read);
        questions::quiz(&read, &terms, options)
    }

    /// The study guide of `material`, with `options.count` practice questions (5 when it is
    /// 0, at most 10).
    #[must_use]
    pub fn make_study_guide(
        &self,
        material: &[Passage],
        options: &GenerationOptions,
    ) -> GuideDraft {
        let read = Material::read(material);
        let terms = find_terms(&read);
        guide::study_guide(material, &read, &terms, options)
    }

    /// The answer to `question` from `passages`.
    #[must_use]
    pub fn make_answer(&self, question: &str, passages: &[Passage]) -> AnswerDraft {
        answers::answer(question, &Material::read(passages))
    }
}

/// `draft` as the offline generator's, at no cost.
fn generated<T>(draft: T) -> Generated<T> {
    Generated {
        draft,
        model: OFFLINE_MODEL.to_owned(),
        usage: TokenUsage::default(),
    }
}

#[async_trait]
impl StudyGenerator for OfflineGenerator {
    fn name(&self) -> String {
        OFFLINE_MODEL.to_owned()
    }

    async fn flashcards(
        &self,
        material: Vec<Passage>,
        options: GenerationOptions,
    ) -> DomainResult<Generated<Vec<CardDraft>>> {
        Ok(generated(self.make_flashcards(&material, &options)))
    }

    async fn quiz(
        &self,
        material: Vec<Passage>,
        options: GenerationOptions,
    ) -> DomainResult<Generated<Vec<QuestionDraft>>> {
        Ok(generated(self.make_quiz(&material, &options)))
    }

    async fn study_guide(
        &self,
        material: Vec<Passage>,
        options: GenerationOptions,
    ) -> DomainResult<Generated<GuideDraft>> {
        Ok(generated(self.make_study_guide(&material, &options)))
    }

    async fn answer(
        &self,
        question: String,
        _history: Vec<PromptMessage>,
        passages: Vec<Passage>,
    ) -> DomainResult<Generated<AnswerDraft>> {
        Ok(generated(self.make_answer(&question, &passages)))
    }

    async fn summarize(&self, text: String) -> DomainResult<Generated<String>> {
        Ok(generated(extractive_summary(&text).unwrap_or_default()))
    }
}
