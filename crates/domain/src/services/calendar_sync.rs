//! The two-way sync of a student's calendar with a Google calendar.
//!
//! A run pulls first, then pushes:
//!
//! - **Pull.** The calendar's changes since the last run (`syncToken`), page by page, or all
//!   its events on the first run and when Google no longer accepts the token (`410 Gone`). A
//!   new event is made in sophie; a changed one is changed; a deleted one is deleted. An
//!   event changed on both sides since the last run is settled by the later change: sophie's
//!   `updatedAt` against Google's `updated`, and the run reports which side won. After a full
//!   listing, the events sophie had synced to the calendar that it no longer holds are
//!   deleted, unless changed in sophie since.
//! - **Push.** The events made or changed in sophie since they were last in step, each
//!   inserted under an id derived from its own (so an insert retried after a crash is refused
//!   as a duplicate, and patched instead) or patched; the deletions recorded since the last
//!   run are deleted.
//!
//! Every step can run twice (a worker dies after Google answered, before sophie recorded
//! it) and ends the same, with no duplicate on either side.
//!
//! Not synced: events of calendar subscriptions (their source keeps them), and changes of
//! single occurrences of repeating events (Google lists them as events of their own; they are
//! passed over and counted).

use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use super::calendar::CalendarService;
use super::federation::{CalendarAccess, FederatedSignIn, FlowPurpose, StartedFlow, lost_access};
use crate::entities::{
    CalendarEvent, CalendarEventUpdate, CalendarFilter, CalendarSync, NewCalendarEvent,
    SyncProgress,
};
use crate::enums::{EventType, SyncState};
use crate::error::{DomainError, DomainResult};
use crate::id::{CalendarEventId, UserId};
use crate::jobs::{Job, SyncCalendar};
use crate::pagination::PageRequest;
use crate::ports::{
    CalendarProvider, CalendarRepository, CalendarSyncRepository, Clock, JobQueue, RemoteCalendar,
    RemoteEvent, RemoteStatus,
};
use crate::rules::google_events::{self, PulledEvent};
use crate::values::{Color, TimeZone};

/// The most events out of step a run considers (a student's whole calendar, in practice).
const OUT_OF_STEP_LIMIT: u32 = 100_000;

/// How many push rounds a run makes at most (events changed while a run pushes are pushed
/// by the next round).
const PUSH_ROUNDS: usize = 3;

/// How many syncs one periodic round sends.
const DUE_BATCH: u32 = 500;

/// How long a run waits after a change in sophie, so a burst of edits makes one run.
pub const COALESCE: TimeDelta = TimeDelta::seconds(5);

/// The ports [`CalendarSyncService`] works through.
#[derive(Clone)]
pub struct CalendarSyncPorts {
    /// Sync state, backlogs and recorded deletions.
    pub syncs: Arc<dyn CalendarSyncRepository>,
    /// The student's events.
    pub calendar: Arc<dyn CalendarRepository>,
    /// Google Calendar.
    pub provider: Arc<dyn CalendarProvider>,
    /// Where runs are sent.
    pub queue: Arc<dyn JobQueue>,
    /// The time.
    pub clock: Arc<dyn Clock>,
}

/// Which side an event changed on both sides kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kept {
    /// sophie's change was later: it is pushed.
    Sophie,
    /// Google's change was later: it is pulled.
    Google,
}

/// An event changed on both sides since the last run, and how it was settled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conflict {
    /// The sophie event.
    pub event_id: CalendarEventId,
    /// Its id at Google.
    pub remote_id: String,
    /// When it changed in sophie.
    pub sophie_updated: DateTime<Utc>,
    /// When it changed at Google, if Google said.
    pub google_updated: Option<DateTime<Utc>>,
    /// The side kept.
    pub kept: Kept,
}

/// What a run did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Events made in sophie from Google.
    pub pulled_new: u32,
    /// Events changed in sophie from Google.
    pub pulled_changed: u32,
    /// Events deleted in sophie because they were deleted at Google.
    pub pulled_deleted: u32,
    /// Events inserted at Google.
    pub pushed_new: u32,
    /// Events changed at Google.
    pub pushed_changed: u32,
    /// Events deleted at Google.
    pub pushed_deleted: u32,
    /// Whether Google refused the sync token and everything was listed again.
    pub full_resync: bool,
    /// Events changed on both sides, settled by the later change.
    pub conflicts: Vec<Conflict>,
    /// Google events passed over, with why (changed occurrences of repeating events, times
    /// sophie cannot hold).
    pub skipped: Vec<(String, String)>,
    /// sophie events Google refused, with why.
    pub refused: Vec<(CalendarEventId, String)>,
}

impl SyncReport {
    /// How many changes were sent to Google.
    #[must_use]
    pub const fn pushed(&self) -> u32 {
        self.pushed_new + self.pushed_changed + self.pushed_deleted
    }
}

/// What the student chooses to keep in step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CalendarChoice {
    /// A calendar of theirs, by id.
    Existing(String),
    /// A new calendar sophie creates, with this name, in this zone.
    Create {
        /// Its name.
        name: String,
        /// Its IANA time zone.
        time_zone: TimeZone,
    },
}

/// Sends a run after a change in sophie, for a student whose calendar is synced.
#[derive(Clone)]
pub struct SyncTrigger {
    syncs: Arc<dyn CalendarSyncRepository>,
    queue: Arc<dyn JobQueue>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for SyncTrigger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyncTrigger").finish_non_exhaustive()
    }
}

impl SyncTrigger {
    /// A trigger over these ports.
    #[must_use]
    pub fn new(
        syncs: Arc<dyn CalendarSyncRepository>,
        queue: Arc<dyn JobQueue>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            syncs,
            queue,
            clock,
        }
    }

    /// Sends a run [`COALESCE`] from now for the user, if their calendar is synced; while one
    /// waits or runs, nothing more is sent. The change is saved already, so a failure here is
    /// not the caller's: the periodic run pushes it.
    pub async fn changed(&self, user: UserId) {
        let Ok(Some(sync)) = self.syncs.get(user).await else {
            return;
        };
        if sync.calendar_id.is_none() || sync.state == SyncState::NeedsReconnection {
            return;
        }
        let _ = send(&*self.queue, user, self.clock.now() + COALESCE).await;
    }
}

async fn send(queue: &dyn JobQueue, user: UserId, at: DateTime<Utc>) -> DomainResult<()> {
    let mut job = SyncCalendar { user_id: user }.to_new_job()?;
    job.run_at = Some(at);
    queue.enqueue(job).await.map(|_| ())
}

/// Connects, runs and disconnects students' calendar syncs.
#[derive(Clone)]
pub struct CalendarSyncService {
    ports: CalendarSyncPorts,
    federation: Arc<FederatedSignIn>,
    events: CalendarService,
    interval: TimeDelta,
}

impl std::fmt::Debug for CalendarSyncService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalendarSyncService")
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// What a student whose grant Google revoked reads.
const RECONNECT: &str = "Google no longer lets sophie act for you: connect your calendar again \
                         (POST /api/v1/me/calendar-sync/connect)";

impl CalendarSyncService {
    /// A service over `ports`, reaching Google with the tokens `federation` keeps, making and
    /// changing pulled events through `events` (which schedules their reminders), running
    /// each connected sync at least every `interval`.
    #[must_use]
    pub fn new(
        ports: CalendarSyncPorts,
        federation: Arc<FederatedSignIn>,
        events: CalendarService,
        interval: std::time::Duration,
    ) -> Self {
        Self {
            ports,
            federation,
            events,
            interval: TimeDelta::from_std(interval).unwrap_or(TimeDelta::MAX),
        }
    }

    /// The trigger that sends a run after each change in sophie.
    #[must_use]
    pub fn trigger(&self) -> SyncTrigger {
        SyncTrigger::new(
            self.ports.syncs.clone(),
            self.ports.queue.clone(),
            self.ports.clock.clone(),
        )
    }

    /// Starts connecting the user's Google calendar: the consent asks for `access` and a
    /// refresh token; its callback links the Google account and connects the sync.
    ///
    /// # Errors
    ///
    /// `Unavailable` when the provider cannot be reached.
    pub async fn connect(&self, user: UserId, access: CalendarAccess) -> DomainResult<StartedFlow> {
        self.federation
            .start(FlowPurpose::ConnectCalendar(user, access))
            .await
    }

    /// The user's sync, if connected.
    ///
    /// # Errors
    ///
    /// What the storage answers.
    pub async fn status(&self, user: UserId) -> DomainResult<Option<CalendarSync>> {
        self.ports.syncs.get(user).await
    }

    async fn connected(&self, user: UserId) -> DomainResult<CalendarSync> {
        self.ports.syncs.get(user).await?.ok_or_else(|| {
            DomainError::conflict(
                "calendarSync",
                "no Google calendar is connected: connect one first \
                 (POST /api/v1/me/calendar-sync/connect)",
            )
        })
    }

    /// The user's Google calendars that sophie may write to.
    ///
    /// # Errors
    ///
    /// `Conflict` when no calendar is connected; `Forbidden` when Google no longer lets sophie
    /// act for the user, or the access granted does not cover listing calendars; what Google
    /// answers.
    pub async fn calendars(&self, user: UserId) -> DomainResult<Vec<RemoteCalendar>> {
        let sync = self.connected(user).await?;
        let calendars = self.remote_calendars(&sync).await?;
        Ok(calendars
            .into_iter()
            .filter(RemoteCalendar::writable)
            .collect())
    }

    /// The user's calendars at Google.
    async fn remote_calendars(&self, sync: &CalendarSync) -> DomainResult<Vec<RemoteCalendar>> {
        let provider = &self.ports.provider;
        self.with_token(
            sync,
            |token| async move { provider.calendars(&token).await },
        )
        .await
    }

    /// `call` with an access token of the sync's account, renewed once if Google refuses it.
    /// A refusal is told as Google's (`Forbidden`), never as the student's own sign-in.
    async fn with_token<T, F, Fut>(&self, sync: &CalendarSync, call: F) -> DomainResult<T>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = DomainResult<T>>,
    {
        let (user, account) = (sync.user_id, sync.account_id);
        let token = self
            .federation
            .access_token(user, account)
            .await
            .map_err(google_refused)?;
        match call(token).await {
            Err(error) if worth_renewing(&error) => {
                let token = self
                    .federation
                    .renewed_access_token(user, account)
                    .await
                    .map_err(google_refused)?;
                call(token).await.map_err(google_refused)
            }
            other => other,
        }
    }

    /// Keeps `choice` in step, and sends a run now. Choosing another calendar than the
    /// current one pushes every event to it.
    ///
    /// # Errors
    ///
    /// `Conflict` when no calendar is connected, or when one is kept in step already and
    /// sophie is asked to create another; `Validation` on `calendarId` for a calendar that is
    /// not the user's or that sophie may not write to; what Google answers.
    pub async fn choose(&self, user: UserId, choice: CalendarChoice) -> DomainResult<CalendarSync> {
        let sync = self.connected(user).await?;
        let calendar = match choice {
            CalendarChoice::Existing(id) => {
                let writable = self
                    .remote_calendars(&sync)
                    .await?
                    .iter()
                    .any(|c| c.id == id && c.writable());
                if !writable {
                    return Err(DomainError::validation(
                        "calendarId",
                        "is not one of your Google calendars that sophie may change \
                         (GET /api/v1/me/calendar-sync/calendars lists them)",
                    ));
                }
                id
            }
            CalendarChoice::Create { .. } if sync.calendar_id.is_some() => {
                // A retried request would make a second calendar and copy everything there.
                return Err(DomainError::conflict(
                    "calendarId",
                    "a calendar is kept in step already: name one with calendarId to move, \
                     or disconnect first to have sophie create another",
                ));
            }
            CalendarChoice::Create { name, time_zone } => {
                let provider = &self.ports.provider;
                let (name, zone) = (name.as_str(), time_zone.name());
                self.with_token(&sync, |token| async move {
                    provider.create_calendar(&token, name, zone).await
                })
                .await?
                .id
            }
        };
        let sync = self.ports.syncs.choose_calendar(user, calendar).await?;
        send(&*self.ports.queue, user, self.ports.clock.now()).await?;
        Ok(sync)
    }

    /// Sends a run now.
    ///
    /// # Errors
    ///
    /// `Conflict` when no calendar is connected or none is chosen yet.
    pub async fn request_run(&self, user: UserId) -> DomainResult<CalendarSync> {
        let sync = self.connected(user).await?;
        if sync.calendar_id.is_none() {
            return Err(DomainError::conflict(
                "calendarId",
                "choose or create the Google calendar to keep in step first \
                 (PATCH /api/v1/me/calendar-sync)",
            ));
        }
        send(&*self.ports.queue, user, self.ports.clock.now()).await?;
        Ok(sync)
    }

    /// Disconnects the sync. The events stay on both sides; the Google account stays linked.
    ///
    /// # Errors
    ///
    /// `NotFound` when no calendar is connected.
    pub async fn disconnect(&self, user: UserId) -> DomainResult<()> {
        self.ports.syncs.disconnect(user).await
    }

    /// Sends a run for every sync whose last run started more than the interval ago.
    ///
    /// # Errors
    ///
    /// What the storage or the queue answers.
    pub async fn send_due(&self) -> DomainResult<usize> {
        let now = self.ports.clock.now();
        let due = self.ports.syncs.due(now - self.interval, DUE_BATCH).await?;
        for user in &due {
            send(&*self.ports.queue, *user, now).await?;
        }
        Ok(due.len())
    }

    /// Runs the user's sync once, recording how it went (`SYNCING`, then `IDLE`, `FAILED` with
    /// the error, or `NEEDS_RECONNECTION`). A user without a sync or a calendar has nothing to
    /// run.
    ///
    /// # Errors
    ///
    /// The failure, after recording it: `RateLimited` and `Unavailable` are worth retrying,
    /// `Forbidden` (a permission missing) and `NotFound` (the calendar deleted) are not. A
    /// connection Google revoked is recorded and is not an error.
    pub async fn run(&self, user: UserId) -> DomainResult<SyncReport> {
        let Some(sync) = self.ports.syncs.get(user).await? else {
            return Ok(SyncReport::default());
        };
        let Some(calendar) = sync.calendar_id.clone() else {
            return Ok(SyncReport::default());
        };
        self.ports
            .syncs
            .record(
                user,
                SyncProgress {
                    state: Some(SyncState::Syncing),
                    last_attempt_at: Some(self.ports.clock.now()),
                    ..SyncProgress::default()
                },
            )
            .await?;
        let mut outcome = self.sync(&sync, &calendar, false).await;
        if let Err(error) = &outcome
            && worth_renewing(error)
        {
            // Google refused the access token before its time, or it is one of a sign-in
            // without the calendar scopes: renew it once with the refresh token.
            outcome = self.sync(&sync, &calendar, true).await;
        }
        let (progress, answer) = match outcome {
            Ok(report) => {
                let last_error = report.refused.first().map(|(id, why)| {
                    format!(
                        "{} event(s) could not be copied to Google, event {id} first: {why}",
                        report.refused.len()
                    )
                });
                (
                    SyncProgress {
                        state: Some(SyncState::Idle),
                        last_error: Some(last_error),
                        last_synced_at: Some(self.ports.clock.now()),
                        ..SyncProgress::default()
                    },
                    Ok(report),
                )
            }
            // The student chose another calendar (or disconnected) meanwhile; the run they
            // asked for was folded into this one by the queue, so this one runs again, on
            // what is chosen now.
            Err(error) if is_superseded(&error) => (
                SyncProgress {
                    state: Some(SyncState::Idle),
                    ..SyncProgress::default()
                },
                Err(DomainError::Unavailable {
                    service: "calendar sync",
                    message: SUPERSEDED.to_owned(),
                }),
            ),
            Err(error) if lost_access(&error) => (
                SyncProgress {
                    state: Some(SyncState::NeedsReconnection),
                    last_error: Some(Some(RECONNECT.to_owned())),
                    ..SyncProgress::default()
                },
                Ok(SyncReport::default()),
            ),
            Err(error) => (
                SyncProgress {
                    state: Some(SyncState::Failed),
                    last_error: Some(Some(describe(&error))),
                    ..SyncProgress::default()
                },
                Err(error),
            ),
        };
        match self.ports.syncs.record(user, progress).await {
            // Disconnected during the run.
            Ok(_) | Err(DomainError::NotFound { .. }) => answer,
            Err(other) => Err(other),
        }
    }

    async fn sync(
        &self,
        sync: &CalendarSync,
        calendar: &str,
        renew: bool,
    ) -> DomainResult<SyncReport> {
        let user = sync.user_id;
        let token = if renew {
            self.federation
                .renewed_access_token(user, sync.account_id)
                .await?
        } else {
            self.federation.access_token(user, sync.account_id).await?
        };
        let mut report = SyncReport::default();
        let run = self.run_context(user, &token, calendar).await?;
        let next_token = run.pull(sync.sync_token.clone(), &mut report).await?;
        // Kept at once: a push that fails next does not make the next run pull again.
        self.keep_token(user, calendar, next_token.clone()).await?;
        let before = report.pushed();
        run.push(&mut report).await?;
        if report.pushed() > before {
            // Google lists what sophie just pushed as changes of its own: taken in now, they
            // are found in step and pass, instead of reading next time as changes made at
            // Google (and, against a later edit in sophie, as conflicts).
            let echoes = self.run_context(user, &token, calendar).await?;
            let next_token = echoes.pull(Some(next_token), &mut report).await?;
            self.keep_token(user, calendar, next_token).await?;
        }
        Ok(report)
    }

    /// A run's context: every event out of step now, not one batch (one left out would be
    /// taken as unchanged and overwritten, or deleted, by Google's version).
    async fn run_context<'a>(
        &'a self,
        user: UserId,
        token: &'a str,
        calendar: &'a str,
    ) -> DomainResult<Run<'a>> {
        let backlog = self
            .ports
            .syncs
            .backlog(user, calendar.to_owned(), OUT_OF_STEP_LIMIT)
            .await?;
        Ok(Run {
            service: self,
            user,
            token,
            calendar,
            dirty: backlog.events.iter().map(|e| e.id).collect(),
            deleted: backlog.deleted.into_iter().collect(),
        })
    }

    /// Keeps the token of `calendar`'s next listing, unless the student chose another
    /// calendar during the run (whose listing starts from nothing).
    async fn keep_token(&self, user: UserId, calendar: &str, token: String) -> DomainResult<()> {
        let current = self.ports.syncs.get(user).await?;
        if current.and_then(|sync| sync.calendar_id).as_deref() != Some(calendar) {
            return Ok(());
        }
        self.ports
            .syncs
            .record(
                user,
                SyncProgress {
                    sync_token: Some(Some(token)),
                    ..SyncProgress::default()
                },
            )
            .await
            .map(|_| ())
    }
}

/// Why a run stopped: its calendar is no longer the one chosen.
fn superseded() -> DomainError {
    DomainError::conflict("calendarId", SUPERSEDED)
}

const SUPERSEDED: &str = "the calendar kept in step changed during the run";

fn is_superseded(error: &DomainError) -> bool {
    matches!(error, DomainError::Conflict { message, .. } if message == SUPERSEDED)
}

/// Google's refusal of sophie's access, told as such: never as the student's own `401`.
fn google_refused(error: DomainError) -> DomainError {
    match error {
        DomainError::Unauthorized => DomainError::Forbidden(RECONNECT.to_owned()),
        other if lost_access(&other) => DomainError::Forbidden(RECONNECT.to_owned()),
        other => other,
    }
}

/// Whether a refusal may be the access token's (expired early, or of a sign-in that asked for
/// fewer scopes), so a renewed one may do.
fn worth_renewing(error: &DomainError) -> bool {
    match error {
        DomainError::Unauthorized => true,
        DomainError::Forbidden(_) => !lost_access(error),
        _ => false,
    }
}

/// A failure as the student reads it.
fn describe(error: &DomainError) -> String {
    match error {
        DomainError::RateLimited { .. } => {
            "Google asked sophie to slow down; the sync is tried again shortly".to_owned()
        }
        DomainError::NotFound { .. } => {
            "the Google calendar is gone: choose another (PATCH /api/v1/me/calendar-sync)"
                .to_owned()
        }
        DomainError::Forbidden(why) => {
            format!("Google refused: {why}; connect again granting access to your calendar")
        }
        DomainError::Unavailable { .. } => {
            "Google Calendar could not be reached; the sync is tried again shortly".to_owned()
        }
        DomainError::Validation { .. } | DomainError::Conflict { .. } => error.to_string(),
        _ => "the sync failed unexpectedly; it is tried again shortly".to_owned(),
    }
}

/// One run's context.
struct Run<'a> {
    service: &'a CalendarSyncService,
    user: UserId,
    token: &'a str,
    calendar: &'a str,
    /// Events changed in sophie since they were last in step, at the run's start.
    dirty: HashSet<CalendarEventId>,
    /// Remote ids of synced events deleted in sophie, at the run's start.
    deleted: HashSet<String>,
}

impl Run<'_> {
    fn ports(&self) -> &CalendarSyncPorts {
        &self.service.ports
    }

    /// Stops the run when the student chose another calendar or disconnected since it
    /// started: what it would push or link belongs to a calendar no longer kept in step.
    async fn check_current(&self) -> DomainResult<()> {
        let sync = self.ports().syncs.get(self.user).await?;
        if sync.and_then(|s| s.calendar_id).as_deref() == Some(self.calendar) {
            Ok(())
        } else {
            Err(superseded())
        }
    }

    /// Pulls every page; answers the token of the next incremental listing.
    async fn pull(
        &self,
        mut sync_token: Option<String>,
        report: &mut SyncReport,
    ) -> DomainResult<String> {
        let mut page_token: Option<String> = None;
        let mut seen: Option<BTreeSet<String>> = sync_token.is_none().then(BTreeSet::new);
        let mut untagged = Vec::new();
        let mut page_tokens = BTreeSet::new();
        loop {
            self.check_current().await?;
            let listed = self
                .ports()
                .provider
                .list(
                    self.token,
                    self.calendar,
                    sync_token.as_deref(),
                    page_token.as_deref(),
                )
                .await;
            let page = match listed {
                Err(DomainError::Conflict { field, .. })
                    if field.as_deref() == Some("syncToken") && sync_token.is_some() =>
                {
                    // 410 Gone: everything again, from the first page.
                    report.full_resync = true;
                    sync_token = None;
                    page_token = None;
                    page_tokens.clear();
                    seen = Some(BTreeSet::new());
                    continue;
                }
                other => other?,
            };
            if let Some(seen) = &mut seen {
                seen.extend(
                    page.events
                        .iter()
                        .filter(|e| e.status != RemoteStatus::Cancelled)
                        .map(|e| e.id.clone()),
                );
            }
            self.apply(page.events, report, &mut untagged).await?;
            match (page.next_page_token, page.next_sync_token) {
                (Some(next), _) => {
                    // A listing that hands out a page token twice would never end.
                    if !page_tokens.insert(next.clone()) {
                        return Err(DomainError::Unavailable {
                            service: "Google Calendar",
                            message: "a listing gave the same page token twice".to_owned(),
                        });
                    }
                    page_token = Some(next);
                }
                (None, Some(next_sync)) => {
                    if let Some(seen) = seen {
                        self.sweep(&seen, report).await?;
                    }
                    self.tag(untagged).await?;
                    return Ok(next_sync);
                }
                (None, None) => {
                    return Err(DomainError::Unavailable {
                        service: "Google Calendar",
                        message: "a listing ended without a sync token".to_owned(),
                    });
                }
            }
        }
    }

    /// Applies one page of Google's changes.
    async fn apply(
        &self,
        events: Vec<RemoteEvent>,
        report: &mut SyncReport,
        untagged: &mut Vec<RemoteEvent>,
    ) -> DomainResult<()> {
        let remote_ids = events.iter().map(|e| e.id.clone()).collect();
        let own_ids = events.iter().filter_map(google_events::sophie_id).collect();
        let linked = self
            .ports()
            .syncs
            .linked(self.user, self.calendar.to_owned(), remote_ids, own_ids)
            .await?;
        let mut gone = Vec::new();
        for remote in events {
            if remote.recurring_event_id.is_some() {
                report.skipped.push((
                    remote.id,
                    "a change of one occurrence of a repeating event".to_owned(),
                ));
                continue;
            }
            let local = find_local(&linked, self.calendar, &remote);
            match (remote.status, local) {
                (RemoteStatus::Cancelled, None) => {}
                (RemoteStatus::Cancelled, Some(local)) => {
                    if self.sophie_later(local, &remote, report) {
                        continue;
                    }
                    gone.push(local.id);
                }
                (_, Some(local)) => {
                    passed_if_gone(self.pull_change(local, &remote, report).await)?;
                }
                (_, None) if self.deleted.contains(&remote.id) => {}
                (_, None) => passed_if_gone(self.pull_new(&remote, report, untagged).await)?,
            }
        }
        self.delete_pulled(gone, report).await
    }

    /// Deletes the events `gone` at Google, counting those deleted.
    async fn delete_pulled(
        &self,
        gone: Vec<CalendarEventId>,
        report: &mut SyncReport,
    ) -> DomainResult<()> {
        if !gone.is_empty() {
            let deleted = self.ports().syncs.delete_pulled(self.user, gone).await?;
            report.pulled_deleted += u32::try_from(deleted).unwrap_or(u32::MAX);
        }
        Ok(())
    }

    /// Whether `local`, changed in sophie since the last run, changed after Google's version:
    /// then it is kept (and pushed), and the conflict reported either way.
    fn sophie_later(
        &self,
        local: &CalendarEvent,
        remote: &RemoteEvent,
        report: &mut SyncReport,
    ) -> bool {
        if !self.dirty.contains(&local.id) {
            return false;
        }
        let sophie_later = remote
            .updated
            .is_none_or(|google| local.updated_at > google);
        report.conflicts.push(Conflict {
            event_id: local.id,
            remote_id: remote.id.clone(),
            sophie_updated: local.updated_at,
            google_updated: remote.updated,
            kept: if sophie_later {
                Kept::Sophie
            } else {
                Kept::Google
            },
        });
        sophie_later
    }

    async fn pull_change(
        &self,
        local: &CalendarEvent,
        remote: &RemoteEvent,
        report: &mut SyncReport,
    ) -> DomainResult<()> {
        if google_events::in_step(local, remote) {
            // Already the same (an echo of sophie's own push, or a push whose record was
            // lost): only the link is recorded.
            if local.google_event_id.as_deref() != Some(remote.id.as_str())
                || local.google_calendar_id.as_deref() != Some(self.calendar)
                || self.dirty.contains(&local.id)
            {
                self.mark(local, &remote.id, local.sequence).await?;
            }
            return Ok(());
        }
        if self.sophie_later(local, remote, report) {
            return Ok(());
        }
        let zone = TimeZone::parse(&local.time_zone).unwrap_or(TimeZone::UTC);
        let pulled = match google_events::from_remote(remote, zone) {
            Ok(pulled) => pulled,
            Err(why) => {
                report.skipped.push((remote.id.clone(), why));
                return Ok(());
            }
        };
        let update = CalendarEventUpdate {
            title: Some(pulled.title),
            description: Some(pulled.description),
            schedule: Some(pulled.schedule),
            reminders: pulled.reminders,
            location: Some(pulled.location),
            // A colour Google shows as the same keeps sophie's own name for it.
            color: match pulled.color {
                Some(color) if google_events::google_color(&local.color) != remote.color_id => {
                    Some(color)
                }
                None if google_events::google_color(&local.color).is_some() => {
                    Some(Color::default_blue())
                }
                _ => None,
            },
            ..CalendarEventUpdate::default()
        };
        let changed = self
            .service
            .events
            .update(self.user, local.id, update)
            .await?;
        self.mark(&changed, &remote.id, changed.sequence).await?;
        report.pulled_changed += 1;
        Ok(())
    }

    async fn pull_new(
        &self,
        remote: &RemoteEvent,
        report: &mut SyncReport,
        untagged: &mut Vec<RemoteEvent>,
    ) -> DomainResult<()> {
        let pulled: PulledEvent = match google_events::from_remote(remote, TimeZone::UTC) {
            Ok(pulled) => pulled,
            Err(why) => {
                report.skipped.push((remote.id.clone(), why));
                return Ok(());
            }
        };
        let link = |value: &str| crate::values::ShortText::parse(value).ok();
        let new = NewCalendarEvent {
            title: pulled.title,
            description: pulled.description,
            schedule: pulled.schedule,
            reminders: pulled.reminders.unwrap_or_default(),
            event_type: EventType::Other,
            location: pulled.location,
            priority: None,
            color: pulled.color.unwrap_or_else(Color::default_blue),
            google_event_id: link(&remote.id),
            google_calendar_id: link(self.calendar),
            course_id: None,
            document_id: None,
        };
        let made = self.service.events.create(self.user, new).await?;
        self.mark(&made, &remote.id, made.sequence).await?;
        report.pulled_new += 1;
        // Google's copy is to be given sophie's ids, once the listing is read.
        let mut tagged = remote.clone();
        tagged
            .private
            .extend(google_events::to_remote(&made, remote.id.clone()).private);
        untagged.push(tagged);
        Ok(())
    }

    /// Gives Google's copies of the events pulled new sophie's ids, as they are, so that each
    /// is found again after a reconnection (which clears the links) instead of being pulled
    /// twice. An event the student may not change at Google (an invitation) stays as it is.
    async fn tag(&self, untagged: Vec<RemoteEvent>) -> DomainResult<()> {
        for tagged in untagged {
            match self
                .ports()
                .provider
                .patch(self.token, self.calendar, &tagged)
                .await
            {
                Ok(_)
                | Err(
                    DomainError::NotFound { .. }
                    | DomainError::Validation { .. }
                    | DomainError::Forbidden(_),
                ) => {}
                Err(other) => return Err(other),
            }
        }
        Ok(())
    }

    /// After a full listing: the events synced to the calendar that it no longer holds were
    /// deleted there (unless changed in sophie since, which pushes them again).
    async fn sweep(&self, seen: &BTreeSet<String>, report: &mut SyncReport) -> DomainResult<()> {
        let mut gone = Vec::new();
        let mut page = PageRequest::first_of(PageRequest::MAX_LIMIT);
        loop {
            let listed = self
                .ports()
                .calendar
                .list(self.user, CalendarFilter::default(), page)
                .await?;
            for event in &listed.items {
                let synced_here = event.google_calendar_id.as_deref() == Some(self.calendar);
                if let Some(remote_id) = &event.google_event_id
                    && synced_here
                    && event.subscription_id.is_none()
                    && !seen.contains(remote_id)
                    && !self.dirty.contains(&event.id)
                {
                    gone.push(event.id);
                }
            }
            match listed.next_cursor {
                Some(cursor) => page = page.after(cursor),
                None => break,
            }
        }
        self.delete_pulled(gone, report).await
    }

    /// Pushes the deletions and the events out of step, in rounds until none is left.
    async fn push(&self, report: &mut SyncReport) -> DomainResult<()> {
        let mut refused: HashSet<CalendarEventId> = HashSet::new();
        for _ in 0..PUSH_ROUNDS {
            let backlog = self
                .ports()
                .syncs
                .backlog(self.user, self.calendar.to_owned(), OUT_OF_STEP_LIMIT)
                .await?;
            self.check_current().await?;
            for remote_id in &backlog.deleted {
                match self
                    .ports()
                    .provider
                    .delete(self.token, self.calendar, remote_id)
                    .await
                {
                    Ok(()) => report.pushed_deleted += 1,
                    // Not the student's to delete at Google (an invitation): forgotten, or
                    // it would stop every run.
                    Err(
                        DomainError::Validation { message, .. } | DomainError::Forbidden(message),
                    ) => {
                        report.skipped.push((
                            remote_id.clone(),
                            format!("Google refused its deletion: {message}"),
                        ));
                    }
                    Err(other) => return Err(other),
                }
            }
            if !backlog.deleted.is_empty() {
                self.ports()
                    .syncs
                    .forget_deleted(self.user, self.calendar.to_owned(), backlog.deleted)
                    .await?;
            }
            let pending: Vec<&CalendarEvent> = backlog
                .events
                .iter()
                .filter(|e| !refused.contains(&e.id))
                .collect();
            if pending.is_empty() {
                break;
            }
            for event in pending {
                match self.push_one(event, report).await {
                    Ok(()) => {}
                    // Google refuses this event (a rule of its own, or an event the student
                    // may not change there, such as one they were invited to): the others go.
                    Err(
                        DomainError::Validation { message, .. } | DomainError::Forbidden(message),
                    ) => {
                        refused.insert(event.id);
                        report.refused.push((event.id, message));
                    }
                    Err(other) => return Err(other),
                }
            }
        }
        Ok(())
    }

    async fn push_one(&self, event: &CalendarEvent, report: &mut SyncReport) -> DomainResult<()> {
        let provider = &self.ports().provider;
        let linked_here = event.google_calendar_id.as_deref() == Some(self.calendar);
        let known = event.google_event_id.clone().filter(|_| linked_here);
        let id = known
            .clone()
            .unwrap_or_else(|| google_events::remote_id(event.id));
        let remote = google_events::to_remote(event, id);
        let pushed = if known.is_some() {
            match provider.patch(self.token, self.calendar, &remote).await {
                Ok(pushed) => {
                    report.pushed_changed += 1;
                    pushed
                }
                // Deleted at Google while sophie's later change was kept: made again.
                Err(DomainError::NotFound { .. }) => self.insert_fresh(event, report).await?,
                Err(other) => return Err(other),
            }
        } else {
            match provider.insert(self.token, self.calendar, &remote).await {
                Ok(pushed) => {
                    report.pushed_new += 1;
                    pushed
                }
                // Inserted by a run that died before recording it, or deleted at Google
                // (which keeps the ids of deleted events).
                Err(DomainError::Conflict { .. }) => {
                    match provider.patch(self.token, self.calendar, &remote).await {
                        Ok(pushed) => {
                            report.pushed_changed += 1;
                            pushed
                        }
                        Err(DomainError::NotFound { .. }) => {
                            self.insert_fresh(event, report).await?
                        }
                        Err(other) => return Err(other),
                    }
                }
                Err(other) => return Err(other),
            }
        };
        match self.mark(event, &pushed.id, event.sequence).await {
            Ok(()) => Ok(()),
            // Deleted in sophie while it was pushed: no deletion was recorded for a link that
            // did not exist yet, so the copy goes now (or the next pull would bring it back).
            Err(DomainError::NotFound { .. }) => {
                provider.delete(self.token, self.calendar, &pushed.id).await
            }
            Err(other) => Err(other),
        }
    }

    /// Inserts `event` again, its former copy deleted at Google (which keeps the ids of
    /// deleted events): under its own id and revision, so that a retry after a crash is
    /// refused as a duplicate and patched, not doubled.
    async fn insert_fresh(
        &self,
        event: &CalendarEvent,
        report: &mut SyncReport,
    ) -> DomainResult<RemoteEvent> {
        let provider = &self.ports().provider;
        let id = google_events::revision_id(event.id, event.sequence);
        let remote = google_events::to_remote(event, id);
        match provider.insert(self.token, self.calendar, &remote).await {
            Ok(pushed) => {
                report.pushed_new += 1;
                Ok(pushed)
            }
            Err(DomainError::Conflict { .. }) => {
                match provider.patch(self.token, self.calendar, &remote).await {
                    Ok(pushed) => {
                        report.pushed_changed += 1;
                        Ok(pushed)
                    }
                    // Deleted at Google again, at this very revision: the next change tries
                    // again.
                    Err(DomainError::NotFound { .. }) => Err(DomainError::validation(
                        "id",
                        "deleted at Google while it was copied there again",
                    )),
                    Err(other) => Err(other),
                }
            }
            Err(other) => Err(other),
        }
    }

    async fn mark(
        &self,
        event: &CalendarEvent,
        remote_id: &str,
        sequence: u32,
    ) -> DomainResult<()> {
        self.ports()
            .syncs
            .mark_synced(
                self.user,
                event.id,
                self.calendar.to_owned(),
                remote_id.to_owned(),
                sequence,
            )
            .await
    }
}

/// A pulled change whose event was deleted in sophie during the run is passed over: its
/// deletion, recorded, is pushed by the next run.
fn passed_if_gone(result: DomainResult<()>) -> DomainResult<()> {
    match result {
        Err(DomainError::NotFound { .. }) => Ok(()),
        other => other,
    }
}

/// The sophie event a Google event mirrors: the one linked to it in this calendar, or the one
/// its private property names that is not linked yet (an insert recorded by nobody).
fn find_local<'a>(
    linked: &'a [CalendarEvent],
    calendar: &str,
    remote: &RemoteEvent,
) -> Option<&'a CalendarEvent> {
    linked
        .iter()
        .find(|e| {
            e.google_calendar_id.as_deref() == Some(calendar)
                && e.google_event_id.as_deref() == Some(remote.id.as_str())
        })
        .or_else(|| {
            let own = google_events::sophie_id(remote)?;
            linked.iter().find(|e| {
                e.id == own
                    && (e.google_event_id.is_none()
                        || e.google_calendar_id.as_deref() != Some(calendar)
                        // A copy made again under a revision of the event's own id.
                        || remote.id.starts_with(&google_events::remote_id(e.id)))
            })
        })
}
