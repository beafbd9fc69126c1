//! [`crate::NoteRepository`]: the student's notes, filtered and paged.

use std::collections::HashSet;

use super::Fixture;
use super::expect;
use super::seed::{World, all, md, new_note, page, tags, title, wait_past};
use crate::entities::{NewNote, NoteFilter, NoteUpdate};
use crate::enums::NoteSource;
use crate::id::{CourseId, NoteId};
use crate::values::{DurationSeconds, WebUrl};

pub async fn notes_create_and_get(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let typed = w.note(ada, "Cells", "").await;
    assert_eq!(typed.user_id, ada);
    assert_eq!(
        typed.source,
        NoteSource::Manual,
        "a typed note is not MANUAL"
    );
    assert_eq!(typed.content, "", "an empty note is not kept empty");
    assert!(typed.tags.is_empty());
    assert_eq!(
        (
            typed.course_id,
            typed.transcription.as_deref(),
            typed.summary.as_deref(),
            typed.source_url.as_deref(),
            typed.duration_seconds
        ),
        (None, None, None, None, None)
    );
    assert_eq!(
        w.r.notes.get(ada, typed.id).await.unwrap(),
        typed,
        "the note read back differs"
    );

    let course = w.course(ada, "Biology").await;
    let imported =
        w.r.notes
            .create(
                ada,
                NewNote {
                    course_id: Some(course.id),
                    transcription: Some(md("so today, cells")),
                    summary: Some(md("Cells are small")),
                    source: NoteSource::Youtube,
                    source_url: Some(WebUrl::parse("https://www.youtube.com/watch?v=abc").unwrap()),
                    duration_seconds: Some(DurationSeconds::new(3_600).unwrap()),
                    tags: tags(&["exam", "cells"]),
                    ..new_note("Lecture 1", "# Cells\n\nAll life is made of cells.")
                },
            )
            .await
            .unwrap();
    assert_eq!(imported.course_id, Some(course.id));
    assert_eq!(imported.content, "# Cells\n\nAll life is made of cells.");
    assert_eq!(imported.transcription.as_deref(), Some("so today, cells"));
    assert_eq!(imported.summary.as_deref(), Some("Cells are small"));
    assert_eq!(imported.source, NoteSource::Youtube);
    assert_eq!(
        imported.source_url.as_deref(),
        Some("https://www.youtube.com/watch?v=abc")
    );
    assert_eq!(imported.duration_seconds, Some(3_600));
    assert_eq!(
        imported.tags,
        ["exam", "cells"],
        "tags are not kept in order"
    );
    assert_eq!(
        w.r.notes.get(ada, imported.id).await.unwrap(),
        imported,
        "the note read back differs"
    );
}

pub async fn notes_update_changes_only_the_fields_given(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Bio").await;
    let note =
        w.r.notes
            .create(
                ada,
                NewNote {
                    course_id: Some(course.id),
                    tags: tags(&["x"]),
                    transcription: Some(md("raw")),
                    ..new_note("T", "body")
                },
            )
            .await
            .unwrap();
    wait_past(note.updated_at);
    let changed =
        w.r.notes
            .update(
                ada,
                note.id,
                NoteUpdate {
                    title: Some(title("New title")),
                    summary: Some(Some(md("sum"))),
                    ..NoteUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(changed.title, "New title");
    assert_eq!(changed.summary.as_deref(), Some("sum"));
    assert_eq!(changed.content, "body", "retitling changed the body");
    assert_eq!(
        changed.course_id,
        Some(course.id),
        "retitling unfiled the note"
    );
    assert_eq!(changed.tags, ["x"], "retitling changed the tags");
    assert_eq!(
        changed.transcription.as_deref(),
        Some("raw"),
        "retitling lost the transcription"
    );
    assert_eq!(changed.source, NoteSource::Manual);
    assert_eq!(changed.created_at, note.created_at);
    assert!(
        changed.updated_at > note.updated_at,
        "the change did not move updated_at"
    );
    assert_eq!(
        w.r.notes.get(ada, note.id).await.unwrap(),
        changed,
        "the change was not stored"
    );

    let cleared =
        w.r.notes
            .update(
                ada,
                note.id,
                NoteUpdate {
                    course_id: Some(None),
                    transcription: Some(None),
                    summary: Some(None),
                    content: Some(md("")),
                    tags: Some(tags(&["y", "z"])),
                    ..NoteUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(cleared.course_id, None, "the note could not be unfiled");
    assert_eq!(
        (cleared.transcription, cleared.summary),
        (None, None),
        "clearing did not clear"
    );
    assert_eq!(cleared.content, "", "the body could not be emptied");
    assert_eq!(cleared.tags, ["y", "z"], "the tags were not replaced");
    assert_eq!(
        cleared.title, "New title",
        "clearing other fields changed the title"
    );

    let other = w.course(ada, "Chem").await;
    let refiled =
        w.r.notes
            .update(
                ada,
                note.id,
                NoteUpdate {
                    course_id: Some(Some(other.id)),
                    ..NoteUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        refiled.course_id,
        Some(other.id),
        "the note could not be filed under a course"
    );
}

pub async fn notes_list_pages_newest_first(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let mut created = Vec::new();
    for i in 0..25 {
        created.push(w.note(ada, &format!("Note {i}"), "").await.id);
    }
    let (sizes, items) =
        expect::every_page(10, |p| w.r.notes.list(ada, NoteFilter::default(), p)).await;
    assert_eq!(sizes, [10, 10, 5], "25 notes do not page as 10 + 10 + 5");
    let ids: Vec<NoteId> = items.iter().map(|n| n.id).collect();
    assert_eq!(
        ids.iter().collect::<HashSet<_>>().len(),
        25,
        "a note is listed twice"
    );
    created.reverse();
    assert_eq!(ids, created, "notes are not listed newest first");
    assert!(
        items
            .windows(2)
            .all(|p| (p[0].created_at, p[0].id) > (p[1].created_at, p[1].id)),
        "the list is not ordered by (created_at, id) descending"
    );

    let (sizes, _) =
        expect::every_page(25, |p| w.r.notes.list(ada, NoteFilter::default(), p)).await;
    assert_eq!(
        sizes,
        [25],
        "a page holding exactly the rest still offers a next page"
    );
    let (sizes, _) =
        expect::every_page(24, |p| w.r.notes.list(ada, NoteFilter::default(), p)).await;
    assert_eq!(sizes, [24, 1]);
}

pub async fn notes_cursor_from_another_users_list_shows_none_of_theirs(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let mut bobs = Vec::new();
    for i in 0..3 {
        bobs.push(w.note(bob, &format!("Bob {i}"), "").await.id);
    }
    let mut adas = Vec::new();
    for i in 0..15 {
        adas.push(w.note(ada, &format!("Ada {i}"), "").await.id);
    }
    for i in 3..6 {
        bobs.push(w.note(bob, &format!("Bob {i}"), "").await.id);
    }
    let first =
        w.r.notes
            .list(ada, NoteFilter::default(), page(5, None))
            .await
            .unwrap();
    let cursor = first.next_cursor.expect("15 notes by 5 have a second page");
    let seen: Vec<NoteId> =
        w.r.notes
            .list(bob, NoteFilter::default(), page(100, Some(cursor)))
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|n| n.id)
            .collect();
    assert!(
        seen.iter().all(|id| !adas.contains(id)),
        "Ada's cursor, passed to Bob's list, shows Bob Ada's notes"
    );
    let older: Vec<NoteId> = bobs[..3].iter().rev().copied().collect();
    assert_eq!(
        seen, older,
        "the cursor does not continue Bob's own list where it points"
    );
}

pub async fn notes_filter_by_course_tag_and_source(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let bio = w.course(ada, "Biology").await.id;
    let chem = w.course(ada, "Chemistry").await.id;
    let make = |t: &str, course_id: Option<CourseId>, note_tags: &[&str], source| NewNote {
        course_id,
        tags: tags(note_tags),
        source,
        ..new_note(t, "")
    };
    for n in [
        make("a", Some(bio), &["exam", "cells"], NoteSource::Manual),
        make("b", Some(bio), &["cells"], NoteSource::Youtube),
        make("c", None, &["exam"], NoteSource::Manual),
        make("d", Some(chem), &["Exam"], NoteSource::Audio),
        make("e", None, &[], NoteSource::Url),
    ] {
        w.r.notes.create(ada, n).await.unwrap();
    }
    w.r.notes
        .create(bob, make("bob", None, &["exam"], NoteSource::Manual))
        .await
        .unwrap();

    let titles = |filter: NoteFilter| {
        let notes = w.r.notes.clone();
        async move {
            let mut t: Vec<String> = notes
                .list(ada, filter, all())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|n| n.title)
                .collect();
            t.sort();
            t
        }
    };
    let tag = |t: &str| Some(t.to_owned());
    assert_eq!(
        titles(NoteFilter::default()).await,
        ["a", "b", "c", "d", "e"],
        "no filter does not list every note of the user"
    );
    assert_eq!(
        titles(NoteFilter {
            tag: tag("exam"),
            ..NoteFilter::default()
        })
        .await,
        ["a", "c"],
        "the tag filter is not an exact, case-sensitive match"
    );
    assert_eq!(
        titles(NoteFilter {
            course_id: Some(bio),
            ..NoteFilter::default()
        })
        .await,
        ["a", "b"],
        "the course filter shows notes of other courses"
    );
    assert_eq!(
        titles(NoteFilter {
            course_id: Some(bio),
            tag: tag("exam"),
            source: None
        })
        .await,
        ["a"],
        "filters do not combine with AND"
    );
    assert_eq!(
        titles(NoteFilter {
            source: Some(NoteSource::Manual),
            ..NoteFilter::default()
        })
        .await,
        ["a", "c"],
        "the source filter is wrong"
    );
    assert_eq!(
        titles(NoteFilter {
            source: Some(NoteSource::Youtube),
            tag: tag("exam"),
            course_id: None
        })
        .await,
        Vec::<String>::new(),
        "filters do not combine with AND"
    );
    assert!(
        titles(NoteFilter {
            tag: tag("none"),
            ..NoteFilter::default()
        })
        .await
        .is_empty(),
        "an unused tag finds notes"
    );
}

pub async fn notes_of_another_user_are_not_found(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let note = w.note(ada, "Ada's secret", "diary").await;
    w.note(bob, "Bob's", "").await;

    expect::hidden(
        w.r.notes.get(bob, note.id).await,
        w.r.notes.get(bob, NoteId::new()).await,
        "note",
        "Bob opened Ada's note",
    );
    let change = NoteUpdate {
        title: Some(title("Stolen")),
        ..NoteUpdate::default()
    };
    expect::hidden(
        w.r.notes.update(bob, note.id, change.clone()).await,
        w.r.notes.update(bob, NoteId::new(), change).await,
        "note",
        "Bob edited Ada's note",
    );
    expect::hidden(
        w.r.notes.delete(bob, note.id).await,
        w.r.notes.delete(bob, NoteId::new()).await,
        "note",
        "Bob deleted Ada's note",
    );
    let listed: Vec<String> =
        w.r.notes
            .list(bob, NoteFilter::default(), all())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|n| n.title)
            .collect();
    assert_eq!(
        listed,
        ["Bob's"],
        "Bob's notes list shows someone else's note"
    );
    assert_eq!(
        w.r.notes.get(ada, note.id).await.unwrap(),
        note,
        "Ada's note changed after Bob's attempts"
    );
}

pub async fn notes_cannot_be_filed_under_another_users_course(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas_course = w.course(ada, "Ada's").await;
    let bobs_note = w.note(bob, "Mine", "").await;

    expect::not_found(
        w.r.notes
            .create(
                bob,
                NewNote {
                    course_id: Some(adas_course.id),
                    ..new_note("N", "")
                },
            )
            .await,
        "course",
        "Bob filed a new note under Ada's course",
    );
    expect::not_found(
        w.r.notes
            .create(
                bob,
                NewNote {
                    course_id: Some(CourseId::new()),
                    ..new_note("N", "")
                },
            )
            .await,
        "course",
        "a note was filed under a course that does not exist",
    );
    expect::not_found(
        w.r.notes
            .update(
                bob,
                bobs_note.id,
                NoteUpdate {
                    course_id: Some(Some(adas_course.id)),
                    title: Some(title("Changed")),
                    ..NoteUpdate::default()
                },
            )
            .await,
        "course",
        "Bob moved his note under Ada's course",
    );
    assert_eq!(
        w.r.notes.get(bob, bobs_note.id).await.unwrap(),
        bobs_note,
        "the refused move changed Bob's note anyway"
    );
    assert_eq!(
        w.r.notes
            .list(bob, NoteFilter::default(), all())
            .await
            .unwrap()
            .items,
        [bobs_note],
        "a refused note was created anyway"
    );
    assert!(
        w.r.notes
            .list(
                ada,
                NoteFilter {
                    course_id: Some(adas_course.id),
                    ..NoteFilter::default()
                },
                all()
            )
            .await
            .unwrap()
            .items
            .is_empty(),
        "Ada's course has notes she never filed"
    );
}

pub async fn notes_delete(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let gone = w.note(ada, "Gone", "").await;
    let kept = w.note(ada, "Kept", "").await;
    w.r.notes.delete(ada, gone.id).await.unwrap();
    expect::not_found(
        w.r.notes.get(ada, gone.id).await,
        "note",
        "a deleted note can be opened",
    );
    expect::not_found(
        w.r.notes.delete(ada, gone.id).await,
        "note",
        "deleting a note twice",
    );
    expect::not_found(
        w.r.notes.update(ada, gone.id, NoteUpdate::default()).await,
        "note",
        "a deleted note can be edited",
    );
    assert_eq!(
        w.r.notes
            .list(ada, NoteFilter::default(), all())
            .await
            .unwrap()
            .items,
        [kept],
        "the deleted note is still listed, or another went with it"
    );
}
