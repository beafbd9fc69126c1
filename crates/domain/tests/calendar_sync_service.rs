//! The two-way Google Calendar sync on the in-memory adapters, with an in-memory Google
//! (`FakeGoogle`, below) that keeps events per calendar, numbers its changes for sync tokens,
//! lists two events a page, and can be told to refuse old tokens (`410 Gone`), lose the answer
//! of an insert, refuse an event or ask to slow down.
//!
//! What a student would notice: events copied both ways once, never twice (also when an
//! answer is lost or the sync token is refused); the later change winning when both sides
//! changed; changed occurrences passed over; one refused event not stopping the others; a
//! failed run shown as such; runs sent when they are due and after changes, coalesced.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, TimeDelta, TimeZone as _, Utc};
use sophie_domain::jobs::{Job, SyncCalendar, decode};
use sophie_domain::memory::{FixedClock, MemoryJobQueue, MemoryStore};
use sophie_domain::rules::google_events::{self, SOPHIE_EVENT_ID};
use sophie_domain::services::accounts::{AccountPorts, AccountService, ClientInfo, SessionPolicy};
use sophie_domain::services::calendar::{CalendarLimits, CalendarService};
use sophie_domain::services::calendar_sync::{
    COALESCE, CalendarChoice, CalendarSyncPorts, CalendarSyncService, Kept, SyncReport,
};
use sophie_domain::services::federation::{
    CalendarAccess, FederatedSignIn, FederationPorts, FinishedFlow,
};
use sophie_domain::services::sealing::TokenKeys;
use sophie_domain::values::{
    Color, Email, EventSchedule, Name, Password, PasswordHash, Reminders, TimeZone, Title,
};
use sophie_domain::{
    AuthorizationStart, CalendarEvent, CalendarEventUpdate, CalendarFilter, CalendarProvider,
    Clock, DomainError, DomainResult, EventType, JobQueue, MockIdentityProvider, NewCalendarEvent,
    NewUser, PageRequest, PasswordHasher, ProviderIdentity, ProviderTokens, RemoteCalendar,
    RemoteEvent, RemoteEventPage, RemoteStatus, RemoteTime, Repositories, SyncProgress, SyncState,
    UserId,
};

/// The calendar every test keeps in step.
const CALENDAR: &str = "primary";

/// How many events one page of a listing holds.
const PAGE: usize = 2;

/// The access token the mocked identity provider hands out.
const ACCESS: &str = "access-1";

// ---------------------------------------------------------------------------------------
// An in-memory Google Calendar.
// ---------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Op {
    List,
    Insert,
    Patch,
    Delete,
}

/// A failure scripted for the next call of an operation.
#[derive(Clone, Debug)]
enum Fail {
    /// `429`.
    RateLimited,
    /// `403 insufficientPermissions`.
    Forbidden,
    /// Stores the insert, then answers `Unavailable`, as if the answer were lost on the way.
    AnswerLost,
}

impl Fail {
    fn error(&self) -> DomainError {
        match self {
            Self::RateLimited => DomainError::RateLimited {
                retry_after_seconds: 30,
            },
            Self::Forbidden => {
                DomainError::Forbidden("insufficientPermissions: calendar.events".to_owned())
            }
            Self::AnswerLost => DomainError::Unavailable {
                service: "Google Calendar",
                message: "connection reset after the request was sent".to_owned(),
            },
        }
    }
}

struct Stored {
    event: RemoteEvent,
    /// The change number of its last change.
    change: u64,
}

#[derive(Default)]
struct Google {
    /// Events by calendar, then by id.
    calendars: BTreeMap<String, BTreeMap<String, Stored>>,
    /// The last change number: sync tokens are change numbers.
    change: u64,
    /// Sync tokens are `<epoch>-<change>`; those of an earlier epoch are refused (`410 Gone`).
    token_epoch: u64,
    failures: HashMap<Op, VecDeque<Fail>>,
    /// Titles whose insert or patch Google refuses as invalid.
    refused_titles: HashSet<String>,
    /// Every call that changed something: the operation and the event id.
    done: Vec<(Op, String)>,
    /// Every call made, answered well or not: the operation and the event id (empty for lists).
    tried: Vec<(Op, String)>,
    /// How far Google's clock (its `updated`) is ahead of sophie's.
    skew: TimeDelta,
}

impl Google {
    fn next_change(&mut self) -> u64 {
        self.change += 1;
        self.change
    }

    fn take_failure(&mut self, op: Op) -> Option<Fail> {
        self.failures.get_mut(&op).and_then(VecDeque::pop_front)
    }

    fn calendar(&mut self, calendar: &str) -> DomainResult<&mut BTreeMap<String, Stored>> {
        self.calendars
            .get_mut(calendar)
            .ok_or(DomainError::not_found("calendar"))
    }
}

struct FakeGoogle {
    state: Mutex<Google>,
    clock: Arc<FixedClock>,
}

impl FakeGoogle {
    fn new(clock: Arc<FixedClock>) -> Self {
        let mut google = Google::default();
        google
            .calendars
            .insert(CALENDAR.to_owned(), BTreeMap::new());
        Self {
            state: Mutex::new(google),
            clock,
        }
    }

    fn with<T>(&self, work: impl FnOnce(&mut Google) -> T) -> T {
        work(&mut self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The time on Google's clock.
    fn now(&self) -> DateTime<Utc> {
        self.clock.now() + self.with(|g| g.skew)
    }

    /// Google's clock runs `ahead` of sophie's from now on.
    fn skew(&self, ahead: TimeDelta) {
        self.with(|g| g.skew = ahead);
    }

    /// The next call of `op` fails so.
    fn fail_next(&self, op: Op, fail: Fail) {
        self.with(|g| g.failures.entry(op).or_default().push_back(fail));
    }

    /// Every sync token given so far is refused from now on.
    fn expire_tokens(&self) {
        self.with(|g| g.token_epoch += 1);
    }

    fn refuse_title(&self, title: &str, refused: bool) {
        self.with(|g| {
            if refused {
                g.refused_titles.insert(title.to_owned());
            } else {
                g.refused_titles.remove(title);
            }
        });
    }

    /// How many calls of `op` changed something.
    fn done(&self, op: Op) -> usize {
        self.with(|g| g.done.iter().filter(|(o, _)| *o == op).count())
    }

    /// How many calls of `op` were made for the event `id`, answered well or not.
    fn tried(&self, op: Op, id: &str) -> usize {
        self.with(|g| g.tried.iter().filter(|(o, i)| *o == op && i == id).count())
    }

    /// The events of the calendar that are not deleted.
    fn live(&self) -> Vec<RemoteEvent> {
        self.with(|g| {
            g.calendars[CALENDAR]
                .values()
                .filter(|s| s.event.status != RemoteStatus::Cancelled)
                .map(|s| s.event.clone())
                .collect()
        })
    }

    fn event(&self, id: &str) -> Option<RemoteEvent> {
        self.with(|g| g.calendars[CALENDAR].get(id).map(|s| s.event.clone()))
    }

    /// The student makes an event in Google Calendar.
    fn add_at_google(&self, mut event: RemoteEvent) {
        let now = self.now();
        self.with(|g| {
            let change = g.next_change();
            event.updated = Some(now);
            g.calendar(CALENDAR)
                .unwrap()
                .insert(event.id.clone(), Stored { event, change });
        });
    }

    /// The student changes an event in Google Calendar.
    fn edit_at_google(&self, id: &str, edit: impl FnOnce(&mut RemoteEvent)) {
        let now = self.now();
        self.with(|g| {
            let change = g.next_change();
            let stored = g.calendar(CALENDAR).unwrap().get_mut(id).unwrap();
            assert_ne!(stored.event.status, RemoteStatus::Cancelled);
            edit(&mut stored.event);
            stored.event.updated = Some(now);
            stored.change = change;
        });
    }

    /// The student deletes an event in Google Calendar.
    fn delete_at_google(&self, id: &str) {
        let now = self.now();
        self.with(|g| {
            let change = g.next_change();
            let stored = g.calendar(CALENDAR).unwrap().get_mut(id).unwrap();
            stored.event = cancelled(id, now);
            stored.change = change;
        });
    }
}

/// What Google keeps of a deleted event: its id, status and when.
fn cancelled(id: &str, at: DateTime<Utc>) -> RemoteEvent {
    RemoteEvent {
        id: id.to_owned(),
        status: RemoteStatus::Cancelled,
        summary: None,
        description: None,
        location: None,
        start: None,
        end: None,
        recurrence: Vec::new(),
        reminders: None,
        color_id: None,
        private: BTreeMap::new(),
        updated: Some(at),
        recurring_event_id: None,
        original_start: None,
    }
}

fn check_token(token: &str) {
    assert_eq!(
        token, ACCESS,
        "the sync calls Google with the user's access token"
    );
}

#[async_trait]
impl CalendarProvider for FakeGoogle {
    async fn calendars(&self, access_token: &str) -> DomainResult<Vec<RemoteCalendar>> {
        check_token(access_token);
        Ok(vec![
            RemoteCalendar {
                id: CALENDAR.to_owned(),
                summary: "Ada".to_owned(),
                primary: true,
                access_role: "owner".to_owned(),
            },
            RemoteCalendar {
                id: "holidays".to_owned(),
                summary: "Holidays".to_owned(),
                primary: false,
                access_role: "reader".to_owned(),
            },
        ])
    }

    async fn create_calendar(
        &self,
        access_token: &str,
        summary: &str,
        _time_zone: &str,
    ) -> DomainResult<RemoteCalendar> {
        check_token(access_token);
        let id = format!("{}@group.calendar.google.com", summary.to_lowercase());
        self.with(|g| {
            g.calendars.entry(id.clone()).or_default();
        });
        Ok(RemoteCalendar {
            id,
            summary: summary.to_owned(),
            primary: false,
            access_role: "owner".to_owned(),
        })
    }

    async fn insert(
        &self,
        access_token: &str,
        calendar: &str,
        event: &RemoteEvent,
    ) -> DomainResult<RemoteEvent> {
        check_token(access_token);
        let now = self.now();
        self.with(|g| {
            g.tried.push((Op::Insert, event.id.clone()));
            let fail = g.take_failure(Op::Insert);
            if let Some(fail @ (Fail::RateLimited | Fail::Forbidden)) = &fail {
                return Err(fail.error());
            }
            if let Some(title) = &event.summary
                && g.refused_titles.contains(title)
            {
                return Err(DomainError::validation(
                    "summary",
                    "Google refused this title",
                ));
            }
            if g.calendar(calendar)?.contains_key(&event.id) {
                // Google keeps the ids of deleted events too.
                return Err(DomainError::conflict(
                    "id",
                    "the requested identifier already exists",
                ));
            }
            let change = g.next_change();
            let mut stored = event.clone();
            stored.status = RemoteStatus::Confirmed;
            stored.updated = Some(now);
            g.calendar(calendar)?.insert(
                event.id.clone(),
                Stored {
                    event: stored.clone(),
                    change,
                },
            );
            g.done.push((Op::Insert, event.id.clone()));
            match fail {
                Some(lost @ Fail::AnswerLost) => Err(lost.error()),
                _ => Ok(stored),
            }
        })
    }

    async fn patch(
        &self,
        access_token: &str,
        calendar: &str,
        event: &RemoteEvent,
    ) -> DomainResult<RemoteEvent> {
        check_token(access_token);
        let now = self.now();
        self.with(|g| {
            g.tried.push((Op::Patch, event.id.clone()));
            if let Some(fail) = g.take_failure(Op::Patch) {
                return Err(fail.error());
            }
            if let Some(title) = &event.summary
                && g.refused_titles.contains(title)
            {
                return Err(DomainError::validation(
                    "summary",
                    "Google refused this title",
                ));
            }
            let live = g
                .calendar(calendar)?
                .get(&event.id)
                .is_some_and(|s| s.event.status != RemoteStatus::Cancelled);
            if !live {
                return Err(DomainError::not_found("event"));
            }
            let change = g.next_change();
            let stored = g.calendar(calendar)?.get_mut(&event.id).unwrap();
            let kept = &mut stored.event;
            kept.summary.clone_from(&event.summary);
            kept.description.clone_from(&event.description);
            kept.location.clone_from(&event.location);
            kept.start.clone_from(&event.start);
            kept.end.clone_from(&event.end);
            kept.recurrence.clone_from(&event.recurrence);
            kept.reminders.clone_from(&event.reminders);
            kept.color_id.clone_from(&event.color_id);
            // A patch adds or changes private properties; it removes none.
            kept.private
                .extend(event.private.iter().map(|(k, v)| (k.clone(), v.clone())));
            kept.updated = Some(now);
            stored.change = change;
            let answer = stored.event.clone();
            g.done.push((Op::Patch, event.id.clone()));
            Ok(answer)
        })
    }

    async fn delete(&self, access_token: &str, calendar: &str, id: &str) -> DomainResult<()> {
        check_token(access_token);
        let now = self.now();
        self.with(|g| {
            g.tried.push((Op::Delete, id.to_owned()));
            if let Some(fail) = g.take_failure(Op::Delete) {
                return Err(fail.error());
            }
            let live = g
                .calendar(calendar)?
                .get(id)
                .is_some_and(|s| s.event.status != RemoteStatus::Cancelled);
            if live {
                let change = g.next_change();
                let stored = g.calendar(calendar)?.get_mut(id).unwrap();
                stored.event = cancelled(id, now);
                stored.change = change;
                g.done.push((Op::Delete, id.to_owned()));
            }
            Ok(())
        })
    }

    async fn list<'a>(
        &self,
        access_token: &str,
        calendar: &str,
        sync_token: Option<&'a str>,
        page_token: Option<&'a str>,
    ) -> DomainResult<RemoteEventPage> {
        check_token(access_token);
        self.with(|g| {
            g.tried.push((Op::List, String::new()));
            if let Some(fail) = g.take_failure(Op::List) {
                return Err(fail.error());
            }
            let since = match sync_token {
                None => None,
                Some(token) => {
                    let (epoch, since) =
                        token.split_once('-').expect("a sync token of this Google");
                    if epoch != g.token_epoch.to_string() {
                        return Err(DomainError::conflict(
                            "syncToken",
                            "Sync token is no longer valid, a full sync is required.",
                        ));
                    }
                    Some(since.parse::<u64>().expect("a change number"))
                }
            };
            let next_sync_token = format!("{}-{}", g.token_epoch, g.change);
            let mut changed: Vec<&Stored> = g
                .calendar(calendar)?
                .values()
                .filter(|s| match since {
                    // Everything there, not the deleted.
                    None => s.event.status != RemoteStatus::Cancelled,
                    // Every change since, the deletions too.
                    Some(since) => s.change > since,
                })
                .collect();
            changed.sort_by_key(|s| s.change);
            let offset: usize = page_token.map_or(0, |p| p.parse().expect("a page token"));
            let events: Vec<RemoteEvent> = changed
                .iter()
                .skip(offset)
                .take(PAGE)
                .map(|s| s.event.clone())
                .collect();
            let last = offset + PAGE >= changed.len();
            Ok(RemoteEventPage {
                events,
                next_page_token: (!last).then(|| (offset + PAGE).to_string()),
                next_sync_token: last.then_some(next_sync_token),
            })
        })
    }
}

// ---------------------------------------------------------------------------------------
// The world: a store, a queue, a clock, the federation that keeps the tokens, the sync.
// ---------------------------------------------------------------------------------------

struct PlainHasher;

#[async_trait]
impl PasswordHasher for PlainHasher {
    async fn hash(&self, password: Password) -> DomainResult<PasswordHash> {
        Ok(PasswordHash::new(format!("plain${}", password.expose())))
    }

    async fn verify(&self, password: Password, hash: PasswordHash) -> DomainResult<bool> {
        Ok(hash.as_str() == format!("plain${}", password.expose()))
    }

    async fn waste_equivalent_time(&self, _password: Password) {}
}

/// An identity provider whose flows carry `state-<n>` and link the Google account `sub-<n>`,
/// with an access token that never expires; a refresh (a run renews the token once when
/// Google refuses it) gives the same token again.
fn identity_provider() -> MockIdentityProvider {
    let mut provider = MockIdentityProvider::new();
    provider
        .expect_provider_id()
        .return_const("google".to_owned());
    let mut started = 0;
    provider.expect_start().returning(move |_, _| {
        started += 1;
        Ok(AuthorizationStart {
            url: format!("https://provider.test/authorize?state=state-{started}"),
            state: format!("state-{started}"),
            nonce: format!("nonce-{started}"),
            pkce_verifier: format!("verifier-{started}"),
        })
    });
    provider.expect_refresh().returning(|_| {
        Ok(ProviderTokens {
            access_token: ACCESS.to_owned(),
            refresh_token: None,
            id_token: None,
            access_token_expires_at: None,
            scope: None,
        })
    });
    provider
        .expect_finish()
        .returning(move |_code, verifier, _nonce| {
            let n = verifier.trim_start_matches("verifier-");
            Ok(ProviderIdentity {
                subject: format!("sub-{n}"),
                email: Some(format!("student{n}@example.com")),
                email_verified: true,
                name: None,
                picture: None,
                tokens: ProviderTokens {
                    access_token: ACCESS.to_owned(),
                    refresh_token: Some("refresh-1".to_owned()),
                    id_token: None,
                    access_token_expires_at: None,
                    scope: Some("https://www.googleapis.com/auth/calendar.events".to_owned()),
                },
            })
        });
    provider
}

struct World {
    clock: Arc<FixedClock>,
    r: Repositories,
    queue: Arc<MemoryJobQueue>,
    google: Arc<FakeGoogle>,
    federation: Arc<FederatedSignIn>,
    service: CalendarSyncService,
    /// A student whose sync keeps [`CALENDAR`] in step.
    user: UserId,
}

const INTERVAL: Duration = Duration::from_secs(15 * 60);

async fn world() -> World {
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2027, 3, 1, 8, 0, 0).unwrap(),
    ));
    let store = MemoryStore::with_clock(clock.clone());
    let r = store.repositories();
    let queue = Arc::new(MemoryJobQueue::with_clock(clock.clone()));
    let google = Arc::new(FakeGoogle::new(clock.clone()));
    let sessions = AccountService::new(
        AccountPorts {
            users: r.users.clone(),
            accounts: r.accounts.clone(),
            sessions: r.sessions.clone(),
            passwords: Arc::new(PlainHasher),
            clock: clock.clone(),
        },
        SessionPolicy::default(),
    );
    let keys =
        Arc::new(TokenKeys::parse("k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=").unwrap());
    let federation = Arc::new(FederatedSignIn::new(
        FederationPorts::over(&r, Arc::new(identity_provider()), clock.clone()),
        sessions,
        keys,
    ));
    let events = CalendarService::new(
        r.calendar.clone(),
        r.courses.clone(),
        CalendarLimits::default(),
    );
    let service = CalendarSyncService::new(
        CalendarSyncPorts {
            syncs: r.calendar_syncs.clone(),
            calendar: r.calendar.clone(),
            provider: google.clone(),
            queue: queue.clone(),
            clock: clock.clone(),
        },
        federation.clone(),
        events,
        INTERVAL,
    );
    let mut w = World {
        clock,
        r,
        queue,
        google,
        federation,
        service,
        user: UserId::new(),
    };
    w.user = w.student("ada@example.com").await;
    w.connect(w.user).await;
    w.service
        .choose(w.user, CalendarChoice::Existing(CALENDAR.to_owned()))
        .await
        .unwrap();
    // Choosing sends a run now; the tests run the sync by hand.
    assert_eq!(w.take_sync_jobs().await, vec![w.user]);
    w
}

impl World {
    async fn student(&self, email: &str) -> UserId {
        self.r
            .users
            .create(NewUser {
                email: Email::parse(email).unwrap(),
                name: Name::parse("Student").unwrap(),
                image: None,
            })
            .await
            .unwrap()
            .id
    }

    /// Connects the user's Google calendar through the consent flow, as the callback does.
    async fn connect(&self, user: UserId) {
        let flow = self
            .service
            .connect(user, CalendarAccess::Existing)
            .await
            .unwrap();
        let state = flow.url.split("state=").nth(1).unwrap().to_owned();
        let finished = self
            .federation
            .finish(
                &state,
                "code",
                Some(&flow.browser_secret),
                ClientInfo::default(),
            )
            .await
            .unwrap();
        assert!(matches!(finished, FinishedFlow::Linked(_)), "{finished:?}");
    }

    /// Claims and completes every `calendar.sync` job runnable now: the users they run.
    async fn take_sync_jobs(&self) -> Vec<UserId> {
        let rows = self
            .queue
            .claim_batch(
                "test".to_owned(),
                vec![SyncCalendar::KIND.to_owned()],
                Duration::from_secs(60),
                100,
            )
            .await
            .unwrap();
        for row in &rows {
            self.queue
                .complete(row.id, "test".to_owned())
                .await
                .unwrap();
        }
        rows.iter()
            .map(|row| decode::<SyncCalendar>(row).unwrap().user_id)
            .collect()
    }

    async fn run(&self) -> SyncReport {
        self.service.run(self.user).await.unwrap()
    }

    async fn create(&self, title: &str, start: DateTime<Utc>) -> CalendarEvent {
        self.r
            .calendar
            .create(self.user, new_event(title, start))
            .await
            .unwrap()
    }

    async fn rename(&self, event: &CalendarEvent, title: &str) -> CalendarEvent {
        self.r
            .calendar
            .update(
                self.user,
                event.id,
                CalendarEventUpdate {
                    title: Some(Title::parse(title).unwrap()),
                    ..CalendarEventUpdate::default()
                },
            )
            .await
            .unwrap()
    }

    async fn get(&self, event: &CalendarEvent) -> CalendarEvent {
        self.r.calendar.get(self.user, event.id).await.unwrap()
    }

    /// The student's events in sophie.
    async fn sophie(&self) -> Vec<CalendarEvent> {
        self.r
            .calendar
            .list(
                self.user,
                CalendarFilter::default(),
                PageRequest::first_of(PageRequest::MAX_LIMIT),
            )
            .await
            .unwrap()
            .items
    }

    /// Every sophie event is linked to one live Google event saying the same, and every live
    /// Google event to one sophie event: nothing missing, nothing doubled.
    async fn assert_mirrored(&self) {
        let sophie = self.sophie().await;
        let live = self.google.live();
        let linked: BTreeSet<&str> = sophie
            .iter()
            .map(|e| {
                assert_eq!(e.google_calendar_id.as_deref(), Some(CALENDAR), "{e:?}");
                e.google_event_id.as_deref().expect("linked to Google")
            })
            .collect();
        assert_eq!(
            linked.len(),
            sophie.len(),
            "two sophie events share a Google event"
        );
        let at_google: BTreeSet<&str> = live.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(linked, at_google, "sophie: {sophie:#?}\nGoogle: {live:#?}");
        for event in &sophie {
            let remote = live
                .iter()
                .find(|r| Some(r.id.as_str()) == event.google_event_id.as_deref())
                .unwrap();
            assert!(
                google_events::in_step(event, remote),
                "{event:#?} says otherwise than {remote:#?}"
            );
        }
    }
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 3, day, hour, 0, 0).unwrap()
}

fn new_event(title: &str, start: DateTime<Utc>) -> NewCalendarEvent {
    NewCalendarEvent {
        title: Title::parse(title).unwrap(),
        description: None,
        schedule: EventSchedule::new(start, Some(start + TimeDelta::hours(1))).unwrap(),
        reminders: Reminders::parse([10]).unwrap(),
        event_type: EventType::Lecture,
        location: None,
        priority: None,
        color: Color::default(),
        google_event_id: None,
        google_calendar_id: None,
        course_id: None,
        document_id: None,
    }
}

/// An event made in Google Calendar, with Google's own id.
fn google_event(id: &str, title: &str, start: DateTime<Utc>) -> RemoteEvent {
    let time = |at: DateTime<Utc>| RemoteTime::At {
        at,
        time_zone: Some("Europe/Berlin".to_owned()),
    };
    RemoteEvent {
        id: id.to_owned(),
        status: RemoteStatus::Confirmed,
        summary: Some(title.to_owned()),
        description: None,
        location: Some("Library".to_owned()),
        start: Some(time(start)),
        end: Some(time(start + TimeDelta::hours(2))),
        recurrence: Vec::new(),
        reminders: Some(vec![30]),
        color_id: Some("11".to_owned()),
        private: BTreeMap::new(),
        updated: None,
        recurring_event_id: None,
        original_start: None,
    }
}

fn titles_at_google(google: &FakeGoogle) -> BTreeSet<String> {
    google
        .live()
        .into_iter()
        .map(|e| e.summary.unwrap_or_default())
        .collect()
}

fn titles(events: &[CalendarEvent]) -> BTreeSet<String> {
    events.iter().map(|e| e.title.clone()).collect()
}

fn set(titles: &[&str]) -> BTreeSet<String> {
    titles.iter().map(|t| (*t).to_owned()).collect()
}

// ---------------------------------------------------------------------------------------
// The tests.
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_first_run_copies_both_ways_and_a_second_changes_nothing() {
    let w = world().await;
    for (i, title) in ["Algebra", "Biology", "Chemistry"].iter().enumerate() {
        w.create(title, at(10 + u32::try_from(i).unwrap(), 9)).await;
    }
    for (i, title) in ["Dentist", "Exam prep", "Football"].iter().enumerate() {
        w.google.add_at_google(google_event(
            &format!("g{i}"),
            title,
            at(20 + u32::try_from(i).unwrap(), 14),
        ));
    }

    let first = w.run().await;
    assert_eq!((first.pulled_new, first.pushed_new), (3, 3), "{first:#?}");
    assert!(!first.full_resync && first.conflicts.is_empty() && first.refused.is_empty());
    let all = set(&[
        "Algebra",
        "Biology",
        "Chemistry",
        "Dentist",
        "Exam prep",
        "Football",
    ]);
    assert_eq!(titles(&w.sophie().await), all);
    assert_eq!(titles_at_google(&w.google), all);
    assert_eq!(w.google.live().len(), 6);
    w.assert_mirrored().await;

    // Google's event as sophie shows it: its times, place, reminder and colour.
    let dentist = w
        .sophie()
        .await
        .into_iter()
        .find(|e| e.title == "Dentist")
        .unwrap();
    assert_eq!(dentist.google_event_id.as_deref(), Some("g0"));
    assert_eq!(
        (dentist.start_date, dentist.end_date),
        (at(20, 14), Some(at(20, 16)))
    );
    assert_eq!(dentist.time_zone, "Europe/Berlin");
    assert_eq!(dentist.location.as_deref(), Some("Library"));
    assert_eq!(dentist.reminders, vec![30]);
    assert_eq!(
        google_events::google_color(&dentist.color).as_deref(),
        Some("11")
    );
    // sophie's events went under ids derived from their own, naming themselves.
    let algebra = w
        .sophie()
        .await
        .into_iter()
        .find(|e| e.title == "Algebra")
        .unwrap();
    let remote = w
        .google
        .event(&google_events::remote_id(algebra.id))
        .unwrap();
    assert_eq!(
        remote.private.get(SOPHIE_EVENT_ID),
        Some(&algebra.id.to_string())
    );

    let status = w.service.status(w.user).await.unwrap().unwrap();
    assert_eq!(status.state, SyncState::Idle);
    assert_eq!(status.last_error, None);
    assert!(status.last_synced_at.is_some());

    w.clock.advance(TimeDelta::minutes(20));
    let (inserts, patches, deletes) = (
        w.google.done(Op::Insert),
        w.google.done(Op::Patch),
        w.google.done(Op::Delete),
    );
    let second = w.run().await;
    assert_eq!(
        second,
        SyncReport::default(),
        "a second run changed something"
    );
    assert_eq!(
        (
            w.google.done(Op::Insert),
            w.google.done(Op::Patch),
            w.google.done(Op::Delete)
        ),
        (inserts, patches, deletes),
        "a second run wrote to Google"
    );
    assert_eq!(w.sophie().await.len(), 6);
    assert_eq!(w.google.live().len(), 6);
    w.assert_mirrored().await;
}

#[tokio::test]
async fn an_insert_whose_answer_was_lost_is_not_made_twice() {
    let w = world().await;
    let lecture = w.create("Lecture", at(10, 9)).await;
    w.google.fail_next(Op::Insert, Fail::AnswerLost);

    let lost = w.service.run(w.user).await;
    assert!(
        matches!(lost, Err(DomainError::Unavailable { .. })),
        "{lost:?}"
    );
    assert_eq!(w.google.live().len(), 1, "the insert reached Google");
    let status = w.service.status(w.user).await.unwrap().unwrap();
    assert_eq!(status.state, SyncState::Failed);
    assert!(
        status
            .last_error
            .as_deref()
            .unwrap()
            .contains("could not be reached"),
        "{status:?}"
    );

    w.clock.advance(TimeDelta::minutes(1));
    let again = w.run().await;
    assert_eq!(
        (again.pushed_new, again.pulled_new, again.pushed_changed),
        (0, 0, 0),
        "{again:#?}"
    );
    assert!(again.conflicts.is_empty(), "{again:#?}");
    assert_eq!(w.google.live().len(), 1, "the event is at Google twice");
    assert_eq!(w.sophie().await.len(), 1, "the event is in sophie twice");
    assert_eq!(
        w.get(&lecture).await.google_event_id,
        Some(google_events::remote_id(lecture.id))
    );
    w.assert_mirrored().await;
    assert_eq!(w.google.done(Op::Insert), 1);

    // And once in step, it stays so.
    w.clock.advance(TimeDelta::minutes(1));
    assert_eq!(w.run().await, SyncReport::default());
}

#[tokio::test]
async fn a_change_on_both_sides_keeps_the_later_one_either_way() {
    let w = world().await;
    let early = w.create("Essay", at(10, 9)).await;
    let late = w.create("Lab", at(11, 9)).await;
    w.run().await;
    let early_id = google_events::remote_id(early.id);
    let late_id = google_events::remote_id(late.id);

    // "Essay": sophie first, Google later: Google's change is kept.
    w.clock.advance(TimeDelta::minutes(1));
    let renamed = w.rename(&early, "Essay (sophie)").await;
    w.clock.advance(TimeDelta::minutes(1));
    w.google.edit_at_google(&early_id, |e| {
        e.summary = Some("Essay (Google)".to_owned());
    });
    let google_time = w.clock.now();
    // "Lab": Google first, sophie later: sophie's change is kept.
    w.clock.advance(TimeDelta::minutes(1));
    w.google.edit_at_google(&late_id, |e| {
        e.summary = Some("Lab (Google)".to_owned());
    });
    let google_earlier = w.clock.now();
    w.clock.advance(TimeDelta::minutes(1));
    let renamed_late = w.rename(&late, "Lab (sophie)").await;

    w.clock.advance(TimeDelta::minutes(1));
    let report = w.run().await;
    assert_eq!(report.conflicts.len(), 2, "{report:#?}");
    let essay = report
        .conflicts
        .iter()
        .find(|c| c.event_id == early.id)
        .unwrap();
    assert_eq!(essay.kept, Kept::Google);
    assert_eq!(essay.remote_id, early_id);
    assert_eq!(essay.sophie_updated, renamed.updated_at);
    assert_eq!(essay.google_updated, Some(google_time));
    let lab = report
        .conflicts
        .iter()
        .find(|c| c.event_id == late.id)
        .unwrap();
    assert_eq!(lab.kept, Kept::Sophie);
    assert_eq!(lab.sophie_updated, renamed_late.updated_at);
    assert_eq!(lab.google_updated, Some(google_earlier));
    assert_eq!(
        (report.pulled_changed, report.pushed_changed),
        (1, 1),
        "{report:#?}"
    );

    // Both sides now say the kept version.
    assert_eq!(w.get(&early).await.title, "Essay (Google)");
    assert_eq!(w.get(&late).await.title, "Lab (sophie)");
    assert_eq!(
        w.google.event(&early_id).unwrap().summary.as_deref(),
        Some("Essay (Google)")
    );
    assert_eq!(
        w.google.event(&late_id).unwrap().summary.as_deref(),
        Some("Lab (sophie)")
    );
    w.assert_mirrored().await;

    w.clock.advance(TimeDelta::minutes(1));
    assert_eq!(w.run().await, SyncReport::default());
}

#[tokio::test]
async fn a_refused_sync_token_lists_everything_again_without_doubling() {
    let w = world().await;
    let gone = w.create("Gone at Google", at(10, 9)).await;
    let revived = w
        .create("Deleted at Google, changed in sophie", at(11, 9))
        .await;
    let kept = w.create("Kept", at(12, 9)).await;
    let changed = w.create("Changed at Google", at(13, 9)).await;
    w.run().await;
    assert_eq!(w.google.live().len(), 4);
    let inserts = w.google.done(Op::Insert);

    w.clock.advance(TimeDelta::minutes(1));
    w.google
        .delete_at_google(&google_events::remote_id(gone.id));
    w.google
        .delete_at_google(&google_events::remote_id(revived.id));
    w.google
        .edit_at_google(&google_events::remote_id(changed.id), |e| {
            e.location = Some("Room 2".to_owned());
        });
    w.google
        .add_at_google(google_event("gnew", "Made at Google", at(14, 9)));
    w.clock.advance(TimeDelta::minutes(1));
    let revived = w.rename(&revived, "Revived in sophie").await;
    w.google.expire_tokens();

    w.clock.advance(TimeDelta::minutes(1));
    let report = w.run().await;
    assert!(report.full_resync, "{report:#?}");
    assert_eq!(report.pulled_deleted, 1, "{report:#?}");
    assert_eq!(report.pulled_changed, 1, "{report:#?}");
    assert_eq!(report.pulled_new, 1, "{report:#?}");
    assert_eq!(report.pushed_new, 1, "{report:#?}");

    let sophie = w.sophie().await;
    assert_eq!(
        titles(&sophie),
        set(&[
            "Revived in sophie",
            "Kept",
            "Changed at Google",
            "Made at Google"
        ]),
        "{sophie:#?}"
    );
    assert!(matches!(
        w.r.calendar.get(w.user, gone.id).await,
        Err(DomainError::NotFound { .. })
    ));
    assert_eq!(w.get(&changed).await.location.as_deref(), Some("Room 2"));
    assert_eq!(titles_at_google(&w.google), titles(&sophie));
    assert_eq!(w.google.live().len(), 4);
    // The revived event is at Google again, under a new id (its own is taken by the deleted
    // one), once.
    let revived_now = w.get(&revived).await;
    let revived_at = revived_now.google_event_id.clone().unwrap();
    assert_ne!(revived_at, google_events::remote_id(revived.id));
    assert_eq!(
        w.google.event(&revived_at).unwrap().summary.as_deref(),
        Some("Revived in sophie")
    );
    assert_eq!(w.google.done(Op::Insert), inserts + 1);
    assert_eq!(w.get(&kept).await.title, "Kept");
    w.assert_mirrored().await;

    // The new token works: the next run lists only the changes, and finds none to make.
    w.clock.advance(TimeDelta::minutes(1));
    assert_eq!(w.run().await, SyncReport::default());
}

#[tokio::test]
async fn a_changed_occurrence_at_google_is_passed_over_and_reported() {
    let w = world().await;
    let berlin = TimeZone::parse("Europe/Berlin").unwrap();
    let mut new = new_event("Seminar", at(8, 9));
    new.schedule = EventSchedule::new(at(8, 9), Some(at(8, 10)))
        .unwrap()
        .repeating(berlin, false, vec!["RRULE:FREQ=WEEKLY;COUNT=4".to_owned()])
        .unwrap();
    let seminar = w.r.calendar.create(w.user, new).await.unwrap();
    let first = w.run().await;
    assert_eq!(first.pushed_new, 1);
    let series = google_events::remote_id(seminar.id);
    assert_eq!(
        w.google.event(&series).unwrap().recurrence,
        vec!["RRULE:FREQ=WEEKLY;COUNT=4".to_owned()]
    );

    // The student moves the second Seminar by an hour in Google Calendar.
    w.clock.advance(TimeDelta::minutes(1));
    let moved = format!("{series}_20270315T090000Z");
    let mut occurrence = w.google.event(&series).unwrap();
    occurrence.id.clone_from(&moved);
    occurrence.recurrence.clear();
    occurrence.start = Some(RemoteTime::At {
        at: at(15, 10),
        time_zone: Some("Europe/Berlin".to_owned()),
    });
    occurrence.end = Some(RemoteTime::At {
        at: at(15, 11),
        time_zone: Some("Europe/Berlin".to_owned()),
    });
    occurrence.recurring_event_id = Some(series.clone());
    occurrence.original_start = Some(RemoteTime::At {
        at: at(15, 9),
        time_zone: Some("Europe/Berlin".to_owned()),
    });
    w.google.add_at_google(occurrence);

    w.clock.advance(TimeDelta::minutes(1));
    let report = w.run().await;
    assert_eq!(report.skipped.len(), 1, "{report:#?}");
    assert_eq!(report.skipped[0].0, moved);
    assert!(
        report.skipped[0].1.contains("occurrence"),
        "{:?}",
        report.skipped[0]
    );
    assert_eq!(
        (
            report.pulled_new,
            report.pulled_changed,
            report.pulled_deleted
        ),
        (0, 0, 0),
        "{report:#?}"
    );
    assert!(report.conflicts.is_empty());
    // sophie's series is as it was, and so is Google's.
    let sophie = w.sophie().await;
    assert_eq!(sophie.len(), 1, "{sophie:#?}");
    assert_eq!(sophie[0].start_date, at(8, 9));
    assert_eq!(sophie[0].recurrence, seminar.recurrence);
    assert_eq!(w.google.done(Op::Patch), 0);
    assert_eq!(w.google.live().len(), 2);
}

#[tokio::test]
async fn an_event_google_refuses_does_not_stop_the_others_and_is_tried_again() {
    let w = world().await;
    w.create("Algebra", at(10, 9)).await;
    let refused = w.create("Refused", at(11, 9)).await;
    w.create("Chemistry", at(12, 9)).await;
    w.google.refuse_title("Refused", true);
    let refused_id = google_events::remote_id(refused.id);

    let report = w.run().await;
    assert_eq!(report.pushed_new, 2, "{report:#?}");
    assert_eq!(report.refused.len(), 1, "{report:#?}");
    assert_eq!(report.refused[0].0, refused.id);
    assert!(report.refused[0].1.contains("refused this title"));
    assert_eq!(titles_at_google(&w.google), set(&["Algebra", "Chemistry"]));
    let status = w.service.status(w.user).await.unwrap().unwrap();
    assert_eq!(status.state, SyncState::Idle);
    let last_error = status.last_error.unwrap();
    assert!(
        last_error.contains(&refused.id.to_string()) && last_error.contains("refused this title"),
        "{last_error}"
    );
    let tried = w.google.tried(Op::Insert, &refused_id);
    assert_eq!(tried, 1);

    // Still refused: tried again, the others left alone.
    w.clock.advance(TimeDelta::minutes(1));
    let again = w.run().await;
    assert_eq!(w.google.tried(Op::Insert, &refused_id), tried + 1);
    assert_eq!(again.refused.len(), 1, "{again:#?}");
    assert_eq!((again.pushed_new, again.pushed_changed), (0, 0));

    // Accepted now: copied, and the error is gone.
    w.google.refuse_title("Refused", false);
    w.clock.advance(TimeDelta::minutes(1));
    let last = w.run().await;
    assert_eq!(last.pushed_new, 1, "{last:#?}");
    assert!(last.refused.is_empty());
    assert_eq!(
        titles_at_google(&w.google),
        set(&["Algebra", "Refused", "Chemistry"])
    );
    let status = w.service.status(w.user).await.unwrap().unwrap();
    assert_eq!(status.last_error, None);
    w.assert_mirrored().await;
}

#[tokio::test]
async fn google_asking_to_slow_down_fails_the_run_to_be_retried() {
    let w = world().await;
    w.create("Algebra", at(10, 9)).await;
    w.google.fail_next(Op::List, Fail::RateLimited);

    let run = w.service.run(w.user).await;
    assert!(
        matches!(run, Err(DomainError::RateLimited { .. })),
        "{run:?}"
    );
    let status = w.service.status(w.user).await.unwrap().unwrap();
    assert_eq!(status.state, SyncState::Failed);
    assert!(
        status.last_error.as_deref().unwrap().contains("slow down"),
        "{status:?}"
    );
    assert!(status.last_attempt_at.is_some());
    assert_eq!(status.last_synced_at, None);
    assert!(w.google.live().is_empty());
    assert!(SyncCalendar::is_retryable(&DomainError::RateLimited {
        retry_after_seconds: 30
    }));
    assert!(!SyncCalendar::is_retryable(&Fail::Forbidden.error()));

    // A missing permission fails it too, for good (refused again with a renewed token).
    w.google.fail_next(Op::List, Fail::Forbidden);
    w.google.fail_next(Op::List, Fail::Forbidden);
    let run = w.service.run(w.user).await;
    assert!(matches!(run, Err(DomainError::Forbidden(_))), "{run:?}");
    let status = w.service.status(w.user).await.unwrap().unwrap();
    assert_eq!(status.state, SyncState::Failed);
    assert!(
        status
            .last_error
            .as_deref()
            .unwrap()
            .contains("insufficientPermissions"),
        "{status:?}"
    );

    // Once Google answers again, the run goes through.
    w.clock.advance(TimeDelta::minutes(1));
    let report = w.run().await;
    assert_eq!(report.pushed_new, 1);
    let status = w.service.status(w.user).await.unwrap().unwrap();
    assert_eq!((status.state, status.last_error), (SyncState::Idle, None));
}

#[tokio::test]
async fn runs_are_sent_when_due_and_after_changes_once() {
    let w = world().await;
    // Ada ran just now; Ben is connected with a calendar and never ran; Cleo has not chosen
    // a calendar; Dana ran a minute before the round.
    w.run().await;
    let ben = w.student("ben@example.com").await;
    w.connect(ben).await;
    w.service
        .choose(ben, CalendarChoice::Existing(CALENDAR.to_owned()))
        .await
        .unwrap();
    let cleo = w.student("cleo@example.com").await;
    w.connect(cleo).await;
    let dana = w.student("dana@example.com").await;
    w.connect(dana).await;
    w.service
        .choose(dana, CalendarChoice::Existing(CALENDAR.to_owned()))
        .await
        .unwrap();
    w.take_sync_jobs().await;

    w.clock
        .advance(TimeDelta::from_std(INTERVAL).unwrap() + TimeDelta::minutes(1));
    w.r.calendar_syncs
        .record(
            dana,
            SyncProgress {
                last_attempt_at: Some(w.clock.now() - TimeDelta::minutes(1)),
                ..SyncProgress::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(w.service.send_due().await.unwrap(), 2);
    // A second round before they ran adds no other job.
    assert_eq!(w.service.send_due().await.unwrap(), 2);
    let sent = w.take_sync_jobs().await;
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(
        sent.into_iter().collect::<BTreeSet<_>>(),
        BTreeSet::from([w.user, ben])
    );

    // Changes through the calendar: one run, a moment later, for a burst of them.
    let calendar = CalendarService::new(
        w.r.calendar.clone(),
        w.r.courses.clone(),
        CalendarLimits::default(),
    )
    .with_sync(w.service.trigger());
    let event = calendar
        .create(w.user, new_event("Algebra", at(10, 9)))
        .await
        .unwrap();
    calendar
        .update(
            w.user,
            event.id,
            CalendarEventUpdate {
                title: Some(Title::parse("Linear algebra").unwrap()),
                ..CalendarEventUpdate::default()
            },
        )
        .await
        .unwrap();
    calendar
        .create(cleo, new_event("No calendar chosen", at(10, 9)))
        .await
        .unwrap();
    assert_eq!(
        w.take_sync_jobs().await,
        Vec::<UserId>::new(),
        "the run waits for the burst to end"
    );
    w.clock.advance(COALESCE);
    assert_eq!(w.take_sync_jobs().await, vec![w.user]);
    assert_eq!(w.take_sync_jobs().await, Vec::<UserId>::new());

    // And the run it sends copies the change.
    let report = w.run().await;
    assert_eq!(report.pushed_new, 1);
    assert_eq!(titles_at_google(&w.google), set(&["Linear algebra"]));
}

#[tokio::test]
async fn deletions_on_either_side_reach_the_other() {
    let w = world().await;
    let algebra = w.create("Algebra", at(10, 9)).await;
    w.create("Biology", at(11, 9)).await;
    w.google
        .add_at_google(google_event("g0", "Dentist", at(12, 9)));
    w.run().await;
    assert_eq!(w.google.live().len(), 3);

    w.clock.advance(TimeDelta::minutes(1));
    w.r.calendar.delete(w.user, algebra.id).await.unwrap();
    w.google.delete_at_google("g0");
    w.clock.advance(TimeDelta::minutes(1));
    let report = w.run().await;
    assert_eq!(
        (report.pushed_deleted, report.pulled_deleted),
        (1, 1),
        "{report:#?}"
    );
    assert_eq!(titles(&w.sophie().await), set(&["Biology"]));
    assert_eq!(titles_at_google(&w.google), set(&["Biology"]));
    w.assert_mirrored().await;

    w.clock.advance(TimeDelta::minutes(1));
    assert_eq!(w.run().await, SyncReport::default());
}

#[tokio::test]
async fn an_edit_after_a_push_is_not_reported_as_a_conflict() {
    let w = world().await;
    let essay = w.create("Essay", at(10, 9)).await;
    w.run().await;
    w.clock.advance(TimeDelta::minutes(1));
    w.rename(&essay, "Essay, second draft").await;
    w.clock.advance(TimeDelta::minutes(1));

    let report = w.run().await;
    assert_eq!(report.pushed_changed, 1, "{report:#?}");
    assert!(
        report.conflicts.is_empty(),
        "nothing changed at Google, yet: {:#?}",
        report.conflicts
    );
}

#[tokio::test]
async fn an_edit_right_after_a_push_is_not_undone_by_the_echo_of_the_push() {
    let w = world().await;
    w.google.skew(TimeDelta::seconds(1));
    let essay = w.create("Essay", at(10, 9)).await;
    w.run().await;
    w.clock.advance(TimeDelta::milliseconds(500));
    w.rename(&essay, "Essay, second draft").await;
    w.clock.advance(TimeDelta::minutes(1));

    let report = w.run().await;
    assert_eq!(
        w.get(&essay).await.title,
        "Essay, second draft",
        "the student's edit was undone: {report:#?}"
    );
    assert_eq!(titles_at_google(&w.google), set(&["Essay, second draft"]));
}

#[tokio::test]
async fn an_event_deleted_after_its_insert_answer_was_lost_does_not_come_back() {
    let w = world().await;
    let lecture = w.create("Lecture", at(10, 9)).await;
    w.google.fail_next(Op::Insert, Fail::AnswerLost);
    assert!(w.service.run(w.user).await.is_err());
    w.clock.advance(TimeDelta::minutes(1));
    w.r.calendar.delete(w.user, lecture.id).await.unwrap();
    w.clock.advance(TimeDelta::minutes(1));

    let report = w.run().await;
    let sophie = w.sophie().await;
    assert!(
        sophie.is_empty(),
        "the deleted event is back: {sophie:#?}\n{report:#?}"
    );
    assert!(
        w.google.live().is_empty(),
        "Google keeps the deleted event: {:#?}",
        w.google.live()
    );
}
