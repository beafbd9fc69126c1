//! Users on PostgreSQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use sophie_domain::values::{Email, PasswordHash, WebUrl};
use sophie_domain::{
    Account, DomainError, DomainResult, NewAccount, NewUser, User, UserId, UserRepository,
    UserUpdate,
};
use uuid::Uuid;

use super::accounts::{AccountRow, NewAccountRow};
use crate::confirmed::ConfirmedDsl as _;
use crate::error::{StoreError, from_diesel};
use crate::schema::{accounts, users};
use crate::store::PostgresStore;

const ENTITY: &str = "user";

#[derive(Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
struct UserRow {
    id: Uuid,
    name: String,
    email: String,
    email_verified: bool,
    image: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    default_reminders: Option<Vec<Option<i32>>>,
    locale: Option<String>,
    time_zone: Option<String>,
}

impl From<UserRow> for User {
    fn from(row: UserRow) -> Self {
        Self {
            id: row.id.into(),
            name: row.name,
            email: row.email,
            email_verified: row.email_verified,
            image: row.image,
            default_reminders: row.default_reminders.map(|minutes| {
                minutes
                    .into_iter()
                    .flatten()
                    .filter_map(|m| u32::try_from(m).ok())
                    .collect()
            }),
            locale: row.locale,
            time_zone: row.time_zone,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = users, treat_none_as_default_value = false)]
struct NewUserRow {
    id: Uuid,
    name: String,
    email: String,
    email_verified: bool,
    image: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl NewUserRow {
    fn new(new: NewUser, now: DateTime<Utc>) -> Self {
        Self {
            id: UserId::new().as_uuid(),
            name: new.name.into_inner(),
            // `Email` is already normalised (lower-case), as the `users_email_check` demands.
            email: new.email.into_inner(),
            email_verified: false,
            image: new.image.map(WebUrl::into_inner),
            created_at: now,
            updated_at: now,
        }
    }
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
struct UserChanges {
    name: Option<String>,
    image: Option<Option<String>>,
    email_verified: Option<bool>,
    default_reminders: Option<Option<Vec<Option<i32>>>>,
    locale: Option<Option<String>>,
    time_zone: Option<Option<String>>,
    updated_at: DateTime<Utc>,
}

impl PostgresStore {
    /// Inserts a user and their first account in one transaction: a taken email rolls back
    /// before the account exists, and a failed account insert takes the user with it.
    async fn insert_with_account(
        &self,
        user_row: NewUserRow,
        account_row: NewAccountRow,
    ) -> DomainResult<(User, Account)> {
        let mut conn = self.db.conn().await?;
        let (user, account) = conn
            .transaction::<_, StoreError, _>(async |conn| {
                let user = diesel::insert_into(users::table)
                    .values(user_row)
                    .returning(UserRow::as_returning())
                    .one(conn)
                    .await?;
                let account = diesel::insert_into(accounts::table)
                    .values(account_row)
                    .returning(AccountRow::as_returning())
                    .one(conn)
                    .await?;
                Ok((user, account))
            })
            .await
            .map_err(|e| e.into_domain(ENTITY))?;
        Ok((User::from(user), Account::from(account)))
    }
}

#[async_trait]
impl UserRepository for PostgresStore {
    async fn create(&self, new: NewUser) -> DomainResult<User> {
        let row = NewUserRow::new(new, self.clock.now());
        let mut conn = self.db.conn().await?;
        diesel::insert_into(users::table)
            .values(row)
            .returning(UserRow::as_returning())
            .one(&mut conn)
            .await
            .map(User::from)
            .map_err(|e| from_diesel(ENTITY, e))
    }

    async fn create_with_password(
        &self,
        new: NewUser,
        password: PasswordHash,
    ) -> DomainResult<(User, Account)> {
        let now = self.clock.now();
        let user_row = NewUserRow::new(new, now);
        let account_row =
            NewAccountRow::new(NewAccount::credential(user_row.id.into(), password), now);
        self.insert_with_account(user_row, account_row).await
    }

    async fn create_with_account(
        &self,
        new: NewUser,
        account: NewAccount,
    ) -> DomainResult<(User, Account)> {
        let now = self.clock.now();
        let user_row = NewUserRow {
            // The provider vouched for the address.
            email_verified: true,
            ..NewUserRow::new(new, now)
        };
        let account_row = NewAccountRow::new(
            NewAccount {
                user_id: user_row.id.into(),
                ..account
            },
            now,
        );
        self.insert_with_account(user_row, account_row).await
    }

    async fn get(&self, id: UserId) -> DomainResult<User> {
        self.db
            .read(ENTITY, async |conn| {
                users::table
                    .filter(users::id.eq(id.as_uuid()))
                    .select(UserRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
            })
            .await
            .map(User::from)
    }

    async fn find_by_email(&self, email: &Email) -> DomainResult<Option<User>> {
        let row = self
            .db
            .read(ENTITY, async |conn| {
                users::table
                    .filter(users::email.eq(email.as_str()))
                    .select(UserRow::as_select())
                    .limit(1)
                    .one(conn)
                    .await
                    .optional()
            })
            .await?;
        Ok(row.map(User::from))
    }

    async fn update(&self, id: UserId, update: UserUpdate) -> DomainResult<User> {
        let changes = UserChanges {
            name: update.name.map(|n| n.into_inner()),
            image: update.image.map(|v| v.map(WebUrl::into_inner)),
            email_verified: update.email_verified,
            default_reminders: update.default_reminders.map(|reminders| {
                reminders.map(|r| {
                    r.minutes()
                        .iter()
                        .map(|m| Some(i32::try_from(*m).unwrap_or(i32::MAX)))
                        .collect()
                })
            }),
            locale: update
                .locale
                .map(|locale| locale.map(sophie_domain::values::Locale::into_inner)),
            time_zone: update
                .time_zone
                .map(|zone| zone.map(|zone| zone.name().to_owned())),
            updated_at: self.clock.now(),
        };
        let mut conn = self.db.conn().await?;
        diesel::update(users::table.filter(users::id.eq(id.as_uuid())))
            .set(changes)
            .returning(UserRow::as_returning())
            .one(&mut conn)
            .await
            .map(User::from)
            .map_err(|e| from_diesel(ENTITY, e))
    }

    async fn delete(&self, id: UserId) -> DomainResult<()> {
        let mut conn = self.db.conn().await?;
        // Everything the user owns goes by the schema's ON DELETE CASCADE.
        let deleted = diesel::delete(users::table.filter(users::id.eq(id.as_uuid())))
            .execute(&mut conn)
            .await
            .map_err(|e| from_diesel(ENTITY, e))?;
        if deleted == 0 {
            return Err(DomainError::not_found(ENTITY));
        }
        Ok(())
    }
}
