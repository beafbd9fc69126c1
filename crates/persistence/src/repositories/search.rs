//! The search index on PostgreSQL: document chunks (`document_search_index`), lexical search
//! over the student's notes, flashcards and chunks, and vector search over chunk embeddings.
//!
//! Lexical search is one statement: a `UNION ALL` of the three kinds, each row matching when
//! every word of the query occurs in it case-insensitively (`ILIKE '%word%'` per word, which
//! the trigram GIN indexes serve), ranked by trigram word similarity and full-text rank, with
//! a snippet cut around the first match in SQL (only for the rows returned).
//!
//! Vector search computes the cosine similarity in SQL (no pgvector): the embeddings are
//! `real[]`, zipped with the query by `unnest(a, b)`. It scans the user's chunks of the same
//! dimension; only the best `limit` rows leave the database.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Float4, Integer, Nullable, SmallInt, Text};
use diesel_async::{AsyncConnection, RunQueryDsl};
use sophie_domain::{
    ChunkMatch, DocumentChunk, DocumentChunkId, DocumentId, DomainError, DomainResult,
    NewDocumentChunk, SearchHit, SearchIndex, SearchQuery, SourceKind, UserId,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::StoreError;
use crate::schema::{document_search_index, documents};
use crate::store::PostgresStore;

const ENTITY: &str = "document";

/// How many chunks one `INSERT` writes at most: 8 parameters a row stay well below
/// PostgreSQL's 65,535 parameters a statement.
const INSERT_BATCH: usize = 4_096;

/// How many characters of text a snippet shows, at most (besides the ellipses).
const SNIPPET_CHARS: usize = 160;
/// How many characters of a snippet come before the first match, when there are that many.
const SNIPPET_LEAD: usize = 60;

#[derive(Queryable, Selectable, QueryableByName)]
#[diesel(table_name = document_search_index, check_for_backend(diesel::pg::Pg))]
struct ChunkRow {
    id: Uuid,
    document_id: Uuid,
    content: String,
    page_number: Option<i32>,
    chunk_index: i32,
    embedding: Option<Vec<Option<f32>>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<ChunkRow> for DocumentChunk {
    fn from(row: ChunkRow) -> Self {
        Self {
            id: row.id.into(),
            document_id: row.document_id.into(),
            content: row.content,
            page_number: row.page_number,
            chunk_index: row.chunk_index,
            // sophie never writes NULL elements; an embedding with one is no embedding.
            embedding: row
                .embedding
                .and_then(|values| values.into_iter().collect::<Option<Vec<f32>>>()),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = document_search_index, treat_none_as_default_value = false)]
struct NewChunkRow {
    id: Uuid,
    document_id: Uuid,
    content: String,
    page_number: Option<i32>,
    chunk_index: i32,
    embedding: Option<Vec<Option<f32>>>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(QueryableByName)]
struct HitRow {
    #[diesel(sql_type = SmallInt)]
    kind: i16,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    parent_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    snippet: String,
    #[diesel(sql_type = Nullable<Integer>)]
    page_number: Option<i32>,
    #[diesel(sql_type = Float4)]
    score: f32,
}

impl TryFrom<HitRow> for SearchHit {
    type Error = DomainError;

    fn try_from(row: HitRow) -> Result<Self, Self::Error> {
        let kind = match row.kind {
            0 => SourceKind::Note,
            1 => SourceKind::Flashcard,
            2 => SourceKind::Document,
            other => {
                return Err(DomainError::internal(format!(
                    "search returned an unknown kind {other}"
                )));
            }
        };
        Ok(Self {
            kind,
            id: row.id,
            parent_id: row.parent_id,
            title: row.title,
            snippet: row.snippet,
            page_number: row.page_number,
            score: row.score,
        })
    }
}

#[derive(QueryableByName)]
struct ChunkMatchRow {
    #[diesel(embed)]
    chunk: ChunkRow,
    #[diesel(sql_type = Text)]
    document_title: String,
    #[diesel(sql_type = Float4)]
    similarity: f32,
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

/// The search statement for `words` query words. Parameters: `$1` the user, `$2` the query
/// text, `$3` the limit, then for word `i` (from 0) its `ILIKE` pattern `$(4 + 2i)` and the
/// word itself `$(5 + 2i)`. Only placeholders are formatted in; no input reaches the text.
fn search_sql(words: usize) -> String {
    let mut notes = String::new();
    let mut cards = String::new();
    let mut chunks = String::new();
    let mut positions = String::new();
    for i in 0..words {
        let pattern = 4 + 2 * i;
        let word = pattern + 1;
        let sep = if i == 0 { "" } else { " AND " };
        let _ = write!(
            notes,
            "{sep}(n.title ILIKE ${pattern} OR n.content ILIKE ${pattern})"
        );
        let _ = write!(
            cards,
            "{sep}(f.question ILIKE ${pattern} OR f.answer ILIKE ${pattern})"
        );
        let _ = write!(chunks, "{sep}c.content ILIKE ${pattern}");
        let sep = if i == 0 { "" } else { ", " };
        let _ = write!(
            positions,
            "{sep}NULLIF(strpos(t.lowered, lower(${word})), 0)"
        );
    }
    format!(
        r"WITH q AS (SELECT plainto_tsquery('english', $2) AS tsq),
hits AS (
    SELECT 0::int2 AS kind, n.id, NULL::uuid AS parent_id, n.title,
           n.title AS head, n.content AS body, NULL::int4 AS page_number,
           (word_similarity($2, n.content) + word_similarity($2, n.title)
            + ts_rank(n.content_tsv, q.tsq, 32)) / 3 AS score
    FROM notes n, q
    WHERE n.user_id = $1 AND {notes}
    UNION ALL
    SELECT 1::int2, f.id, s.id, s.title, f.question, f.answer, NULL::int4,
           (GREATEST(word_similarity($2, f.question), word_similarity($2, f.answer))
            + word_similarity($2, s.title)
            + ts_rank(to_tsvector('english', f.question || ' ' || f.answer), q.tsq, 32)) / 3
    FROM flashcards f JOIN flashcard_sets s ON s.id = f.flashcard_set_id, q
    WHERE s.user_id = $1 AND {cards}
    UNION ALL
    SELECT 2::int2, c.id, d.id, d.title, NULL::text, c.content, c.page_number,
           (word_similarity($2, c.content) + word_similarity($2, d.title)
            + ts_rank(c.content_tsv, q.tsq, 32)) / 3
    FROM document_search_index c JOIN documents d ON d.id = c.document_id, q
    WHERE d.user_id = $1 AND {chunks}
),
best AS (
    SELECT * FROM hits ORDER BY score DESC, kind, id LIMIT $3
)
SELECT b.kind, b.id, b.parent_id, b.title, b.page_number, b.score::real AS score,
       CASE WHEN w.start > 0 THEN '…' ELSE '' END
       || btrim(regexp_replace(substr(t.text, w.start + 1, w.stop - w.start), '\s+', ' ', 'g'), ' ')
       || CASE WHEN w.stop < t.total THEN '…' ELSE '' END AS snippet
FROM best b
CROSS JOIN LATERAL (
    SELECT CASE WHEN b.head IS NULL THEN b.body ELSE b.head || E'\n' || b.body END AS text
) x
CROSS JOIN LATERAL (
    SELECT x.text, char_length(x.text) AS total, lower(x.text) AS lowered
) t
CROSS JOIN LATERAL (SELECT COALESCE(LEAST({positions}), 1) - 1 AS at) p
CROSS JOIN LATERAL (
    SELECT LEAST(GREATEST(p.at - {SNIPPET_LEAD}, 0) + {SNIPPET_CHARS}, t.total) AS stop
) e
CROSS JOIN LATERAL (SELECT GREATEST(e.stop - {SNIPPET_CHARS}, 0) AS start, e.stop) w
ORDER BY b.score DESC, b.kind, b.id"
    )
}

/// The cosine similarity of the user's chunk embeddings of dimension `$3` to `$2`, best
/// first; `$1` the user, `$4` the limit. Undefined similarities (a zero vector, non-finite
/// values: NaN sorts above every number in PostgreSQL) are skipped, as in memory.
const NEAREST_SQL: &str = r"SELECT c.id, c.document_id, c.content, c.page_number, c.chunk_index,
       c.embedding, c.created_at, c.updated_at, d.title AS document_title,
       GREATEST(-1.0, LEAST(1.0, s.cosine))::real AS similarity
FROM document_search_index c
JOIN documents d ON d.id = c.document_id
CROSS JOIN LATERAL (
    SELECT SUM(t.x::float8 * t.y::float8)
           / NULLIF(sqrt(SUM(t.x::float8 * t.x::float8)) * sqrt(SUM(t.y::float8 * t.y::float8)), 0)
           AS cosine
    FROM unnest(c.embedding, $2::real[]) AS t(x, y)
) s
WHERE d.user_id = $1
  AND array_ndims(c.embedding) = 1
  AND array_length(c.embedding, 1) = $3
  AND array_position(c.embedding, NULL) IS NULL
  AND s.cosine BETWEEN -2 AND 2
ORDER BY similarity DESC, c.id
LIMIT $4";

#[async_trait]
impl SearchIndex for PostgresStore {
    async fn replace_chunks(
        &self,
        user: UserId,
        document: DocumentId,
        chunks: Vec<NewDocumentChunk>,
    ) -> DomainResult<u64> {
        // Validated up front, reported after the ownership check (another user's document
        // is `NotFound` whatever the chunks).
        let valid = check_chunks(&chunks);
        let now = self.clock.now();
        let written = u64::try_from(chunks.len()).unwrap_or(u64::MAX);
        let rows: Vec<NewChunkRow> = chunks
            .into_iter()
            .map(|chunk| NewChunkRow {
                id: DocumentChunkId::new().as_uuid(),
                document_id: document.as_uuid(),
                content: chunk.content,
                page_number: chunk.page_number,
                chunk_index: chunk.chunk_index,
                embedding: chunk
                    .embedding
                    .map(|values| values.into_iter().map(Some).collect()),
                created_at: now,
                updated_at: now,
            })
            .collect();
        let mut conn = self.db.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| {
            // Locks the document's row against a concurrent replacement (which would
            // otherwise collide on `(document_id, chunk_index)`); `NO KEY` leaves foreign-key
            // checks of other tables unblocked.
            let owned = documents::table
                .filter(documents::id.eq(document.as_uuid()))
                .filter(documents::user_id.eq(user.as_uuid()))
                .select(documents::id)
                .for_no_key_update()
                .limit(1)
                .one::<Uuid>(conn)
                .await
                .optional()?;
            if owned.is_none() {
                return Err(DomainError::not_found(ENTITY).into());
            }
            valid?;
            diesel::delete(
                document_search_index::table
                    .filter(document_search_index::document_id.eq(document.as_uuid())),
            )
            .execute(conn)
            .await?;
            for batch in rows.chunks(INSERT_BATCH) {
                diesel::insert_into(document_search_index::table)
                    .values(batch)
                    .execute(conn)
                    .await?;
            }
            Ok(())
        })
        .await
        .map_err(|e| e.into_domain(ENTITY))?;
        Ok(written)
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
            .map(DocumentChunk::from)
            .collect())
    }

    async fn search(&self, user: UserId, query: SearchQuery) -> DomainResult<Vec<SearchHit>> {
        let words = query_words(query.text());
        // PostgreSQL text cannot hold NUL: a word with one matches nothing.
        if words.is_empty() || words.iter().any(|word| word.contains('\0')) {
            return Ok(Vec::new());
        }
        let statement = || {
            let mut statement = diesel::sql_query(search_sql(words.len()))
                .into_boxed()
                .bind::<diesel::sql_types::Uuid, _>(user.as_uuid())
                .bind::<Text, _>(query.text().to_owned())
                .bind::<BigInt, _>(i64::from(query.limit()));
            for word in &words {
                statement = statement
                    .bind::<Text, _>(contains_pattern(word))
                    .bind::<Text, _>((*word).to_owned());
            }
            statement
        };
        let rows: Vec<HitRow> = self
            .db
            .read("search", async |conn| statement().load(conn).await)
            .await?;
        rows.into_iter().map(SearchHit::try_from).collect()
    }

    async fn nearest_chunks(
        &self,
        user: UserId,
        embedding: Vec<f32>,
        limit: u32,
    ) -> DomainResult<Vec<ChunkMatch>> {
        let Ok(dimension) = i32::try_from(embedding.len()) else {
            return Ok(Vec::new());
        };
        if dimension == 0 || limit == 0 {
            return Ok(Vec::new());
        }
        let rows: Vec<ChunkMatchRow> = self
            .db
            .read("search", async |conn| {
                diesel::sql_query(NEAREST_SQL)
                    .bind::<diesel::sql_types::Uuid, _>(user.as_uuid())
                    .bind::<Array<Float4>, _>(&embedding)
                    .bind::<Integer, _>(dimension)
                    .bind::<BigInt, _>(i64::from(limit))
                    .load(conn)
                    .await
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| ChunkMatch {
                chunk: DocumentChunk::from(row.chunk),
                document_title: row.document_title,
                similarity: row.similarity,
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
    fn the_statement_numbers_its_parameters() {
        let sql = search_sql(2);
        assert!(sql.contains("n.title ILIKE $4 OR n.content ILIKE $4"));
        assert!(sql.contains("c.content ILIKE $6"));
        assert!(sql.contains("lower($7)"));
        assert!(!sql.contains("$8"));
    }
}
