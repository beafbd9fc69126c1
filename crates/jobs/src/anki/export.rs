//! A set written as an Anki package: a zip holding `collection.anki21` (a schema 11
//! collection, the layout every Anki since 2.1 imports, Anki's own "legacy" export) and an
//! empty media map.
//!
//! The collection holds one deck named as the set, sophie's note type (fields Front, Back,
//! Hint and Explanation, one card template; its id never changes) and one note a card. A
//! note's guid is its card's id, and its modification time the card's, so a newer package of
//! the same set updates the notes Anki imported before instead of adding them again. With the
//! schedule, each reviewed card carries its state as Anki keeps it (new, learning, review or
//! relearning, due, interval, reps, lapses, and the FSRS memory state in `data`) and its
//! review log.

use std::io::{Cursor, Write as _};

use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{Connection, params};
use serde_json::{Value, json};
use sha1::{Digest as _, Sha1};
use sophie_domain::rules::fsrs::Schedule;
use sophie_domain::{CardState, DomainError, DomainResult, ExportedCard, PackageExport, ReviewLog};
use zip::write::SimpleFileOptions;

/// The id of sophie's note type in every package it writes: Anki updates an imported note
/// only when its note type is the same.
pub(super) const NOTE_TYPE_ID: i64 = 1_733_443_200_001;
/// The id of the deck options every deck uses.
const DECK_CONFIG_ID: i64 = 1;

/// Anki's schema 11, as Anki 2.1 creates it.
const SCHEMA: &str = "
CREATE TABLE col (
    id integer PRIMARY KEY, crt integer NOT NULL, mod integer NOT NULL, scm integer NOT NULL,
    ver integer NOT NULL, dty integer NOT NULL, usn integer NOT NULL, ls integer NOT NULL,
    conf text NOT NULL, models text NOT NULL, decks text NOT NULL, dconf text NOT NULL,
    tags text NOT NULL
);
CREATE TABLE notes (
    id integer PRIMARY KEY, guid text NOT NULL, mid integer NOT NULL, mod integer NOT NULL,
    usn integer NOT NULL, tags text NOT NULL, flds text NOT NULL, sfld integer NOT NULL,
    csum integer NOT NULL, flags integer NOT NULL, data text NOT NULL
);
CREATE TABLE cards (
    id integer PRIMARY KEY, nid integer NOT NULL, did integer NOT NULL, ord integer NOT NULL,
    mod integer NOT NULL, usn integer NOT NULL, type integer NOT NULL, queue integer NOT NULL,
    due integer NOT NULL, ivl integer NOT NULL, factor integer NOT NULL, reps integer NOT NULL,
    lapses integer NOT NULL, left integer NOT NULL, odue integer NOT NULL,
    odid integer NOT NULL, flags integer NOT NULL, data text NOT NULL
);
CREATE TABLE revlog (
    id integer PRIMARY KEY, cid integer NOT NULL, usn integer NOT NULL, ease integer NOT NULL,
    ivl integer NOT NULL, lastIvl integer NOT NULL, factor integer NOT NULL,
    time integer NOT NULL, type integer NOT NULL
);
CREATE TABLE graves (usn integer NOT NULL, oid integer NOT NULL, type integer NOT NULL);
CREATE INDEX ix_notes_usn ON notes (usn);
CREATE INDEX ix_cards_usn ON cards (usn);
CREATE INDEX ix_revlog_usn ON revlog (usn);
CREATE INDEX ix_cards_nid ON cards (nid);
CREATE INDEX ix_cards_sched ON cards (did, queue, due);
CREATE INDEX ix_revlog_cid ON revlog (cid);
CREATE INDEX ix_notes_csum ON notes (csum);
";

/// `export` as the bytes of an `.apkg`.
pub(super) fn write(export: &PackageExport) -> DomainResult<Vec<u8>> {
    let failed = |e: &dyn std::fmt::Display| {
        DomainError::internal(format!("writing an Anki package failed: {e}"))
    };
    let file = tempfile::NamedTempFile::new().map_err(|e| failed(&e))?;
    {
        let mut conn = Connection::open(file.path()).map_err(|e| failed(&e))?;
        fill(&mut conn, export).map_err(|e| failed(&e))?;
        conn.close().map_err(|(_, e)| failed(&e))?;
    }
    let collection = std::fs::read(file.path()).map_err(|e| failed(&e))?;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let deflated = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o644);
    zip.start_file("collection.anki21", deflated)
        .map_err(|e| failed(&e))?;
    zip.write_all(&collection).map_err(|e| failed(&e))?;
    zip.start_file("media", deflated).map_err(|e| failed(&e))?;
    zip.write_all(b"{}").map_err(|e| failed(&e))?;
    Ok(zip.finish().map_err(|e| failed(&e))?.into_inner())
}

/// Writes the collection into the empty database `conn`, in one transaction.
fn fill(conn: &mut Connection, export: &PackageExport) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(SCHEMA)?;
    let at = export.at;
    // Review cards are due on a day counted from the collection's creation; Anki moves them
    // to its own collection's days on import. A year back keeps overdue days positive.
    let created = (at - TimeDelta::days(365))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(at, |midnight| midnight.and_utc());
    let deck_id = deck_id(export);
    let tags: Vec<String> = export
        .set
        .tags
        .iter()
        .map(|tag| tag.replace(char::is_whitespace, "_"))
        .collect();
    tx.execute(
        "INSERT INTO col VALUES (1, ?1, ?2, ?2, 11, 0, 0, 0, ?3, ?4, ?5, ?6, '{}')",
        params![
            created.timestamp(),
            at.timestamp_millis(),
            collection_config(deck_id).to_string(),
            note_types(deck_id, at).to_string(),
            decks(deck_id, &export.set.title, at).to_string(),
            deck_configs().to_string(),
        ],
    )?;
    let mut note =
        tx.prepare("INSERT INTO notes VALUES (?1, ?2, ?3, ?4, -1, ?5, ?6, ?7, ?8, 0, '')")?;
    let mut card_row = tx.prepare(
        "INSERT INTO cards VALUES (?1, ?2, ?3, 0, ?4, -1, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, 0, 0, \
         0, ?13)",
    )?;
    let mut revlog =
        tx.prepare("INSERT INTO revlog VALUES (?1, ?2, -1, ?3, ?4, ?5, ?6, ?7, ?8)")?;
    let tag_field = if tags.is_empty() {
        String::new()
    } else {
        format!(" {} ", tags.join(" "))
    };
    let first_id = at.timestamp_millis();
    let mut review_ids = std::collections::HashSet::new();
    for (position, exported) in export.cards.iter().enumerate() {
        let card = &exported.card;
        let id = first_id + i64::try_from(position).unwrap_or(i64::MAX - first_id);
        let fields = [
            Some(card.question.as_str()),
            Some(card.answer.as_str()),
            card.hint.as_deref(),
            card.explanation.as_deref(),
        ]
        .map(|field| html(field.unwrap_or_default()));
        note.execute(params![
            id,
            card.id.as_uuid().simple().to_string(),
            NOTE_TYPE_ID,
            card.updated_at.timestamp(),
            tag_field,
            fields.join("\x1f"),
            card.question,
            checksum(&card.question),
        ])?;
        let state = anki_state(exported, position, created);
        card_row.execute(params![
            id,
            id,
            deck_id,
            card.updated_at.timestamp(),
            state.kind,
            state.queue,
            state.due,
            state.interval,
            state.factor,
            state.reps,
            state.lapses,
            state.left,
            state.data,
        ])?;
        if let Some((_, reviews)) = &exported.history {
            for review in reviews {
                // Review log ids are milliseconds and unique: two reviews in one millisecond
                // take the next free one.
                let mut review_id = review.reviewed_at.timestamp_millis();
                while !review_ids.insert(review_id) {
                    review_id += 1;
                }
                revlog.execute(params![
                    review_id,
                    id,
                    review.rating.value(),
                    0,
                    0,
                    0,
                    review.duration_ms.unwrap_or(0),
                    review_kind(review),
                ])?;
            }
        }
    }
    drop((note, card_row, revlog));
    tx.commit()
}

/// A stable deck id for the set, from its id: positive, and 1 (Anki's `Default` deck, which
/// every collection has) only for a set titled `Default`, which would otherwise be renamed.
fn deck_id(export: &PackageExport) -> i64 {
    if export.set.title.eq_ignore_ascii_case("default") {
        return 1;
    }
    let bytes = export.set.id.as_uuid().into_bytes();
    let mut low = [0_u8; 8];
    low.copy_from_slice(&bytes[8..]);
    // 52 bits: exact in every JSON reader, JavaScript's included.
    let id = i64::from_be_bytes(low) & ((1 << 52) - 1);
    id.max(2)
}

/// Plain text as a field's HTML: markup characters escaped, line breaks as `<br>`.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// The checksum Anki keeps of a note's first field: the first 8 hex digits of the SHA-1 of
/// its text without markup (line breaks are `<br>` tags, so they go).
fn checksum(text: &str) -> i64 {
    let plain: String = text.chars().filter(|c| *c != '\n' && *c != '\r').collect();
    let digest = Sha1::digest(plain.as_bytes());
    i64::from(u32::from_be_bytes([
        digest[0], digest[1], digest[2], digest[3],
    ]))
}

/// A card's columns as Anki schedules it.
struct AnkiState {
    /// 0 new, 1 learning, 2 review, 3 relearning.
    kind: i64,
    /// 0 new, 1 learning (due in seconds), 2 review (due in days).
    queue: i64,
    due: i64,
    interval: i64,
    factor: i64,
    reps: i64,
    lapses: i64,
    /// Learning steps left: today's in the thousands, all in the units.
    left: i64,
    /// The FSRS memory state, as Anki keeps it.
    data: String,
}

/// `card`'s state as Anki's columns: new (queued in the set's order) without a schedule.
fn anki_state(card: &ExportedCard, position: usize, created: DateTime<Utc>) -> AnkiState {
    let new = AnkiState {
        kind: 0,
        queue: 0,
        due: i64::try_from(position).unwrap_or(i64::MAX) + 1,
        interval: 0,
        factor: 0,
        reps: 0,
        lapses: 0,
        left: 0,
        data: String::new(),
    };
    let Some((schedule, _)) = &card.history else {
        return new;
    };
    // The memory state, and the last review's time, which Anki's database check adds when
    // it is missing.
    let memory = match (schedule.stability, schedule.difficulty) {
        (Some(s), Some(d)) => {
            let mut data = json!({ "s": round(s), "d": round(d) });
            if let Some(last) = schedule.last_review {
                data["lrt"] = json!(last.timestamp());
            }
            data.to_string()
        }
        _ => String::new(),
    };
    let reps = i64::from(schedule.reps);
    let lapses = i64::from(schedule.lapses);
    match schedule.state {
        CardState::New => new,
        CardState::Learning | CardState::Relearning => {
            let steps: i64 = if schedule.state == CardState::Learning {
                2
            } else {
                1
            };
            let left = (steps - i64::from(schedule.step.unwrap_or(0))).max(1);
            AnkiState {
                kind: if schedule.state == CardState::Learning {
                    1
                } else {
                    3
                },
                queue: 1,
                due: schedule.due.timestamp(),
                interval: if schedule.state == CardState::Learning {
                    0
                } else {
                    interval_days(schedule)
                },
                factor: 2500,
                reps,
                lapses,
                left: left * 1000 + left,
                data: memory,
            }
        }
        CardState::Review => AnkiState {
            kind: 2,
            queue: 2,
            due: (schedule.due.date_naive() - created.date_naive()).num_days(),
            interval: interval_days(schedule),
            factor: 2500,
            reps,
            lapses,
            left: 0,
            data: memory,
        },
    }
}

/// The days from the last review to the due date, at least 1.
fn interval_days(schedule: &Schedule) -> i64 {
    schedule
        .last_review
        .map_or(1, |last| {
            (schedule.due.date_naive() - last.date_naive()).num_days()
        })
        .max(1)
}

/// A memory-state number to four decimals, as Anki stores it.
fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The review's kind in Anki's log: 0 learning, 1 review, 2 relearning.
const fn review_kind(review: &ReviewLog) -> i64 {
    match review.state_before {
        CardState::New | CardState::Learning => 0,
        CardState::Review => 1,
        CardState::Relearning => 2,
    }
}

/// The collection's settings: the set's deck current, sophie's note type current.
fn collection_config(deck_id: i64) -> Value {
    json!({
        "activeDecks": [deck_id],
        "curDeck": deck_id,
        "curModel": NOTE_TYPE_ID.to_string(),
        "newSpread": 0,
        "collapseTime": 1200,
        "timeLim": 0,
        "estTimes": true,
        "dueCounts": true,
        "nextPos": 1,
        "sortType": "noteFld",
        "sortBackwards": false,
        "addToCur": true,
        "schedVer": 2,
    })
}

/// sophie's note type.
fn note_types(deck_id: i64, at: DateTime<Utc>) -> Value {
    let field = |name: &str, ord: u32| {
        json!({
            "name": name, "ord": ord, "sticky": false, "rtl": false, "font": "Arial",
            "size": 20, "media": [],
        })
    };
    json!({
        NOTE_TYPE_ID.to_string(): {
            "id": NOTE_TYPE_ID,
            "name": "sophie",
            "type": 0,
            "mod": at.timestamp(),
            "usn": -1,
            "sortf": 0,
            "did": deck_id,
            "flds": [field("Front", 0), field("Back", 1), field("Hint", 2),
                field("Explanation", 3)],
            "tmpls": [{
                "name": "Card 1",
                "ord": 0,
                "qfmt": "{{Front}}{{#Hint}}<br><br>{{hint:Hint}}{{/Hint}}",
                "afmt": "{{FrontSide}}\n\n<hr id=answer>\n\n{{Back}}\
                    {{#Explanation}}<br><br>{{Explanation}}{{/Explanation}}",
                "did": null,
                "bqfmt": "",
                "bafmt": "",
            }],
            "css": ".card { font-family: arial; font-size: 20px; text-align: center; \
                color: black; background-color: white; }",
            "latexPre": "\\documentclass[12pt]{article}\n\\special{papersize=3in,5in}\n\
                \\usepackage[utf8]{inputenc}\n\\usepackage{amssymb,amsmath}\n\
                \\pagestyle{empty}\n\\setlength{\\parindent}{0in}\n\\begin{document}\n",
            "latexPost": "\\end{document}",
            "latexsvg": false,
            "req": [[0, "any", [0]]],
            "tags": [],
            "vers": [],
        }
    })
}

/// A deck as schema 11 keeps it.
fn deck(id: i64, name: &str, at: DateTime<Utc>) -> Value {
    json!({
        "id": id, "name": name, "desc": "", "dyn": 0, "conf": DECK_CONFIG_ID,
        "collapsed": false, "browserCollapsed": false, "extendNew": 0, "extendRev": 0,
        "newToday": [0, 0], "revToday": [0, 0], "lrnToday": [0, 0], "timeToday": [0, 0],
        "mod": at.timestamp(), "usn": -1,
    })
}

/// The `Default` deck Anki requires, and the set's.
fn decks(deck_id: i64, title: &str, at: DateTime<Utc>) -> Value {
    // `::` nests decks in Anki: a title holding it becomes a deck inside another, as a set
    // imported from a nested deck came.
    let mut decks = json!({ "1": deck(1, "Default", at) });
    if deck_id != 1 {
        decks[deck_id.to_string()] = deck(deck_id, title, at);
    }
    decks
}

/// The deck options: Anki's defaults, with the learning steps sophie schedules with.
fn deck_configs() -> Value {
    json!({
        DECK_CONFIG_ID.to_string(): {
            "id": DECK_CONFIG_ID, "name": "Default", "mod": 0, "usn": 0, "maxTaken": 60,
            "autoplay": true, "timer": 0, "replayq": true, "dyn": false,
            "new": {
                "bury": false, "delays": [1.0, 10.0], "initialFactor": 2500,
                "ints": [1, 4, 0], "order": 1, "perDay": 20,
            },
            "lapse": {
                "delays": [10.0], "leechAction": 1, "leechFails": 8, "minInt": 1, "mult": 0.0,
            },
            "rev": {
                "bury": false, "ease4": 1.3, "ivlFct": 1.0, "maxIvl": 36500, "perDay": 200,
                "hardFactor": 1.2,
            },
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_becomes_field_html_and_its_checksum_is_anki_s() {
        assert_eq!(html("a < b & c\nnext"), "a &lt; b &amp; c<br>next");
        // Anki: int(sha1("What is 2 + 2?".encode()).hexdigest()[:8], 16)
        assert_eq!(checksum("What is 2 + 2?"), 0x58bf_025c);
    }
}
