//! Flashcard sets and their cards on PostgreSQL.
//!
//! A set and all its cards are written in one transaction (one `INSERT` for every card) and
//! read back in two queries; [`SetInsert`] is that write, for a generation's result too. Cards
//! are reached through their set's owner: a card of another user's set is as missing as one
//! that does not exist.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sophie_domain::values::{CardText, Color, Description, Tags, Title};
use sophie_domain::{
    CourseId, DeckImport, DecksImported, Difficulty, DomainError, DomainResult, Flashcard,
    FlashcardId, FlashcardRepository, FlashcardSet, FlashcardSetFilter, FlashcardSetId,
    FlashcardSetUpdate, FlashcardSetWithCards, FlashcardUpdate, NewFlashcard, NewFlashcardSet,
    Page, PageRequest, SortOrder, SourceLinks, UserId,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::{StoreError, from_diesel};
use crate::json_columns::SourcesJson;
use crate::keyset::after_cursor;
use crate::links::ensure_links_owned;
use crate::pg_enums::PgDifficulty;
use crate::schema::{flashcard_sets, flashcards};
use crate::store::PostgresStore;

const ENTITY: &str = "flashcard set";
const CARD: &str = "flashcard";

fn too_many_cards() -> DomainError {
    DomainError::validation(
        "flashcards",
        format!("a set holds at most {} cards", NewFlashcardSet::MAX_CARDS),
    )
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = flashcard_sets, check_for_backend(diesel::pg::Pg))]
pub(super) struct FlashcardSetRow {
    id: Uuid,
    title: String,
    description: Option<String>,
    difficulty: PgDifficulty,
    tags: Vec<Option<String>>,
    color: String,
    user_id: Uuid,
    course_id: Option<Uuid>,
    note_id: Option<Uuid>,
    document_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<FlashcardSetRow> for FlashcardSet {
    fn from(row: FlashcardSetRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            course_id: row.course_id.map(Into::into),
            note_id: row.note_id.map(Into::into),
            document_id: row.document_id.map(Into::into),
            title: row.title,
            description: row.description,
            difficulty: row.difficulty.into(),
            // The column allows NULL elements; sophie never writes one.
            tags: row.tags.into_iter().flatten().collect(),
            color: row.color,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = flashcard_sets, treat_none_as_default_value = false)]
pub(super) struct NewFlashcardSetRow {
    id: Uuid,
    title: String,
    description: Option<String>,
    difficulty: PgDifficulty,
    tags: Vec<Option<String>>,
    color: String,
    user_id: Uuid,
    course_id: Option<Uuid>,
    note_id: Option<Uuid>,
    document_id: Option<Uuid>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    external_key: Option<String>,
}

impl NewFlashcardSetRow {
    /// A set made from the deck `key` by an import, with a fresh id.
    pub(super) fn imported(
        user: UserId,
        key: String,
        title: Title,
        tags: Tags,
        course: Option<CourseId>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id: FlashcardSetId::new().as_uuid(),
            title: title.into_inner(),
            description: None,
            difficulty: Difficulty::Medium.into(),
            tags: tags_column(tags.into_inner()),
            color: Color::default().into_inner(),
            user_id: user.as_uuid(),
            course_id: course.map(|id| id.as_uuid()),
            note_id: None,
            document_id: None,
            created_at: now,
            updated_at: now,
            external_key: Some(key),
        }
    }

    /// The set's id.
    pub(super) const fn id(&self) -> Uuid {
        self.id
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = flashcard_sets)]
struct FlashcardSetChanges {
    title: Option<String>,
    description: Option<Option<String>>,
    difficulty: Option<PgDifficulty>,
    tags: Option<Vec<Option<String>>>,
    color: Option<String>,
    course_id: Option<Option<Uuid>>,
    note_id: Option<Option<Uuid>>,
    document_id: Option<Option<Uuid>>,
    updated_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = flashcards, check_for_backend(diesel::pg::Pg))]
pub(super) struct FlashcardRow {
    id: Uuid,
    question: String,
    answer: String,
    hint: Option<String>,
    explanation: Option<String>,
    difficulty: PgDifficulty,
    flashcard_set_id: Uuid,
    sources: SourcesJson,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<FlashcardRow> for Flashcard {
    fn from(row: FlashcardRow) -> Self {
        Self {
            id: row.id.into(),
            flashcard_set_id: row.flashcard_set_id.into(),
            question: row.question,
            answer: row.answer,
            hint: row.hint,
            explanation: row.explanation,
            difficulty: row.difficulty.into(),
            sources: row.sources.0,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = flashcards, treat_none_as_default_value = false)]
pub(super) struct NewFlashcardRow {
    id: Uuid,
    question: String,
    answer: String,
    hint: Option<String>,
    explanation: Option<String>,
    difficulty: PgDifficulty,
    flashcard_set_id: Uuid,
    sources: SourcesJson,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    external_key: Option<String>,
}

impl NewFlashcardRow {
    /// A card of `set`, with a fresh id: ids made in input order sort in input order.
    pub(super) fn new(set: Uuid, new: NewFlashcard, now: DateTime<Utc>) -> Self {
        Self {
            id: FlashcardId::new().as_uuid(),
            question: new.question.into_inner(),
            answer: new.answer.into_inner(),
            hint: new.hint.map(CardText::into_inner),
            explanation: new.explanation.map(CardText::into_inner),
            difficulty: new.difficulty.into(),
            flashcard_set_id: set,
            sources: SourcesJson(new.sources),
            created_at: now,
            updated_at: now,
            external_key: None,
        }
    }

    /// A card of `set` imported from `key`, with a fresh id.
    pub(super) fn keyed(set: Uuid, new: NewFlashcard, key: String, now: DateTime<Utc>) -> Self {
        Self {
            external_key: Some(key),
            ..Self::new(set, new, now)
        }
    }

    /// The card's id.
    pub(super) const fn id(&self) -> Uuid {
        self.id
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = flashcards)]
struct FlashcardChanges {
    question: Option<String>,
    answer: Option<String>,
    hint: Option<Option<String>>,
    explanation: Option<Option<String>>,
    difficulty: Option<PgDifficulty>,
    updated_at: DateTime<Utc>,
}

pub(super) fn tags_column(tags: Vec<String>) -> Vec<Option<String>> {
    tags.into_iter().map(Some).collect()
}

/// Cards, oldest first, as every read returns them.
fn sorted_cards(rows: Vec<FlashcardRow>) -> Vec<Flashcard> {
    let mut cards: Vec<Flashcard> = rows.into_iter().map(Flashcard::from).collect();
    cards.sort_by_key(|c| (c.created_at, c.id));
    cards
}

/// The user's set `id`, changed by `changes`.
async fn update_set_row(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    id: Uuid,
    changes: &FlashcardSetChanges,
) -> QueryResult<FlashcardSetRow> {
    diesel::update(
        flashcard_sets::table
            .filter(flashcard_sets::id.eq(id))
            .filter(flashcard_sets::user_id.eq(user)),
    )
    .set(changes)
    .returning(FlashcardSetRow::as_returning())
    .one(conn)
    .await
}

/// A new set with its cards, as rows checked against the set's limits and ready to insert.
pub(super) struct SetInsert {
    user: UserId,
    links: SourceLinks,
    set: NewFlashcardSetRow,
    cards: Vec<NewFlashcardRow>,
}

impl SetInsert {
    /// `user`'s set, stamped `now`.
    ///
    /// # Errors
    ///
    /// `Validation` when it has more than [`NewFlashcardSet::MAX_CARDS`] cards.
    pub(super) fn new(
        user: UserId,
        new: NewFlashcardSet,
        now: DateTime<Utc>,
    ) -> DomainResult<Self> {
        if new.flashcards.len() > NewFlashcardSet::MAX_CARDS {
            return Err(too_many_cards());
        }
        let links = new.links;
        let set = NewFlashcardSetRow {
            id: FlashcardSetId::new().as_uuid(),
            title: new.title.into_inner(),
            description: new.description.map(Description::into_inner),
            difficulty: new.difficulty.into(),
            tags: tags_column(new.tags.into_inner()),
            color: new.color.into_inner(),
            user_id: user.as_uuid(),
            course_id: links.course_id.map(|id| id.as_uuid()),
            note_id: links.note_id.map(|id| id.as_uuid()),
            document_id: links.document_id.map(|id| id.as_uuid()),
            created_at: now,
            updated_at: now,
            external_key: None,
        };
        let cards = new
            .flashcards
            .into_iter()
            .map(|card| NewFlashcardRow::new(set.id, card, now))
            .collect();
        Ok(Self {
            user,
            links,
            set,
            cards,
        })
    }

    /// Checks the links are the user's, then inserts the set and its cards: two or three
    /// statements, to run inside a transaction on `conn`.
    pub(super) async fn run(
        &self,
        conn: &mut AsyncPgConnection,
    ) -> Result<FlashcardSetWithCards, StoreError> {
        ensure_links_owned(conn, self.user, self.links).await?;
        let set: FlashcardSetRow = diesel::insert_into(flashcard_sets::table)
            .values(&self.set)
            .returning(FlashcardSetRow::as_returning())
            .one(conn)
            .await?;
        let cards: Vec<FlashcardRow> = if self.cards.is_empty() {
            Vec::new()
        } else {
            diesel::insert_into(flashcards::table)
                .values(&self.cards)
                .returning(FlashcardRow::as_returning())
                .get_results(conn)
                .await?
        };
        Ok(FlashcardSetWithCards {
            set: set.into(),
            flashcards: sorted_cards(cards),
        })
    }
}

/// `SELECT id FROM flashcard_sets WHERE id = $set AND user_id = $user`.
type OwnedSet = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::Filter<flashcard_sets::table, diesel::dsl::Eq<flashcard_sets::id, Uuid>>,
        diesel::dsl::Eq<flashcard_sets::user_id, Uuid>,
    >,
    flashcard_sets::id,
>;

/// The user's set `set` (`flashcard_sets.id IN (...)`), for a statement on its cards.
fn owned_set(user: Uuid, set: Uuid) -> OwnedSet {
    flashcard_sets::table
        .filter(flashcard_sets::id.eq(set))
        .filter(flashcard_sets::user_id.eq(user))
        .select(flashcard_sets::id)
}

/// Says what was missing when a card could not be reached: its set (missing or another
/// user's), or the card itself. Runs only on that failure path.
async fn missing_card(conn: &mut AsyncPgConnection, user: Uuid, set: Uuid) -> DomainError {
    let owned = owned_set(user, set)
        .limit(1)
        .one::<Uuid>(conn)
        .await
        .optional();
    match owned {
        Ok(Some(_)) => DomainError::not_found(CARD),
        Ok(None) => DomainError::not_found(ENTITY),
        Err(error) => from_diesel(ENTITY, error),
    }
}

#[async_trait]
impl FlashcardRepository for PostgresStore {
    async fn create_set(
        &self,
        user: UserId,
        new: NewFlashcardSet,
    ) -> DomainResult<FlashcardSetWithCards> {
        let insert = SetInsert::new(user, new, self.clock.now())?;
        let mut conn = self.db.conn().await?;
        conn.transaction::<_, StoreError, _>(async |conn| insert.run(conn).await)
            .await
            .map_err(|e| e.into_domain(ENTITY))
    }

    async fn get_set(
        &self,
        user: UserId,
        id: FlashcardSetId,
    ) -> DomainResult<FlashcardSetWithCards> {
        // Both statements go out together and come back in one round trip. The cards are
        // returned only when the set is the user's.
        let (set, cards) = self
            .db
            .read(ENTITY, async |conn| {
                let set = flashcard_sets::table
                    .filter(flashcard_sets::id.eq(id.as_uuid()))
                    .filter(flashcard_sets::user_id.eq(user.as_uuid()))
                    .select(FlashcardSetRow::as_select())
                    .limit(1)
                    .load::<FlashcardSetRow>(&mut &*conn);
                let cards = flashcards::table
                    .filter(flashcards::flashcard_set_id.eq(id.as_uuid()))
                    .order((flashcards::created_at.asc(), flashcards::id.asc()))
                    .select(FlashcardRow::as_select())
                    .load::<FlashcardRow>(&mut &*conn);
                let (set, cards) = tokio::join!(set, cards);
                let set = set?
                    .into_iter()
                    .next()
                    .ok_or(diesel::result::Error::NotFound)?;
                Ok((set, cards?))
            })
            .await?;
        Ok(FlashcardSetWithCards {
            set: set.into(),
            flashcards: cards.into_iter().map(Flashcard::from).collect(),
        })
    }

    async fn list_sets(
        &self,
        user: UserId,
        filter: FlashcardSetFilter,
        page: PageRequest,
    ) -> DomainResult<Page<FlashcardSet>> {
        let query = || {
            let mut query = flashcard_sets::table
                .filter(flashcard_sets::user_id.eq(user.as_uuid()))
                .select(FlashcardSetRow::as_select())
                .order((flashcard_sets::created_at.desc(), flashcard_sets::id.desc()))
                .limit(page.fetch_limit())
                .into_boxed();
            if let Some(course) = filter.course_id {
                query = query.filter(flashcard_sets::course_id.eq(course.as_uuid()));
            }
            if let Some(note) = filter.note_id {
                query = query.filter(flashcard_sets::note_id.eq(note.as_uuid()));
            }
            if let Some(document) = filter.document_id {
                query = query.filter(flashcard_sets::document_id.eq(document.as_uuid()));
            }
            if let Some(tag) = &filter.tag {
                query = query.filter(flashcard_sets::tags.contains(vec![Some(tag.clone())]));
            }
            if let Some(difficulty) = filter.difficulty {
                query = query.filter(flashcard_sets::difficulty.eq(PgDifficulty(difficulty)));
            }
            if let Some(cursor) = page.cursor {
                query = query.filter(after_cursor(
                    "flashcard_sets.created_at",
                    "flashcard_sets.id",
                    SortOrder::NewestFirst,
                    cursor,
                ));
            }
            query
        };
        let rows = self
            .db
            .read(ENTITY, async |conn| query().load(conn).await)
            .await?;
        Ok(Page::from_overfetch(
            rows.into_iter().map(FlashcardSet::from).collect(),
            page,
            |s| (s.created_at, s.id.as_uuid()),
        ))
    }

    async fn update_set(
        &self,
        user: UserId,
        id: FlashcardSetId,
        update: FlashcardSetUpdate,
    ) -> DomainResult<FlashcardSet> {
        let links = update.links;
        let targets = links.new_targets();
        let changes = FlashcardSetChanges {
            title: update.title.map(String::from),
            description: update.description.map(|v| v.map(String::from)),
            difficulty: update.difficulty.map(PgDifficulty),
            tags: update.tags.map(|t| tags_column(t.into_inner())),
            color: update.color.map(|c| c.into_inner()),
            course_id: links.course_id.map(|v| v.map(|id| id.as_uuid())),
            note_id: links.note_id.map(|v| v.map(|id| id.as_uuid())),
            document_id: links.document_id.map(|v| v.map(|id| id.as_uuid())),
            updated_at: self.clock.now(),
        };
        let (user_id, set_id) = (user.as_uuid(), id.as_uuid());
        let mut conn = self.db.conn().await?;
        let row = if targets.is_empty() {
            update_set_row(&mut conn, user_id, set_id, &changes)
                .await
                .map_err(|e| from_diesel(ENTITY, e))?
        } else {
            conn.transaction::<_, StoreError, _>(async |conn| {
                ensure_links_owned(conn, user, targets).await?;
                Ok(update_set_row(conn, user_id, set_id, &changes).await?)
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?
        };
        Ok(row.into())
    }

    async fn delete_set(&self, user: UserId, id: FlashcardSetId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        // The cards go with it: ON DELETE CASCADE.
        let deleted = diesel::delete(
            flashcard_sets::table
                .filter(flashcard_sets::id.eq(id.as_uuid()))
                .filter(flashcard_sets::user_id.eq(user.as_uuid())),
        )
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        if deleted == 0 {
            return Err(DomainError::not_found(ENTITY));
        }
        Ok(())
    }

    async fn add_card(
        &self,
        user: UserId,
        set: FlashcardSetId,
        new: NewFlashcard,
    ) -> DomainResult<Flashcard> {
        let (user_id, set_id) = (user.as_uuid(), set.as_uuid());
        let row = NewFlashcardRow::new(set_id, new, self.clock.now());
        let mut conn = self.db.conn().await?;
        let card: FlashcardRow = conn
            .transaction::<_, StoreError, _>(async |conn| {
                // Locks the set, so two concurrent adds cannot both take the last place.
                let count: Option<Option<i64>> = flashcard_sets::table
                    .filter(flashcard_sets::id.eq(set_id))
                    .filter(flashcard_sets::user_id.eq(user_id))
                    .select(
                        flashcards::table
                            .filter(flashcards::flashcard_set_id.eq(set_id))
                            .count()
                            .single_value(),
                    )
                    .for_no_key_update()
                    .limit(1)
                    .one(conn)
                    .await
                    .optional()?;
                let Some(count) = count else {
                    return Err(DomainError::not_found(ENTITY).into());
                };
                let full = usize::try_from(count.unwrap_or(0))
                    .map_or(true, |n| n >= NewFlashcardSet::MAX_CARDS);
                if full {
                    return Err(too_many_cards().into());
                }
                Ok(diesel::insert_into(flashcards::table)
                    .values(&row)
                    .returning(FlashcardRow::as_returning())
                    .one(conn)
                    .await?)
            })
            .await
            .map_err(|e| e.into_domain(CARD))?;
        Ok(card.into())
    }

    async fn update_card(
        &self,
        user: UserId,
        set: FlashcardSetId,
        card: FlashcardId,
        update: FlashcardUpdate,
    ) -> DomainResult<Flashcard> {
        let changes = FlashcardChanges {
            question: update.question.map(String::from),
            answer: update.answer.map(String::from),
            hint: update.hint.map(|v| v.map(String::from)),
            explanation: update.explanation.map(|v| v.map(String::from)),
            difficulty: update.difficulty.map(PgDifficulty),
            updated_at: self.clock.now(),
        };
        let (user_id, set_id) = (user.as_uuid(), set.as_uuid());
        let mut conn = self.db.conn().await?;
        let updated = diesel::update(
            flashcards::table
                .filter(flashcards::id.eq(card.as_uuid()))
                .filter(flashcards::flashcard_set_id.eq(set_id))
                .filter(flashcards::flashcard_set_id.eq_any(owned_set(user_id, set_id))),
        )
        .set(&changes)
        .returning(FlashcardRow::as_returning())
        .one(&mut conn)
        .await
        .optional()
        .map_err(|e| from_diesel(CARD, e))?;
        match updated {
            Some(row) => Ok(row.into()),
            None => Err(missing_card(&mut conn, user_id, set_id).await),
        }
    }

    async fn delete_card(
        &self,
        user: UserId,
        set: FlashcardSetId,
        card: FlashcardId,
    ) -> DomainResult<()> {
        let (user_id, set_id) = (user.as_uuid(), set.as_uuid());
        let mut conn = self.db.conn().await?;
        let deleted = diesel::delete(
            flashcards::table
                .filter(flashcards::id.eq(card.as_uuid()))
                .filter(flashcards::flashcard_set_id.eq(set_id))
                .filter(flashcards::flashcard_set_id.eq_any(owned_set(user_id, set_id))),
        )
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(CARD, e))?;
        if deleted == 0 {
            return Err(missing_card(&mut conn, user_id, set_id).await);
        }
        Ok(())
    }

    async fn import_decks(&self, user: UserId, import: DeckImport) -> DomainResult<DecksImported> {
        let mut conn = self.db.conn().await?;
        let now = self.clock.now();
        conn.transaction::<_, StoreError, _>(async |conn| {
            super::deck_import::run(conn, user, import, now).await
        })
        .await
        .map_err(|e| e.into_domain(ENTITY))
    }
}
