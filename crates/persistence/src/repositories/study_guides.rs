//! Study guides on PostgreSQL. [`GuideInsert`] writes a new guide, for a generation's result
//! too.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sophie_domain::{
    DomainError, DomainResult, NewStudyGuide, Page, PageRequest, SortOrder, SourceLinks,
    StudyGuide, StudyGuideFilter, StudyGuideId, StudyGuideRepository, StudyGuideUpdate, UserId,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::{StoreError, from_diesel};
use crate::json_columns::SourcesJson;
use crate::keyset::after_cursor;
use crate::links::ensure_links_owned;
use crate::schema::study_guides;
use crate::store::PostgresStore;

const ENTITY: &str = "study guide";

#[derive(Queryable, Selectable)]
#[diesel(table_name = study_guides, check_for_backend(diesel::pg::Pg))]
struct StudyGuideRow {
    id: Uuid,
    title: String,
    content: String,
    note_id: Option<Uuid>,
    course_id: Option<Uuid>,
    document_id: Option<Uuid>,
    user_id: Uuid,
    sources: SourcesJson,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<StudyGuideRow> for StudyGuide {
    fn from(row: StudyGuideRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            course_id: row.course_id.map(Into::into),
            note_id: row.note_id.map(Into::into),
            document_id: row.document_id.map(Into::into),
            title: row.title,
            content: row.content,
            sources: row.sources.0,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = study_guides, treat_none_as_default_value = false)]
struct NewStudyGuideRow {
    id: Uuid,
    title: String,
    content: String,
    note_id: Option<Uuid>,
    course_id: Option<Uuid>,
    document_id: Option<Uuid>,
    user_id: Uuid,
    sources: SourcesJson,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = study_guides)]
struct StudyGuideChanges {
    title: Option<String>,
    content: Option<String>,
    note_id: Option<Option<Uuid>>,
    course_id: Option<Option<Uuid>>,
    document_id: Option<Option<Uuid>>,
    updated_at: DateTime<Utc>,
}

/// A new study guide as a row, ready to insert.
pub(super) struct GuideInsert {
    user: UserId,
    links: SourceLinks,
    row: NewStudyGuideRow,
}

impl GuideInsert {
    /// `user`'s guide, stamped `now`.
    pub(super) fn new(user: UserId, new: NewStudyGuide, now: DateTime<Utc>) -> Self {
        let links = new.links;
        let row = NewStudyGuideRow {
            id: StudyGuideId::new().as_uuid(),
            title: new.title.into_inner(),
            content: new.content.into_inner(),
            note_id: links.note_id.map(|id| id.as_uuid()),
            course_id: links.course_id.map(|id| id.as_uuid()),
            document_id: links.document_id.map(|id| id.as_uuid()),
            user_id: user.as_uuid(),
            sources: SourcesJson(new.sources),
            created_at: now,
            updated_at: now,
        };
        Self { user, links, row }
    }

    /// Whether it links to a course, note or document: [`Self::run`] then checks they are the
    /// user's before inserting, and must run inside a transaction.
    fn has_links(&self) -> bool {
        !self.links.is_empty()
    }

    /// Checks the links are the user's (no statement when there are none), then inserts the
    /// guide, on `conn`: inside a transaction when it has links.
    pub(super) async fn run(&self, conn: &mut AsyncPgConnection) -> Result<StudyGuide, StoreError> {
        ensure_links_owned(conn, self.user, self.links).await?;
        let row = diesel::insert_into(study_guides::table)
            .values(&self.row)
            .returning(StudyGuideRow::as_returning())
            .one(conn)
            .await?;
        Ok(row.into())
    }
}

/// The user's guide `id`, changed by `changes`.
async fn update_guide(
    conn: &mut AsyncPgConnection,
    user: Uuid,
    id: Uuid,
    changes: &StudyGuideChanges,
) -> QueryResult<StudyGuideRow> {
    diesel::update(
        study_guides::table
            .filter(study_guides::id.eq(id))
            .filter(study_guides::user_id.eq(user)),
    )
    .set(changes)
    .returning(StudyGuideRow::as_returning())
    .one(conn)
    .await
}

#[async_trait]
impl StudyGuideRepository for PostgresStore {
    async fn create(&self, user: UserId, new: NewStudyGuide) -> DomainResult<StudyGuide> {
        let insert = GuideInsert::new(user, new, self.clock.now());
        let mut conn = self.db.conn().await?;
        if insert.has_links() {
            conn.transaction::<_, StoreError, _>(async |conn| insert.run(conn).await)
                .await
        } else {
            // One statement: no transaction needed.
            insert.run(&mut conn).await
        }
        .map_err(|e| e.into_domain(ENTITY))
    }

    async fn get(&self, user: UserId, id: StudyGuideId) -> DomainResult<StudyGuide> {
        self.db
            .read(ENTITY, async |conn| {
                study_guides::table
                    .filter(study_guides::id.eq(id.as_uuid()))
                    .filter(study_guides::user_id.eq(user.as_uuid()))
                    .select(StudyGuideRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
            })
            .await
            .map(StudyGuide::from)
    }

    async fn list(
        &self,
        user: UserId,
        filter: StudyGuideFilter,
        page: PageRequest,
    ) -> DomainResult<Page<StudyGuide>> {
        let query = || {
            let mut query = study_guides::table
                .filter(study_guides::user_id.eq(user.as_uuid()))
                .select(StudyGuideRow::as_select())
                .order((study_guides::created_at.desc(), study_guides::id.desc()))
                .limit(page.fetch_limit())
                .into_boxed();
            if let Some(course) = filter.course_id {
                query = query.filter(study_guides::course_id.eq(course.as_uuid()));
            }
            if let Some(note) = filter.note_id {
                query = query.filter(study_guides::note_id.eq(note.as_uuid()));
            }
            if let Some(document) = filter.document_id {
                query = query.filter(study_guides::document_id.eq(document.as_uuid()));
            }
            if let Some(cursor) = page.cursor {
                query = query.filter(after_cursor(
                    "study_guides.created_at",
                    "study_guides.id",
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
            rows.into_iter().map(StudyGuide::from).collect(),
            page,
            |g| (g.created_at, g.id.as_uuid()),
        ))
    }

    async fn update(
        &self,
        user: UserId,
        id: StudyGuideId,
        update: StudyGuideUpdate,
    ) -> DomainResult<StudyGuide> {
        let links = update.links;
        let targets = links.new_targets();
        let changes = StudyGuideChanges {
            title: update.title.map(String::from),
            content: update.content.map(String::from),
            note_id: links.note_id.map(|v| v.map(|id| id.as_uuid())),
            course_id: links.course_id.map(|v| v.map(|id| id.as_uuid())),
            document_id: links.document_id.map(|v| v.map(|id| id.as_uuid())),
            updated_at: self.clock.now(),
        };
        let (user_id, guide_id) = (user.as_uuid(), id.as_uuid());
        let mut conn = self.db.conn().await?;
        let row = if targets.is_empty() {
            update_guide(&mut conn, user_id, guide_id, &changes)
                .await
                .map_err(|e| from_diesel(ENTITY, e))?
        } else {
            conn.transaction::<_, StoreError, _>(async |conn| {
                ensure_links_owned(conn, user, targets).await?;
                Ok(update_guide(conn, user_id, guide_id, &changes).await?)
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?
        };
        Ok(row.into())
    }

    async fn delete(&self, user: UserId, id: StudyGuideId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        let deleted = diesel::delete(
            study_guides::table
                .filter(study_guides::id.eq(id.as_uuid()))
                .filter(study_guides::user_id.eq(user.as_uuid())),
        )
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        if deleted == 0 {
            return Err(DomainError::not_found(ENTITY));
        }
        Ok(())
    }
}
