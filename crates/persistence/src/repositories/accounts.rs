//! Accounts (the password credential and linked OAuth accounts) on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use sophie_domain::values::PasswordHash;
use sophie_domain::{
    Account, AccountId, AccountRepository, AccountTokens, DomainError, DomainResult, NewAccount,
    UserId,
};
use uuid::Uuid;

use crate::confirmed::ConfirmedDsl as _;
use crate::error::{StoreError, from_diesel};
use crate::schema::{accounts, users};
use crate::store::PostgresStore;

const ENTITY: &str = "account";

#[derive(Queryable, Selectable)]
#[diesel(table_name = accounts, check_for_backend(diesel::pg::Pg))]
pub(super) struct AccountRow {
    id: Uuid,
    account_id: String,
    provider_id: String,
    user_id: Uuid,
    access_token: Option<String>,
    refresh_token: Option<String>,
    id_token: Option<String>,
    access_token_expires_at: Option<DateTime<Utc>>,
    refresh_token_expires_at: Option<DateTime<Utc>>,
    scope: Option<String>,
    password: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<AccountRow> for Account {
    fn from(row: AccountRow) -> Self {
        Self {
            id: row.id.into(),
            account_id: row.account_id,
            provider_id: row.provider_id,
            user_id: row.user_id.into(),
            access_token: row.access_token,
            refresh_token: row.refresh_token,
            id_token: row.id_token,
            access_token_expires_at: row.access_token_expires_at,
            refresh_token_expires_at: row.refresh_token_expires_at,
            scope: row.scope,
            password: row.password.map(PasswordHash::new),
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = accounts, treat_none_as_default_value = false)]
pub(super) struct NewAccountRow {
    id: Uuid,
    account_id: String,
    provider_id: String,
    user_id: Uuid,
    access_token: Option<String>,
    refresh_token: Option<String>,
    id_token: Option<String>,
    access_token_expires_at: Option<DateTime<Utc>>,
    refresh_token_expires_at: Option<DateTime<Utc>>,
    scope: Option<String>,
    password: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl NewAccountRow {
    /// The row of `new`, stamped `now` (also used by the user's sign-up transaction).
    pub(super) fn new(new: NewAccount, now: DateTime<Utc>) -> Self {
        Self {
            id: AccountId::new().as_uuid(),
            account_id: new.account_id,
            provider_id: new.provider_id,
            user_id: new.user_id.as_uuid(),
            access_token: new.access_token,
            refresh_token: new.refresh_token,
            id_token: new.id_token,
            access_token_expires_at: new.access_token_expires_at,
            refresh_token_expires_at: new.refresh_token_expires_at,
            scope: new.scope,
            password: new.password.map(|p| p.as_str().to_owned()),
            created_at: now,
            updated_at: now,
        }
    }
}

#[async_trait]
impl AccountRepository for PostgresStore {
    async fn create(&self, new: NewAccount) -> DomainResult<Account> {
        let row = NewAccountRow::new(new, self.clock.now());
        let mut conn = self.db.conn().await?;
        diesel::insert_into(accounts::table)
            .values(row)
            .returning(AccountRow::as_returning())
            .one(&mut conn)
            .await
            .map(Account::from)
            .map_err(|e| from_diesel(ENTITY, e))
    }

    async fn find_by_provider(
        &self,
        provider_id: &str,
        account_id: &str,
    ) -> DomainResult<Option<Account>> {
        let row = self
            .db
            .read(ENTITY, async |conn| {
                accounts::table
                    .filter(accounts::provider_id.eq(provider_id))
                    .filter(accounts::account_id.eq(account_id))
                    .select(AccountRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
                    .optional()
            })
            .await?;
        Ok(row.map(Account::from))
    }

    async fn find_credential(&self, user: UserId) -> DomainResult<Option<Account>> {
        // At most one in practice (its account id is the user's id); the oldest if not.
        let row = self
            .db
            .read(ENTITY, async |conn| {
                accounts::table
                    .filter(accounts::user_id.eq(user.as_uuid()))
                    .filter(accounts::provider_id.eq(Account::CREDENTIAL_PROVIDER))
                    .order((accounts::created_at.asc(), accounts::id.asc()))
                    .select(AccountRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
                    .optional()
            })
            .await?;
        Ok(row.map(Account::from))
    }

    async fn list_for_user(&self, user: UserId) -> DomainResult<Vec<Account>> {
        let rows = self
            .db
            .read(ENTITY, async |conn| {
                accounts::table
                    .filter(accounts::user_id.eq(user.as_uuid()))
                    .order((accounts::created_at.asc(), accounts::id.asc()))
                    .select(AccountRow::as_select())
                    .load(conn)
                    .await
            })
            .await?;
        Ok(rows.into_iter().map(Account::from).collect())
    }

    async fn set_password(&self, user: UserId, password: PasswordHash) -> DomainResult<()> {
        // The same account `find_credential` answers (the oldest, should there be several),
        // chosen and updated in one statement; the subquery reads `accounts` under an alias.
        let oldest = diesel::alias!(accounts as oldest_credential);
        let credential = oldest
            .filter(oldest.field(accounts::user_id).eq(user.as_uuid()))
            .filter(
                oldest
                    .field(accounts::provider_id)
                    .eq(Account::CREDENTIAL_PROVIDER),
            )
            .order((
                oldest.field(accounts::created_at).asc(),
                oldest.field(accounts::id).asc(),
            ))
            .select(oldest.field(accounts::id))
            .limit(1)
            .single_value();
        let mut conn = self.db.conn().await?;
        let updated =
            diesel::update(accounts::table.filter(accounts::id.nullable().eq(credential)))
                .set((
                    accounts::password.eq(Some(password.as_str())),
                    accounts::updated_at.eq(self.clock.now()),
                ))
                .execute(&mut conn)
                .await
                .map_err(|e| from_diesel(ENTITY, e))?;
        if updated == 0 {
            return Err(DomainError::not_found(ENTITY));
        }
        Ok(())
    }

    async fn set_tokens(
        &self,
        user: UserId,
        id: AccountId,
        tokens: AccountTokens,
    ) -> DomainResult<Account> {
        let mut conn = self.db.conn().await?;
        diesel::update(
            accounts::table
                .filter(accounts::id.eq(id.as_uuid()))
                .filter(accounts::user_id.eq(user.as_uuid())),
        )
        .set((
            accounts::access_token.eq(tokens.access_token),
            accounts::refresh_token.eq(tokens.refresh_token),
            accounts::id_token.eq(tokens.id_token),
            accounts::access_token_expires_at.eq(tokens.access_token_expires_at),
            accounts::refresh_token_expires_at.eq(tokens.refresh_token_expires_at),
            accounts::scope.eq(tokens.scope),
            accounts::updated_at.eq(self.clock.now()),
        ))
        .returning(AccountRow::as_returning())
        .one(&mut conn)
        .await
        .optional()
        .map_err(|e| from_diesel(ENTITY, e))?
        .map(Account::from)
        .ok_or(DomainError::not_found(ENTITY))
    }

    async fn delete(&self, user: UserId, id: AccountId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        // The user's row is locked first, so of two unlinks at once the second counts after
        // the first has deleted: the last account always stays.
        conn.transaction::<_, StoreError, _>(async |conn| {
            let locked = users::table
                .filter(users::id.eq(user.as_uuid()))
                .select(users::id)
                .for_update()
                .load::<Uuid>(conn)
                .await?;
            if locked.is_empty() {
                return Err(StoreError::Domain(DomainError::not_found(ENTITY)));
            }
            let owned: Vec<Uuid> = accounts::table
                .filter(accounts::user_id.eq(user.as_uuid()))
                .select(accounts::id)
                .load(conn)
                .await?;
            if !owned.contains(&id.as_uuid()) {
                return Err(StoreError::Domain(DomainError::not_found(ENTITY)));
            }
            if owned.len() <= 1 {
                return Err(StoreError::Domain(DomainError::conflict(
                    "id",
                    Account::LAST_ACCOUNT,
                )));
            }
            diesel::delete(accounts::table.filter(accounts::id.eq(id.as_uuid())))
                .execute(conn)
                .await?;
            Ok(())
        })
        .await
        .map_err(|e| e.into_domain(ENTITY))
    }
}
