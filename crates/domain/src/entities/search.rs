use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{DomainError, DomainResult};
use crate::id::{DocumentChunkId, DocumentId};

/// The kinds of the student's material that search finds and chat cites.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SourceKind {
    /// A note.
    #[serde(rename = "NOTE")]
    Note,
    /// A flashcard.
    #[serde(rename = "FLASHCARD")]
    Flashcard,
    /// A passage of a document.
    #[serde(rename = "DOCUMENT")]
    Document,
}

/// A passage of a document's text: a row of the schema's `DocumentSearchIndex`. Chunks are
/// what lexical and vector search run over.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentChunk {
    /// The chunk's id.
    pub id: DocumentChunkId,
    /// The document it comes from.
    pub document_id: DocumentId,
    /// Its text.
    pub content: String,
    /// The page it starts on.
    pub page_number: Option<i32>,
    /// Its position in the document, from 0; unique per document.
    pub chunk_index: i32,
    /// Its embedding, once computed.
    pub embedding: Option<Vec<f32>>,
    /// When it was indexed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Indexes a passage of a document.
#[derive(Clone, Debug, PartialEq)]
pub struct NewDocumentChunk {
    /// The model that made `embedding`; set exactly when it is.
    pub embedding_model: Option<String>,
    /// Its text; not empty.
    pub content: String,
    /// The page it starts on.
    pub page_number: Option<i32>,
    /// Its position in the document, from 0.
    pub chunk_index: i32,
    /// Its embedding.
    pub embedding: Option<Vec<f32>>,
}

/// What to search for in the student's material.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchQuery {
    text: String,
    limit: u32,
}

impl SearchQuery {
    /// The longest query accepted.
    pub const MAX_CHARS: usize = 200;
    /// The most hits returned.
    pub const MAX_LIMIT: u32 = 50;

    /// A query for `text` (a [`crate::values::BoundedText`] of at most 200 characters) returning at most `limit` hits
    /// (default 20, at most 50).
    ///
    /// # Errors
    ///
    /// A validation error on `q` or `limit`.
    pub fn new(text: &str, limit: Option<u32>) -> DomainResult<Self> {
        let text = crate::values::BoundedText::<{ Self::MAX_CHARS }>::parse(text).map_err(
            |crate::values::InvalidValue(message)| DomainError::validation("q", message),
        )?;
        let limit = limit.unwrap_or(20);
        if limit == 0 || limit > Self::MAX_LIMIT {
            return Err(DomainError::validation(
                "limit",
                format!("must be between 1 and {}", Self::MAX_LIMIT),
            ));
        }
        Ok(Self {
            text: text.into_inner(),
            limit,
        })
    }

    /// The text searched for.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The most hits to return.
    #[must_use]
    pub const fn limit(&self) -> u32 {
        self.limit
    }
}

/// One search result, best first.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    /// What was found.
    pub kind: SourceKind,
    /// The id of the note, flashcard or document chunk.
    pub id: Uuid,
    /// What it belongs to: the flashcard's set, the chunk's document; `None` for a note.
    pub parent_id: Option<Uuid>,
    /// A title to show: the note's, the set's, the document's.
    pub title: String,
    /// The passage around the match.
    pub snippet: String,
    /// The page, for a document chunk.
    pub page_number: Option<i32>,
    /// How well it matches; higher is better. Comparable within one answer only.
    pub score: f32,
}

/// A chunk found by vector search, with its document's title.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChunkMatch {
    /// The chunk.
    pub chunk: DocumentChunk,
    /// The title of its document.
    pub document_title: String,
    /// Cosine similarity to the query, -1 to 1.
    pub similarity: f32,
}
