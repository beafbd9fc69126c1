//! A smoke test of the workspace adapters (chats, calendar, imports, notifications), the
//! search index and the job queue against a real PostgreSQL server.
//!
//! Each test creates its own database (`smoke_<uuid>`) on the server named by `DATABASE_URL`
//! (default `postgres://postgres@127.0.0.1:5432/postgres`), runs the migrations, and drops it
//! at the end, also when the test fails. Users, courses, notes, documents and flashcards are
//! inserted with plain SQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a fixture that cannot be built fails the test"
)]

use std::collections::HashSet;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use sophie_domain::values::{Color, EventSchedule, MessageText, Progress, Title};
use sophie_domain::{
    CalendarEventUpdate, CalendarFilter, CalendarRepository, ChatReference, ChatRepository,
    ChatSessionFilter, ChatSessionUpdate, Clock, CourseId, DocumentId, DomainError, DomainResult,
    EventType, ImportJobFilter, ImportJobRepository, ImportJobUpdate, ImportSource, JobQueue,
    JobStatus, MessageType, NewBackgroundJob, NewCalendarEvent, NewChatMessage, NewChatSession,
    NewDocumentChunk, NewImportJob, NewNotification, NoteId, NotificationFilter,
    NotificationRepository, NotificationType, PageRequest, QueryEmbedding, SearchIndex,
    SearchQuery, SourceKind, UserId,
};
use sophie_persistence::queue::PostgresJobQueue;
use sophie_persistence::{Database, DatabaseConfig, PostgresStore};
use uuid::Uuid;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn server_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_URL.to_owned())
}

/// `url` with its database replaced by `name`.
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let base = base.rsplit_once('/').map_or(base, |(server, _)| server);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap()
}

/// A clock the test moves.
struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    fn advance(&self, by: TimeDelta) {
        let mut now = self.0.lock().unwrap();
        *now += by;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

struct Env {
    store: PostgresStore,
    queue: PostgresJobQueue,
    clock: Arc<TestClock>,
    url: String,
}

impl Env {
    async fn sql(&self, statements: &str) {
        let mut conn = AsyncPgConnection::establish(&self.url).await.unwrap();
        conn.batch_execute(statements).await.unwrap();
    }

    async fn user(&self, name: &str) -> UserId {
        let id = Uuid::now_v7();
        self.sql(&format!(
            "INSERT INTO users (id, name, email) VALUES ('{id}', '{name}', '{name}@example.com')"
        ))
        .await;
        id.into()
    }

    async fn course(&self, user: UserId) -> CourseId {
        let id = Uuid::now_v7();
        self.sql(&format!(
            "INSERT INTO courses (id, name, user_id) VALUES ('{id}', 'Biology', '{}')",
            user.as_uuid()
        ))
        .await;
        id.into()
    }

    async fn note(&self, user: UserId, title: &str, content: &str) -> NoteId {
        let id = Uuid::now_v7();
        self.sql(&format!(
            "INSERT INTO notes (id, title, content, user_id) VALUES ('{id}', {}, {}, '{}')",
            quote(title),
            quote(content),
            user.as_uuid()
        ))
        .await;
        id.into()
    }

    async fn document(&self, user: UserId, title: &str) -> DocumentId {
        let id = Uuid::now_v7();
        self.sql(&format!(
            "INSERT INTO documents (id, title, file_name, mime_type, file_size, storage_key, \
             checksum_sha256, user_id) VALUES ('{id}', {}, 'f.pdf', 'application/pdf', 1, \
             '{id}', 'x', '{}')",
            quote(title),
            user.as_uuid()
        ))
        .await;
        id.into()
    }

    /// A set titled `title` with one card; returns (set, card).
    async fn card(&self, user: UserId, title: &str, question: &str, answer: &str) -> (Uuid, Uuid) {
        let (set, card) = (Uuid::now_v7(), Uuid::now_v7());
        self.sql(&format!(
            "INSERT INTO flashcard_sets (id, title, difficulty, user_id) \
               VALUES ('{set}', {}, 'EASY', '{}'); \
             INSERT INTO flashcards (id, question, answer, difficulty, flashcard_set_id) \
               VALUES ('{card}', {}, {}, 'EASY', '{set}');",
            quote(title),
            user.as_uuid(),
            quote(question),
            quote(answer)
        ))
        .await;
        (set, card)
    }
}

fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Runs `test` on a fresh database, then drops the database whatever happened.
async fn with_env<F, Fut>(test: F)
where
    F: FnOnce(Arc<Env>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let server = server_url();
    let name = format!("smoke_{}", Uuid::new_v4().simple());
    let mut admin = AsyncPgConnection::establish(&server)
        .await
        .expect("PostgreSQL must be reachable at DATABASE_URL");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let url = with_database(&server, &name);
    let config = DatabaseConfig::new(url.clone());
    let outcome = async {
        sophie_persistence::run_pending_migrations(&config)
            .await
            .unwrap();
        let clock = Arc::new(TestClock(Mutex::new(start())));
        let db = Database::connect_lazy(&config).unwrap();
        let env = Arc::new(Env {
            store: PostgresStore::with_clock(db.clone(), clock.clone()),
            queue: PostgresJobQueue::with_clock(db, clock.clone()),
            clock,
            url: url.clone(),
        });
        tokio::spawn(test(env)).await
    }
    .await;
    admin
        .batch_execute(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    if let Err(error) = outcome {
        std::panic::resume_unwind(error.into_panic());
    }
}

#[track_caller]
fn expect_not_found<T: std::fmt::Debug>(result: DomainResult<T>, entity: &str) {
    match result {
        Err(DomainError::NotFound { entity: e }) if e == entity => {}
        other => panic!("expected NotFound on {entity}, got {other:?}"),
    }
}

#[track_caller]
fn expect_conflict<T: std::fmt::Debug>(result: DomainResult<T>, field: &str) {
    match result {
        Err(DomainError::Conflict { field: Some(f), .. }) if f == field => {}
        other => panic!("expected Conflict on {field}, got {other:?}"),
    }
}

#[track_caller]
fn expect_validation<T: std::fmt::Debug>(result: DomainResult<T>, field: &str) {
    match result {
        Err(DomainError::Validation { field: f, .. }) if f == field => {}
        other => panic!("expected Validation on {field}, got {other:?}"),
    }
}

fn title(text: &str) -> Title {
    Title::parse(text).unwrap()
}

fn page(limit: u32, cursor: Option<sophie_domain::Cursor>) -> PageRequest {
    PageRequest::new(Some(limit), cursor).unwrap()
}

fn query(text: &str) -> SearchQuery {
    SearchQuery::new(text, None).unwrap()
}

const MODEL: &str = "test-model";

fn chunk(index: i32, content: &str, embedding: Option<Vec<f32>>) -> NewDocumentChunk {
    NewDocumentChunk {
        content: content.to_owned(),
        page_number: Some(index + 1),
        chunk_index: index,
        embedding_model: embedding.as_ref().map(|_| MODEL.to_owned()),
        embedding,
    }
}

fn by_model(vector: Vec<f32>) -> QueryEmbedding {
    QueryEmbedding {
        model: MODEL.to_owned(),
        vector,
    }
}

// ------------------------------------------------------------------------------- chats

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chats_keep_messages_oldest_first_and_to_their_owner() {
    with_env(|env| async move {
        let s = &env.store;
        let ada = env.user("ada").await;
        let bob = env.user("bob").await;
        let course = env.course(ada).await;
        let bobs_course = env.course(bob).await;

        expect_not_found(
            s.create_session(
                ada,
                NewChatSession {
                    title: title("x"),
                    course_id: Some(bobs_course),
                },
            )
            .await,
            "course",
        );
        expect_not_found(
            s.create_session(
                UserId::new(),
                NewChatSession {
                    title: title("x"),
                    course_id: None,
                },
            )
            .await,
            "user",
        );
        let chat = s
            .create_session(
                ada,
                NewChatSession {
                    title: title("Cells"),
                    course_id: Some(course),
                },
            )
            .await
            .unwrap();
        assert_eq!(chat.course_id, Some(course));
        assert_eq!(chat.created_at, start());
        let other = s
            .create_session(
                ada,
                NewChatSession {
                    title: title("Other"),
                    course_id: None,
                },
            )
            .await
            .unwrap();
        let filtered = s
            .list_sessions(
                ada,
                ChatSessionFilter {
                    course_id: Some(course),
                },
                page(10, None),
            )
            .await
            .unwrap();
        assert_eq!(
            filtered.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            [chat.id]
        );
        let all = s
            .list_sessions(ada, ChatSessionFilter::default(), page(10, None))
            .await
            .unwrap();
        assert_eq!(
            all.items.iter().map(|c| c.id).collect::<Vec<_>>(),
            [other.id, chat.id]
        );

        let reference = ChatReference {
            kind: SourceKind::Note,
            id: Uuid::now_v7(),
            title: "Photosynthesis".into(),
            snippet: Some("light".into()),
            page_number: None,
            document_id: None,
            note_id: None,
            chunk_id: None,
            quote: Some("the light reactions".into()),
        };
        let mut sent = Vec::new();
        for i in 0..5 {
            let message = s
                .add_message(
                    ada,
                    chat.id,
                    NewChatMessage {
                        content: MessageText::parse(format!("message {i}")).unwrap(),
                        message_type: if i % 2 == 0 {
                            MessageType::User
                        } else {
                            MessageType::Assistant
                        },
                        references: if i == 1 {
                            vec![reference.clone()]
                        } else {
                            Vec::new()
                        },
                    },
                )
                .await
                .unwrap();
            sent.push(message.id);
        }
        let first = s.list_messages(ada, chat.id, page(3, None)).await.unwrap();
        let second = s
            .list_messages(ada, chat.id, page(3, first.next_cursor))
            .await
            .unwrap();
        assert!(second.next_cursor.is_none());
        let read: Vec<_> = first
            .items
            .iter()
            .chain(&second.items)
            .map(|m| m.id)
            .collect();
        assert_eq!(read, sent, "oldest first, by id when the times are equal");
        assert_eq!(first.items[1].references, [reference]);
        assert!(first.items[0].references.is_empty());
        assert_eq!(first.items[1].message_type, MessageType::Assistant);

        expect_not_found(
            s.list_messages(bob, chat.id, page(3, None)).await,
            "chat session",
        );
        expect_not_found(
            s.add_message(
                bob,
                chat.id,
                NewChatMessage {
                    content: MessageText::parse("hi").unwrap(),
                    message_type: MessageType::User,
                    references: Vec::new(),
                },
            )
            .await,
            "chat session",
        );
        expect_not_found(s.get_session(bob, chat.id).await, "chat session");
        expect_not_found(
            s.update_session(
                bob,
                chat.id,
                ChatSessionUpdate {
                    title: None,
                    course_id: Some(Some(course)),
                },
            )
            .await,
            "chat session",
        );
        expect_not_found(
            s.update_session(
                ada,
                chat.id,
                ChatSessionUpdate {
                    title: None,
                    course_id: Some(Some(bobs_course)),
                },
            )
            .await,
            "course",
        );
        env.clock.advance(TimeDelta::seconds(1));
        let renamed = s
            .update_session(
                ada,
                chat.id,
                ChatSessionUpdate {
                    title: Some(title("Renamed")),
                    course_id: Some(None),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (renamed.title.as_str(), renamed.course_id),
            ("Renamed", None)
        );
        assert_eq!(renamed.updated_at, start() + TimeDelta::seconds(1));

        expect_not_found(s.delete_session(bob, chat.id).await, "chat session");
        s.delete_session(ada, chat.id).await.unwrap();
        expect_not_found(
            s.list_messages(ada, chat.id, page(3, None)).await,
            "chat session",
        );
    })
    .await;
}

// ------------------------------------------------------------------------------- calendar

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calendar_lists_by_start_date_with_filters() {
    with_env(|env| async move {
        let s: &dyn CalendarRepository = &env.store;
        let ada = env.user("ada").await;
        let bob = env.user("bob").await;
        let course = env.course(ada).await;
        let bobs_document = env.document(bob, "Syllabus").await;
        let event =
            |title_text: &str, start_hours: i64, end_hours: Option<i64>, kind: EventType| {
                NewCalendarEvent {
                    title: title(title_text),
                    description: None,
                    schedule: EventSchedule::new(
                        start() + TimeDelta::hours(start_hours),
                        end_hours.map(|h| start() + TimeDelta::hours(h)),
                    )
                    .unwrap(),
                    reminders: sophie_domain::values::Reminders::default(),
                    event_type: kind,
                    location: None,
                    priority: None,
                    color: Color::parse("blue").unwrap(),
                    google_event_id: None,
                    google_calendar_id: None,
                    course_id: None,
                    document_id: None,
                }
            };
        expect_not_found(
            s.create(
                ada,
                NewCalendarEvent {
                    document_id: Some(bobs_document),
                    ..event("x", 0, None, EventType::Exam)
                },
            )
            .await,
            "document",
        );
        let lecture = s
            .create(
                ada,
                NewCalendarEvent {
                    course_id: Some(course),
                    ..event("Lecture", 5, Some(7), EventType::Lecture)
                },
            )
            .await
            .unwrap();
        let exam = s
            .create(ada, event("Exam", 1, None, EventType::Exam))
            .await
            .unwrap();
        let lab = s
            .create(ada, event("Lab", 3, Some(10), EventType::Lab))
            .await
            .unwrap();
        let late = s
            .create(ada, event("Late", 20, None, EventType::Exam))
            .await
            .unwrap();
        s.create(bob, event("Bob's", 2, None, EventType::Exam))
            .await
            .unwrap();

        let first = s
            .list(ada, CalendarFilter::default(), page(2, None))
            .await
            .unwrap();
        let second = s
            .list(ada, CalendarFilter::default(), page(2, first.next_cursor))
            .await
            .unwrap();
        let order: Vec<_> = first
            .items
            .iter()
            .chain(&second.items)
            .map(|e| e.id)
            .collect();
        assert_eq!(order, [exam.id, lab.id, lecture.id, late.id]);

        // Still going on at +6h: the lab (ends +10h), the lecture (ends +7h), and the late exam;
        // starting before +20h.
        let filter = CalendarFilter {
            from: Some(start() + TimeDelta::hours(6)),
            to: Some(start() + TimeDelta::hours(20)),
            ..CalendarFilter::default()
        };
        let found = s.list(ada, filter, page(10, None)).await.unwrap();
        assert_eq!(
            found.items.iter().map(|e| e.id).collect::<Vec<_>>(),
            [lab.id, lecture.id]
        );
        let exams = CalendarFilter {
            event_type: Some(EventType::Exam),
            ..CalendarFilter::default()
        };
        assert_eq!(
            s.list(ada, exams, page(10, None))
                .await
                .unwrap()
                .items
                .len(),
            2
        );
        let of_course = CalendarFilter {
            course_id: Some(course),
            ..CalendarFilter::default()
        };
        assert_eq!(
            s.list(ada, of_course, page(10, None)).await.unwrap().items[0].id,
            lecture.id
        );

        let moved = s
            .update(
                ada,
                exam.id,
                CalendarEventUpdate {
                    schedule: Some(
                        EventSchedule::new(
                            start() + TimeDelta::hours(30),
                            Some(start() + TimeDelta::hours(31)),
                        )
                        .unwrap(),
                    ),
                    location: Some(Some(
                        sophie_domain::values::ShortText::parse("Room 1").unwrap(),
                    )),
                    ..CalendarEventUpdate::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(moved.start_date, start() + TimeDelta::hours(30));
        assert_eq!(moved.end_date, Some(start() + TimeDelta::hours(31)));
        assert_eq!(moved.location.as_deref(), Some("Room 1"));
        expect_not_found(
            s.update(
                ada,
                exam.id,
                CalendarEventUpdate {
                    document_id: Some(Some(bobs_document)),
                    ..CalendarEventUpdate::default()
                },
            )
            .await,
            "document",
        );
        expect_not_found(
            s.update(
                bob,
                exam.id,
                CalendarEventUpdate {
                    document_id: Some(Some(bobs_document)),
                    ..CalendarEventUpdate::default()
                },
            )
            .await,
            "calendar event",
        );
        expect_not_found(s.get(bob, exam.id).await, "calendar event");
        expect_not_found(s.delete(bob, exam.id).await, "calendar event");
        s.delete(ada, exam.id).await.unwrap();
        expect_not_found(s.get(ada, exam.id).await, "calendar event");
    })
    .await;
}

// ------------------------------------------------------------------- imports, notifications

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_claim_once_and_cancel_once_and_notifications_count() {
    with_env(|env| async move {
        let s: &dyn ImportJobRepository = &env.store;
        let ns: &dyn NotificationRepository = &env.store;
        let ada = env.user("ada").await;
        let bob = env.user("bob").await;
        let document = env.document(ada, "Lecture").await;
        let note = env.note(ada, "Transcript", "...").await;
        let bobs_note = env.note(bob, "Bob's", "...").await;
        let new = |document_id| NewImportJob {
            source: ImportSource::File,
            source_url: None,
            title: Some(title("Import")),
            document_id,
        };
        let first = s.create(ada, new(Some(document))).await.unwrap();
        assert_eq!((first.status, first.progress), (JobStatus::Pending, 0));
        expect_conflict(s.create(ada, new(Some(document))).await, "documentId");
        expect_not_found(s.create(bob, new(Some(document))).await, "document");
        let second = s.create(ada, new(None)).await.unwrap();

        let claim_note = ImportJobUpdate {
            note_id: Some(Some(note)),
            ..ImportJobUpdate::default()
        };
        let updated = s.update(ada, first.id, claim_note.clone()).await.unwrap();
        assert_eq!(updated.note_id, Some(note));
        s.update(ada, first.id, claim_note.clone()).await.unwrap();
        expect_conflict(s.update(ada, second.id, claim_note.clone()).await, "noteId");
        expect_not_found(s.update(bob, second.id, claim_note).await, "import job");
        expect_not_found(
            s.update(
                ada,
                second.id,
                ImportJobUpdate {
                    note_id: Some(Some(bobs_note)),
                    ..ImportJobUpdate::default()
                },
            )
            .await,
            "note",
        );
        let progressed = s
            .update(
                ada,
                second.id,
                ImportJobUpdate {
                    status: Some(JobStatus::Processing),
                    progress: Some(Progress::new(40).unwrap()),
                    ..ImportJobUpdate::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (progressed.status, progressed.progress),
            (JobStatus::Processing, 40)
        );

        let processing = ImportJobFilter {
            status: Some(JobStatus::Processing),
        };
        let listed = s.list(ada, processing, page(10, None)).await.unwrap();
        assert_eq!(
            listed.items.iter().map(|j| j.id).collect::<Vec<_>>(),
            [second.id]
        );

        expect_not_found(s.cancel(bob, second.id).await, "import job");
        env.clock.advance(TimeDelta::seconds(5));
        let cancelled = s.cancel(ada, second.id).await.unwrap();
        assert_eq!(cancelled.status, JobStatus::Cancelled);
        assert_eq!(
            cancelled.completed_at,
            Some(start() + TimeDelta::seconds(5))
        );
        expect_conflict(s.cancel(ada, second.id).await, "status");
        expect_not_found(s.delete(bob, second.id).await, "import job");
        s.delete(ada, second.id).await.unwrap();
        expect_not_found(s.get(ada, second.id).await, "import job");

        // Notifications.
        let notify = |text: &str| NewNotification {
            notification_type: NotificationType::ImportCompleted,
            title: title(text),
            message: MessageText::parse("done").unwrap(),
            link: None,
        };
        let n1 = ns.create(ada, notify("one")).await.unwrap();
        env.clock.advance(TimeDelta::seconds(1));
        let n2 = ns.create(ada, notify("two")).await.unwrap();
        env.clock.advance(TimeDelta::seconds(1));
        let n3 = ns.create(ada, notify("three")).await.unwrap();
        ns.create(bob, notify("bob's")).await.unwrap();
        assert_eq!(ns.count_unread(ada).await.unwrap(), 3);
        let read = ns.mark_read(ada, n2.id).await.unwrap();
        assert!(read.read);
        expect_not_found(ns.mark_read(bob, n1.id).await, "notification");
        let unread = ns
            .list(
                ada,
                NotificationFilter { unread_only: true },
                page(10, None),
            )
            .await
            .unwrap();
        assert_eq!(
            unread.items.iter().map(|n| n.id).collect::<Vec<_>>(),
            [n3.id, n1.id]
        );
        assert_eq!(ns.mark_all_read(ada).await.unwrap(), 2);
        assert_eq!(ns.mark_all_read(ada).await.unwrap(), 0);
        assert_eq!(ns.count_unread(ada).await.unwrap(), 0);
        assert_eq!(ns.count_unread(bob).await.unwrap(), 1);
        expect_not_found(ns.delete(bob, n1.id).await, "notification");
        ns.delete(ada, n1.id).await.unwrap();
    })
    .await;
}

// ------------------------------------------------------------------------------- search

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_the_users_material_with_every_word() {
    with_env(|env| async move {
        let s = &env.store;
        let ada = env.user("ada").await;
        let bob = env.user("bob").await;
        let n = env
            .note(ada, "Photosynthesis", "Plants turn light into sugar")
            .await;
        let (set, card) = env
            .card(ada, "Botany", "What do plants need?", "Light and water")
            .await;
        let d = env.document(ada, "Textbook").await;
        s.replace_chunks(
            ada,
            d,
            vec![
                chunk(0, "Chlorophyll absorbs LIGHT", None),
                chunk(1, "Unrelated text", None),
            ],
        )
        .await
        .unwrap();
        env.note(bob, "Bob's light reading", "light light light")
            .await;

        let hits = s.search(ada, query("light")).await.unwrap();
        assert_eq!(hits.len(), 3, "{hits:#?}");
        let note_hit = hits.iter().find(|h| h.kind == SourceKind::Note).unwrap();
        assert_eq!((note_hit.id, note_hit.parent_id), (n.as_uuid(), None));
        assert_eq!(note_hit.title, "Photosynthesis");
        assert_eq!(
            note_hit.snippet,
            "Photosynthesis Plants turn light into sugar"
        );
        let card_hit = hits
            .iter()
            .find(|h| h.kind == SourceKind::Flashcard)
            .unwrap();
        assert_eq!((card_hit.id, card_hit.parent_id), (card, Some(set)));
        assert_eq!(card_hit.title, "Botany");
        let chunk_hit = hits
            .iter()
            .find(|h| h.kind == SourceKind::Document)
            .unwrap();
        assert_eq!(chunk_hit.parent_id, Some(d.as_uuid()));
        assert_eq!(
            (chunk_hit.title.as_str(), chunk_hit.page_number),
            ("Textbook", Some(1))
        );
        assert_eq!(chunk_hit.snippet, "Chlorophyll absorbs LIGHT");
        assert!(
            hits.iter().all(|h| (0.0..=1.0).contains(&h.score)),
            "{hits:#?}"
        );
        assert!(hits.windows(2).all(|p| p[0].score >= p[1].score));

        let hits = s.search(ada, query("PLANT  sug")).await.unwrap();
        assert_eq!(
            hits.iter().map(|h| h.kind).collect::<Vec<_>>(),
            [SourceKind::Note]
        );
        assert!(
            s.search(ada, query("light banana"))
                .await
                .unwrap()
                .is_empty()
        );
        assert_eq!(s.search(bob, query("light")).await.unwrap().len(), 1);
        let limited = s
            .search(ada, SearchQuery::new("light", Some(2)).unwrap())
            .await
            .unwrap();
        assert_eq!(limited.len(), 2);

        // LIKE's wildcards and escape character in the query match themselves.
        let percent = env.note(ada, "Sale", "50% off everything").await;
        env.note(ada, "Stock", "500 items in stock").await;
        let underscore = env.note(ada, "Code", "call snake_case here").await;
        env.note(ada, "Prose", "snakeXcase is not it").await;
        let backslash = env.note(ada, "Path", r"C:\temp\file").await;
        let ids = |hits: Vec<sophie_domain::SearchHit>| {
            hits.into_iter().map(|h| h.id).collect::<Vec<_>>()
        };
        assert_eq!(
            ids(s.search(ada, query("50%")).await.unwrap()),
            [percent.as_uuid()]
        );
        assert_eq!(
            ids(s.search(ada, query("e_c")).await.unwrap()),
            [underscore.as_uuid()]
        );
        assert_eq!(
            ids(s.search(ada, query(r"C:\temp")).await.unwrap()),
            [backslash.as_uuid()]
        );
        assert!(s.search(ada, query("%")).await.unwrap().len() == 1);
        assert!(s.search(ada, query("_")).await.unwrap().len() == 1);
        assert!(
            SearchQuery::new("a\0b", None).is_err(),
            "NUL is refused before it reaches SQL"
        );
        assert!(
            s.search(ada, query("the of")).await.is_ok(),
            "stop words only"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_ranks_and_cuts_snippets_on_characters() {
    with_env(|env| async move {
        let s = &env.store;
        let ada = env.user("ada").await;
        let once = env.note(ada, "Notes", "enzyme").await;
        let thrice = env.note(ada, "More", "enzyme enzyme enzyme").await;
        let titled = env.note(ada, "Enzyme kinetics", "enzyme").await;
        let hits = s.search(ada, query("enzyme")).await.unwrap();
        let order: Vec<_> = hits.iter().map(|h| h.id).collect();
        assert_eq!(order.len(), 3);
        assert_eq!(
            order[2],
            once.as_uuid(),
            "fewest occurrences last: {hits:#?}"
        );
        assert!(order.contains(&thrice.as_uuid()) && order.contains(&titled.as_uuid()));
        assert_eq!(
            s.search(ada, query("enzyme")).await.unwrap(),
            hits,
            "stable"
        );

        let before = "é🦀ß ".repeat(100);
        let after = " ÅÄÖ".repeat(100);
        env.note(ada, "Long", &format!("{before}Mitochondrion{after}"))
            .await;
        let hit = &s.search(ada, query("mitochondrion")).await.unwrap()[0];
        assert!(
            hit.snippet.starts_with('…') && hit.snippet.ends_with('…'),
            "{}",
            hit.snippet
        );
        assert!(hit.snippet.contains("Mitochondrion"));
        assert!(hit.snippet.chars().count() <= 162);
        // Case-insensitive beyond ASCII.
        assert_eq!(
            s.search(ada, query("åäö mitoCHONdrion"))
                .await
                .unwrap()
                .len(),
            1
        );

        env.note(ada, "Ends", &format!("{}target", "x".repeat(300)))
            .await;
        let hit = &s.search(ada, query("TARGET")).await.unwrap();
        let hit = hit.iter().find(|h| h.title == "Ends").unwrap();
        assert!(hit.snippet.starts_with('…'));
        assert!(hit.snippet.ends_with("target"), "{}", hit.snippet);
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passages_holding_the_words_together_rank_first() {
    with_env(|env| async move {
        let s = &env.store;
        let ada = env.user("ada").await;
        let d = env.document(ada, "Reader").await;
        let filler = "Unrelated words fill this sentence of the lecture. ".repeat(8);
        let apart = format!("Osmotic {filler}pressure.");
        let together = format!("{filler}Osmotic pressure.");
        let long = format!("Osmotic pressure. {}", filler.repeat(20));
        s.replace_chunks(
            ada,
            d,
            vec![
                chunk(0, &apart, None),
                chunk(1, &together, None),
                chunk(2, &long, None),
            ],
        )
        .await
        .unwrap();
        let chunks = s.list_chunks(ada, d).await.unwrap();
        let hits = s.search(ada, query("osmotic pressure")).await.unwrap();
        let order: Vec<_> = hits.iter().map(|h| h.id).collect();
        assert_eq!(order.len(), 3, "{hits:#?}");
        assert_eq!(
            order[2],
            chunks[0].id.as_uuid(),
            "the words far apart rank last: {hits:#?}"
        );
        assert!(
            hits[0].snippet.contains("Osmotic pressure")
                && hits[1].snippet.contains("Osmotic pressure"),
            "{hits:#?}"
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chunks_are_replaced_atomically_and_found_by_cosine_similarity() {
    with_env(|env| async move {
        let s = &env.store;
        let ada = env.user("ada").await;
        let bob = env.user("bob").await;
        let d = env.document(ada, "Ada's").await;
        let written = s
            .replace_chunks(
                ada,
                d,
                vec![chunk(1, "second", None), chunk(0, "first", None)],
            )
            .await
            .unwrap();
        assert_eq!(written, 2);
        let texts = || async {
            s.list_chunks(ada, d)
                .await
                .unwrap()
                .into_iter()
                .map(|c| (c.chunk_index, c.content))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            texts().await,
            [(0, "first".to_owned()), (1, "second".to_owned())]
        );
        expect_validation(
            s.replace_chunks(ada, d, vec![chunk(0, "a", None), chunk(0, "b", None)])
                .await,
            "chunks",
        );
        expect_validation(
            s.replace_chunks(ada, d, vec![chunk(0, "a", None), chunk(1, "  \n ", None)])
                .await,
            "chunks",
        );
        expect_validation(
            s.replace_chunks(ada, d, vec![chunk(-1, "a", None)]).await,
            "chunks",
        );
        expect_not_found(s.replace_chunks(bob, d, Vec::new()).await, "document");
        expect_not_found(s.list_chunks(bob, d).await, "document");
        assert_eq!(
            texts().await.len(),
            2,
            "a refused replacement leaves the old chunks"
        );
        assert_eq!(s.replace_chunks(ada, d, Vec::new()).await.unwrap(), 0);
        assert!(texts().await.is_empty());
        assert!(s.list_chunks(ada, d).await.unwrap().is_empty());

        // Many chunks: more than one INSERT batch.
        let many: Vec<_> = (0..5_000)
            .map(|i| chunk(i, &format!("chunk {i}"), Some(vec![1.0, 0.5])))
            .collect();
        assert_eq!(s.replace_chunks(ada, d, many).await.unwrap(), 5_000);
        assert_eq!(s.list_chunks(ada, d).await.unwrap().len(), 5_000);

        s.replace_chunks(
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
        let listed = s.list_chunks(ada, d).await.unwrap();
        assert_eq!(listed[2].embedding, Some(vec![1.0, 1.0]));
        assert_eq!(listed[2].embedding_model.as_deref(), Some(MODEL));
        assert_eq!(listed[4].embedding, None);
        assert_eq!(listed[4].embedding_model, None);
        for bad in [vec![f32::NAN, 1.0], vec![f32::INFINITY, 1.0], Vec::new()] {
            expect_validation(
                s.replace_chunks(ada, d, vec![chunk(0, "bad", Some(bad))])
                    .await,
                "chunks",
            );
        }
        let bobs = env.document(bob, "Bob's").await;
        s.replace_chunks(bob, bobs, vec![chunk(0, "bob", Some(vec![1.0, 0.0]))])
            .await
            .unwrap();

        let nearest = s
            .nearest_chunks(ada, by_model(vec![1.0, 0.0]), 10)
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
        assert_eq!(nearest[0].chunk.embedding, Some(vec![2.0, 0.0]));
        assert_eq!(
            s.nearest_chunks(ada, by_model(vec![1.0, 0.0]), 2)
                .await
                .unwrap()
                .len(),
            2
        );
        assert!(
            s.nearest_chunks(ada, by_model(Vec::new()), 5)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            s.nearest_chunks(ada, by_model(vec![1.0, 0.0]), 0)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            s.nearest_chunks(ada, by_model(vec![0.0, 0.0]), 5)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            s.nearest_chunks(ada, by_model(vec![f32::NAN, 0.0]), 5)
                .await
                .unwrap()
                .is_empty()
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replace_chunks_writes_the_owner_model_and_sign_bits() {
    with_env(|env| async move {
        let s = &env.store;
        let ada = env.user("ada").await;
        let d = env.document(ada, "Ada's").await;
        s.replace_chunks(
            ada,
            d,
            vec![
                chunk(
                    0,
                    "signs",
                    Some(vec![0.5, -1.0, 0.0, 2.0, -0.0, 1.0, 1.0, -3.0, 0.25]),
                ),
                chunk(1, "no vector", None),
            ],
        )
        .await
        .unwrap();
        let (client, connection) = tokio_postgres::connect(&env.url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(connection);
        let rows = client
            .query(
                "SELECT user_id::text, embedding_model, embedding_bits::text \
                 FROM document_search_index ORDER BY chunk_index",
                &[],
            )
            .await
            .unwrap();
        let read: Vec<(String, Option<String>, Option<String>)> = rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2)))
            .collect();
        let owner = ada.as_uuid().to_string();
        assert_eq!(
            read,
            [
                (
                    owner.clone(),
                    Some(MODEL.to_owned()),
                    Some("100101101".to_owned())
                ),
                (owner, None, None),
            ],
            "the owner, model or sign bits (1 for each positive component) are not written"
        );

        // The schema holds the three together, and the vector to four bytes a bit.
        let one = r"'\x3f800000'";
        for (model, embedding, bits) in [
            ("'m'", "NULL", "NULL"),
            ("NULL", one, "NULL"),
            ("NULL", "NULL", "B'1'"),
            ("'m'", one, "NULL"),
            ("'m'", one, "B'11'"),
            ("'m'", r"'\x3f8000'", "B'1'"),
        ] {
            let refused = client
                .execute(
                    &format!(
                        "INSERT INTO document_search_index (document_id, user_id, content, \
                         chunk_index, embedding_model, embedding, embedding_bits) \
                         VALUES ('{}', '{}', 'x', 9, {model}, {embedding}, {bits})",
                        d.as_uuid(),
                        ada.as_uuid()
                    ),
                    &[],
                )
                .await;
            assert_eq!(
                refused.as_ref().err().and_then(|e| e.code()),
                Some(&tokio_postgres::error::SqlState::CHECK_VIOLATION),
                "model {model}, embedding {embedding}, bits {bits}: {refused:?}"
            );
        }

        // Deleting the user deletes their chunks through user_id too.
        env.sql(&format!("DELETE FROM users WHERE id = '{}'", ada.as_uuid()))
            .await;
        let left: i64 = client
            .query_one("SELECT count(*) FROM document_search_index", &[])
            .await
            .unwrap()
            .get(0);
        assert_eq!(left, 0);
    })
    .await;
}

/// A vector of `n` values from a seeded xorshift generator, in -1..1.
fn pseudo_random(seed: u64, n: usize) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            #[allow(clippy::cast_precision_loss)]
            let unit = (state >> 40) as f32 / (1_u64 << 24) as f32;
            unit.mul_add(2.0, -1.0)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vector_search_reranks_hamming_candidates_by_exact_cosine() {
    with_env(|env| async move {
        let ada = env.user("ada").await;
        let d = env.document(ada, "Many").await;
        let dims = 64;
        let query = pseudo_random(7, dims);
        // 1,200 passages: twelve near the query (small perturbations), the rest random.
        let vectors: Vec<Vec<f32>> = (0..1_200_u64)
            .map(|i| {
                if i % 100 == 0 {
                    let noise = pseudo_random(1_000 + i, dims);
                    query
                        .iter()
                        .zip(noise)
                        .map(|(q, n)| n.mul_add(0.2, *q))
                        .collect()
                } else {
                    pseudo_random(i + 10_000, dims)
                }
            })
            .collect();
        let chunks = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| {
                chunk(
                    i32::try_from(i).unwrap(),
                    &format!("passage {i}"),
                    Some(v.clone()),
                )
            })
            .collect();
        env.store.replace_chunks(ada, d, chunks).await.unwrap();
        let listed = env.store.list_chunks(ada, d).await.unwrap();

        let cosine = |v: &[f32]| sophie_domain::cosine_similarity(&query, v).unwrap();
        let mut exact: Vec<(f32, Uuid)> = listed
            .iter()
            .map(|c| (cosine(c.embedding.as_deref().unwrap()), c.id.as_uuid()))
            .collect();
        exact.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));

        // The student's sign bits ranked in memory; in SQL, with memory for them turned off;
        // and in SQL with too little memory for them (4 KiB: 1,200 chunks do not fit).
        for (s, memory) in [
            (env.store.clone(), "default"),
            (env.store.clone().with_search_memory(0), "none"),
            (env.store.clone().with_search_memory(4_096), "4 KiB"),
        ] {
            let s = &s;
            let nearest = s
                .nearest_chunks(ada, by_model(query.clone()), 12)
                .await
                .unwrap();
            assert_eq!(
                nearest
                    .iter()
                    .map(|m| (m.similarity, m.chunk.id.as_uuid()))
                    .collect::<Vec<_>>(),
                exact[..12],
                "memory {memory}: the twelve near passages are not found in exact cosine order"
            );
            assert!(nearest.iter().all(|m| m.chunk.chunk_index % 100 == 0));

            let hits = s
                .search(
                    ada,
                    SearchQuery::new("xylophone", Some(12))
                        .unwrap()
                        .with_embedding(by_model(query.clone())),
                )
                .await
                .unwrap();
            assert_eq!(
                hits.iter().map(|h| h.id).collect::<Vec<_>>(),
                exact[..12].iter().map(|(_, id)| *id).collect::<Vec<_>>(),
                "memory {memory}: hybrid search does not rank passages found by similarity alone in cosine order"
            );
            assert_eq!(
                hits[0].snippet,
                format!("passage {}", nearest[0].chunk.chunk_index)
            );
        }
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vector_search_sees_every_change_made_through_another_server() {
    with_env(|env| async move {
        // Two servers over one database, each keeping sign bits in memory.
        let here = &env.store;
        let there = PostgresStore::new(
            Database::connect_lazy(&DatabaseConfig::new(env.url.clone())).unwrap(),
        );
        let ada = env.user("ada").await;
        let course = env.course(ada).await;
        let first = env.document(ada, "First").await;
        let second = env.document(ada, "Second").await;
        let query = || by_model(vec![1.0, 0.1]);
        let nearest = || async {
            here.nearest_chunks(ada, query(), 10)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.chunk.content)
                .collect::<Vec<_>>()
        };
        // No word matches: only the vector part finds anything.
        let in_course = || async {
            here.search(
                ada,
                SearchQuery::new("zzz", None)
                    .unwrap()
                    .with_course(course)
                    .with_embedding(query()),
            )
            .await
            .unwrap()
            .into_iter()
            .map(|hit| hit.snippet)
            .collect::<Vec<_>>()
        };

        assert!(nearest().await.is_empty());
        there
            .replace_chunks(
                ada,
                first,
                vec![
                    chunk(0, "east", Some(vec![1.0, 0.0])),
                    chunk(1, "north", Some(vec![0.0, 1.0])),
                ],
            )
            .await
            .unwrap();
        assert_eq!(nearest().await, ["east", "north"], "chunks written");
        there
            .replace_chunks(ada, second, vec![chunk(0, "closer", Some(vec![1.0, 0.1]))])
            .await
            .unwrap();
        assert_eq!(nearest().await, ["closer", "east", "north"], "chunks added");

        assert!(in_course().await.is_empty());
        env.sql(&format!(
            "UPDATE documents SET course_id = '{}' WHERE id = '{}'",
            course.as_uuid(),
            first.as_uuid()
        ))
        .await;
        assert_eq!(in_course().await, ["east", "north"], "a document moved in");
        let idea = env.note(ada, "Idea", "thoughts").await;
        there
            .replace_note_chunks(ada, idea, vec![chunk(0, "idea", Some(vec![1.0, -1.0]))])
            .await
            .unwrap();
        assert_eq!(in_course().await, ["east", "north"], "a note elsewhere");
        env.sql(&format!(
            "UPDATE notes SET course_id = '{}' WHERE id = '{}'",
            course.as_uuid(),
            idea.as_uuid()
        ))
        .await;
        assert_eq!(
            in_course().await,
            ["east", "idea", "north"],
            "a note moved in"
        );
        env.sql(&format!(
            "DELETE FROM courses WHERE id = '{}'",
            course.as_uuid()
        ))
        .await;
        assert!(in_course().await.is_empty(), "its course deleted");

        env.sql(&format!(
            "DELETE FROM documents WHERE id = '{}'",
            first.as_uuid()
        ))
        .await;
        assert_eq!(nearest().await, ["closer"], "a document deleted");
        there.replace_chunks(ada, second, Vec::new()).await.unwrap();
        assert!(nearest().await.is_empty(), "chunks removed");
    })
    .await;
}

// ------------------------------------------------------------------------------- the queue

const LEASE: Duration = Duration::from_secs(30);

fn job(kind: &str, priority: i32) -> NewBackgroundJob {
    NewBackgroundJob {
        priority,
        ..NewBackgroundJob::new(kind, serde_json::json!({ "n": priority }))
    }
}

fn kinds(names: &[&str]) -> Vec<String> {
    names.iter().map(|&n| n.to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_queue_claims_by_priority_leases_retries_and_rescues() {
    with_env(|env| async move {
        let q = &env.queue;
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
        assert_eq!(urgent.payload, serde_json::json!({ "n": 9 }));

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
        env.clock.advance(TimeDelta::minutes(1));
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
        for id in claimed {
            q.complete(id, "w1".into()).await.unwrap();
        }
        q.complete(future.id, "w2".into()).await.unwrap();
        q.complete(other_kind.id, "w2".into()).await.unwrap();

        // Unique keys.
        let keyed = |key: &str| NewBackgroundJob {
            unique_key: Some(key.to_owned()),
            ..job("generate", 0)
        };
        let first = q.enqueue(keyed("note-1")).await.unwrap();
        assert_eq!(q.enqueue(keyed("note-1")).await.unwrap().id, first.id);
        assert_ne!(q.enqueue(keyed("note-2")).await.unwrap().id, first.id);
        let c = q
            .claim("w".into(), kinds(&["generate"]), LEASE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(c.id, first.id);
        assert_eq!(
            q.enqueue(keyed("note-1")).await.unwrap().id,
            first.id,
            "still running"
        );
        q.complete(first.id, "w".into()).await.unwrap();
        let again = q.enqueue(keyed("note-1")).await.unwrap();
        assert_ne!(again.id, first.id, "a finished job frees its key");
        expect_validation(
            q.enqueue(NewBackgroundJob {
                max_attempts: 0,
                ..job("x", 0)
            })
            .await,
            "maxAttempts",
        );

        // Leases.
        let id = q.enqueue(job("lease", 0)).await.unwrap().id;
        let t0 = env.clock.now();
        q.claim("w1".into(), kinds(&["lease"]), LEASE)
            .await
            .unwrap()
            .unwrap();
        expect_conflict(q.heartbeat(id, "w2".into(), LEASE).await, "lockedBy");
        expect_conflict(q.complete(id, "w2".into()).await, "lockedBy");
        expect_conflict(q.fail(id, "w2".into(), "x".into(), None).await, "lockedBy");
        expect_not_found(
            q.complete(sophie_domain::BackgroundJobId::new(), "w".into())
                .await,
            "background job",
        );
        env.clock.advance(TimeDelta::seconds(20));
        q.heartbeat(id, "w1".into(), LEASE).await.unwrap();
        assert_eq!(
            q.get(id).await.unwrap().locked_until,
            Some(env.clock.now() + TimeDelta::seconds(30))
        );
        assert_eq!(
            q.rescue_expired(t0 + TimeDelta::seconds(31))
                .await
                .unwrap()
                .total(),
            0
        );
        env.clock.advance(TimeDelta::seconds(31));
        assert_eq!(q.rescue_expired(env.clock.now()).await.unwrap().total(), 1);
        let rescued = q.get(id).await.unwrap();
        assert_eq!(rescued.status, JobStatus::Pending);
        assert_eq!((rescued.locked_by, rescued.locked_until), (None, None));
        assert!(rescued.last_error.is_some());
        expect_conflict(q.complete(id, "w1".into()).await, "lockedBy");
        let again = q
            .claim("w2".into(), kinds(&["lease"]), LEASE)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((again.id, again.attempts), (id, 2));
        q.complete(id, "w2".into()).await.unwrap();
        assert_eq!(q.get(id).await.unwrap().status, JobStatus::Completed);

        // Retries.
        let id = q
            .enqueue(NewBackgroundJob {
                max_attempts: 2,
                ..job("retry", 0)
            })
            .await
            .unwrap()
            .id;
        q.claim("w".into(), kinds(&["retry"]), LEASE)
            .await
            .unwrap()
            .unwrap();
        let retry_at = env.clock.now() + TimeDelta::seconds(10);
        let failed = q
            .fail(id, "w".into(), "timeout".into(), Some(retry_at))
            .await
            .unwrap();
        assert_eq!(
            (failed.status, failed.run_at),
            (JobStatus::Pending, retry_at)
        );
        assert_eq!(failed.last_error.as_deref(), Some("timeout"));
        assert_eq!(failed.locked_by, None);
        assert!(
            q.claim("w".into(), kinds(&["retry"]), LEASE)
                .await
                .unwrap()
                .is_none(),
            "not yet"
        );
        env.clock.advance(TimeDelta::seconds(10));
        assert_eq!(
            q.claim("w".into(), kinds(&["retry"]), LEASE)
                .await
                .unwrap()
                .unwrap()
                .attempts,
            2
        );
        let failed = q
            .fail(id, "w".into(), "again".into(), Some(retry_at))
            .await
            .unwrap();
        assert_eq!(failed.status, JobStatus::Failed);
        let last = q
            .enqueue(NewBackgroundJob {
                max_attempts: 1,
                ..job("retry", 0)
            })
            .await
            .unwrap()
            .id;
        q.claim("w".into(), kinds(&["retry"]), LEASE)
            .await
            .unwrap()
            .unwrap();
        env.clock.advance(TimeDelta::minutes(5));
        assert_eq!(q.rescue_expired(env.clock.now()).await.unwrap().total(), 1);
        assert_eq!(q.get(last).await.unwrap().status, JobStatus::Failed);
        assert_eq!(q.rescue_expired(env.clock.now()).await.unwrap().total(), 0);
        expect_not_found(
            q.get(sophie_domain::BackgroundJobId::new()).await,
            "background job",
        );
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_never_claim_the_same_job() {
    with_env(|env| async move {
        for i in 0..200 {
            env.queue.enqueue(job("work", i % 3)).await.unwrap();
        }
        let mut workers = Vec::new();
        for w in 0..8 {
            let q = env.queue.clone();
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
        let mut busy = 0;
        for worker in workers {
            let mine = worker.await.unwrap();
            busy += usize::from(!mine.is_empty());
            for id in mine {
                assert!(seen.insert(id), "a job was claimed twice");
            }
        }
        assert_eq!(seen.len(), 200);
        assert!(busy > 1, "the workers ran concurrently");

        // Concurrent enqueues of one key make one job.
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let q = env.queue.clone();
            tasks.push(tokio::spawn(async move {
                q.enqueue(NewBackgroundJob {
                    unique_key: Some("k".into()),
                    ..job("dedupe", 0)
                })
                .await
                .unwrap()
                .id
            }));
        }
        let mut ids = HashSet::new();
        for task in tasks {
            ids.insert(task.await.unwrap());
        }
        assert_eq!(ids.len(), 1);
    })
    .await;
}
