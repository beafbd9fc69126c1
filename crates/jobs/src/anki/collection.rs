//! An Anki collection (SQLite) read into plain values: note types, decks, notes, cards and
//! the review log, from schema 11 (`collection.anki2`, `collection.anki21`: note types and
//! decks as JSON in `col`) or schema 18 (`collection.anki21b`: tables of their own, configs as
//! protobuf). The file is opened read-only and immutable, so SQLite writes nothing beside it.
//!
//! The file is the sender's: it is read only if the tables sophie reads are plain tables (no
//! view, trigger or virtual table, which could compute rows or strings without end), with
//! functions in the schema distrusted, every string and blob bounded, and every statement
//! stopped past a deadline. Guids must be short and printable, review times plausible, and
//! the cards and reviews few enough.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use prost::Message as _;
use rusqlite::limits::Limit;
use rusqlite::{Connection, OpenFlags};
use serde::Deserialize;
use sophie_domain::{ReadReview, ReviewRating};

use super::Refused;
use super::proto::{NotetypeConfig, TemplateConfig};

/// A note type: whether it is a cloze type, its fields' names by position, and its card
/// templates (front, back) by number.
#[derive(Debug, Default)]
pub(super) struct NoteType {
    pub(super) cloze: bool,
    pub(super) fields: Vec<String>,
    pub(super) templates: HashMap<u32, (String, String)>,
}

/// A note: its fields' contents, by position, and its tags.
#[derive(Debug)]
pub(super) struct Note {
    pub(super) guid: String,
    pub(super) type_id: i64,
    pub(super) tags: Vec<String>,
    pub(super) fields: Vec<String>,
}

/// A card: its note, its deck (the original one for a card in a filtered deck) and its
/// number within the note.
#[derive(Debug)]
pub(super) struct Card {
    pub(super) id: i64,
    pub(super) note: i64,
    pub(super) deck: i64,
    pub(super) ord: u32,
}

/// What sophie reads of a collection.
#[derive(Debug, Default)]
pub(super) struct Collection {
    pub(super) note_types: HashMap<i64, NoteType>,
    /// Deck names, levels joined by `::`.
    pub(super) decks: HashMap<i64, String>,
    pub(super) notes: HashMap<i64, Note>,
    /// Cards in the order their notes were added, each note's by number.
    pub(super) cards: Vec<Card>,
    /// Each card's answers, oldest first.
    pub(super) reviews: HashMap<i64, Vec<ReadReview>>,
}

/// The longest string or blob SQLite may make while a collection is read: a note's fields
/// together, a note type's config.
const MAX_VALUE_BYTES: i32 = 16 * 1024 * 1024;
/// The longest reading a collection may take.
const DEADLINE: Duration = Duration::from_secs(60);
/// The most cards a note may give, on average over the package.
const CARDS_PER_NOTE: i64 = 10;
/// The most answers a card's history may hold, on average over the package.
const REVIEWS_PER_CARD: i64 = 50;
/// The longest guid taken (Anki's are 10 characters).
const MAX_GUID_CHARS: usize = 64;

/// Opens the collection at `path` and reads it, refusing more than `max_notes` notes.
pub(super) fn read(path: &Path, max_notes: u32) -> Result<Collection, Refused> {
    let uri = format!("file:{}?immutable=1", path.display());
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(uri, flags).map_err(damaged)?;
    conn.set_limit(Limit::SQLITE_LIMIT_LENGTH, MAX_VALUE_BYTES)
        .map_err(damaged)?;
    conn.pragma_update(None, "trusted_schema", false)
        .map_err(damaged)?;
    let deadline = Instant::now() + DEADLINE;
    conn.progress_handler(10_000, Some(move || Instant::now() > deadline))
        .map_err(damaged)?;
    // Schema 18 declares its name columns `COLLATE unicase`; any read of them needs it.
    conn.create_collation("unicase", |a: &str, b: &str| {
        a.to_lowercase().cmp(&b.to_lowercase())
    })
    .map_err(damaged)?;
    let modern = plain_tables(&conn)?;

    let count = |sql: &str| -> Result<i64, Refused> {
        conn.query_row(sql, [], |row| row.get(0)).map_err(damaged)
    };
    let notes = count("SELECT count(*) FROM notes")?;
    if notes > i64::from(max_notes) {
        return Err(Refused::new(format!(
            "the package holds {notes} notes, more than the {max_notes} one import takes"
        )));
    }
    let most_cards = i64::from(max_notes) * CARDS_PER_NOTE;
    let cards = count("SELECT count(*) FROM cards")?;
    if cards > most_cards {
        return Err(Refused::new(format!(
            "the package holds {cards} cards, more than the {most_cards} one import takes"
        )));
    }
    let most_reviews = most_cards * REVIEWS_PER_CARD;
    let reviews = count("SELECT count(*) FROM revlog")?;
    if reviews > most_reviews {
        return Err(Refused::new(format!(
            "the package's review log holds {reviews} answers, more than the {most_reviews} \
             one import takes"
        )));
    }
    let (note_types, decks) = if modern {
        (modern_note_types(&conn)?, modern_decks(&conn)?)
    } else {
        legacy_types_and_decks(&conn)?
    };
    Ok(Collection {
        note_types,
        decks,
        notes: read_notes(&conn)?,
        cards: read_cards(&conn)?,
        reviews: read_reviews(&conn)?,
    })
}

/// Whether the collection is schema 18; refuses it unless every table sophie reads is a plain
/// table and the file holds no view or trigger.
fn plain_tables(conn: &Connection) -> Result<bool, Refused> {
    let rows = query_all(
        conn,
        "SELECT type, name, coalesce(sql, '') FROM sqlite_master",
        |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
            ))
        },
    )?;
    let mut tables: HashMap<String, String> = HashMap::new();
    for (kind, name, sql) in rows {
        match kind.as_str() {
            "view" | "trigger" => {
                return Err(Refused::new(format!(
                    "the package's collection holds a {kind} (`{}`), which Anki's never does",
                    name.chars().take(64).collect::<String>()
                )));
            }
            "table" => {
                tables.insert(name.to_lowercase(), sql);
            }
            _ => {}
        }
    }
    let modern = tables.contains_key("notetypes");
    let needed: &[&str] = if modern {
        &[
            "notes",
            "cards",
            "revlog",
            "notetypes",
            "fields",
            "templates",
            "decks",
        ]
    } else {
        &["notes", "cards", "revlog", "col"]
    };
    for name in needed {
        let plain = tables.get(*name).is_some_and(|sql| {
            let sql = sql.to_ascii_uppercase();
            !sql.contains("VIRTUAL") && !sql.contains("GENERATED") && !sql.contains(" AS (")
        });
        if !plain {
            return Err(Refused::new(format!(
                "the package's collection is not an Anki collection: its `{name}` table is \
                 missing or not a plain table"
            )));
        }
    }
    Ok(modern)
}

/// Every row of `sql`, each made by `row`.
fn query_all<T>(
    conn: &Connection,
    sql: &str,
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, Refused> {
    let mut statement = conn.prepare(sql).map_err(damaged)?;
    let rows = statement.query_map([], row).map_err(damaged)?;
    rows.collect::<rusqlite::Result<_>>().map_err(damaged)
}

/// The error for a file SQLite cannot read as an Anki collection.
#[allow(clippy::needless_pass_by_value)] // Called as `map_err(damaged)`.
fn damaged(error: rusqlite::Error) -> Refused {
    Refused::new(format!(
        "the package's collection is damaged or is not an Anki collection ({error})"
    ))
}

/// A whole number read from SQLite as a `u32`, 0 when it does not fit.
fn small(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(0)
}

/// Schema 18's note types, fields and templates.
fn modern_note_types(conn: &Connection) -> Result<HashMap<i64, NoteType>, Refused> {
    let mut types: HashMap<i64, NoteType> = HashMap::new();
    let rows = query_all(conn, "SELECT id, config FROM notetypes", |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?))
    })?;
    for (id, config) in rows {
        let config = NotetypeConfig::decode(config.as_slice()).unwrap_or_default();
        types.insert(
            id,
            NoteType {
                cloze: config.kind == 1,
                ..NoteType::default()
            },
        );
    }
    let rows = query_all(
        conn,
        "SELECT ntid, ord, name FROM fields ORDER BY ntid, ord",
        |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(2)?)),
    )?;
    for (id, name) in rows {
        if let Some(kind) = types.get_mut(&id) {
            kind.fields.push(name);
        }
    }
    let rows = query_all(conn, "SELECT ntid, ord, config FROM templates", |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, i64>(1)?,
            row.get::<_, Vec<u8>>(2)?,
        ))
    })?;
    for (id, ord, config) in rows {
        let config = TemplateConfig::decode(config.as_slice()).unwrap_or_default();
        if let Some(kind) = types.get_mut(&id) {
            kind.templates
                .insert(small(ord), (config.q_format, config.a_format));
        }
    }
    Ok(types)
}

/// Schema 18's decks, their levels separated by `\x1f`.
fn modern_decks(conn: &Connection) -> Result<HashMap<i64, String>, Refused> {
    let rows = query_all(conn, "SELECT id, name FROM decks", |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
    })?;
    Ok(rows
        .into_iter()
        .map(|(id, name)| (id, name.replace('\x1f', "::")))
        .collect())
}

/// A note type as schema 11 keeps it in `col.models`.
#[derive(Deserialize)]
struct LegacyNoteType {
    #[serde(rename = "type", default)]
    kind: i64,
    #[serde(default)]
    flds: Vec<LegacyField>,
    #[serde(default)]
    tmpls: Vec<LegacyTemplate>,
}

#[derive(Deserialize)]
struct LegacyField {
    name: String,
    #[serde(default)]
    ord: i64,
}

#[derive(Deserialize)]
struct LegacyTemplate {
    #[serde(default)]
    ord: i64,
    #[serde(default)]
    qfmt: String,
    #[serde(default)]
    afmt: String,
}

/// A deck as schema 11 keeps it in `col.decks`.
#[derive(Deserialize)]
struct LegacyDeck {
    name: String,
}

/// Note types and deck names, by id.
type TypesAndDecks = (HashMap<i64, NoteType>, HashMap<i64, String>);

/// Schema 11's note types and decks, from the JSON in `col`.
fn legacy_types_and_decks(conn: &Connection) -> Result<TypesAndDecks, Refused> {
    let (models, decks): (String, String) = conn
        .query_row("SELECT models, decks FROM col", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .map_err(damaged)?;
    let bad_json = |what: &str, e: serde_json::Error| {
        Refused::new(format!(
            "the package's collection is damaged: its {what} are not readable ({e})"
        ))
    };
    let models: HashMap<String, LegacyNoteType> =
        serde_json::from_str(&models).map_err(|e| bad_json("note types", e))?;
    let decks: HashMap<String, LegacyDeck> =
        serde_json::from_str(&decks).map_err(|e| bad_json("decks", e))?;
    let types = models
        .into_iter()
        .filter_map(|(id, model)| {
            let mut fields = model.flds;
            fields.sort_by_key(|f| f.ord);
            let kind = NoteType {
                cloze: model.kind == 1,
                fields: fields.into_iter().map(|f| f.name).collect(),
                templates: model
                    .tmpls
                    .into_iter()
                    .map(|t| (small(t.ord), (t.qfmt, t.afmt)))
                    .collect(),
            };
            Some((id.parse().ok()?, kind))
        })
        .collect();
    let decks = decks
        .into_iter()
        .filter_map(|(id, deck)| Some((id.parse().ok()?, deck.name)))
        .collect();
    Ok((types, decks))
}

/// Every note.
fn read_notes(conn: &Connection) -> Result<HashMap<i64, Note>, Refused> {
    let rows = query_all(conn, "SELECT id, guid, mid, tags, flds FROM notes", |row| {
        let tags: String = row.get(3)?;
        let fields: String = row.get(4)?;
        Ok((
            row.get::<_, i64>(0)?,
            Note {
                guid: row.get(1)?,
                type_id: row.get(2)?,
                tags: tags.split_whitespace().map(str::to_owned).collect(),
                fields: fields.split('\x1f').map(str::to_owned).collect(),
            },
        ))
    })?;
    let notes: HashMap<i64, Note> = rows.into_iter().collect();
    if let Some(note) = notes.values().find(|note| !plain_guid(&note.guid)) {
        return Err(Refused::new(format!(
            "the package holds a note whose guid `{}` is not an Anki guid (at most \
             {MAX_GUID_CHARS} printable characters)",
            note.guid
                .chars()
                .filter(|c| !c.is_control())
                .take(MAX_GUID_CHARS)
                .collect::<String>()
        )));
    }
    Ok(notes)
}

/// Whether `guid` looks like one Anki or a deck tool writes: short, printable, no spaces.
fn plain_guid(guid: &str) -> bool {
    !guid.is_empty()
        && guid.chars().count() <= MAX_GUID_CHARS
        && guid.chars().all(|c| !c.is_control() && !c.is_whitespace())
}

/// Every card, in the order their notes were added (a note's id is when it was added), each
/// note's by number.
fn read_cards(conn: &Connection) -> Result<Vec<Card>, Refused> {
    query_all(
        conn,
        "SELECT id, nid, did, odid, ord FROM cards ORDER BY nid, ord, id",
        |row| {
            let deck: i64 = row.get(2)?;
            let original: i64 = row.get(3)?;
            Ok(Card {
                id: row.get(0)?,
                note: row.get(1)?,
                deck: if original == 0 { deck } else { original },
                ord: small(row.get(4)?),
            })
        },
    )
}

/// The answers of the review log, by card, oldest first. Entries that are not answers
/// (a manual reschedule: ease 0, types 4 and 5) are left out.
fn read_reviews(conn: &Connection) -> Result<HashMap<i64, Vec<ReadReview>>, Refused> {
    let rows = query_all(
        conn,
        "SELECT cid, id, ease, time FROM revlog \
             WHERE ease BETWEEN 1 AND 4 AND type BETWEEN 0 AND 3 ORDER BY cid, id",
        |row| {
            Ok((
                row.get::<_, i64>(0)?,
                row.get::<_, i64>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, i64>(3)?,
            ))
        },
    )?;
    // Anki's review log began in 2006; an answer dated before that or in the future is noise.
    let first = Utc.with_ymd_and_hms(2006, 1, 1, 0, 0, 0).single();
    let last = Utc::now() + TimeDelta::days(1);
    let mut reviews: HashMap<i64, Vec<ReadReview>> = HashMap::new();
    for (card, millis, ease, time) in rows {
        let (Some(rating), Some(reviewed_at)) =
            (rating(ease), DateTime::<Utc>::from_timestamp_millis(millis))
        else {
            continue;
        };
        if first.is_none_or(|first| reviewed_at < first) || reviewed_at > last {
            continue;
        }
        reviews.entry(card).or_default().push(ReadReview {
            rating,
            reviewed_at,
            duration_ms: u32::try_from(time).ok().filter(|ms| *ms > 0),
        });
    }
    Ok(reviews)
}

/// Anki's ease as a rating.
const fn rating(ease: i64) -> Option<ReviewRating> {
    match ease {
        1 => Some(ReviewRating::Again),
        2 => Some(ReviewRating::Hard),
        3 => Some(ReviewRating::Good),
        4 => Some(ReviewRating::Easy),
        _ => None,
    }
}
