//! Calendar syncs with Google in memory: the `calendar_syncs` and `calendar_sync_deletions`
//! tables, and the events' `google_synced_sequence` column.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::paging::sorted;
use super::store::{MemoryStore, Tables, count, micros, owned, owned_mut};
use crate::entities::{CalendarEvent, CalendarSync, SyncBacklog, SyncProgress};
use crate::enums::SyncState;
use crate::error::{DomainError, DomainResult};
use crate::id::{AccountId, CalendarEventId, UserId};
use crate::pagination::SortOrder;
use crate::ports::CalendarSyncRepository;

/// The name a missing sync is reported under.
const SYNC: &str = "calendarSync";

/// The name a missing event is reported under, as the calendar repository does.
const EVENT: &str = "calendar event";

/// A `u32` limit as a number of rows.
fn rows(limit: u32) -> usize {
    usize::try_from(limit).unwrap_or(usize::MAX)
}

impl Tables {
    /// The user's sync, to change it.
    fn sync_mut(&mut self, user: UserId) -> DomainResult<&mut CalendarSync> {
        self.calendar_syncs
            .get_mut(&user)
            .ok_or(DomainError::not_found(SYNC))
    }

    /// Starts the user's events over with no remote calendar: clears each one's Google ids and
    /// synced revision, and drops the user's recorded deletions. The events changed are
    /// updated rows, so their `updated_at` moves on.
    fn unlink_events(&mut self, user: UserId, now: DateTime<Utc>) {
        for event in self
            .calendar_events
            .values_mut()
            .filter(|e| e.user_id == user)
        {
            let synced = self.synced_sequences.remove(&event.id).is_some();
            if synced || event.google_event_id.is_some() || event.google_calendar_id.is_some() {
                event.google_event_id = None;
                event.google_calendar_id = None;
                event.updated_at = now;
            }
        }
        self.sync_deletions
            .retain(|(owner, _, _), _| *owner != user);
    }

    /// Records the deletion of `event` for the next push when it is synced to its owner's
    /// sync calendar (in the same call that removes it).
    pub(super) fn record_sync_deletion(&mut self, event: &CalendarEvent, now: DateTime<Utc>) {
        let Some(calendar_id) = self
            .calendar_syncs
            .get(&event.user_id)
            .and_then(|sync| sync.calendar_id.clone())
        else {
            return;
        };
        let remote_id = match &event.google_event_id {
            Some(remote_id) if event.google_calendar_id.as_ref() == Some(&calendar_id) => {
                remote_id.clone()
            }
            // Not linked yet: its insert may have reached Google unheard.
            None if event.subscription_id.is_none() => {
                crate::rules::google_events::remote_id(event.id)
            }
            _ => return,
        };
        self.sync_deletions
            .entry((event.user_id, calendar_id, remote_id))
            .or_insert(now);
    }
}

#[async_trait]
impl CalendarSyncRepository for MemoryStore {
    async fn connect(&self, user: UserId, account: AccountId) -> DomainResult<CalendarSync> {
        self.write(|tables, now| {
            owned(&tables.accounts, user, &account, "account")?;
            let sync = tables
                .calendar_syncs
                .entry(user)
                .and_modify(|sync| {
                    sync.account_id = account;
                    sync.updated_at = now;
                })
                .or_insert_with(|| CalendarSync {
                    user_id: user,
                    account_id: account,
                    calendar_id: None,
                    sync_token: None,
                    state: SyncState::Idle,
                    last_error: None,
                    last_attempt_at: None,
                    last_synced_at: None,
                    created_at: now,
                    updated_at: now,
                });
            Ok(sync.clone())
        })
    }

    async fn get(&self, user: UserId) -> DomainResult<Option<CalendarSync>> {
        self.with_tables(|tables| Ok(tables.calendar_syncs.get(&user).cloned()))
    }

    async fn choose_calendar(
        &self,
        user: UserId,
        calendar_id: String,
    ) -> DomainResult<CalendarSync> {
        self.write(|tables, now| {
            let sync = tables.sync_mut(user)?;
            if sync.calendar_id.as_ref() == Some(&calendar_id) {
                return Ok(sync.clone());
            }
            sync.calendar_id = Some(calendar_id);
            sync.sync_token = None;
            sync.last_error = None;
            sync.updated_at = now;
            let chosen = sync.clone();
            tables.unlink_events(user, now);
            Ok(chosen)
        })
    }

    async fn disconnect(&self, user: UserId) -> DomainResult<()> {
        self.write(|tables, now| {
            tables
                .calendar_syncs
                .remove(&user)
                .ok_or(DomainError::not_found(SYNC))?;
            tables.unlink_events(user, now);
            Ok(())
        })
    }

    async fn record(&self, user: UserId, progress: SyncProgress) -> DomainResult<CalendarSync> {
        self.write(|tables, now| {
            let sync = tables.sync_mut(user)?;
            if let Some(state) = progress.state {
                sync.state = state;
            }
            if let Some(last_error) = progress.last_error {
                sync.last_error = last_error;
            }
            if let Some(at) = progress.last_attempt_at {
                sync.last_attempt_at = Some(micros(at));
            }
            if let Some(at) = progress.last_synced_at {
                sync.last_synced_at = Some(micros(at));
            }
            if let Some(token) = progress.sync_token {
                sync.sync_token = token;
            }
            sync.updated_at = now;
            Ok(sync.clone())
        })
    }

    async fn due(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<UserId>> {
        let before = micros(before);
        self.with_tables(|tables| {
            let mut due: Vec<&CalendarSync> = tables
                .calendar_syncs
                .values()
                .filter(|s| s.calendar_id.is_some() && s.state != SyncState::NeedsReconnection)
                .filter(|s| s.last_attempt_at.is_none_or(|at| at < before))
                .collect();
            // Never started first (`None` sorts first), then the longest ago.
            due.sort_by_key(|s| (s.last_attempt_at, s.user_id.as_uuid()));
            Ok(due
                .into_iter()
                .take(rows(limit))
                .map(|s| s.user_id)
                .collect())
        })
    }

    async fn backlog(
        &self,
        user: UserId,
        calendar_id: String,
        limit: u32,
    ) -> DomainResult<SyncBacklog> {
        self.with_tables(|tables| {
            let out_of_step = tables.calendar_events.values().filter(|e| {
                e.user_id == user
                    && e.subscription_id.is_none()
                    && (tables.synced_sequences.get(&e.id) != Some(&e.sequence)
                        || e.google_calendar_id.as_ref() != Some(&calendar_id))
            });
            let mut events = sorted(out_of_step, SortOrder::OldestFirst, |e| {
                (e.updated_at, e.id.as_uuid())
            });
            events.truncate(rows(limit));
            let mut deleted: Vec<(DateTime<Utc>, &String)> = tables
                .sync_deletions
                .iter()
                .filter(|((owner, calendar, _), _)| *owner == user && *calendar == calendar_id)
                .map(|((_, _, remote_id), at)| (*at, remote_id))
                .collect();
            deleted.sort();
            Ok(SyncBacklog {
                events: events.into_iter().cloned().collect(),
                deleted: deleted
                    .into_iter()
                    .map(|(_, remote_id)| remote_id.clone())
                    .collect(),
            })
        })
    }

    async fn mark_synced(
        &self,
        user: UserId,
        id: CalendarEventId,
        calendar_id: String,
        remote_id: String,
        sequence: u32,
    ) -> DomainResult<()> {
        self.write(|tables, now| {
            let event = owned_mut(&mut tables.calendar_events, user, &id, EVENT)?;
            event.google_calendar_id = Some(calendar_id);
            event.google_event_id = Some(remote_id);
            event.updated_at = now;
            if event.sequence == sequence {
                tables.synced_sequences.insert(id, sequence);
            }
            Ok(())
        })
    }

    async fn forget_deleted(
        &self,
        user: UserId,
        calendar_id: String,
        remote_ids: Vec<String>,
    ) -> DomainResult<()> {
        self.with_tables(|tables| {
            for remote_id in remote_ids {
                tables
                    .sync_deletions
                    .remove(&(user, calendar_id.clone(), remote_id));
            }
            Ok(())
        })
    }

    async fn linked(
        &self,
        user: UserId,
        calendar_id: String,
        remote_ids: Vec<String>,
        ids: Vec<CalendarEventId>,
    ) -> DomainResult<Vec<CalendarEvent>> {
        let remote_ids: BTreeSet<String> = remote_ids.into_iter().collect();
        let ids: BTreeSet<CalendarEventId> = ids.into_iter().collect();
        self.with_tables(|tables| {
            let found = tables
                .calendar_events
                .values()
                .filter(|e| e.user_id == user)
                .filter(|e| {
                    let by_remote_id = e.google_calendar_id.as_ref() == Some(&calendar_id)
                        && e.google_event_id
                            .as_ref()
                            .is_some_and(|remote_id| remote_ids.contains(remote_id));
                    by_remote_id || ids.contains(&e.id)
                });
            // By start, as the SQL query reads them (the order is not part of the contract).
            Ok(sorted(found, SortOrder::OldestFirst, |e| {
                (e.start_date, e.id.as_uuid())
            })
            .into_iter()
            .cloned()
            .collect())
        })
    }

    async fn delete_pulled(&self, user: UserId, ids: Vec<CalendarEventId>) -> DomainResult<u64> {
        let ids: BTreeSet<CalendarEventId> = ids.into_iter().collect();
        self.with_tables(|tables| {
            let deleted =
                tables.delete_calendar_events(|e| e.user_id == user && ids.contains(&e.id));
            Ok(count(deleted))
        })
    }
}
