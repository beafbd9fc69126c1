//! Users, sessions, accounts and verifications in memory.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::paging::sorted;
use super::store::{MemoryStore, Tables, count, micros, owned, owned_mut};
use crate::entities::{
    Account, AccountTokens, NewAccount, NewSession, NewUser, NewVerification, Session, User,
    UserUpdate, Verification,
};
use crate::error::{DomainError, DomainResult};
use crate::id::{AccountId, SessionId, UserId, VerificationId};
use crate::pagination::SortOrder;
use crate::ports::{AccountRepository, SessionRepository, UserRepository, VerificationRepository};
use crate::values::{Email, PasswordHash, WebUrl};

impl Tables {
    fn insert_user(
        &mut self,
        new: NewUser,
        email_verified: bool,
        now: DateTime<Utc>,
    ) -> DomainResult<User> {
        let email = new.email.into_inner();
        if self.users.values().any(|u| u.email == email) {
            return Err(DomainError::conflict(
                "email",
                "an account with this email address already exists",
            ));
        }
        let user = User {
            id: UserId::new(),
            name: new.name.into_inner(),
            email,
            email_verified,
            image: new.image.map(WebUrl::into_inner),
            default_reminders: None,
            locale: None,
            time_zone: None,
            created_at: now,
            updated_at: now,
        };
        self.users.insert(user.id, user.clone());
        Ok(user)
    }

    fn insert_account(&mut self, new: NewAccount, now: DateTime<Utc>) -> DomainResult<Account> {
        if !self.users.contains_key(&new.user_id) {
            return Err(DomainError::not_found("user"));
        }
        let taken = self
            .accounts
            .values()
            .any(|a| a.provider_id == new.provider_id && a.account_id == new.account_id);
        if taken {
            return Err(DomainError::conflict(
                "accountId",
                "this account is already linked",
            ));
        }
        let account = Account {
            id: AccountId::new(),
            account_id: new.account_id,
            provider_id: new.provider_id,
            user_id: new.user_id,
            access_token: new.access_token,
            refresh_token: new.refresh_token,
            id_token: new.id_token,
            access_token_expires_at: new.access_token_expires_at.map(micros),
            refresh_token_expires_at: new.refresh_token_expires_at.map(micros),
            scope: new.scope,
            password: new.password,
            created_at: now,
            updated_at: now,
        };
        self.accounts.insert(account.id, account.clone());
        Ok(account)
    }

    /// A user and their first account, both or neither (as a rolled-back transaction would
    /// leave them).
    fn insert_user_with_account(
        &mut self,
        new: NewUser,
        email_verified: bool,
        now: DateTime<Utc>,
        account: impl FnOnce(UserId) -> NewAccount,
    ) -> DomainResult<(User, Account)> {
        let user = self.insert_user(new, email_verified, now)?;
        match self.insert_account(account(user.id), now) {
            Ok(account) => Ok((user, account)),
            Err(error) => {
                self.users.remove(&user.id);
                Err(error)
            }
        }
    }

    fn credential_of(&mut self, user: UserId) -> Option<&mut Account> {
        // At most one in practice (the account id is the user's id); the oldest wins if not.
        self.accounts
            .values_mut()
            .filter(|a| a.user_id == user && a.provider_id == Account::CREDENTIAL_PROVIDER)
            .min_by_key(|a| (a.created_at, a.id))
    }
}

#[async_trait]
impl UserRepository for MemoryStore {
    async fn create(&self, new: NewUser) -> DomainResult<User> {
        self.write(|tables, now| tables.insert_user(new, false, now))
    }

    async fn create_with_password(
        &self,
        new: NewUser,
        password: PasswordHash,
    ) -> DomainResult<(User, Account)> {
        self.write(|tables, now| {
            tables.insert_user_with_account(new, false, now, |user| {
                NewAccount::credential(user, password)
            })
        })
    }

    async fn create_with_account(
        &self,
        new: NewUser,
        account: NewAccount,
    ) -> DomainResult<(User, Account)> {
        self.write(|tables, now| {
            tables.insert_user_with_account(new, true, now, |user_id| NewAccount {
                user_id,
                ..account
            })
        })
    }

    async fn get(&self, id: UserId) -> DomainResult<User> {
        self.with_tables(|tables| {
            tables
                .users
                .get(&id)
                .cloned()
                .ok_or(DomainError::not_found("user"))
        })
    }

    async fn find_by_email(&self, email: &Email) -> DomainResult<Option<User>> {
        self.with_tables(|tables| {
            Ok(tables
                .users
                .values()
                .find(|u| u.email == email.as_str())
                .cloned())
        })
    }

    async fn update(&self, id: UserId, update: UserUpdate) -> DomainResult<User> {
        self.write(|tables, now| {
            let user = tables
                .users
                .get_mut(&id)
                .ok_or(DomainError::not_found("user"))?;
            if let Some(name) = update.name {
                user.name = name.into_inner();
            }
            if let Some(image) = update.image {
                user.image = image.map(WebUrl::into_inner);
            }
            if let Some(verified) = update.email_verified {
                user.email_verified = verified;
            }
            if let Some(reminders) = update.default_reminders {
                user.default_reminders = reminders.map(|r| r.minutes().to_vec());
            }
            if let Some(locale) = update.locale {
                user.locale = locale.map(crate::values::Locale::into_inner);
            }
            if let Some(zone) = update.time_zone {
                user.time_zone = zone.map(|zone| zone.name().to_owned());
            }
            user.updated_at = now;
            Ok(user.clone())
        })
    }

    async fn delete(&self, id: UserId) -> DomainResult<()> {
        self.write(|tables, now| {
            if !tables.users.contains_key(&id) {
                return Err(DomainError::not_found("user"));
            }
            tables.delete_user(id, now);
            Ok(())
        })
    }
}

#[async_trait]
impl SessionRepository for MemoryStore {
    async fn create(&self, new: NewSession) -> DomainResult<Session> {
        self.write(|tables, now| {
            if !tables.users.contains_key(&new.user_id) {
                return Err(DomainError::not_found("user"));
            }
            if tables
                .sessions
                .values()
                .any(|s| s.token_hash == new.token_hash)
            {
                return Err(DomainError::conflict(
                    "token",
                    "this session token is taken",
                ));
            }
            let session = Session {
                id: SessionId::new(),
                user_id: new.user_id,
                token_hash: new.token_hash,
                expires_at: micros(new.expires_at),
                ip_address: new.ip_address,
                user_agent: new.user_agent,
                created_at: now,
                updated_at: now,
            };
            tables.sessions.insert(session.id, session.clone());
            Ok(session)
        })
    }

    async fn find_by_token_hash(&self, token_hash: &str) -> DomainResult<Option<Session>> {
        self.with_tables(|tables| {
            Ok(tables
                .sessions
                .values()
                .find(|s| s.token_hash == token_hash)
                .cloned())
        })
    }

    async fn extend(
        &self,
        user: UserId,
        id: SessionId,
        expires_at: DateTime<Utc>,
    ) -> DomainResult<Session> {
        self.write(|tables, now| {
            let session = owned_mut(&mut tables.sessions, user, &id, "session")?;
            session.expires_at = micros(expires_at);
            session.updated_at = now;
            Ok(session.clone())
        })
    }

    async fn delete(&self, user: UserId, id: SessionId) -> DomainResult<()> {
        self.with_tables(|tables| {
            owned(&tables.sessions, user, &id, "session")?;
            tables.sessions.remove(&id);
            Ok(())
        })
    }

    async fn delete_all_for_user(
        &self,
        user: UserId,
        keep: Option<SessionId>,
    ) -> DomainResult<u64> {
        self.with_tables(|tables| {
            let before = tables.sessions.len();
            tables
                .sessions
                .retain(|id, s| s.user_id != user || Some(*id) == keep);
            Ok(count(before - tables.sessions.len()))
        })
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> DomainResult<u64> {
        let now = micros(now);
        self.with_tables(|tables| {
            let before = tables.sessions.len();
            tables.sessions.retain(|_, s| s.expires_at >= now);
            Ok(count(before - tables.sessions.len()))
        })
    }
}

#[async_trait]
impl AccountRepository for MemoryStore {
    async fn create(&self, new: NewAccount) -> DomainResult<Account> {
        self.write(|tables, now| tables.insert_account(new, now))
    }

    async fn find_by_provider(
        &self,
        provider_id: &str,
        account_id: &str,
    ) -> DomainResult<Option<Account>> {
        self.with_tables(|tables| {
            Ok(tables
                .accounts
                .values()
                .find(|a| a.provider_id == provider_id && a.account_id == account_id)
                .cloned())
        })
    }

    async fn find_credential(&self, user: UserId) -> DomainResult<Option<Account>> {
        self.with_tables(|tables| Ok(tables.credential_of(user).map(|a| a.clone())))
    }

    async fn list_for_user(&self, user: UserId) -> DomainResult<Vec<Account>> {
        self.with_tables(|tables| {
            let accounts = tables
                .accounts
                .values()
                .filter(|a| a.user_id == user)
                .cloned();
            Ok(sorted(accounts, SortOrder::OldestFirst, |a| {
                (a.created_at, a.id.as_uuid())
            }))
        })
    }

    async fn set_password(&self, user: UserId, password: PasswordHash) -> DomainResult<()> {
        self.write(|tables, now| {
            let account = tables
                .credential_of(user)
                .ok_or(DomainError::not_found("account"))?;
            account.password = Some(password);
            account.updated_at = now;
            Ok(())
        })
    }

    async fn set_tokens(
        &self,
        user: UserId,
        id: AccountId,
        tokens: AccountTokens,
    ) -> DomainResult<Account> {
        self.write(|tables, now| {
            let account = owned_mut(&mut tables.accounts, user, &id, "account")?;
            account.access_token = tokens.access_token;
            account.refresh_token = tokens.refresh_token;
            account.id_token = tokens.id_token;
            account.access_token_expires_at = tokens.access_token_expires_at.map(micros);
            account.refresh_token_expires_at = tokens.refresh_token_expires_at.map(micros);
            account.scope = tokens.scope;
            account.updated_at = now;
            Ok(account.clone())
        })
    }

    async fn delete(&self, user: UserId, id: AccountId) -> DomainResult<()> {
        self.with_tables(|tables| {
            owned(&tables.accounts, user, &id, "account")?;
            if tables
                .accounts
                .values()
                .filter(|a| a.user_id == user)
                .count()
                <= 1
            {
                return Err(DomainError::conflict("id", Account::LAST_ACCOUNT));
            }
            tables.delete_account(id);
            Ok(())
        })
    }
}

#[async_trait]
impl VerificationRepository for MemoryStore {
    async fn create(&self, new: NewVerification) -> DomainResult<Verification> {
        self.write(|tables, now| {
            let verification = Verification {
                id: VerificationId::new(),
                identifier: new.identifier.into_inner(),
                value: new.value,
                expires_at: micros(new.expires_at),
                created_at: now,
                updated_at: now,
            };
            tables
                .verifications
                .insert(verification.id, verification.clone());
            Ok(verification)
        })
    }

    async fn find_valid(
        &self,
        identifier: &str,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<Verification>> {
        let now = micros(now);
        self.with_tables(|tables| {
            let valid = tables
                .verifications
                .values()
                .filter(|v| v.identifier == identifier && v.expires_at > now)
                .cloned();
            Ok(sorted(valid, SortOrder::NewestFirst, |v| {
                (v.created_at, v.id.as_uuid())
            }))
        })
    }

    async fn delete(&self, id: VerificationId) -> DomainResult<()> {
        self.with_tables(|tables| {
            tables
                .verifications
                .remove(&id)
                .map(|_| ())
                .ok_or(DomainError::not_found("verification"))
        })
    }

    async fn delete_expired(&self, now: DateTime<Utc>) -> DomainResult<u64> {
        let now = micros(now);
        self.with_tables(|tables| {
            let before = tables.verifications.len();
            tables.verifications.retain(|_, v| v.expires_at >= now);
            Ok(count(before - tables.verifications.len()))
        })
    }
}
