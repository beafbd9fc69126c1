//! Smoke test of the study-material adapters (flashcards, quizzes, study guides) against a real
//! PostgreSQL: a fresh database `smoke_<uuid>` on `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`), migrated, dropped at the end.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use chrono::{Duration, Utc};
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use sophie_domain::values::{
    CardText, Color, DurationSeconds, Markdown, Points, QuestionContent, Tags, TimeLimitMinutes,
    Title,
};
use sophie_domain::{
    CourseId, Difficulty, DocumentChunkId, DocumentId, DomainError, FlashcardRepository,
    FlashcardSetFilter, FlashcardSetUpdate, FlashcardUpdate, GradedAnswer, NewFlashcard,
    NewFlashcardSet, NewQuestion, NewQuiz, NewQuizResponse, NewStudyGuide, NoteId, PageRequest,
    QuestionId, QuestionType, QuestionUpdate, QuizFilter, QuizRepository, QuizUpdate, SourceLinks,
    SourceLinksUpdate, SourceQuote, StudyGuideFilter, StudyGuideRepository, StudyGuideUpdate,
    UserId,
};
use sophie_persistence::testing::TestDatabase;
use sophie_persistence::{Database, DatabaseConfig, PostgresStore, run_pending_migrations};
use uuid::Uuid;

const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

fn admin_url() -> String {
    std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_URL.to_owned())
}

fn with_database(url: &str, name: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("a URL with a database");
    format!("{base}/{name}")
}

/// Drops the database when the test ends, also when it fails.
struct Scratch {
    name: String,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let name = self.name.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .ok()?;
            runtime.block_on(async {
                let mut admin = AsyncPgConnection::establish(&admin_url()).await.ok()?;
                admin
                    .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .await
                    .ok()
            })
        })
        .join();
    }
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[expect(
    clippy::disallowed_methods,
    reason = "a read in a test: no commit to wait for"
)]
async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .n
}

fn title(s: &str) -> Title {
    Title::parse(s).unwrap()
}

fn text(s: &str) -> CardText {
    CardText::parse(s).unwrap()
}

fn card(i: usize) -> NewFlashcard {
    NewFlashcard {
        question: text(&format!("Q{i}")),
        answer: text(&format!("A{i}")),
        hint: Some(text("hint")),
        explanation: None,
        difficulty: Difficulty::Easy,
        sources: Vec::new(),
    }
}

fn new_set(name: &str, cards: usize, links: SourceLinks, tags: &[&str]) -> NewFlashcardSet {
    NewFlashcardSet {
        title: title(name),
        description: Some(sophie_domain::values::Description::parse("d").unwrap()),
        difficulty: Difficulty::Medium,
        tags: Tags::parse(tags.iter().copied()).unwrap(),
        color: Color::default(),
        links,
        flashcards: (0..cards).map(card).collect(),
    }
}

fn question(i: usize, kind: QuestionType, points: i64) -> NewQuestion {
    let content = match kind {
        QuestionType::MultipleChoice => QuestionContent::new(
            kind,
            Some(vec!["red".into(), "green".into(), "blue".into()]),
            "green",
        ),
        QuestionType::TrueFalse => QuestionContent::new(kind, None, "TRUE"),
        _ => QuestionContent::new(kind, None, "mitochondria"),
    }
    .unwrap();
    NewQuestion {
        question: text(&format!("Question {i}")),
        content,
        explanation: None,
        hint: None,
        difficulty: Difficulty::Hard,
        points: Points::new(points).unwrap(),
        sources: Vec::new(),
    }
}

fn new_quiz(name: &str, questions: Vec<NewQuestion>, links: SourceLinks) -> NewQuiz {
    NewQuiz {
        title: title(name),
        description: None,
        difficulty: Difficulty::Hard,
        time_limit: Some(TimeLimitMinutes::new(30).unwrap()),
        links,
        questions,
    }
}

fn assert_not_found<T: std::fmt::Debug>(result: Result<T, DomainError>, entity: &str) {
    match result {
        Err(DomainError::NotFound { entity: e }) if e == entity => {}
        other => panic!("expected NotFound({entity}), got {other:?}"),
    }
}

fn assert_validation<T: std::fmt::Debug>(result: Result<T, DomainError>, field: &str) {
    match result {
        Err(DomainError::Validation { field: f, .. }) if f == field => {}
        other => panic!("expected Validation({field}), got {other:?}"),
    }
}

#[tokio::test]
async fn study_materials_on_postgres() {
    let name = format!("smoke_{}", Uuid::new_v4().simple());
    let mut admin = AsyncPgConnection::establish(&admin_url())
        .await
        .expect("PostgreSQL reachable");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let _scratch = Scratch { name: name.clone() };
    let config = DatabaseConfig::new(with_database(&admin_url(), &name));
    run_pending_migrations(&config).await.unwrap();
    let store = Arc::new(PostgresStore::new(Database::connect_lazy(&config).unwrap()));
    let mut sql = AsyncPgConnection::establish(&config.url).await.unwrap();

    let (alice, bob) = (UserId::new(), UserId::new());
    let (alice_course, bob_course) = (CourseId::new(), CourseId::new());
    sql.batch_execute(&format!(
        "INSERT INTO users (id, name, email) VALUES ('{}', 'Alice', 'alice@example.com'), \
                                                   ('{}', 'Bob', 'bob@example.com'); \
         INSERT INTO courses (id, name, user_id) VALUES ('{}', 'Bio', '{}'), ('{}', 'Chem', '{}');",
        alice.as_uuid(),
        bob.as_uuid(),
        alice_course.as_uuid(),
        alice.as_uuid(),
        bob_course.as_uuid(),
        bob.as_uuid(),
    ))
    .await
    .unwrap();
    let alice_links = SourceLinks {
        course_id: Some(alice_course),
        ..SourceLinks::default()
    };
    let bob_links = SourceLinks {
        course_id: Some(bob_course),
        ..SourceLinks::default()
    };

    // ---------------------------------------------------------------- flashcards
    let created = store
        .create_set(alice, new_set("Cells", 3, alice_links, &["bio", "exam"]))
        .await
        .unwrap();
    assert_eq!(created.set.course_id, Some(alice_course));
    assert_eq!(created.set.tags, vec!["bio", "exam"]);
    assert_eq!(created.set.created_at, created.set.updated_at);
    let questions: Vec<_> = created
        .flashcards
        .iter()
        .map(|c| c.question.as_str())
        .collect();
    assert_eq!(questions, ["Q0", "Q1", "Q2"]);
    assert!(
        created
            .flashcards
            .iter()
            .all(|c| c.created_at == created.set.created_at && c.hint.as_deref() == Some("hint"))
    );
    let fetched = store.get_set(alice, created.set.id).await.unwrap();
    assert_eq!(fetched, created);
    assert_not_found(store.get_set(bob, created.set.id).await, "flashcard set");

    // Another user's course: nothing written.
    assert_not_found(
        store
            .create_set(alice, new_set("X", 2, bob_links, &[]))
            .await,
        "course",
    );
    assert_validation(
        store
            .create_set(
                alice,
                new_set("X", NewFlashcardSet::MAX_CARDS + 1, alice_links, &[]),
            )
            .await,
        "flashcards",
    );
    assert_eq!(
        count(&mut sql, "SELECT count(*) AS n FROM flashcard_sets").await,
        1
    );
    assert_eq!(
        count(&mut sql, "SELECT count(*) AS n FROM flashcards").await,
        3
    );
    // A user that does not exist.
    assert_not_found(
        store
            .create_set(UserId::new(), new_set("X", 1, SourceLinks::default(), &[]))
            .await,
        "user",
    );

    let second = store
        .create_set(
            alice,
            new_set("Atoms", 0, SourceLinks::default(), &["chem"]),
        )
        .await
        .unwrap();
    assert!(second.flashcards.is_empty());
    let page = store
        .list_sets(
            alice,
            FlashcardSetFilter::default(),
            PageRequest::first_of(1),
        )
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].id, second.set.id);
    let cursor = page.next_cursor.expect("a second page");
    let page2 = store
        .list_sets(
            alice,
            FlashcardSetFilter::default(),
            PageRequest::first_of(1).after(cursor),
        )
        .await
        .unwrap();
    assert_eq!(page2.items.len(), 1);
    assert_eq!(page2.items[0].id, created.set.id);
    assert!(page2.next_cursor.is_none());
    let by_tag = store
        .list_sets(
            alice,
            FlashcardSetFilter {
                tag: Some("exam".into()),
                ..FlashcardSetFilter::default()
            },
            PageRequest::first(),
        )
        .await
        .unwrap();
    assert_eq!(by_tag.items.len(), 1);
    assert_eq!(by_tag.items[0].id, created.set.id);
    let by_course_and_difficulty = store
        .list_sets(
            alice,
            FlashcardSetFilter {
                course_id: Some(alice_course),
                difficulty: Some(Difficulty::Hard),
                ..FlashcardSetFilter::default()
            },
            PageRequest::first(),
        )
        .await
        .unwrap();
    assert!(by_course_and_difficulty.items.is_empty());
    let bobs = store
        .list_sets(bob, FlashcardSetFilter::default(), PageRequest::first())
        .await
        .unwrap();
    assert!(bobs.items.is_empty());

    tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    let updated = store
        .update_set(
            alice,
            created.set.id,
            FlashcardSetUpdate {
                title: Some(title("Cells 2")),
                description: Some(None),
                difficulty: Some(Difficulty::Hard),
                tags: Some(Tags::parse(["new"]).unwrap()),
                color: None,
                links: SourceLinksUpdate {
                    course_id: Some(None),
                    ..SourceLinksUpdate::default()
                },
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.title, "Cells 2");
    assert_eq!(updated.description, None);
    assert_eq!(updated.difficulty, Difficulty::Hard);
    assert_eq!(updated.tags, vec!["new"]);
    assert_eq!(updated.color, "blue");
    assert_eq!(updated.course_id, None);
    assert_eq!(updated.created_at, created.set.created_at);
    assert!(updated.updated_at > created.set.updated_at);
    let relink = SourceLinksUpdate {
        course_id: Some(Some(bob_course)),
        ..SourceLinksUpdate::default()
    };
    assert_not_found(
        store
            .update_set(
                alice,
                created.set.id,
                FlashcardSetUpdate {
                    links: relink,
                    ..FlashcardSetUpdate::default()
                },
            )
            .await,
        "course",
    );
    assert_not_found(
        store
            .update_set(bob, created.set.id, FlashcardSetUpdate::default())
            .await,
        "flashcard set",
    );
    let relinked = store
        .update_set(
            alice,
            created.set.id,
            FlashcardSetUpdate {
                links: SourceLinksUpdate {
                    course_id: Some(Some(alice_course)),
                    ..SourceLinksUpdate::default()
                },
                ..FlashcardSetUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(relinked.course_id, Some(alice_course));

    let added = store
        .add_card(alice, created.set.id, card(9))
        .await
        .unwrap();
    assert_not_found(
        store.add_card(bob, created.set.id, card(9)).await,
        "flashcard set",
    );
    let cards = store
        .get_set(alice, created.set.id)
        .await
        .unwrap()
        .flashcards;
    assert_eq!(cards.len(), 4);
    assert_eq!(cards[3].id, added.id);
    let first = cards[0].id;
    let changed = store
        .update_card(
            alice,
            created.set.id,
            first,
            FlashcardUpdate {
                answer: Some(text("new answer")),
                hint: Some(None),
                ..FlashcardUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.answer, "new answer");
    assert_eq!(changed.hint, None);
    assert_eq!(changed.question, "Q0");
    assert_not_found(
        store
            .update_card(alice, second.set.id, first, FlashcardUpdate::default())
            .await,
        "flashcard",
    );
    assert_not_found(
        store
            .update_card(bob, created.set.id, first, FlashcardUpdate::default())
            .await,
        "flashcard set",
    );
    assert_not_found(
        store.delete_card(bob, created.set.id, first).await,
        "flashcard set",
    );
    assert_not_found(
        store.delete_card(alice, second.set.id, first).await,
        "flashcard",
    );
    store
        .delete_card(alice, created.set.id, first)
        .await
        .unwrap();
    assert_not_found(
        store.delete_card(alice, created.set.id, first).await,
        "flashcard",
    );

    // A full set takes no more cards.
    let full = store
        .create_set(
            alice,
            new_set(
                "Full",
                NewFlashcardSet::MAX_CARDS,
                SourceLinks::default(),
                &[],
            ),
        )
        .await
        .unwrap();
    assert_eq!(full.flashcards.len(), NewFlashcardSet::MAX_CARDS);
    assert_eq!(full.flashcards[499].question, "Q499");
    assert_validation(
        store.add_card(alice, full.set.id, card(0)).await,
        "flashcards",
    );

    assert_not_found(store.delete_set(bob, created.set.id).await, "flashcard set");
    store.delete_set(alice, created.set.id).await.unwrap();
    assert_not_found(
        store.delete_set(alice, created.set.id).await,
        "flashcard set",
    );
    assert_eq!(
        count(
            &mut sql,
            &format!(
                "SELECT count(*) AS n FROM flashcards WHERE flashcard_set_id = '{}'",
                created.set.id.as_uuid()
            )
        )
        .await,
        0
    );

    // ---------------------------------------------------------------- quizzes
    let quiz = QuizRepository::create(
        &*store,
        alice,
        new_quiz(
            "Bio quiz",
            vec![
                question(0, QuestionType::MultipleChoice, 1),
                question(1, QuestionType::TrueFalse, 2),
                question(2, QuestionType::ShortAnswer, 3),
            ],
            alice_links,
        ),
    )
    .await
    .unwrap();
    assert_eq!(quiz.quiz.total_points, 6);
    assert_eq!(quiz.quiz.time_limit, Some(30));
    assert_eq!(quiz.questions.len(), 3);
    assert_eq!(
        quiz.questions[0].options,
        Some(vec![
            "red".to_owned(),
            "green".to_owned(),
            "blue".to_owned()
        ])
    );
    assert_eq!(
        quiz.questions[0].question_type,
        QuestionType::MultipleChoice
    );
    assert_eq!(quiz.questions[1].correct_answer, "true");
    assert_eq!(quiz.questions[1].options, None);
    assert_eq!(quiz.questions[2].question, "Question 2");
    assert_eq!(
        QuizRepository::get(&*store, alice, quiz.quiz.id)
            .await
            .unwrap(),
        quiz
    );
    assert_not_found(
        QuizRepository::get(&*store, bob, quiz.quiz.id).await,
        "quiz",
    );
    assert_not_found(
        QuizRepository::create(&*store, alice, new_quiz("X", vec![], bob_links)).await,
        "course",
    );
    assert_validation(
        QuizRepository::create(
            &*store,
            alice,
            new_quiz(
                "X",
                (0..=NewQuiz::MAX_QUESTIONS)
                    .map(|i| question(i, QuestionType::ShortAnswer, 1))
                    .collect(),
                SourceLinks::default(),
            ),
        )
        .await,
        "questions",
    );
    // jsonb as stored: an array of strings.
    assert_eq!(
        count(
            &mut sql,
            "SELECT count(*) AS n FROM questions WHERE jsonb_typeof(options) = 'array'"
        )
        .await,
        1
    );

    let listed = QuizRepository::list(
        &*store,
        alice,
        QuizFilter {
            course_id: Some(alice_course),
            difficulty: Some(Difficulty::Hard),
            ..QuizFilter::default()
        },
        PageRequest::first(),
    )
    .await
    .unwrap();
    assert_eq!(listed.items, vec![quiz.quiz.clone()]);
    let none = QuizRepository::list(
        &*store,
        alice,
        QuizFilter {
            difficulty: Some(Difficulty::Easy),
            ..QuizFilter::default()
        },
        PageRequest::first(),
    )
    .await
    .unwrap();
    assert!(none.items.is_empty());

    let renamed = QuizRepository::update(
        &*store,
        alice,
        quiz.quiz.id,
        QuizUpdate {
            title: Some(title("Renamed")),
            time_limit: Some(None),
            ..QuizUpdate::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(renamed.title, "Renamed");
    assert_eq!(renamed.time_limit, None);
    assert_eq!(renamed.total_points, 6);
    assert_not_found(
        QuizRepository::update(&*store, bob, quiz.quiz.id, QuizUpdate::default()).await,
        "quiz",
    );

    let q4 = store
        .add_question(
            alice,
            quiz.quiz.id,
            question(3, QuestionType::FillInTheBlank, 4),
        )
        .await
        .unwrap();
    assert_eq!(
        QuizRepository::get(&*store, alice, quiz.quiz.id)
            .await
            .unwrap()
            .quiz
            .total_points,
        10
    );
    assert_not_found(
        store
            .add_question(bob, quiz.quiz.id, question(3, QuestionType::ShortAnswer, 4))
            .await,
        "quiz",
    );
    let q0 = quiz.questions[0].id;
    let changed = store
        .update_question(
            alice,
            quiz.quiz.id,
            q0,
            QuestionUpdate {
                content: Some(QuestionContent::new(QuestionType::ShortAnswer, None, "x").unwrap()),
                points: Some(Points::new(10).unwrap()),
                hint: Some(Some(text("think"))),
                ..QuestionUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.question_type, QuestionType::ShortAnswer);
    assert_eq!(changed.options, None);
    assert_eq!(changed.correct_answer, "x");
    assert_eq!(changed.points, 10);
    assert_eq!(changed.hint.as_deref(), Some("think"));
    assert_eq!(
        QuizRepository::get(&*store, alice, quiz.quiz.id)
            .await
            .unwrap()
            .quiz
            .total_points,
        19
    );
    let retitled = store
        .update_question(
            alice,
            quiz.quiz.id,
            q0,
            QuestionUpdate {
                question: Some(text("Reworded")),
                ..QuestionUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(retitled.question, "Reworded");
    assert_eq!(retitled.points, 10);
    for user in [alice, bob] {
        let quiz_id = if user == alice {
            second_quiz_id(&store, alice).await
        } else {
            quiz.quiz.id
        };
        for points in [None, Some(Points::new(2).unwrap())] {
            assert_not_found(
                store
                    .update_question(
                        user,
                        quiz_id,
                        q0,
                        QuestionUpdate {
                            points,
                            ..QuestionUpdate::default()
                        },
                    )
                    .await,
                if user == alice { "question" } else { "quiz" },
            );
        }
        assert_not_found(
            store.delete_question(user, quiz_id, q0).await,
            if user == alice { "question" } else { "quiz" },
        );
    }
    assert_not_found(
        store
            .delete_question(alice, quiz.quiz.id, QuestionId::new())
            .await,
        "question",
    );
    store
        .delete_question(alice, quiz.quiz.id, q4.id)
        .await
        .unwrap();
    let now = QuizRepository::get(&*store, alice, quiz.quiz.id)
        .await
        .unwrap();
    assert_eq!(now.quiz.total_points, 15);
    assert_eq!(now.questions.len(), 3);

    // Concurrent adds keep the total and the limit.
    let mut handles = Vec::new();
    for i in 0..20 {
        let store = Arc::clone(&store);
        let id = quiz.quiz.id;
        handles.push(tokio::spawn(async move {
            store
                .add_question(alice, id, question(i, QuestionType::ShortAnswer, 5))
                .await
        }));
    }
    for handle in handles {
        handle.await.unwrap().unwrap();
    }
    let after = QuizRepository::get(&*store, alice, quiz.quiz.id)
        .await
        .unwrap();
    assert_eq!(after.questions.len(), 23);
    assert_eq!(after.quiz.total_points, 15 + 20 * 5);
    let full_quiz = QuizRepository::create(
        &*store,
        alice,
        new_quiz(
            "Full",
            (0..NewQuiz::MAX_QUESTIONS)
                .map(|i| question(i, QuestionType::ShortAnswer, 1000))
                .collect(),
            SourceLinks::default(),
        ),
    )
    .await
    .unwrap();
    assert_eq!(full_quiz.quiz.total_points, 200_000);
    assert_validation(
        store
            .add_question(
                alice,
                full_quiz.quiz.id,
                question(0, QuestionType::TrueFalse, 1),
            )
            .await,
        "questions",
    );

    // Responses.
    let completed = Utc::now();
    let response = store
        .record_response(
            alice,
            NewQuizResponse {
                quiz_id: quiz.quiz.id,
                answers: vec![GradedAnswer {
                    question_id: q0,
                    answer: Some("x".into()),
                    correct: true,
                    points_awarded: 10,
                }],
                score: 10,
                total_points: 115,
                time_spent_seconds: Some(DurationSeconds::new(90).unwrap()),
                started_at: Some(completed - Duration::seconds(90)),
                completed_at: completed,
            },
        )
        .await
        .unwrap();
    assert_eq!(response.user_id, alice);
    assert_eq!(response.answers.len(), 1);
    assert_eq!(response.time_spent_seconds, Some(90));
    assert_eq!(
        response.completed_at.timestamp_micros(),
        completed.timestamp_micros()
    );
    let second_response = store
        .record_response(
            alice,
            NewQuizResponse {
                quiz_id: quiz.quiz.id,
                answers: vec![],
                score: 0,
                total_points: 115,
                time_spent_seconds: None,
                started_at: None,
                completed_at: completed,
            },
        )
        .await
        .unwrap();
    assert_not_found(
        store
            .record_response(
                bob,
                NewQuizResponse {
                    quiz_id: quiz.quiz.id,
                    answers: vec![],
                    score: 0,
                    total_points: 1,
                    time_spent_seconds: None,
                    started_at: None,
                    completed_at: completed,
                },
            )
            .await,
        "quiz",
    );
    assert_validation(
        store
            .record_response(
                alice,
                NewQuizResponse {
                    quiz_id: quiz.quiz.id,
                    answers: vec![],
                    score: 5,
                    total_points: 1,
                    time_spent_seconds: None,
                    started_at: None,
                    completed_at: completed,
                },
            )
            .await,
        "score",
    );
    assert_eq!(
        store.get_response(alice, response.id).await.unwrap(),
        response
    );
    assert_not_found(store.get_response(bob, response.id).await, "quiz response");
    let responses = store
        .list_responses(alice, quiz.quiz.id, PageRequest::first_of(1))
        .await
        .unwrap();
    assert_eq!(responses.items, vec![second_response.clone()]);
    let rest = store
        .list_responses(
            alice,
            quiz.quiz.id,
            PageRequest::first_of(1).after(responses.next_cursor.unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(rest.items, vec![response.clone()]);
    assert_not_found(
        store
            .list_responses(bob, quiz.quiz.id, PageRequest::first())
            .await,
        "quiz",
    );

    assert_not_found(
        QuizRepository::delete(&*store, bob, quiz.quiz.id).await,
        "quiz",
    );
    QuizRepository::delete(&*store, alice, quiz.quiz.id)
        .await
        .unwrap();
    assert_eq!(
        count(
            &mut sql,
            &format!(
                "SELECT (SELECT count(*) FROM questions WHERE quiz_id = '{0}') + \
                 (SELECT count(*) FROM quiz_responses WHERE quiz_id = '{0}') AS n",
                quiz.quiz.id.as_uuid()
            )
        )
        .await,
        0
    );

    // ---------------------------------------------------------------- study guides
    let plain = StudyGuideRepository::create(
        &*store,
        alice,
        NewStudyGuide {
            title: title("Guide"),
            content: Markdown::parse("# Hi").unwrap(),
            links: SourceLinks::default(),
            sources: Vec::new(),
        },
    )
    .await
    .unwrap();
    let linked = StudyGuideRepository::create(
        &*store,
        alice,
        NewStudyGuide {
            title: title("Linked"),
            content: Markdown::parse("").unwrap(),
            links: alice_links,
            sources: Vec::new(),
        },
    )
    .await
    .unwrap();
    assert_eq!(linked.course_id, Some(alice_course));
    assert_not_found(
        StudyGuideRepository::create(
            &*store,
            alice,
            NewStudyGuide {
                title: title("X"),
                content: Markdown::parse("").unwrap(),
                links: bob_links,
                sources: Vec::new(),
            },
        )
        .await,
        "course",
    );
    assert_eq!(
        StudyGuideRepository::get(&*store, alice, plain.id)
            .await
            .unwrap(),
        plain
    );
    assert_not_found(
        StudyGuideRepository::get(&*store, bob, plain.id).await,
        "study guide",
    );
    let guides = StudyGuideRepository::list(
        &*store,
        alice,
        StudyGuideFilter {
            course_id: Some(alice_course),
            ..StudyGuideFilter::default()
        },
        PageRequest::first(),
    )
    .await
    .unwrap();
    assert_eq!(guides.items, vec![linked.clone()]);
    let all = StudyGuideRepository::list(
        &*store,
        alice,
        StudyGuideFilter::default(),
        PageRequest::first(),
    )
    .await
    .unwrap();
    assert_eq!(all.items, vec![linked.clone(), plain.clone()]);
    let edited = StudyGuideRepository::update(
        &*store,
        alice,
        plain.id,
        StudyGuideUpdate {
            content: Some(Markdown::parse("new").unwrap()),
            links: SourceLinksUpdate {
                course_id: Some(Some(alice_course)),
                ..SourceLinksUpdate::default()
            },
            ..StudyGuideUpdate::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(edited.content, "new");
    assert_eq!(edited.title, "Guide");
    assert_eq!(edited.course_id, Some(alice_course));
    assert_not_found(
        StudyGuideRepository::update(&*store, bob, plain.id, StudyGuideUpdate::default()).await,
        "study guide",
    );
    assert_not_found(
        StudyGuideRepository::delete(&*store, bob, plain.id).await,
        "study guide",
    );
    StudyGuideRepository::delete(&*store, alice, plain.id)
        .await
        .unwrap();
    assert_not_found(
        StudyGuideRepository::get(&*store, alice, plain.id).await,
        "study guide",
    );
}

/// Another of alice's quizzes (empty), to address a question through the wrong quiz.
async fn second_quiz_id(store: &PostgresStore, alice: UserId) -> sophie_domain::QuizId {
    QuizRepository::create(
        store,
        alice,
        new_quiz("Other", vec![], SourceLinks::default()),
    )
    .await
    .unwrap()
    .quiz
    .id
}

/// What generated cards, questions and guides rest on is kept as a `jsonb` array of camelCase
/// objects and read back as written; hand-written items keep `[]`.
#[tokio::test]
async fn sources_are_stored_as_a_json_array_and_read_back() {
    let db = TestDatabase::new().await;
    let store = PostgresStore::new(db.pool());
    let mut sql = db.connection().await;
    let alice = UserId::new();
    sql.batch_execute(&format!(
        "INSERT INTO users (id, name, email) VALUES ('{}', 'Alice', 'alice@example.com')",
        alice.as_uuid()
    ))
    .await
    .unwrap();
    let note = NoteId::new();
    let from_note = SourceQuote {
        document_id: None,
        note_id: Some(note),
        chunk_id: None,
        page_number: None,
        quote: "mitochondria make ATP".to_owned(),
        section: None,
    };
    let from_document = SourceQuote {
        document_id: Some(DocumentId::new()),
        note_id: None,
        chunk_id: Some(DocumentChunkId::new()),
        page_number: Some(3),
        quote: "the \"powerhouse\" of the cell".to_owned(),
        section: Some("Cells".to_owned()),
    };

    let mut generated = card(1);
    generated.sources = vec![from_note.clone(), from_document.clone()];
    let set = store
        .create_set(
            alice,
            NewFlashcardSet {
                flashcards: vec![card(0), generated],
                ..new_set("Cells", 0, SourceLinks::default(), &[])
            },
        )
        .await
        .unwrap();
    assert!(set.flashcards[0].sources.is_empty());
    assert_eq!(
        set.flashcards[1].sources,
        [from_note.clone(), from_document.clone()]
    );
    assert_eq!(store.get_set(alice, set.set.id).await.unwrap(), set);
    assert_eq!(
        count(
            &mut sql,
            "SELECT count(*) AS n FROM flashcards WHERE sources = '[]'::jsonb"
        )
        .await,
        1,
        "a hand-written card keeps an empty array"
    );
    assert_eq!(
        count(
            &mut sql,
            &format!(
                "SELECT count(*) AS n FROM flashcards \
                 WHERE sources -> 0 = '{{\"noteId\": \"{}\", \"quote\": \"mitochondria make ATP\"}}'::jsonb \
                   AND sources -> 1 ->> 'pageNumber' = '3' AND sources -> 1 ->> 'section' = 'Cells' \
                   AND jsonb_array_length(sources) = 2",
                note.as_uuid()
            )
        )
        .await,
        1,
        "the sources are not a camelCase array in the column"
    );
    let mut added = card(2);
    added.sources = vec![from_document.clone()];
    let added = store.add_card(alice, set.set.id, added).await.unwrap();
    assert_eq!(added.sources, vec![from_document.clone()]);

    let mut cited = question(0, QuestionType::ShortAnswer, 2);
    cited.sources = vec![from_note.clone()];
    let quiz = QuizRepository::create(
        &store,
        alice,
        new_quiz(
            "Cells quiz",
            vec![cited, question(1, QuestionType::TrueFalse, 1)],
            SourceLinks::default(),
        ),
    )
    .await
    .unwrap();
    assert_eq!(quiz.questions[0].sources, vec![from_note.clone()]);
    assert!(quiz.questions[1].sources.is_empty());
    assert_eq!(
        QuizRepository::get(&store, alice, quiz.quiz.id)
            .await
            .unwrap(),
        quiz
    );
    let mut another = question(2, QuestionType::ShortAnswer, 1);
    another.sources = vec![from_document.clone()];
    let another = store
        .add_question(alice, quiz.quiz.id, another)
        .await
        .unwrap();
    assert_eq!(another.sources, vec![from_document.clone()]);

    let guide = StudyGuideRepository::create(
        &store,
        alice,
        NewStudyGuide {
            title: title("Cells guide"),
            content: Markdown::parse("# Cells").unwrap(),
            links: SourceLinks::default(),
            sources: vec![from_document.clone()],
        },
    )
    .await
    .unwrap();
    assert_eq!(guide.sources, [from_document]);
    assert_eq!(
        StudyGuideRepository::get(&store, alice, guide.id)
            .await
            .unwrap(),
        guide
    );
}
