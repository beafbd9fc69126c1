//! What only the in-memory adapters promise, beyond the repository contract that
//! `contract_memory.rs` runs on them (and `sophie-persistence` runs on PostgreSQL): rows are
//! stamped with the store's clock to the microsecond, so a [`FixedClock`] orders rows, expires
//! leases and reaches retry times without waiting; the lexical search's own matching, ranking and
//! snippets; sharing one store or queue between tasks; and the blob store.
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
use sophie_domain::values::{
    CardText, Color, Email, EventSchedule, FileSize, Markdown, MessageText, Name, PasswordHash,
    Points, QuestionContent, ShortText, Title,
};
use sophie_domain::{
    BlobStore, Clock, Cursor, Difficulty, DomainError, DomainResult, EventType, ImportJobUpdate,
    ImportSource, JobQueue, JobStatus, NewBackgroundJob, NewCalendarEvent, NewCourse, NewDocument,
    NewDocumentChunk, NewImportJob, NewNote, NewNotification, NewQuestion, NewQuiz, NewSession,
    NewUser, NoteFilter, NoteUpdate, NotificationType, Page, PageRequest, QuestionType,
    Repositories, SearchQuery, SourceKind, SourceLinks, UserId,
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

fn question(text: &str, points: i64) -> NewQuestion {
    NewQuestion {
        sources: Vec::new(),
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

fn event(text: &str, starts: DateTime<Utc>) -> NewCalendarEvent {
    NewCalendarEvent {
        title: title(text),
        description: None,
        schedule: EventSchedule::new(starts, None).unwrap(),
        reminders: sophie_domain::values::Reminders::default(),
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
        embedding_model: embedding.as_ref().map(|_| "test-model".to_owned()),
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

fn page(limit: u32, cursor: Option<Cursor>) -> PageRequest {
    PageRequest::new(Some(limit), cursor).unwrap()
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

// ---------------------------------------------------------------- the clock

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
async fn writes_are_stamped_with_the_clock_time() {
    let w = World::new();
    let (ada, _) =
        w.r.users
            .create_with_password(new_user("ada", "ada@example.com"), PasswordHash::new("$a"))
            .await
            .unwrap();
    let ada = ada.id;
    let mut new_note = note("Cells", "body");
    let course = w.r.courses.create(ada, course("Bio")).await.unwrap().id;
    new_note.course_id = Some(course);
    let note_id = w.r.notes.create(ada, new_note).await.unwrap().id;
    let mut new_document = document("Syllabus", "k");
    new_document.course_id = Some(course);
    let document_id = w.r.documents.create(ada, new_document).await.unwrap().id;
    let mut new_event = event("Exam", start());
    new_event.course_id = Some(course);
    let event_id = w.r.calendar.create(ada, new_event).await.unwrap().id;
    let session =
        w.r.sessions
            .create(session(ada, "t", start() + TimeDelta::days(1)))
            .await
            .unwrap();
    let notification =
        w.r.notifications
            .create(ada, notification("N"))
            .await
            .unwrap();
    let quiz =
        w.r.quizzes
            .create(
                ada,
                quiz("Q", SourceLinks::default(), vec![question("a", 1)]),
            )
            .await
            .unwrap();
    let job = w.r.import_jobs.create(ada, import(None)).await.unwrap();
    let claim = ImportJobUpdate {
        note_id: Some(Some(note_id)),
        ..ImportJobUpdate::default()
    };
    let cancelled_job = w.r.import_jobs.create(ada, import(None)).await.unwrap();
    w.r.import_jobs.update(ada, job.id, claim).await.unwrap();

    w.clock.advance(TimeDelta::seconds(5));
    let now = w.now();
    w.r.accounts
        .set_password(ada, PasswordHash::new("$b"))
        .await
        .unwrap();
    let credential = w.r.accounts.find_credential(ada).await.unwrap().unwrap();
    assert_eq!(
        credential.updated_at, now,
        "a password change is stamped with the clock"
    );
    let extended =
        w.r.sessions
            .extend(ada, session.id, start() + TimeDelta::days(7))
            .await
            .unwrap();
    assert_eq!(extended.updated_at, now);
    let read =
        w.r.notifications
            .mark_read(ada, notification.id)
            .await
            .unwrap();
    assert_eq!(read.updated_at, now);
    w.r.quizzes
        .add_question(ada, quiz.quiz.id, question("b", 2))
        .await
        .unwrap();
    assert_eq!(
        w.r.quizzes
            .get(ada, quiz.quiz.id)
            .await
            .unwrap()
            .quiz
            .updated_at,
        now,
        "a question's change touches its quiz at the clock time"
    );
    let cancelled = w.r.import_jobs.cancel(ada, cancelled_job.id).await.unwrap();
    assert_eq!(
        (cancelled.completed_at, cancelled.updated_at),
        (Some(now), now)
    );
    w.r.search
        .replace_chunks(ada, document_id, vec![chunk(0, "only", None)])
        .await
        .unwrap();
    assert_eq!(
        w.r.search.list_chunks(ada, document_id).await.unwrap()[0].created_at,
        now
    );

    // SET NULL fires the updated_at trigger, as in the schema.
    w.clock.advance(TimeDelta::seconds(5));
    let later = w.now();
    w.r.courses.delete(ada, course).await.unwrap();
    let note = w.r.notes.get(ada, note_id).await.unwrap();
    assert_eq!((note.course_id, note.updated_at), (None, later));
    let document = w.r.documents.get(ada, document_id).await.unwrap();
    assert_eq!((document.course_id, document.updated_at), (None, later));
    let event = w.r.calendar.get(ada, event_id).await.unwrap();
    assert_eq!((event.course_id, event.updated_at), (None, later));
    w.clock.advance(TimeDelta::seconds(5));
    w.r.notes.delete(ada, note_id).await.unwrap();
    let job = w.r.import_jobs.get(ada, job.id).await.unwrap();
    assert_eq!((job.note_id, job.updated_at), (None, w.now()));
}

// ---------------------------------------------------------------- ordering under a standing clock

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

// ---------------------------------------------------------------- the lexical search's own rules

#[tokio::test]
async fn search_needs_every_word_and_scores_between_0_and_1() {
    let w = World::new();
    let ada = w.user("ada").await;
    w.r.notes
        .create(ada, note("Photosynthesis", "Plants turn light into sugar"))
        .await
        .unwrap();
    w.r.notes
        .create(ada, note("Optics", "Light bends in water"))
        .await
        .unwrap();
    let hits = w.r.search.search(ada, query("light")).await.unwrap();
    assert_eq!(hits.len(), 2);
    assert!(hits.iter().all(|h| (0.0..=1.0).contains(&h.score)));
    // Every word must occur, in any case, as a word or part of one.
    let hits = w.r.search.search(ada, query("PLANT  sug")).await.unwrap();
    assert_eq!(
        hits.iter().map(|h| h.kind).collect::<Vec<_>>(),
        [SourceKind::Note]
    );
    assert_eq!(hits[0].title, "Photosynthesis");
    assert!(
        w.r.search
            .search(ada, query("light banana"))
            .await
            .unwrap()
            .is_empty()
    );
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

// ---------------------------------------------------------------- the job queue on a fixed clock

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
            .unwrap()
            .total(),
        0
    );
    clock.advance(TimeDelta::seconds(31));
    assert_eq!(q.rescue_expired(clock.now()).await.unwrap().total(), 1);
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
    assert_eq!(q.rescue_expired(clock.now()).await.unwrap().total(), 1);
    assert_eq!(q.get(last).await.unwrap().status, JobStatus::Failed);
    assert_eq!(q.rescue_expired(clock.now()).await.unwrap().total(), 0);
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
