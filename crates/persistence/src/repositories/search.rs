//! The search index on PostgreSQL: chunks of documents and notes (`document_search_index`,
//! each row with exactly one of `document_id` and `note_id`), lexical search over the
//! student's notes, flashcards and document chunks, vector search over chunk embeddings (a
//! note's chunk found is its note), and the two fused. A hybrid search runs its lexical and
//! its vector statement side by side, each on a connection of its own (the vector part reads
//! the student's version of the index first, and their sign bits when it moved: see below),
//! so it takes two of the pool's connections at once, and the two parts read two snapshots: a
//! passage written between them can be in one ranking and not yet in the other.
//!
//! Lexical search is a `UNION ALL` of the three kinds, each row matching when every word of
//! the query occurs in it case-insensitively (`ILIKE '%word%'` per word, which the trigram GIN
//! indexes serve), ranked by trigram word similarity (to the title, and to a snippet's length
//! of the text around its first match: [`around_first_match`]) and full-text rank, with a
//! snippet cut around the first match in SQL (only for the best [`SearchQuery::FUSION_DEPTH`]
//! rows).
//!
//! Vector search works without pgvector. Each embedding is stored with its sign bits
//! (`embedding_bits`, bit `i` set when component `i` is positive), and a search takes the
//! user's chunks of the query's model whose bits are nearest to the query, then re-ranks only
//! those candidates ([`candidate_count`] of them) by exact cosine ([`cosine_similarity`]) of
//! their full vectors (stored as bytes, [`embedding_bytes`], so they are sent as stored) and
//! fuses them with the lexical ranking by [`fuse_rankings`], exactly as the in-memory adapter
//! does. Sign bits split the space by hyperplanes, so vectors close in angle share most of
//! them and the exact nearest are mostly among the candidates: with dense vectors (a model's,
//! or the offline embedder's, which it spreads over every component for this), beyond that
//! count of chunks the ranking is approximate (recall@10 about 0.9 on the benchmark's 100,000
//! passages).
//!
//! The candidates are found one of two ways, with the same answers while the student has no
//! more chunks of the model than candidates are taken (both approximate beyond):
//! - **In memory** ([`resident`]), the default: the student's bits are kept in memory, checked
//!   current against the student's version in `search_index_versions` at every search, and
//!   ranked there by their dot product with the query (a sign that disagrees costs as much as
//!   the query's component is large); the statement then reads only the candidates, by id.
//! - **In SQL**, when the store keeps no bits in memory (`SEARCH_MEMORY_MIB=0`) or the
//!   student's alone are over its budget: by a weighted Hamming distance ([`QueryBits`]: a
//!   disagreement counts more where the query's component is larger), read from the covering
//!   index on `(user_id, embedding_model, document_id) INCLUDE (id, note_id,
//!   embedding_bits)` without touching the table.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::Pg;
use diesel::pg::PgValue;
use diesel::prelude::*;
use diesel::serialize;
use diesel::serialize::{IsNull, Output, ToSql};
use diesel::sql_types::{Array, BigInt, Binary, Integer, Nullable, SmallInt, Text};
use diesel_async::{AsyncConnection, RunQueryDsl};
use sophie_domain::{
    ChunkMatch, CourseId, DocumentChunk, DocumentChunkId, DocumentId, DomainError, DomainResult,
    NewDocumentChunk, NoteId, QueryEmbedding, SNIPPET_CHARS, SearchHit, SearchIndex, SearchQuery,
    SourceKind, UserId, cosine_similarity, fuse_rankings, opening_snippet,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::StoreError;
use crate::schema::sql_types::Varbit;
use crate::schema::{document_search_index, documents, notes};
use crate::store::PostgresStore;

const ENTITY: &str = "document";

/// How many chunks one `INSERT` writes at most: 11 parameters a row stay well below
/// PostgreSQL's 65,535 parameters a statement.
const INSERT_BATCH: usize = 4_096;

/// How many characters of a snippet come before the first match, when there are that many.
const SNIPPET_LEAD: usize = 60;

/// Candidates per vector hit wanted: see [`candidate_count`].
const CANDIDATE_FACTOR: u32 = 4;
/// The fewest candidates a vector search re-ranks.
const MIN_CANDIDATES: u32 = 400;

/// How many chunks nearest by their sign bits a vector search re-ranks by exact cosine when
/// it wants the best `wanted`: `max(CANDIDATE_FACTOR × wanted, MIN_CANDIDATES)`. Tuned with
/// `scripts/bench-search.sh` (recall of the exact ten nearest among 100,000 chunks, by the
/// weighted Hamming distance of the SQL scan, which needs more candidates than the ranking
/// in memory).
fn candidate_count(wanted: u32) -> i64 {
    i64::from(wanted.saturating_mul(CANDIDATE_FACTOR).max(MIN_CANDIDATES))
}

mod resident;

pub(crate) use resident::CodeCache;
use resident::{Resident, Scope};

/// The sign bits of an embedding, as PostgreSQL's `bit varying`: bit `i` is 1 when component
/// `i` is positive.
#[derive(Debug, Clone, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Varbit)]
struct SignBits {
    /// How many bits.
    len: i32,
    /// The bits, most significant first, the last byte padded with zeros.
    bytes: Vec<u8>,
}

impl SignBits {
    /// The sign bits of `vector`; `None` when it is too long for a bit string's length.
    fn of(vector: &[f32]) -> Option<Self> {
        Self::where_(vector, |value| value > 0.0)
    }

    /// Bit `i` set when `keep` holds for component `i` of `vector`; `None` when it is too long
    /// for a bit string's length.
    fn where_(vector: &[f32], keep: impl Fn(f32) -> bool) -> Option<Self> {
        let len = i32::try_from(vector.len()).ok()?;
        let mut bytes = vec![0_u8; vector.len().div_ceil(8)];
        for (i, value) in vector.iter().enumerate() {
            if keep(*value) {
                bytes[i / 8] |= 0x80 >> (i % 8);
            }
        }
        Some(Self { len, bytes })
    }
}

/// How many weights [`QueryBits`] gives the query's components: a component of magnitude
/// at least `j/TIERS` of the largest counts `j + 1` times (`j` from 0). Tuned with
/// `scripts/bench-search.sh`.
const TIERS: usize = 4;

/// A query vector as the Hamming scan compares it: its sign bits, and masks of its larger
/// components. The distance to a chunk's sign bits `c` is `|c ⊕ signs| + Σ_t |(c ⊕ signs) ∧
/// tiers[t]|`: a disagreement in sign counts once, and once more for each tier the query's
/// component reaches, so that it weighs about as much as the component does in the cosine.
/// Plain Hamming distance treats a component of the query near zero, whose sign says little,
/// like its largest.
struct QueryBits {
    signs: SignBits,
    /// `tiers[t]`: the components of magnitude at least `(t + 1)/TIERS` of the largest.
    tiers: Vec<SignBits>,
}

impl QueryBits {
    /// `None` when `vector` is too long for a bit string's length.
    fn of(vector: &[f32]) -> Option<Self> {
        let largest = vector.iter().fold(0.0_f32, |m, v| m.max(v.abs()));
        let tiers = (1..TIERS)
            .map(|j| {
                #[expect(clippy::cast_precision_loss, reason = "a count below ten")]
                let floor = largest * j as f32 / TIERS as f32;
                SignBits::where_(vector, |v| v.abs() >= floor)
            })
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            signs: SignBits::of(vector)?,
            tiers,
        })
    }
}

impl ToSql<Varbit, Pg> for SignBits {
    /// The binary form of `varbit`: the length in bits (`int4`), then the bytes.
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        use std::io::Write as _;
        out.write_all(&self.len.to_be_bytes())?;
        out.write_all(&self.bytes)?;
        Ok(IsNull::No)
    }
}

impl FromSql<Varbit, Pg> for SignBits {
    /// Reads the binary form [`ToSql`] writes.
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        let raw = value.as_bytes();
        let (head, bytes) = raw
            .split_first_chunk::<4>()
            .ok_or("a bit string shorter than its length")?;
        let len = i32::from_be_bytes(*head);
        if usize::try_from(len).map(|bits| bits.div_ceil(8)) != Ok(bytes.len()) {
            return Err("a bit string whose length does not match its bytes".into());
        }
        Ok(Self {
            len,
            bytes: bytes.to_vec(),
        })
    }
}

#[derive(Queryable, Selectable, QueryableByName)]
#[diesel(table_name = document_search_index, check_for_backend(Pg))]
struct ChunkRow {
    id: Uuid,
    document_id: Option<Uuid>,
    content: String,
    page_number: Option<i32>,
    chunk_index: i32,
    embedding: Option<Vec<u8>>,
    embedding_model: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// An embedding as stored: its values back to back, four bytes each, big-endian.
fn embedding_bytes(vector: &[f32]) -> Vec<u8> {
    vector
        .iter()
        .flat_map(|value| value.to_be_bytes())
        .collect()
}

/// An embedding read back from [`embedding_bytes`]; bytes that are not whole values are no
/// embedding (the table's check refuses them).
fn read_embedding(bytes: Option<Vec<u8>>) -> Option<Vec<f32>> {
    let bytes = bytes?;
    let (values, []) = bytes.as_chunks::<4>() else {
        return None;
    };
    Some(
        values
            .iter()
            .map(|value| f32::from_be_bytes(*value))
            .collect(),
    )
}

impl ChunkRow {
    /// The row as a document's chunk; `None` for a note's.
    fn into_document_chunk(self) -> Option<DocumentChunk> {
        let row = self;
        Some(DocumentChunk {
            id: row.id.into(),
            document_id: row.document_id?.into(),
            content: row.content,
            page_number: row.page_number,
            chunk_index: row.chunk_index,
            embedding: read_embedding(row.embedding),
            embedding_model: row.embedding_model,
            created_at: row.created_at,
            updated_at: row.updated_at,
        })
    }
}

#[derive(Insertable)]
#[diesel(table_name = document_search_index, treat_none_as_default_value = false)]
struct NewChunkRow {
    id: Uuid,
    document_id: Option<Uuid>,
    note_id: Option<Uuid>,
    user_id: Uuid,
    content: String,
    page_number: Option<i32>,
    chunk_index: i32,
    embedding: Option<Vec<u8>>,
    embedding_model: Option<String>,
    embedding_bits: Option<SignBits>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// A row of a search statement: a lexical hit (with its rank and snippet) or a vector
/// candidate (with its embedding and the start of its text).
#[derive(QueryableByName)]
struct CandidateRow {
    #[diesel(sql_type = SmallInt)]
    kind: i16,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    parent_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Nullable<Integer>)]
    page_number: Option<i32>,
    #[diesel(sql_type = Nullable<BigInt>)]
    rank: Option<i64>,
    #[diesel(sql_type = Text)]
    snippet: String,
    #[diesel(sql_type = Nullable<Binary>)]
    embedding: Option<Vec<u8>>,
}

impl CandidateRow {
    fn into_hit(self, score: f32) -> DomainResult<SearchHit> {
        let kind = match self.kind {
            0 => SourceKind::Note,
            1 => SourceKind::Flashcard,
            2 => SourceKind::Document,
            other => {
                return Err(DomainError::internal(format!(
                    "search returned an unknown kind {other}"
                )));
            }
        };
        Ok(SearchHit {
            kind,
            id: self.id,
            parent_id: self.parent_id,
            title: self.title,
            snippet: self.snippet,
            page_number: self.page_number,
            score,
        })
    }
}

#[derive(QueryableByName)]
struct ChunkMatchRow {
    #[diesel(embed)]
    chunk: ChunkRow,
    #[diesel(sql_type = Text)]
    document_title: String,
}

/// Checks a replacement set of chunks as the in-memory adapter does: content present, indexes
/// from 0 and unique per document. Text holding a NUL character, which PostgreSQL cannot
/// store, is refused here too rather than failing in the database.
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
        if chunk.content.contains('\0') {
            return Err(DomainError::validation(
                "chunks",
                format!("chunk {index} contains a NUL character"),
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
        if chunk
            .embedding_model
            .as_ref()
            .is_some_and(|m| m.contains('\0'))
        {
            return Err(DomainError::validation(
                "chunks",
                format!("chunk {index}'s embedding model contains a NUL character"),
            ));
        }
        if chunk
            .embedding
            .as_ref()
            .is_some_and(|v| SignBits::of(v).is_none())
        {
            return Err(DomainError::validation(
                "chunks",
                format!("chunk {index}'s embedding is too long"),
            ));
        }
    }
    Ok(())
}

/// The query's words without repeats (compared in lower case, as they match), each kept as
/// typed: PostgreSQL lower-cases both sides of `ILIKE` itself.
fn query_words(text: &str) -> Vec<&str> {
    let mut seen = BTreeSet::new();
    text.split_whitespace()
        .filter(|word| seen.insert(word.to_lowercase()))
        .collect()
}

/// `%word%` for `ILIKE`, with the pattern characters of `word` (`%`, `_` and the escape `\`)
/// escaped, so they match themselves.
fn contains_pattern(word: &str) -> String {
    let mut pattern = String::with_capacity(word.len() + 4);
    pattern.push('%');
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

/// A value bound to a numbered parameter of a statement built at run time.
enum Bind {
    Uuid(Uuid),
    Text(String),
    BigInt(i64),
    Integer(i32),
    Bits(SignBits),
    Uuids(Vec<Uuid>),
}

/// A statement's text and the values of its parameters, in order: only placeholders are
/// formatted into the text, never input.
#[derive(Default)]
struct Statement {
    binds: Vec<Bind>,
}

impl Statement {
    /// Adds a parameter; returns its placeholder (`$n`).
    fn param(&mut self, value: Bind) -> String {
        self.binds.push(value);
        format!("${}", self.binds.len())
    }

    /// The query, with every parameter bound.
    fn query(
        &self,
        sql: &str,
    ) -> diesel::query_builder::BoxedSqlQuery<'_, Pg, diesel::query_builder::SqlQuery> {
        let mut query = diesel::sql_query(sql.to_owned()).into_boxed();
        for bind in &self.binds {
            query = match bind {
                Bind::Uuid(v) => query.bind::<diesel::sql_types::Uuid, _>(*v),
                Bind::Text(v) => query.bind::<Text, _>(v.as_str()),
                Bind::BigInt(v) => query.bind::<BigInt, _>(*v),
                Bind::Integer(v) => query.bind::<Integer, _>(*v),
                Bind::Bits(v) => query.bind::<Varbit, _>(v),
                Bind::Uuids(v) => query.bind::<Array<diesel::sql_types::Uuid>, _>(v),
            };
        }
        query
    }
}

/// The filters a search statement applies, as placeholders.
struct Filters {
    user: String,
    course: Option<String>,
    document: Option<String>,
}

/// Whose chunks vector search looks at: documents', notes', or both.
#[derive(Clone, Copy)]
struct Sources {
    documents: bool,
    notes: bool,
}

/// Where the vector part of a statement takes its candidates from.
enum Candidates {
    /// The student's bits, scanned and ranked in SQL ([`nearest_ids`]).
    Scan,
    /// These chunks, ranked in memory ([`resident::Codes::nearest`]).
    Ids(Vec<Uuid>),
}

impl Candidates {
    /// The sub-select of the candidates' ids, its placeholders added to `st`; `None` when no
    /// chunk can match the query (see [`vector_params`]) or memory found none.
    fn ids(
        self,
        st: &mut Statement,
        filters: &Filters,
        sources: Sources,
        embedding: &QueryEmbedding,
        count: i64,
    ) -> Option<String> {
        match self {
            Self::Scan => {
                let vector = vector_params(st, embedding)?;
                let count = st.param(Bind::BigInt(count));
                Some(nearest_ids(filters, sources, &vector, &count))
            }
            Self::Ids(ids) if ids.is_empty() => None,
            Self::Ids(ids) => Some(format!(
                "SELECT unnest({}) AS id",
                st.param(Bind::Uuids(ids))
            )),
        }
    }
}

/// The placeholders of a query vector in a search statement.
struct VectorParams {
    model: String,
    signs: String,
    tiers: Vec<String>,
    dimensions: String,
}

/// The sub-select of the ids of the user's chunks of the query's model nearest to its bits
/// by the distance of [`QueryBits`], ties by id, at most `limit`; served by an index-only
/// scan of `document_search_index_user_id_embedding_model_idx`. Chunks whose bits are of
/// another length sort last (their distance is NULL): the cosine drops them.
fn nearest_ids(filters: &Filters, sources: Sources, vector: &VectorParams, limit: &str) -> String {
    let user = &filters.user;
    let VectorParams {
        model,
        signs,
        tiers,
        dimensions,
    } = vector;
    let mut sql = format!(
        "SELECT h.id FROM document_search_index h \
         CROSS JOIN LATERAL (SELECT CASE WHEN length(h.embedding_bits) = {dimensions} \
         THEN h.embedding_bits # {signs} END AS d) x \
         WHERE h.user_id = {user} AND h.embedding_model = {model}"
    );
    match (sources.documents, sources.notes) {
        (true, false) => sql.push_str(" AND h.document_id IS NOT NULL"),
        (false, true) => sql.push_str(" AND h.note_id IS NOT NULL"),
        _ => {}
    }
    if let Some(document) = &filters.document {
        let _ = write!(sql, " AND h.document_id = {document}");
    }
    if let Some(course) = &filters.course {
        let documents = format!(
            "h.document_id IN (SELECT d.id FROM documents d \
             WHERE d.user_id = {user} AND d.course_id = {course})"
        );
        let notes = format!(
            "h.note_id IN (SELECT n.id FROM notes n \
             WHERE n.user_id = {user} AND n.course_id = {course})"
        );
        let _ = match (sources.documents, sources.notes) {
            (true, false) => write!(sql, " AND {documents}"),
            (false, true) => write!(sql, " AND {notes}"),
            _ => write!(sql, " AND ({documents} OR {notes})"),
        };
    }
    let mut distance = "bit_count(x.d)".to_owned();
    for tier in tiers {
        let _ = write!(distance, " + bit_count(x.d & {tier})");
    }
    let _ = write!(sql, " ORDER BY {distance}, h.id LIMIT {limit}");
    sql
}

impl Filters {
    /// The user's and `query`'s course and document filters, as the first parameters of `st`.
    fn of(st: &mut Statement, user: UserId, query: &SearchQuery) -> Self {
        Self {
            user: st.param(Bind::Uuid(user.as_uuid())),
            course: query
                .course_id()
                .map(|c: CourseId| st.param(Bind::Uuid(c.as_uuid()))),
            document: query
                .document_id()
                .map(|d: DocumentId| st.param(Bind::Uuid(d.as_uuid()))),
        }
    }
}

/// The lexical statement for `query` split into `words`: its best
/// [`SearchQuery::FUSION_DEPTH`] hits with their rank and snippet. `None` when
/// nothing can match (every kind filtered out).
fn lexical_statement(
    user: UserId,
    query: &SearchQuery,
    words: &[&str],
) -> Option<(String, Statement)> {
    let mut st = Statement::default();
    let filters = Filters::of(&mut st, user, query);
    let text = st.param(Bind::Text(query.text().to_owned()));
    let user = filters.user.clone();

    let mut notes = String::new();
    let mut cards = String::new();
    let mut chunks = String::new();
    let mut placeholders = Vec::with_capacity(words.len());
    for (i, word) in words.iter().enumerate() {
        let pattern = st.param(Bind::Text(contains_pattern(word)));
        placeholders.push(st.param(Bind::Text((*word).to_owned())));
        let sep = if i == 0 { "" } else { " AND " };
        let _ = write!(
            notes,
            "{sep}(n.title ILIKE {pattern} OR n.content ILIKE {pattern})"
        );
        let _ = write!(
            cards,
            "{sep}(f.question ILIKE {pattern} OR f.answer ILIKE {pattern})"
        );
        let _ = write!(chunks, "{sep}c.content ILIKE {pattern}");
    }
    let near = |column: &str| around_first_match(column, &placeholders);
    let at = first_match("t.lowered", &placeholders);

    let mut parts = Vec::new();
    if query.includes(SourceKind::Note) {
        let course = filters
            .course
            .as_ref()
            .map(|c| format!(" AND n.course_id = {c}"))
            .unwrap_or_default();
        parts.push(format!(
            "SELECT 0::int2 AS kind, n.id, NULL::uuid AS parent_id, n.title,
           n.title AS head, n.content AS body, NULL::int4 AS page_number,
           (word_similarity({text}, {content}) + word_similarity({text}, n.title)
            + ts_rank(n.content_tsv, q.tsq, 32)) / 3 AS score
    FROM notes n, q
    WHERE n.user_id = {user}{course} AND {notes}",
            content = near("n.content"),
        ));
    }
    if query.includes(SourceKind::Flashcard) {
        let course = filters
            .course
            .as_ref()
            .map(|c| format!(" AND s.course_id = {c}"))
            .unwrap_or_default();
        parts.push(format!(
            "SELECT 1::int2 AS kind, f.id, s.id AS parent_id, s.title, f.question AS head,
           f.answer AS body, NULL::int4 AS page_number,
           (GREATEST(word_similarity({text}, {question}), word_similarity({text}, {answer}))
            + word_similarity({text}, s.title)
            + ts_rank(to_tsvector('english', f.question || ' ' || f.answer), q.tsq, 32)) / 3
           AS score
    FROM flashcards f JOIN flashcard_sets s ON s.id = f.flashcard_set_id, q
    WHERE s.user_id = {user}{course} AND {cards}",
            question = near("f.question"),
            answer = near("f.answer"),
        ));
    }
    if query.includes(SourceKind::Document) {
        let mut filter = String::new();
        if let Some(c) = &filters.course {
            let _ = write!(filter, " AND d.course_id = {c}");
        }
        if let Some(d) = &filters.document {
            let _ = write!(filter, " AND c.document_id = {d}");
        }
        parts.push(format!(
            "SELECT 2::int2 AS kind, c.id, d.id AS parent_id, d.title, NULL::text AS head,
           c.content AS body, c.page_number,
           (word_similarity({text}, {content}) + word_similarity({text}, d.title)
            + ts_rank(c.content_tsv, q.tsq, 32)) / 3 AS score
    FROM document_search_index c JOIN documents d ON d.id = c.document_id, q
    WHERE c.user_id = {user}{filter} AND {chunks}",
            content = near("c.content"),
        ));
    }
    if parts.is_empty() {
        return None;
    }
    let depth = st.param(Bind::BigInt(i64::from(SearchQuery::FUSION_DEPTH)));
    let hits = parts.join("\n    UNION ALL\n    ");
    let sql = format!(
        r"WITH q AS (SELECT plainto_tsquery('english', {text}) AS tsq),
hits AS (
    {hits}
),
best AS (
    SELECT * FROM hits ORDER BY score DESC, kind, id LIMIT {depth}
)
SELECT b.kind, b.id, b.parent_id, b.title, b.page_number,
       row_number() OVER (ORDER BY b.score DESC, b.kind, b.id) AS rank,
       CASE WHEN w.start > 0 THEN '…' ELSE '' END
       || btrim(regexp_replace(substr(t.text, w.start + 1, w.stop - w.start), '\s+', ' ', 'g'), ' ')
       || CASE WHEN w.stop < t.total THEN '…' ELSE '' END AS snippet,
       NULL::bytea AS embedding
FROM best b
CROSS JOIN LATERAL (
    SELECT CASE WHEN b.head IS NULL THEN b.body ELSE b.head || E'
' || b.body END AS text
) x
CROSS JOIN LATERAL (
    SELECT x.text, char_length(x.text) AS total, lower(x.text) AS lowered
) t
CROSS JOIN LATERAL (SELECT {at} - 1 AS at) p
CROSS JOIN LATERAL (
    SELECT LEAST(GREATEST(p.at - {SNIPPET_LEAD}, 0) + {SNIPPET_CHARS}, t.total) AS stop
) e
CROSS JOIN LATERAL (SELECT GREATEST(e.stop - {SNIPPET_CHARS}, 0) AS start, e.stop) w"
    );
    Some((sql, st))
}

/// Where the first occurrence of any of `words` (placeholders, at least one) starts in
/// `lowered` (a text in lower case), counted in characters from 1; 1 when none occurs.
fn first_match(lowered: &str, words: &[String]) -> String {
    debug_assert!(!words.is_empty(), "LEAST() needs an argument");
    let positions = words
        .iter()
        .map(|word| format!("NULLIF(strpos({lowered}, lower({word})), 0)"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("COALESCE(LEAST({positions}), 1)")
}

/// The part of `column` a lexical hit is ranked on by trigram similarity: [`SNIPPET_CHARS`]
/// characters from [`SNIPPET_LEAD`] characters before the first occurrence of any of the
/// query's `words` ([`first_match`]); the window a document passage's snippet shows (a note's
/// or a flashcard's snippet also shows its title or question first).
///
/// `word_similarity` costs about 0.1 ms on a passage of 750 characters and a fifth of that
/// on such a window, and a search ranks every row that matches: over the whole text, ranking
/// took longer than finding the rows. What the window leaves out: the query's words standing
/// together further on than that first occurrence, or a short word found first inside a
/// longer one, count for less than over the whole text (the full-text rank still counts
/// every occurrence of a whole word).
fn around_first_match(column: &str, words: &[String]) -> String {
    let at = first_match(&format!("lower({column})"), words);
    format!("substr({column}, GREATEST({at} - {SNIPPET_LEAD}, 1), {SNIPPET_CHARS})")
}

/// Whose chunks a vector search for `query` looks at; `None` when it looks at none (no
/// embedding, or only flashcards wanted).
fn vector_sources(query: &SearchQuery) -> Option<Sources> {
    let sources = Sources {
        documents: query.includes(SourceKind::Document),
        notes: query.includes(SourceKind::Note),
    };
    query
        .embedding()
        .filter(|e| searchable(e) && (sources.documents || sources.notes))
        .map(|_| sources)
}

/// The vector statement for `query`: its `candidates` with their vectors and the
/// start of their text, held to the query's filters. `None` when no chunk can match (see
/// [`vector_sources`] and [`vector_params`]).
fn vector_statement(
    user: UserId,
    query: &SearchQuery,
    candidates: Candidates,
) -> Option<(String, Statement)> {
    let sources = vector_sources(query)?;
    let embedding = query.embedding()?;
    let mut st = Statement::default();
    let filters = Filters::of(&mut st, user, query);
    let nearest = candidates.ids(
        &mut st,
        &filters,
        sources,
        embedding,
        candidate_count(SearchQuery::FUSION_DEPTH),
    )?;
    // A note's chunk stands for its note: kind 0, the note's id and title.
    let mut sql = format!(
        "SELECT CASE WHEN c.note_id IS NULL THEN 2 ELSE 0 END::int2 AS kind,
       COALESCE(c.note_id, c.id) AS id, d.id AS parent_id, COALESCE(d.title, nt.title) AS title,
       c.page_number, NULL::int8 AS rank, left(c.content, {}) AS snippet, c.embedding
FROM ({nearest}) n
JOIN document_search_index c ON c.id = n.id AND c.user_id = {}
LEFT JOIN documents d ON d.id = c.document_id
LEFT JOIN notes nt ON nt.id = c.note_id",
        SNIPPET_CHARS + 1,
        filters.user
    );
    // Candidates ranked in memory were chosen from the index as it was a moment ago: the
    // filters hold them to it as it is.
    let mut filter = Vec::new();
    match (sources.documents, sources.notes) {
        (true, false) => filter.push("c.document_id IS NOT NULL".to_owned()),
        (false, true) => filter.push("c.note_id IS NOT NULL".to_owned()),
        _ => {}
    }
    if let Some(document) = &filters.document {
        filter.push(format!("c.document_id = {document}"));
    }
    if let Some(course) = &filters.course {
        filter.push(format!("COALESCE(d.course_id, nt.course_id) = {course}"));
    }
    if !filter.is_empty() {
        let _ = write!(sql, "\nWHERE {}", filter.join(" AND "));
    }
    Some((sql, st))
}

/// The placeholders of `embedding`'s model, bits and length; `None` when no chunk can match
/// it (no values, or more than a bit string holds, or a model PostgreSQL cannot store).
fn vector_params(st: &mut Statement, embedding: &QueryEmbedding) -> Option<VectorParams> {
    if !searchable(embedding) {
        return None;
    }
    let QueryBits { signs, tiers } = QueryBits::of(&embedding.vector)?;
    let dimensions = signs.len;
    Some(VectorParams {
        model: st.param(Bind::Text(embedding.model.clone())),
        signs: st.param(Bind::Bits(signs)),
        tiers: tiers
            .into_iter()
            .map(|tier| st.param(Bind::Bits(tier)))
            .collect(),
        dimensions: st.param(Bind::Integer(dimensions)),
    })
}

/// Whether any chunk can match `embedding`: it has values, no more than a bit string holds,
/// and a model PostgreSQL can store.
fn searchable(embedding: &QueryEmbedding) -> bool {
    !embedding.vector.is_empty()
        && i32::try_from(embedding.vector.len()).is_ok()
        && !embedding.model.contains('\0')
}

/// Ranks vector candidates by exact cosine to `query` (skipping those of another length or
/// with an undefined similarity), most similar first by the similarity as `f32`, ties by id.
fn rank_by_cosine<T>(
    query: &[f32],
    candidates: impl IntoIterator<Item = (Uuid, Option<Vec<f32>>, T)>,
) -> Vec<(f32, Uuid, T)> {
    let mut scored: Vec<(f32, Uuid, T)> = candidates
        .into_iter()
        .filter_map(|(id, vector, row)| {
            Some((cosine_similarity(query, vector.as_deref()?)?, id, row))
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    scored
}

/// What a set of chunks belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Owner {
    Document(DocumentId),
    Note(NoteId),
}

impl Owner {
    const fn entity(self) -> &'static str {
        match self {
            Self::Document(_) => ENTITY,
            Self::Note(_) => "note",
        }
    }
}

impl PostgresStore {
    /// Replaces the chunks of the user's document or note, atomically.
    async fn replace_owned_chunks(
        &self,
        user: UserId,
        owner: Owner,
        chunks: Vec<NewDocumentChunk>,
    ) -> DomainResult<u64> {
        // Validated up front, reported after the ownership check (another user's document
        // or note is `NotFound` whatever the chunks).
        let valid = check_chunks(&chunks);
        let now = self.clock.now();
        let written = u64::try_from(chunks.len()).unwrap_or(u64::MAX);
        let (document_id, note_id) = match owner {
            Owner::Document(id) => (Some(id.as_uuid()), None),
            Owner::Note(id) => (None, Some(id.as_uuid())),
        };
        let rows: Vec<NewChunkRow> = chunks
            .into_iter()
            .map(|chunk| NewChunkRow {
                id: DocumentChunkId::new().as_uuid(),
                document_id,
                note_id,
                user_id: user.as_uuid(),
                content: chunk.content,
                page_number: match owner {
                    Owner::Document(_) => chunk.page_number,
                    Owner::Note(_) => None,
                },
                chunk_index: chunk.chunk_index,
                embedding_bits: chunk.embedding.as_deref().and_then(SignBits::of),
                embedding: chunk.embedding.as_deref().map(embedding_bytes),
                embedding_model: chunk.embedding_model,
                created_at: now,
                updated_at: now,
            })
            .collect();
        let mut conn = self.db.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            // Locks the owner's row against a concurrent replacement (which would otherwise
            // collide on `(document_id, chunk_index)`); `NO KEY` leaves foreign-key checks
            // of other tables unblocked.
            let owned = match owner {
                Owner::Document(id) => documents::table
                    .filter(documents::id.eq(id.as_uuid()))
                    .filter(documents::user_id.eq(user.as_uuid()))
                    .select(documents::id)
                    .for_no_key_update()
                    .limit(1)
                    .one::<Uuid>(conn)
                    .await
                    .optional()?,
                Owner::Note(id) => notes::table
                    .filter(notes::id.eq(id.as_uuid()))
                    .filter(notes::user_id.eq(user.as_uuid()))
                    .select(notes::id)
                    .for_no_key_update()
                    .limit(1)
                    .one::<Uuid>(conn)
                    .await
                    .optional()?,
            };
            if owned.is_none() {
                return Err(DomainError::not_found(owner.entity()).into());
            }
            valid?;
            match owner {
                Owner::Document(id) => {
                    diesel::delete(
                        document_search_index::table
                            .filter(document_search_index::document_id.eq(id.as_uuid())),
                    )
                    .execute(conn)
                    .await?
                }
                Owner::Note(id) => {
                    diesel::delete(
                        document_search_index::table
                            .filter(document_search_index::note_id.eq(id.as_uuid())),
                    )
                    .execute(conn)
                    .await?
                }
            };
            for batch in rows.chunks(INSERT_BATCH) {
                diesel::insert_into(document_search_index::table)
                    .values(batch)
                    .execute(conn)
                    .await?;
            }
            Ok(())
        })
        .await
        .map_err(|e| e.into_domain(owner.entity()))?;
        Ok(written)
    }

    /// Where a vector search for `embedding` takes its best `count` candidates from: the
    /// student's sign bits in memory, ranked there (read again first when their version
    /// moved), or, when the store keeps none for them, the scan in SQL.
    async fn candidates(
        &self,
        conn: &mut diesel_async::AsyncPgConnection,
        user: UserId,
        embedding: &QueryEmbedding,
        scope: &Scope,
        count: usize,
    ) -> QueryResult<Candidates> {
        Ok(
            match self
                .codes
                .resident(
                    conn,
                    user.as_uuid(),
                    &embedding.model,
                    embedding.vector.len(),
                )
                .await?
            {
                Resident::Codes(codes) => {
                    Candidates::Ids(codes.nearest(&embedding.vector, scope, count))
                }
                Resident::Scan => Candidates::Scan,
            },
        )
    }
}

#[async_trait]
impl SearchIndex for PostgresStore {
    async fn replace_chunks(
        &self,
        user: UserId,
        document: DocumentId,
        chunks: Vec<NewDocumentChunk>,
    ) -> DomainResult<u64> {
        self.replace_owned_chunks(user, Owner::Document(document), chunks)
            .await
    }

    async fn replace_note_chunks(
        &self,
        user: UserId,
        note: NoteId,
        chunks: Vec<NewDocumentChunk>,
    ) -> DomainResult<u64> {
        self.replace_owned_chunks(user, Owner::Note(note), chunks)
            .await
    }

    async fn get_chunks(
        &self,
        user: UserId,
        ids: Vec<DocumentChunkId>,
    ) -> DomainResult<Vec<DocumentChunk>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: Vec<Uuid> = ids.iter().map(|id| id.as_uuid()).collect();
        let rows: Vec<ChunkRow> = self
            .db
            .read(ENTITY, async |conn| {
                document_search_index::table
                    .filter(document_search_index::id.eq_any(&wanted))
                    .filter(document_search_index::user_id.eq(user.as_uuid()))
                    .filter(document_search_index::document_id.is_not_null())
                    .select(ChunkRow::as_select())
                    .load(conn)
                    .await
            })
            .await?;
        let mut chunks: Vec<DocumentChunk> = rows
            .into_iter()
            .filter_map(ChunkRow::into_document_chunk)
            .collect();
        chunks.sort_by_key(|chunk| ids.iter().position(|id| *id == chunk.id));
        Ok(chunks)
    }

    async fn list_chunks(
        &self,
        user: UserId,
        document: DocumentId,
    ) -> DomainResult<Vec<DocumentChunk>> {
        // One statement: the document (so a missing one is told from one without chunks)
        // left-joined to its chunks.
        let rows: Vec<Option<ChunkRow>> = self
            .db
            .read(ENTITY, async |conn| {
                documents::table
                    .left_join(document_search_index::table)
                    .filter(documents::id.eq(document.as_uuid()))
                    .filter(documents::user_id.eq(user.as_uuid()))
                    .select(<Option<ChunkRow>>::as_select())
                    .order(document_search_index::chunk_index.asc())
                    .load(conn)
                    .await
            })
            .await?;
        if rows.is_empty() {
            return Err(DomainError::not_found(ENTITY));
        }
        Ok(rows
            .into_iter()
            .flatten()
            .filter_map(ChunkRow::into_document_chunk)
            .collect())
    }

    async fn stale_embeddings(
        &self,
        model: String,
        limit: u32,
    ) -> DomainResult<Vec<(UserId, DocumentId)>> {
        let rows: Vec<(Uuid, Option<Uuid>)> = self
            .db
            .read(ENTITY, async |conn| {
                document_search_index::table
                    .filter(document_search_index::document_id.is_not_null())
                    .filter(document_search_index::embedding_model.is_distinct_from(&model))
                    .select((
                        document_search_index::user_id,
                        document_search_index::document_id,
                    ))
                    .distinct()
                    .limit(i64::from(limit))
                    .load(conn)
                    .await
            })
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(user, id)| Some((user.into(), id?.into())))
            .collect())
    }

    async fn stale_note_embeddings(
        &self,
        model: String,
        limit: u32,
    ) -> DomainResult<Vec<(UserId, NoteId)>> {
        let rows: Vec<(Uuid, Option<Uuid>)> = self
            .db
            .read("note", async |conn| {
                document_search_index::table
                    .filter(document_search_index::note_id.is_not_null())
                    .filter(document_search_index::embedding_model.is_distinct_from(&model))
                    .select((
                        document_search_index::user_id,
                        document_search_index::note_id,
                    ))
                    .distinct()
                    .limit(i64::from(limit))
                    .load(conn)
                    .await
            })
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|(user, id)| Some((user.into(), id?.into())))
            .collect())
    }

    async fn search(&self, user: UserId, query: SearchQuery) -> DomainResult<Vec<SearchHit>> {
        let words = query_words(query.text());
        // PostgreSQL text cannot hold NUL: a word with one matches nothing.
        if words.is_empty() || words.iter().any(|word| word.contains('\0')) {
            return Ok(Vec::new());
        }
        let scope = Scope {
            documents: query.includes(SourceKind::Document),
            notes: query.includes(SourceKind::Note),
            document: query.document_id().map(|d| d.as_uuid()),
            course: query.course_id().map(|c| c.as_uuid()),
        };
        let depth = usize::try_from(candidate_count(SearchQuery::FUSION_DEPTH)).unwrap_or(0);
        // The lexical and the vector part run side by side, each on a connection of its own:
        // a search takes about as long as the slower of the two.
        let lexical = async {
            match lexical_statement(user, &query, &words) {
                Some((sql, statement)) => {
                    self.db
                        .read("search", async |conn| {
                            statement.query(&sql).load::<CandidateRow>(conn).await
                        })
                        .await
                }
                None => Ok(Vec::new()),
            }
        };
        let vector = async {
            let Some(embedding) = query
                .embedding()
                .filter(|_| vector_sources(&query).is_some())
            else {
                return Ok(Vec::new());
            };
            self.db
                .read("search", async |conn| {
                    // The version is read, and the candidates then, on the same connection.
                    let candidates = self
                        .candidates(conn, user, embedding, &scope, depth)
                        .await?;
                    match vector_statement(user, &query, candidates) {
                        Some((sql, statement)) => {
                            statement.query(&sql).load::<CandidateRow>(conn).await
                        }
                        None => Ok(Vec::new()),
                    }
                })
                .await
        };
        let (mut lexical, vector) = tokio::try_join!(lexical, vector)?;
        lexical.sort_by_key(|row| row.rank);
        let lexical = lexical
            .into_iter()
            .map(|row| row.into_hit(0.0))
            .collect::<DomainResult<Vec<_>>>()?;
        let mut seen = BTreeSet::new();
        let vector = match query.embedding() {
            Some(embedding) => rank_by_cosine(
                &embedding.vector,
                vector
                    .into_iter()
                    .map(|mut row| (row.id, read_embedding(row.embedding.take()), row)),
            )
            .into_iter()
            // A note found by several chunks counts once, by its most similar.
            .filter(|(_, _, row)| seen.insert((row.kind, row.id)))
            .take(usize::try_from(SearchQuery::FUSION_DEPTH).unwrap_or(usize::MAX))
            .map(|(similarity, _, row)| {
                let snippet = opening_snippet(&row.snippet);
                CandidateRow { snippet, ..row }.into_hit(similarity)
            })
            .collect::<DomainResult<Vec<_>>>()?,
            None => Vec::new(),
        };
        let limit = usize::try_from(query.limit()).unwrap_or(usize::MAX);
        Ok(fuse_rankings(lexical, vector, limit))
    }

    async fn nearest_chunks(
        &self,
        user: UserId,
        embedding: QueryEmbedding,
        limit: u32,
    ) -> DomainResult<Vec<ChunkMatch>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        if !searchable(&embedding) {
            return Ok(Vec::new());
        }
        let scope = Scope {
            documents: true,
            notes: false,
            document: None,
            course: None,
        };
        let count = candidate_count(limit);
        let rows: Vec<ChunkMatchRow> = self
            .db
            .read("search", async |conn| {
                let candidates = self
                    .candidates(
                        conn,
                        user,
                        &embedding,
                        &scope,
                        usize::try_from(count).unwrap_or(0),
                    )
                    .await?;
                let mut st = Statement::default();
                let filters = Filters {
                    user: st.param(Bind::Uuid(user.as_uuid())),
                    course: None,
                    document: None,
                };
                let sources = Sources {
                    documents: true,
                    notes: false,
                };
                let Some(nearest) = candidates.ids(&mut st, &filters, sources, &embedding, count)
                else {
                    return Ok(Vec::new());
                };
                let sql = format!(
                    "SELECT c.id, c.document_id, c.content, c.page_number, c.chunk_index,
       c.embedding, c.embedding_model, c.created_at, c.updated_at, d.title AS document_title
FROM ({nearest}) n
JOIN document_search_index c ON c.id = n.id AND c.user_id = {}
JOIN documents d ON d.id = c.document_id",
                    filters.user
                );
                st.query(&sql).load(conn).await
            })
            .await?;
        let ranked = rank_by_cosine(
            &embedding.vector,
            rows.into_iter().filter_map(|row| {
                let chunk = row.chunk.into_document_chunk()?;
                Some((
                    chunk.id.as_uuid(),
                    chunk.embedding.clone(),
                    (chunk, row.document_title),
                ))
            }),
        );
        Ok(ranked
            .into_iter()
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|(similarity, _, (chunk, document_title))| ChunkMatch {
                chunk,
                document_title,
                similarity,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_escape_like_wildcards() {
        assert_eq!(contains_pattern("50%"), r"%50\%%");
        assert_eq!(contains_pattern("a_b"), r"%a\_b%");
        assert_eq!(contains_pattern(r"c:\x"), r"%c:\\x%");
        assert_eq!(contains_pattern("é🦀"), "%é🦀%");
    }

    #[test]
    fn words_are_split_and_deduplicated_in_any_case() {
        assert_eq!(
            query_words("  Plant  sug plant PLANT x "),
            ["Plant", "sug", "x"]
        );
    }

    #[test]
    fn query_bits_weigh_the_larger_components_more() {
        let bits = QueryBits::of(&[1.0, -0.5, 0.2, 0.0, 0.8, -1.0, 0.3, 0.6, -0.1]).unwrap();
        assert_eq!(
            (bits.signs.len, bits.signs.bytes.clone()),
            (9, vec![0b1010_1011, 0])
        );
        let tiers: Vec<Vec<u8>> = bits.tiers.iter().map(|t| t.bytes.clone()).collect();
        // At least 1/4, 2/4 and 3/4 of the largest magnitude (1.0).
        assert_eq!(
            tiers,
            [
                vec![0b1100_1111, 0],
                vec![0b1100_1101, 0],
                vec![0b1000_1100, 0]
            ]
        );
    }

    #[test]
    fn the_statements_number_their_parameters() {
        let query = SearchQuery::new("a b", None).unwrap();
        let (sql, st) = lexical_statement(UserId::new(), &query, &["a", "b"]).unwrap();
        // $1 user, $2 text, then pattern and word per word, then the depth.
        assert!(sql.contains("n.title ILIKE $3 OR n.content ILIKE $3"));
        assert!(sql.contains("c.content ILIKE $5"));
        assert!(sql.contains("lower($6)"));
        assert!(sql.contains("LIMIT $7"));
        assert!(!sql.contains("$8") && !sql.contains("bit_count"));
        assert_eq!(st.binds.len(), 7);
        assert!(vector_statement(UserId::new(), &query, Candidates::Scan).is_none());

        let query = query
            .with_course(CourseId::new())
            .with_document(DocumentId::new())
            .with_embedding(QueryEmbedding {
                model: "m".to_owned(),
                vector: vec![1.0, -1.0],
            });
        let (sql, st) = lexical_statement(UserId::new(), &query, &["a"]).unwrap();
        assert!(sql.contains("d.course_id = $2") && sql.contains("c.document_id = $3"));
        assert!(!sql.contains("bit_count"));
        assert_eq!(st.binds.len(), 7);
        assert!(
            !sql.contains("FROM notes"),
            "a document filter searches notes"
        );
        let (sql, st) = vector_statement(UserId::new(), &query, Candidates::Scan).unwrap();
        // $1 user, $2 course, $3 document, $4 the model, $5 the signs, $6 to $8 the tiers,
        // $9 the length, $10 the count.
        assert!(sql.contains("h.embedding_model = $4") && sql.contains("# $5"));
        assert!(sql.contains("bit_count(x.d) + bit_count(x.d & $6)"));
        assert!(sql.contains("bit_count(x.d & $8), h.id"));
        assert!(sql.contains("length(h.embedding_bits) = $9") && sql.contains("LIMIT $10"));
        assert!(sql.contains("c.document_id = $3") && sql.contains("nt.course_id) = $2"));
        assert_eq!(st.binds.len(), 10);
        // Candidates from memory: their ids are $4, held to the same filters.
        let (sql, st) =
            vector_statement(UserId::new(), &query, Candidates::Ids(vec![Uuid::nil()])).unwrap();
        assert!(sql.contains("FROM (SELECT unnest($4) AS id) n") && !sql.contains("bit_count"));
        assert!(sql.contains("c.user_id = $1") && sql.contains("c.document_id = $3"));
        assert!(sql.contains("nt.course_id) = $2"));
        assert_eq!(st.binds.len(), 4);
        // Memory found none: nothing to read.
        assert!(vector_statement(UserId::new(), &query, Candidates::Ids(Vec::new())).is_none());
    }

    #[test]
    fn nothing_is_searched_when_every_kind_is_filtered_out() {
        let query = SearchQuery::new("a", None)
            .unwrap()
            .with_document(DocumentId::new())
            .with_kinds([SourceKind::Note]);
        assert!(lexical_statement(UserId::new(), &query, &["a"]).is_none());
        let query = query.with_embedding(QueryEmbedding {
            model: "m".to_owned(),
            vector: vec![1.0],
        });
        assert!(vector_statement(UserId::new(), &query, Candidates::Scan).is_none());
        let query = SearchQuery::new("a", None)
            .unwrap()
            .with_kinds([SourceKind::Flashcard])
            .with_embedding(QueryEmbedding {
                model: "m".to_owned(),
                vector: vec![1.0],
            });
        assert!(lexical_statement(UserId::new(), &query, &["a"]).is_some());
        assert!(vector_statement(UserId::new(), &query, Candidates::Scan).is_none());
    }

    #[test]
    fn sign_bits_are_the_positive_components_most_significant_first() {
        let bits = SignBits::of(&[1.0, -1.0, 0.0, 0.5, -0.0, 2.0, 3.0, -4.0, 0.1]).unwrap();
        assert_eq!(bits.len, 9);
        assert_eq!(bits.bytes, [0b1001_0110, 0b1000_0000]);
        assert_eq!(SignBits::of(&[]).unwrap().bytes, Vec::<u8>::new());
    }

    #[test]
    fn embeddings_are_stored_as_big_endian_values_and_read_back_whole() {
        let vector = [1.5, -2.25, 0.1, f32::MIN_POSITIVE / 4.0, -0.0, f32::MAX];
        let bytes = embedding_bytes(&vector);
        assert_eq!(bytes[..8], [0x3f, 0xc0, 0, 0, 0xc0, 0x10, 0, 0]);
        let back = read_embedding(Some(bytes.clone())).unwrap();
        assert_eq!(
            back.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            vector.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        assert_eq!(read_embedding(Some(bytes[..5].to_vec())), None);
        assert_eq!(read_embedding(None), None);
    }

    #[test]
    fn candidates_grow_with_what_is_wanted_from_a_floor() {
        assert_eq!(candidate_count(1), i64::from(MIN_CANDIDATES));
        assert_eq!(candidate_count(1_000), i64::from(1_000 * CANDIDATE_FACTOR));
        assert!(candidate_count(u32::MAX) > 0);
    }
}
