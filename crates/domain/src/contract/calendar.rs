//! [`crate::CalendarRepository`]: events, listed by start date.

use chrono::{SubsecRound, TimeDelta};

use super::Fixture;
use super::expect;
use super::seed::{World, all, day, new_event, page, short, title, wait_past};
use crate::entities::{
    CalendarEvent, CalendarEventUpdate, CalendarFilter, CalendarImport, EventProposal,
    ExtractionEnd, ExtractionSource, ImportedCalendarEvent, NewCalendarEvent, NewEventException,
    NewEventExtraction, ProposalSource,
};
use crate::enums::{EventType, JobStatus, Priority};
use crate::id::{CalendarEventId, CourseId, ProposalId};
use crate::values::{Color, Description, EventSchedule, Locale, Progress, Reminders, TimeZone};

fn ids(events: &[CalendarEvent]) -> Vec<CalendarEventId> {
    events.iter().map(|e| e.id).collect()
}

pub async fn calendar_create_and_get(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Bio").await.id;
    let document = w.document(ada, "Syllabus").await.id;
    let event = w
        .r
        .calendar
        .create(
            ada,
            NewCalendarEvent {
                description: Some(Description::parse("Chapters 1-4").unwrap()),
                schedule: EventSchedule::new(day(3), Some(day(3) + TimeDelta::hours(2))).unwrap(),
                event_type: EventType::Exam,
                location: Some(short("Room 101")),
                priority: Some(Priority::Urgent),
                color: Color::parse("red").unwrap(),
                google_event_id: Some(short("g-event")),
                google_calendar_id: Some(short("g-calendar")),
                course_id: Some(course),
                document_id: Some(document),
                ..new_event("Midterm", day(0))
            },
        )
        .await
        .unwrap();
    assert_eq!(event.user_id, ada);
    assert_eq!(event.title, "Midterm");
    assert_eq!(event.description.as_deref(), Some("Chapters 1-4"));
    assert_eq!(
        (event.start_date, event.end_date),
        (day(3), Some(day(3) + TimeDelta::hours(2))),
        "the schedule was not kept"
    );
    assert_eq!(event.event_type, EventType::Exam);
    assert_eq!(event.location.as_deref(), Some("Room 101"));
    assert_eq!(event.priority, Some(Priority::Urgent));
    assert_eq!(event.color, "red");
    assert_eq!(event.google_event_id.as_deref(), Some("g-event"));
    assert_eq!(event.google_calendar_id.as_deref(), Some("g-calendar"));
    assert_eq!(
        (event.course_id, event.document_id),
        (Some(course), Some(document))
    );
    assert_eq!(
        w.r.calendar.get(ada, event.id).await.unwrap(),
        event,
        "the event read back differs"
    );

    let precise = w
        .event(ada, "Precise", day(1) + TimeDelta::nanoseconds(1_500_999))
        .await;
    assert_eq!(
        precise.start_date,
        day(1) + TimeDelta::microseconds(1_500),
        "a start date is not kept at microsecond precision, truncated"
    );
    assert_eq!(w.r.calendar.get(ada, precise.id).await.unwrap(), precise);
    let plain = w.event(ada, "Lecture", day(1)).await;
    assert_eq!(
        (
            plain.end_date,
            plain.location.as_deref(),
            plain.priority,
            plain.color.as_str()
        ),
        (None, None, None, "blue")
    );
}

pub async fn calendar_update_changes_only_the_fields_given(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Bio").await.id;
    let document = w.document(ada, "Syllabus").await.id;
    let event =
        w.r.calendar
            .create(
                ada,
                NewCalendarEvent {
                    location: Some(short("Room 1")),
                    priority: Some(Priority::High),
                    google_event_id: Some(short("g")),
                    course_id: Some(course),
                    ..new_event("Lab", day(2))
                },
            )
            .await
            .unwrap();
    wait_past(event.updated_at);
    let moved =
        w.r.calendar
            .update(
                ada,
                event.id,
                CalendarEventUpdate {
                    schedule: Some(EventSchedule::new(day(4), Some(day(5))).unwrap()),
                    location: Some(None),
                    priority: Some(None),
                    document_id: Some(Some(document)),
                    ..CalendarEventUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (moved.start_date, moved.end_date),
        (day(4), Some(day(5))),
        "the event was not rescheduled"
    );
    assert_eq!(
        (moved.location, moved.priority),
        (None, None),
        "location and priority could not be cleared"
    );
    assert_eq!(moved.document_id, Some(document));
    assert_eq!(
        moved.course_id,
        Some(course),
        "rescheduling detached the course"
    );
    assert_eq!(moved.title, "Lab", "rescheduling renamed the event");
    assert_eq!(
        moved.google_event_id.as_deref(),
        Some("g"),
        "rescheduling lost the Google id"
    );
    assert_eq!(moved.event_type, EventType::Lecture);
    assert!(
        moved.updated_at > event.updated_at,
        "the change did not move updated_at"
    );

    let changed =
        w.r.calendar
            .update(
                ada,
                event.id,
                CalendarEventUpdate {
                    title: Some(title("Lab 2")),
                    description: Some(Some(Description::parse("bring goggles").unwrap())),
                    event_type: Some(EventType::Lab),
                    color: Some(Color::parse("teal").unwrap()),
                    google_event_id: Some(None),
                    google_calendar_id: Some(Some(short("cal"))),
                    course_id: Some(None),
                    ..CalendarEventUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(changed.title, "Lab 2");
    assert_eq!(changed.description.as_deref(), Some("bring goggles"));
    assert_eq!(changed.event_type, EventType::Lab);
    assert_eq!(changed.color, "teal");
    assert_eq!(
        (
            changed.google_event_id.as_deref(),
            changed.google_calendar_id.as_deref()
        ),
        (None, Some("cal"))
    );
    assert_eq!(
        (changed.course_id, changed.document_id),
        (None, Some(document))
    );
    assert_eq!(
        (changed.start_date, changed.end_date),
        (day(4), Some(day(5))),
        "renaming moved the event"
    );
    assert_eq!(
        w.r.calendar.get(ada, event.id).await.unwrap(),
        changed,
        "the change was not stored"
    );
}

pub async fn calendar_lists_by_start_date_earliest_first(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    // Created in an order unrelated to their dates; two share a start.
    let mut made = Vec::new();
    for (name, d) in [
        ("e5", 5),
        ("e1", 1),
        ("e3", 3),
        ("e0", 0),
        ("e4", 4),
        ("e3b", 3),
        ("e-2", -2),
    ] {
        made.push(w.event(ada, name, day(d)).await);
    }
    w.event(bob, "bob", day(2)).await;
    let (sizes, items) =
        expect::every_page(2, |p| w.r.calendar.list(ada, CalendarFilter::default(), p)).await;
    assert_eq!(sizes, [2, 2, 2, 1], "7 events do not page as 2 + 2 + 2 + 1");
    let titles: Vec<&str> = items.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(
        titles,
        ["e-2", "e0", "e1", "e3", "e3b", "e4", "e5"],
        "events are not listed by start date, earliest first (equal starts by id), each once, only the user's"
    );

    // Rescheduling moves an event in the list.
    let last = made[0].id;
    w.r.calendar
        .update(
            ada,
            last,
            CalendarEventUpdate {
                schedule: Some(EventSchedule::new(day(-5), None).unwrap()),
                ..CalendarEventUpdate::default()
            },
        )
        .await
        .unwrap();
    let first =
        w.r.calendar
            .list(ada, CalendarFilter::default(), page(1, None))
            .await
            .unwrap();
    assert_eq!(
        ids(&first.items),
        [last],
        "a rescheduled event is not listed by its new date"
    );
    assert!(first.next_cursor.is_some());
}

pub async fn calendar_cursor_from_another_users_list_shows_none_of_theirs(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let mut adas = Vec::new();
    for d in 0..6 {
        adas.push(w.event(ada, "Ada's", day(d)).await.id);
    }
    let mut bobs = Vec::new();
    for d in [-1, 1, 4, 8] {
        bobs.push(w.event(bob, "Bob's", day(d)).await.id);
    }
    let first =
        w.r.calendar
            .list(ada, CalendarFilter::default(), page(3, None))
            .await
            .unwrap();
    let cursor = first.next_cursor.expect("6 events by 3 have a second page");
    let seen =
        w.r.calendar
            .list(bob, CalendarFilter::default(), page(100, Some(cursor)))
            .await
            .unwrap()
            .items;
    assert!(
        seen.iter().all(|e| e.user_id == bob),
        "Ada's cursor, passed to Bob's calendar, shows Bob Ada's events"
    );
    assert_eq!(
        ids(&seen),
        bobs[2..],
        "the cursor does not continue Bob's own calendar after its date"
    );
}

pub async fn calendar_filter_by_date_range_overlaps(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let h = |d: i64, hours: i64| day(d) + TimeDelta::hours(hours);
    let specs = [
        ("before", h(0, 9), Some(h(0, 10))),
        ("ends at from", h(0, 22), Some(h(1, 0))),
        ("spans from", h(0, 20), Some(h(1, 6))),
        ("point at from", h(1, 0), None),
        ("inside", h(1, 9), Some(h(1, 10))),
        ("spans everything", h(0, 0), Some(h(5, 0))),
        ("starts at to", h(3, 0), Some(h(3, 1))),
        ("after", h(4, 0), None),
    ];
    for (name, starts, ends) in specs {
        let schedule = EventSchedule::new(starts, ends).unwrap();
        w.r.calendar
            .create(
                ada,
                NewCalendarEvent {
                    schedule,
                    ..new_event(name, starts)
                },
            )
            .await
            .unwrap();
    }
    let everything =
        w.r.calendar
            .list(ada, CalendarFilter::default(), all())
            .await
            .unwrap()
            .items;
    assert_eq!(everything.len(), 8);
    let windows = [
        CalendarFilter {
            from: Some(day(1)),
            ..CalendarFilter::default()
        },
        CalendarFilter {
            to: Some(day(3)),
            ..CalendarFilter::default()
        },
        CalendarFilter {
            from: Some(day(1)),
            to: Some(day(3)),
            ..CalendarFilter::default()
        },
        CalendarFilter {
            from: Some(h(1, 8)),
            to: Some(h(1, 9)),
            ..CalendarFilter::default()
        },
        CalendarFilter {
            from: Some(day(9)),
            ..CalendarFilter::default()
        },
    ];
    for window in windows {
        let expected: Vec<&str> = everything
            .iter()
            .filter(|e| window.matches(e))
            .map(|e| e.title.as_str())
            .collect();
        let (_, listed) = expect::every_page(3, |p| w.r.calendar.list(ada, window, p)).await;
        let got: Vec<&str> = listed.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            got, expected,
            "the calendar for {window:?} does not show exactly the events going on in that window, by start"
        );
    }
    // The boundaries as the filter documents them, spelled out.
    let from_one: Vec<String> =
        w.r.calendar
            .list(
                ada,
                CalendarFilter {
                    from: Some(day(1)),
                    to: Some(day(3)),
                    ..CalendarFilter::default()
                },
                all(),
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|e| e.title)
            .collect();
    assert_eq!(
        from_one,
        [
            "spans everything",
            "spans from",
            "ends at from",
            "point at from",
            "inside"
        ],
        "an event ending exactly at `from` or starting exactly at `to` is on the wrong side"
    );
}

pub async fn calendar_filter_by_course_and_type(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bio = w.course(ada, "Bio").await.id;
    for (name, d, course, event_type) in [
        ("bio exam", 1, Some(bio), EventType::Exam),
        ("bio lecture", 2, Some(bio), EventType::Lecture),
        ("exam", 3, None, EventType::Exam),
        ("deadline", 4, None, EventType::Deadline),
    ] {
        w.r.calendar
            .create(
                ada,
                NewCalendarEvent {
                    course_id: course,
                    event_type,
                    ..new_event(name, day(d))
                },
            )
            .await
            .unwrap();
    }
    let titles = |filter: CalendarFilter| {
        let calendar = w.r.calendar.clone();
        async move {
            calendar
                .list(ada, filter, all())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|e| e.title)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        titles(CalendarFilter {
            course_id: Some(bio),
            ..CalendarFilter::default()
        })
        .await,
        ["bio exam", "bio lecture"],
        "the course filter is wrong"
    );
    assert_eq!(
        titles(CalendarFilter {
            event_type: Some(EventType::Exam),
            ..CalendarFilter::default()
        })
        .await,
        ["bio exam", "exam"],
        "the type filter is wrong"
    );
    assert_eq!(
        titles(CalendarFilter {
            course_id: Some(bio),
            event_type: Some(EventType::Exam),
            from: Some(day(1)),
            to: Some(day(2))
        })
        .await,
        ["bio exam"],
        "filters do not combine with AND"
    );
    assert!(
        titles(CalendarFilter {
            course_id: Some(CourseId::new()),
            ..CalendarFilter::default()
        })
        .await
        .is_empty()
    );
}

pub async fn calendar_events_of_another_user_are_not_found(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas_course = w.course(ada, "Ada's").await.id;
    let adas_document = w.document(ada, "Ada's").await.id;
    let event = w.event(ada, "Ada's exam", day(1)).await;
    let bobs = w.event(bob, "Bob's", day(2)).await;
    let missing = CalendarEventId::new();

    expect::hidden(
        w.r.calendar.get(bob, event.id).await,
        w.r.calendar.get(bob, missing).await,
        "calendar event",
        "Bob opened Ada's event",
    );
    let rename = CalendarEventUpdate {
        title: Some(title("Stolen")),
        ..CalendarEventUpdate::default()
    };
    expect::hidden(
        w.r.calendar.update(bob, event.id, rename.clone()).await,
        w.r.calendar.update(bob, missing, rename).await,
        "calendar event",
        "Bob renamed Ada's event",
    );
    expect::hidden(
        w.r.calendar.delete(bob, event.id).await,
        w.r.calendar.delete(bob, missing).await,
        "calendar event",
        "Bob deleted Ada's event",
    );
    expect::not_found(
        w.r.calendar
            .create(
                bob,
                NewCalendarEvent {
                    course_id: Some(adas_course),
                    ..new_event("E", day(1))
                },
            )
            .await,
        "course",
        "Bob put an event in Ada's course",
    );
    expect::not_found(
        w.r.calendar
            .create(
                bob,
                NewCalendarEvent {
                    document_id: Some(adas_document),
                    ..new_event("E", day(1))
                },
            )
            .await,
        "document",
        "Bob linked an event to Ada's document",
    );
    expect::not_found(
        w.r.calendar
            .update(
                bob,
                bobs.id,
                CalendarEventUpdate {
                    course_id: Some(Some(adas_course)),
                    title: Some(title("x")),
                    ..CalendarEventUpdate::default()
                },
            )
            .await,
        "course",
        "Bob moved his event into Ada's course",
    );
    expect::not_found(
        w.r.calendar
            .update(
                bob,
                bobs.id,
                CalendarEventUpdate {
                    document_id: Some(Some(adas_document)),
                    ..CalendarEventUpdate::default()
                },
            )
            .await,
        "document",
        "Bob linked his event to Ada's document",
    );
    assert_eq!(
        w.r.calendar
            .list(bob, CalendarFilter::default(), all())
            .await
            .unwrap()
            .items,
        [bobs],
        "Bob's calendar shows Ada's events, a refused event was created, or a refused change applied"
    );
    assert_eq!(
        w.r.calendar.get(ada, event.id).await.unwrap(),
        event,
        "Ada's event changed after Bob's attempts"
    );
}

pub async fn calendar_delete(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let gone = w.event(ada, "Gone", day(1)).await;
    let kept = w.event(ada, "Kept", day(2)).await;
    w.r.calendar.delete(ada, gone.id).await.unwrap();
    expect::not_found(
        w.r.calendar.get(ada, gone.id).await,
        "calendar event",
        "a deleted event can be opened",
    );
    expect::not_found(
        w.r.calendar.delete(ada, gone.id).await,
        "calendar event",
        "deleting an event twice",
    );
    assert_eq!(
        w.r.calendar
            .list(ada, CalendarFilter::default(), all())
            .await
            .unwrap()
            .items,
        [kept]
    );
}

/// A weekly event in Berlin, all day or at 10:00, with reminders.
fn weekly(event_title: &str, all_day: bool) -> NewCalendarEvent {
    let berlin = TimeZone::parse("Europe/Berlin").unwrap();
    // day(0) is 2030-01-01 00:00 UTC, 01:00 in Berlin; day(6) is a Monday.
    let start = day(6) + TimeDelta::hours(if all_day { -1 } else { 9 });
    let end = start
        + if all_day {
            TimeDelta::days(1)
        } else {
            TimeDelta::hours(2)
        };
    NewCalendarEvent {
        schedule: EventSchedule::new(start, Some(end))
            .unwrap()
            .repeating(
                berlin,
                all_day,
                vec![
                    "RRULE:FREQ=WEEKLY;BYDAY=MO".to_owned(),
                    "EXDATE;TZID=Europe/Berlin:20300114T100000".to_owned(),
                ],
            )
            .unwrap(),
        reminders: Reminders::parse([60, 10, 60]).unwrap(),
        ..new_event(event_title, start)
    }
}

pub async fn calendar_keeps_zone_all_day_recurrence_and_reminders(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let lecture =
        w.r.calendar
            .create(ada, weekly("Lecture", false))
            .await
            .unwrap();
    assert_eq!(lecture.time_zone, "Europe/Berlin");
    assert!(!lecture.all_day);
    assert_eq!(
        lecture.recurrence,
        [
            "RRULE:FREQ=WEEKLY;BYDAY=MO",
            "EXDATE;TZID=Europe/Berlin:20300114T100000"
        ]
    );
    assert_eq!(lecture.reminders, [10, 60], "ascending, without repeats");
    assert_eq!(w.r.calendar.get(ada, lecture.id).await.unwrap(), lecture);

    let once = EventSchedule::new(day(9), None).unwrap();
    let changed =
        w.r.calendar
            .update(
                ada,
                lecture.id,
                CalendarEventUpdate {
                    schedule: Some(once),
                    reminders: Some(Reminders::default()),
                    ..CalendarEventUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (
            changed.time_zone.as_str(),
            changed.recurrence.len(),
            changed.reminders.len()
        ),
        ("UTC", 0, 0),
        "a schedule replaces zone and recurrence together"
    );
    let holiday =
        w.r.calendar
            .create(ada, weekly("Holiday", true))
            .await
            .unwrap();
    assert!(holiday.all_day);
}

pub async fn calendar_window_holds_every_repeating_event_with_its_changes(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let lecture =
        w.r.calendar
            .create(ada, weekly("Lecture", false))
            .await
            .unwrap();
    let past = w.event(ada, "Long ago", day(-30)).await;
    let soon = w.event(ada, "Soon", day(100)).await;
    let later = w.event(ada, "Later", day(200)).await;
    w.r.calendar
        .create(bob, weekly("Bob's", false))
        .await
        .unwrap();

    let moved = day(13) + TimeDelta::hours(15);
    let original = day(20) + TimeDelta::hours(9);
    let change =
        w.r.calendar
            .put_exception(
                ada,
                lecture.id,
                NewEventException {
                    original_start: original,
                    cancelled: false,
                    start_date: moved,
                    end_date: Some(moved + TimeDelta::hours(1)),
                    title: Some(title("Moved lecture")),
                    location: Some(short("Room 2")),
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (change.event_id, change.original_start),
        (lecture.id, original)
    );
    // The same occurrence again: the change is replaced, not added.
    let cancelled =
        w.r.calendar
            .put_exception(
                ada,
                lecture.id,
                NewEventException {
                    cancelled: true,
                    title: None,
                    location: None,
                    ..NewEventException {
                        original_start: original,
                        cancelled: false,
                        start_date: original,
                        end_date: None,
                        title: None,
                        location: None,
                    }
                },
            )
            .await
            .unwrap();
    assert!(cancelled.cancelled);

    let window = CalendarFilter {
        from: Some(day(90)),
        to: Some(day(150)),
        ..CalendarFilter::default()
    };
    let found = w.r.calendar.window(ada, window).await.unwrap();
    let titles: Vec<&str> = found.iter().map(|e| e.event.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Lecture", "Soon"],
        "a repeating event that began before the window is in it; one-off events outside are not"
    );
    assert_eq!(found[0].exceptions, [cancelled]);
    assert!(found[1].exceptions.is_empty());
    assert!(!ids(&found.iter().map(|e| e.event.clone()).collect::<Vec<_>>()).contains(&past.id));
    assert!(!found.iter().any(|e| e.event.id == later.id));

    // The plain list takes a repeating event as going on, too.
    let listed = w.r.calendar.list(ada, window, all()).await.unwrap().items;
    assert_eq!(ids(&listed), [lecture.id, soon.id]);

    expect::not_found(
        w.r.calendar
            .put_exception(
                bob,
                lecture.id,
                NewEventException {
                    original_start: original,
                    cancelled: true,
                    start_date: original,
                    end_date: None,
                    title: None,
                    location: None,
                },
            )
            .await,
        "calendar event",
        "Bob changed an occurrence of Ada's event",
    );
    expect::not_found(
        w.r.calendar
            .delete_exception(bob, lecture.id, original)
            .await,
        "calendar event",
        "Bob restored an occurrence of Ada's event",
    );
    w.r.calendar
        .delete_exception(ada, lecture.id, original)
        .await
        .unwrap();
    expect::not_found(
        w.r.calendar
            .delete_exception(ada, lecture.id, original)
            .await,
        "occurrence change",
        "restoring an occurrence twice",
    );

    // Deleting the event deletes its changes.
    w.r.calendar
        .put_exception(
            ada,
            lecture.id,
            NewEventException {
                original_start: original,
                cancelled: true,
                start_date: original,
                end_date: None,
                title: None,
                location: None,
            },
        )
        .await
        .unwrap();
    w.r.calendar.delete(ada, lecture.id).await.unwrap();
    let again =
        w.r.calendar
            .create(ada, weekly("Lecture again", false))
            .await
            .unwrap();
    let found = w.r.calendar.window(ada, window).await.unwrap();
    let again = found.iter().find(|e| e.event.id == again.id).unwrap();
    assert!(again.exceptions.is_empty());
}

pub async fn calendar_sequence_rises_with_each_change_of_an_event_or_its_occurrences(
    fixture: &impl Fixture,
) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let lecture =
        w.r.calendar
            .create(ada, weekly("Lecture", false))
            .await
            .unwrap();
    assert_eq!(lecture.sequence, 0);
    let renamed =
        w.r.calendar
            .update(
                ada,
                lecture.id,
                CalendarEventUpdate {
                    title: Some(title("Analysis")),
                    ..CalendarEventUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(renamed.sequence, 1);
    let original = day(20) + TimeDelta::hours(9);
    let cancel = NewEventException {
        original_start: original,
        cancelled: true,
        start_date: original,
        end_date: None,
        title: None,
        location: None,
    };
    w.r.calendar
        .put_exception(ada, lecture.id, cancel.clone())
        .await
        .unwrap();
    let after_cancel = w.r.calendar.get(ada, lecture.id).await.unwrap();
    assert_eq!(after_cancel.sequence, 2);
    assert!(after_cancel.updated_at >= renamed.updated_at);
    w.r.calendar
        .delete_exception(ada, lecture.id, original)
        .await
        .unwrap();
    assert_eq!(w.r.calendar.get(ada, lecture.id).await.unwrap().sequence, 3);
    // A failed undo changes nothing; another student's event is not found, and not revised.
    expect::not_found(
        w.r.calendar
            .delete_exception(ada, lecture.id, original)
            .await,
        "occurrence change",
        "an undo of an occurrence without a change",
    );
    let bob = w.user("bob").await;
    expect::not_found(
        w.r.calendar.put_exception(bob, lecture.id, cancel).await,
        "calendar event",
        "another student's event",
    );
    assert_eq!(w.r.calendar.get(ada, lecture.id).await.unwrap().sequence, 3);
}

pub async fn calendar_feed_tokens_open_one_feed_and_versions_move(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    assert_eq!(
        w.r.calendar.feed_owner("first".to_owned()).await.unwrap(),
        None
    );
    w.r.calendar
        .replace_feed_token(ada, "first".to_owned())
        .await
        .unwrap();
    w.r.calendar
        .replace_feed_token(bob, "bobs".to_owned())
        .await
        .unwrap();
    assert_eq!(
        w.r.calendar.feed_owner("first".to_owned()).await.unwrap(),
        Some(ada)
    );
    w.r.calendar
        .replace_feed_token(ada, "second".to_owned())
        .await
        .unwrap();
    assert_eq!(
        w.r.calendar.feed_owner("first".to_owned()).await.unwrap(),
        None
    );
    assert_eq!(
        w.r.calendar.feed_owner("second".to_owned()).await.unwrap(),
        Some(ada)
    );
    assert_eq!(
        w.r.calendar.feed_owner("bobs".to_owned()).await.unwrap(),
        Some(bob)
    );

    // The same tag keeps its time; a new one moves it by a second at least, even at once.
    let first =
        w.r.calendar
            .feed_version(ada, None, "a".to_owned())
            .await
            .unwrap();
    let again =
        w.r.calendar
            .feed_version(ada, None, "a".to_owned())
            .await
            .unwrap();
    assert_eq!(first, again);
    let next =
        w.r.calendar
            .feed_version(ada, None, "b".to_owned())
            .await
            .unwrap();
    assert!(
        next.trunc_subsecs(0) > first.trunc_subsecs(0),
        "{first} then {next}"
    );
    // Each course's feed, and each student's, has its own version.
    let course = w.course(ada, "Bio").await.id;
    let of_course =
        w.r.calendar
            .feed_version(ada, Some(course), "b".to_owned())
            .await
            .unwrap();
    assert_eq!(
        w.r.calendar
            .feed_version(ada, Some(course), "b".to_owned())
            .await
            .unwrap(),
        of_course
    );
    assert_eq!(
        w.r.calendar
            .feed_version(ada, None, "b".to_owned())
            .await
            .unwrap(),
        next
    );
    w.r.calendar
        .feed_version(bob, None, "c".to_owned())
        .await
        .unwrap();
    assert_eq!(
        w.r.calendar
            .feed_version(ada, None, "b".to_owned())
            .await
            .unwrap(),
        next
    );
}

fn imported(uid: &str, event: NewCalendarEvent) -> ImportedCalendarEvent {
    ImportedCalendarEvent {
        uid: short(uid),
        event,
        overrides: Vec::new(),
    }
}

fn batch(course_id: Option<CourseId>, events: Vec<ImportedCalendarEvent>) -> CalendarImport {
    CalendarImport {
        course_id,
        subscription_id: None,
        events,
    }
}

pub async fn calendar_import_is_idempotent_by_uid_and_all_or_nothing(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bio = w.course(ada, "Bio").await.id;
    // The lecture's third Monday (20 January 2030, 10:00 in Berlin) is cancelled.
    let cancelled = day(20) + TimeDelta::hours(9);
    let lecture = ImportedCalendarEvent {
        overrides: vec![NewEventException {
            original_start: cancelled,
            cancelled: true,
            start_date: cancelled,
            end_date: None,
            title: None,
            location: None,
        }],
        ..imported("lecture@uni", weekly("Lecture", false))
    };
    let exam = imported("exam@uni", new_event("Exam", day(40)));
    let first =
        w.r.calendar
            .import_events(ada, batch(Some(bio), vec![lecture.clone(), exam.clone()]))
            .await
            .unwrap();
    assert_eq!(
        (first.created, first.updated, first.unchanged, first.removed),
        (2, 0, 0, 0)
    );
    assert_eq!(first.events[0].title, "Lecture");
    assert_eq!(first.events[0].ical_uid.as_deref(), Some("lecture@uni"));
    assert_eq!(first.events[0].course_id, Some(bio));
    assert_eq!(first.events[1].title, "Exam");
    let window = CalendarFilter {
        from: Some(day(0)),
        to: Some(day(60)),
        ..CalendarFilter::default()
    };
    let events = w.r.calendar.window(ada, window).await.unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].exceptions.len(), 1);
    assert!(events[0].exceptions[0].cancelled);

    // The same calendar again changes nothing.
    let again =
        w.r.calendar
            .import_events(ada, batch(Some(bio), vec![lecture.clone(), exam.clone()]))
            .await
            .unwrap();
    assert_eq!(
        (again.created, again.updated, again.unchanged),
        (0, 0, 2),
        "a second import of the same events"
    );
    assert!(again.events.is_empty());
    let listed =
        w.r.calendar
            .list(ada, CalendarFilter::default(), all())
            .await
            .unwrap()
            .items;
    assert_eq!(listed.len(), 2, "no duplicates");
    assert!(listed.iter().all(|e| e.sequence == 0));

    // A changed lecture (its cancellation undone) and a new event.
    let renamed = ImportedCalendarEvent {
        overrides: Vec::new(),
        ..imported("lecture@uni", weekly("Analysis", false))
    };
    let quiz = imported("quiz@uni", new_event("Quiz", day(30)));
    let changed =
        w.r.calendar
            .import_events(ada, batch(None, vec![renamed, exam.clone(), quiz]))
            .await
            .unwrap();
    assert_eq!(
        (changed.created, changed.updated, changed.unchanged),
        (1, 1, 1)
    );
    assert_eq!(changed.events.len(), 2);
    let lecture_now = &changed.events[0];
    assert_eq!(lecture_now.title, "Analysis");
    assert_eq!(lecture_now.id, first.events[0].id, "changed in place");
    assert_eq!(lecture_now.sequence, 1);
    assert_eq!(lecture_now.course_id, Some(bio), "no course given keeps it");
    let events = w.r.calendar.window(ada, window).await.unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e.exceptions.is_empty()));

    // Another student's import of the same UIDs is theirs alone.
    let bob = w.user("bob").await;
    let bobs =
        w.r.calendar
            .import_events(bob, batch(None, vec![exam.clone()]))
            .await
            .unwrap();
    assert_eq!(bobs.created, 1);
    assert_ne!(bobs.events[0].id, first.events[1].id);

    // A course that is not the student's: nothing is written.
    let bobs_course = w.course(bob, "Chem").await.id;
    let new_one = imported("new@uni", new_event("New", day(9)));
    expect::not_found(
        w.r.calendar
            .import_events(ada, batch(Some(bobs_course), vec![new_one]))
            .await,
        "course",
        "another student's course",
    );
    let listed =
        w.r.calendar
            .list(ada, CalendarFilter::default(), all())
            .await
            .unwrap()
            .items;
    assert_eq!(listed.len(), 3, "nothing half-imported");
}

pub async fn calendar_subscriptions_keep_their_events_in_step(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let url = "https://uni.example/timetable.ics".to_owned();
    let subscription =
        w.r.calendar
            .subscribe(ada, url.clone(), None, "UTC".to_owned())
            .await
            .unwrap();
    assert_eq!(subscription.url, url);
    assert_eq!(subscription.refreshed_at, None);
    let bio = w.course(ada, "Bio").await.id;
    let same =
        w.r.calendar
            .subscribe(ada, url.clone(), Some(bio), "Europe/Berlin".to_owned())
            .await
            .unwrap();
    assert_eq!(same.id, subscription.id, "one subscription per URL");
    assert_eq!(same.course_id, Some(bio));
    assert_eq!(same.time_zone, "Europe/Berlin");
    let bobs =
        w.r.calendar
            .subscribe(bob, url.clone(), None, "UTC".to_owned())
            .await
            .unwrap();
    assert_ne!(bobs.id, subscription.id);

    let own =
        w.r.calendar
            .create(ada, new_event("My own", day(3)))
            .await
            .unwrap();
    let from_source = |events: Vec<ImportedCalendarEvent>| CalendarImport {
        course_id: Some(bio),
        subscription_id: Some(subscription.id),
        events,
    };
    let a = imported("a@uni", new_event("A", day(1)));
    let b = imported("b@uni", new_event("B", day(2)));
    let first =
        w.r.calendar
            .import_events(ada, from_source(vec![a.clone(), b]))
            .await
            .unwrap();
    assert_eq!(first.created, 2);
    assert_eq!(first.events[0].subscription_id, Some(subscription.id));
    // The source drops B: it goes; the student's own event stays.
    let second =
        w.r.calendar
            .import_events(ada, from_source(vec![a]))
            .await
            .unwrap();
    assert_eq!((second.unchanged, second.removed), (1, 1));
    let titles: Vec<String> =
        w.r.calendar
            .list(ada, CalendarFilter::default(), all())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|e| e.title)
            .collect();
    assert_eq!(titles, ["A", "My own"]);

    // Fetches are recorded; a failure keeps the count.
    let done =
        w.r.calendar
            .record_refresh(ada, subscription.id, Ok(1))
            .await
            .unwrap();
    assert_eq!((done.event_count, done.last_error.as_deref()), (1, None));
    let refreshed = done.refreshed_at.expect("a fetch time");
    let failed =
        w.r.calendar
            .record_refresh(ada, subscription.id, Err("gone".to_owned()))
            .await
            .unwrap();
    assert_eq!(
        (failed.event_count, failed.last_error.as_deref()),
        (1, Some("gone"))
    );
    // Never fetched first; one fetched since `before` is not due.
    let due =
        w.r.calendar
            .subscriptions_due(refreshed + TimeDelta::days(1), 10)
            .await
            .unwrap();
    assert_eq!(
        due.iter().map(|s| s.id).collect::<Vec<_>>(),
        [bobs.id, subscription.id]
    );
    let due =
        w.r.calendar
            .subscriptions_due(refreshed - TimeDelta::hours(1), 10)
            .await
            .unwrap();
    assert_eq!(due.iter().map(|s| s.id).collect::<Vec<_>>(), [bobs.id]);
    assert_eq!(
        w.r.calendar
            .subscriptions_due(refreshed + TimeDelta::days(1), 1)
            .await
            .unwrap()
            .len(),
        1
    );

    // Another student sees and removes nothing of it.
    expect::not_found(
        w.r.calendar.subscription(bob, subscription.id).await,
        "calendar subscription",
        "another student's subscription",
    );
    expect::not_found(
        w.r.calendar.unsubscribe(bob, subscription.id).await,
        "calendar subscription",
        "another student's subscription",
    );
    expect::not_found(
        w.r.calendar
            .import_events(
                bob,
                CalendarImport {
                    course_id: None,
                    subscription_id: Some(subscription.id),
                    events: Vec::new(),
                },
            )
            .await,
        "calendar subscription",
        "an import into another student's subscription",
    );
    assert_eq!(
        w.r.calendar
            .subscriptions(ada)
            .await
            .unwrap()
            .iter()
            .map(|s| s.id)
            .collect::<Vec<_>>(),
        [subscription.id]
    );

    // Unsubscribing removes its events, not the student's own.
    w.r.calendar
        .unsubscribe(ada, subscription.id)
        .await
        .unwrap();
    let left =
        w.r.calendar
            .list(ada, CalendarFilter::default(), all())
            .await
            .unwrap()
            .items;
    assert_eq!(left.iter().map(|e| e.id).collect::<Vec<_>>(), [own.id]);
    expect::not_found(
        w.r.calendar.unsubscribe(ada, subscription.id).await,
        "calendar subscription",
        "a subscription removed already",
    );
}

fn proposal(name: &str, starts: chrono::DateTime<chrono::Utc>) -> EventProposal {
    EventProposal {
        id: ProposalId::new(),
        title: name.to_owned(),
        event_type: EventType::Exam,
        start: starts,
        end: None,
        all_day: false,
        time_zone: "Europe/Berlin".to_owned(),
        location: Some("Hall B".to_owned()),
        source: ProposalSource {
            page_number: Some(2),
            quote: format!("{name}: in Hall B"),
        },
        event_id: None,
    }
}

pub async fn calendar_extractions_end_once_and_keep_their_proposals(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let syllabus = w.document(ada, "Syllabus").await.id;
    let new = |source| NewEventExtraction {
        source,
        time_zone: TimeZone::parse("Europe/Berlin").unwrap(),
        locale: Locale::parse("en-GB").unwrap(),
    };
    let made =
        w.r.calendar
            .create_extraction(ada, new(ExtractionSource::Document(syllabus)))
            .await
            .unwrap();
    assert_eq!(made.status, JobStatus::Pending);
    assert_eq!(made.progress, 0);
    assert_eq!(made.document_id, Some(syllabus));
    assert_eq!(made.note_id, None);
    assert_eq!(
        (made.time_zone.as_str(), made.locale.as_str()),
        ("Europe/Berlin", "en-GB")
    );
    assert!(made.proposals.is_empty());

    // Progress goes forward only.
    let advanced =
        w.r.calendar
            .advance_extraction(ada, made.id, Progress::saturating(40))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        (advanced.status, advanced.progress),
        (JobStatus::Processing, 40)
    );
    let again =
        w.r.calendar
            .advance_extraction(ada, made.id, Progress::saturating(10))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(again.progress, 40, "never lowered");

    let exam = proposal("Midterm", day(30));
    let quiz = proposal("Quiz 1", day(20));
    let done =
        w.r.calendar
            .finish_extraction(
                ada,
                made.id,
                ExtractionEnd::Completed {
                    proposals: vec![exam.clone(), quiz.clone()],
                    model: "offline".to_owned(),
                },
            )
            .await
            .unwrap()
            .unwrap();
    assert_eq!((done.status, done.progress), (JobStatus::Completed, 100));
    assert_eq!(done.model.as_deref(), Some("offline"));
    assert!(done.completed_at.is_some());
    let read = w.r.calendar.extraction(ada, made.id).await.unwrap();
    assert_eq!(
        read.proposals,
        vec![exam.clone(), quiz.clone()],
        "kept whole, in order"
    );

    // A finished extraction neither advances nor ends again.
    assert_eq!(
        w.r.calendar
            .advance_extraction(ada, made.id, Progress::saturating(50))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        w.r.calendar
            .finish_extraction(ada, made.id, ExtractionEnd::Failed("late".to_owned()))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        w.r.calendar.extraction(ada, made.id).await.unwrap().status,
        JobStatus::Completed
    );

    // Accepted proposals are marked with their events; the others stay as they were.
    let event =
        w.r.calendar
            .create(ada, new_event("Midterm", day(30)))
            .await
            .unwrap();
    let marked =
        w.r.calendar
            .mark_accepted(ada, made.id, vec![(exam.id, event.id)])
            .await
            .unwrap();
    assert_eq!(marked.proposals[0].event_id, Some(event.id));
    assert_eq!(marked.proposals[1].event_id, None);
    assert_eq!(
        w.r.calendar
            .extraction(ada, made.id)
            .await
            .unwrap()
            .proposals,
        marked.proposals
    );

    // A failure keeps its reason.
    let note = w.note(ada, "Plan", "Exam on May 3").await.id;
    let failing =
        w.r.calendar
            .create_extraction(ada, new(ExtractionSource::Note(note)))
            .await
            .unwrap();
    assert_eq!(failing.note_id, Some(note));
    let failed =
        w.r.calendar
            .finish_extraction(ada, failing.id, ExtractionEnd::Failed("no text".to_owned()))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(failed.error_message.as_deref(), Some("no text"));

    w.r.calendar
        .delete_extraction(ada, failing.id)
        .await
        .unwrap();
    expect::not_found(
        w.r.calendar.extraction(ada, failing.id).await,
        "event extraction",
        "a removed extraction",
    );
}

pub async fn calendar_extractions_are_their_owners_and_go_with_their_source(
    fixture: &impl Fixture,
) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let syllabus = w.document(ada, "Syllabus").await.id;
    let new = NewEventExtraction {
        source: ExtractionSource::Document(syllabus),
        time_zone: TimeZone::UTC,
        locale: Locale::en_us(),
    };
    expect::not_found(
        w.r.calendar.create_extraction(bob, new.clone()).await,
        "document",
        "another student's document",
    );
    let note = w.note(bob, "Plan", "Exam on May 3").await.id;
    expect::not_found(
        w.r.calendar
            .create_extraction(
                ada,
                NewEventExtraction {
                    source: ExtractionSource::Note(note),
                    ..new.clone()
                },
            )
            .await,
        "note",
        "another student's note",
    );
    let made =
        w.r.calendar
            .create_extraction(ada, new.clone())
            .await
            .unwrap();
    expect::not_found(
        w.r.calendar.extraction(bob, made.id).await,
        "event extraction",
        "another student's extraction",
    );
    assert_eq!(
        w.r.calendar
            .advance_extraction(bob, made.id, Progress::saturating(50))
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        w.r.calendar
            .finish_extraction(bob, made.id, ExtractionEnd::Failed("x".to_owned()))
            .await
            .unwrap(),
        None
    );
    expect::not_found(
        w.r.calendar.mark_accepted(bob, made.id, Vec::new()).await,
        "event extraction",
        "another student's extraction",
    );
    expect::not_found(
        w.r.calendar.delete_extraction(bob, made.id).await,
        "event extraction",
        "another student's extraction",
    );
    assert_eq!(
        w.r.calendar.extraction(ada, made.id).await.unwrap().status,
        JobStatus::Pending
    );

    // Deleting the document takes its extractions.
    w.r.documents.delete(ada, syllabus).await.unwrap();
    expect::not_found(
        w.r.calendar.extraction(ada, made.id).await,
        "event extraction",
        "the extraction of a deleted document",
    );
}

pub async fn calendar_events_are_found_by_their_uids(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let made =
        w.r.calendar
            .import_events(
                ada,
                batch(
                    None,
                    vec![
                        imported("exam@uni", new_event("Exam", day(40))),
                        imported("quiz@uni", new_event("Quiz", day(30))),
                    ],
                ),
            )
            .await
            .unwrap();
    w.r.calendar
        .create(ada, new_event("Own", day(3)))
        .await
        .unwrap();
    w.r.calendar
        .import_events(
            bob,
            batch(None, vec![imported("exam@uni", new_event("Exam", day(40)))]),
        )
        .await
        .unwrap();
    let mut found =
        w.r.calendar
            .events_by_uid(ada, vec!["exam@uni".to_owned(), "other@uni".to_owned()])
            .await
            .unwrap();
    assert_eq!(found.len(), 1, "the student's own, by UID only");
    assert_eq!(found.remove(0).id, made.events[0].id);
    assert!(
        w.r.calendar
            .events_by_uid(ada, Vec::new())
            .await
            .unwrap()
            .is_empty()
    );
}
