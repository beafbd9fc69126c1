//! Importing flashcard sets from CSV and exporting them, through the interchange service on
//! the in-memory adapters: one set made atomically with every valid row, its title and tags,
//! the course checked, and the export read back into the same cards.

#![cfg(feature = "memory")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sophie_domain::memory::MemoryStore;
use sophie_domain::services::interchange::{DEFAULT_TITLE, InterchangeService};
use sophie_domain::values::{Color, Email, Name, Title};
use sophie_domain::{
    DomainError, FlashcardSetFilter, NewCourse, NewFlashcardSet, NewUser, PageRequest,
    Repositories, UserId,
};

struct World {
    r: Repositories,
    service: InterchangeService,
    ada: UserId,
    bob: UserId,
}

impl World {
    async fn new() -> Self {
        let r = MemoryStore::new().repositories();
        let service = InterchangeService::new(r.flashcards.clone(), 64 * 1024);
        let ada = user(&r, "ada@example.com").await;
        let bob = user(&r, "bob@example.com").await;
        Self {
            r,
            service,
            ada,
            bob,
        }
    }

    async fn sets_of(&self, user: UserId) -> usize {
        self.r
            .flashcards
            .list_sets(user, FlashcardSetFilter::default(), PageRequest::default())
            .await
            .unwrap()
            .items
            .len()
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

const CELLS: &str = "question,answer,hint,explanation,tags\r\n\
    \"Powerhouse of the cell, in one word?\",Mitochondria,,\"Makes ATP\",biology cells\r\n\
    Where is DNA kept?,\"The nucleus\nmostly\",N...,,exam\r\n\
    ,No question here,,,\r\n";

#[tokio::test]
async fn a_file_becomes_one_set_with_its_cards_tags_and_skipped_rows() {
    let w = World::new().await;
    let imported = w
        .service
        .import_cards(w.ada, CELLS.as_bytes(), "Cell biology.csv", None, None)
        .await
        .unwrap();
    assert_eq!(imported.imported, 2);
    assert_eq!(
        imported.set.set.title, "Cell biology",
        "the file name, no extension"
    );
    assert_eq!(imported.set.set.tags, ["biology", "cells", "exam"]);
    let cards = &imported.set.flashcards;
    assert_eq!(cards[0].question, "Powerhouse of the cell, in one word?");
    assert_eq!(cards[0].explanation.as_deref(), Some("Makes ATP"));
    assert_eq!(cards[1].answer, "The nucleus\nmostly");
    assert_eq!(cards[1].hint.as_deref(), Some("N..."));
    assert_eq!(imported.skipped.len(), 1);
    assert_eq!(imported.skipped[0].line, 5, "the quoted line break counts");
    assert_eq!(imported.skipped[0].reason, "the question is empty");

    let stored =
        w.r.flashcards
            .get_set(w.ada, imported.set.set.id)
            .await
            .unwrap();
    assert_eq!(stored, imported.set, "stored as answered");
}

#[tokio::test]
async fn the_title_given_wins_and_a_nameless_file_gets_the_default() {
    let w = World::new().await;
    let titled = w
        .service
        .import_cards(
            w.ada,
            b"Q,A\n",
            "cards.csv",
            None,
            Some(Title::parse("Mine").unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(titled.set.set.title, "Mine");
    let nameless = w
        .service
        .import_cards(w.ada, b"Q,A\n", "", None, None)
        .await
        .unwrap();
    assert_eq!(nameless.set.set.title, DEFAULT_TITLE);
}

#[tokio::test]
async fn a_set_is_filed_only_under_the_students_own_course() {
    let w = World::new().await;
    let course =
        w.r.courses
            .create(
                w.ada,
                NewCourse {
                    name: Name::parse("Biology").unwrap(),
                    code: None,
                    description: None,
                    color: Color::default(),
                    term: None,
                    instructor: None,
                },
            )
            .await
            .unwrap()
            .id;
    let filed = w
        .service
        .import_cards(w.ada, b"Q,A\n", "q.csv", Some(course), None)
        .await
        .unwrap();
    assert_eq!(filed.set.set.course_id, Some(course));
    let refused = w
        .service
        .import_cards(w.bob, b"Q,A\n", "q.csv", Some(course), None)
        .await;
    assert!(
        matches!(refused, Err(DomainError::NotFound { .. })),
        "{refused:?}"
    );
    assert_eq!(w.sets_of(w.bob).await, 0);
}

#[tokio::test]
async fn bad_files_are_refused_whole_and_nothing_is_stored() {
    let w = World::new().await;
    let latin1 = w
        .service
        .import_cards(w.ada, b"Caf\xE9,coffee\n", "f.csv", None, None)
        .await;
    let Err(DomainError::Validation { field, message }) = latin1 else {
        panic!("{latin1:?}")
    };
    assert_eq!(field, "file");
    assert!(message.contains("UTF-8"), "{message}");

    let anki = w
        .service
        .import_cards(w.ada, b"PK\x03\x04\x14\x00rest", "deck.apkg", None, None)
        .await;
    let Err(DomainError::UnsupportedType { field, message }) = anki else {
        panic!("{anki:?}")
    };
    assert_eq!(field, "file");
    assert!(
        message.contains("Anki package, which this server is not set up to read"),
        "{message}"
    );

    let many: String = (0..=NewFlashcardSet::MAX_CARDS)
        .map(|i| format!("Q{i},A{i}\n"))
        .collect();
    let too_many = w
        .service
        .import_cards(w.ada, many.as_bytes(), "f.csv", None, None)
        .await;
    let Err(DomainError::Validation { message, .. }) = too_many else {
        panic!("{too_many:?}")
    };
    assert!(message.contains("at most 500"), "{message}");

    let big = vec![b'a'; 64 * 1024 + 1];
    let too_large = w
        .service
        .import_cards(w.ada, &big, "f.csv", None, None)
        .await;
    assert!(
        matches!(too_large, Err(DomainError::TooLarge { .. })),
        "{too_large:?}"
    );

    let empty = w
        .service
        .import_cards(w.ada, b"question,answer\n\n", "f.csv", None, None)
        .await;
    assert!(
        matches!(empty, Err(DomainError::Validation { .. })),
        "{empty:?}"
    );
    assert_eq!(w.sets_of(w.ada).await, 0, "nothing half-imported");
}

#[tokio::test]
async fn an_export_imports_again_into_the_same_cards_and_tags() {
    let w = World::new().await;
    let first = w
        .service
        .import_cards(w.ada, CELLS.as_bytes(), "Cells.csv", None, None)
        .await
        .unwrap();
    let (title, csv) = w.service.export_csv(w.ada, first.set.set.id).await.unwrap();
    assert_eq!(title, "Cells");
    assert!(csv.starts_with("question,answer,hint,explanation,tags\r\n"));

    let again = w
        .service
        .import_cards(w.ada, csv.as_bytes(), "Cells.csv", None, None)
        .await
        .unwrap();
    assert!(again.skipped.is_empty());
    assert_eq!(again.set.set.tags, first.set.set.tags);
    let sides = |set: &sophie_domain::FlashcardSetWithCards| {
        set.flashcards
            .iter()
            .map(|c| {
                (
                    c.question.clone(),
                    c.answer.clone(),
                    c.hint.clone(),
                    c.explanation.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(sides(&again.set), sides(&first.set));

    let hidden = w.service.export_csv(w.bob, first.set.set.id).await;
    assert!(
        matches!(hidden, Err(DomainError::NotFound { .. })),
        "{hidden:?}"
    );
}

/// A package of one deck: a card reviewed twice, and a card whose question is too long.
#[cfg(feature = "mock")]
fn package() -> sophie_domain::ReadPackage {
    use chrono::{TimeZone, Utc};
    use sophie_domain::{PackageFormat, ReadCard, ReadDeck, ReadPackage, ReadReview, ReviewRating};

    let at = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
    let card = |key: &str, question: String, reviews: Vec<ReadReview>| ReadCard {
        key: key.to_owned(),
        question,
        answer: "Energy".to_owned(),
        hint: Some("  ".to_owned()),
        explanation: None,
        tags: vec!["cells".to_owned(), "exam".to_owned()],
        reviews,
    };
    ReadPackage {
        format: PackageFormat::Anki21,
        decks: vec![ReadDeck {
            id: 7,
            name: "Biology::Cells".to_owned(),
            cards: vec![
                card(
                    "g1:0",
                    "ATP?".to_owned(),
                    vec![
                        // Out of order in the package: replayed oldest first.
                        ReadReview {
                            rating: ReviewRating::Good,
                            reviewed_at: at + chrono::TimeDelta::days(1),
                            duration_ms: Some(3_000),
                        },
                        ReadReview {
                            rating: ReviewRating::Again,
                            reviewed_at: at,
                            duration_ms: None,
                        },
                    ],
                ),
                card("g2:0", "x".repeat(6_000), Vec::new()),
            ],
        }],
        notes: 2,
        media: 3,
        skipped: Vec::new(),
    }
}

#[cfg(feature = "mock")]
#[tokio::test]
async fn a_package_s_decks_become_sets_with_their_history_replayed() {
    use sophie_domain::{CardState, MockDeckPackages, PackageLimits, ReviewRating};
    use std::sync::Arc;

    let w = World::new().await;
    let mut reader = MockDeckPackages::new();
    reader
        .expect_recognizes()
        .returning(|_, name| name.ends_with(".apkg"));
    reader
        .expect_read()
        .times(1)
        .returning(|_, _| Ok(package()));
    let service = w.service.clone().with_packages(
        Arc::new(reader),
        PackageLimits::default(),
        w.r.reviews.clone(),
    );
    assert!(service.is_package(b"PK\x03\x04rest", "deck.apkg").unwrap());
    assert!(
        !service
            .is_package(b"question,answer\n", "deck.csv")
            .unwrap()
    );
    let sheet = service.is_package(b"PK\x03\x04rest", "cards.xlsx");
    assert!(
        matches!(sheet, Err(DomainError::UnsupportedType { .. })),
        "{sheet:?}"
    );
    let package = service
        .import_package(w.ada, b"PK\x03\x04rest".to_vec(), None)
        .await
        .unwrap();
    assert_eq!(
        (package.decks, package.notes, package.media_skipped),
        (1, 2, 3)
    );
    assert_eq!(
        (package.cards, package.unchanged, package.reviews),
        (1, 0, 2)
    );
    assert_eq!(package.skipped.len(), 1);
    assert_eq!(package.skipped[0].key, "g2:0");
    assert!(
        package.skipped[0].reason.contains("question"),
        "{:?}",
        package.skipped
    );
    let set = &package.flashcard_sets[0];
    assert_eq!(set.title, "Biology::Cells");
    let set = w.r.flashcards.get_set(w.ada, set.id).await.unwrap().set;
    assert_eq!(set.tags, ["cells", "exam"]);

    let cards =
        w.r.flashcards
            .get_set(w.ada, set.id)
            .await
            .unwrap()
            .flashcards;
    assert_eq!(cards[0].hint, None, "a blank hint is no hint");
    let schedule = w.r.reviews.schedule(w.ada, cards[0].id).await.unwrap();
    assert_eq!((schedule.reps, schedule.state), (2, CardState::Learning));
    let records = w.r.reviews.set_records(w.ada, set.id).await.unwrap();
    let ratings: Vec<ReviewRating> = records[0].reviews.iter().map(|r| r.rating).collect();
    assert_eq!(ratings, [ReviewRating::Again, ReviewRating::Good]);
    assert_eq!(records[0].reviews[1].elapsed_days, 1);
}
