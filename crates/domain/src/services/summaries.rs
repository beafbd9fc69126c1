//! Summaries of a student's notes and documents: the generator's (offline: the text's own
//! most central sentences; with a model, its words), stored in the note's or document's
//! `summary`.

use std::sync::Arc;

use super::budget::TokenBudget;
use crate::entities::{Document, DocumentUpdate, Note, NoteUpdate};
use crate::enums::DocumentStatus;
use crate::error::{DomainError, DomainResult};
use crate::id::{DocumentId, NoteId, UserId};
use crate::ports::{
    Clock, DocumentRepository, GenerationRepository, NoteRepository, SearchIndex, StudyGenerator,
};
use crate::values::Markdown;

/// The ports [`SummaryService`] works through.
#[derive(Clone)]
pub struct SummaryPorts {
    /// Notes to summarize.
    pub notes: Arc<dyn NoteRepository>,
    /// Documents to summarize.
    pub documents: Arc<dyn DocumentRepository>,
    /// Documents' text, as chunks.
    pub search: Arc<dyn SearchIndex>,
    /// Writes the summaries.
    pub generator: Arc<dyn StudyGenerator>,
    /// Token usage, for the budget.
    pub generations: Arc<dyn GenerationRepository>,
    /// Today, for the budget.
    pub clock: Arc<dyn Clock>,
}

/// Summarizes notes and documents.
pub struct SummaryService {
    ports: SummaryPorts,
    budget: TokenBudget,
    max_chars: usize,
}

impl SummaryService {
    /// The service over `ports`, reading at most `max_chars` characters of a text; a student
    /// may spend `daily_tokens` a day (`None`: no limit).
    #[must_use]
    pub fn new(ports: SummaryPorts, max_chars: usize, daily_tokens: Option<u64>) -> Self {
        let budget = TokenBudget::new(ports.generations.clone(), ports.clock.clone(), daily_tokens);
        Self {
            ports,
            budget,
            max_chars,
        }
    }

    /// Summarizes the student's note (its content, or its transcription when it has no
    /// content) and stores the summary.
    ///
    /// # Errors
    ///
    /// `NotFound` when the note is not the student's; `Validation` on `content` when it has
    /// too little text to summarize; `RateLimited` when the student's tokens of the day are
    /// spent; `Unavailable` when the model cannot be reached.
    pub async fn summarize_note(&self, user: UserId, id: NoteId) -> DomainResult<Note> {
        let note = self.ports.notes.get(user, id).await?;
        let text = if note.content.trim().is_empty() {
            note.transcription.clone().unwrap_or_default()
        } else {
            note.content.clone()
        };
        let summary = self.summary_of(user, text).await?;
        self.ports
            .notes
            .update(
                user,
                id,
                NoteUpdate {
                    summary: Some(Some(summary)),
                    ..NoteUpdate::default()
                },
            )
            .await
    }

    /// Summarizes the student's processed document from its text and stores the summary.
    ///
    /// # Errors
    ///
    /// `NotFound` when the document is not the student's; `Conflict` on `status` while it is
    /// not processed (`READY`); otherwise as [`SummaryService::summarize_note`].
    pub async fn summarize_document(&self, user: UserId, id: DocumentId) -> DomainResult<Document> {
        let document = self.ports.documents.get(user, id).await?;
        if document.status != DocumentStatus::Ready {
            return Err(DomainError::conflict(
                "status",
                format!(
                    "the document is {}: it can be summarized once it is processed (READY)",
                    document.status
                ),
            ));
        }
        let chunks = self.ports.search.list_chunks(user, id).await?;
        let mut text = String::new();
        for chunk in chunks {
            let room = self.max_chars.saturating_sub(text.chars().count());
            if room == 0 {
                break;
            }
            text.extend(chunk.content.chars().take(room));
            text.push_str("\n\n");
        }
        let summary = self.summary_of(user, text).await?;
        self.ports
            .documents
            .update(
                user,
                id,
                DocumentUpdate {
                    summary: Some(Some(summary)),
                    ..DocumentUpdate::default()
                },
            )
            .await
    }

    async fn summary_of(&self, user: UserId, text: String) -> DomainResult<Markdown> {
        let too_little = || DomainError::validation("content", "has too little text to summarize");
        if text.split_whitespace().count() < 3 {
            return Err(too_little());
        }
        let text: String = text.chars().take(self.max_chars).collect();
        self.budget.check(user).await?;
        let made = self.ports.generator.summarize(text).await?;
        self.budget.record(user, made.usage).await;
        let summary: String = made
            .draft
            .trim()
            .chars()
            .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
            .take(Markdown::MAX_CHARS)
            .collect();
        if summary.trim().is_empty() {
            return Err(too_little());
        }
        Markdown::parse(summary)
            .map_err(|e| DomainError::internal(format!("a summary the model wrote: {}", e.0)))
    }
}
