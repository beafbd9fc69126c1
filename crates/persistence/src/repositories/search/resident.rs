//! The sign bits of a student's chunks held in memory, so that vector search ranks them
//! without scanning them in PostgreSQL.
//!
//! Ranking 100,000 chunks by their bits in SQL costs tens of milliseconds, an expression
//! evaluated row by row; here it costs a few, with a table of sums per byte of the query. A
//! server keeps the [`Codes`] of the students it searches for in a [`CodeCache`] bounded in
//! bytes, the least recently used dropped first.
//!
//! Codes are never used stale. Triggers raise a student's version in `search_index_versions`
//! with every statement that changes the student's chunks (cascades included) or moves one of
//! the student's documents or notes to another course. Every search reads that version first,
//! on the connection it then searches on, and reloads the codes when it has moved. So any
//! number of servers share one database, each answering from the index as PostgreSQL holds it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::{Owner, SignBits};
use crate::schema::search_index_versions;
use crate::schema::sql_types::Varbit;
use sophie_domain::{DocumentId, NoteId};

/// Which chunks a vector search may return.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Scope {
    /// Chunks of documents.
    pub documents: bool,
    /// Chunks of notes.
    pub notes: bool,
    /// Only the chunks of this document.
    pub document: Option<Uuid>,
    /// Only the chunks of this course's documents and notes.
    pub course: Option<Uuid>,
}

impl Scope {
    fn admits(&self, owner: Owner, course: Option<Uuid>) -> bool {
        let source = match owner {
            Owner::Document(id) => {
                self.documents && self.document.is_none_or(|d| d == id.as_uuid())
            }
            Owner::Note(_) => self.notes && self.document.is_none(),
        };
        source && self.course.is_none_or(|c| course == Some(c))
    }
}

/// The sign bits of a student's chunks of one model and length, as of one version of the
/// student's search index.
#[derive(Debug)]
pub(super) struct Codes {
    version: i64,
    /// Bits a code.
    dimensions: usize,
    /// Bytes a code.
    width: usize,
    ids: Vec<Uuid>,
    owners: Vec<Owner>,
    courses: Vec<Option<Uuid>>,
    /// The codes one after another, `width` bytes each, most significant bit first.
    bits: Vec<u8>,
}

impl Codes {
    fn empty(version: i64, dimensions: usize) -> Self {
        Self {
            version,
            dimensions,
            width: dimensions.div_ceil(8),
            ids: Vec::new(),
            owners: Vec::new(),
            courses: Vec::new(),
            bits: Vec::new(),
        }
    }

    /// Adds a chunk; a code of another length is left out.
    fn push(&mut self, id: Uuid, owner: Owner, course: Option<Uuid>, code: &SignBits) {
        if usize::try_from(code.len).ok() != Some(self.dimensions) || code.bytes.len() != self.width
        {
            return;
        }
        self.ids.push(id);
        self.owners.push(owner);
        self.courses.push(course);
        self.bits.extend_from_slice(&code.bytes);
    }

    /// How many chunks.
    pub(super) fn len(&self) -> usize {
        self.ids.len()
    }

    /// About how many bytes of memory the codes take.
    fn bytes(&self) -> usize {
        self.len() * Self::bytes_each(self.dimensions)
    }

    /// About how many bytes of memory one chunk's code of `dimensions` bits takes.
    fn bytes_each(dimensions: usize) -> usize {
        size_of::<Uuid>() + size_of::<Owner>() + size_of::<Option<Uuid>>() + dimensions.div_ceil(8)
    }

    /// The ids of the `count` chunks in `scope` nearest to `query`, in no order.
    ///
    /// A chunk's sign bits stand for the vector `s` with `s_i = ±1`, and chunks are ranked by
    /// `query · s`, the cosine between the query and `s` up to a constant factor: a sign that
    /// disagrees costs as much as the query's component is large. The sum is read from a
    /// table of 256 partial sums a byte of the code. Ties go to the smaller id, as in SQL.
    pub(super) fn nearest(&self, query: &[f32], scope: &Scope, count: usize) -> Vec<Uuid> {
        if query.len() != self.dimensions || count == 0 {
            return Vec::new();
        }
        let table = byte_sums(query, self.width);
        let mut scored: Vec<(f32, usize)> = self
            .bits
            .chunks_exact(self.width)
            .enumerate()
            .filter(|(i, _)| scope.admits(self.owners[*i], self.courses[*i]))
            .map(|(i, code)| {
                let sum = table
                    .chunks_exact(256)
                    .zip(code)
                    .map(|(sums, byte)| sums[usize::from(*byte)])
                    .sum::<f32>();
                (sum, i)
            })
            .collect();
        if scored.len() > count {
            scored.select_nth_unstable_by(count, |a, b| {
                b.0.total_cmp(&a.0)
                    .then_with(|| self.ids[a.1].cmp(&self.ids[b.1]))
            });
            scored.truncate(count);
        }
        scored.into_iter().map(|(_, i)| self.ids[i]).collect()
    }
}

/// For each byte `j` of a code, the 256 sums of the query's components `8j..8j+8` whose bits
/// the byte sets: `sums[256 j + b]`.
fn byte_sums(query: &[f32], width: usize) -> Vec<f32> {
    let mut sums = vec![0.0_f32; width * 256];
    for (j, table) in sums.chunks_exact_mut(256).enumerate() {
        for byte in 1_usize..256 {
            // The lowest bit set, `1 << k`, is component `8j + 7 - k` (most significant first).
            let k = byte.trailing_zeros() as usize;
            let component = query.get(8 * j + 7 - k).copied().unwrap_or(0.0);
            table[byte] = table[byte & (byte - 1)] + component;
        }
    }
    sums
}

/// What a search uses for a student's vectors.
pub(super) enum Resident {
    /// The student's codes, current.
    Codes(Arc<Codes>),
    /// None kept (resident codes are off, or the student's are over the budget): the bits
    /// are scanned in SQL.
    Scan,
}

/// A student's codes of one model and length.
type Key = (Uuid, String, usize);

enum Held {
    Codes(Arc<Codes>),
    /// At this version the codes were over the budget.
    TooLarge(i64),
}

impl Held {
    /// The version of the student's index this holds for.
    fn version(&self) -> i64 {
        match self {
            Self::Codes(codes) => codes.version,
            Self::TooLarge(version) => *version,
        }
    }
}

struct Slot {
    held: Held,
    /// What it counts against the budget: the codes' bytes and [`SLOT_BYTES`].
    bytes: usize,
    /// When last used, on [`Entries::tick`].
    used: u64,
}

/// What a slot counts against the budget besides its codes (its key and place in the map),
/// so that a great many students with no chunks cannot grow the cache without bound either.
const SLOT_BYTES: usize = 128;

#[derive(Default)]
struct Entries {
    slots: HashMap<Key, Slot>,
    /// The bytes the slots count.
    bytes: usize,
    tick: u64,
}

impl Entries {
    fn remove(&mut self, key: &Key) {
        if let Some(slot) = self.slots.remove(key) {
            self.bytes -= slot.bytes;
        }
    }
}

/// Codes of the students a server searches for, at most `budget` bytes of them.
pub(crate) struct CodeCache {
    budget: usize,
    entries: Mutex<Entries>,
}

impl std::fmt::Debug for CodeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeCache")
            .field("budget", &self.budget)
            .finish_non_exhaustive()
    }
}

#[derive(QueryableByName)]
struct CodeRow {
    #[diesel(sql_type = BigInt)]
    version: i64,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    id: Option<Uuid>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    document_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    note_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Uuid>)]
    course_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Varbit>)]
    bits: Option<SignBits>,
}

/// The student's version: 0 before any change.
const VERSION: &str = "SELECT COALESCE((SELECT v.version FROM search_index_versions v \
                       WHERE v.user_id = $1), 0) AS version";

impl CodeCache {
    /// A cache of at most `budget` bytes; 0 keeps nothing and every search scans in SQL.
    pub(crate) fn new(budget: usize) -> Self {
        Self {
            budget,
            entries: Mutex::new(Entries::default()),
        }
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, Entries> {
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The student's current codes of `model` and `dimensions`, read from `conn` when those
    /// kept are missing or stale.
    pub(super) async fn resident(
        &self,
        conn: &mut AsyncPgConnection,
        user: Uuid,
        model: &str,
        dimensions: usize,
    ) -> QueryResult<Resident> {
        if self.budget == 0 {
            return Ok(Resident::Scan);
        }
        // The student's version: 0 before any change. A statement of the query builder, so
        // each connection prepares it once.
        let version = search_index_versions::table
            .find(user)
            .select(search_index_versions::version)
            .load::<i64>(conn)
            .await?
            .into_iter()
            .next()
            .unwrap_or(0);
        let key = (user, model.to_owned(), dimensions);
        {
            let mut entries = self.entries();
            entries.tick += 1;
            let tick = entries.tick;
            if let Some(slot) = entries.slots.get_mut(&key) {
                if slot.held.version() == version {
                    slot.used = tick;
                    return Ok(match &slot.held {
                        Held::Codes(codes) => Resident::Codes(Arc::clone(codes)),
                        Held::TooLarge(_) => Resident::Scan,
                    });
                }
                // Stale: read again below.
                entries.remove(&key);
            }
        }
        // Read no more than fit: a student over the budget is noted so, never held in part.
        let room = self.budget.saturating_sub(SLOT_BYTES) / Codes::bytes_each(dimensions);
        let codes = load(conn, user, model, dimensions, room.saturating_add(1)).await?;
        if codes.len() > room {
            self.keep_too_large(key, codes.version);
            return Ok(Resident::Scan);
        }
        let codes = Arc::new(codes);
        self.keep(key, &codes);
        Ok(Resident::Codes(codes))
    }

    /// Keeps `codes`, dropping the least recently used to make room (codes over the budget
    /// alone are noted so instead). Codes older than those kept (read by a search that a
    /// later one overtook) are not kept.
    fn keep(&self, key: Key, codes: &Arc<Codes>) {
        if codes.bytes() + SLOT_BYTES > self.budget {
            self.keep_too_large(key, codes.version);
            return;
        }
        self.put(
            key,
            Held::Codes(Arc::clone(codes)),
            codes.bytes() + SLOT_BYTES,
        );
    }

    /// Notes that at `version` the student's codes are over the budget: until their version
    /// moves, their searches rank in SQL without reading them.
    fn keep_too_large(&self, key: Key, version: i64) {
        self.put(key, Held::TooLarge(version), SLOT_BYTES);
    }

    fn put(&self, key: Key, held: Held, bytes: usize) {
        let mut entries = self.entries();
        if entries
            .slots
            .get(&key)
            .is_some_and(|slot| slot.held.version() > held.version())
        {
            return;
        }
        entries.remove(&key);
        entries.tick += 1;
        let used = entries.tick;
        while entries.bytes + bytes > self.budget {
            let Some(oldest) = entries
                .slots
                .iter()
                .min_by_key(|(_, slot)| slot.used)
                .map(|(key, _)| key.clone())
            else {
                break;
            };
            entries.remove(&oldest);
        }
        if bytes <= self.budget {
            entries.bytes += bytes;
            entries.slots.insert(key, Slot { held, bytes, used });
        }
    }
}

/// The student's codes of `model` and `dimensions` with their version, at most `limit` of
/// them, in one statement (so from one snapshot): a row with the version (and no id), and a
/// row a chunk.
async fn load(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    model: &str,
    dimensions: usize,
    limit: usize,
) -> QueryResult<Codes> {
    let rows: Vec<CodeRow> = diesel::sql_query(format!(
        "{VERSION}, NULL::uuid AS id, NULL::uuid AS document_id, NULL::uuid AS note_id,
       NULL::uuid AS course_id, NULL::varbit AS bits
UNION ALL
(SELECT 0, h.id, h.document_id, h.note_id, COALESCE(d.course_id, n.course_id),
        h.embedding_bits
 FROM document_search_index h
 LEFT JOIN documents d ON d.id = h.document_id
 LEFT JOIN notes n ON n.id = h.note_id
 WHERE h.user_id = $1 AND h.embedding_model = $2 AND length(h.embedding_bits) = $3
 LIMIT $4)"
    ))
    .bind::<diesel::sql_types::Uuid, _>(user)
    .bind::<Text, _>(model)
    .bind::<Integer, _>(i32::try_from(dimensions).unwrap_or(i32::MAX))
    .bind::<BigInt, _>(i64::try_from(limit).unwrap_or(i64::MAX))
    .load(conn)
    .await?;
    let mut codes = Codes::empty(0, dimensions);
    for row in rows {
        let Some(id) = row.id else {
            codes.version = row.version;
            continue;
        };
        let owner = match (row.document_id, row.note_id) {
            (Some(document), _) => Owner::Document(DocumentId::from(document)),
            (None, Some(note)) => Owner::Note(NoteId::from(note)),
            (None, None) => continue,
        };
        if let Some(bits) = row.bits {
            codes.push(id, owner, row.course_id, &bits);
        }
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(version: i64, vectors: &[(u128, Owner, Option<u128>, &[f32])]) -> Codes {
        let dimensions = vectors.first().map_or(0, |v| v.3.len());
        let mut codes = Codes::empty(version, dimensions);
        for (id, owner, course, vector) in vectors {
            codes.push(
                Uuid::from_u128(*id),
                *owner,
                course.map(Uuid::from_u128),
                &SignBits::of(vector).unwrap(),
            );
        }
        codes
    }

    fn document(n: u128) -> Owner {
        Owner::Document(DocumentId::from(Uuid::from_u128(n)))
    }

    fn note(n: u128) -> Owner {
        Owner::Note(NoteId::from(Uuid::from_u128(n)))
    }

    const ALL: Scope = Scope {
        documents: true,
        notes: true,
        document: None,
        course: None,
    };

    fn sorted(mut ids: Vec<Uuid>) -> Vec<u128> {
        ids.sort();
        ids.iter().map(Uuid::as_u128).collect()
    }

    #[test]
    fn byte_sums_add_the_components_whose_bits_are_set() {
        let query: Vec<f32> = (0..11).map(|i| (i as f32) - 4.5).collect();
        let sums = byte_sums(&query, 2);
        // 0b1010_0001: components 0, 2 and 7.
        assert_eq!(sums[0b1010_0001], query[0] + query[2] + query[7]);
        // Second byte, 0b1110_0000: components 8, 9 and 10; bits past the end add nothing.
        assert_eq!(sums[256 + 0b1110_0000], query[8] + query[9] + query[10]);
        assert_eq!(sums[256 + 0b1111_1111], sums[256 + 0b1110_0000]);
        assert_eq!(sums[0], 0.0);
    }

    #[test]
    fn nearest_ranks_by_agreement_of_signs_weighted_by_the_query() {
        let query = [4.0, 1.0, -1.0];
        let held = codes(
            1,
            &[
                (1, document(9), None, &[1.0, -1.0, 1.0]), // q·s = 4 - 1 - 1 = 2
                (2, document(9), None, &[1.0, 1.0, -1.0]), // q·s = 4 + 1 + 1 = 6
                (3, document(9), None, &[-1.0, 1.0, -1.0]), // q·s = -4 + 1 + 1 = -2
                (4, note(8), None, &[1.0, 1.0, 1.0]),      // q·s = 4 + 1 - 1 = 4
            ],
        );
        assert_eq!(held.len(), 4);
        assert_eq!(sorted(held.nearest(&query, &ALL, 1)), [2]);
        assert_eq!(sorted(held.nearest(&query, &ALL, 2)), [2, 4]);
        assert_eq!(sorted(held.nearest(&query, &ALL, 3)), [1, 2, 4]);
        assert_eq!(sorted(held.nearest(&query, &ALL, 10)), [1, 2, 3, 4]);
        assert!(held.nearest(&query, &ALL, 0).is_empty());
        assert!(
            held.nearest(&[1.0, 2.0], &ALL, 3).is_empty(),
            "another length"
        );
    }

    #[test]
    fn ties_go_to_the_smaller_id() {
        let held = codes(
            1,
            &[
                (7, document(9), None, &[1.0, 1.0]),
                (3, document(9), None, &[1.0, 1.0]),
                (5, document(9), None, &[1.0, 1.0]),
            ],
        );
        assert_eq!(sorted(held.nearest(&[1.0, 1.0], &ALL, 2)), [3, 5]);
    }

    #[test]
    fn nearest_keeps_to_the_scope() {
        let v: &[f32] = &[1.0, -1.0];
        let held = codes(
            1,
            &[
                (1, document(10), Some(100), v),
                (2, document(11), None, v),
                (3, note(20), Some(100), v),
                (4, note(21), Some(101), v),
            ],
        );
        let scope = |documents, notes, document: Option<u128>, course: Option<u128>| Scope {
            documents,
            notes,
            document: document.map(Uuid::from_u128),
            course: course.map(Uuid::from_u128),
        };
        let find = |s: Scope| sorted(held.nearest(v, &s, 10));
        assert_eq!(find(scope(true, false, None, None)), [1, 2]);
        assert_eq!(find(scope(false, true, None, None)), [3, 4]);
        assert_eq!(find(scope(true, true, Some(11), None)), [2]);
        assert_eq!(find(scope(true, true, None, Some(100))), [1, 3]);
        assert_eq!(
            find(scope(true, true, Some(11), Some(100))),
            Vec::<u128>::new()
        );
        assert_eq!(find(scope(false, true, Some(10), None)), Vec::<u128>::new());
    }

    #[test]
    fn codes_of_another_length_are_left_out() {
        let mut held = codes(1, &[(1, document(9), None, &[1.0, 1.0, 1.0])]);
        held.push(
            Uuid::from_u128(2),
            document(9),
            None,
            &SignBits::of(&[1.0; 9]).unwrap(),
        );
        assert_eq!(held.len(), 1);
    }

    fn key(n: u128) -> Key {
        (Uuid::from_u128(n), "m".to_owned(), 8)
    }

    fn held(cache: &CodeCache) -> Vec<(u128, Option<i64>)> {
        let entries = cache.entries();
        let mut held: Vec<_> = entries
            .slots
            .iter()
            .map(|(key, slot)| {
                (
                    key.0.as_u128(),
                    match &slot.held {
                        Held::Codes(codes) => Some(codes.version),
                        Held::TooLarge(_) => None,
                    },
                )
            })
            .collect();
        held.sort_unstable();
        held
    }

    #[test]
    fn the_cache_drops_the_least_recently_used_to_stay_in_its_budget() {
        let one = |version| Arc::new(codes(version, &[(1, document(9), None, &[1.0; 8])]));
        let size = one(1).bytes() + SLOT_BYTES;
        let cache = CodeCache::new(2 * size + SLOT_BYTES);
        cache.keep(key(1), &one(1));
        cache.keep(key(2), &one(1));
        assert_eq!(held(&cache), [(1, Some(1)), (2, Some(1))]);
        // Keeping a newer version replaces the old, in the same room; an older one does not.
        cache.keep(key(1), &one(2));
        cache.keep(key(1), &one(1));
        assert_eq!(held(&cache), [(1, Some(2)), (2, Some(1))]);
        assert_eq!(cache.entries().bytes, 2 * size);
        // A third drops the least recently used: 2.
        cache.keep(key(3), &one(1));
        assert_eq!(held(&cache), [(1, Some(2)), (3, Some(1))]);
        assert_eq!(cache.entries().bytes, 2 * size);

        // Codes over the whole budget are not kept, only noted, in the room left.
        let mut big = Codes::empty(4, 8);
        for id in 0..100 {
            big.push(
                Uuid::from_u128(id),
                document(9),
                None,
                &SignBits::of(&[1.0; 8]).unwrap(),
            );
        }
        let big = Arc::new(big);
        assert!(big.bytes() > cache.budget);
        cache.keep(key(4), &big);
        assert_eq!(held(&cache), [(1, Some(2)), (3, Some(1)), (4, None)]);
        assert_eq!(cache.entries().bytes, 2 * size + SLOT_BYTES);
        // So are students with no chunks: a fourth slot drops the least recently used.
        cache.keep(key(5), &Arc::new(Codes::empty(1, 8)));
        assert_eq!(held(&cache), [(3, Some(1)), (4, None), (5, Some(1))]);
    }
}
