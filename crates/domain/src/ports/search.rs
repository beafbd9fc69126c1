//! The search port: chunks of documents and notes written by ingestion and imports, and
//! search over the student's notes, flashcards and chunks.

use async_trait::async_trait;

use crate::entities::{
    ChunkMatch, DocumentChunk, NewDocumentChunk, QueryEmbedding, SearchHit, SearchQuery,
};
use crate::error::DomainResult;
use crate::id::{DocumentChunkId, DocumentId, NoteId, UserId};

/// Indexes document text and searches the student's material.
///
/// Lexical search matches case-insensitively on words and parts of words, ranks by trigram
/// similarity and full-text rank, and returns a snippet around the match. Vector search ranks
/// chunks by cosine similarity of their embeddings, comparing only vectors of one model and
/// length; an adapter may look at the most promising chunks only (PostgreSQL: those nearest
/// by a Hamming distance of their sign bits weighted by the query), so it may miss a few of
/// the exact nearest among very many chunks. Hybrid search fuses the two rankings (see [`SearchQuery`]).
///
/// Notes may have chunks too (an imported lecture, page or video): vector search then finds
/// the note through its chunks, as a note hit (the note's id, the start of its most similar
/// chunk as the snippet). A note's chunks go with it when it is deleted.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait SearchIndex: Send + Sync {
    /// Replaces the chunks of the user's document with `chunks`, atomically; returns how many
    /// were written.
    ///
    /// # Errors
    ///
    /// `NotFound` when the document is not the user's; `Validation` on `chunks` when two share
    /// a `chunk_index`, one is empty, or one's embedding is empty, holds a non-finite value,
    /// or comes without its model (or a model without an embedding).
    async fn replace_chunks(
        &self,
        user: UserId,
        document: DocumentId,
        chunks: Vec<NewDocumentChunk>,
    ) -> DomainResult<u64>;

    /// Replaces the chunks of the user's note with `chunks`, atomically, as
    /// [`SearchIndex::replace_chunks`] does for a document; `page_number` is not kept (a note
    /// has no pages).
    ///
    /// # Errors
    ///
    /// `NotFound` when the note is not the user's; `Validation` on `chunks` as for a document.
    async fn replace_note_chunks(
        &self,
        user: UserId,
        note: NoteId,
        chunks: Vec<NewDocumentChunk>,
    ) -> DomainResult<u64>;

    /// The chunks of the user's document, in order.
    ///
    /// # Errors
    ///
    /// `NotFound` when the document is not the user's.
    async fn list_chunks(
        &self,
        user: UserId,
        document: DocumentId,
    ) -> DomainResult<Vec<DocumentChunk>>;

    /// The user's document chunks among `ids`, in the order of `ids` (ids of chunks that are
    /// not the user's, or not a document's, are left out).
    async fn get_chunks(
        &self,
        user: UserId,
        ids: Vec<DocumentChunkId>,
    ) -> DomainResult<Vec<DocumentChunk>>;

    /// The user's notes, flashcards and document chunks matching `query` (its text, and its
    /// embedding if it has one), within its filters, best first; at most `query.limit()`.
    async fn search(&self, user: UserId, query: SearchQuery) -> DomainResult<Vec<SearchHit>>;

    /// The user's document chunks nearest to `embedding`, most similar first (ties by chunk id), at
    /// most `limit`; chunks without an embedding, embedded by another model, of another
    /// length, or whose similarity is undefined (a zero vector) are skipped.
    async fn nearest_chunks(
        &self,
        user: UserId,
        embedding: QueryEmbedding,
        limit: u32,
    ) -> DomainResult<Vec<ChunkMatch>>;

    /// Documents of any user with a chunk whose vector is not of `model` (another model's, or
    /// none), at most `limit`: what a change of embedding model leaves to re-embed. For the
    /// worker only; never answer a user with it.
    async fn stale_embeddings(
        &self,
        model: String,
        limit: u32,
    ) -> DomainResult<Vec<(UserId, DocumentId)>>;

    /// Notes of any user with a chunk whose vector is not of `model`, at most `limit`, as
    /// [`SearchIndex::stale_embeddings`] finds documents.
    async fn stale_note_embeddings(
        &self,
        model: String,
        limit: u32,
    ) -> DomainResult<Vec<(UserId, NoteId)>>;
}
