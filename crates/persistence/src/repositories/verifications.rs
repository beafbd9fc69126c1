//! Pending verifications (email confirmation, password reset) on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use sophie_domain::{
    DomainError, DomainResult, NewVerification, Verification, VerificationId,
    VerificationRepository,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::from_diesel;
use crate::schema::verifications;
use crate::store::PostgresStore;

const ENTITY: &str = "verification";

#[derive(Queryable, Selectable)]
#[diesel(table_name = verifications, check_for_backend(diesel::pg::Pg))]
struct VerificationRow {
    id: Uuid,
    identifier: String,
    value: String,
    expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<VerificationRow> for Verification {
    fn from(row: VerificationRow) -> Self {
        Self {
            id: row.id.into(),
            identifier: row.identifier,
            value: row.value,
            expires_at: row.expires_at,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = verifications, treat_none_as_default_value = false)]
struct NewVerificationRow {
    id: Uuid,
    identifier: String,
    value: String,
    expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

#[async_trait]
impl VerificationRepository for PostgresStore {
    async fn create(&self, new: NewVerification) -> DomainResult<Verification> {
        let now = self.clock.now();
        let row = NewVerificationRow {
            id: VerificationId::new().as_uuid(),
            identifier: new.identifier.into_inner(),
            value: new.value,
            expires_at: new.expires_at,
            created_at: now,
            updated_at: now,
        };
        let mut conn = self.db.conn().await?;
        diesel::insert_into(verifications::table)
            .values(row)
            .returning(VerificationRow::as_returning())
            .one(&mut conn)
            .await
            .map(Verification::from)
            .map_err(|e| from_diesel(ENTITY, e))
    }

    async fn find_valid(
        &self,
        identifier: &str,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<Verification>> {
        let rows = self
            .db
            .read(ENTITY, async |conn| {
                verifications::table
                    .filter(verifications::identifier.eq(identifier))
                    .filter(verifications::expires_at.gt(now))
                    .order((verifications::created_at.desc(), verifications::id.desc()))
                    .select(VerificationRow::as_select())
                    .load(conn)
                    .await
            })
            .await?;
        Ok(rows.into_iter().map(Verification::from).collect())
    }

    async fn delete(&self, id: VerificationId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        let deleted =
            diesel::delete(verifications::table.filter(verifications::id.eq(id.as_uuid())))
                .execute(&mut conn)
                .await
                .map_err(|e| from_diesel(ENTITY, e))?;
        if deleted == 0 {
            return Err(DomainError::not_found(ENTITY));
        }
        Ok(())
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> DomainResult<u64> {
        let mut conn = self.db.conn().await?;
        diesel::delete(verifications::table.filter(verifications::expires_at.lt(now)))
            .execute(&mut conn)
            .await
            .map(|rows| u64::try_from(rows).unwrap_or(u64::MAX))
            .map_err(|e| from_diesel(ENTITY, e))
    }
}
