//! The in-memory adapters behave as the PostgreSQL schema does: cascades and `SET NULL`s,
//! unique constraints, ownership, keyset pagination, filters, quiz totals, imports, the job
//! queue and search.
#![cfg(feature = "memory")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "the fixtures are test code too: a fixture that cannot be built fails the test"
)]

use std::collections::HashSet;
use std::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, TimeDelta, TimeZone, Utc};
use sophie_domain::memory::{FixedClock, MemoryBlobStore, MemoryJobQueue, MemoryStore};
use sophie_domain::services::grading::grade_quiz_response;
use sophie_domain::values::{
    CardText, Color, Email, EventSchedule, FileSize, Markdown, MessageText, Name, PasswordHash,
    Points, Progress, QuestionContent, ShortText, Tags, Title,
};
use sophie_domain::{
    BlobStore, CalendarEventUpdate, CalendarFilter, ChatSessionFilter, Clock, CourseUpdate, Cursor,
    Difficulty, DocumentFilter, DocumentStatus, DocumentUpdate, DomainError, DomainResult,
    EventType, FlashcardSetFilter, FlashcardSetUpdate, FlashcardUpdate, ImportJobFilter,
    ImportJobUpdate, ImportSource, JobQueue, JobStatus, MessageType, NewAccount, NewBackgroundJob,
    NewCalendarEvent, NewChatMessage, NewChatSession, NewCourse, NewDocument, NewDocumentChunk,
    NewFlashcard, NewFlashcardSet, NewImportJob, NewNote, NewNotification, NewQuestion, NewQuiz,
    NewSession, NewStudyGuide, NewUser, NewVerification, NoteFilter, NoteSource, NoteUpdate,
    NotificationFilter, NotificationType, Page, PageRequest, QuestionType, QuestionUpdate,
    QuizFilter, QuizUpdate, Repositories, SearchQuery, SourceKind, SourceLinks, SourceLinksUpdate,
    StudyGuideFilter, StudyGuideUpdate, SubmittedAnswer, UserId, UserUpdate,
};

// ---------------------------------------------------------------- fixtures

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0).unwrap()
}

struct World {
    clock: Arc<FixedClock>,
    r: Repositories,
}

impl World {
    fn new() -> Self {
        let clock = Arc::new(FixedClock::new(start()));
        let r = MemoryStore::with_clock(clock.clone()).repositories();
        Self { clock, r }
    }

    /// Moves time on, so the next row is strictly newer.
    fn tick(&self) {
        self.clock.advance(TimeDelta::milliseconds(1));
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    async fn user(&self, name: &str) -> UserId {
        self.r
            .users
            .create(new_user(name, &format!("{name}@example.com")))
            .await
            .unwrap()
            .id
    }
}

fn new_user(name: &str, email: &str) -> NewUser {
    NewUser {
        name: Name::parse(name).unwrap(),
        email: Email::parse(email).unwrap(),
        image: None,
    }
}

fn title(text: &str) -> Title {
    Title::parse(text).unwrap()
}

fn md(text: &str) -> Markdown {
    Markdown::parse(text).unwrap()
}

fn card_text(text: &str) -> CardText {
    CardText::parse(text).unwrap()
}

fn course(name: &str) -> NewCourse {
    NewCourse {
        name: Name::parse(name).unwrap(),
        code: None,
        description: None,
        color: Color::default(),
        term: None,
        instructor: None,
    }
}

fn note(text: &str, content: &str) -> NewNote {
    NewNote::manual(title(text), md(content))
}

fn document(text: &str, key: &str) -> NewDocument {
    NewDocument {
        course_id: None,
        title: title(text),
        file_name: ShortText::parse(format!("{text}.pdf")).unwrap(),
        mime_type: ShortText::parse("application/pdf").unwrap(),
        file_size: FileSize::new(1_024).unwrap(),
        storage_key: key.to_owned(),
        checksum_sha256: "0".repeat(64),
    }
}

fn card(question: &str, answer: &str) -> NewFlashcard {
    NewFlashcard {
        question: card_text(question),
        answer: card_text(answer),
        hint: None,
        explanation: None,
        difficulty: Difficulty::Medium,
    }
}

fn set(text: &str, links: SourceLinks, cards: Vec<NewFlashcard>) -> NewFlashcardSet {
    NewFlashcardSet {
        title: title(text),
        description: None,
        difficulty: Difficulty::Medium,
        tags: Tags::default(),
        color: Color::default(),
        links,
        flashcards: cards,
    }
}

fn question(text: &str, points: i64) -> NewQuestion {
    NewQuestion {
        question: card_text(text),
        content: QuestionContent::new(QuestionType::ShortAnswer, None, "mitochondria").unwrap(),
        explanation: None,
        hint: None,
        difficulty: Difficulty::Easy,
        points: Points::new(points).unwrap(),
    }
}

fn quiz(text: &str, links: SourceLinks, questions: Vec<NewQuestion>) -> NewQuiz {
    NewQuiz {
        title: title(text),
        description: None,
        difficulty: Difficulty::Medium,
        time_limit: None,
        links,
        questions,
    }
}

fn guide(text: &str, links: SourceLinks) -> NewStudyGuide {
    NewStudyGuide {
        title: title(text),
        content: md("# Guide"),
        links,
    }
}

fn chat(text: &str, course_id: Option<sophie_domain::CourseId>) -> NewChatSession {
    NewChatSession {
        title: title(text),
        course_id,
    }
}

fn message(text: &str) -> NewChatMessage {
    NewChatMessage {
        content: MessageText::parse(text).unwrap(),
        message_type: MessageType::User,
        references: Vec::new(),
    }
}

fn event(text: &str, starts: DateTime<Utc>) -> NewCalendarEvent {
    NewCalendarEvent {
        title: title(text),
        description: None,
        schedule: EventSchedule::new(starts, None).unwrap(),
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

fn import(document_id: Option<sophie_domain::DocumentId>) -> NewImportJob {
    NewImportJob {
        source: ImportSource::File,
        source_url: None,
        title: None,
        document_id,
    }
}

fn notification(text: &str) -> NewNotification {
    NewNotification {
        notification_type: NotificationType::System,
        title: title(text),
        message: MessageText::parse("Something happened").unwrap(),
        link: None,
    }
}

fn chunk(index: i32, content: &str, embedding: Option<Vec<f32>>) -> NewDocumentChunk {
    NewDocumentChunk {
        content: content.to_owned(),
        page_number: Some(index + 1),
        chunk_index: index,
        embedding,
    }
}

fn session(user: UserId, token: &str, expires_at: DateTime<Utc>) -> NewSession {
    NewSession {
        user_id: user,
        token_hash: token.to_owned(),
        expires_at,
        ip_address: None,
        user_agent: None,
    }
}

fn oauth(user: UserId, provider: &str, account: &str) -> NewAccount {
    NewAccount {
        user_id: user,
        provider_id: provider.to_owned(),
        account_id: account.to_owned(),
        password: None,
        access_token: None,
        refresh_token: None,
        id_token: None,
        access_token_expires_at: None,
        refresh_token_expires_at: None,
        scope: None,
    }
}

fn links(
    course_id: Option<sophie_domain::CourseId>,
    note_id: Option<sophie_domain::NoteId>,
    document_id: Option<sophie_domain::DocumentId>,
) -> SourceLinks {
    SourceLinks {
        course_id,
        note_id,
        document_id,
    }
}

fn page(limit: u32, cursor: Option<Cursor>) -> PageRequest {
    PageRequest::new(Some(limit), cursor).unwrap()
}

fn all() -> PageRequest {
    page(PageRequest::MAX_LIMIT, None)
}

fn query(text: &str) -> SearchQuery {
    SearchQuery::new(text, None).unwrap()
}

#[track_caller]
fn expect_not_found<T: Debug>(result: DomainResult<T>, entity: &str) {
    match result {
        Err(DomainError::NotFound { entity: found }) => assert_eq!(found, entity),
        other => panic!("expected {entity} not found, got {other:?}"),
    }
}

#[track_caller]
fn expect_conflict<T: Debug>(result: DomainResult<T>, field: &str) {
    match result {
        Err(DomainError::Conflict { field: found, .. }) => {
            assert_eq!(found.as_deref(), Some(field));
        }
        other => panic!("expected a conflict on {field}, got {other:?}"),
    }
}

#[track_caller]
fn expect_validation<T: Debug>(result: DomainResult<T>, field: &str) {
    match result {
        Err(DomainError::Validation { field: found, .. }) => assert_eq!(found, field),
        other => panic!("expected a validation error on {field}, got {other:?}"),
    }
}

/// Reads every page of a list, `limit` at a time, returning the pages' sizes and the items.
async fn walk<T, F, Fut>(limit: u32, mut read: F) -> (Vec<usize>, Vec<T>)
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = DomainResult<Page<T>>>,
{
    let mut sizes = Vec::new();
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let page = read(page(limit, cursor)).await.unwrap();
        sizes.push(page.items.len());
        items.extend(page.items);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => return (sizes, items),
        }
        assert!(sizes.len() < 100, "pagination does not end");
    }
}

// ---------------------------------------------------------------- time and defaults

#[test]
fn fixed_clock_keeps_microseconds_and_moves_on_demand() {
    let clock = FixedClock::new(start() + TimeDelta::nanoseconds(1_234_567));
    assert_eq!(clock.now(), start() + TimeDelta::microseconds(1_234));
    clock.advance(TimeDelta::seconds(5));
    assert_eq!(clock.now(), start() + TimeDelta::microseconds(5_001_234));
    clock.set(start());
    assert_eq!(clock.now(), start());
    clock.advance(TimeDelta::MAX);
    assert_eq!(clock.now(), DateTime::<Utc>::MAX_UTC.trunc_subsecs(6));
}

#[tokio::test]
async fn rows_take_the_schema_defaults() {
    let w = World::new();
    let user = w.r.users.get(w.user("ada").await).await.unwrap();
    assert!(!user.email_verified);
    assert_eq!(user.email, "ada@example.com");

    let course =
        w.r.courses
            .create(user.id, course("Biology"))
            .await
            .unwrap();
    assert_eq!(course.color, "blue");
    let note = w.r.notes.create(user.id, note("Cells", "")).await.unwrap();
    assert_eq!(note.source, NoteSource::Manual);
    assert_eq!(note.content, "");
    let document =
        w.r.documents
            .create(user.id, document("Syllabus", "k1"))
            .await
            .unwrap();
    assert_eq!(document.status, DocumentStatus::Pending);
    assert_eq!(document.page_count, None);
    let job = w.r.import_jobs.create(user.id, import(None)).await.unwrap();
    assert_eq!((job.status, job.progress), (JobStatus::Pending, 0));
    assert_eq!(job.completed_at, None);
    let sent =
        w.r.notifications
            .create(user.id, notification("Hi"))
            .await
            .unwrap();
    assert!(!sent.read);
}

#[tokio::test]
async fn timestamps_come_from_the_clock_and_every_update_bumps_updated_at() {
    let w = World::new();
    let user = w.user("ada").await;
    let created = w.r.notes.create(user, note("Cells", "body")).await.unwrap();
    assert_eq!(created.created_at, start());
    assert_eq!(created.updated_at, start());

    w.clock.advance(TimeDelta::seconds(3));
    // An update that changes nothing still touches the row, as the SQL trigger does.
    let touched =
        w.r.notes
            .update(user, created.id, NoteUpdate::default())
            .await
            .unwrap();
    assert_eq!(touched.created_at, start());
    assert_eq!(touched.updated_at, start() + TimeDelta::seconds(3));
    assert_eq!(w.r.notes.get(user, created.id).await.unwrap(), touched);
}

#[tokio::test]
async fn given_timestamps_are_stored_at_microsecond_precision() {
    let w = World::new();
    let user = w.user("ada").await;
    let at = start() + TimeDelta::nanoseconds(1_500_999);
    let stored = w.r.sessions.create(session(user, "t", at)).await.unwrap();
    assert_eq!(stored.expires_at, start() + TimeDelta::microseconds(1_500));
    let event = w.r.calendar.create(user, event("Exam", at)).await.unwrap();
    assert_eq!(event.start_date, start() + TimeDelta::microseconds(1_500));
}

#[tokio::test]
async fn rows_cannot_be_created_for_a_missing_user() {
    let w = World::new();
    let ghost = UserId::new();
    expect_not_found(w.r.notes.create(ghost, note("N", "")).await, "user");
    expect_not_found(w.r.courses.create(ghost, course("C")).await, "user");
    expect_not_found(
        w.r.sessions.create(session(ghost, "t", start())).await,
        "user",
    );
    expect_not_found(
        w.r.accounts.create(oauth(ghost, "google", "1")).await,
        "user",
    );
    expect_not_found(
        w.r.notifications.create(ghost, notification("N")).await,
        "user",
    );
}

// ---------------------------------------------------------------- cascades

/// One of everything, owned by `user`, all linked to one course, note and document.
struct Everything {
    course: sophie_domain::CourseId,
    note: sophie_domain::NoteId,
    document: sophie_domain::DocumentId,
    set: sophie_domain::FlashcardSetId,
    card: sophie_domain::FlashcardId,
    quiz: sophie_domain::QuizId,
    question: sophie_domain::QuestionId,
    response: sophie_domain::QuizResponseId,
    guide: sophie_domain::StudyGuideId,
    chat: sophie_domain::ChatSessionId,
    event: sophie_domain::CalendarEventId,
    import: sophie_domain::ImportJobId,
    notification: sophie_domain::NotificationId,
    session: sophie_domain::SessionId,
    token: String,
}

async fn everything(w: &World, user: UserId, tag: &str) -> Everything {
    let course =
        w.r.courses
            .create(user, course("Biology"))
            .await
            .unwrap()
            .id;
    let mut new_note = note(
        &format!("Cells {tag}"),
        "The mitochondria is the powerhouse",
    );
    new_note.course_id = Some(course);
    let note = w.r.notes.create(user, new_note).await.unwrap().id;
    let mut new_document = document("Syllabus", &format!("docs/{tag}"));
    new_document.course_id = Some(course);
    let document = w.r.documents.create(user, new_document).await.unwrap().id;
    w.r.search
        .replace_chunks(
            user,
            document,
            vec![chunk(0, "Ribosomes make proteins", None)],
        )
        .await
        .unwrap();
    let all_links = links(Some(course), Some(note), Some(document));
    let made =
        w.r.flashcards
            .create_set(
                user,
                set(
                    "Organelles",
                    all_links,
                    vec![card("What is ATP?", "Energy")],
                ),
            )
            .await
            .unwrap();
    let quiz =
        w.r.quizzes
            .create(
                user,
                quiz("Cell quiz", all_links, vec![question("Powerhouse?", 2)]),
            )
            .await
            .unwrap();
    let graded = grade_quiz_response(
        &quiz,
        &[SubmittedAnswer {
            question_id: quiz.questions[0].id,
            answer: "Mitochondria".to_owned(),
        }],
    )
    .unwrap()
    .into_response(&quiz, None, None, w.now());
    let response = w.r.quizzes.record_response(user, graded).await.unwrap().id;
    let guide =
        w.r.study_guides
            .create(user, guide("Guide", all_links))
            .await
            .unwrap()
            .id;
    let chat =
        w.r.chats
            .create_session(user, chat("Ask", Some(course)))
            .await
            .unwrap()
            .id;
    w.r.chats
        .add_message(user, chat, message("Hello"))
        .await
        .unwrap();
    let mut new_event = event("Midterm", start());
    new_event.course_id = Some(course);
    new_event.document_id = Some(document);
    let event = w.r.calendar.create(user, new_event).await.unwrap().id;
    let import =
        w.r.import_jobs
            .create(user, import(Some(document)))
            .await
            .unwrap()
            .id;
    let update = ImportJobUpdate {
        note_id: Some(Some(note)),
        ..ImportJobUpdate::default()
    };
    w.r.import_jobs.update(user, import, update).await.unwrap();
    let notification =
        w.r.notifications
            .create(user, notification("Done"))
            .await
            .unwrap()
            .id;
    let token = format!("token-{tag}");
    let session =
        w.r.sessions
            .create(session(user, &token, start() + TimeDelta::days(1)))
            .await
            .unwrap()
            .id;
    w.r.accounts
        .create(oauth(user, "google", tag))
        .await
        .unwrap();
    w.tick();
    Everything {
        course,
        note,
        document,
        set: made.set.id,
        card: made.flashcards[0].id,
        quiz: quiz.quiz.id,
        question: quiz.questions[0].id,
        response,
        guide,
        chat,
        event,
        import,
        notification,
        session,
        token,
    }
}

/// Whether every row of `e` is still there for `user`.
async fn all_present(w: &World, user: UserId, e: &Everything) -> bool {
    w.r.courses.get(user, e.course).await.is_ok()
        && w.r.notes.get(user, e.note).await.is_ok()
        && w.r.documents.get(user, e.document).await.is_ok()
        && w.r
            .search
            .list_chunks(user, e.document)
            .await
            .unwrap_or_default()
            .len()
            == 1
        && w.r
            .flashcards
            .get_set(user, e.set)
            .await
            .is_ok_and(|s| s.flashcards.len() == 1)
        && w.r
            .quizzes
            .get(user, e.quiz)
            .await
            .is_ok_and(|q| q.questions.len() == 1)
        && w.r.quizzes.get_response(user, e.response).await.is_ok()
        && w.r.study_guides.get(user, e.guide).await.is_ok()
        && w.r
            .chats
            .list_messages(user, e.chat, all())
            .await
            .is_ok_and(|p| p.items.len() == 1)
        && w.r.calendar.get(user, e.event).await.is_ok()
        && w.r.import_jobs.get(user, e.import).await.is_ok()
        && w.r.notifications.count_unread(user).await.unwrap_or(0) == 1
        && w.r
            .sessions
            .find_by_token_hash(&e.token)
            .await
            .is_ok_and(|s| s.is_some())
        && w.r
            .accounts
            .list_for_user(user)
            .await
            .unwrap_or_default()
            .len()
            == 1
}

#[tokio::test]
async fn deleting_a_user_deletes_everything_they_own_and_nothing_else() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let a = everything(&w, ada, "a").await;
    let b = everything(&w, bob, "b").await;
    assert!(all_present(&w, ada, &a).await);

    w.r.users.delete(ada).await.unwrap();

    expect_not_found(w.r.users.get(ada).await, "user");
    expect_not_found(w.r.courses.get(ada, a.course).await, "course");
    expect_not_found(w.r.notes.get(ada, a.note).await, "note");
    expect_not_found(w.r.documents.get(ada, a.document).await, "document");
    expect_not_found(w.r.flashcards.get_set(ada, a.set).await, "flashcard set");
    expect_not_found(w.r.quizzes.get(ada, a.quiz).await, "quiz");
    expect_not_found(
        w.r.quizzes.get_response(ada, a.response).await,
        "quiz response",
    );
    expect_not_found(w.r.study_guides.get(ada, a.guide).await, "study guide");
    expect_not_found(w.r.chats.get_session(ada, a.chat).await, "chat session");
    expect_not_found(w.r.calendar.get(ada, a.event).await, "calendar event");
    expect_not_found(w.r.import_jobs.get(ada, a.import).await, "import job");
    expect_not_found(
        w.r.notifications.mark_read(ada, a.notification).await,
        "notification",
    );
    assert_eq!(
        w.r.sessions.find_by_token_hash(&a.token).await.unwrap(),
        None
    );
    assert_eq!(
        w.r.accounts.find_by_provider("google", "a").await.unwrap(),
        None
    );
    assert!(w.r.accounts.list_for_user(ada).await.unwrap().is_empty());
    assert!(
        w.r.notes
            .list(ada, NoteFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.search
            .search(ada, query("ribosomes"))
            .await
            .unwrap()
            .is_empty()
    );
    expect_not_found(w.r.users.delete(ada).await, "user");

    // Bob's rows are untouched, down to their timestamps.
    assert!(all_present(&w, bob, &b).await);
    let bobs_note = w.r.notes.get(bob, b.note).await.unwrap();
    assert_eq!(bobs_note.course_id, Some(b.course));
    assert!(bobs_note.updated_at < w.now());
    assert_eq!(
        w.r.search
            .search(bob, query("ribosomes"))
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        w.r.sessions
            .find_by_token_hash(&b.token)
            .await
            .unwrap()
            .map(|s| s.id),
        Some(b.session)
    );
}

#[tokio::test]
async fn deleting_a_course_unfiles_its_material() {
    let w = World::new();
    let ada = w.user("ada").await;
    let e = everything(&w, ada, "a").await;
    w.clock.advance(TimeDelta::seconds(10));
    let later = w.now();

    w.r.courses.delete(ada, e.course).await.unwrap();

    expect_not_found(w.r.courses.get(ada, e.course).await, "course");
    let note = w.r.notes.get(ada, e.note).await.unwrap();
    assert_eq!(note.course_id, None);
    assert_eq!(
        note.updated_at, later,
        "SET NULL fires the updated_at trigger"
    );
    let document = w.r.documents.get(ada, e.document).await.unwrap();
    assert_eq!((document.course_id, document.updated_at), (None, later));
    let set = w.r.flashcards.get_set(ada, e.set).await.unwrap().set;
    assert_eq!((set.course_id, set.note_id), (None, Some(e.note)));
    let quiz = w.r.quizzes.get(ada, e.quiz).await.unwrap().quiz;
    assert_eq!((quiz.course_id, quiz.document_id), (None, Some(e.document)));
    assert_eq!(
        w.r.study_guides.get(ada, e.guide).await.unwrap().course_id,
        None
    );
    assert_eq!(
        w.r.chats.get_session(ada, e.chat).await.unwrap().course_id,
        None
    );
    let event = w.r.calendar.get(ada, e.event).await.unwrap();
    assert_eq!((event.course_id, event.updated_at), (None, later));
    expect_not_found(w.r.courses.delete(ada, e.course).await, "course");
}

#[tokio::test]
async fn deleting_a_note_unlinks_material_made_from_it() {
    let w = World::new();
    let ada = w.user("ada").await;
    let e = everything(&w, ada, "a").await;

    w.r.notes.delete(ada, e.note).await.unwrap();

    expect_not_found(w.r.notes.get(ada, e.note).await, "note");
    let set = w.r.flashcards.get_set(ada, e.set).await.unwrap();
    assert_eq!(
        set.set.links(),
        links(Some(e.course), None, Some(e.document))
    );
    assert_eq!(set.flashcards.len(), 1);
    let quiz = w.r.quizzes.get(ada, e.quiz).await.unwrap().quiz;
    assert_eq!(quiz.links(), links(Some(e.course), None, Some(e.document)));
    assert_eq!(
        w.r.study_guides.get(ada, e.guide).await.unwrap().note_id,
        None
    );
    let job = w.r.import_jobs.get(ada, e.import).await.unwrap();
    assert_eq!((job.note_id, job.document_id), (None, Some(e.document)));
    assert_eq!(job.updated_at, w.now());
}

#[tokio::test]
async fn deleting_a_document_drops_its_chunks_and_unlinks_material() {
    let w = World::new();
    let ada = w.user("ada").await;
    let e = everything(&w, ada, "a").await;

    let deleted = w.r.documents.delete(ada, e.document).await.unwrap();
    assert_eq!(deleted.id, e.document);
    assert_eq!(deleted.storage_key, "docs/a");

    expect_not_found(w.r.documents.get(ada, e.document).await, "document");
    expect_not_found(w.r.search.list_chunks(ada, e.document).await, "document");
    assert!(
        w.r.search
            .search(ada, query("ribosomes"))
            .await
            .unwrap()
            .is_empty()
    );
    let set = w.r.flashcards.get_set(ada, e.set).await.unwrap().set;
    assert_eq!(set.links(), links(Some(e.course), Some(e.note), None));
    assert_eq!(
        w.r.quizzes.get(ada, e.quiz).await.unwrap().quiz.document_id,
        None
    );
    assert_eq!(
        w.r.study_guides
            .get(ada, e.guide)
            .await
            .unwrap()
            .document_id,
        None
    );
    let event = w.r.calendar.get(ada, e.event).await.unwrap();
    assert_eq!((event.course_id, event.document_id), (Some(e.course), None));
    let job = w.r.import_jobs.get(ada, e.import).await.unwrap();
    assert_eq!((job.note_id, job.document_id), (Some(e.note), None));

    // The storage key is free again.
    w.r.documents
        .create(ada, document("Again", "docs/a"))
        .await
        .unwrap();
}

#[tokio::test]
async fn deleting_a_set_quiz_or_chat_deletes_its_children() {
    let w = World::new();
    let ada = w.user("ada").await;
    let e = everything(&w, ada, "a").await;

    w.r.flashcards.delete_set(ada, e.set).await.unwrap();
    expect_not_found(w.r.flashcards.get_set(ada, e.set).await, "flashcard set");
    expect_not_found(
        w.r.flashcards.delete_card(ada, e.set, e.card).await,
        "flashcard set",
    );
    assert!(
        w.r.search
            .search(ada, query("ATP"))
            .await
            .unwrap()
            .is_empty()
    );

    w.r.quizzes.delete(ada, e.quiz).await.unwrap();
    expect_not_found(w.r.quizzes.get(ada, e.quiz).await, "quiz");
    expect_not_found(
        w.r.quizzes.get_response(ada, e.response).await,
        "quiz response",
    );
    expect_not_found(
        w.r.quizzes.delete_question(ada, e.quiz, e.question).await,
        "quiz",
    );

    w.r.chats.delete_session(ada, e.chat).await.unwrap();
    expect_not_found(
        w.r.chats.list_messages(ada, e.chat, all()).await,
        "chat session",
    );

    // The rest is still there.
    assert!(w.r.notes.get(ada, e.note).await.is_ok());
    assert!(w.r.study_guides.get(ada, e.guide).await.is_ok());
}

// ---------------------------------------------------------------- unique constraints

#[tokio::test]
async fn emails_are_unique_whatever_their_case() {
    let w = World::new();
    w.r.users
        .create(new_user("Ada", "ada@example.com"))
        .await
        .unwrap();
    expect_conflict(
        w.r.users.create(new_user("Other", "ADA@Example.com")).await,
        "email",
    );
    expect_conflict(
        w.r.users
            .create_with_password(
                new_user("Other", "ada@example.com"),
                PasswordHash::new("$x"),
            )
            .await,
        "email",
    );
    let found =
        w.r.users
            .find_by_email(&Email::parse("Ada@EXAMPLE.com").unwrap())
            .await;
    assert_eq!(found.unwrap().unwrap().name, "Ada");
}

#[tokio::test]
async fn create_with_password_creates_the_user_and_their_credential_account() {
    let w = World::new();
    let (user, account) =
        w.r.users
            .create_with_password(
                new_user("Ada", "ada@example.com"),
                PasswordHash::new("$argon"),
            )
            .await
            .unwrap();
    assert_eq!(account.user_id, user.id);
    assert_eq!(account.provider_id, "credential");
    assert_eq!(account.account_id, user.id.to_string());
    let credential =
        w.r.accounts
            .find_credential(user.id)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(credential.password, Some(PasswordHash::new("$argon")));

    w.tick();
    w.r.accounts
        .set_password(user.id, PasswordHash::new("$new"))
        .await
        .unwrap();
    let credential =
        w.r.accounts
            .find_credential(user.id)
            .await
            .unwrap()
            .unwrap();
    assert_eq!(credential.password, Some(PasswordHash::new("$new")));
    assert_eq!(credential.updated_at, w.now());

    let other = w.user("bob").await;
    expect_not_found(
        w.r.accounts
            .set_password(other, PasswordHash::new("$x"))
            .await,
        "account",
    );
}

#[tokio::test]
async fn session_tokens_are_unique() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    w.r.sessions
        .create(session(ada, "hash", start()))
        .await
        .unwrap();
    expect_conflict(
        w.r.sessions.create(session(bob, "hash", start())).await,
        "token",
    );
}

#[tokio::test]
async fn provider_accounts_are_linked_once() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    w.r.accounts
        .create(oauth(ada, "google", "42"))
        .await
        .unwrap();
    expect_conflict(
        w.r.accounts.create(oauth(bob, "google", "42")).await,
        "accountId",
    );
    // The same id at another provider is another account.
    w.r.accounts
        .create(oauth(bob, "github", "42"))
        .await
        .unwrap();
    w.tick();
    w.r.accounts
        .create(oauth(ada, "github", "7"))
        .await
        .unwrap();
    let providers: Vec<String> =
        w.r.accounts
            .list_for_user(ada)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.provider_id)
            .collect();
    assert_eq!(providers, ["google", "github"], "oldest first");
}

#[tokio::test]
async fn storage_keys_are_unique_across_users() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    w.r.documents
        .create(ada, document("A", "key"))
        .await
        .unwrap();
    expect_conflict(
        w.r.documents.create(bob, document("B", "key")).await,
        "storageKey",
    );
}

#[tokio::test]
async fn an_import_claims_a_note_or_a_document_once() {
    let w = World::new();
    let ada = w.user("ada").await;
    let doc =
        w.r.documents
            .create(ada, document("A", "key"))
            .await
            .unwrap()
            .id;
    let note = w.r.notes.create(ada, note("N", "")).await.unwrap().id;
    let first =
        w.r.import_jobs
            .create(ada, import(Some(doc)))
            .await
            .unwrap();
    expect_conflict(
        w.r.import_jobs.create(ada, import(Some(doc))).await,
        "documentId",
    );

    let second = w.r.import_jobs.create(ada, import(None)).await.unwrap();
    let claim_note = ImportJobUpdate {
        note_id: Some(Some(note)),
        ..ImportJobUpdate::default()
    };
    w.r.import_jobs
        .update(ada, first.id, claim_note.clone())
        .await
        .unwrap();
    // Setting the same value again on the same job is no clash.
    w.r.import_jobs
        .update(ada, first.id, claim_note.clone())
        .await
        .unwrap();
    expect_conflict(
        w.r.import_jobs.update(ada, second.id, claim_note).await,
        "noteId",
    );
    let claim_document = ImportJobUpdate {
        document_id: Some(Some(doc)),
        ..ImportJobUpdate::default()
    };
    expect_conflict(
        w.r.import_jobs.update(ada, second.id, claim_document).await,
        "documentId",
    );

    // Once the first job lets go, the second may take them.
    let release = ImportJobUpdate {
        note_id: Some(None),
        document_id: Some(None),
        ..ImportJobUpdate::default()
    };
    w.r.import_jobs
        .update(ada, first.id, release)
        .await
        .unwrap();
    let take = ImportJobUpdate {
        note_id: Some(Some(note)),
        document_id: Some(Some(doc)),
        ..ImportJobUpdate::default()
    };
    let taken = w.r.import_jobs.update(ada, second.id, take).await.unwrap();
    assert_eq!((taken.note_id, taken.document_id), (Some(note), Some(doc)));
}

// ---------------------------------------------------------------- ownership

#[tokio::test]
async fn another_users_rows_are_not_found() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let a = everything(&w, ada, "a").await;
    let response = w.r.quizzes.get_response(ada, a.response).await.unwrap();

    expect_not_found(w.r.courses.get(bob, a.course).await, "course");
    expect_not_found(
        w.r.courses
            .update(bob, a.course, CourseUpdate::default())
            .await,
        "course",
    );
    expect_not_found(w.r.courses.delete(bob, a.course).await, "course");
    expect_not_found(w.r.notes.get(bob, a.note).await, "note");
    expect_not_found(
        w.r.notes.update(bob, a.note, NoteUpdate::default()).await,
        "note",
    );
    expect_not_found(w.r.notes.delete(bob, a.note).await, "note");
    expect_not_found(w.r.documents.get(bob, a.document).await, "document");
    expect_not_found(
        w.r.documents
            .update(bob, a.document, DocumentUpdate::default())
            .await,
        "document",
    );
    expect_not_found(w.r.documents.delete(bob, a.document).await, "document");
    expect_not_found(w.r.search.list_chunks(bob, a.document).await, "document");
    expect_not_found(
        w.r.search.replace_chunks(bob, a.document, Vec::new()).await,
        "document",
    );
    expect_not_found(w.r.flashcards.get_set(bob, a.set).await, "flashcard set");
    expect_not_found(
        w.r.flashcards
            .update_set(bob, a.set, FlashcardSetUpdate::default())
            .await,
        "flashcard set",
    );
    expect_not_found(w.r.flashcards.delete_set(bob, a.set).await, "flashcard set");
    expect_not_found(
        w.r.flashcards.add_card(bob, a.set, card("Q", "A")).await,
        "flashcard set",
    );
    expect_not_found(
        w.r.flashcards
            .update_card(bob, a.set, a.card, FlashcardUpdate::default())
            .await,
        "flashcard set",
    );
    expect_not_found(
        w.r.flashcards.delete_card(bob, a.set, a.card).await,
        "flashcard set",
    );
    expect_not_found(w.r.quizzes.get(bob, a.quiz).await, "quiz");
    expect_not_found(
        w.r.quizzes.update(bob, a.quiz, QuizUpdate::default()).await,
        "quiz",
    );
    expect_not_found(w.r.quizzes.delete(bob, a.quiz).await, "quiz");
    expect_not_found(
        w.r.quizzes
            .add_question(bob, a.quiz, question("Q", 1))
            .await,
        "quiz",
    );
    expect_not_found(
        w.r.quizzes
            .update_question(bob, a.quiz, a.question, QuestionUpdate::default())
            .await,
        "quiz",
    );
    expect_not_found(
        w.r.quizzes.delete_question(bob, a.quiz, a.question).await,
        "quiz",
    );
    let stolen = sophie_domain::NewQuizResponse {
        quiz_id: a.quiz,
        answers: Vec::new(),
        score: 0,
        total_points: 0,
        time_spent_seconds: None,
        started_at: None,
        completed_at: w.now(),
    };
    expect_not_found(w.r.quizzes.record_response(bob, stolen).await, "quiz");
    expect_not_found(w.r.quizzes.list_responses(bob, a.quiz, all()).await, "quiz");
    expect_not_found(
        w.r.quizzes.get_response(bob, a.response).await,
        "quiz response",
    );
    expect_not_found(w.r.study_guides.get(bob, a.guide).await, "study guide");
    expect_not_found(
        w.r.study_guides
            .update(bob, a.guide, StudyGuideUpdate::default())
            .await,
        "study guide",
    );
    expect_not_found(w.r.study_guides.delete(bob, a.guide).await, "study guide");
    expect_not_found(w.r.chats.get_session(bob, a.chat).await, "chat session");
    expect_not_found(
        w.r.chats
            .update_session(bob, a.chat, Default::default())
            .await,
        "chat session",
    );
    expect_not_found(w.r.chats.delete_session(bob, a.chat).await, "chat session");
    expect_not_found(
        w.r.chats.add_message(bob, a.chat, message("hi")).await,
        "chat session",
    );
    expect_not_found(
        w.r.chats.list_messages(bob, a.chat, all()).await,
        "chat session",
    );
    expect_not_found(w.r.calendar.get(bob, a.event).await, "calendar event");
    expect_not_found(
        w.r.calendar
            .update(bob, a.event, CalendarEventUpdate::default())
            .await,
        "calendar event",
    );
    expect_not_found(w.r.calendar.delete(bob, a.event).await, "calendar event");
    expect_not_found(w.r.import_jobs.get(bob, a.import).await, "import job");
    expect_not_found(
        w.r.import_jobs
            .update(bob, a.import, ImportJobUpdate::default())
            .await,
        "import job",
    );
    expect_not_found(w.r.import_jobs.cancel(bob, a.import).await, "import job");
    expect_not_found(w.r.import_jobs.delete(bob, a.import).await, "import job");
    expect_not_found(
        w.r.notifications.mark_read(bob, a.notification).await,
        "notification",
    );
    expect_not_found(
        w.r.notifications.delete(bob, a.notification).await,
        "notification",
    );
    assert_eq!(w.r.notifications.mark_all_read(bob).await.unwrap(), 0);
    expect_not_found(
        w.r.sessions.extend(bob, a.session, start()).await,
        "session",
    );
    expect_not_found(w.r.sessions.delete(bob, a.session).await, "session");
    assert_eq!(
        w.r.sessions.delete_all_for_user(bob, None).await.unwrap(),
        0
    );
    let ada_account = w.r.accounts.list_for_user(ada).await.unwrap()[0].id;
    expect_not_found(w.r.accounts.delete(bob, ada_account).await, "account");

    // Bob sees none of it in his lists either.
    assert!(w.r.courses.list(bob, all()).await.unwrap().items.is_empty());
    assert!(
        w.r.notes
            .list(bob, NoteFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.documents
            .list(bob, DocumentFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.flashcards
            .list_sets(bob, FlashcardSetFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.quizzes
            .list(bob, QuizFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.study_guides
            .list(bob, StudyGuideFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.chats
            .list_sessions(bob, ChatSessionFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.calendar
            .list(bob, CalendarFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.import_jobs
            .list(bob, ImportJobFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.notifications
            .list(bob, NotificationFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(w.r.notifications.count_unread(bob).await.unwrap(), 0);

    // And Ada's data is exactly as it was.
    assert!(all_present(&w, ada, &a).await);
    assert_eq!(
        w.r.quizzes.get_response(ada, a.response).await.unwrap(),
        response
    );
    let job = w.r.import_jobs.get(ada, a.import).await.unwrap();
    assert_eq!(job.status, JobStatus::Pending);
}

#[tokio::test]
async fn links_to_another_users_material_are_refused() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let a = everything(&w, ada, "a").await;
    let bobs_note = w.r.notes.create(bob, note("Mine", "")).await.unwrap().id;
    let bobs_set =
        w.r.flashcards
            .create_set(bob, set("Mine", SourceLinks::default(), Vec::new()))
            .await
            .unwrap()
            .set
            .id;
    let bobs_job = w.r.import_jobs.create(bob, import(None)).await.unwrap().id;

    let mut with_course = note("N", "");
    with_course.course_id = Some(a.course);
    expect_not_found(w.r.notes.create(bob, with_course).await, "course");
    let refile = NoteUpdate {
        course_id: Some(Some(a.course)),
        ..NoteUpdate::default()
    };
    expect_not_found(w.r.notes.update(bob, bobs_note, refile).await, "course");
    let mut doc = document("D", "bob/doc");
    doc.course_id = Some(a.course);
    expect_not_found(w.r.documents.create(bob, doc).await, "course");
    expect_not_found(
        w.r.flashcards
            .create_set(bob, set("S", links(None, Some(a.note), None), Vec::new()))
            .await,
        "note",
    );
    let relink = FlashcardSetUpdate {
        links: SourceLinksUpdate {
            document_id: Some(Some(a.document)),
            ..SourceLinksUpdate::default()
        },
        ..FlashcardSetUpdate::default()
    };
    expect_not_found(
        w.r.flashcards.update_set(bob, bobs_set, relink).await,
        "document",
    );
    expect_not_found(
        w.r.quizzes
            .create(
                bob,
                quiz("Q", links(None, None, Some(a.document)), Vec::new()),
            )
            .await,
        "document",
    );
    expect_not_found(
        w.r.study_guides
            .create(bob, guide("G", links(Some(a.course), None, None)))
            .await,
        "course",
    );
    expect_not_found(
        w.r.chats
            .create_session(bob, chat("C", Some(a.course)))
            .await,
        "course",
    );
    let mut new_event = event("E", start());
    new_event.document_id = Some(a.document);
    expect_not_found(w.r.calendar.create(bob, new_event).await, "document");
    expect_not_found(
        w.r.import_jobs.create(bob, import(Some(a.document))).await,
        "document",
    );
    let take_note = ImportJobUpdate {
        note_id: Some(Some(a.note)),
        ..ImportJobUpdate::default()
    };
    expect_not_found(
        w.r.import_jobs.update(bob, bobs_job, take_note).await,
        "note",
    );

    // Nothing of Bob's changed by the refused writes.
    assert_eq!(w.r.notes.get(bob, bobs_note).await.unwrap().course_id, None);
    assert_eq!(
        w.r.flashcards
            .get_set(bob, bobs_set)
            .await
            .unwrap()
            .set
            .document_id,
        None
    );
    assert_eq!(
        w.r.notes
            .list(bob, NoteFilter::default(), all())
            .await
            .unwrap()
            .items
            .len(),
        1
    );
    assert!(all_present(&w, ada, &a).await);
}

// ---------------------------------------------------------------- pagination

#[tokio::test]
async fn notes_page_newest_first_without_gaps_or_repeats() {
    let w = World::new();
    let ada = w.user("ada").await;
    let mut created = Vec::new();
    for i in 0..25 {
        created.push(
            w.r.notes
                .create(ada, note(&format!("Note {i}"), ""))
                .await
                .unwrap()
                .id,
        );
        w.tick();
    }
    let (sizes, items) = walk(10, |p| w.r.notes.list(ada, NoteFilter::default(), p)).await;
    assert_eq!(sizes, [10, 10, 5]);
    let ids: Vec<_> = items.iter().map(|n| n.id).collect();
    created.reverse();
    assert_eq!(ids, created, "newest first, each once");
}

#[tokio::test]
async fn equal_timestamps_are_ordered_by_id_across_pages() {
    let w = World::new();
    let ada = w.user("ada").await;
    // The clock stands still: every note has the same created_at.
    let mut created = Vec::new();
    for i in 0..25 {
        created.push(
            w.r.notes
                .create(ada, note(&format!("Note {i}"), ""))
                .await
                .unwrap()
                .id,
        );
    }
    let (sizes, items) = walk(7, |p| w.r.notes.list(ada, NoteFilter::default(), p)).await;
    assert_eq!(sizes, [7, 7, 7, 4]);
    let ids: Vec<_> = items.iter().map(|n| n.id).collect();
    created.sort_by(|a, b| b.cmp(a));
    assert_eq!(ids, created);
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 25);

    // A page exactly as long as the rest says there is no more.
    let (sizes, _) = walk(25, |p| w.r.notes.list(ada, NoteFilter::default(), p)).await;
    assert_eq!(sizes, [25]);
}

#[tokio::test]
async fn other_lists_page_newest_first_too() {
    let w = World::new();
    let ada = w.user("ada").await;
    for i in 0..5 {
        w.r.courses
            .create(ada, course(&format!("C{i}")))
            .await
            .unwrap();
        w.r.notifications
            .create(ada, notification(&format!("N{i}")))
            .await
            .unwrap();
        w.r.import_jobs.create(ada, import(None)).await.unwrap();
        w.tick();
    }
    let (sizes, courses) = walk(2, |p| w.r.courses.list(ada, p)).await;
    assert_eq!(sizes, [2, 2, 1]);
    let names: Vec<_> = courses.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["C4", "C3", "C2", "C1", "C0"]);
    let (_, sent) = walk(3, |p| {
        w.r.notifications
            .list(ada, NotificationFilter::default(), p)
    })
    .await;
    let titles: Vec<_> = sent.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(titles, ["N4", "N3", "N2", "N1", "N0"]);
    let (_, jobs) = walk(4, |p| {
        w.r.import_jobs.list(ada, ImportJobFilter::default(), p)
    })
    .await;
    assert!(jobs.windows(2).all(|p| p[0].created_at > p[1].created_at));
}

#[tokio::test]
async fn chat_messages_read_oldest_first() {
    let w = World::new();
    let ada = w.user("ada").await;
    let chat =
        w.r.chats
            .create_session(ada, chat("Ask", None))
            .await
            .unwrap()
            .id;
    for i in 0..7 {
        w.r.chats
            .add_message(ada, chat, message(&format!("m{i}")))
            .await
            .unwrap();
        if i % 2 == 0 {
            w.tick();
        }
    }
    let (sizes, items) = walk(3, |p| w.r.chats.list_messages(ada, chat, p)).await;
    assert_eq!(sizes, [3, 3, 1]);
    let texts: Vec<_> = items.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(texts, ["m0", "m1", "m2", "m3", "m4", "m5", "m6"]);
}

#[tokio::test]
async fn calendar_lists_by_start_date_earliest_first() {
    let w = World::new();
    let ada = w.user("ada").await;
    let day = |d: i64| start() + TimeDelta::days(d);
    // Created in an order unrelated to their dates; two share a start.
    for (name, d) in [
        ("e5", 5),
        ("e1", 1),
        ("e3", 3),
        ("e0", 0),
        ("e4", 4),
        ("e3b", 3),
    ] {
        w.r.calendar.create(ada, event(name, day(d))).await.unwrap();
        w.tick();
    }
    let (sizes, items) = walk(2, |p| w.r.calendar.list(ada, CalendarFilter::default(), p)).await;
    assert_eq!(sizes, [2, 2, 2]);
    let starts: Vec<_> = items.iter().map(|e| e.start_date).collect();
    assert_eq!(starts, [day(0), day(1), day(3), day(3), day(4), day(5)]);
    let threes: Vec<_> = items
        .iter()
        .filter(|e| e.start_date == day(3))
        .map(|e| e.id)
        .collect();
    assert!(threes[0] < threes[1], "equal start dates are ordered by id");

    let window = CalendarFilter {
        from: Some(day(1)),
        to: Some(day(4)),
        ..CalendarFilter::default()
    };
    let (_, items) = walk(10, |p| w.r.calendar.list(ada, window, p)).await;
    let titles: Vec<_> = items.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles.len(), 3);
    assert_eq!(titles[0], "e1");

    let rescheduled = CalendarEventUpdate {
        schedule: Some(EventSchedule::new(day(-1), Some(day(-1))).unwrap()),
        ..CalendarEventUpdate::default()
    };
    let last = items[2].id;
    w.r.calendar.update(ada, last, rescheduled).await.unwrap();
    let first =
        w.r.calendar
            .list(ada, CalendarFilter::default(), page(1, None))
            .await
            .unwrap();
    assert_eq!(first.items[0].id, last);
}

// ---------------------------------------------------------------- filters

#[tokio::test]
async fn note_filters_combine() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bio = w.r.courses.create(ada, course("Biology")).await.unwrap().id;
    let make = |t: &str, course_id, tags: &[&str], source| {
        let mut n = note(t, "");
        n.course_id = course_id;
        n.tags = Tags::parse(tags).unwrap();
        n.source = source;
        n
    };
    for n in [
        make("a", Some(bio), &["exam", "cells"], NoteSource::Manual),
        make("b", Some(bio), &["cells"], NoteSource::Youtube),
        make("c", None, &["exam"], NoteSource::Manual),
        make("d", None, &["Exam"], NoteSource::Audio),
    ] {
        w.r.notes.create(ada, n).await.unwrap();
        w.tick();
    }
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
        titles(NoteFilter {
            tag: tag("exam"),
            ..NoteFilter::default()
        })
        .await,
        ["a", "c"]
    );
    assert_eq!(
        titles(NoteFilter {
            course_id: Some(bio),
            ..NoteFilter::default()
        })
        .await,
        ["a", "b"]
    );
    assert_eq!(
        titles(NoteFilter {
            course_id: Some(bio),
            tag: tag("exam"),
            source: None
        })
        .await,
        ["a"]
    );
    assert_eq!(
        titles(NoteFilter {
            source: Some(NoteSource::Manual),
            ..NoteFilter::default()
        })
        .await,
        ["a", "c"]
    );
    assert!(
        titles(NoteFilter {
            tag: tag("none"),
            ..NoteFilter::default()
        })
        .await
        .is_empty()
    );
}

#[tokio::test]
async fn study_material_filters_combine() {
    let w = World::new();
    let ada = w.user("ada").await;
    let n = w.r.notes.create(ada, note("Source", "")).await.unwrap().id;
    let d =
        w.r.documents
            .create(ada, document("Doc", "k"))
            .await
            .unwrap()
            .id;
    let mut hard = set("hard", links(None, Some(n), None), Vec::new());
    hard.difficulty = Difficulty::Hard;
    hard.tags = Tags::parse(["exam"]).unwrap();
    w.r.flashcards.create_set(ada, hard).await.unwrap();
    w.r.flashcards
        .create_set(ada, set("plain", links(None, None, Some(d)), Vec::new()))
        .await
        .unwrap();

    let sets = |filter: FlashcardSetFilter| {
        let repo = w.r.flashcards.clone();
        async move {
            repo.list_sets(ada, filter, all())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|s| s.title)
                .collect::<Vec<_>>()
        }
    };
    let by_note = FlashcardSetFilter {
        note_id: Some(n),
        ..FlashcardSetFilter::default()
    };
    assert_eq!(sets(by_note).await, ["hard"]);
    let by_tag = FlashcardSetFilter {
        tag: Some("exam".into()),
        ..FlashcardSetFilter::default()
    };
    assert_eq!(sets(by_tag).await, ["hard"]);
    let by_difficulty = FlashcardSetFilter {
        difficulty: Some(Difficulty::Medium),
        ..FlashcardSetFilter::default()
    };
    assert_eq!(sets(by_difficulty).await, ["plain"]);
    let both = FlashcardSetFilter {
        document_id: Some(d),
        difficulty: Some(Difficulty::Hard),
        ..FlashcardSetFilter::default()
    };
    assert!(sets(both).await.is_empty());

    w.r.quizzes
        .create(ada, quiz("q", links(None, Some(n), None), Vec::new()))
        .await
        .unwrap();
    w.r.study_guides
        .create(ada, guide("g", links(None, None, Some(d))))
        .await
        .unwrap();
    let quizzes =
        w.r.quizzes
            .list(
                ada,
                QuizFilter {
                    note_id: Some(n),
                    ..QuizFilter::default()
                },
                all(),
            )
            .await
            .unwrap();
    assert_eq!(quizzes.items.len(), 1);
    let guides =
        w.r.study_guides
            .list(
                ada,
                StudyGuideFilter {
                    note_id: Some(n),
                    ..StudyGuideFilter::default()
                },
                all(),
            )
            .await
            .unwrap();
    assert!(guides.items.is_empty());
    let docs =
        w.r.documents
            .list(
                ada,
                DocumentFilter {
                    status: Some(DocumentStatus::Pending),
                    ..DocumentFilter::default()
                },
                all(),
            )
            .await
            .unwrap();
    assert_eq!(docs.items.len(), 1);
}

#[tokio::test]
async fn notifications_filter_unread_and_mark_read() {
    let w = World::new();
    let ada = w.user("ada").await;
    let mut ids = Vec::new();
    for i in 0..4 {
        ids.push(
            w.r.notifications
                .create(ada, notification(&format!("N{i}")))
                .await
                .unwrap()
                .id,
        );
        w.tick();
    }
    let read = w.r.notifications.mark_read(ada, ids[1]).await.unwrap();
    assert!(read.read);
    assert_eq!(read.updated_at, w.now());
    assert_eq!(w.r.notifications.count_unread(ada).await.unwrap(), 3);
    let unread = NotificationFilter { unread_only: true };
    let (_, items) = walk(2, |p| w.r.notifications.list(ada, unread, p)).await;
    let titles: Vec<_> = items.iter().map(|n| n.title.as_str()).collect();
    assert_eq!(titles, ["N3", "N2", "N0"]);

    assert_eq!(w.r.notifications.mark_all_read(ada).await.unwrap(), 3);
    assert_eq!(w.r.notifications.mark_all_read(ada).await.unwrap(), 0);
    assert_eq!(w.r.notifications.count_unread(ada).await.unwrap(), 0);
    w.r.notifications.delete(ada, ids[0]).await.unwrap();
    let everything =
        w.r.notifications
            .list(ada, NotificationFilter::default(), all())
            .await;
    assert_eq!(everything.unwrap().items.len(), 3);
}

#[tokio::test]
async fn import_jobs_filter_by_status() {
    let w = World::new();
    let ada = w.user("ada").await;
    let first = w.r.import_jobs.create(ada, import(None)).await.unwrap().id;
    w.r.import_jobs.create(ada, import(None)).await.unwrap();
    w.r.import_jobs.cancel(ada, first).await.unwrap();
    let cancelled = ImportJobFilter {
        status: Some(JobStatus::Cancelled),
    };
    let page = w.r.import_jobs.list(ada, cancelled, all()).await.unwrap();
    assert_eq!(page.items.iter().map(|j| j.id).collect::<Vec<_>>(), [first]);
}

// ---------------------------------------------------------------- flashcards and quizzes

#[tokio::test]
async fn cards_come_back_oldest_first_and_can_be_edited() {
    let w = World::new();
    let ada = w.user("ada").await;
    let made =
        w.r.flashcards
            .create_set(
                ada,
                set(
                    "S",
                    SourceLinks::default(),
                    vec![card("1", "a"), card("2", "b")],
                ),
            )
            .await
            .unwrap();
    w.tick();
    let third =
        w.r.flashcards
            .add_card(ada, made.set.id, card("3", "c"))
            .await
            .unwrap();
    let got = w.r.flashcards.get_set(ada, made.set.id).await.unwrap();
    let questions: Vec<_> = got.flashcards.iter().map(|c| c.question.as_str()).collect();
    assert_eq!(questions, ["1", "2", "3"]);

    let edit = FlashcardUpdate {
        answer: Some(card_text("C")),
        hint: Some(Some(card_text("think"))),
        ..FlashcardUpdate::default()
    };
    let edited =
        w.r.flashcards
            .update_card(ada, made.set.id, third.id, edit)
            .await
            .unwrap();
    assert_eq!(
        (edited.answer.as_str(), edited.hint.as_deref()),
        ("C", Some("think"))
    );

    // A card is reached only through its own set.
    let other =
        w.r.flashcards
            .create_set(ada, set("T", SourceLinks::default(), Vec::new()))
            .await
            .unwrap();
    expect_not_found(
        w.r.flashcards
            .update_card(ada, other.set.id, third.id, FlashcardUpdate::default())
            .await,
        "flashcard",
    );
    expect_not_found(
        w.r.flashcards
            .delete_card(ada, other.set.id, third.id)
            .await,
        "flashcard",
    );
    w.r.flashcards
        .delete_card(ada, made.set.id, third.id)
        .await
        .unwrap();
    assert_eq!(
        w.r.flashcards
            .get_set(ada, made.set.id)
            .await
            .unwrap()
            .flashcards
            .len(),
        2
    );
}

#[tokio::test]
async fn sets_and_quizzes_hold_a_bounded_number_of_items() {
    let w = World::new();
    let ada = w.user("ada").await;
    let too_many: Vec<_> = (0..=NewFlashcardSet::MAX_CARDS)
        .map(|_| card("Q", "A"))
        .collect();
    expect_validation(
        w.r.flashcards
            .create_set(ada, set("S", SourceLinks::default(), too_many))
            .await,
        "flashcards",
    );
    let full: Vec<_> = (0..NewFlashcardSet::MAX_CARDS)
        .map(|_| card("Q", "A"))
        .collect();
    let made =
        w.r.flashcards
            .create_set(ada, set("S", SourceLinks::default(), full))
            .await
            .unwrap();
    assert_eq!(made.flashcards.len(), NewFlashcardSet::MAX_CARDS);
    expect_validation(
        w.r.flashcards
            .add_card(ada, made.set.id, card("Q", "A"))
            .await,
        "flashcards",
    );
    assert_eq!(
        w.r.flashcards
            .list_sets(ada, FlashcardSetFilter::default(), all())
            .await
            .unwrap()
            .items
            .len(),
        1,
        "the refused set was not half-created"
    );

    let too_many: Vec<_> = (0..=NewQuiz::MAX_QUESTIONS)
        .map(|_| question("Q", 1))
        .collect();
    expect_validation(
        w.r.quizzes
            .create(ada, quiz("Q", SourceLinks::default(), too_many))
            .await,
        "questions",
    );
    let full: Vec<_> = (0..NewQuiz::MAX_QUESTIONS)
        .map(|_| question("Q", 1))
        .collect();
    let made =
        w.r.quizzes
            .create(ada, quiz("Q", SourceLinks::default(), full))
            .await
            .unwrap();
    expect_validation(
        w.r.quizzes
            .add_question(ada, made.quiz.id, question("Q", 1))
            .await,
        "questions",
    );
}

#[tokio::test]
async fn quiz_total_is_always_the_sum_of_its_questions() {
    let w = World::new();
    let ada = w.user("ada").await;
    let made =
        w.r.quizzes
            .create(
                ada,
                quiz(
                    "Q",
                    SourceLinks::default(),
                    vec![question("a", 2), question("b", 3)],
                ),
            )
            .await
            .unwrap();
    assert_eq!(made.quiz.total_points, 5);
    let id = made.quiz.id;
    let total = || {
        let repo = w.r.quizzes.clone();
        async move { repo.get(ada, id).await.unwrap().quiz.total_points }
    };

    w.tick();
    let added =
        w.r.quizzes
            .add_question(ada, id, question("c", 10))
            .await
            .unwrap();
    assert_eq!(total().await, 15);
    let after_add = w.r.quizzes.get(ada, id).await.unwrap();
    assert_eq!(after_add.quiz.updated_at, w.now());
    let texts: Vec<_> = after_add
        .questions
        .iter()
        .map(|q| q.question.as_str())
        .collect();
    assert_eq!(texts, ["a", "b", "c"]);

    let repoint = QuestionUpdate {
        points: Some(Points::new(1).unwrap()),
        ..QuestionUpdate::default()
    };
    w.r.quizzes
        .update_question(ada, id, added.id, repoint)
        .await
        .unwrap();
    assert_eq!(total().await, 6);
    let retype = QuestionUpdate {
        content: Some(QuestionContent::new(QuestionType::TrueFalse, None, "TRUE").unwrap()),
        ..QuestionUpdate::default()
    };
    let retyped =
        w.r.quizzes
            .update_question(ada, id, added.id, retype)
            .await
            .unwrap();
    assert_eq!(
        (retyped.question_type, retyped.correct_answer.as_str()),
        (QuestionType::TrueFalse, "true")
    );
    assert_eq!(total().await, 6);

    w.r.quizzes
        .delete_question(ada, id, made.questions[0].id)
        .await
        .unwrap();
    assert_eq!(total().await, 4);
    w.r.quizzes
        .delete_question(ada, id, made.questions[1].id)
        .await
        .unwrap();
    w.r.quizzes
        .delete_question(ada, id, added.id)
        .await
        .unwrap();
    assert_eq!(total().await, 0);

    // A question is reached only through its own quiz.
    let other =
        w.r.quizzes
            .create(
                ada,
                quiz("O", SourceLinks::default(), vec![question("x", 1)]),
            )
            .await
            .unwrap();
    expect_not_found(
        w.r.quizzes
            .delete_question(ada, id, other.questions[0].id)
            .await,
        "question",
    );
    assert_eq!(
        w.r.quizzes
            .get(ada, other.quiz.id)
            .await
            .unwrap()
            .quiz
            .total_points,
        1
    );
}

#[tokio::test]
async fn responses_record_graded_attempts() {
    let w = World::new();
    let ada = w.user("ada").await;
    let made =
        w.r.quizzes
            .create(
                ada,
                quiz(
                    "Q",
                    SourceLinks::default(),
                    vec![question("a", 2), question("b", 3)],
                ),
            )
            .await
            .unwrap();
    let mut ids = Vec::new();
    for answer in ["mitochondria", "nucleus"] {
        let grade = grade_quiz_response(
            &made,
            &[SubmittedAnswer {
                question_id: made.questions[0].id,
                answer: answer.to_owned(),
            }],
        )
        .unwrap();
        let new = grade.into_response(&made, None, Some(start()), w.now());
        let stored = w.r.quizzes.record_response(ada, new.clone()).await.unwrap();
        assert_eq!((stored.score, stored.total_points), (new.score, 5));
        assert_eq!(stored.answers, new.answers);
        assert_eq!(stored.started_at, Some(start()));
        ids.push(stored.id);
        w.tick();
    }
    let scores: Vec<_> =
        w.r.quizzes
            .list_responses(ada, made.quiz.id, all())
            .await
            .unwrap()
            .items
            .iter()
            .map(|r| r.score)
            .collect();
    assert_eq!(scores, [0, 2], "newest first");
    assert_eq!(
        w.r.quizzes.get_response(ada, ids[0]).await.unwrap().score,
        2
    );

    let impossible = sophie_domain::NewQuizResponse {
        quiz_id: made.quiz.id,
        answers: Vec::new(),
        score: 6,
        total_points: 5,
        time_spent_seconds: None,
        started_at: None,
        completed_at: w.now(),
    };
    expect_validation(w.r.quizzes.record_response(ada, impossible).await, "score");
}

#[tokio::test]
async fn updates_change_only_what_they_name() {
    let w = World::new();
    let ada = w.user("ada").await;
    let c = w.r.courses.create(ada, course("Bio")).await.unwrap();
    let mut n = note("T", "body");
    n.course_id = Some(c.id);
    n.tags = Tags::parse(["x"]).unwrap();
    let n = w.r.notes.create(ada, n).await.unwrap();
    let retitle = NoteUpdate {
        title: Some(title("New")),
        summary: Some(Some(md("sum"))),
        ..NoteUpdate::default()
    };
    let changed = w.r.notes.update(ada, n.id, retitle).await.unwrap();
    assert_eq!(changed.title, "New");
    assert_eq!(changed.summary.as_deref(), Some("sum"));
    assert_eq!(
        (changed.content.as_str(), changed.course_id),
        ("body", Some(c.id))
    );
    assert_eq!(changed.tags, ["x"]);
    let unfile = NoteUpdate {
        course_id: Some(None),
        ..NoteUpdate::default()
    };
    assert_eq!(
        w.r.notes.update(ada, n.id, unfile).await.unwrap().course_id,
        None
    );

    let course_update = CourseUpdate {
        code: Some(Some(ShortText::parse("BIO 101").unwrap())),
        color: Some(Color::parse("#fff").unwrap()),
        ..CourseUpdate::default()
    };
    let c2 = w.r.courses.update(ada, c.id, course_update).await.unwrap();
    assert_eq!(
        (c2.name.as_str(), c2.code.as_deref(), c2.color.as_str()),
        ("Bio", Some("BIO 101"), "#fff")
    );

    let d = w.r.documents.create(ada, document("D", "k")).await.unwrap();
    let processed = DocumentUpdate {
        status: Some(DocumentStatus::Ready),
        page_count: Some(Some(sophie_domain::values::PageCount::new(12).unwrap())),
        ..DocumentUpdate::default()
    };
    let d2 = w.r.documents.update(ada, d.id, processed).await.unwrap();
    assert_eq!(
        (d2.status, d2.page_count, d2.title.as_str()),
        (DocumentStatus::Ready, Some(12), "D")
    );

    let g =
        w.r.study_guides
            .create(ada, guide("G", links(Some(c.id), Some(n.id), None)))
            .await
            .unwrap();
    let relink = StudyGuideUpdate {
        links: SourceLinksUpdate {
            note_id: Some(None),
            ..SourceLinksUpdate::default()
        },
        ..StudyGuideUpdate::default()
    };
    let g2 = w.r.study_guides.update(ada, g.id, relink).await.unwrap();
    assert_eq!(g2.links(), links(Some(c.id), None, None));

    let user =
        w.r.users
            .update(
                ada,
                UserUpdate {
                    email_verified: Some(true),
                    ..UserUpdate::default()
                },
            )
            .await
            .unwrap();
    assert!(user.email_verified);
    assert_eq!(user.name, "ada");
}

// ---------------------------------------------------------------- imports

#[tokio::test]
async fn unfinished_imports_can_be_cancelled_once() {
    let w = World::new();
    let ada = w.user("ada").await;
    let pending = w.r.import_jobs.create(ada, import(None)).await.unwrap();
    w.clock.advance(TimeDelta::seconds(2));
    let cancelled = w.r.import_jobs.cancel(ada, pending.id).await.unwrap();
    assert_eq!(cancelled.status, JobStatus::Cancelled);
    assert_eq!(cancelled.completed_at, Some(w.now()));
    assert_eq!(cancelled.updated_at, w.now());
    expect_conflict(w.r.import_jobs.cancel(ada, pending.id).await, "status");

    let running = w.r.import_jobs.create(ada, import(None)).await.unwrap();
    let progress = ImportJobUpdate {
        status: Some(JobStatus::Processing),
        progress: Some(Progress::new(40).unwrap()),
        ..ImportJobUpdate::default()
    };
    let updated =
        w.r.import_jobs
            .update(ada, running.id, progress)
            .await
            .unwrap();
    assert_eq!(
        (updated.status, updated.progress),
        (JobStatus::Processing, 40)
    );
    assert_eq!(
        w.r.import_jobs
            .cancel(ada, running.id)
            .await
            .unwrap()
            .status,
        JobStatus::Cancelled
    );

    for status in [JobStatus::Completed, JobStatus::Failed] {
        let job = w.r.import_jobs.create(ada, import(None)).await.unwrap();
        let finish = ImportJobUpdate {
            status: Some(status),
            completed_at: Some(Some(w.now())),
            ..ImportJobUpdate::default()
        };
        w.r.import_jobs.update(ada, job.id, finish).await.unwrap();
        expect_conflict(w.r.import_jobs.cancel(ada, job.id).await, "status");
        assert_eq!(
            w.r.import_jobs.get(ada, job.id).await.unwrap().status,
            status
        );
    }
    w.r.import_jobs.delete(ada, pending.id).await.unwrap();
    expect_not_found(w.r.import_jobs.get(ada, pending.id).await, "import job");
}

// ---------------------------------------------------------------- sessions and verifications

#[tokio::test]
async fn sessions_expire_renew_and_end() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let old =
        w.r.sessions
            .create(session(ada, "old", start() - TimeDelta::hours(1)))
            .await
            .unwrap();
    let edge =
        w.r.sessions
            .create(session(ada, "edge", start()))
            .await
            .unwrap();
    let keep =
        w.r.sessions
            .create(session(ada, "keep", start() + TimeDelta::days(1)))
            .await
            .unwrap();
    let other =
        w.r.sessions
            .create(session(ada, "other", start() + TimeDelta::days(1)))
            .await
            .unwrap();
    w.r.sessions
        .create(session(bob, "bob", start() - TimeDelta::hours(1)))
        .await
        .unwrap();

    // Expired sessions are still found: the caller decides.
    assert_eq!(
        w.r.sessions
            .find_by_token_hash("old")
            .await
            .unwrap()
            .map(|s| s.id),
        Some(old.id)
    );

    w.tick();
    let extended =
        w.r.sessions
            .extend(ada, edge.id, start() + TimeDelta::days(7))
            .await
            .unwrap();
    assert_eq!(extended.expires_at, start() + TimeDelta::days(7));
    assert_eq!(extended.updated_at, w.now());

    // Strictly before `now`.
    assert_eq!(
        w.r.sessions
            .delete_expired(start() - TimeDelta::hours(1))
            .await
            .unwrap(),
        0
    );
    assert_eq!(w.r.sessions.delete_expired(start()).await.unwrap(), 2);
    assert_eq!(w.r.sessions.find_by_token_hash("old").await.unwrap(), None);
    assert_eq!(w.r.sessions.find_by_token_hash("bob").await.unwrap(), None);

    assert_eq!(
        w.r.sessions
            .delete_all_for_user(ada, Some(keep.id))
            .await
            .unwrap(),
        2
    );
    assert!(
        w.r.sessions
            .find_by_token_hash("keep")
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        w.r.sessions
            .find_by_token_hash("other")
            .await
            .unwrap()
            .is_none()
    );
    expect_not_found(w.r.sessions.delete(ada, other.id).await, "session");
    w.r.sessions.delete(ada, keep.id).await.unwrap();
    assert_eq!(
        w.r.sessions.delete_all_for_user(ada, None).await.unwrap(),
        0
    );
}

#[tokio::test]
async fn verifications_are_valid_until_they_expire() {
    let w = World::new();
    let new = |value: &str, expires_in: i64| NewVerification {
        identifier: ShortText::parse("email-verification:ada@example.com").unwrap(),
        value: value.to_owned(),
        expires_at: start() + TimeDelta::minutes(expires_in),
    };
    let first = w.r.verifications.create(new("first", 10)).await.unwrap();
    w.tick();
    let second = w.r.verifications.create(new("second", 20)).await.unwrap();
    w.tick();
    w.r.verifications.create(new("expired", -1)).await.unwrap();
    w.r.verifications
        .create(NewVerification {
            identifier: ShortText::parse("password-reset:x").unwrap(),
            ..new("elsewhere", 10)
        })
        .await
        .unwrap();

    let valid =
        w.r.verifications
            .find_valid("email-verification:ada@example.com", start())
            .await
            .unwrap();
    assert_eq!(
        valid.iter().map(|v| v.id).collect::<Vec<_>>(),
        [second.id, first.id]
    );
    // Valid means expiring after `now`, not at it.
    let at_expiry =
        w.r.verifications
            .find_valid(
                "email-verification:ada@example.com",
                start() + TimeDelta::minutes(10),
            )
            .await
            .unwrap();
    assert_eq!(at_expiry.len(), 1);

    assert_eq!(w.r.verifications.delete_expired(start()).await.unwrap(), 1);
    w.r.verifications.delete(first.id).await.unwrap();
    expect_not_found(w.r.verifications.delete(first.id).await, "verification");
}

// ---------------------------------------------------------------- search

#[tokio::test]
async fn search_finds_the_users_notes_cards_and_chunks_only() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let n =
        w.r.notes
            .create(ada, note("Photosynthesis", "Plants turn light into sugar"))
            .await
            .unwrap();
    let s =
        w.r.flashcards
            .create_set(
                ada,
                set(
                    "Botany",
                    SourceLinks::default(),
                    vec![card("What do plants need?", "Light and water")],
                ),
            )
            .await
            .unwrap();
    let d =
        w.r.documents
            .create(ada, document("Textbook", "k"))
            .await
            .unwrap();
    w.r.search
        .replace_chunks(
            ada,
            d.id,
            vec![
                chunk(0, "Chlorophyll absorbs LIGHT", None),
                chunk(1, "Unrelated text", None),
            ],
        )
        .await
        .unwrap();
    w.r.notes
        .create(bob, note("Bob's light reading", "light light light"))
        .await
        .unwrap();

    let hits = w.r.search.search(ada, query("light")).await.unwrap();
    assert_eq!(hits.len(), 3);
    let note_hit = hits.iter().find(|h| h.kind == SourceKind::Note).unwrap();
    assert_eq!((note_hit.id, note_hit.parent_id), (n.id.as_uuid(), None));
    assert_eq!(note_hit.title, "Photosynthesis");
    let card_hit = hits
        .iter()
        .find(|h| h.kind == SourceKind::Flashcard)
        .unwrap();
    assert_eq!(card_hit.id, s.flashcards[0].id.as_uuid());
    assert_eq!(card_hit.parent_id, Some(s.set.id.as_uuid()));
    assert_eq!(card_hit.title, "Botany");
    let chunk_hit = hits
        .iter()
        .find(|h| h.kind == SourceKind::Document)
        .unwrap();
    assert_eq!(chunk_hit.parent_id, Some(d.id.as_uuid()));
    assert_eq!(
        (chunk_hit.title.as_str(), chunk_hit.page_number),
        ("Textbook", Some(1))
    );
    assert_eq!(chunk_hit.snippet, "Chlorophyll absorbs LIGHT");
    assert!(hits.iter().all(|h| (0.0..=1.0).contains(&h.score)));
    assert!(hits.windows(2).all(|p| p[0].score >= p[1].score));

    // Every word must occur, in any case, as a word or part of one.
    let hits = w.r.search.search(ada, query("PLANT  sug")).await.unwrap();
    assert_eq!(
        hits.iter().map(|h| h.kind).collect::<Vec<_>>(),
        [SourceKind::Note]
    );
    assert!(
        w.r.search
            .search(ada, query("light banana"))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        w.r.search.search(bob, query("light")).await.unwrap().len(),
        1
    );
    let limited =
        w.r.search
            .search(ada, SearchQuery::new("light", Some(2)).unwrap())
            .await;
    assert_eq!(limited.unwrap().len(), 2);
}

#[tokio::test]
async fn search_ranks_by_occurrences_and_title_deterministically() {
    let w = World::new();
    let ada = w.user("ada").await;
    let once =
        w.r.notes
            .create(ada, note("Notes", "enzyme"))
            .await
            .unwrap();
    let thrice =
        w.r.notes
            .create(ada, note("More", "enzyme enzyme enzyme"))
            .await
            .unwrap();
    let titled =
        w.r.notes
            .create(ada, note("Enzyme kinetics", "enzyme"))
            .await
            .unwrap();
    let hits = w.r.search.search(ada, query("enzyme")).await.unwrap();
    let order: Vec<_> = hits.iter().map(|h| h.id).collect();
    assert_eq!(order[2], once.id.as_uuid(), "fewest occurrences last");
    assert!(order.contains(&thrice.id.as_uuid()) && order.contains(&titled.id.as_uuid()));
    assert_eq!(
        w.r.search.search(ada, query("enzyme")).await.unwrap(),
        hits,
        "stable"
    );
}

#[tokio::test]
async fn snippets_are_cut_around_the_match_on_character_boundaries() {
    let w = World::new();
    let ada = w.user("ada").await;
    let before = "é🦀ß ".repeat(100);
    let after = " ÅÄÖ".repeat(100);
    let content = format!("{before}Mitochondrion{after}");
    w.r.notes.create(ada, note("Long", &content)).await.unwrap();
    // Characters whose lower case is longer than themselves, before the match.
    w.r.notes
        .create(ada, note("İİİİ", &format!("{}target", "İ".repeat(300))))
        .await
        .unwrap();

    let hit =
        &w.r.search
            .search(ada, query("mitochondrion"))
            .await
            .unwrap()[0];
    assert!(hit.snippet.starts_with('…') && hit.snippet.ends_with('…'));
    assert!(hit.snippet.contains("Mitochondrion"));
    assert!(hit.snippet.chars().count() <= 162);

    let hit = &w.r.search.search(ada, query("TARGET")).await.unwrap()[0];
    assert!(hit.snippet.starts_with('…'));
    assert!(hit.snippet.ends_with("target"), "{}", hit.snippet);
    assert!(w.r.search.search(ada, query("i̇i̇")).await.unwrap().len() == 1);
}

#[tokio::test]
async fn chunks_are_replaced_atomically_after_validation() {
    let w = World::new();
    let ada = w.user("ada").await;
    let d =
        w.r.documents
            .create(ada, document("D", "k"))
            .await
            .unwrap()
            .id;
    let written =
        w.r.search
            .replace_chunks(
                ada,
                d,
                vec![chunk(1, "second", None), chunk(0, "first", None)],
            )
            .await
            .unwrap();
    assert_eq!(written, 2);
    let texts = || {
        let search = w.r.search.clone();
        async move {
            search
                .list_chunks(ada, d)
                .await
                .unwrap()
                .into_iter()
                .map(|c| (c.chunk_index, c.content))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        texts().await,
        [(0, "first".to_owned()), (1, "second".to_owned())]
    );

    expect_validation(
        w.r.search
            .replace_chunks(ada, d, vec![chunk(0, "a", None), chunk(0, "b", None)])
            .await,
        "chunks",
    );
    expect_validation(
        w.r.search
            .replace_chunks(ada, d, vec![chunk(0, "a", None), chunk(1, "  \n ", None)])
            .await,
        "chunks",
    );
    expect_validation(
        w.r.search
            .replace_chunks(ada, d, vec![chunk(-1, "a", None)])
            .await,
        "chunks",
    );
    assert_eq!(
        texts().await.len(),
        2,
        "a refused replacement leaves the old chunks"
    );

    w.tick();
    w.r.search
        .replace_chunks(ada, d, vec![chunk(0, "only", None)])
        .await
        .unwrap();
    let chunks = w.r.search.list_chunks(ada, d).await.unwrap();
    assert_eq!(chunks.len(), 1);
    assert_eq!(chunks[0].created_at, w.now());
    assert_eq!(
        w.r.search.replace_chunks(ada, d, Vec::new()).await.unwrap(),
        0
    );
    assert!(texts().await.is_empty());
}

#[tokio::test]
async fn nearest_chunks_rank_by_cosine_similarity() {
    let w = World::new();
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let d =
        w.r.documents
            .create(ada, document("Ada's", "a"))
            .await
            .unwrap()
            .id;
    w.r.search
        .replace_chunks(
            ada,
            d,
            vec![
                chunk(0, "orthogonal", Some(vec![0.0, 1.0])),
                chunk(1, "same direction", Some(vec![2.0, 0.0])),
                chunk(2, "diagonal", Some(vec![1.0, 1.0])),
                chunk(3, "opposite", Some(vec![-1.0, 0.0])),
                chunk(4, "no embedding", None),
                chunk(5, "other dimension", Some(vec![1.0, 0.0, 0.0])),
                chunk(6, "zero", Some(vec![0.0, 0.0])),
            ],
        )
        .await
        .unwrap();
    let bobs =
        w.r.documents
            .create(bob, document("Bob's", "b"))
            .await
            .unwrap()
            .id;
    w.r.search
        .replace_chunks(bob, bobs, vec![chunk(0, "bob", Some(vec![1.0, 0.0]))])
        .await
        .unwrap();

    let nearest =
        w.r.search
            .nearest_chunks(ada, vec![1.0, 0.0], 10)
            .await
            .unwrap();
    let texts: Vec<_> = nearest.iter().map(|m| m.chunk.content.as_str()).collect();
    assert_eq!(
        texts,
        ["same direction", "diagonal", "orthogonal", "opposite"]
    );
    assert!((nearest[0].similarity - 1.0).abs() < 1e-6);
    assert!((nearest[1].similarity - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
    assert!((nearest[3].similarity + 1.0).abs() < 1e-6);
    assert_eq!(nearest[0].document_title, "Ada's");
    let top =
        w.r.search
            .nearest_chunks(ada, vec![1.0, 0.0], 2)
            .await
            .unwrap();
    assert_eq!(top.len(), 2);
    assert!(
        w.r.search
            .nearest_chunks(ada, Vec::new(), 5)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        w.r.search
            .nearest_chunks(ada, vec![1.0, 0.0], 0)
            .await
            .unwrap()
            .is_empty()
    );
}

// ---------------------------------------------------------------- the job queue

fn queue() -> (Arc<FixedClock>, MemoryJobQueue) {
    let clock = Arc::new(FixedClock::new(start()));
    (clock.clone(), MemoryJobQueue::with_clock(clock))
}

fn job(kind: &str, priority: i32) -> NewBackgroundJob {
    NewBackgroundJob {
        priority,
        ..NewBackgroundJob::new(kind, serde_json::json!({ "n": priority }))
    }
}

fn kinds(names: &[&str]) -> Vec<String> {
    names.iter().map(|&n| n.to_owned()).collect()
}

const LEASE: Duration = Duration::from_secs(30);

#[tokio::test]
async fn workers_claim_by_priority_then_run_at() {
    let (clock, q) = queue();
    let late = q
        .enqueue(NewBackgroundJob {
            run_at: Some(start() - TimeDelta::seconds(1)),
            ..job("import", 1)
        })
        .await
        .unwrap();
    let early = q
        .enqueue(NewBackgroundJob {
            run_at: Some(start() - TimeDelta::seconds(5)),
            ..job("import", 1)
        })
        .await
        .unwrap();
    let urgent = q.enqueue(job("import", 9)).await.unwrap();
    let future = q
        .enqueue(NewBackgroundJob {
            run_at: Some(start() + TimeDelta::minutes(1)),
            ..job("import", 100)
        })
        .await
        .unwrap();
    let other_kind = q.enqueue(job("sync", 50)).await.unwrap();

    let mut claimed = Vec::new();
    while let Some(j) = q
        .claim("w1".into(), kinds(&["import"]), LEASE)
        .await
        .unwrap()
    {
        assert_eq!(j.status, JobStatus::Processing);
        assert_eq!(j.attempts, 1);
        assert_eq!(j.locked_by.as_deref(), Some("w1"));
        assert_eq!(j.locked_until, Some(start() + TimeDelta::seconds(30)));
        claimed.push(j.id);
    }
    assert_eq!(claimed, [urgent.id, early.id, late.id]);

    clock.advance(TimeDelta::minutes(1));
    let next = q
        .claim("w2".into(), kinds(&["import", "sync"]), LEASE)
        .await
        .unwrap();
    assert_eq!(next.map(|j| j.id), Some(future.id));
    let next = q
        .claim("w2".into(), kinds(&["import", "sync"]), LEASE)
        .await
        .unwrap();
    assert_eq!(next.map(|j| j.id), Some(other_kind.id));
    assert!(
        q.claim("w2".into(), Vec::new(), LEASE)
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn unique_keys_deduplicate_while_unfinished() {
    let (_, q) = queue();
    let keyed = |key: &str| NewBackgroundJob {
        unique_key: Some(key.to_owned()),
        ..job("generate", 0)
    };
    let first = q.enqueue(keyed("note-1")).await.unwrap();
    assert_eq!(q.enqueue(keyed("note-1")).await.unwrap().id, first.id);
    let other = q.enqueue(keyed("note-2")).await.unwrap();
    assert_ne!(other.id, first.id);

    let claimed = q
        .claim("w".into(), kinds(&["generate"]), LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, first.id);
    assert_eq!(
        q.enqueue(keyed("note-1")).await.unwrap().id,
        first.id,
        "still running"
    );
    q.complete(first.id, "w".into()).await.unwrap();
    let again = q.enqueue(keyed("note-1")).await.unwrap();
    assert_ne!(again.id, first.id, "a finished job frees its key");
    assert_eq!(again.status, JobStatus::Pending);

    expect_validation(
        q.enqueue(NewBackgroundJob {
            max_attempts: 0,
            ..job("x", 0)
        })
        .await,
        "maxAttempts",
    );
}

#[tokio::test]
async fn a_lease_belongs_to_its_worker_until_it_expires() {
    let (clock, q) = queue();
    let id = q.enqueue(job("import", 0)).await.unwrap().id;
    q.claim("w1".into(), kinds(&["import"]), LEASE)
        .await
        .unwrap()
        .unwrap();

    expect_conflict(q.heartbeat(id, "w2".into(), LEASE).await, "lockedBy");
    expect_conflict(q.complete(id, "w2".into()).await, "lockedBy");
    expect_conflict(q.fail(id, "w2".into(), "x".into(), None).await, "lockedBy");

    clock.advance(TimeDelta::seconds(20));
    q.heartbeat(id, "w1".into(), LEASE).await.unwrap();
    assert_eq!(
        q.get(id).await.unwrap().locked_until,
        Some(clock.now() + TimeDelta::seconds(30))
    );

    // Renewed: not rescued at the old expiry.
    assert_eq!(
        q.rescue_expired(start() + TimeDelta::seconds(31))
            .await
            .unwrap(),
        0
    );
    clock.advance(TimeDelta::seconds(31));
    assert_eq!(q.rescue_expired(clock.now()).await.unwrap(), 1);
    let rescued = q.get(id).await.unwrap();
    assert_eq!(rescued.status, JobStatus::Pending);
    assert_eq!((rescued.locked_by, rescued.locked_until), (None, None));
    assert!(rescued.last_error.is_some());
    expect_conflict(q.complete(id, "w1".into()).await, "lockedBy");

    let again = q
        .claim("w2".into(), kinds(&["import"]), LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((again.id, again.attempts), (id, 2));
    q.complete(id, "w2".into()).await.unwrap();
    let done = q.get(id).await.unwrap();
    assert_eq!(done.status, JobStatus::Completed);
    assert_eq!(done.locked_by, None);
    expect_not_found(
        q.get(sophie_domain::BackgroundJobId::new()).await,
        "background job",
    );
}

#[tokio::test]
async fn failures_retry_until_attempts_run_out() {
    let (clock, q) = queue();
    let id = q
        .enqueue(NewBackgroundJob {
            max_attempts: 2,
            ..job("import", 0)
        })
        .await
        .unwrap()
        .id;
    q.claim("w".into(), kinds(&["import"]), LEASE)
        .await
        .unwrap()
        .unwrap();
    let retry_at = start() + TimeDelta::seconds(10);
    let failed = q
        .fail(id, "w".into(), "timeout".into(), Some(retry_at))
        .await
        .unwrap();
    assert_eq!(failed.status, JobStatus::Pending);
    assert_eq!(failed.run_at, retry_at);
    assert_eq!(failed.last_error.as_deref(), Some("timeout"));
    assert_eq!(failed.locked_by, None);
    assert!(
        q.claim("w".into(), kinds(&["import"]), LEASE)
            .await
            .unwrap()
            .is_none(),
        "not yet"
    );

    clock.advance(TimeDelta::seconds(10));
    let second = q
        .claim("w".into(), kinds(&["import"]), LEASE)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(second.attempts, 2);
    // No attempts left: a retry time does not help.
    let failed = q
        .fail(id, "w".into(), "timeout again".into(), Some(retry_at))
        .await
        .unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert!(
        q.claim("w".into(), kinds(&["import"]), LEASE)
            .await
            .unwrap()
            .is_none()
    );

    // Without a retry time, a failure is final at once.
    let once = q.enqueue(job("import", 0)).await.unwrap().id;
    q.claim("w".into(), kinds(&["import"]), LEASE)
        .await
        .unwrap()
        .unwrap();
    let failed = q
        .fail(once, "w".into(), "bad input".into(), None)
        .await
        .unwrap();
    assert_eq!((failed.status, failed.attempts), (JobStatus::Failed, 1));

    // A rescued job with no attempts left fails for good.
    let last = q
        .enqueue(NewBackgroundJob {
            max_attempts: 1,
            ..job("import", 0)
        })
        .await
        .unwrap()
        .id;
    q.claim("w".into(), kinds(&["import"]), LEASE)
        .await
        .unwrap()
        .unwrap();
    clock.advance(TimeDelta::minutes(5));
    assert_eq!(q.rescue_expired(clock.now()).await.unwrap(), 1);
    assert_eq!(q.get(last).await.unwrap().status, JobStatus::Failed);
    assert_eq!(q.rescue_expired(clock.now()).await.unwrap(), 0);
}

#[tokio::test]
async fn the_queue_is_shared_by_concurrent_workers() {
    let q = MemoryJobQueue::new();
    for i in 0..40 {
        q.enqueue(job("work", i % 3)).await.unwrap();
    }
    let mut workers = Vec::new();
    for w in 0..4 {
        let q = q.clone();
        workers.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            while let Some(j) = q
                .claim(format!("w{w}"), kinds(&["work"]), LEASE)
                .await
                .unwrap()
            {
                q.complete(j.id, format!("w{w}")).await.unwrap();
                mine.push(j.id);
            }
            mine
        }));
    }
    let mut seen = HashSet::new();
    for worker in workers {
        for id in worker.await.unwrap() {
            assert!(seen.insert(id), "a job was claimed twice");
        }
    }
    assert_eq!(seen.len(), 40);
}

// ---------------------------------------------------------------- blobs and sharing

#[tokio::test]
async fn blobs_are_stored_replaced_and_removed() {
    let blobs = MemoryBlobStore::new();
    expect_not_found(blobs.get("k".into()).await, "blob");
    blobs
        .put("k".into(), vec![1, 2], "application/pdf".into())
        .await
        .unwrap();
    blobs
        .put("k".into(), vec![3], "text/plain".into())
        .await
        .unwrap();
    let stored = blobs.get("k".into()).await.unwrap();
    assert_eq!(
        (stored.bytes, stored.content_type.as_str()),
        (vec![3], "text/plain")
    );
    blobs.delete("k".into()).await.unwrap();
    blobs.delete("k".into()).await.unwrap();
    expect_not_found(blobs.get("k".into()).await, "blob");
}

#[tokio::test]
async fn the_store_is_shared_safely_between_tasks() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<MemoryStore>();
    shareable::<MemoryJobQueue>();
    shareable::<MemoryBlobStore>();

    let store = MemoryStore::new();
    let ada = store
        .repositories()
        .users
        .create(new_user("ada", "ada@example.com"))
        .await
        .unwrap()
        .id;
    let mut tasks = Vec::new();
    for t in 0..8 {
        let notes = store.repositories().notes;
        tasks.push(tokio::spawn(async move {
            for i in 0..10 {
                notes
                    .create(ada, note(&format!("{t}-{i}"), ""))
                    .await
                    .unwrap();
            }
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let repositories = store.repositories();
    let (_, notes) = walk(30, |p| {
        repositories.notes.list(ada, NoteFilter::default(), p)
    })
    .await;
    assert_eq!(notes.len(), 80);
    assert_eq!(notes.iter().map(|n| n.id).collect::<HashSet<_>>().len(), 80);
}
