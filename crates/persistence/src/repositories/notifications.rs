//! Notifications on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sophie_domain::values::Link;
use sophie_domain::{
    DomainError, DomainResult, NewNotification, Notification, NotificationFilter, NotificationId,
    NotificationRepository, Page, PageRequest, SortOrder, UserId,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::from_diesel;
use crate::keyset::after_cursor;
use crate::pg_enums::PgNotificationType;
use crate::schema::notifications;
use crate::store::PostgresStore;

const ENTITY: &str = "notification";

#[derive(Queryable, Selectable)]
#[diesel(table_name = notifications, check_for_backend(diesel::pg::Pg))]
struct NotificationRow {
    id: Uuid,
    type_: PgNotificationType,
    title: String,
    message: String,
    read: bool,
    link: Option<String>,
    user_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<NotificationRow> for Notification {
    fn from(row: NotificationRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            notification_type: row.type_.into(),
            title: row.title,
            message: row.message,
            read: row.read,
            link: row.link,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = notifications, treat_none_as_default_value = false)]
struct NewNotificationRow {
    id: Uuid,
    type_: PgNotificationType,
    title: String,
    message: String,
    read: bool,
    link: Option<String>,
    user_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    dedup_key: Option<String>,
}

/// A number of rows, as the ports report it.
fn count(rows: impl TryInto<u64>) -> u64 {
    rows.try_into().unwrap_or(0)
}

/// `user`'s unread notification, stamped `now`.
fn new_row(
    user: UserId,
    new: NewNotification,
    dedup_key: Option<String>,
    now: DateTime<Utc>,
) -> NewNotificationRow {
    NewNotificationRow {
        id: NotificationId::new().as_uuid(),
        type_: new.notification_type.into(),
        title: new.title.into_inner(),
        message: new.message.into_inner(),
        read: false,
        link: new.link.map(Link::into_inner),
        user_id: user.as_uuid(),
        created_at: now,
        updated_at: now,
        dedup_key,
    }
}

/// Sends `user` the notification `new`, stamped `now`, on `conn` (alone, or as one write of a
/// transaction).
pub(super) async fn insert_notification(
    conn: &mut AsyncPgConnection,
    user: UserId,
    new: NewNotification,
    now: DateTime<Utc>,
) -> QueryResult<Notification> {
    diesel::insert_into(notifications::table)
        .values(new_row(user, new, None, now))
        .returning(NotificationRow::as_returning())
        .one(conn)
        .await
        .map(Notification::from)
}

#[async_trait]
impl NotificationRepository for PostgresStore {
    async fn create(&self, user: UserId, new: NewNotification) -> DomainResult<Notification> {
        let now = self.clock.now();
        let mut conn = self.db.conn().await?;
        insert_notification(&mut conn, user, new, now)
            .await
            .map_err(|e| from_diesel(ENTITY, e))
    }

    async fn create_once(
        &self,
        user: UserId,
        key: String,
        new: NewNotification,
    ) -> DomainResult<Notification> {
        if key.is_empty() || key.chars().count() > 200 {
            return Err(DomainError::validation(
                "key",
                "must be 1 to 200 characters",
            ));
        }
        let row = new_row(user, new, Some(key.clone()), self.clock.now());
        let mut conn = self.db.conn().await?;
        // Inserts nothing when the key was used; then the one sent is read back. A row deleted
        // in between frees the key, so the loop inserts again.
        for _ in 0..3 {
            let inserted = diesel::insert_into(notifications::table)
                .values(&row)
                .on_conflict((notifications::user_id, notifications::dedup_key))
                .do_nothing()
                .returning(NotificationRow::as_returning())
                .one(&mut conn)
                .await
                .optional()
                .map_err(|e| from_diesel(ENTITY, e))?;
            if let Some(inserted) = inserted {
                return Ok(inserted.into());
            }
            let sent = notifications::table
                .filter(notifications::user_id.eq(user.as_uuid()))
                .filter(notifications::dedup_key.eq(&key))
                .select(NotificationRow::as_select())
                .limit(1)
                .one(&mut conn)
                .await
                .optional()
                .map_err(|e| from_diesel(ENTITY, e))?;
            if let Some(sent) = sent {
                return Ok(sent.into());
            }
        }
        Err(DomainError::conflict(
            "key",
            "notifications with this key keep being sent and deleted; try again",
        ))
    }

    async fn list(
        &self,
        user: UserId,
        filter: NotificationFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Notification>> {
        // `(user_id, read, created_at, id)` serves the unread list, `(user_id, created_at,
        // id)` the full one.
        let query = || {
            let mut query = notifications::table
                .filter(notifications::user_id.eq(user.as_uuid()))
                .select(NotificationRow::as_select())
                .order((notifications::created_at.desc(), notifications::id.desc()))
                .limit(page.fetch_limit())
                .into_boxed();
            if filter.unread_only {
                query = query.filter(notifications::read.eq(false));
            }
            if let Some(cursor) = page.cursor {
                query = query.filter(after_cursor(
                    "notifications.created_at",
                    "notifications.id",
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
            rows.into_iter().map(Notification::from).collect(),
            page,
            |n| (n.created_at, n.id.as_uuid()),
        ))
    }

    async fn count_unread(&self, user: UserId) -> DomainResult<u64> {
        let unread: i64 = self
            .db
            .read(ENTITY, async |conn| {
                notifications::table
                    .filter(notifications::user_id.eq(user.as_uuid()))
                    .filter(notifications::read.eq(false))
                    .count()
                    .one(conn)
                    .await
            })
            .await?;
        Ok(count(unread))
    }

    async fn mark_read(&self, user: UserId, id: NotificationId) -> DomainResult<Notification> {
        let now = self.clock.now();
        let mut conn = self.db.conn().await?;
        diesel::update(
            notifications::table
                .filter(notifications::id.eq(id.as_uuid()))
                .filter(notifications::user_id.eq(user.as_uuid())),
        )
        .set((
            notifications::read.eq(true),
            notifications::updated_at.eq(now),
        ))
        .returning(NotificationRow::as_returning())
        .one(&mut conn)
        .await
        .map(Notification::from)
        .map_err(|e| from_diesel(ENTITY, e))
    }

    async fn mark_all_read(&self, user: UserId) -> DomainResult<u64> {
        let now = self.clock.now();
        let mut conn = self.db.conn().await?;
        // Only the unread ones change (and count).
        let changed = diesel::update(
            notifications::table
                .filter(notifications::user_id.eq(user.as_uuid()))
                .filter(notifications::read.eq(false)),
        )
        .set((
            notifications::read.eq(true),
            notifications::updated_at.eq(now),
        ))
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        Ok(count(changed))
    }

    async fn delete(&self, user: UserId, id: NotificationId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        let deleted = diesel::delete(
            notifications::table
                .filter(notifications::id.eq(id.as_uuid()))
                .filter(notifications::user_id.eq(user.as_uuid())),
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
