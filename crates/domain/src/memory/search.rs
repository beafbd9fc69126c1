//! The search index in memory: chunks of documents and notes, a lexical search over the student's notes,
//! flashcards and chunks, a vector search over chunk embeddings, and the two fused.
//!
//! The lexical search stands in for PostgreSQL's trigram and full-text ranking with something
//! simple and deterministic: a row matches when every word of the query occurs in it (in any
//! case, as part of a word or whole), as on PostgreSQL, and ranks by how often the words
//! occur, with a bonus when they occur in the title shown. The vector search is exact cosine
//! over every chunk of the query's model and length. Everything else is as on PostgreSQL: the
//! same candidates under the same filters, each ranking cut to
//! [`SearchQuery::FUSION_DEPTH`], the same reciprocal rank fusion, the same tie-breaks.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::collections::BTreeSet;

use async_trait::async_trait;
use uuid::Uuid;

use super::store::{MemoryStore, Tables, count, owned};
use crate::entities::{
    ChunkMatch, Document, DocumentChunk, NewDocumentChunk, QueryEmbedding, SNIPPET_CHARS,
    SearchHit, SearchQuery, SourceKind, cosine_similarity, fuse_rankings, opening_snippet,
};
use crate::error::{DomainError, DomainResult};
use crate::id::{DocumentChunkId, DocumentId, NoteId, UserId};
use crate::ports::SearchIndex;

/// A chunk of a note's text.
#[derive(Clone, Debug)]
pub(super) struct NoteChunk {
    content: String,
    chunk_index: i32,
    embedding: Option<Vec<f32>>,
    embedding_model: Option<String>,
}

/// How many characters of a snippet come before the first match, when there are that many.
const SNIPPET_LEAD: usize = 60;
/// What a word found in the title counts for, against one occurrence in the text.
const TITLE_BONUS: usize = 2;
/// The raw relevance at which the score reaches one half: `raw / (raw + HALF_SCORE)`.
const HALF_SCORE: f32 = 4.0;

/// Text lower-cased character by character, remembering where each character came from, so a
/// match found in the folded text maps back to a character of the original.
struct Folded {
    text: String,
    /// The byte offset in `text` where each character of the original starts.
    starts: Vec<usize>,
}

impl Folded {
    fn new(original: &str) -> Self {
        let mut text = String::with_capacity(original.len());
        let mut starts = Vec::with_capacity(original.len());
        for c in original.chars() {
            starts.push(text.len());
            text.extend(c.to_lowercase());
        }
        Self { text, starts }
    }

    /// The index of the original character that the folded byte `offset` belongs to.
    fn char_at(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }
}

/// The query's words, folded as the text is, without repeats.
fn query_words(query: &SearchQuery) -> Vec<String> {
    let words: BTreeSet<String> = query
        .text()
        .split_whitespace()
        .map(|word| Folded::new(word).text)
        .collect();
    words.into_iter().collect()
}

/// Something search may find, before it is matched.
struct Candidate<'a> {
    kind: SourceKind,
    id: Uuid,
    parent_id: Option<Uuid>,
    title: &'a str,
    text: Cow<'a, str>,
    page_number: Option<i32>,
}

impl Candidate<'_> {
    /// The hit, if every word occurs in the text.
    fn matches(&self, words: &[String]) -> Option<SearchHit> {
        let folded = Folded::new(&self.text);
        let mut occurrences = 0_usize;
        let mut first: Option<usize> = None;
        for word in words {
            let mut found = folded.text.match_indices(word.as_str());
            let (position, _) = found.next()?;
            occurrences += 1 + found.count();
            first = Some(first.map_or(position, |f| f.min(position)));
        }
        let title = Folded::new(self.title).text;
        let in_title = words.iter().filter(|w| title.contains(w.as_str())).count();
        #[allow(clippy::cast_precision_loss)] // a count of words: far below f32's 2^24
        let raw = (occurrences + TITLE_BONUS * in_title) as f32;
        Some(SearchHit {
            kind: self.kind,
            id: self.id,
            parent_id: self.parent_id,
            title: self.title.to_owned(),
            snippet: snippet(&self.text, &folded, first.unwrap_or(0)),
            page_number: self.page_number,
            score: raw / (raw + HALF_SCORE),
        })
    }
}

/// Up to [`SNIPPET_CHARS`] characters of `text` around the folded byte `offset`, on one line,
/// with `…` where it is cut. Works on characters, so it never splits one.
fn snippet(text: &str, folded: &Folded, offset: usize) -> String {
    let total = folded.starts.len();
    let at = folded.char_at(offset);
    let end = (at.saturating_sub(SNIPPET_LEAD) + SNIPPET_CHARS).min(total);
    let start = end.saturating_sub(SNIPPET_CHARS);
    let window: String = text.chars().skip(start).take(end - start).collect();
    let mut snippet = String::with_capacity(window.len() + 8);
    if start > 0 {
        snippet.push('…');
    }
    snippet.push_str(&window.split_whitespace().collect::<Vec<_>>().join(" "));
    if end < total {
        snippet.push('…');
    }
    snippet
}

/// Best first; ties by kind, then id, so the order never depends on the tables' layout.
fn by_relevance(a: &SearchHit, b: &SearchHit) -> Ordering {
    b.score
        .total_cmp(&a.score)
        .then_with(|| a.kind.cmp(&b.kind))
        .then_with(|| a.id.cmp(&b.id))
}

impl Tables {
    /// The user's material that `query`'s filters let through, before it is matched.
    fn candidates(&self, user: UserId, query: &SearchQuery) -> Vec<Candidate<'_>> {
        let course = query.course_id();
        let notes = self
            .notes
            .values()
            .filter(|n| n.user_id == user && query.includes(SourceKind::Note))
            .filter(|n| course.is_none() || n.course_id == course)
            .map(|n| Candidate {
                kind: SourceKind::Note,
                id: n.id.as_uuid(),
                parent_id: None,
                title: &n.title,
                text: Cow::Owned(format!("{}\n{}", n.title, n.content)),
                page_number: None,
            });
        let cards = self
            .flashcards
            .values()
            .filter(|_| query.includes(SourceKind::Flashcard))
            .filter_map(|c| {
                let set = self
                    .flashcard_sets
                    .get(&c.flashcard_set_id)
                    .filter(|s| s.user_id == user)
                    .filter(|s| course.is_none() || s.course_id == course)?;
                Some(Candidate {
                    kind: SourceKind::Flashcard,
                    id: c.id.as_uuid(),
                    parent_id: Some(set.id.as_uuid()),
                    title: &set.title,
                    text: Cow::Owned(format!("{}\n{}", c.question, c.answer)),
                    page_number: None,
                })
            });
        let chunks = self
            .chunks
            .values()
            .filter(|_| query.includes(SourceKind::Document))
            .filter_map(|c| {
                let document = self.searched_document(user, query, c)?;
                Some(Candidate {
                    kind: SourceKind::Document,
                    id: c.id.as_uuid(),
                    parent_id: Some(document.id.as_uuid()),
                    title: &document.title,
                    text: Cow::Borrowed(&c.content),
                    page_number: c.page_number,
                })
            });
        notes.chain(cards).chain(chunks).collect()
    }

    /// The document of `chunk`, when it is the user's and `query`'s course and document
    /// filters let it through.
    fn searched_document(
        &self,
        user: UserId,
        query: &SearchQuery,
        chunk: &DocumentChunk,
    ) -> Option<&Document> {
        self.documents
            .get(&chunk.document_id)
            .filter(|d| d.user_id == user)
            .filter(|d| query.course_id().is_none() || d.course_id == query.course_id())
            .filter(|d| query.document_id().is_none_or(|id| id == d.id))
    }

    /// The user's chunks of `embedding`'s model and length that `keep` lets through, with
    /// their documents and similarities, most similar first (by the similarity as `f32`, as
    /// returned), ties by chunk id.
    fn nearest<'a>(
        &'a self,
        user: UserId,
        embedding: &QueryEmbedding,
        keep: impl Fn(&DocumentChunk) -> Option<&'a Document>,
    ) -> Vec<(f32, &'a DocumentChunk, &'a Document)> {
        let query = embedding.vector.as_slice();
        if query.is_empty() {
            return Vec::new();
        }
        let mut scored: Vec<(f32, &DocumentChunk, &Document)> = self
            .chunks
            .values()
            .filter(|chunk| chunk.embedding_model.as_deref() == Some(embedding.model.as_str()))
            .filter_map(|chunk| {
                let document = keep(chunk).filter(|d| d.user_id == user)?;
                let vector = chunk
                    .embedding
                    .as_deref()
                    .filter(|v| v.len() == query.len())?;
                Some((cosine_similarity(query, vector)?, chunk, document))
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.id.cmp(&b.1.id)));
        scored
    }
}

/// The lexical hits of `query`, best first, at most [`SearchQuery::FUSION_DEPTH`].
fn lexical(tables: &Tables, user: UserId, query: &SearchQuery) -> Vec<SearchHit> {
    let words = query_words(query);
    if words.is_empty() {
        return Vec::new();
    }
    let mut hits: Vec<SearchHit> = tables
        .candidates(user, query)
        .iter()
        .filter_map(|candidate| candidate.matches(&words))
        .collect();
    hits.sort_by(by_relevance);
    hits.truncate(depth());
    hits
}

/// The passages most similar to `query`'s embedding, as hits showing their beginning, best
/// first, at most [`SearchQuery::FUSION_DEPTH`]; none without an embedding.
fn similar(tables: &Tables, user: UserId, query: &SearchQuery) -> Vec<SearchHit> {
    let Some(embedding) = query.embedding() else {
        return Vec::new();
    };
    let mut hits: Vec<SearchHit> = Vec::new();
    if query.includes(SourceKind::Document) {
        hits.extend(
            tables
                .nearest(user, embedding, |chunk| {
                    tables.searched_document(user, query, chunk)
                })
                .into_iter()
                .take(depth())
                .map(|(similarity, chunk, document)| SearchHit {
                    kind: SourceKind::Document,
                    id: chunk.id.as_uuid(),
                    parent_id: Some(document.id.as_uuid()),
                    title: document.title.clone(),
                    snippet: opening_snippet(&chunk.content),
                    page_number: chunk.page_number,
                    score: similarity,
                }),
        );
    }
    if query.includes(SourceKind::Note) {
        hits.extend(similar_notes(tables, user, query, embedding));
    }
    hits.sort_by(by_relevance);
    hits.truncate(depth());
    hits
}

/// The user's notes whose chunks are similar to `embedding`, each as a hit with its most
/// similar chunk's similarity and opening.
fn similar_notes(
    tables: &Tables,
    user: UserId,
    query: &SearchQuery,
    embedding: &QueryEmbedding,
) -> Vec<SearchHit> {
    let vector = embedding.vector.as_slice();
    if vector.is_empty() {
        return Vec::new();
    }
    tables
        .note_chunks
        .iter()
        .filter_map(|(id, chunks)| {
            let note = tables
                .notes
                .get(id)
                .filter(|n| n.user_id == user)
                .filter(|n| query.course_id().is_none() || n.course_id == query.course_id())?;
            let (similarity, chunk) = chunks
                .iter()
                .filter(|c| c.embedding_model.as_deref() == Some(embedding.model.as_str()))
                .filter_map(|c| {
                    let other = c.embedding.as_deref().filter(|v| v.len() == vector.len())?;
                    Some((cosine_similarity(vector, other)?, c))
                })
                .max_by(|a, b| {
                    a.0.total_cmp(&b.0)
                        .then_with(|| b.1.chunk_index.cmp(&a.1.chunk_index))
                })?;
            Some(SearchHit {
                kind: SourceKind::Note,
                id: note.id.as_uuid(),
                parent_id: None,
                title: note.title.clone(),
                snippet: opening_snippet(&chunk.content),
                page_number: None,
                score: similarity,
            })
        })
        .collect()
}

/// How many items of each ranking are fused.
fn depth() -> usize {
    usize::try_from(SearchQuery::FUSION_DEPTH).unwrap_or(usize::MAX)
}

/// Checks a replacement set of chunks as the schema would: content present, indexes from 0
/// and unique per document.
fn check_chunks(chunks: &[NewDocumentChunk]) -> DomainResult<()> {
    let mut seen = BTreeSet::new();
    for chunk in chunks {
        let index = chunk.chunk_index;
        if chunk.content.trim().is_empty() {
            return Err(DomainError::validation(
                "chunks",
                format!("chunk {index} must not be empty"),
            ));
        }
        if index < 0 {
            return Err(DomainError::validation(
                "chunks",
                format!("chunk index {index} is negative; indexes start at 0"),
            ));
        }
        if !seen.insert(index) {
            return Err(DomainError::validation(
                "chunks",
                format!("chunk index {index} appears more than once"),
            ));
        }
        chunk.check_embedding()?;
    }
    Ok(())
}

#[async_trait]
impl SearchIndex for MemoryStore {
    async fn replace_chunks(
        &self,
        user: UserId,
        document: DocumentId,
        chunks: Vec<NewDocumentChunk>,
    ) -> DomainResult<u64> {
        self.write(|tables, now| {
            owned(&tables.documents, user, &document, "document")?;
            check_chunks(&chunks)?;
            tables.chunks.retain(|_, c| c.document_id != document);
            let written = chunks.len();
            for chunk in chunks {
                let row = DocumentChunk {
                    id: DocumentChunkId::new(),
                    document_id: document,
                    content: chunk.content,
                    page_number: chunk.page_number,
                    chunk_index: chunk.chunk_index,
                    embedding: chunk.embedding,
                    embedding_model: chunk.embedding_model,
                    created_at: now,
                    updated_at: now,
                };
                tables.chunks.insert(row.id, row);
            }
            Ok(count(written))
        })
    }

    async fn replace_note_chunks(
        &self,
        user: UserId,
        note: NoteId,
        chunks: Vec<NewDocumentChunk>,
    ) -> DomainResult<u64> {
        self.write(|tables, _| {
            owned(&tables.notes, user, &note, "note")?;
            check_chunks(&chunks)?;
            let written = chunks.len();
            let mut rows: Vec<NoteChunk> = chunks
                .into_iter()
                .map(|chunk| NoteChunk {
                    content: chunk.content,
                    chunk_index: chunk.chunk_index,
                    embedding: chunk.embedding,
                    embedding_model: chunk.embedding_model,
                })
                .collect();
            rows.sort_by_key(|c| c.chunk_index);
            if rows.is_empty() {
                tables.note_chunks.remove(&note);
            } else {
                tables.note_chunks.insert(note, rows);
            }
            Ok(count(written))
        })
    }

    async fn get_chunks(
        &self,
        user: UserId,
        ids: Vec<DocumentChunkId>,
    ) -> DomainResult<Vec<DocumentChunk>> {
        self.with_tables(|tables| {
            Ok(ids
                .iter()
                .filter_map(|id| tables.chunks.get(id))
                .filter(|chunk| {
                    tables
                        .documents
                        .get(&chunk.document_id)
                        .is_some_and(|d| d.user_id == user)
                })
                .cloned()
                .collect())
        })
    }

    async fn list_chunks(
        &self,
        user: UserId,
        document: DocumentId,
    ) -> DomainResult<Vec<DocumentChunk>> {
        self.with_tables(|tables| {
            owned(&tables.documents, user, &document, "document")?;
            let mut chunks: Vec<DocumentChunk> = tables
                .chunks
                .values()
                .filter(|c| c.document_id == document)
                .cloned()
                .collect();
            chunks.sort_by_key(|c| c.chunk_index);
            Ok(chunks)
        })
    }

    async fn stale_embeddings(
        &self,
        model: String,
        limit: u32,
    ) -> DomainResult<Vec<(UserId, DocumentId)>> {
        self.with_tables(|tables| {
            let stale: BTreeSet<DocumentId> = tables
                .chunks
                .values()
                .filter(|c| c.embedding_model.as_deref() != Some(model.as_str()))
                .map(|c| c.document_id)
                .collect();
            Ok(stale
                .into_iter()
                .filter_map(|id| tables.documents.get(&id).map(|d| (d.user_id, id)))
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .collect())
        })
    }

    async fn stale_note_embeddings(
        &self,
        model: String,
        limit: u32,
    ) -> DomainResult<Vec<(UserId, NoteId)>> {
        self.with_tables(|tables| {
            Ok(tables
                .note_chunks
                .iter()
                .filter(|(_, chunks)| {
                    chunks
                        .iter()
                        .any(|c| c.embedding_model.as_deref() != Some(model.as_str()))
                })
                .filter_map(|(id, _)| tables.notes.get(id).map(|n| (n.user_id, *id)))
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .collect())
        })
    }

    async fn search(&self, user: UserId, query: SearchQuery) -> DomainResult<Vec<SearchHit>> {
        let limit = usize::try_from(query.limit()).unwrap_or(usize::MAX);
        self.with_tables(|tables| {
            Ok(fuse_rankings(
                lexical(tables, user, &query),
                similar(tables, user, &query),
                limit,
            ))
        })
    }

    async fn nearest_chunks(
        &self,
        user: UserId,
        embedding: QueryEmbedding,
        limit: u32,
    ) -> DomainResult<Vec<ChunkMatch>> {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        self.with_tables(|tables| {
            Ok(tables
                .nearest(user, &embedding, |chunk| {
                    tables.documents.get(&chunk.document_id)
                })
                .into_iter()
                .take(limit)
                .map(|(similarity, chunk, document)| ChunkMatch {
                    chunk: chunk.clone(),
                    document_title: document.title.clone(),
                    similarity,
                })
                .collect())
        })
    }
}
