//! A calendar kept by a provider on the student's behalf (Google Calendar): the calls a
//! two-way sync makes, in the provider's own terms.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use crate::entities::{CalendarEvent, CalendarSync, SyncBacklog, SyncProgress};
use crate::error::DomainResult;
use crate::id::{AccountId, CalendarEventId, UserId};

/// A calendar of the student's at the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteCalendar {
    /// Its id (`primary`, or an address-like id).
    pub id: String,
    /// Its name.
    pub summary: String,
    /// Whether it is the student's main calendar.
    pub primary: bool,
    /// What sophie may do in it: `owner`, `writer`, `reader`, `freeBusyReader`.
    pub access_role: String,
}

impl RemoteCalendar {
    /// Whether sophie may write to it: the student owns it or may change its events.
    #[must_use]
    pub fn writable(&self) -> bool {
        self.access_role == "owner" || self.access_role == "writer"
    }
}

/// When an event starts or ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteTime {
    /// A whole day (all-day events; the end is the day after the last).
    Date(NaiveDate),
    /// An instant, with the zone its wall time is kept in (required for repeating events).
    At {
        /// The instant (the provider answers in the event's offset; compared as instants).
        at: DateTime<Utc>,
        /// The IANA zone.
        time_zone: Option<String>,
    },
}

/// Whether an event is still there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemoteStatus {
    /// Confirmed.
    Confirmed,
    /// Tentative.
    Tentative,
    /// Deleted: an incremental list returns deleted events so, with little more than the id.
    Cancelled,
}

/// An event as the provider holds it: the fields sophie maps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteEvent {
    /// Its id: chosen by sophie when it inserts (base32hex, so a retried insert is a conflict,
    /// not a duplicate), or the provider's.
    pub id: String,
    /// Confirmed, tentative or cancelled.
    pub status: RemoteStatus,
    /// The title.
    pub summary: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The location.
    pub location: Option<String>,
    /// The start; `None` only for a cancelled event.
    pub start: Option<RemoteTime>,
    /// The end; `None` only for a cancelled event (the provider requires one otherwise).
    pub end: Option<RemoteTime>,
    /// `RRULE`, `EXDATE`, `RDATE` lines.
    pub recurrence: Vec<String>,
    /// Popup reminders in minutes before (other methods are not read); `None` for the
    /// calendar's defaults.
    pub reminders: Option<Vec<u32>>,
    /// The provider's colour id (`"1"` to `"11"`).
    pub color_id: Option<String>,
    /// Private extended properties (sophie's own event id). A patch adds or changes keys; it
    /// does not remove the ones left out.
    pub private: BTreeMap<String, String>,
    /// When it last changed at the provider (not for an edit of reminders only).
    pub updated: Option<DateTime<Utc>>,
    /// For one occurrence of a repeating event changed or cancelled on its own (the
    /// provider lists it as an event of its own): the repeating event's id. Read only.
    pub recurring_event_id: Option<String>,
    /// For such an occurrence: the start it had in the series. Read only.
    pub original_start: Option<RemoteTime>,
}

/// One page of a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteEventPage {
    /// The events of this page (deleted ones as [`RemoteStatus::Cancelled`]).
    pub events: Vec<RemoteEvent>,
    /// The token of the next page, if any.
    pub next_page_token: Option<String>,
    /// On the last page: the token of the next incremental listing.
    pub next_sync_token: Option<String>,
}

/// Google Calendar (API v3), or a server that speaks it.
///
/// Errors, the same for every call: `Unauthorized` for an access token the provider refuses
/// (refresh it), `Forbidden` for a missing permission (`insufficientPermissions`: not worth
/// retrying), `RateLimited` for `429` and `403 rateLimitExceeded` (back off), `Unavailable`
/// for a provider that keeps failing (`5xx`) or cannot be reached, `NotFound` for a calendar
/// or event that is not there.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CalendarProvider: Send + Sync {
    /// The student's calendars.
    async fn calendars(&self, access_token: &str) -> DomainResult<Vec<RemoteCalendar>>;

    /// Creates a calendar of sophie's own.
    async fn create_calendar(
        &self,
        access_token: &str,
        summary: &str,
        time_zone: &str,
    ) -> DomainResult<RemoteCalendar>;

    /// Inserts `event` under its own id.
    ///
    /// # Errors
    ///
    /// `Conflict` on `id` when an event with that id exists (a retried insert).
    async fn insert(
        &self,
        access_token: &str,
        calendar: &str,
        event: &RemoteEvent,
    ) -> DomainResult<RemoteEvent>;

    /// Replaces the mapped fields of the event with `event.id`.
    ///
    /// # Errors
    ///
    /// `NotFound` when it is not there, or was deleted at the provider.
    async fn patch(
        &self,
        access_token: &str,
        calendar: &str,
        event: &RemoteEvent,
    ) -> DomainResult<RemoteEvent>;

    /// Deletes an event; one already gone (deleted before, or never there) counts as deleted.
    async fn delete(&self, access_token: &str, calendar: &str, id: &str) -> DomainResult<()>;

    /// One page of the calendar's events: all of them (`sync_token` `None`), or those changed
    /// since the listing that gave `sync_token`.
    ///
    /// # Errors
    ///
    /// `Conflict` on `syncToken` when the provider no longer accepts it (`410 Gone`): list
    /// everything again.
    async fn list<'a>(
        &self,
        access_token: &str,
        calendar: &str,
        sync_token: Option<&'a str>,
        page_token: Option<&'a str>,
    ) -> DomainResult<RemoteEventPage>;
}

/// Stores each student's [`CalendarSync`], which of their events are out of step with the
/// remote calendar, and the remote ids of the synced events they deleted.
///
/// [`CalendarRepository::delete`](crate::ports::CalendarRepository::delete) of an event of a
/// student whose sync has a calendar records, in the same transaction, the deletion of its
/// copy there for the next push: under its `googleEventId` when it is linked to that calendar,
/// or, when it is not linked at all (and not a subscription's), under the id sophie inserts it
/// with ([`crate::rules::google_events::remote_id`]): its insert may have reached Google
/// unheard.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CalendarSyncRepository: Send + Sync {
    /// Connects the user's sync through `account`, or moves their sync to it: a new sync has
    /// no calendar yet and state `IDLE`; an existing one keeps its calendar.
    ///
    /// # Errors
    ///
    /// `NotFound` when the account is not the user's.
    async fn connect(&self, user: UserId, account: AccountId) -> DomainResult<CalendarSync>;

    /// The user's sync, if connected.
    async fn get(&self, user: UserId) -> DomainResult<Option<CalendarSync>>;

    /// Keeps the remote calendar `calendar_id` in step. Choosing another calendar than the
    /// current one starts over, in one transaction: the sync token and recorded deletions are
    /// dropped, and every event's `googleEventId`, `googleCalendarId` and synced revision are
    /// cleared, so each is pushed to the new calendar.
    ///
    /// # Errors
    ///
    /// `NotFound` when the user has no sync.
    async fn choose_calendar(
        &self,
        user: UserId,
        calendar_id: String,
    ) -> DomainResult<CalendarSync>;

    /// Disconnects the sync: removes it and its recorded deletions, and clears every event's
    /// `googleEventId`, `googleCalendarId` and synced revision (the events stay), in one
    /// transaction.
    ///
    /// # Errors
    ///
    /// `NotFound` when the user has no sync.
    async fn disconnect(&self, user: UserId) -> DomainResult<()>;

    /// Records how a run goes.
    ///
    /// # Errors
    ///
    /// `NotFound` when the user has no sync (disconnected meanwhile).
    async fn record(&self, user: UserId, progress: SyncProgress) -> DomainResult<CalendarSync>;

    /// Users whose sync has a calendar, does not need reconnecting, and last started a run
    /// before `before` (or never): the longest waiting first, at most `limit`.
    async fn due(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<UserId>>;

    /// What the user's sync must push to `calendar_id`: at most `limit` events out of step
    /// and every recorded deletion in that calendar.
    async fn backlog(
        &self,
        user: UserId,
        calendar_id: String,
        limit: u32,
    ) -> DomainResult<SyncBacklog>;

    /// Records that the user's event `id` is in step as `remote_id` in `calendar_id` at
    /// revision `sequence`. When the event changed meanwhile (its sequence is another), the
    /// ids are recorded but it stays out of step. Its sequence does not change.
    ///
    /// # Errors
    ///
    /// `NotFound` when the event is not the user's (deleted meanwhile).
    async fn mark_synced(
        &self,
        user: UserId,
        id: CalendarEventId,
        calendar_id: String,
        remote_id: String,
        sequence: u32,
    ) -> DomainResult<()>;

    /// Forgets recorded deletions once the remote calendar has them.
    async fn forget_deleted(
        &self,
        user: UserId,
        calendar_id: String,
        remote_ids: Vec<String>,
    ) -> DomainResult<()>;

    /// The user's events synced to `calendar_id` under one of `remote_ids`, or whose own id
    /// is one of `ids` (an insert that reached the provider before its id was recorded), in
    /// one read.
    async fn linked(
        &self,
        user: UserId,
        calendar_id: String,
        remote_ids: Vec<String>,
        ids: Vec<CalendarEventId>,
    ) -> DomainResult<Vec<CalendarEvent>>;

    /// Deletes the user's events `ids` because they were deleted in the remote calendar:
    /// no deletion is recorded for a push. Ids that are not the user's are passed over.
    /// Answers how many were deleted.
    async fn delete_pulled(&self, user: UserId, ids: Vec<CalendarEventId>) -> DomainResult<u64>;
}
