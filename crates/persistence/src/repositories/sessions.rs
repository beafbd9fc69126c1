//! Sessions on PostgreSQL, found by the hash of their bearer token.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use sophie_domain::{
    DomainError, DomainResult, NewSession, Session, SessionId, SessionRepository, UserId,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::from_diesel;
use crate::schema::sessions;
use crate::store::PostgresStore;

const ENTITY: &str = "session";

#[derive(Queryable, Selectable)]
#[diesel(table_name = sessions, check_for_backend(diesel::pg::Pg))]
struct SessionRow {
    id: Uuid,
    expires_at: DateTime<Utc>,
    token: String,
    ip_address: Option<String>,
    user_agent: Option<String>,
    user_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<SessionRow> for Session {
    fn from(row: SessionRow) -> Self {
        Self {
            id: row.id.into(),
            user_id: row.user_id.into(),
            token_hash: row.token,
            expires_at: row.expires_at,
            ip_address: row.ip_address,
            user_agent: row.user_agent,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = sessions, treat_none_as_default_value = false)]
struct NewSessionRow {
    id: Uuid,
    expires_at: DateTime<Utc>,
    token: String,
    ip_address: Option<String>,
    user_agent: Option<String>,
    user_id: Uuid,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Converts a row count to the ports' `u64` (a count is never negative).
fn count(rows: usize) -> u64 {
    u64::try_from(rows).unwrap_or(u64::MAX)
}

#[async_trait]
impl SessionRepository for PostgresStore {
    async fn create(&self, new: NewSession) -> DomainResult<Session> {
        let now = self.clock.now();
        let row = NewSessionRow {
            id: SessionId::new().as_uuid(),
            expires_at: new.expires_at,
            token: new.token_hash,
            ip_address: new.ip_address,
            user_agent: new.user_agent,
            user_id: new.user_id.as_uuid(),
            created_at: now,
            updated_at: now,
        };
        let mut conn = self.db.conn().await?;
        diesel::insert_into(sessions::table)
            .values(row)
            .returning(SessionRow::as_returning())
            .one(&mut conn)
            .await
            .map(Session::from)
            .map_err(|e| from_diesel(ENTITY, e))
    }

    async fn find_by_token_hash(&self, token_hash: &str) -> DomainResult<Option<Session>> {
        let row = self
            .db
            .read(ENTITY, async |conn| {
                sessions::table
                    .filter(sessions::token.eq(token_hash))
                    .select(SessionRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
                    .optional()
            })
            .await?;
        Ok(row.map(Session::from))
    }

    async fn extend(
        &self,
        user: UserId,
        id: SessionId,
        expires_at: DateTime<Utc>,
    ) -> DomainResult<Session> {
        let mut conn = self.db.conn().await?;
        diesel::update(
            sessions::table
                .filter(sessions::id.eq(id.as_uuid()))
                .filter(sessions::user_id.eq(user.as_uuid())),
        )
        .set((
            sessions::expires_at.eq(expires_at),
            sessions::updated_at.eq(self.clock.now()),
        ))
        .returning(SessionRow::as_returning())
        .one(&mut conn)
        .await
        .map(Session::from)
        .map_err(|e| from_diesel(ENTITY, e))
    }

    async fn delete(&self, user: UserId, id: SessionId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        let deleted = diesel::delete(
            sessions::table
                .filter(sessions::id.eq(id.as_uuid()))
                .filter(sessions::user_id.eq(user.as_uuid())),
        )
        .execute(&mut conn)
        .await
        .map_err(|e| from_diesel(ENTITY, e))?;
        if deleted == 0 {
            return Err(DomainError::not_found(ENTITY));
        }
        Ok(())
    }

    async fn delete_all_for_user(
        &self,
        user: UserId,
        keep: Option<SessionId>,
    ) -> DomainResult<u64> {
        let mut query = diesel::delete(sessions::table)
            .filter(sessions::user_id.eq(user.as_uuid()))
            .into_boxed();
        if let Some(keep) = keep {
            query = query.filter(sessions::id.ne(keep.as_uuid()));
        }
        let mut conn = self.db.conn().await?;
        query
            .execute(&mut conn)
            .await
            .map(count)
            .map_err(|e| from_diesel(ENTITY, e))
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> DomainResult<u64> {
        let mut conn = self.db.conn().await?;
        diesel::delete(sessions::table.filter(sessions::expires_at.lt(now)))
            .execute(&mut conn)
            .await
            .map(count)
            .map_err(|e| from_diesel(ENTITY, e))
    }
}
