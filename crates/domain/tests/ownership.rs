//! Links to a course, note or document must point at the acting user's own rows.
#![cfg(feature = "mock")]

use std::cell::Cell;
use std::sync::Arc;

use chrono::Utc;
use mockall::predicate::eq;
use sophie_domain::rules::ownership::{LinkGuard, check_links};
use sophie_domain::{
    Course, CourseId, Document, DocumentId, DocumentStatus, DomainError, MockCourseRepository,
    MockDocumentRepository, MockNoteRepository, Note, NoteId, NoteSource, SourceLinks, UserId,
};

fn all_links() -> SourceLinks {
    SourceLinks {
        course_id: Some(CourseId::new()),
        note_id: Some(NoteId::new()),
        document_id: Some(DocumentId::new()),
    }
}

fn not_found_entity(result: &Result<(), DomainError>) -> Option<&'static str> {
    match result {
        Err(DomainError::NotFound { entity }) => Some(*entity),
        _ => None,
    }
}

// ---------------------------------------------------------------- check_links

#[test]
fn check_links_passes_when_every_link_is_owned() {
    let links = all_links();
    let result = check_links(
        links,
        |id| Some(id) == links.course_id,
        |id| Some(id) == links.note_id,
        |id| Some(id) == links.document_id,
    );
    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn check_links_asks_nothing_about_absent_links() {
    let calls = Cell::new(0);
    let result = check_links(
        SourceLinks::default(),
        |_| {
            calls.set(calls.get() + 1);
            false
        },
        |_| {
            calls.set(calls.get() + 1);
            false
        },
        |_| {
            calls.set(calls.get() + 1);
            false
        },
    );
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(calls.get(), 0);

    // Only the note is linked: only the note is asked about.
    let only_note = SourceLinks {
        note_id: Some(NoteId::new()),
        ..SourceLinks::default()
    };
    let asked = Cell::new(0);
    let result = check_links(
        only_note,
        |_| false,
        |_| {
            asked.set(asked.get() + 1);
            true
        },
        |_| false,
    );
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(asked.get(), 1);
}

#[test]
fn check_links_names_the_link_that_is_not_owned() {
    let links = all_links();
    assert_eq!(
        not_found_entity(&check_links(links, |_| false, |_| true, |_| true)),
        Some("course")
    );
    assert_eq!(
        not_found_entity(&check_links(links, |_| true, |_| false, |_| true)),
        Some("note")
    );
    assert_eq!(
        not_found_entity(&check_links(links, |_| true, |_| true, |_| false)),
        Some("document")
    );
    // Several failing: the first, in the order course, note, document.
    assert_eq!(
        not_found_entity(&check_links(links, |_| true, |_| false, |_| false)),
        Some("note")
    );
    assert_eq!(
        not_found_entity(&check_links(links, |_| false, |_| false, |_| false)),
        Some("course")
    );
}

// ---------------------------------------------------------------- LinkGuard

fn course(user: UserId, id: CourseId) -> Course {
    let now = Utc::now();
    Course {
        id,
        user_id: user,
        name: "Biology".to_owned(),
        code: None,
        description: None,
        color: "blue".to_owned(),
        term: None,
        instructor: None,
        created_at: now,
        updated_at: now,
    }
}

fn note(user: UserId, id: NoteId) -> Note {
    let now = Utc::now();
    Note {
        id,
        user_id: user,
        course_id: None,
        title: "Cells".to_owned(),
        content: String::new(),
        transcription: None,
        summary: None,
        source: NoteSource::Manual,
        source_url: None,
        duration_seconds: None,
        tags: Vec::new(),
        created_at: now,
        updated_at: now,
    }
}

fn document(user: UserId, id: DocumentId) -> Document {
    let now = Utc::now();
    Document {
        summary: None,
        id,
        user_id: user,
        course_id: None,
        title: "Slides".to_owned(),
        file_name: "slides.pdf".to_owned(),
        mime_type: "application/pdf".to_owned(),
        file_size: 1_024,
        storage_key: "blobs/slides.pdf".to_owned(),
        checksum_sha256: "0".repeat(64),
        status: DocumentStatus::Ready,
        page_count: Some(3),
        error_message: None,
        created_at: now,
        updated_at: now,
    }
}

fn guard(
    courses: MockCourseRepository,
    notes: MockNoteRepository,
    documents: MockDocumentRepository,
) -> LinkGuard {
    LinkGuard::new(Arc::new(courses), Arc::new(notes), Arc::new(documents))
}

/// Repositories that expect no lookup at all.
fn untouched() -> (
    MockCourseRepository,
    MockNoteRepository,
    MockDocumentRepository,
) {
    let mut courses = MockCourseRepository::new();
    courses.expect_get().times(0);
    let mut notes = MockNoteRepository::new();
    notes.expect_get().times(0);
    let mut documents = MockDocumentRepository::new();
    documents.expect_get().times(0);
    (courses, notes, documents)
}

#[tokio::test]
async fn guard_passes_when_the_repositories_find_every_link_for_the_user() {
    let user = UserId::new();
    let links = all_links();
    let (course_id, note_id, document_id) = (
        links.course_id.unwrap(),
        links.note_id.unwrap(),
        links.document_id.unwrap(),
    );
    let mut courses = MockCourseRepository::new();
    courses
        .expect_get()
        .with(eq(user), eq(course_id))
        .times(1)
        .returning(|user, id| Ok(course(user, id)));
    let mut notes = MockNoteRepository::new();
    notes
        .expect_get()
        .with(eq(user), eq(note_id))
        .times(1)
        .returning(|user, id| Ok(note(user, id)));
    let mut documents = MockDocumentRepository::new();
    documents
        .expect_get()
        .with(eq(user), eq(document_id))
        .times(1)
        .returning(|user, id| Ok(document(user, id)));

    let result = guard(courses, notes, documents).check(user, links).await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn guard_makes_no_lookup_for_absent_links() {
    let (courses, notes, documents) = untouched();
    let result = guard(courses, notes, documents)
        .check(UserId::new(), SourceLinks::default())
        .await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn guard_looks_up_only_the_links_given() {
    let user = UserId::new();
    let document_id = DocumentId::new();
    let (courses, notes, _) = untouched();
    let mut documents = MockDocumentRepository::new();
    documents
        .expect_get()
        .with(eq(user), eq(document_id))
        .times(1)
        .returning(|user, id| Ok(document(user, id)));
    let links = SourceLinks {
        document_id: Some(document_id),
        ..SourceLinks::default()
    };
    let result = guard(courses, notes, documents).check(user, links).await;
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_course_the_repository_does_not_find_is_reported_as_a_missing_course() {
    let (_, notes, documents) = untouched();
    let mut courses = MockCourseRepository::new();
    // Whatever entity name the repository uses, the guard names the link.
    courses
        .expect_get()
        .times(1)
        .returning(|_, _| Err(DomainError::not_found("row")));
    let result = guard(courses, notes, documents)
        .check(UserId::new(), all_links())
        .await;
    assert_eq!(not_found_entity(&result), Some("course"));
}

#[tokio::test]
async fn a_note_the_repository_does_not_find_is_reported_as_a_missing_note() {
    let user = UserId::new();
    let (_, _, documents) = untouched();
    let mut courses = MockCourseRepository::new();
    courses
        .expect_get()
        .times(1)
        .returning(|user, id| Ok(course(user, id)));
    let mut notes = MockNoteRepository::new();
    notes
        .expect_get()
        .times(1)
        .returning(|_, _| Err(DomainError::not_found("something")));
    let result = guard(courses, notes, documents)
        .check(user, all_links())
        .await;
    assert_eq!(not_found_entity(&result), Some("note"));
}

#[tokio::test]
async fn a_document_the_repository_does_not_find_is_reported_as_a_missing_document() {
    let mut courses = MockCourseRepository::new();
    courses.expect_get().times(0);
    let mut notes = MockNoteRepository::new();
    notes
        .expect_get()
        .times(1)
        .returning(|user, id| Ok(note(user, id)));
    let mut documents = MockDocumentRepository::new();
    documents
        .expect_get()
        .times(1)
        .returning(|_, _| Err(DomainError::not_found("file")));
    let links = SourceLinks {
        course_id: None,
        ..all_links()
    };
    let result = guard(courses, notes, documents)
        .check(UserId::new(), links)
        .await;
    assert_eq!(not_found_entity(&result), Some("document"));
}

#[tokio::test]
async fn an_unavailable_repository_error_passes_through_unchanged() {
    let (_, notes, documents) = untouched();
    let mut courses = MockCourseRepository::new();
    courses.expect_get().times(1).returning(|_, _| {
        Err(DomainError::Unavailable {
            service: "database",
            message: "connection refused".to_owned(),
        })
    });
    let result = guard(courses, notes, documents)
        .check(UserId::new(), all_links())
        .await;
    match result {
        Err(DomainError::Unavailable { service, message }) => {
            assert_eq!(service, "database");
            assert_eq!(message, "connection refused");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn other_errors_pass_through_unchanged_too() {
    let user = UserId::new();
    let (_, _, documents) = untouched();
    let mut courses = MockCourseRepository::new();
    courses
        .expect_get()
        .times(1)
        .returning(|user, id| Ok(course(user, id)));
    let mut notes = MockNoteRepository::new();
    notes
        .expect_get()
        .times(1)
        .returning(|_, _| Err(DomainError::internal("boom")));
    let result = guard(courses, notes, documents)
        .check(user, all_links())
        .await;
    assert!(
        matches!(result, Err(DomainError::Internal { ref message, .. }) if message == "boom"),
        "{result:?}"
    );
}
