//! Syllabus to events through the extraction service, on the in-memory adapters with a mocked
//! extractor: what the extractor finds is kept only where it stands in the text; times are read
//! in the extraction's zone; accepted proposals become events linked to the document, in its
//! course, with reminders; nothing is made twice, across extractions too; a model that cannot
//! be reached is left to the retries and then fails the extraction.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use chrono::{NaiveDate, NaiveDateTime, TimeZone as _, Utc};
use sophie_domain::jobs::{ExtractEvents, Job, SyncCalendar, decode};
use sophie_domain::memory::{FixedClock, MemoryJobQueue, MemoryStore};
use sophie_domain::services::budget::TokenBudget;
use sophie_domain::services::calendar_sync::{COALESCE, SyncTrigger};
use sophie_domain::services::event_extraction::{
    EventExtractionService, ExtractionOptions, ExtractionOutcome, ExtractionPorts,
};
use sophie_domain::services::reminders::{ReminderPorts, ReminderService};
use sophie_domain::values::{
    Email, FileSize, Locale, Markdown, Name, Reminders, ShortText, TimeZone, Title,
};
use sophie_domain::{
    CalendarFilter, Clock, CourseId, DocumentStatus, DocumentUpdate, DomainError, EventType,
    ExtractionInput, ExtractionSource, FoundEvent, FoundEvents, JobQueue, JobStatus,
    MockEventExtractor, NewAccount, NewCourse, NewDocument, NewDocumentChunk, NewNote, NewUser,
    PageRequest, Priority, Repositories, TokenUsage, UserId, UserUpdate,
};

const PAGE_ONE: &str = "CS 101: Algorithms, Spring 2027\nMidterm exam: March 3, 2027 at 10:00 in Hall B\nHomework 1 due Feb 5";
const PAGE_TWO: &str = "Final exam: May 12, 2027\nSpring break: Mar 15-19";

struct World {
    clock: Arc<FixedClock>,
    r: Repositories,
    queue: Arc<MemoryJobQueue>,
    ada: UserId,
    course: CourseId,
}

fn local(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
}

fn item(title: &str, kind: EventType, start: NaiveDateTime, page: u32, quote: &str) -> FoundEvent {
    FoundEvent {
        title: title.to_owned(),
        event_type: kind,
        start,
        end: None,
        all_day: false,
        location: None,
        page_number: Some(page),
        quote: quote.to_owned(),
    }
}

/// What the mocked extractor finds in the syllabus: three items that stand in it (one quoted
/// with other white space, one on the wrong page) and one that does not.
fn found() -> Vec<FoundEvent> {
    let midterm = FoundEvent {
        end: Some(local(2027, 3, 3, 12)),
        location: Some("Hall B".to_owned()),
        ..item(
            "Midterm exam",
            EventType::Exam,
            local(2027, 3, 3, 10),
            1,
            "Midterm exam:  March 3, 2027 at 10:00 in Hall B",
        )
    };
    let spring_break = FoundEvent {
        all_day: true,
        end: Some(local(2027, 3, 20, 0)),
        ..item(
            "Spring break",
            EventType::Other,
            local(2027, 3, 15, 0),
            1,
            "Spring break: Mar 15-19",
        )
    };
    vec![
        midterm,
        item(
            "Homework 1 due",
            EventType::Assignment,
            local(2027, 2, 5, 23),
            1,
            "Homework 1 due Feb 5",
        ),
        spring_break,
        item(
            "Quiz 2",
            EventType::Quiz,
            local(2027, 4, 1, 9),
            2,
            "Quiz 2 on April 1",
        ),
    ]
}

fn extractor(found: Vec<FoundEvent>) -> MockEventExtractor {
    spending(found, TokenUsage::default())
}

/// An extractor finding `found` at the cost of `usage`.
fn spending(found: Vec<FoundEvent>, usage: TokenUsage) -> MockEventExtractor {
    let mut mock = MockEventExtractor::new();
    mock.expect_name().return_const("offline".to_owned());
    mock.expect_extract()
        .returning(move |input: ExtractionInput| {
            assert_eq!(input.pages.len(), 2, "two pages: {:?}", input.pages);
            assert_eq!(input.pages[0].text, PAGE_ONE);
            Ok(FoundEvents {
                events: found.clone(),
                usage,
            })
        });
    mock
}

impl World {
    async fn new() -> Self {
        let fixed = Arc::new(FixedClock::new(
            Utc.with_ymd_and_hms(2027, 1, 10, 9, 0, 0).unwrap(),
        ));
        let clock: Arc<dyn Clock> = fixed.clone();
        let r = MemoryStore::with_clock(clock.clone()).repositories();
        let queue = Arc::new(MemoryJobQueue::with_clock(clock));
        let ada = r
            .users
            .create(NewUser {
                email: Email::parse("ada@example.com").unwrap(),
                name: Name::parse("Ada").unwrap(),
                image: None,
            })
            .await
            .unwrap()
            .id;
        let course = r
            .courses
            .create(
                ada,
                NewCourse {
                    name: Name::parse("CS 101").unwrap(),
                    code: None,
                    description: None,
                    color: sophie_domain::values::Color::default(),
                    term: None,
                    instructor: None,
                },
            )
            .await
            .unwrap()
            .id;
        Self {
            clock: fixed,
            r,
            queue,
            ada,
            course,
        }
    }

    fn service(&self, extractor: MockEventExtractor) -> EventExtractionService {
        let clock: Arc<dyn Clock> = self.clock.clone();
        let reminders = ReminderService::new(ReminderPorts {
            calendar: self.r.calendar.clone(),
            notifications: self.r.notifications.clone(),
            queue: self.queue.clone(),
            clock,
        });
        EventExtractionService::new(ExtractionPorts {
            calendar: self.r.calendar.clone(),
            documents: self.r.documents.clone(),
            notes: self.r.notes.clone(),
            users: self.r.users.clone(),
            search: self.r.search.clone(),
            queue: self.queue.clone(),
            extractor: Arc::new(extractor),
        })
        .with_reminders(Arc::new(reminders))
    }

    /// The syllabus as a document of two pages in the course, its first page in two
    /// overlapping chunks as ingestion cuts it.
    async fn syllabus(&self, status: DocumentStatus) -> ExtractionSource {
        let document = self
            .r
            .documents
            .create(
                self.ada,
                NewDocument {
                    course_id: Some(self.course),
                    title: Title::parse("Syllabus").unwrap(),
                    file_name: ShortText::parse("syllabus.pdf").unwrap(),
                    mime_type: ShortText::parse("application/pdf").unwrap(),
                    file_size: FileSize::new(1_000).unwrap(),
                    storage_key: uuid::Uuid::now_v7().to_string(),
                    checksum_sha256: "ab".repeat(32),
                },
            )
            .await
            .unwrap();
        let (first, second) = PAGE_ONE.split_at(PAGE_ONE.find("\nHomework").unwrap());
        let overlap = "Midterm exam: March 3, 2027 at 10:00 in Hall B";
        let chunks = [
            (first.to_owned(), 1),
            (format!("{overlap}{second}"), 1),
            (PAGE_TWO.to_owned(), 2),
        ];
        self.r
            .search
            .replace_chunks(
                self.ada,
                document.id,
                chunks
                    .iter()
                    .enumerate()
                    .map(|(index, (text, page))| NewDocumentChunk {
                        content: text.clone(),
                        page_number: Some(*page),
                        chunk_index: i32::try_from(index).unwrap(),
                        embedding: None,
                        embedding_model: None,
                    })
                    .collect(),
            )
            .await
            .unwrap();
        self.r
            .documents
            .update(
                self.ada,
                document.id,
                DocumentUpdate {
                    status: Some(status),
                    ..DocumentUpdate::default()
                },
            )
            .await
            .unwrap();
        ExtractionSource::Document(document.id)
    }

    /// Claims every queued extraction, as a worker would.
    async fn claim(&self) -> Vec<ExtractEvents> {
        self.queue
            .claim_batch(
                "test".to_owned(),
                vec!["calendar.extract_events".to_owned()],
                std::time::Duration::from_secs(60),
                100,
            )
            .await
            .unwrap()
            .iter()
            .map(|row| decode::<ExtractEvents>(row).unwrap())
            .collect()
    }

    async fn extract(
        &self,
        service: &EventExtractionService,
        source: ExtractionSource,
    ) -> ExtractEvents {
        let berlin = ExtractionOptions {
            time_zone: Some(TimeZone::parse("Europe/Berlin").unwrap()),
            locale: None,
        };
        let started = service.start(self.ada, source, berlin).await.unwrap();
        assert_eq!(started.status, JobStatus::Pending);
        let jobs = self.claim().await;
        assert_eq!(jobs.len(), 1);
        assert_eq!(jobs[0].extraction_id, started.id);
        jobs[0]
    }
}

#[tokio::test]
async fn proposals_are_what_stands_in_the_text_read_in_the_zone_given() {
    let w = World::new().await;
    let service = w.service(extractor(found()));
    let source = w.syllabus(DocumentStatus::Ready).await;
    let job = w.extract(&service, source).await;
    let outcome = service.run(&job).await.unwrap();
    assert_eq!(
        outcome,
        ExtractionOutcome::Completed {
            proposals: 3,
            dropped: 1
        },
        "the quiz is not in the text"
    );
    let extraction = service.get(w.ada, job.extraction_id).await.unwrap();
    assert_eq!(extraction.status, JobStatus::Completed);
    assert_eq!(extraction.progress, 100);
    assert_eq!(extraction.model.as_deref(), Some("offline"));
    assert_eq!(extraction.locale, "en-US", "no locale anywhere: en-US");
    let titles: Vec<&str> = extraction
        .proposals
        .iter()
        .map(|p| p.title.as_str())
        .collect();
    assert_eq!(titles, ["Midterm exam", "Homework 1 due", "Spring break"]);
    let midterm = &extraction.proposals[0];
    assert_eq!(
        midterm.start.to_rfc3339(),
        "2027-03-03T09:00:00+00:00",
        "10:00 in Berlin"
    );
    assert_eq!(
        midterm.end.unwrap().to_rfc3339(),
        "2027-03-03T11:00:00+00:00"
    );
    assert_eq!(midterm.location.as_deref(), Some("Hall B"));
    assert_eq!(midterm.time_zone, "Europe/Berlin");
    assert_eq!(midterm.source.page_number, Some(1));
    assert_eq!(
        midterm.source.quote, "Midterm exam: March 3, 2027 at 10:00 in Hall B",
        "the line as the document has it"
    );
    let spring_break = &extraction.proposals[2];
    assert_eq!(
        spring_break.source.page_number,
        Some(2),
        "found on the page that holds it"
    );
    assert!(spring_break.all_day);
    assert_eq!(spring_break.start.to_rfc3339(), "2027-03-14T23:00:00+00:00");
    assert!(extraction.proposals.iter().all(|p| p.event_id.is_none()));
}

#[tokio::test]
async fn accepted_proposals_become_events_once_across_extractions() {
    let w = World::new().await;
    let service = w.service(extractor(found()));
    let source = w.syllabus(DocumentStatus::Ready).await;
    let ExtractionSource::Document(document) = source else {
        unreachable!()
    };
    let job = w.extract(&service, source).await;
    service.run(&job).await.unwrap();
    let extraction = service.get(w.ada, job.extraction_id).await.unwrap();
    let (midterm, homework) = (&extraction.proposals[0], &extraction.proposals[1]);

    // Some only: the midterm and the homework, named in any order.
    let events = service
        .accept(w.ada, extraction.id, &[homework.id, midterm.id])
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].title, "Midterm exam", "in the extraction's order");
    let exam = &events[0];
    assert_eq!(exam.document_id, Some(document), "linked to the document");
    assert_eq!(exam.course_id, Some(w.course), "in the document's course");
    assert_eq!(exam.event_type, EventType::Exam);
    assert_eq!(exam.priority, Some(Priority::High));
    assert_eq!(exam.reminders, vec![1440], "the defaults of its priority");
    assert_eq!(exam.start_date, midterm.start);
    assert_eq!(exam.location.as_deref(), Some("Hall B"));
    assert!(
        exam.description.as_deref().unwrap().contains("Page 1"),
        "{:?}",
        exam.description
    );
    assert_eq!(events[1].priority, Some(Priority::Medium));
    let marked = service.get(w.ada, extraction.id).await.unwrap();
    assert_eq!(marked.proposals[0].event_id, Some(exam.id));
    assert_eq!(marked.proposals[1].event_id, Some(events[1].id));
    assert_eq!(marked.proposals[2].event_id, None, "not accepted");
    // The day before the midterm, both reminders are due.
    w.clock
        .set(Utc.with_ymd_and_hms(2027, 3, 2, 10, 0, 0).unwrap());
    let reminders = w
        .queue
        .claim_batch(
            "test".to_owned(),
            vec!["calendar.remind".to_owned()],
            std::time::Duration::from_secs(60),
            100,
        )
        .await
        .unwrap();
    assert_eq!(
        reminders.len(),
        2,
        "each event's first reminder is scheduled"
    );

    // Accepting all now makes only the break.
    let all: Vec<_> = marked.proposals.iter().map(|p| p.id).collect();
    let again = service.accept(w.ada, extraction.id, &all).await.unwrap();
    assert_eq!(again.len(), 3);
    assert_eq!(again[0].id, exam.id, "the same event, not a second");
    let calendar =
        w.r.calendar
            .list(w.ada, CalendarFilter::default(), PageRequest::first())
            .await
            .unwrap()
            .items;
    assert_eq!(calendar.len(), 3);

    // A second extraction of the same syllabus proposes the items with their events.
    let second = w.extract(&service, source).await;
    service.run(&second).await.unwrap();
    let second = service.get(w.ada, second.extraction_id).await.unwrap();
    assert_eq!(second.proposals.len(), 3);
    assert!(
        second.proposals.iter().all(|p| p.event_id.is_some()),
        "{:?}",
        second.proposals
    );
    let ids: Vec<_> = second.proposals.iter().map(|p| p.id).collect();
    let same = service.accept(w.ada, second.id, &ids).await.unwrap();
    assert_eq!(
        same.iter().map(|e| e.id).collect::<Vec<_>>(),
        again.iter().map(|e| e.id).collect::<Vec<_>>()
    );
    let calendar =
        w.r.calendar
            .list(w.ada, CalendarFilter::default(), PageRequest::first())
            .await
            .unwrap()
            .items;
    assert_eq!(calendar.len(), 3, "nothing duplicated");
}

#[tokio::test]
async fn accepted_events_send_a_run_of_the_students_calendar_sync() {
    let w = World::new().await;
    let account =
        w.r.accounts
            .create(NewAccount::linked(w.ada, "google", "ada-at-google"))
            .await
            .unwrap();
    w.r.calendar_syncs.connect(w.ada, account.id).await.unwrap();
    w.r.calendar_syncs
        .choose_calendar(w.ada, "primary".to_owned())
        .await
        .unwrap();
    let clock: Arc<dyn Clock> = w.clock.clone();
    let service = w.service(extractor(found())).with_sync(SyncTrigger::new(
        w.r.calendar_syncs.clone(),
        w.queue.clone(),
        clock,
    ));
    let source = w.syllabus(DocumentStatus::Ready).await;
    let job = w.extract(&service, source).await;
    service.run(&job).await.unwrap();
    let extraction = service.get(w.ada, job.extraction_id).await.unwrap();
    service
        .accept(w.ada, extraction.id, &[extraction.proposals[0].id])
        .await
        .unwrap();

    w.clock.advance(COALESCE);
    let runs: Vec<UserId> = w
        .queue
        .claim_batch(
            "test".to_owned(),
            vec![SyncCalendar::KIND.to_owned()],
            std::time::Duration::from_secs(60),
            100,
        )
        .await
        .unwrap()
        .iter()
        .map(|row| decode::<SyncCalendar>(row).unwrap().user_id)
        .collect();
    assert_eq!(
        runs,
        vec![w.ada],
        "the accepted event waits for the periodic run"
    );
}

#[tokio::test]
async fn the_students_own_settings_and_reminders_are_used() {
    let w = World::new().await;
    w.r.users
        .update(
            w.ada,
            UserUpdate {
                locale: Some(Some(Locale::parse("en-GB").unwrap())),
                time_zone: Some(Some(TimeZone::parse("America/New_York").unwrap())),
                default_reminders: Some(Some(Reminders::parse([30]).unwrap())),
                ..UserUpdate::default()
            },
        )
        .await
        .unwrap();
    let mut mock = MockEventExtractor::new();
    mock.expect_name().return_const("offline".to_owned());
    mock.expect_extract().returning(|input: ExtractionInput| {
        assert_eq!(input.locale, "en-GB");
        assert_eq!(input.pages.len(), 1);
        assert_eq!(input.pages[0].page_number, None);
        Ok(FoundEvents {
            events: vec![FoundEvent {
                page_number: None,
                ..item(
                    "Essay due",
                    EventType::Assignment,
                    local(2027, 10, 3, 17),
                    1,
                    "Essay due 03/10/2027 at 5 pm",
                )
            }],
            usage: TokenUsage::default(),
        })
    });
    let service = w.service(mock);
    let note =
        w.r.notes
            .create(
                w.ada,
                NewNote::manual(
                    Title::parse("Plan").unwrap(),
                    Markdown::parse("Essay due 03/10/2027 at 5 pm").unwrap(),
                ),
            )
            .await
            .unwrap();
    let started = service
        .start(
            w.ada,
            ExtractionSource::Note(note.id),
            ExtractionOptions::default(),
        )
        .await
        .unwrap();
    assert_eq!(started.time_zone, "America/New_York");
    assert_eq!(started.locale, "en-GB");
    let job = w.claim().await[0];
    service.run(&job).await.unwrap();
    let extraction = service.get(w.ada, started.id).await.unwrap();
    let essay = &extraction.proposals[0];
    assert_eq!(essay.start.to_rfc3339(), "2027-10-03T21:00:00+00:00");
    let events = service
        .accept(w.ada, started.id, &[essay.id])
        .await
        .unwrap();
    assert_eq!(events[0].reminders, vec![30], "the student's own defaults");
    assert_eq!(events[0].document_id, None);
}

#[tokio::test]
async fn what_cannot_be_done_is_refused_and_nothing_is_made() {
    let w = World::new().await;
    let service = w.service(extractor(found()));
    let processing = w.syllabus(DocumentStatus::Processing).await;
    match service
        .start(w.ada, processing, ExtractionOptions::default())
        .await
    {
        Err(DomainError::Conflict { field, .. }) => {
            assert_eq!(field.as_deref(), Some("documentId"));
        }
        other => panic!("a document not yet processed: {other:?}"),
    }
    assert!(w.claim().await.is_empty(), "nothing queued");

    let source = w.syllabus(DocumentStatus::Ready).await;
    let job = w.extract(&service, source).await;
    // Before it completes.
    match service
        .accept(
            w.ada,
            job.extraction_id,
            &[sophie_domain::ProposalId::new()],
        )
        .await
    {
        Err(DomainError::Conflict { field, .. }) => assert_eq!(field.as_deref(), Some("status")),
        other => panic!("accepting a pending extraction: {other:?}"),
    }
    service.run(&job).await.unwrap();
    for ids in [vec![], vec![sophie_domain::ProposalId::new()]] {
        match service.accept(w.ada, job.extraction_id, &ids).await {
            Err(DomainError::Validation { field, .. }) => assert_eq!(field, "proposalIds"),
            other => panic!("{ids:?}: {other:?}"),
        }
    }
    // Another student sees none of it.
    let bob =
        w.r.users
            .create(NewUser {
                email: Email::parse("bob@example.com").unwrap(),
                name: Name::parse("Bob").unwrap(),
                image: None,
            })
            .await
            .unwrap()
            .id;
    assert!(matches!(
        service.get(bob, job.extraction_id).await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(matches!(
        service
            .start(bob, source, ExtractionOptions::default())
            .await,
        Err(DomainError::NotFound { .. })
    ));
    let extraction = service.get(w.ada, job.extraction_id).await.unwrap();
    let ids: Vec<_> = extraction.proposals.iter().map(|p| p.id).collect();
    assert!(matches!(
        service.accept(bob, job.extraction_id, &ids).await,
        Err(DomainError::NotFound { .. })
    ));
    let calendar =
        w.r.calendar
            .list(w.ada, CalendarFilter::default(), PageRequest::first())
            .await
            .unwrap()
            .items;
    assert!(calendar.is_empty());
}

#[tokio::test]
async fn an_unreachable_model_is_retried_then_fails_the_extraction() {
    let w = World::new().await;
    let mut mock = MockEventExtractor::new();
    mock.expect_name().return_const("test-model".to_owned());
    mock.expect_extract().returning(|_| {
        Err(DomainError::Unavailable {
            service: "language model",
            message: "connection refused".to_owned(),
        })
    });
    let service = w.service(mock);
    let source = w.syllabus(DocumentStatus::Ready).await;
    let job = w.extract(&service, source).await;
    let error = service.run(&job).await.unwrap_err();
    assert!(matches!(error, DomainError::Unavailable { .. }));
    assert_eq!(
        service.get(w.ada, job.extraction_id).await.unwrap().status,
        JobStatus::Processing,
        "left for the next attempt"
    );
    service.give_up(&job, &error).await.unwrap();
    let failed = service.get(w.ada, job.extraction_id).await.unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert!(
        failed
            .error_message
            .as_deref()
            .unwrap()
            .contains("unavailable"),
        "{:?}",
        failed.error_message
    );
    // A run after the end does nothing.
    assert_eq!(service.run(&job).await.unwrap(), ExtractionOutcome::Skipped);
}

#[tokio::test]
async fn a_models_tokens_count_against_the_students_day() {
    let w = World::new().await;
    let usage = TokenUsage {
        prompt_tokens: 900,
        completion_tokens: 300,
    };
    let clock: Arc<dyn Clock> = w.clock.clone();
    let service = w
        .service(spending(found(), usage))
        .with_budget(TokenBudget::new(
            w.r.generations.clone(),
            clock,
            Some(1_000),
        ));
    let source = w.syllabus(DocumentStatus::Ready).await;
    let job = w.extract(&service, source).await;
    assert!(matches!(
        service.run(&job).await.unwrap(),
        ExtractionOutcome::Completed { .. }
    ));
    let today = w.clock.now().date_naive();
    assert_eq!(w.r.generations.usage_on(w.ada, today).await.unwrap(), 1_200);
    match service
        .start(w.ada, source, ExtractionOptions::default())
        .await
    {
        Err(DomainError::RateLimited { .. }) => {}
        other => panic!("the day's tokens are spent: {other:?}"),
    }
    assert!(w.claim().await.is_empty(), "nothing queued");
}
