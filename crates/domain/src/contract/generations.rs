//! [`crate::GenerationRepository`]: generation jobs, what they make, and tokens spent.

use chrono::NaiveDate;

use super::Fixture;
use super::expect;
use super::seed::{World, all, new_card, new_guide, new_question, new_quiz, new_set};
use crate::entities::{
    GeneratedResult, GenerationFinish, GenerationJob, GenerationSettings, GenerationSource,
    NewGenerationJob, NewNotification, NotificationFilter, SourceQuote,
};
use crate::enums::{Difficulty, GenerationKind, JobStatus, NotificationType};
use crate::id::{DocumentChunkId, GenerationJobId, UserId};
use crate::ports::TokenUsage;
use crate::values::{MessageText, Progress, Title};

fn settings() -> GenerationSettings {
    GenerationSettings {
        count: 10,
        difficulty: Difficulty::Medium,
        question_types: Vec::new(),
        title: Some("Cells".to_owned()),
    }
}

fn ask(kind: GenerationKind, source: GenerationSource) -> NewGenerationJob {
    NewGenerationJob {
        kind,
        source,
        settings: settings(),
    }
}

fn notice(kind: NotificationType, text: &str) -> NewNotification {
    NewNotification {
        notification_type: kind,
        title: Title::parse(text).unwrap(),
        message: MessageText::parse(text).unwrap(),
        link: None,
    }
}

fn quote(source: GenerationSource, text: &str) -> SourceQuote {
    let links = source.links();
    SourceQuote {
        document_id: links.document_id,
        note_id: links.note_id,
        chunk_id: links.document_id.map(|_| DocumentChunkId::new()),
        page_number: links.document_id.map(|_| 3),
        quote: text.to_owned(),
        section: None,
    }
}

fn usage(prompt_tokens: u32, completion_tokens: u32) -> TokenUsage {
    TokenUsage {
        prompt_tokens,
        completion_tokens,
    }
}

fn cards_from(source: GenerationSource) -> GenerationFinish {
    let mut card = new_card("What do mitochondria make?", "ATP");
    card.sources = vec![quote(source, "mitochondria make ATP")];
    GenerationFinish {
        result: GeneratedResult::Flashcards(new_set("Cells", source.links(), vec![card])),
        model: "offline".to_owned(),
        usage: usage(120, 30),
        notice: notice(NotificationType::GenerationCompleted, "Flashcards ready"),
    }
}

async fn notifications(w: &World, user: UserId) -> Vec<crate::entities::Notification> {
    w.r.notifications
        .list(user, NotificationFilter::default(), all())
        .await
        .unwrap()
        .items
}

pub async fn generations_create_pending_from_an_owned_source(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let document = w.document(ada, "Biology").await.id;
    let job =
        w.r.generations
            .create(
                ada,
                ask(GenerationKind::Quiz, GenerationSource::Document(document)),
            )
            .await
            .unwrap();
    assert_eq!(
        (job.kind, job.status, job.progress),
        (GenerationKind::Quiz, JobStatus::Pending, 0)
    );
    assert_eq!(
        (job.document_id, job.note_id, job.course_id),
        (Some(document), None, None)
    );
    assert_eq!(job.settings, settings(), "the settings read back differ");
    assert_eq!(
        (job.result_id, job.model.as_deref(), job.completed_at),
        (None, None, None)
    );
    assert_eq!(w.r.generations.get(ada, job.id).await.unwrap(), job);

    let bob = w.user("bob").await;
    expect::not_found(
        w.r.generations
            .create(
                bob,
                ask(GenerationKind::Quiz, GenerationSource::Document(document)),
            )
            .await,
        "document",
        "a generation from another student's document",
    );
    let course = w.course(bob, "Chemistry").await.id;
    expect::not_found(
        w.r.generations
            .create(
                ada,
                ask(GenerationKind::Quiz, GenerationSource::Course(course)),
            )
            .await,
        "course",
        "a generation from another student's course",
    );
    expect::not_found(
        w.r.generations.get(bob, job.id).await,
        "generation job",
        "another student's generation",
    );
    assert!(
        w.r.generations
            .list(bob, all())
            .await
            .unwrap()
            .items
            .is_empty(),
        "another student lists the generation"
    );
}

pub async fn generations_finish_stores_the_result_with_its_sources_once(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let note = w.note(ada, "Cells", "mitochondria make ATP").await.id;
    let source = GenerationSource::Note(note);
    let job =
        w.r.generations
            .create(ada, ask(GenerationKind::Flashcards, source))
            .await
            .unwrap();
    let running =
        w.r.generations
            .advance(ada, job.id, Progress::new(40).unwrap())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(
        (running.status, running.progress),
        (JobStatus::Processing, 40)
    );
    let lower =
        w.r.generations
            .advance(ada, job.id, Progress::new(10).unwrap())
            .await
            .unwrap()
            .unwrap();
    assert_eq!(lower.progress, 40, "progress went back");

    let done =
        w.r.generations
            .finish(ada, job.id, cards_from(source))
            .await
            .unwrap()
            .expect("an unfinished generation was not finished");
    assert_eq!((done.status, done.progress), (JobStatus::Completed, 100));
    assert_eq!(done.model.as_deref(), Some("offline"));
    assert_eq!((done.prompt_tokens, done.completion_tokens), (120, 30));
    assert!(done.completed_at.is_some());
    let set_id = crate::id::FlashcardSetId::from_uuid(done.result_id.expect("no result id"));
    let set = w.r.flashcards.get_set(ada, set_id).await.unwrap();
    assert_eq!(
        set.set.note_id,
        Some(note),
        "the set is not linked to its source"
    );
    assert_eq!(set.flashcards.len(), 1);
    assert_eq!(
        set.flashcards[0].sources,
        vec![quote(source, "mitochondria make ATP")],
        "the card's sources read back differ"
    );
    let sent = notifications(&w, ada).await;
    assert_eq!(sent.len(), 1, "one notification for one generation");
    assert_eq!(
        sent[0].notification_type,
        NotificationType::GenerationCompleted
    );
    assert_eq!(
        sent[0].link.as_deref(),
        Some(format!("/api/v1/flashcard-sets/{set_id}").as_str())
    );

    assert_eq!(
        w.r.generations
            .finish(ada, job.id, cards_from(source))
            .await
            .unwrap(),
        None,
        "a finished generation finished again"
    );
    assert_eq!(
        w.r.flashcards
            .list_sets(ada, Default::default(), all())
            .await
            .unwrap()
            .items
            .len(),
        1,
        "a repeated finish made a second set"
    );
    assert_eq!(
        notifications(&w, ada).await.len(),
        1,
        "a repeated finish notified again"
    );
    assert_eq!(
        w.r.generations
            .advance(ada, job.id, Progress::new(50).unwrap())
            .await
            .unwrap(),
        None,
        "a finished generation advanced"
    );
    assert_eq!(
        w.r.generations
            .fail(
                ada,
                job.id,
                "late".to_owned(),
                notice(NotificationType::GenerationFailed, "x")
            )
            .await
            .unwrap(),
        None,
        "a finished generation failed"
    );

    w.r.flashcards.delete_set(ada, set_id).await.unwrap();
    let after = w.r.generations.get(ada, job.id).await.unwrap();
    assert_eq!(after.result_id, None, "the deleted result is still linked");
    assert_eq!(after.status, JobStatus::Completed);
}

pub async fn generations_finish_quiz_and_guide_keep_their_sources(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let document = w.document(ada, "Biology").await.id;
    let source = GenerationSource::Document(document);
    let quiz_job =
        w.r.generations
            .create(ada, ask(GenerationKind::Quiz, source))
            .await
            .unwrap();
    let mut question = new_question("What do mitochondria make?", 2);
    let cited = quote(source, "make ATP");
    question.sources = vec![cited.clone()];
    let done =
        w.r.generations
            .finish(
                ada,
                quiz_job.id,
                GenerationFinish {
                    result: GeneratedResult::Quiz(new_quiz(
                        "Cells quiz",
                        source.links(),
                        vec![question],
                    )),
                    model: "m".to_owned(),
                    usage: usage(0, 0),
                    notice: notice(NotificationType::GenerationCompleted, "Quiz ready"),
                },
            )
            .await
            .unwrap()
            .unwrap();
    let quiz =
        w.r.quizzes
            .get(ada, crate::id::QuizId::from_uuid(done.result_id.unwrap()))
            .await
            .unwrap();
    assert_eq!(quiz.quiz.total_points, 2);
    assert_eq!(quiz.questions[0].sources, vec![cited]);

    let guide_job =
        w.r.generations
            .create(ada, ask(GenerationKind::StudyGuide, source))
            .await
            .unwrap();
    let mut guide = new_guide("Cells guide", source.links());
    let mut section = quote(source, "Cells are the unit of life");
    section.section = Some("Cells".to_owned());
    guide.sources = vec![section.clone()];
    let mismatched =
        w.r.generations
            .finish(
                ada,
                guide_job.id,
                GenerationFinish {
                    result: GeneratedResult::Flashcards(new_set("x", source.links(), Vec::new())),
                    ..cards_from(source)
                },
            )
            .await;
    assert!(
        mismatched.is_err(),
        "a guide job finished with a flashcard set"
    );
    let done =
        w.r.generations
            .finish(
                ada,
                guide_job.id,
                GenerationFinish {
                    result: GeneratedResult::StudyGuide(guide),
                    model: "m".to_owned(),
                    usage: usage(5, 6),
                    notice: notice(NotificationType::GenerationCompleted, "Guide ready"),
                },
            )
            .await
            .unwrap()
            .unwrap();
    let stored =
        w.r.study_guides
            .get(
                ada,
                crate::id::StudyGuideId::from_uuid(done.result_id.unwrap()),
            )
            .await
            .unwrap();
    assert_eq!(stored.sources, vec![section]);
    assert_eq!(stored.document_id, Some(document));
}

pub async fn generations_fail_records_the_reason_and_notifies_once(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Biology").await.id;
    let job =
        w.r.generations
            .create(
                ada,
                ask(GenerationKind::StudyGuide, GenerationSource::Course(course)),
            )
            .await
            .unwrap();
    let failed =
        w.r.generations
            .fail(
                ada,
                job.id,
                "the course has no material".to_owned(),
                notice(NotificationType::GenerationFailed, "Generation failed"),
            )
            .await
            .unwrap()
            .unwrap();
    assert_eq!(failed.status, JobStatus::Failed);
    assert_eq!(
        failed.error_message.as_deref(),
        Some("the course has no material")
    );
    assert!(failed.completed_at.is_some());
    assert_eq!(
        w.r.generations
            .fail(
                ada,
                job.id,
                "again".to_owned(),
                notice(NotificationType::GenerationFailed, "Generation failed")
            )
            .await
            .unwrap(),
        None
    );
    let sent = notifications(&w, ada).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].notification_type,
        NotificationType::GenerationFailed
    );
    assert_eq!(
        w.r.generations
            .finish(ada, job.id, cards_from(GenerationSource::Course(course)))
            .await
            .unwrap(),
        None,
        "a failed generation finished"
    );
    let missing = GenerationJobId::new();
    assert_eq!(
        w.r.generations
            .advance(ada, missing, Progress::new(5).unwrap())
            .await
            .unwrap(),
        None
    );
}

pub async fn generations_go_with_their_source(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let note = w.note(ada, "Cells", "text").await.id;
    let course = w.course(ada, "Biology").await.id;
    let from_note =
        w.r.generations
            .create(ada, ask(GenerationKind::Quiz, GenerationSource::Note(note)))
            .await
            .unwrap();
    let from_course =
        w.r.generations
            .create(
                ada,
                ask(GenerationKind::Quiz, GenerationSource::Course(course)),
            )
            .await
            .unwrap();
    w.r.notes.delete(ada, note).await.unwrap();
    expect::not_found(
        w.r.generations.get(ada, from_note.id).await,
        "generation job",
        "a generation whose note was deleted",
    );
    assert!(w.r.generations.get(ada, from_course.id).await.is_ok());
    w.r.courses.delete(ada, course).await.unwrap();
    expect::not_found(
        w.r.generations.get(ada, from_course.id).await,
        "generation job",
        "a generation whose course was deleted",
    );
}

pub async fn generations_list_newest_first(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let note = w.note(ada, "Cells", "text").await.id;
    let mut made = Vec::new();
    for _ in 0..5 {
        made.push(
            w.r.generations
                .create(ada, ask(GenerationKind::Quiz, GenerationSource::Note(note)))
                .await
                .unwrap()
                .id,
        );
    }
    made.reverse();
    let (_, listed) = expect::every_page(2, |page| w.r.generations.list(ada, page)).await;
    let ids: Vec<GenerationJobId> = listed.iter().map(|job| job.id).collect();
    assert_eq!(ids, made, "not newest first across pages");
}

pub async fn generations_token_usage_adds_up_per_user_and_day(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(w.r.generations.usage_on(ada, today).await.unwrap(), 0);
    w.r.generations
        .record_usage(ada, today, usage(100, 20))
        .await
        .unwrap();
    w.r.generations
        .record_usage(ada, today, usage(50, 5))
        .await
        .unwrap();
    w.r.generations
        .record_usage(ada, tomorrow, usage(7, 0))
        .await
        .unwrap();
    w.r.generations
        .record_usage(bob, today, usage(1, 1))
        .await
        .unwrap();
    assert_eq!(w.r.generations.usage_on(ada, today).await.unwrap(), 175);
    assert_eq!(w.r.generations.usage_on(ada, tomorrow).await.unwrap(), 7);
    assert_eq!(w.r.generations.usage_on(bob, today).await.unwrap(), 2);
}

pub async fn generations_delete_removes_the_record_only(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let note = w.note(ada, "Cells", "mitochondria make ATP").await.id;
    let source = GenerationSource::Note(note);
    let job =
        w.r.generations
            .create(ada, ask(GenerationKind::Flashcards, source))
            .await
            .unwrap();
    let done =
        w.r.generations
            .finish(ada, job.id, cards_from(source))
            .await
            .unwrap()
            .unwrap();
    let bob = w.user("bob").await;
    expect::not_found(
        w.r.generations.delete(bob, job.id).await,
        "generation job",
        "another user's generation",
    );
    w.r.generations.delete(ada, job.id).await.unwrap();
    expect::not_found(
        w.r.generations.get(ada, job.id).await,
        "generation job",
        "a deleted generation",
    );
    expect::not_found(
        w.r.generations.delete(ada, job.id).await,
        "generation job",
        "a generation deleted twice",
    );
    let set = crate::id::FlashcardSetId::from_uuid(done.result_id.unwrap());
    assert!(
        w.r.flashcards.get_set(ada, set).await.is_ok(),
        "the result went with the record"
    );
}

pub async fn generations_stranded_are_unfinished_and_untouched_since(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let ada_note = GenerationSource::Note(w.note(ada, "Cells", "mitochondria make ATP").await.id);
    let bob_note = GenerationSource::Note(w.note(bob, "Atoms", "text").await.id);
    let create = async |user: UserId, source: GenerationSource| -> GenerationJob {
        w.r.generations
            .create(user, ask(GenerationKind::Flashcards, source))
            .await
            .unwrap()
    };
    let advance = async |user: UserId, job: GenerationJob| -> GenerationJob {
        w.r.generations
            .advance(user, job.id, Progress::new(5).unwrap())
            .await
            .unwrap()
            .unwrap()
    };
    let pending = create(ada, ada_note).await;
    let moved = create(ada, ada_note).await;
    let processing = advance(bob, create(bob, bob_note).await).await;
    let completed = create(ada, ada_note).await;
    w.r.generations
        .finish(ada, completed.id, cards_from(ada_note))
        .await
        .unwrap()
        .unwrap();
    let failed = create(bob, bob_note).await;
    w.r.generations
        .fail(
            bob,
            failed.id,
            "no material".to_owned(),
            notice(NotificationType::GenerationFailed, "Generation failed"),
        )
        .await
        .unwrap()
        .unwrap();
    // Changed last, though made before the others.
    let moved = advance(ada, moved).await;

    // Oldest change first, then by id (timestamps may tie).
    let mut unfinished = [&pending, &processing, &moved];
    unfinished.sort_by_key(|job| (job.updated_at, job.id));
    let expected = |before: chrono::DateTime<chrono::Utc>| -> Vec<(UserId, GenerationJobId)> {
        unfinished
            .iter()
            .filter(|job| job.updated_at < before)
            .map(|job| (job.user_id, job.id))
            .collect()
    };
    let later = moved.updated_at + chrono::TimeDelta::seconds(1);
    let stranded = w.r.generations.stranded(later, 10).await.unwrap();
    assert_eq!(
        stranded,
        expected(later),
        "every user's unfinished generations, oldest change first, and no finished one"
    );
    assert_eq!(stranded.len(), 3);
    assert_eq!(
        w.r.generations.stranded(later, 2).await.unwrap(),
        expected(later)[..2],
        "the limit is not kept, or not on the oldest"
    );
    // A generation changed at `before` or since is not stranded (yet).
    let stranded =
        w.r.generations
            .stranded(moved.updated_at, 10)
            .await
            .unwrap();
    assert!(
        !stranded.contains(&(ada, moved.id)),
        "a generation changed since is taken for stranded"
    );
    assert_eq!(stranded, expected(moved.updated_at));
    assert!(
        w.r.generations
            .stranded(pending.created_at, 10)
            .await
            .unwrap()
            .is_empty(),
        "a generation made after `before` is taken for stranded"
    );
}
