//! Indexing notes for search: a note's text cut into chunks and embedded, so search finds it
//! by meaning as it finds a document's passages. Imports index the notes they make; the
//! worker indexes again the notes an older embedding model indexed.

use std::sync::Arc;

use crate::entities::{NewDocumentChunk, Note};
use crate::enums::NoteSource;
use crate::error::{DomainError, DomainResult};
use crate::id::{NoteId, UserId};
use crate::jobs::{Job, ReindexNote};
use crate::ports::{Chunker, Embedder, ExtractedPage, JobQueue, NoteRepository, SearchIndex};

/// How many chunk texts go to the embedder at once.
const EMBED_BATCH: usize = 64;

/// How many stale notes one periodic pass enqueues.
const REINDEX_BATCH: u32 = 200;

/// Cuts notes into chunks, embeds and indexes them.
#[derive(Clone)]
pub struct NoteIndexService {
    notes: Arc<dyn NoteRepository>,
    search: Arc<dyn SearchIndex>,
    chunker: Arc<dyn Chunker>,
    embedder: Arc<dyn Embedder>,
    queue: Arc<dyn JobQueue>,
}

impl std::fmt::Debug for NoteIndexService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoteIndexService")
            .field("embedder", &self.embedder.model())
            .finish_non_exhaustive()
    }
}

impl NoteIndexService {
    /// A service over these ports.
    #[must_use]
    pub fn new(
        notes: Arc<dyn NoteRepository>,
        search: Arc<dyn SearchIndex>,
        chunker: Arc<dyn Chunker>,
        embedder: Arc<dyn Embedder>,
        queue: Arc<dyn JobQueue>,
    ) -> Self {
        Self {
            notes,
            search,
            chunker,
            embedder,
            queue,
        }
    }

    /// Cuts `note`'s text into chunks, embeds them and replaces the note's chunks; returns
    /// how many were written (0 for a note without text: its chunks are removed).
    ///
    /// # Errors
    ///
    /// `Unavailable` when the embedder cannot be reached (worth retrying); `NotFound` when
    /// the note was deleted meanwhile.
    pub async fn index(&self, note: &Note) -> DomainResult<u64> {
        let page = ExtractedPage {
            number: 1,
            heading: Some(note.title.clone()),
            text: note.content.clone(),
        };
        let chunks = self.chunker.chunk(std::slice::from_ref(&page));
        let model = self.embedder.model();
        let vectors = embed_all(
            self.embedder.as_ref(),
            chunks.iter().map(|c| c.content.clone()).collect(),
        )
        .await?;
        let rows = chunks
            .into_iter()
            .zip(vectors)
            .enumerate()
            .map(|(index, (chunk, vector))| NewDocumentChunk {
                content: chunk.content,
                page_number: None,
                chunk_index: i32::try_from(index).unwrap_or(i32::MAX),
                embedding: Some(vector),
                embedding_model: Some(model.clone()),
            })
            .collect();
        self.search
            .replace_note_chunks(note.user_id, note.id, rows)
            .await
    }

    /// Indexes the user's note again from its current text; `false` when it is gone.
    ///
    /// # Errors
    ///
    /// `Unavailable` when the embedder cannot be reached.
    pub async fn reindex(&self, user: UserId, id: NoteId) -> DomainResult<bool> {
        let note = match self.notes.get(user, id).await {
            Ok(note) => note,
            Err(DomainError::NotFound { .. }) => return Ok(false),
            Err(error) => return Err(error),
        };
        match self.index(&note).await {
            Ok(_) => Ok(true),
            Err(DomainError::NotFound { .. }) => Ok(false),
            Err(error) => Err(error),
        }
    }

    /// Enqueues indexing again for a note whose text just changed, if it is one that is
    /// indexed (an imported note: every note made by an import is); `false` for a note
    /// written by hand, which is found by its words alone.
    ///
    /// # Errors
    ///
    /// When the queue fails.
    pub async fn text_changed(&self, note: &Note) -> DomainResult<bool> {
        if note.source == NoteSource::Manual {
            return Ok(false);
        }
        let job = ReindexNote {
            user_id: note.user_id,
            note_id: note.id,
        };
        self.queue.enqueue(job.to_new_job()?).await?;
        Ok(true)
    }

    /// Enqueues indexing again for notes whose chunks another embedding model made; returns
    /// how many.
    ///
    /// # Errors
    ///
    /// When the storage or the queue fails.
    pub async fn enqueue_stale(&self) -> DomainResult<u64> {
        let stale = self
            .search
            .stale_note_embeddings(self.embedder.model(), REINDEX_BATCH)
            .await?;
        let mut count = 0_u64;
        for (user, id) in stale {
            let job = ReindexNote {
                user_id: user,
                note_id: id,
            };
            self.queue.enqueue(job.to_new_job()?).await?;
            count += 1;
        }
        Ok(count)
    }
}

/// One vector per text, in order, asked for in batches.
///
/// # Errors
///
/// The embedder's, and `Internal` when it answers with another number of vectors.
pub(crate) async fn embed_all(
    embedder: &dyn Embedder,
    texts: Vec<String>,
) -> DomainResult<Vec<Vec<f32>>> {
    let mut vectors = Vec::with_capacity(texts.len());
    for batch in texts.chunks(EMBED_BATCH) {
        let embedded = embedder.embed(batch.to_vec()).await?;
        if embedded.len() != batch.len() {
            return Err(DomainError::internal(format!(
                "the embedder returned {} vectors for {} texts",
                embedded.len(),
                batch.len()
            )));
        }
        vectors.extend(embedded);
    }
    Ok(vectors)
}
