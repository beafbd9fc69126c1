//! Generating flashcard sets, quizzes and study guides through the generation service, on the
//! in-memory adapters, with a scripted generator: what is kept (grounded, distinct,
//! well-formed), what is dropped, what the student is told, and what a repeated run does.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{TimeDelta, TimeZone, Utc};
use sophie_domain::jobs::{RunGeneration, decode};
use sophie_domain::memory::{FixedClock, MemoryJobQueue, MemoryStore};
use sophie_domain::services::generation::{
    GenerationLimits, GenerationOutcome, GenerationPorts, GenerationService, STRANDED_AFTER,
};
use sophie_domain::values::{Email, FileSize, Markdown, Name, ShortText, Title};
use sophie_domain::{
    AnswerDraft, CardDraft, Citation, Clock, Difficulty, DocumentStatus, DocumentUpdate,
    DomainError, DomainResult, Generated, GenerationKind, GenerationOptions, GenerationSettings,
    GenerationSource, GuideDraft, GuideSectionDraft, JobQueue, JobStatus, KeyTermDraft,
    NewDocument, NewDocumentChunk, NewGenerationJob, NewNote, NewUser, NotificationFilter,
    NotificationType, PageRequest, Passage, PassageOrigin, PromptMessage, QuestionDraft,
    QuestionType, Repositories, StudyGenerator, TokenUsage, UserId,
};

const CELLS: &str = "# Cells\n\nMitochondria are the organelles that make ATP from glucose.\n\n\
Ribosomes are the organelles that make proteins from amino acids.";

/// A generator answering what the test scripted, and keeping the material it was given.
#[derive(Default)]
struct Scripted {
    cards: Mutex<Vec<CardDraft>>,
    questions: Mutex<Vec<QuestionDraft>>,
    guide: Mutex<Option<GuideDraft>>,
    usage: Mutex<TokenUsage>,
    failure: Mutex<Option<DomainError>>,
    seen: Mutex<Vec<Vec<Passage>>>,
}

impl Scripted {
    fn answer<T>(&self, material: Vec<Passage>, draft: T) -> DomainResult<Generated<T>> {
        self.seen.lock().unwrap().push(material);
        if let Some(error) = self.failure.lock().unwrap().take() {
            return Err(error);
        }
        Ok(Generated {
            draft,
            model: "scripted".to_owned(),
            usage: *self.usage.lock().unwrap(),
        })
    }
}

#[async_trait]
impl StudyGenerator for Scripted {
    fn name(&self) -> String {
        "scripted".to_owned()
    }

    async fn flashcards(
        &self,
        material: Vec<Passage>,
        _options: GenerationOptions,
    ) -> DomainResult<Generated<Vec<CardDraft>>> {
        let drafts = self.cards.lock().unwrap().clone();
        self.answer(material, drafts)
    }

    async fn quiz(
        &self,
        material: Vec<Passage>,
        _options: GenerationOptions,
    ) -> DomainResult<Generated<Vec<QuestionDraft>>> {
        let drafts = self.questions.lock().unwrap().clone();
        self.answer(material, drafts)
    }

    async fn study_guide(
        &self,
        material: Vec<Passage>,
        _options: GenerationOptions,
    ) -> DomainResult<Generated<GuideDraft>> {
        let draft = self.guide.lock().unwrap().clone().unwrap();
        self.answer(material, draft)
    }

    async fn answer(
        &self,
        _question: String,
        _history: Vec<PromptMessage>,
        _passages: Vec<Passage>,
    ) -> DomainResult<Generated<AnswerDraft>> {
        unreachable!("generation asks for no answer")
    }

    async fn summarize(&self, _text: String) -> DomainResult<Generated<String>> {
        unreachable!("generation asks for no summary")
    }
}

struct World {
    r: Repositories,
    clock: Arc<FixedClock>,
    queue: Arc<MemoryJobQueue>,
    generator: Arc<Scripted>,
    service: GenerationService,
    ada: UserId,
}

impl World {
    async fn new(limits: GenerationLimits) -> Self {
        let fixed = Arc::new(FixedClock::new(
            Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap(),
        ));
        let clock: Arc<dyn Clock> = fixed.clone();
        let r = MemoryStore::with_clock(clock.clone()).repositories();
        let queue = Arc::new(MemoryJobQueue::with_clock(clock.clone()));
        let generator = Arc::new(Scripted::default());
        let service = GenerationService::new(
            GenerationPorts {
                generations: r.generations.clone(),
                notes: r.notes.clone(),
                documents: r.documents.clone(),
                courses: r.courses.clone(),
                search: r.search.clone(),
                queue: queue.clone(),
                generator: generator.clone(),
                clock,
            },
            limits,
        );
        let ada = user(&r, "ada@example.com").await;
        Self {
            r,
            clock: fixed,
            queue,
            generator,
            service,
            ada,
        }
    }

    async fn note(&self, user: UserId, content: &str) -> GenerationSource {
        let note = self
            .r
            .notes
            .create(
                user,
                NewNote::manual(
                    Title::parse("Cells").unwrap(),
                    Markdown::parse(content).unwrap(),
                ),
            )
            .await
            .unwrap();
        GenerationSource::Note(note.id)
    }

    /// A document of two pages, processed (`READY`) unless `status` says otherwise.
    async fn document(&self, status: DocumentStatus) -> GenerationSource {
        let document = self
            .r
            .documents
            .create(
                self.ada,
                NewDocument {
                    course_id: None,
                    title: Title::parse("Biology").unwrap(),
                    file_name: ShortText::parse("biology.pdf").unwrap(),
                    mime_type: ShortText::parse("application/pdf").unwrap(),
                    file_size: FileSize::new(1_000).unwrap(),
                    storage_key: uuid::Uuid::now_v7().to_string(),
                    checksum_sha256: "ab".repeat(32),
                },
            )
            .await
            .unwrap();
        let pages = [
            "Mitochondria are the organelles that make ATP from glucose.",
            "Ribosomes are the organelles that make proteins from amino acids.",
        ];
        self.r
            .search
            .replace_chunks(
                self.ada,
                document.id,
                pages
                    .iter()
                    .enumerate()
                    .map(|(index, text)| NewDocumentChunk {
                        content: (*text).to_owned(),
                        page_number: Some(i32::try_from(index).unwrap() + 1),
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
        GenerationSource::Document(document.id)
    }

    async fn start(&self, kind: GenerationKind, source: GenerationSource) -> RunGeneration {
        let job = self
            .service
            .start(self.ada, kind, source, settings(10))
            .await
            .unwrap();
        RunGeneration {
            user_id: self.ada,
            generation_job_id: job.id,
        }
    }

    /// A generation recorded without its run, as a crash between the two writes of
    /// [`GenerationService::start`] leaves it.
    async fn record_only(&self, kind: GenerationKind, source: GenerationSource) -> RunGeneration {
        let job = self
            .r
            .generations
            .create(
                self.ada,
                NewGenerationJob {
                    kind,
                    source,
                    settings: settings(10),
                },
            )
            .await
            .unwrap();
        RunGeneration {
            user_id: self.ada,
            generation_job_id: job.id,
        }
    }

    /// Claims every queued generation run, as a worker would.
    async fn claim_runs(&self) -> Vec<RunGeneration> {
        self.queue
            .claim_batch(
                "test".to_owned(),
                vec!["generation.run".to_owned()],
                std::time::Duration::from_secs(60),
                100,
            )
            .await
            .unwrap()
            .iter()
            .map(|row| decode::<RunGeneration>(row).unwrap())
            .collect()
    }

    async fn notifications(&self) -> Vec<(NotificationType, String, Option<String>)> {
        self.r
            .notifications
            .list(
                self.ada,
                NotificationFilter::default(),
                PageRequest::first(),
            )
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|n| (n.notification_type, n.message, n.link))
            .collect()
    }
}

async fn user(r: &Repositories, email: &str) -> UserId {
    r.users
        .create(NewUser {
            name: Name::parse("Student").unwrap(),
            email: Email::parse(email).unwrap(),
            image: None,
        })
        .await
        .unwrap()
        .id
}

fn settings(count: u32) -> GenerationSettings {
    GenerationSettings {
        count,
        difficulty: Difficulty::Hard,
        question_types: Vec::new(),
        title: None,
    }
}

fn cite(passage: usize, quote: &str) -> Vec<Citation> {
    vec![Citation {
        passage,
        quote: quote.to_owned(),
    }]
}

fn card(front: &str, back: &str, citations: Vec<Citation>) -> CardDraft {
    CardDraft {
        front: front.to_owned(),
        back: back.to_owned(),
        hint: None,
        citations,
    }
}

fn question(
    question_type: QuestionType,
    text: &str,
    options: &[&str],
    answer: &str,
    citations: Vec<Citation>,
) -> QuestionDraft {
    QuestionDraft {
        question_type,
        question: text.to_owned(),
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        correct_answer: answer.to_owned(),
        explanation: None,
        citations,
    }
}

#[tokio::test]
async fn only_grounded_distinct_well_formed_cards_are_stored_with_their_sources() {
    let w = World::new(GenerationLimits::default()).await;
    let source = w.note(w.ada, CELLS).await;
    let GenerationSource::Note(note) = source else {
        unreachable!()
    };
    *w.generator.cards.lock().unwrap() = vec![
        card(
            "What do mitochondria make?",
            "ATP, from glucose",
            // Quoted across the passage's line break, with white space of its own.
            cite(
                0,
                "Mitochondria are the organelles  that make ATP from glucose.",
            ),
        ),
        card(
            "what do MITOCHONDRIA make",
            "ATP",
            cite(0, "make ATP from glucose"),
        ),
        card(
            "What do ribosomes make?",
            "Proteins",
            cite(0, "Ribosomes make proteins quickly"),
        ),
        card("What is glucose?", "A sugar", cite(7, "glucose")),
        card(
            "Who wrote Hamlet?",
            "Shakespeare",
            cite(0, "Ribosomes are the organelles"),
        ),
        card("   ", "Proteins", cite(0, "make proteins from amino acids")),
        card("No citation", "None", Vec::new()),
        // A verbatim quote that does not hold the answer: the question's words are in it,
        // the answer's are not.
        card(
            "Which molecules do mitochondria make?",
            "Proteins",
            cite(0, "Mitochondria are the organelles that make ATP"),
        ),
        card(
            "What do ribosomes make from amino acids?",
            "Proteins",
            cite(0, "make proteins from amino acids"),
        ),
    ];
    let run = w.start(GenerationKind::Flashcards, source).await;
    let queued = w
        .queue
        .claim(
            "test".to_owned(),
            vec!["generation.run".to_owned()],
            std::time::Duration::from_secs(60),
        )
        .await
        .unwrap()
        .expect("no generation job was queued");
    assert_eq!(decode::<RunGeneration>(&queued).unwrap(), run);

    let outcome = w.service.run(&run).await.unwrap();
    assert_eq!(
        outcome,
        GenerationOutcome::Completed {
            items: 2,
            dropped: 7
        }
    );
    let material = w.generator.seen.lock().unwrap()[0].clone();
    assert_eq!(material.len(), 1, "a short note is one passage");
    assert_eq!(material[0].origin, PassageOrigin::Note { note_id: note });

    let job =
        w.r.generations
            .get(w.ada, run.generation_job_id)
            .await
            .unwrap();
    assert_eq!((job.status, job.progress), (JobStatus::Completed, 100));
    assert_eq!(job.model.as_deref(), Some("scripted"));
    let set_id = sophie_domain::FlashcardSetId::from_uuid(job.result_id.unwrap());
    let set = w.r.flashcards.get_set(w.ada, set_id).await.unwrap();
    assert_eq!(set.set.title, "Flashcards: Cells");
    assert_eq!(set.set.note_id, Some(note), "the set is linked to its note");
    assert_eq!(set.set.difficulty, Difficulty::Hard);
    let fronts: Vec<&str> = set.flashcards.iter().map(|c| c.question.as_str()).collect();
    assert_eq!(
        fronts,
        [
            "What do mitochondria make?",
            "What do ribosomes make from amino acids?"
        ]
    );
    let first = &set.flashcards[0].sources[0];
    assert_eq!(first.note_id, Some(note));
    assert_eq!(
        first.quote, "Mitochondria are the organelles that make ATP from glucose.",
        "the quote is stored as the note has it"
    );
    assert!(CELLS.contains(&first.quote));
    assert_eq!(
        w.notifications().await,
        [(
            NotificationType::GenerationCompleted,
            "2 flashcards made from \u{201c}Cells\u{201d}.".to_owned(),
            Some(format!("/api/v1/flashcard-sets/{set_id}"))
        )]
    );

    assert_eq!(
        w.service.run(&run).await.unwrap(),
        GenerationOutcome::Skipped,
        "a run repeated after it finished does nothing"
    );
    assert_eq!(w.notifications().await.len(), 1);
    let sets =
        w.r.flashcards
            .list_sets(w.ada, Default::default(), PageRequest::first())
            .await
            .unwrap();
    assert_eq!(sets.items.len(), 1, "no second set");
}

#[tokio::test]
async fn nothing_traceable_fails_the_generation_saying_why() {
    let w = World::new(GenerationLimits::default()).await;
    let source = w.note(w.ada, CELLS).await;
    *w.generator.cards.lock().unwrap() = vec![card(
        "What is the capital of France?",
        "Paris",
        cite(0, "Paris is the capital of France"),
    )];
    let run = w.start(GenerationKind::Flashcards, source).await;
    let GenerationOutcome::Failed(reason) = w.service.run(&run).await.unwrap() else {
        panic!("an ungrounded generation did not fail")
    };
    assert!(
        reason.contains("nothing generated could be traced"),
        "{reason}"
    );
    let job =
        w.r.generations
            .get(w.ada, run.generation_job_id)
            .await
            .unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert_eq!(job.error_message.as_deref(), Some(reason.as_str()));
    assert_eq!(job.result_id, None);
    let sent = w.notifications().await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].0, NotificationType::GenerationFailed);
    assert_eq!(sent[0].1, reason);
}

#[tokio::test]
async fn quiz_questions_keep_exactly_one_correct_option_and_the_types_asked() {
    let w = World::new(GenerationLimits::default()).await;
    let source = w.document(DocumentStatus::Ready).await;
    let GenerationSource::Document(document) = source else {
        unreachable!()
    };
    *w.generator.questions.lock().unwrap() = vec![
        question(
            QuestionType::MultipleChoice,
            "Which organelle makes ATP?",
            &["Mitochondria", "Ribosomes", "Nucleus"],
            "Mitochondria",
            cite(0, "Mitochondria are the organelles that make ATP"),
        ),
        question(
            QuestionType::MultipleChoice,
            "Which organelle makes proteins?",
            &["Mitochondria", "Nucleus"],
            "Ribosomes",
            cite(1, "Ribosomes are the organelles that make proteins"),
        ),
        question(
            QuestionType::MultipleChoice,
            "What do ribosomes use?",
            &["Amino acids", "amino  acids", "Glucose"],
            "Amino acids",
            cite(1, "make proteins from amino acids"),
        ),
        question(
            QuestionType::TrueFalse,
            "Ribosomes make proteins from amino acids.",
            &[],
            "true",
            cite(
                1,
                "Ribosomes are the organelles that make proteins from amino acids.",
            ),
        ),
        question(
            QuestionType::ShortAnswer,
            "What do ribosomes make?",
            &[],
            "Proteins",
            cite(1, "make proteins"),
        ),
    ];
    let job = w
        .service
        .start(
            w.ada,
            GenerationKind::Quiz,
            source,
            GenerationSettings {
                question_types: vec![QuestionType::MultipleChoice, QuestionType::TrueFalse],
                ..settings(10)
            },
        )
        .await
        .unwrap();
    let run = RunGeneration {
        user_id: w.ada,
        generation_job_id: job.id,
    };
    assert_eq!(
        w.service.run(&run).await.unwrap(),
        GenerationOutcome::Completed {
            items: 2,
            dropped: 3
        }
    );
    let material = w.generator.seen.lock().unwrap()[0].clone();
    let pages: Vec<Option<i32>> = material
        .iter()
        .map(|p| match p.origin {
            PassageOrigin::Document { page_number, .. } => page_number,
            PassageOrigin::Note { .. } => None,
        })
        .collect();
    assert_eq!(
        pages,
        [Some(1), Some(2)],
        "the document's chunks, with their pages"
    );
    let job = w.r.generations.get(w.ada, job.id).await.unwrap();
    let quiz =
        w.r.quizzes
            .get(
                w.ada,
                sophie_domain::QuizId::from_uuid(job.result_id.unwrap()),
            )
            .await
            .unwrap();
    assert_eq!(quiz.quiz.document_id, Some(document));
    assert_eq!(quiz.quiz.total_points, 2);
    let multiple = &quiz.questions[0];
    assert_eq!(multiple.question_type, QuestionType::MultipleChoice);
    assert_eq!(multiple.correct_answer, "Mitochondria");
    assert_eq!(multiple.sources[0].document_id, Some(document));
    assert_eq!(multiple.sources[0].page_number, Some(1));
    assert!(multiple.sources[0].chunk_id.is_some());
    let true_false = &quiz.questions[1];
    assert_eq!(true_false.question_type, QuestionType::TrueFalse);
    assert_eq!(true_false.sources[0].page_number, Some(2));
}

#[tokio::test]
async fn a_guide_keeps_its_grounded_sections_each_source_naming_its_section() {
    let w = World::new(GenerationLimits::default()).await;
    let source = w.document(DocumentStatus::Ready).await;
    *w.generator.guide.lock().unwrap() = Some(GuideDraft {
        title: "ignored".to_owned(),
        summary: "Organelles make what a cell needs.".to_owned(),
        sections: vec![
            GuideSectionDraft {
                heading: "Mitochondria".to_owned(),
                body: "They make ATP.".to_owned(),
                citations: cite(0, "make ATP from glucose"),
            },
            GuideSectionDraft {
                heading: "Golgi".to_owned(),
                body: "It packages proteins.".to_owned(),
                citations: cite(1, "The Golgi packages proteins"),
            },
        ],
        key_terms: vec![KeyTermDraft {
            term: "Ribosome".to_owned(),
            definition: "the organelle that makes proteins".to_owned(),
            citations: cite(1, "Ribosomes are the organelles that make proteins"),
        }],
        practice: vec![question(
            QuestionType::ShortAnswer,
            "What do mitochondria make?",
            &[],
            "ATP",
            cite(0, "make ATP"),
        )],
    });
    let run = w.start(GenerationKind::StudyGuide, source).await;
    assert_eq!(
        w.service.run(&run).await.unwrap(),
        GenerationOutcome::Completed {
            items: 1,
            dropped: 1
        }
    );
    let job =
        w.r.generations
            .get(w.ada, run.generation_job_id)
            .await
            .unwrap();
    let guide =
        w.r.study_guides
            .get(
                w.ada,
                sophie_domain::StudyGuideId::from_uuid(job.result_id.unwrap()),
            )
            .await
            .unwrap();
    assert!(
        guide.content.starts_with("# Study guide: Biology\n"),
        "{}",
        guide.content
    );
    for part in [
        "## Summary",
        "## Mitochondria",
        "They make ATP.",
        "## Key terms",
        "**Ribosome**: the organelle that makes proteins",
        "## Practice questions",
        "What do mitochondria make?",
    ] {
        assert!(
            guide.content.contains(part),
            "{part:?} missing:\n{}",
            guide.content
        );
    }
    assert!(
        !guide.content.contains("Golgi"),
        "an ungrounded section was kept"
    );
    let sections: Vec<(Option<&str>, Option<i32>)> = guide
        .sources
        .iter()
        .map(|s| (s.section.as_deref(), s.page_number))
        .collect();
    assert_eq!(
        sections,
        [
            (Some("Mitochondria"), Some(1)),
            (Some("Key terms"), Some(2)),
            (Some("Practice questions"), Some(1))
        ]
    );
}

#[tokio::test]
async fn bad_requests_are_refused_before_anything_is_recorded() {
    let w = World::new(GenerationLimits::default()).await;
    let source = w.note(w.ada, CELLS).await;
    for (kind, settings, field) in [
        (GenerationKind::Flashcards, settings(0), "count"),
        (GenerationKind::Quiz, settings(51), "count"),
        (
            GenerationKind::Flashcards,
            GenerationSettings {
                question_types: vec![QuestionType::TrueFalse],
                ..settings(5)
            },
            "types",
        ),
        (
            GenerationKind::Quiz,
            GenerationSettings {
                title: Some("   ".to_owned()),
                ..settings(5)
            },
            "title",
        ),
    ] {
        let refused = w.service.start(w.ada, kind, source, settings).await;
        assert!(
            matches!(&refused, Err(DomainError::Validation { field: named, .. }) if named == field),
            "{field}: {refused:?}"
        );
    }
    let bob = user(&w.r, "bob@example.com").await;
    let bobs = w.note(bob, CELLS).await;
    assert!(matches!(
        w.service
            .start(w.ada, GenerationKind::Quiz, bobs, settings(5))
            .await,
        Err(DomainError::NotFound { .. })
    ));
    assert!(
        w.r.generations
            .list(w.ada, PageRequest::first())
            .await
            .unwrap()
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn a_document_not_yet_processed_is_refused_then_retried_and_the_last_attempt_fails_it() {
    let w = World::new(GenerationLimits::default()).await;
    let processing = w.document(DocumentStatus::Processing).await;
    let refused = w
        .service
        .start(w.ada, GenerationKind::Flashcards, processing, settings(5))
        .await;
    assert!(
        matches!(&refused, Err(DomainError::Conflict { field: Some(field), .. }) if field == "documentId"),
        "{refused:?}"
    );
    // Processed when asked, then reprocessed before the worker takes the generation.
    let source = w.document(DocumentStatus::Ready).await;
    let run = w.start(GenerationKind::Flashcards, source).await;
    let GenerationSource::Document(document) = source else {
        unreachable!()
    };
    w.r.documents
        .update(
            w.ada,
            document,
            DocumentUpdate {
                status: Some(DocumentStatus::Processing),
                ..DocumentUpdate::default()
            },
        )
        .await
        .unwrap();
    let error = w.service.run(&run).await.unwrap_err();
    assert!(
        matches!(error, DomainError::Unavailable { .. }),
        "{error:?}"
    );
    let job =
        w.r.generations
            .get(w.ada, run.generation_job_id)
            .await
            .unwrap();
    assert_eq!(
        job.status,
        JobStatus::Processing,
        "still running, to be retried"
    );
    w.service.give_up(&run, &error).await.unwrap();
    let job =
        w.r.generations
            .get(w.ada, run.generation_job_id)
            .await
            .unwrap();
    assert_eq!(job.status, JobStatus::Failed);
    assert!(
        job.error_message
            .unwrap()
            .contains("unavailable after several tries"),
        "the reason tells the student to try later"
    );

    let failed = w.document(DocumentStatus::Failed).await;
    assert!(matches!(
        w.service
            .start(w.ada, GenerationKind::Flashcards, failed, settings(5))
            .await,
        Err(DomainError::Conflict { .. })
    ));
}

#[tokio::test]
async fn a_model_error_is_left_to_the_retries() {
    let w = World::new(GenerationLimits::default()).await;
    let source = w.note(w.ada, CELLS).await;
    *w.generator.failure.lock().unwrap() = Some(DomainError::Unavailable {
        service: "language model",
        message: "503".to_owned(),
    });
    let run = w.start(GenerationKind::Flashcards, source).await;
    assert!(matches!(
        w.service.run(&run).await,
        Err(DomainError::Unavailable { .. })
    ));
    assert!(w.notifications().await.is_empty(), "nothing told yet");
}

#[tokio::test]
async fn a_student_whose_tokens_of_the_day_are_spent_is_told_to_wait() {
    let w = World::new(GenerationLimits {
        daily_tokens: Some(1_000),
        ..GenerationLimits::default()
    })
    .await;
    let source = w.note(w.ada, CELLS).await;
    *w.generator.usage.lock().unwrap() = TokenUsage {
        prompt_tokens: 900,
        completion_tokens: 150,
    };
    *w.generator.cards.lock().unwrap() = vec![card(
        "What do mitochondria make?",
        "ATP",
        cite(0, "make ATP from glucose"),
    )];
    let run = w.start(GenerationKind::Flashcards, source).await;
    w.service.run(&run).await.unwrap();
    let job =
        w.r.generations
            .get(w.ada, run.generation_job_id)
            .await
            .unwrap();
    assert_eq!((job.prompt_tokens, job.completion_tokens), (900, 150));
    let day = Utc
        .with_ymd_and_hms(2026, 12, 6, 0, 0, 0)
        .unwrap()
        .date_naive();
    assert_eq!(w.r.generations.usage_on(w.ada, day).await.unwrap(), 1_050);

    let refused = w
        .service
        .start(w.ada, GenerationKind::Flashcards, source, settings(5))
        .await;
    let Err(DomainError::RateLimited {
        retry_after_seconds,
    }) = refused
    else {
        panic!("the budget was not enforced: {refused:?}")
    };
    assert_eq!(retry_after_seconds, 15 * 3600, "until midnight UTC");
    let bob = user(&w.r, "bob@example.com").await;
    let bobs = w.note(bob, CELLS).await;
    assert!(
        w.service
            .start(bob, GenerationKind::Flashcards, bobs, settings(5))
            .await
            .is_ok(),
        "another student's budget is their own"
    );
}

#[tokio::test]
async fn a_course_gives_all_its_material_within_the_size_limit() {
    let w = World::new(GenerationLimits {
        material_chars: 3_000,
        ..GenerationLimits::default()
    })
    .await;
    let course =
        w.r.courses
            .create(
                w.ada,
                sophie_domain::NewCourse {
                    name: Name::parse("Biology").unwrap(),
                    description: None,
                    code: None,
                    color: sophie_domain::values::Color::default(),
                    term: None,
                    instructor: None,
                },
            )
            .await
            .unwrap()
            .id;
    // Eighty short paragraphs under four headings: about 7,600 bytes in all, each part cut
    // into two passages.
    let mut content = String::new();
    for section in 1..=4 {
        content.push_str(&format!("## Part {section}\n\n"));
        for line in 1..=20 {
            content.push_str(&format!(
                "Paragraph {line} of part {section} says that cells are the unit of life, \
                 and more.\n\n"
            ));
        }
    }
    let mut note = NewNote::manual(
        Title::parse("Long").unwrap(),
        Markdown::parse(content.as_str()).unwrap(),
    );
    note.course_id = Some(course);
    w.r.notes.create(w.ada, note).await.unwrap();
    *w.generator.cards.lock().unwrap() = vec![card(
        "What are the unit of life?",
        "cells",
        cite(0, "cells are the unit of life"),
    )];
    let run = w
        .start(GenerationKind::Flashcards, GenerationSource::Course(course))
        .await;
    assert!(matches!(
        w.service.run(&run).await.unwrap(),
        GenerationOutcome::Completed { items: 1, .. }
    ));
    let material = w.generator.seen.lock().unwrap()[0].clone();
    let bytes: usize = material.iter().map(|p| p.text.len()).sum();
    assert!(bytes <= 3_000, "{bytes} bytes given");
    let headings: std::collections::BTreeSet<String> =
        material.iter().filter_map(|p| p.heading.clone()).collect();
    assert!(
        headings.len() >= 2
            && (headings.contains("Part 1") || headings.contains("Part 2"))
            && (headings.contains("Part 3") || headings.contains("Part 4")),
        "not taken across the whole note: {headings:?}"
    );
    assert!(material.iter().all(|p| content.contains(&p.text)));
    let job =
        w.r.generations
            .get(w.ada, run.generation_job_id)
            .await
            .unwrap();
    let set =
        w.r.flashcards
            .get_set(
                w.ada,
                sophie_domain::FlashcardSetId::from_uuid(job.result_id.unwrap()),
            )
            .await
            .unwrap();
    assert_eq!(set.set.course_id, Some(course), "linked to the course");
}

#[tokio::test]
async fn generations_started_before_the_budget_was_spent_stop_when_it_is() {
    let w = World::new(GenerationLimits {
        daily_tokens: Some(100),
        ..GenerationLimits::default()
    })
    .await;
    let source = w.note(w.ada, CELLS).await;
    let first = w.start(GenerationKind::Flashcards, source).await;
    let second = w.start(GenerationKind::Flashcards, source).await;
    *w.generator.usage.lock().unwrap() = TokenUsage {
        prompt_tokens: 100,
        completion_tokens: 0,
    };
    *w.generator.cards.lock().unwrap() = vec![card(
        "What do mitochondria make?",
        "ATP",
        cite(0, "make ATP from glucose"),
    )];
    w.service.run(&first).await.unwrap();
    let GenerationOutcome::Failed(reason) = w.service.run(&second).await.unwrap() else {
        panic!("a generation ran past the budget")
    };
    assert!(reason.contains("tokens of today are spent"), "{reason}");
    assert_eq!(
        w.generator.seen.lock().unwrap().len(),
        1,
        "the model was asked again"
    );
}

#[tokio::test]
async fn a_generation_left_without_its_run_is_requeued_once_and_then_completes() {
    let w = World::new(GenerationLimits::default()).await;
    let source = w.note(w.ada, CELLS).await;
    *w.generator.cards.lock().unwrap() = vec![card(
        "What do mitochondria make?",
        "ATP, from glucose",
        cite(
            0,
            "Mitochondria are the organelles that make ATP from glucose.",
        ),
    )];
    let run = w.record_only(GenerationKind::Flashcards, source).await;

    // Not yet: its run may still be on its way.
    assert_eq!(w.service.requeue_stranded().await.unwrap(), 0);
    w.clock.advance(STRANDED_AFTER + TimeDelta::seconds(1));
    assert_eq!(w.service.requeue_stranded().await.unwrap(), 1);
    // A second pass while that run is still queued adds none.
    assert_eq!(w.service.requeue_stranded().await.unwrap(), 1);
    assert_eq!(
        w.claim_runs().await,
        [run],
        "one run, of the stranded generation"
    );
    // Nor while it is under way.
    assert_eq!(w.service.requeue_stranded().await.unwrap(), 1);
    assert!(w.claim_runs().await.is_empty(), "a second run was queued");

    assert_eq!(
        w.service.run(&run).await.unwrap(),
        GenerationOutcome::Completed {
            items: 1,
            dropped: 0
        }
    );
    let job =
        w.r.generations
            .get(w.ada, run.generation_job_id)
            .await
            .unwrap();
    assert_eq!(job.status, JobStatus::Completed);
    w.clock.advance(STRANDED_AFTER + TimeDelta::seconds(1));
    assert_eq!(
        w.service.requeue_stranded().await.unwrap(),
        0,
        "a completed generation is requeued"
    );
}

#[tokio::test]
async fn recent_and_finished_generations_are_not_requeued() {
    let w = World::new(GenerationLimits::default()).await;
    let source = w.note(w.ada, CELLS).await;
    *w.generator.cards.lock().unwrap() = vec![card(
        "What do mitochondria make?",
        "ATP, from glucose",
        cite(
            0,
            "Mitochondria are the organelles that make ATP from glucose.",
        ),
    )];
    let completed = w.start(GenerationKind::Flashcards, source).await;
    let failed = w.start(GenerationKind::Flashcards, source).await;
    assert_eq!(w.claim_runs().await, [completed, failed]);
    assert!(matches!(
        w.service.run(&completed).await.unwrap(),
        GenerationOutcome::Completed { .. }
    ));
    let error = DomainError::Unavailable {
        service: "language model",
        message: "503".to_owned(),
    };
    w.service.give_up(&failed, &error).await.unwrap();
    w.clock.advance(STRANDED_AFTER + TimeDelta::seconds(1));
    let recent = w.record_only(GenerationKind::Flashcards, source).await;

    assert_eq!(w.service.requeue_stranded().await.unwrap(), 0);
    assert!(w.claim_runs().await.is_empty(), "a run was queued");
    // Left as it is, the recent one is stranded in its turn.
    w.clock.advance(STRANDED_AFTER + TimeDelta::seconds(1));
    assert_eq!(w.service.requeue_stranded().await.unwrap(), 1);
    assert_eq!(w.claim_runs().await, [recent]);
}
