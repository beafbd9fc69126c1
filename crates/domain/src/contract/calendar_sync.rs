//! [`crate::CalendarSyncRepository`]: each student's sync with a Google calendar, the events
//! out of step with it, and the synced events they deleted.

use chrono::TimeDelta;

use super::Fixture;
use super::expect;
use super::seed::{World, day, new_event, new_oauth, now, short, tick, title, wait_past};
use crate::entities::{
    CalendarEvent, CalendarEventUpdate, CalendarImport, ImportedCalendarEvent, NewCalendarEvent,
    SyncProgress,
};
use crate::enums::SyncState;
use crate::id::{AccountId, CalendarEventId, UserId};

fn ids(events: &[CalendarEvent]) -> Vec<CalendarEventId> {
    events.iter().map(|e| e.id).collect()
}

/// `events`' ids in id order, for answers whose order is not part of the contract.
fn id_set(events: &[CalendarEvent]) -> Vec<CalendarEventId> {
    let mut ids = ids(events);
    ids.sort();
    ids
}

/// Links a Google account of `user`'s (`tag` makes its provider id unique).
async fn google(w: &World, user: UserId, tag: &str) -> AccountId {
    w.r.accounts
        .create(new_oauth(user, "google", tag))
        .await
        .unwrap()
        .id
}

/// Connects `user`'s sync through a new Google account and has it keep `calendar`.
async fn syncing(w: &World, user: UserId, tag: &str, calendar: &str) -> AccountId {
    let account = google(w, user, tag).await;
    w.r.calendar_syncs.connect(user, account).await.unwrap();
    w.r.calendar_syncs
        .choose_calendar(user, calendar.to_owned())
        .await
        .unwrap();
    account
}

/// Marks `event` in step as `remote` in `calendar` at the revision it has now.
async fn mark(w: &World, event: &CalendarEvent, calendar: &str, remote: &str) {
    w.r.calendar_syncs
        .mark_synced(
            event.user_id,
            event.id,
            calendar.to_owned(),
            remote.to_owned(),
            event.sequence,
        )
        .await
        .unwrap();
}

/// Retitles `event`, which raises its sequence.
async fn retitle(w: &World, event: &CalendarEvent, new_title: &str) -> CalendarEvent {
    w.r.calendar
        .update(
            event.user_id,
            event.id,
            CalendarEventUpdate {
                title: Some(title(new_title)),
                ..Default::default()
            },
        )
        .await
        .unwrap()
}

async fn backlog_events(w: &World, user: UserId, calendar: &str) -> Vec<CalendarEventId> {
    ids(&w
        .r
        .calendar_syncs
        .backlog(user, calendar.to_owned(), 100)
        .await
        .unwrap()
        .events)
}

async fn backlog_deleted(w: &World, user: UserId, calendar: &str) -> Vec<String> {
    w.r.calendar_syncs
        .backlog(user, calendar.to_owned(), 100)
        .await
        .unwrap()
        .deleted
}

pub async fn calendar_sync_connect_needs_the_users_own_account_and_keeps_the_calendar(
    fixture: &impl Fixture,
) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas = google(&w, ada, "ada-1").await;
    let bobs = google(&w, bob, "bob-1").await;
    assert_eq!(
        w.r.calendar_syncs.get(ada).await.unwrap(),
        None,
        "a user who never connected has a sync"
    );

    expect::hidden(
        w.r.calendar_syncs.connect(ada, bobs).await,
        w.r.calendar_syncs.connect(ada, AccountId::new()).await,
        "account",
        "a sync was connected through another user's Google account",
    );
    assert_eq!(
        w.r.calendar_syncs.get(ada).await.unwrap(),
        None,
        "a refused connection left a sync"
    );

    let connected = w.r.calendar_syncs.connect(ada, adas).await.unwrap();
    assert_eq!(
        (
            connected.user_id,
            connected.account_id,
            connected.calendar_id.as_deref(),
            connected.sync_token.as_deref(),
            connected.state,
            connected.last_error.as_deref(),
            connected.last_attempt_at,
            connected.last_synced_at,
        ),
        (ada, adas, None, None, SyncState::Idle, None, None, None),
        "a new sync is not idle with no calendar"
    );
    assert_eq!(
        w.r.calendar_syncs.get(ada).await.unwrap(),
        Some(connected.clone()),
        "the sync read back differs"
    );

    let chosen =
        w.r.calendar_syncs
            .choose_calendar(ada, "study@group.calendar.google.com".to_owned())
            .await
            .unwrap();
    assert_eq!(
        chosen.calendar_id.as_deref(),
        Some("study@group.calendar.google.com")
    );
    w.r.calendar_syncs
        .record(
            ada,
            SyncProgress {
                sync_token: Some(Some("token-1".to_owned())),
                ..Default::default()
            },
        )
        .await
        .unwrap();

    // Connecting again (another Google account of hers) moves the sync, keeping the rest.
    let second = google(&w, ada, "ada-2").await;
    wait_past(chosen.updated_at);
    let moved = w.r.calendar_syncs.connect(ada, second).await.unwrap();
    assert_eq!(moved.account_id, second, "the sync did not move");
    assert_eq!(
        (moved.calendar_id.as_deref(), moved.sync_token.as_deref()),
        (Some("study@group.calendar.google.com"), Some("token-1")),
        "connecting again forgot the chosen calendar or the sync token"
    );
    assert_eq!(
        moved.created_at, connected.created_at,
        "connecting again made a new sync"
    );
    assert!(
        moved.updated_at > chosen.updated_at,
        "updatedAt did not move"
    );
    assert_eq!(w.r.calendar_syncs.get(ada).await.unwrap(), Some(moved));
    assert_eq!(
        w.r.calendar_syncs.get(bob).await.unwrap(),
        None,
        "Ada's sync shows as Bob's"
    );

    // Without a sync there is nothing to choose, record or disconnect.
    expect::not_found(
        w.r.calendar_syncs
            .choose_calendar(bob, "primary".to_owned())
            .await,
        "calendarSync",
        "a calendar was chosen for a user with no sync",
    );
    expect::not_found(
        w.r.calendar_syncs
            .record(bob, SyncProgress::default())
            .await,
        "calendarSync",
        "a run was recorded for a user with no sync",
    );
    expect::not_found(
        w.r.calendar_syncs.disconnect(bob).await,
        "calendarSync",
        "a user with no sync disconnected",
    );
    assert_eq!(w.r.calendar_syncs.get(bob).await.unwrap(), None);
}

pub async fn calendar_sync_record_changes_only_the_fields_given(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    syncing(&w, ada, "ada", "primary").await;
    let started = now() - TimeDelta::minutes(5);
    let syncing_now =
        w.r.calendar_syncs
            .record(
                ada,
                SyncProgress {
                    state: Some(SyncState::Syncing),
                    last_attempt_at: Some(started),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (syncing_now.state, syncing_now.last_attempt_at),
        (SyncState::Syncing, Some(started))
    );

    wait_past(syncing_now.updated_at);
    let failed =
        w.r.calendar_syncs
            .record(
                ada,
                SyncProgress {
                    state: Some(SyncState::Failed),
                    last_error: Some(Some("Google answered 503".to_owned())),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(failed.state, SyncState::Failed);
    assert_eq!(failed.last_error.as_deref(), Some("Google answered 503"));
    assert_eq!(
        failed.last_attempt_at,
        Some(started),
        "recording a failure lost when the run started"
    );
    assert!(
        failed.updated_at > syncing_now.updated_at,
        "updatedAt did not move"
    );

    let ended = now();
    let done =
        w.r.calendar_syncs
            .record(
                ada,
                SyncProgress {
                    state: Some(SyncState::Idle),
                    last_error: Some(None),
                    last_synced_at: Some(ended),
                    sync_token: Some(Some("next".to_owned())),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (
            done.state,
            done.last_error.as_deref(),
            done.last_synced_at,
            done.sync_token.as_deref(),
            done.last_attempt_at,
            done.calendar_id.as_deref(),
        ),
        (
            SyncState::Idle,
            None,
            Some(ended),
            Some("next"),
            Some(started),
            Some("primary")
        ),
        "a successful run was not recorded as given"
    );
    let unchanged =
        w.r.calendar_syncs
            .record(ada, SyncProgress::default())
            .await
            .unwrap();
    assert_eq!(
        (
            unchanged.state,
            unchanged.last_synced_at,
            unchanged.sync_token.as_deref()
        ),
        (SyncState::Idle, Some(ended), Some("next")),
        "recording nothing changed the sync"
    );
    let relist =
        w.r.calendar_syncs
            .record(
                ada,
                SyncProgress {
                    sync_token: Some(None),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(relist.sync_token, None, "the sync token was not dropped");
    assert_eq!(w.r.calendar_syncs.get(ada).await.unwrap(), Some(relist));
}

pub async fn calendar_sync_choosing_another_calendar_starts_over(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    syncing(&w, ada, "ada", "cal-1").await;
    syncing(&w, bob, "bob", "cal-1").await;
    let lecture = w.event(ada, "Lecture", day(1)).await;
    let exam = w.event(ada, "Exam", day(2)).await;
    let dropped = w.event(ada, "Dropped", day(3)).await;
    let bobs = w.event(bob, "Bob's", day(1)).await;
    let bobs_dropped = w.event(bob, "Bob's dropped", day(2)).await;
    for (event, remote) in [
        (&lecture, "lecture"),
        (&exam, "exam"),
        (&dropped, "dropped"),
        (&bobs, "bob"),
        (&bobs_dropped, "bobdropped"),
    ] {
        mark(&w, event, "cal-1", remote).await;
    }
    w.r.calendar.delete(ada, dropped.id).await.unwrap();
    w.r.calendar.delete(bob, bobs_dropped.id).await.unwrap();
    let before =
        w.r.calendar_syncs
            .record(
                ada,
                SyncProgress {
                    state: Some(SyncState::Failed),
                    last_error: Some(Some("quota".to_owned())),
                    sync_token: Some(Some("token".to_owned())),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(backlog_events(&w, ada, "cal-1").await, []);
    assert_eq!(backlog_deleted(&w, ada, "cal-1").await, ["dropped"]);

    // The same calendar again changes nothing.
    let same =
        w.r.calendar_syncs
            .choose_calendar(ada, "cal-1".to_owned())
            .await
            .unwrap();
    assert_eq!(same, before, "choosing the same calendar changed the sync");
    assert_eq!(
        w.r.calendar
            .get(ada, lecture.id)
            .await
            .unwrap()
            .google_event_id
            .as_deref(),
        Some("lecture"),
        "choosing the same calendar forgot the events' Google ids"
    );
    assert_eq!(
        backlog_events(&w, ada, "cal-1").await,
        [],
        "choosing the same calendar put synced events out of step"
    );
    assert_eq!(
        backlog_deleted(&w, ada, "cal-1").await,
        ["dropped"],
        "choosing the same calendar forgot a deletion"
    );

    // Another calendar starts over.
    let other =
        w.r.calendar_syncs
            .choose_calendar(ada, "cal-2".to_owned())
            .await
            .unwrap();
    assert_eq!(other.calendar_id.as_deref(), Some("cal-2"));
    assert_eq!(
        (other.sync_token.as_deref(), other.last_error.as_deref()),
        (None, None),
        "the old calendar's sync token or error was kept"
    );
    assert_eq!(w.r.calendar_syncs.get(ada).await.unwrap(), Some(other));
    for id in [lecture.id, exam.id] {
        let event = w.r.calendar.get(ada, id).await.unwrap();
        assert_eq!(
            (
                event.google_event_id.as_deref(),
                event.google_calendar_id.as_deref()
            ),
            (None, None),
            "an event kept its place in the old calendar"
        );
    }
    assert_eq!(
        id_set(
            &w.r.calendar_syncs
                .backlog(ada, "cal-2".to_owned(), 100)
                .await
                .unwrap()
                .events
        ),
        {
            let mut both = vec![lecture.id, exam.id];
            both.sort();
            both
        },
        "not every event is to be pushed to the new calendar"
    );
    assert_eq!(
        backlog_events(&w, ada, "cal-1").await.len(),
        2,
        "events still count as in step with the old calendar"
    );
    assert_eq!(
        backlog_deleted(&w, ada, "cal-1").await,
        Vec::<String>::new(),
        "a deletion in the old calendar was kept"
    );

    // Bob's sync and events are his.
    assert_eq!(
        w.r.calendar
            .get(bob, bobs.id)
            .await
            .unwrap()
            .google_event_id
            .as_deref(),
        Some("bob"),
        "Ada's new calendar cleared Bob's event"
    );
    assert_eq!(backlog_events(&w, bob, "cal-1").await, []);
    assert_eq!(backlog_deleted(&w, bob, "cal-1").await, ["bobdropped"]);
}

pub async fn calendar_sync_backlog_holds_new_and_changed_events_and_deletions(
    fixture: &impl Fixture,
) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    syncing(&w, ada, "ada", "cal").await;
    syncing(&w, bob, "bob", "cal").await;

    let fresh = w.event(ada, "Fresh", day(1)).await;
    tick();
    let synced = w.event(ada, "Synced", day(2)).await;
    mark(&w, &synced, "cal", "rsynced").await;
    tick();
    let elsewhere = w.event(ada, "Elsewhere", day(3)).await;
    mark(&w, &elsewhere, "other", "relsewhere").await;
    tick();
    // Imported with Google ids, never pushed: out of step all the same.
    let carried =
        w.r.calendar
            .create(
                ada,
                NewCalendarEvent {
                    google_event_id: Some(short("rcarried")),
                    google_calendar_id: Some(short("cal")),
                    ..new_event("Carried", day(4))
                },
            )
            .await
            .unwrap();
    tick();
    let changed = w.event(ada, "Changed", day(5)).await;
    mark(&w, &changed, "cal", "rchanged").await;
    tick();
    let changed = retitle(&w, &changed, "Changed again").await;
    tick();
    let subscription =
        w.r.calendar
            .subscribe(
                ada,
                "https://uni.example/t.ics".to_owned(),
                None,
                "UTC".to_owned(),
            )
            .await
            .unwrap();
    w.r.calendar
        .import_events(
            ada,
            CalendarImport {
                course_id: None,
                subscription_id: Some(subscription.id),
                events: vec![ImportedCalendarEvent {
                    uid: short("timetable@uni"),
                    event: new_event("Timetable", day(6)),
                    overrides: Vec::new(),
                }],
            },
        )
        .await
        .unwrap();
    w.event(bob, "Bob's", day(1)).await;

    assert_eq!(
        backlog_events(&w, ada, "cal").await,
        [fresh.id, elsewhere.id, carried.id, changed.id],
        "the backlog is not the new and changed events, oldest change first \
         (synced, subscription and other users' events left out)"
    );
    let first_two =
        w.r.calendar_syncs
            .backlog(ada, "cal".to_owned(), 2)
            .await
            .unwrap();
    assert_eq!(
        ids(&first_two.events),
        [fresh.id, elsewhere.id],
        "the limit is not kept"
    );
    assert_eq!(
        backlog_events(&w, ada, "other").await,
        [fresh.id, synced.id, carried.id, changed.id],
        "for another calendar, the events synced to it are in step and the others are not"
    );
    assert_eq!(first_two.deleted, Vec::<String>::new());

    // Deletions of events synced to the sync calendar are recorded, oldest first.
    w.r.calendar.delete(ada, synced.id).await.unwrap();
    tick();
    w.r.calendar.delete(ada, carried.id).await.unwrap();
    w.r.calendar.delete(ada, elsewhere.id).await.unwrap();
    tick();
    // Not linked yet: recorded under the id sophie inserts it with.
    w.r.calendar.delete(ada, fresh.id).await.unwrap();
    assert_eq!(
        backlog_deleted(&w, ada, "cal").await,
        [
            "rsynced".to_owned(),
            "rcarried".to_owned(),
            crate::rules::google_events::remote_id(fresh.id)
        ],
        "the deletions to push are not those of events in the sync calendar (or not linked \
         yet), oldest first"
    );
    assert_eq!(
        backlog_deleted(&w, ada, "other").await,
        Vec::<String>::new(),
        "a deletion outside the sync calendar was recorded"
    );
    assert_eq!(
        backlog_events(&w, ada, "cal").await,
        [changed.id],
        "deleted events are still to be pushed"
    );
    assert_eq!(
        backlog_deleted(&w, bob, "cal").await,
        Vec::<String>::new(),
        "Ada's deletions show in Bob's backlog"
    );

    // Forgotten once pushed: only those named, only in their calendar.
    w.r.calendar_syncs
        .forget_deleted(ada, "other".to_owned(), vec!["rsynced".to_owned()])
        .await
        .unwrap();
    w.r.calendar_syncs
        .forget_deleted(bob, "cal".to_owned(), vec!["rsynced".to_owned()])
        .await
        .unwrap();
    let fresh_copy = crate::rules::google_events::remote_id(fresh.id);
    assert_eq!(
        backlog_deleted(&w, ada, "cal").await,
        [
            "rsynced".to_owned(),
            "rcarried".to_owned(),
            fresh_copy.clone()
        ],
        "a deletion was forgotten for another calendar or another user"
    );
    w.r.calendar_syncs
        .forget_deleted(
            ada,
            "cal".to_owned(),
            vec!["rsynced".to_owned(), "unknown".to_owned()],
        )
        .await
        .unwrap();
    assert_eq!(
        backlog_deleted(&w, ada, "cal").await,
        ["rcarried".to_owned(), fresh_copy]
    );
}

pub async fn calendar_sync_a_stale_mark_leaves_the_event_out_of_step(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    syncing(&w, ada, "ada", "cal").await;
    let created = w.event(ada, "Lecture", day(1)).await;
    // Pushed at sequence 0, changed (sequence 1) before the push was recorded.
    let changed = retitle(&w, &created, "Lecture moved").await;
    assert_eq!(changed.sequence, created.sequence + 1);
    wait_past(changed.updated_at);
    w.r.calendar_syncs
        .mark_synced(
            ada,
            created.id,
            "cal".to_owned(),
            "r1".to_owned(),
            created.sequence,
        )
        .await
        .unwrap();
    let marked = w.r.calendar.get(ada, created.id).await.unwrap();
    assert_eq!(
        (
            marked.google_event_id.as_deref(),
            marked.google_calendar_id.as_deref()
        ),
        (Some("r1"), Some("cal")),
        "a stale mark did not record the remote ids"
    );
    assert_eq!(
        marked.sequence, changed.sequence,
        "marking an event changed its sequence"
    );
    assert!(
        marked.updated_at > changed.updated_at,
        "marking an event did not move its updatedAt"
    );
    assert_eq!(
        backlog_events(&w, ada, "cal").await,
        [created.id],
        "an event changed after its push is taken as in step"
    );

    w.r.calendar_syncs
        .mark_synced(
            ada,
            created.id,
            "cal".to_owned(),
            "r1".to_owned(),
            changed.sequence,
        )
        .await
        .unwrap();
    assert_eq!(
        backlog_events(&w, ada, "cal").await,
        [],
        "an event pushed at its sequence is still out of step"
    );
    assert_eq!(
        w.r.calendar.get(ada, created.id).await.unwrap().sequence,
        changed.sequence,
        "marking an event changed its sequence"
    );
    // An older mark arriving late keeps the event in step at its newer revision.
    w.r.calendar_syncs
        .mark_synced(
            ada,
            created.id,
            "cal".to_owned(),
            "r1".to_owned(),
            created.sequence,
        )
        .await
        .unwrap();
    assert_eq!(
        backlog_events(&w, ada, "cal").await,
        [],
        "a late stale mark put the event out of step"
    );

    // Any change after the push puts it back.
    retitle(&w, &changed, "Lecture moved again").await;
    assert_eq!(backlog_events(&w, ada, "cal").await, [created.id]);

    let bobs = w.event(bob, "Bob's", day(1)).await;
    expect::hidden(
        w.r.calendar_syncs
            .mark_synced(ada, bobs.id, "cal".to_owned(), "x".to_owned(), 0)
            .await,
        w.r.calendar_syncs
            .mark_synced(
                ada,
                CalendarEventId::new(),
                "cal".to_owned(),
                "x".to_owned(),
                0,
            )
            .await,
        "calendar event",
        "another user's event was marked as synced",
    );
    assert_eq!(
        w.r.calendar.get(bob, bobs.id).await.unwrap(),
        bobs,
        "a refused mark changed Bob's event"
    );
}

pub async fn calendar_sync_deleting_a_synced_event_records_it_but_a_pulled_deletion_does_not(
    fixture: &impl Fixture,
) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    syncing(&w, ada, "ada", "cal").await;
    let pushed = w.event(ada, "Pushed", day(1)).await;
    let pulled = w.event(ada, "Pulled", day(2)).await;
    let unnamed =
        w.r.calendar
            .create(
                ada,
                NewCalendarEvent {
                    google_calendar_id: Some(short("cal")),
                    ..new_event("No remote id", day(3))
                },
            )
            .await
            .unwrap();
    mark(&w, &pushed, "cal", "rpushed").await;
    mark(&w, &pulled, "cal", "rpulled").await;
    let bobs = w.event(bob, "Bob's", day(1)).await;

    w.r.calendar.delete(ada, pushed.id).await.unwrap();
    w.r.calendar.delete(ada, unnamed.id).await.unwrap();
    let mut recorded = backlog_deleted(&w, ada, "cal").await;
    recorded.sort();
    let mut expected = vec![
        "rpushed".to_owned(),
        crate::rules::google_events::remote_id(unnamed.id),
    ];
    expected.sort();
    assert_eq!(
        recorded, expected,
        "deleting a synced event did not record its deletion for the next push (or an \
         event not linked yet was not recorded under the id sophie inserts it with)"
    );

    let gone =
        w.r.calendar_syncs
            .delete_pulled(ada, vec![pulled.id, bobs.id, CalendarEventId::new()])
            .await
            .unwrap();
    assert_eq!(gone, 1, "not exactly Ada's own event was deleted");
    expect::not_found(
        w.r.calendar.get(ada, pulled.id).await,
        "calendar event",
        "an event deleted in Google is still there",
    );
    assert_eq!(
        w.r.calendar.get(bob, bobs.id).await.unwrap(),
        bobs,
        "Ada's pulled deletion deleted Bob's event"
    );
    let mut after_pull = backlog_deleted(&w, ada, "cal").await;
    after_pull.sort();
    assert_eq!(
        after_pull, expected,
        "a deletion pulled from Google was recorded to be pushed back"
    );
    assert_eq!(
        w.r.calendar_syncs
            .delete_pulled(ada, vec![pulled.id])
            .await
            .unwrap(),
        0,
        "an event was deleted twice"
    );
    assert_eq!(
        w.r.calendar_syncs
            .delete_pulled(ada, Vec::new())
            .await
            .unwrap(),
        0
    );
}

pub async fn calendar_sync_linked_finds_by_remote_id_and_by_own_id_never_anothers(
    fixture: &impl Fixture,
) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let in_cal = w.event(ada, "In cal", day(1)).await;
    let in_other = w.event(ada, "In other", day(2)).await;
    let inserted = w.event(ada, "Inserted", day(3)).await;
    let unrelated = w.event(ada, "Unrelated", day(4)).await;
    let bobs = w.event(bob, "Bob's", day(1)).await;
    mark(&w, &in_cal, "cal", "r1").await;
    mark(&w, &in_other, "other", "r2").await;
    mark(&w, &unrelated, "cal", "r3").await;
    mark(&w, &bobs, "cal", "r1").await;

    let found =
        w.r.calendar_syncs
            .linked(
                ada,
                "cal".to_owned(),
                vec!["r1".to_owned(), "r2".to_owned(), "r9".to_owned()],
                vec![inserted.id, bobs.id, CalendarEventId::new()],
            )
            .await
            .unwrap();
    let mut expected = vec![in_cal.id, inserted.id];
    expected.sort();
    assert_eq!(
        id_set(&found),
        expected,
        "not exactly Ada's events synced to the calendar under those ids, and those with \
         those own ids"
    );
    let read_back = w.r.calendar.get(ada, in_cal.id).await.unwrap();
    assert!(
        found.contains(&read_back),
        "a linked event is not the event as stored"
    );

    assert_eq!(
        ids(&w
            .r
            .calendar_syncs
            .linked(
                bob,
                "cal".to_owned(),
                vec!["r1".to_owned()],
                vec![in_cal.id]
            )
            .await
            .unwrap()),
        [bobs.id],
        "Bob's lookup found Ada's events"
    );
    assert_eq!(
        w.r.calendar_syncs
            .linked(ada, "cal".to_owned(), Vec::new(), Vec::new())
            .await
            .unwrap(),
        Vec::<CalendarEvent>::new()
    );
}

pub async fn calendar_sync_due_waits_longest_first_and_skips_syncs_not_ready(
    fixture: &impl Fixture,
) {
    let w = World::of(fixture);
    let base = now();
    let mut users = Vec::new();
    for name in [
        "never", "never2", "failed", "older", "recent", "current", "blocked", "nocal",
    ] {
        let user = w.user(name).await;
        if name == "nocal" {
            let account = google(&w, user, name).await;
            w.r.calendar_syncs.connect(user, account).await.unwrap();
        } else {
            syncing(&w, user, name, "primary").await;
        }
        users.push(user);
    }
    let users: [UserId; 8] = users.try_into().unwrap();
    let [
        never,
        never2,
        failed,
        older,
        recent,
        current,
        blocked,
        _nocal,
    ] = users;
    w.user("unsynced").await;
    let attempted = |state, ago: i64| SyncProgress {
        state: Some(state),
        last_attempt_at: Some(base - TimeDelta::minutes(ago)),
        ..Default::default()
    };
    for (user, progress) in [
        (failed, attempted(SyncState::Failed, 180)),
        (older, attempted(SyncState::Idle, 120)),
        (recent, attempted(SyncState::Syncing, 60)),
        (current, attempted(SyncState::Idle, 0)),
        (blocked, attempted(SyncState::NeedsReconnection, 600)),
    ] {
        w.r.calendar_syncs.record(user, progress).await.unwrap();
    }
    let mut never_started = [never, never2];
    never_started.sort();

    let due = w.r.calendar_syncs.due(base, 10).await.unwrap();
    assert_eq!(
        due,
        [never_started[0], never_started[1], failed, older, recent],
        "due syncs are not the ready ones never started or started before, the longest \
         waiting first (ties by user)"
    );
    assert_eq!(
        w.r.calendar_syncs.due(base, 3).await.unwrap(),
        due[..3],
        "the limit is not kept"
    );
    assert_eq!(
        w.r.calendar_syncs
            .due(base - TimeDelta::minutes(90), 10)
            .await
            .unwrap(),
        [never_started[0], never_started[1], failed, older],
        "a sync started after the cut-off is due"
    );
    assert_eq!(
        w.r.calendar_syncs
            .due(base + TimeDelta::minutes(1), 10)
            .await
            .unwrap(),
        [
            never_started[0],
            never_started[1],
            failed,
            older,
            recent,
            current
        ],
    );
}

pub async fn calendar_sync_disconnect_clears_the_events_and_removes_the_sync(
    fixture: &impl Fixture,
) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let account = syncing(&w, ada, "ada", "cal").await;
    syncing(&w, bob, "bob", "cal").await;
    let kept = w.event(ada, "Kept", day(1)).await;
    let dropped = w.event(ada, "Dropped", day(2)).await;
    let bobs = w.event(bob, "Bob's", day(1)).await;
    mark(&w, &kept, "cal", "rkept").await;
    mark(&w, &dropped, "cal", "rdropped").await;
    mark(&w, &bobs, "cal", "rbob").await;
    w.r.calendar.delete(ada, dropped.id).await.unwrap();

    w.r.calendar_syncs.disconnect(ada).await.unwrap();
    assert_eq!(
        w.r.calendar_syncs.get(ada).await.unwrap(),
        None,
        "a disconnected sync is still there"
    );
    let after = w.r.calendar.get(ada, kept.id).await.unwrap();
    assert_eq!(
        (
            after.google_event_id.as_deref(),
            after.google_calendar_id.as_deref(),
            after.title.as_str()
        ),
        (None, None, "Kept"),
        "disconnecting did not clear the event's Google ids, or did not keep the event"
    );
    assert_eq!(
        backlog_deleted(&w, ada, "cal").await,
        Vec::<String>::new(),
        "disconnecting left a deletion to push"
    );
    expect::not_found(
        w.r.calendar_syncs.disconnect(ada).await,
        "calendarSync",
        "a sync was disconnected twice",
    );
    assert_eq!(
        w.r.calendar_syncs
            .due(now() + TimeDelta::days(1), 10)
            .await
            .unwrap(),
        [bob],
        "a disconnected sync is still due"
    );

    // Connected again, to the same calendar: everything is pushed again, nothing deleted.
    w.r.calendar_syncs.connect(ada, account).await.unwrap();
    let again =
        w.r.calendar_syncs
            .choose_calendar(ada, "cal".to_owned())
            .await
            .unwrap();
    assert_eq!(again.sync_token, None);
    assert_eq!(backlog_events(&w, ada, "cal").await, [kept.id]);
    assert_eq!(
        backlog_deleted(&w, ada, "cal").await,
        Vec::<String>::new(),
        "a deletion outlived the disconnected sync"
    );

    assert_eq!(
        w.r.calendar
            .get(bob, bobs.id)
            .await
            .unwrap()
            .google_event_id
            .as_deref(),
        Some("rbob"),
        "Ada's disconnection cleared Bob's event"
    );
    assert!(w.r.calendar_syncs.get(bob).await.unwrap().is_some());
}

pub async fn calendar_sync_goes_with_its_user_and_with_its_account(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let through = syncing(&w, ada, "ada", "cal").await;
    let spare = google(&w, ada, "ada-spare").await;
    let github =
        w.r.accounts
            .create(new_oauth(ada, "github", "ada"))
            .await
            .unwrap()
            .id;
    syncing(&w, bob, "bob", "cal").await;
    let bobs = w.event(bob, "Bob's", day(1)).await;
    mark(&w, &bobs, "cal", "rbob").await;
    w.r.calendar.delete(bob, bobs.id).await.unwrap();

    w.r.accounts.delete(ada, github).await.unwrap();
    w.r.accounts.delete(ada, spare).await.unwrap();
    assert_eq!(
        w.r.calendar_syncs
            .get(ada)
            .await
            .unwrap()
            .map(|s| s.account_id),
        Some(through),
        "unlinking another account removed the sync"
    );
    google(&w, ada, "ada-last").await;
    w.r.accounts.delete(ada, through).await.unwrap();
    assert_eq!(
        w.r.calendar_syncs.get(ada).await.unwrap(),
        None,
        "the sync outlived the account it acts through"
    );
    assert!(
        w.r.calendar_syncs.get(bob).await.unwrap().is_some(),
        "unlinking Ada's account removed Bob's sync"
    );

    w.r.users.delete(bob).await.unwrap();
    assert_eq!(
        w.r.calendar_syncs.get(bob).await.unwrap(),
        None,
        "the sync outlived its user"
    );
    assert_eq!(
        w.r.calendar_syncs
            .due(now() + TimeDelta::days(1), 10)
            .await
            .unwrap(),
        Vec::<UserId>::new(),
        "a deleted user's sync is due"
    );
    assert_eq!(
        backlog_deleted(&w, bob, "cal").await,
        Vec::<String>::new(),
        "a deleted user's recorded deletions survived"
    );
}
