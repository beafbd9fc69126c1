//! A package's decks added to a student's sets, in the caller's transaction: the student's
//! imports are serialised by a transaction-scoped advisory lock, what the student has is read
//! in two queries, [`deck_merge::plan`] places the cards, and the sets, cards, schedules and
//! review log go in as batch inserts (a few statements whatever the package's size).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sophie_domain::rules::deck_merge::{self, DeckSet, Target};
use sophie_domain::{DeckImport, DecksImported, FlashcardSet, SourceLinks, UserId};
use uuid::Uuid;

use super::flashcards::{FlashcardSetRow, NewFlashcardRow, NewFlashcardSetRow};
use super::reviews::{ReviewInsert, ScheduleInsert};
use crate::error::StoreError;
use crate::links::ensure_links_owned;
use crate::schema::{flashcard_reviews, flashcard_schedules, flashcard_sets, flashcards};

/// Rows per `INSERT`, well below PostgreSQL's 65,535 bound parameters for the widest row
/// (a review: 14 columns; a set: 13).
const BATCH_ROWS: usize = 4_000;

/// Adds `import`'s decks to `user`'s sets at `now`; to run inside a transaction.
pub(super) async fn run(
    conn: &mut AsyncPgConnection,
    user: UserId,
    import: DeckImport,
    now: DateTime<Utc>,
) -> Result<DecksImported, StoreError> {
    // Two imports of one student wait for each other, so both cannot find a card missing
    // and add it twice (the unique index covers one set only).
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(format!("sophie.flashcards.import:{user}"))
        .execute(conn)
        .await?;
    let links = SourceLinks {
        course_id: import.course_id,
        ..SourceLinks::default()
    };
    ensure_links_owned(conn, user, links).await?;

    let card_keys: Vec<&str> = import
        .decks
        .iter()
        .flat_map(|deck| deck.cards.iter().map(|card| card.key.as_str()))
        .collect();
    let mut known: HashSet<String> = flashcards::table
        .inner_join(flashcard_sets::table)
        .filter(flashcard_sets::user_id.eq(user.as_uuid()))
        .filter(flashcards::external_key.eq_any(&card_keys))
        .select(flashcards::external_key)
        .load::<Option<String>>(conn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    // Notes sophie exported carry their card's id: those cards the student still has.
    let exported: HashMap<Uuid, &str> = card_keys
        .iter()
        .filter_map(|key| Some((deck_merge::exported_card(key)?.as_uuid(), *key)))
        .collect();
    if !exported.is_empty() {
        let ids: Vec<Uuid> = exported.keys().copied().collect();
        let still_there: Vec<Uuid> = flashcards::table
            .inner_join(flashcard_sets::table)
            .filter(flashcard_sets::user_id.eq(user.as_uuid()))
            .filter(flashcards::id.eq_any(&ids))
            .select(flashcards::id)
            .load(conn)
            .await?;
        known.extend(
            still_there
                .iter()
                .filter_map(|id| exported.get(id).map(|key| (*key).to_owned())),
        );
    }
    let deck_keys: Vec<&str> = import.decks.iter().map(|deck| deck.key.as_str()).collect();
    let earlier = deck_sets(conn, user, &deck_keys).await?;
    let plan = deck_merge::plan(import.decks, &known, &earlier);

    let mut added = DecksImported {
        sets: Vec::new(),
        cards: 0,
        unchanged: plan.unchanged,
        reviews: 0,
    };
    let mut new_sets = Vec::new();
    let mut touched = Vec::new();
    let mut order = Vec::new();
    let mut cards = Vec::new();
    let mut schedules = Vec::new();
    let mut reviews = Vec::new();
    for placement in plan.placements {
        let set = match placement.target {
            Target::Existing(id) => {
                touched.push(id.as_uuid());
                id.as_uuid()
            }
            Target::New { key, title, tags } => {
                let row =
                    NewFlashcardSetRow::imported(user, key, title, tags, links.course_id, now);
                let id = row.id();
                new_sets.push(row);
                id
            }
        };
        order.push(set);
        for keyed in placement.cards {
            let row = NewFlashcardRow::keyed(set, keyed.card, keyed.key, now);
            if let Some(last) = keyed.reviews.last() {
                schedules.push(ScheduleInsert::new(user, row.id(), &last.after));
            }
            reviews.extend(
                keyed
                    .reviews
                    .iter()
                    .map(|review| ReviewInsert::new(user, row.id(), review)),
            );
            cards.push(row);
        }
    }
    added.cards = u32::try_from(cards.len()).unwrap_or(u32::MAX);
    added.reviews = u32::try_from(reviews.len()).unwrap_or(u32::MAX);

    for batch in new_sets.chunks(BATCH_ROWS) {
        diesel::insert_into(flashcard_sets::table)
            .values(batch)
            .execute(conn)
            .await?;
    }
    if !touched.is_empty() {
        diesel::update(flashcard_sets::table.filter(flashcard_sets::id.eq_any(&touched)))
            .set(flashcard_sets::updated_at.eq(now))
            .execute(conn)
            .await?;
    }
    for batch in cards.chunks(BATCH_ROWS) {
        diesel::insert_into(flashcards::table)
            .values(batch)
            .execute(conn)
            .await?;
    }
    for batch in schedules.chunks(BATCH_ROWS) {
        diesel::insert_into(flashcard_schedules::table)
            .values(batch)
            .execute(conn)
            .await?;
    }
    for batch in reviews.chunks(BATCH_ROWS) {
        diesel::insert_into(flashcard_reviews::table)
            .values(batch)
            .execute(conn)
            .await?;
    }

    let mut sets: HashMap<Uuid, FlashcardSet> = flashcard_sets::table
        .filter(flashcard_sets::id.eq_any(&order))
        .select(FlashcardSetRow::as_select())
        .load::<FlashcardSetRow>(conn)
        .await?
        .into_iter()
        .map(|row| {
            let set = FlashcardSet::from(row);
            (set.id.as_uuid(), set)
        })
        .collect();
    added.sets = order.iter().filter_map(|id| sets.remove(id)).collect();
    Ok(added)
}

/// The sets earlier imports of `user` made from the decks `keys`, oldest first, with how many
/// cards each holds now; the sets are locked as `add_card` locks them, so no card is added
/// to them meanwhile past a set's limit.
async fn deck_sets(
    conn: &mut AsyncPgConnection,
    user: UserId,
    keys: &[&str],
) -> QueryResult<Vec<DeckSet>> {
    let sets: Vec<(Uuid, Option<String>)> = flashcard_sets::table
        .filter(flashcard_sets::user_id.eq(user.as_uuid()))
        .filter(flashcard_sets::external_key.eq_any(keys))
        .order((flashcard_sets::created_at.asc(), flashcard_sets::id.asc()))
        .select((flashcard_sets::id, flashcard_sets::external_key))
        .for_no_key_update()
        .load(conn)
        .await?;
    if sets.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = sets.iter().map(|(id, _)| *id).collect();
    let counts: HashMap<Uuid, i64> = flashcards::table
        .filter(flashcards::flashcard_set_id.eq_any(&ids))
        .group_by(flashcards::flashcard_set_id)
        .select((flashcards::flashcard_set_id, count_star()))
        .load::<(Uuid, i64)>(conn)
        .await?
        .into_iter()
        .collect();
    Ok(sets
        .into_iter()
        .filter_map(|(id, key)| {
            Some(DeckSet {
                id: id.into(),
                key: key?,
                cards: usize::try_from(counts.get(&id).copied().unwrap_or(0)).unwrap_or(0),
            })
        })
        .collect())
}
