use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{DomainError, DomainResult};
use crate::id::{CourseId, DocumentChunkId, DocumentId};

/// The kinds of the student's material that search finds and chat cites, in the order that
/// breaks ties between equally scored hits: notes, flashcards, document passages.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
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
    /// The model that made `embedding`: set exactly when `embedding` is. Vectors of different
    /// models are never compared.
    pub embedding_model: Option<String>,
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
    /// Its text; not empty.
    pub content: String,
    /// The page it starts on.
    pub page_number: Option<i32>,
    /// Its position in the document, from 0.
    pub chunk_index: i32,
    /// Its embedding: not empty, every value finite.
    pub embedding: Option<Vec<f32>>,
    /// The model that made `embedding` ([`crate::ports::Embedder::model`]): set exactly when
    /// `embedding` is; not blank.
    pub embedding_model: Option<String>,
}

impl NewDocumentChunk {
    /// Checks the embedding: it comes with its model and the other way round, it is not
    /// empty, every value is finite, and the model is not blank.
    ///
    /// # Errors
    ///
    /// A validation error on `chunks` naming the chunk's index.
    pub fn check_embedding(&self) -> DomainResult<()> {
        let problem = match (&self.embedding, &self.embedding_model) {
            (None, None) => return Ok(()),
            (Some(_), None) => "has an embedding without its model",
            (None, Some(_)) => "names an embedding model without an embedding",
            (Some(vector), Some(model)) => {
                if vector.is_empty() {
                    "has an empty embedding"
                } else if !vector.iter().all(|v| v.is_finite()) {
                    "has an embedding with a value that is not a finite number"
                } else if model.trim().is_empty() {
                    "has a blank embedding model"
                } else {
                    return Ok(());
                }
            }
        };
        Err(DomainError::validation(
            "chunks",
            format!("chunk {} {problem}", self.chunk_index),
        ))
    }
}

/// A vector to search chunks with: only chunks embedded by the same model, with vectors of
/// the same length, are compared with it.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryEmbedding {
    /// The model that made `vector` ([`crate::ports::Embedder::model`]).
    pub model: String,
    /// The query's embedding.
    pub vector: Vec<f32>,
}

/// What to search for in the student's material, and where.
///
/// Search ranks lexically (every word of `text` must occur in a note, flashcard or document
/// passage) and, with an [embedding](Self::with_embedding), by the cosine similarity of
/// document passages embedded by the same model. The two rankings, each cut to its best
/// [`Self::FUSION_DEPTH`] items, are fused by reciprocal rank fusion ([`fused_score`]); ties
/// are broken by kind (notes, flashcards, passages), then id.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchQuery {
    text: String,
    limit: u32,
    course_id: Option<CourseId>,
    document_id: Option<DocumentId>,
    kinds: BTreeSet<SourceKind>,
    embedding: Option<QueryEmbedding>,
}

impl SearchQuery {
    /// The longest query accepted.
    pub const MAX_CHARS: usize = 200;
    /// The most hits returned.
    pub const MAX_LIMIT: u32 = 50;
    /// The constant of reciprocal rank fusion: an item ranked `r` (from 1) in a ranking
    /// scores `1 / (FUSION_K + r)` for it.
    pub const FUSION_K: u32 = 60;
    /// How many of the best items of each ranking (lexical, vector) take part in the fusion:
    /// as many as the most hits returned.
    pub const FUSION_DEPTH: u32 = Self::MAX_LIMIT;

    /// A query for `text` (a [`crate::values::BoundedText`] of at most 200 characters)
    /// returning at most `limit` hits (default 20, at most 50), over every kind of material,
    /// lexical only.
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
            course_id: None,
            document_id: None,
            kinds: BTreeSet::new(),
            embedding: None,
        })
    }

    /// Only material filed under `course`: notes and flashcard sets of that course, passages
    /// of documents of that course.
    #[must_use]
    pub const fn with_course(mut self, course: CourseId) -> Self {
        self.course_id = Some(course);
        self
    }

    /// Only passages of `document`: no notes or flashcards.
    #[must_use]
    pub const fn with_document(mut self, document: DocumentId) -> Self {
        self.document_id = Some(document);
        self
    }

    /// Only these kinds of material; none means every kind.
    #[must_use]
    pub fn with_kinds(mut self, kinds: impl IntoIterator<Item = SourceKind>) -> Self {
        self.kinds = kinds.into_iter().collect();
        self
    }

    /// Also ranks document passages by the cosine similarity of their embeddings (of the
    /// same model and length) to `embedding`, fused with the lexical ranking.
    #[must_use]
    pub fn with_embedding(mut self, embedding: QueryEmbedding) -> Self {
        self.embedding = Some(embedding);
        self
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

    /// The one course searched, if any.
    #[must_use]
    pub const fn course_id(&self) -> Option<CourseId> {
        self.course_id
    }

    /// The one document searched, if any.
    #[must_use]
    pub const fn document_id(&self) -> Option<DocumentId> {
        self.document_id
    }

    /// The kinds asked for; empty means every kind.
    #[must_use]
    pub const fn kinds(&self) -> &BTreeSet<SourceKind> {
        &self.kinds
    }

    /// The query's embedding, if any.
    #[must_use]
    pub const fn embedding(&self) -> Option<&QueryEmbedding> {
        self.embedding.as_ref()
    }

    /// Whether hits of `kind` may be returned: that kind is asked for (or every kind is), and
    /// it is a passage when a document is named.
    #[must_use]
    pub fn includes(&self, kind: SourceKind) -> bool {
        (self.kinds.is_empty() || self.kinds.contains(&kind))
            && (self.document_id.is_none() || kind == SourceKind::Document)
    }
}

/// The reciprocal rank fusion score of an item ranked `lexical` in the lexical ranking and
/// `vector` in the vector ranking (from 1; `None` when absent from one):
/// `1 / (K + lexical) + 1 / (K + vector)` with `K` = [`SearchQuery::FUSION_K`], in `f64`,
/// each term a correctly rounded division and the lexical term first, so every adapter gets
/// the same bits.
#[must_use]
pub fn fused_score(lexical: Option<u32>, vector: Option<u32>) -> f64 {
    let term = |rank: Option<u32>| {
        rank.map_or(0.0, |rank| {
            1.0 / (f64::from(SearchQuery::FUSION_K) + f64::from(rank))
        })
    };
    term(lexical) + term(vector)
}

/// Cosine similarity of two vectors of one length, in `f64` then rounded to `f32` and held
/// to -1..=1; `None` when it is not defined (a zero vector, a non-finite value, different
/// lengths, no values).
#[must_use]
pub fn cosine_similarity(a: &[f32], b: &[f32]) -> Option<f32> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let (mut dot, mut norm_a, mut norm_b) = (0.0_f64, 0.0_f64, 0.0_f64);
    for (x, y) in a.iter().zip(b) {
        let (x, y) = (f64::from(*x), f64::from(*y));
        dot += x * y;
        norm_a += x * x;
        norm_b += y * y;
    }
    let similarity = dot / (norm_a.sqrt() * norm_b.sqrt());
    #[allow(clippy::cast_possible_truncation)] // a cosine lies in -1..=1
    similarity
        .is_finite()
        .then_some(similarity.clamp(-1.0, 1.0) as f32)
}

/// How many characters of text a snippet shows, at most (besides the ellipses).
pub const SNIPPET_CHARS: usize = 160;

/// The snippet of a passage found by similarity alone: its first [`SNIPPET_CHARS`]
/// characters with runs of whitespace made one space, and `…` when the text goes on. Only the
/// first `SNIPPET_CHARS + 1` characters of `text` are read.
#[must_use]
pub fn opening_snippet(text: &str) -> String {
    let mut chars = text.chars();
    let window: String = chars.by_ref().take(SNIPPET_CHARS).collect();
    let mut snippet = window.split_whitespace().collect::<Vec<_>>().join(" ");
    if chars.next().is_some() {
        snippet.push('…');
    }
    snippet
}

/// Fuses a lexical and a vector ranking (each best first, already cut to
/// [`SearchQuery::FUSION_DEPTH`]) by reciprocal rank fusion: every hit of either, scored by
/// [`fused_score`] (the hit's `score` becomes that score), best first, ties by kind then id,
/// at most `limit`. A hit in both rankings is the lexical one (its snippet shows the match).
#[must_use]
pub fn fuse_rankings(
    lexical: Vec<SearchHit>,
    vector: Vec<SearchHit>,
    limit: usize,
) -> Vec<SearchHit> {
    let rank = |index: usize| u32::try_from(index + 1).unwrap_or(u32::MAX);
    /// A hit with its lexical and vector ranks.
    type Ranked = (Option<u32>, Option<u32>, SearchHit);
    let mut fused: BTreeMap<(SourceKind, Uuid), Ranked> = BTreeMap::new();
    for (index, hit) in lexical.into_iter().enumerate() {
        fused
            .entry((hit.kind, hit.id))
            .or_insert((Some(rank(index)), None, hit));
    }
    for (index, hit) in vector.into_iter().enumerate() {
        fused
            .entry((hit.kind, hit.id))
            .and_modify(|entry| {
                entry.1.get_or_insert(rank(index));
            })
            .or_insert((None, Some(rank(index)), hit));
    }
    let mut scored: Vec<(f64, SearchHit)> = fused
        .into_values()
        .map(|(lexical, vector, hit)| (fused_score(lexical, vector), hit))
        .collect();
    scored.sort_by(|a, b| {
        b.0.total_cmp(&a.0)
            .then_with(|| a.1.kind.cmp(&b.1.kind))
            .then_with(|| a.1.id.cmp(&b.1.id))
    });
    scored
        .into_iter()
        .take(limit)
        .map(|(score, hit)| {
            #[allow(clippy::cast_possible_truncation)] // at most 2/61
            let score = score as f32;
            SearchHit { score, ..hit }
        })
        .collect()
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
    /// The passage around the first match; the start of a passage found by similarity
    /// alone.
    pub snippet: String,
    /// The page, for a document chunk.
    pub page_number: Option<i32>,
    /// How well it matches: its reciprocal rank fusion score ([`fused_score`]); higher is
    /// better. Comparable within one answer only.
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
