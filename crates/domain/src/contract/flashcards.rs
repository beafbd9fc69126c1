//! [`crate::FlashcardRepository`]: flashcard sets and their cards.

use super::Fixture;
use super::expect;
use super::seed::{World, all, card_text, links, new_card, new_set, tags, title, wait_past};
use crate::entities::{
    FlashcardSetFilter, FlashcardSetUpdate, FlashcardUpdate, NewFlashcard, NewFlashcardSet,
    SourceLinks, SourceLinksUpdate,
};
use crate::enums::Difficulty;
use crate::id::{FlashcardId, FlashcardSetId};
use crate::values::{Color, Description};

pub async fn flashcards_create_set_with_cards_in_order(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Biology").await.id;
    let note = w.note(ada, "Cells", "").await.id;
    let document = w.document(ada, "Book").await.id;
    let made =
        w.r.flashcards
            .create_set(
                ada,
                NewFlashcardSet {
                    description: Some(Description::parse("Organelles").unwrap()),
                    difficulty: Difficulty::Hard,
                    tags: tags(&["exam", "cells"]),
                    color: Color::parse("violet").unwrap(),
                    ..new_set(
                        "Cells",
                        links(Some(course), Some(note), Some(document)),
                        vec![
                            NewFlashcard {
                                hint: Some(card_text("energy")),
                                explanation: Some(card_text("ATP is made there")),
                                difficulty: Difficulty::Easy,
                                ..new_card("1", "a")
                            },
                            new_card("2", "b"),
                            new_card("3", "c"),
                        ],
                    )
                },
            )
            .await
            .unwrap();
    let set = &made.set;
    assert_eq!(set.user_id, ada);
    assert_eq!(set.title, "Cells");
    assert_eq!(set.description.as_deref(), Some("Organelles"));
    assert_eq!(set.difficulty, Difficulty::Hard);
    assert_eq!(set.tags, ["exam", "cells"]);
    assert_eq!(set.color, "violet");
    assert_eq!(
        set.links(),
        links(Some(course), Some(note), Some(document)),
        "the set's links were not kept"
    );
    let questions: Vec<&str> = made
        .flashcards
        .iter()
        .map(|c| c.question.as_str())
        .collect();
    assert_eq!(
        questions,
        ["1", "2", "3"],
        "cards are not in the order given"
    );
    assert!(made.flashcards.iter().all(|c| c.flashcard_set_id == set.id));
    let first = &made.flashcards[0];
    assert_eq!(
        (
            first.answer.as_str(),
            first.hint.as_deref(),
            first.explanation.as_deref(),
            first.difficulty
        ),
        (
            "a",
            Some("energy"),
            Some("ATP is made there"),
            Difficulty::Easy
        ),
        "a card's fields were not kept"
    );
    assert_eq!(
        w.r.flashcards.get_set(ada, set.id).await.unwrap(),
        made,
        "the set read back differs from the one created"
    );

    let empty = w
        .set(ada, "Empty", SourceLinks::default(), Vec::new())
        .await;
    assert!(empty.flashcards.is_empty());
    assert_eq!(empty.set.links(), SourceLinks::default());
}

pub async fn flashcards_update_set_changes_only_the_fields_given(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Biology").await.id;
    let note = w.note(ada, "Cells", "").await.id;
    let document = w.document(ada, "Book").await.id;
    let made =
        w.r.flashcards
            .create_set(
                ada,
                NewFlashcardSet {
                    description: Some(Description::parse("d").unwrap()),
                    tags: tags(&["x"]),
                    ..new_set(
                        "S",
                        links(Some(course), Some(note), None),
                        vec![new_card("Q", "A")],
                    )
                },
            )
            .await
            .unwrap();
    wait_past(made.set.updated_at);
    let changed =
        w.r.flashcards
            .update_set(
                ada,
                made.set.id,
                FlashcardSetUpdate {
                    title: Some(title("Renamed")),
                    description: Some(None),
                    links: SourceLinksUpdate {
                        note_id: Some(None),
                        document_id: Some(Some(document)),
                        ..SourceLinksUpdate::default()
                    },
                    ..FlashcardSetUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(changed.title, "Renamed");
    assert_eq!(
        changed.description, None,
        "the description could not be cleared"
    );
    assert_eq!(
        changed.links(),
        links(Some(course), None, Some(document)),
        "links not named in the change moved, or named ones did not"
    );
    assert_eq!(changed.tags, ["x"], "renaming changed the tags");
    assert_eq!(changed.difficulty, Difficulty::Medium);
    assert_eq!(changed.color, "blue");
    assert!(
        changed.updated_at > made.set.updated_at,
        "the change did not move updated_at"
    );

    let restyled =
        w.r.flashcards
            .update_set(
                ada,
                made.set.id,
                FlashcardSetUpdate {
                    difficulty: Some(Difficulty::Easy),
                    tags: Some(tags(&["y"])),
                    color: Some(Color::parse("#abc").unwrap()),
                    ..FlashcardSetUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (
            restyled.difficulty,
            restyled.tags.clone(),
            restyled.color.as_str()
        ),
        (Difficulty::Easy, vec!["y".to_owned()], "#abc")
    );
    assert_eq!(restyled.title, "Renamed");
    assert_eq!(restyled.links(), links(Some(course), None, Some(document)));
    let read = w.r.flashcards.get_set(ada, made.set.id).await.unwrap();
    assert_eq!(read.set, restyled, "the change was not stored");
    assert_eq!(
        read.flashcards, made.flashcards,
        "changing the set changed its cards"
    );
}

pub async fn flashcards_add_update_and_delete_cards(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let made = w
        .set(
            ada,
            "S",
            SourceLinks::default(),
            vec![new_card("1", "a"), new_card("2", "b")],
        )
        .await;
    let third =
        w.r.flashcards
            .add_card(
                ada,
                made.set.id,
                NewFlashcard {
                    hint: Some(card_text("think")),
                    ..new_card("3", "c")
                },
            )
            .await
            .unwrap();
    assert_eq!(third.flashcard_set_id, made.set.id);
    assert_eq!(
        (third.question.as_str(), third.hint.as_deref()),
        ("3", Some("think"))
    );
    let questions: Vec<String> =
        w.r.flashcards
            .get_set(ada, made.set.id)
            .await
            .unwrap()
            .flashcards
            .into_iter()
            .map(|c| c.question)
            .collect();
    assert_eq!(questions, ["1", "2", "3"], "an added card is not last");

    wait_past(third.updated_at);
    let edited =
        w.r.flashcards
            .update_card(
                ada,
                made.set.id,
                third.id,
                FlashcardUpdate {
                    answer: Some(card_text("C")),
                    hint: Some(None),
                    explanation: Some(Some(card_text("because"))),
                    ..FlashcardUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(edited.answer, "C");
    assert_eq!(edited.hint, None, "the hint could not be removed");
    assert_eq!(edited.explanation.as_deref(), Some("because"));
    assert_eq!(
        edited.question, "3",
        "editing the answer changed the question"
    );
    assert_eq!(edited.difficulty, Difficulty::Medium);
    assert!(
        edited.updated_at > third.updated_at,
        "the edit did not move updated_at"
    );

    let retuned =
        w.r.flashcards
            .update_card(
                ada,
                made.set.id,
                third.id,
                FlashcardUpdate {
                    question: Some(card_text("Three?")),
                    difficulty: Some(Difficulty::Hard),
                    ..FlashcardUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (retuned.question.as_str(), retuned.difficulty),
        ("Three?", Difficulty::Hard)
    );
    assert_eq!(retuned.explanation.as_deref(), Some("because"));

    w.r.flashcards
        .delete_card(ada, made.set.id, made.flashcards[0].id)
        .await
        .unwrap();
    let left =
        w.r.flashcards
            .get_set(ada, made.set.id)
            .await
            .unwrap()
            .flashcards;
    assert_eq!(
        left.iter().map(|c| c.id).collect::<Vec<_>>(),
        [made.flashcards[1].id, third.id],
        "deleting a card removed the wrong ones"
    );
    assert_eq!(left[1], retuned, "the edits were not stored");
    expect::not_found(
        w.r.flashcards
            .delete_card(ada, made.set.id, made.flashcards[0].id)
            .await,
        "flashcard",
        "deleting a card twice",
    );
}

pub async fn flashcards_cards_are_reached_only_through_their_set(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let first = w
        .set(
            ada,
            "First",
            SourceLinks::default(),
            vec![new_card("Q", "A")],
        )
        .await;
    let second = w
        .set(ada, "Second", SourceLinks::default(), Vec::new())
        .await;
    let card = first.flashcards[0].id;
    expect::not_found(
        w.r.flashcards
            .update_card(
                ada,
                second.set.id,
                card,
                FlashcardUpdate {
                    answer: Some(card_text("changed")),
                    ..FlashcardUpdate::default()
                },
            )
            .await,
        "flashcard",
        "a card was edited through a set it is not in",
    );
    expect::not_found(
        w.r.flashcards.delete_card(ada, second.set.id, card).await,
        "flashcard",
        "a card was deleted through a set it is not in",
    );
    expect::not_found(
        w.r.flashcards
            .update_card(
                ada,
                first.set.id,
                FlashcardId::new(),
                FlashcardUpdate::default(),
            )
            .await,
        "flashcard",
        "editing a card that does not exist",
    );
    assert_eq!(
        w.r.flashcards.get_set(ada, first.set.id).await.unwrap(),
        first,
        "the card changed through another set"
    );
    expect::not_found(
        w.r.flashcards
            .add_card(ada, FlashcardSetId::new(), new_card("Q", "A"))
            .await,
        "flashcard set",
        "a card was added to a set that does not exist",
    );
}

pub async fn flashcards_list_sets_newest_first_with_filters(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let course = w.course(ada, "Biology").await.id;
    let note = w.note(ada, "Source", "").await.id;
    let document = w.document(ada, "Doc").await.id;
    let specs = [
        (
            "a",
            links(Some(course), Some(note), None),
            Difficulty::Hard,
            vec!["exam"],
        ),
        (
            "b",
            links(None, None, Some(document)),
            Difficulty::Medium,
            vec![],
        ),
        (
            "c",
            links(Some(course), None, Some(document)),
            Difficulty::Medium,
            vec!["exam", "x"],
        ),
        (
            "d",
            links(None, Some(note), None),
            Difficulty::Easy,
            vec!["Exam"],
        ),
    ];
    for (name, set_links, difficulty, set_tags) in specs {
        w.r.flashcards
            .create_set(
                ada,
                NewFlashcardSet {
                    difficulty,
                    tags: tags(&set_tags),
                    ..new_set(name, set_links, vec![new_card("Q", "A")])
                },
            )
            .await
            .unwrap();
    }
    w.set(bob, "bob", SourceLinks::default(), Vec::new()).await;

    let titles = |filter: FlashcardSetFilter| {
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
    assert_eq!(
        titles(FlashcardSetFilter::default()).await,
        ["d", "c", "b", "a"],
        "sets are not listed newest first, or not only the user's"
    );
    assert_eq!(
        titles(FlashcardSetFilter {
            course_id: Some(course),
            ..FlashcardSetFilter::default()
        })
        .await,
        ["c", "a"],
        "the course filter is wrong"
    );
    assert_eq!(
        titles(FlashcardSetFilter {
            note_id: Some(note),
            ..FlashcardSetFilter::default()
        })
        .await,
        ["d", "a"],
        "the note filter is wrong"
    );
    assert_eq!(
        titles(FlashcardSetFilter {
            document_id: Some(document),
            ..FlashcardSetFilter::default()
        })
        .await,
        ["c", "b"],
        "the document filter is wrong"
    );
    assert_eq!(
        titles(FlashcardSetFilter {
            tag: Some("exam".to_owned()),
            ..FlashcardSetFilter::default()
        })
        .await,
        ["c", "a"],
        "the tag filter is not an exact, case-sensitive match"
    );
    assert_eq!(
        titles(FlashcardSetFilter {
            difficulty: Some(Difficulty::Medium),
            ..FlashcardSetFilter::default()
        })
        .await,
        ["c", "b"],
        "the difficulty filter is wrong"
    );
    assert_eq!(
        titles(FlashcardSetFilter {
            document_id: Some(document),
            tag: Some("exam".to_owned()),
            difficulty: Some(Difficulty::Medium),
            ..FlashcardSetFilter::default()
        })
        .await,
        ["c"],
        "filters do not combine with AND"
    );
    assert!(
        titles(FlashcardSetFilter {
            document_id: Some(document),
            difficulty: Some(Difficulty::Hard),
            ..FlashcardSetFilter::default()
        })
        .await
        .is_empty(),
        "filters do not combine with AND"
    );

    let (sizes, items) = expect::every_page(3, |p| {
        w.r.flashcards
            .list_sets(ada, FlashcardSetFilter::default(), p)
    })
    .await;
    assert_eq!(sizes, [3, 1], "4 sets do not page as 3 + 1");
    assert_eq!(
        items.iter().map(|s| s.title.as_str()).collect::<Vec<_>>(),
        ["d", "c", "b", "a"],
        "paging loses or repeats sets"
    );
}

pub async fn flashcards_a_set_holds_a_bounded_number_of_cards(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let too_many: Vec<NewFlashcard> = (0..=NewFlashcardSet::MAX_CARDS)
        .map(|i| new_card(&format!("Q{i}"), "A"))
        .collect();
    expect::validation(
        w.r.flashcards
            .create_set(ada, new_set("Too big", SourceLinks::default(), too_many))
            .await,
        "flashcards",
        "a set with more cards than allowed was accepted",
    );
    assert!(
        w.r.flashcards
            .list_sets(ada, FlashcardSetFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty(),
        "the refused set was half-created"
    );

    let full: Vec<NewFlashcard> = (0..NewFlashcardSet::MAX_CARDS)
        .map(|i| new_card(&format!("Q{i}"), "A"))
        .collect();
    let made = w.set(ada, "Full", SourceLinks::default(), full).await;
    assert_eq!(
        made.flashcards.len(),
        NewFlashcardSet::MAX_CARDS,
        "a full set lost cards"
    );
    expect::validation(
        w.r.flashcards
            .add_card(ada, made.set.id, new_card("One more", "A"))
            .await,
        "flashcards",
        "a card was added to a full set",
    );
    assert_eq!(
        w.r.flashcards.get_set(ada, made.set.id).await.unwrap(),
        made,
        "the refused card changed the set"
    );
}

pub async fn flashcards_set_linked_to_another_users_material_is_not_created(
    fixture: &impl Fixture,
) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas_course = w.course(ada, "Ada's").await.id;
    let adas_note = w.note(ada, "Ada's", "").await.id;
    let adas_document = w.document(ada, "Ada's").await.id;
    let bobs_note = w.note(bob, "Bob's", "").await.id;

    for (bad, entity) in [
        (links(Some(adas_course), Some(bobs_note), None), "course"),
        (links(None, Some(adas_note), None), "note"),
        (
            links(None, Some(bobs_note), Some(adas_document)),
            "document",
        ),
    ] {
        expect::not_found(
            w.r.flashcards
                .create_set(
                    bob,
                    new_set(
                        "Stolen",
                        bad,
                        vec![new_card("Q", "A"), new_card("Q2", "A2")],
                    ),
                )
                .await,
            entity,
            "Bob made a set from Ada's material",
        );
    }
    assert!(
        w.r.flashcards
            .list_sets(bob, FlashcardSetFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty(),
        "a refused set (or some of its cards) was created anyway"
    );
    assert!(
        w.r.flashcards
            .list_sets(ada, FlashcardSetFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty(),
        "Ada got a set she never made"
    );

    let bobs = w
        .set(bob, "Mine", links(None, Some(bobs_note), None), Vec::new())
        .await;
    for (update, entity) in [
        (
            SourceLinksUpdate {
                course_id: Some(Some(adas_course)),
                ..SourceLinksUpdate::default()
            },
            "course",
        ),
        (
            SourceLinksUpdate {
                note_id: Some(Some(adas_note)),
                ..SourceLinksUpdate::default()
            },
            "note",
        ),
        (
            SourceLinksUpdate {
                document_id: Some(Some(adas_document)),
                ..SourceLinksUpdate::default()
            },
            "document",
        ),
    ] {
        expect::not_found(
            w.r.flashcards
                .update_set(
                    bob,
                    bobs.set.id,
                    FlashcardSetUpdate {
                        title: Some(title("Changed")),
                        links: update,
                        ..FlashcardSetUpdate::default()
                    },
                )
                .await,
            entity,
            "Bob linked his set to Ada's material",
        );
    }
    assert_eq!(
        w.r.flashcards.get_set(bob, bobs.set.id).await.unwrap(),
        bobs,
        "a refused change altered Bob's set anyway"
    );
}

pub async fn flashcards_sets_of_another_user_are_not_found(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas = w
        .set(
            ada,
            "Ada's",
            SourceLinks::default(),
            vec![new_card("Q", "A")],
        )
        .await;
    let card = adas.flashcards[0].id;
    let missing = FlashcardSetId::new();
    w.set(bob, "Bob's", SourceLinks::default(), Vec::new())
        .await;

    expect::hidden(
        w.r.flashcards.get_set(bob, adas.set.id).await,
        w.r.flashcards.get_set(bob, missing).await,
        "flashcard set",
        "Bob opened Ada's set",
    );
    let rename = FlashcardSetUpdate {
        title: Some(title("Stolen")),
        ..FlashcardSetUpdate::default()
    };
    expect::hidden(
        w.r.flashcards
            .update_set(bob, adas.set.id, rename.clone())
            .await,
        w.r.flashcards.update_set(bob, missing, rename).await,
        "flashcard set",
        "Bob renamed Ada's set",
    );
    expect::hidden(
        w.r.flashcards
            .add_card(bob, adas.set.id, new_card("Q", "A"))
            .await,
        w.r.flashcards
            .add_card(bob, missing, new_card("Q", "A"))
            .await,
        "flashcard set",
        "Bob added a card to Ada's set",
    );
    let edit = FlashcardUpdate {
        answer: Some(card_text("wrong")),
        ..FlashcardUpdate::default()
    };
    expect::hidden(
        w.r.flashcards
            .update_card(bob, adas.set.id, card, edit.clone())
            .await,
        w.r.flashcards.update_card(bob, missing, card, edit).await,
        "flashcard set",
        "Bob edited a card of Ada's set",
    );
    expect::hidden(
        w.r.flashcards.delete_card(bob, adas.set.id, card).await,
        w.r.flashcards.delete_card(bob, missing, card).await,
        "flashcard set",
        "Bob deleted a card of Ada's set",
    );
    expect::hidden(
        w.r.flashcards.delete_set(bob, adas.set.id).await,
        w.r.flashcards.delete_set(bob, missing).await,
        "flashcard set",
        "Bob deleted Ada's set",
    );
    let listed: Vec<String> =
        w.r.flashcards
            .list_sets(bob, FlashcardSetFilter::default(), all())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|s| s.title)
            .collect();
    assert_eq!(listed, ["Bob's"], "Bob's sets list shows Ada's set");
    assert_eq!(
        w.r.flashcards.get_set(ada, adas.set.id).await.unwrap(),
        adas,
        "Ada's set changed after Bob's attempts"
    );
}

/// A deck to import: `cards` keyed `key/0`, `key/1`, ..., the first one reviewed once.
fn deck(key: &str, title_text: &str, cards: usize) -> crate::entities::KeyedDeck {
    use crate::entities::{KeyedCard, NewReview};
    use crate::enums::ReviewRating;
    use crate::rules::fsrs::{self, Schedule, SchedulerSettings};

    let at = super::seed::now() - chrono::TimeDelta::days(3);
    let before = Schedule::new(at);
    let settings = SchedulerSettings {
        fuzz: false,
        ..SchedulerSettings::default()
    };
    let after = fsrs::review(&settings, &before, ReviewRating::Good, at, 0.0);
    crate::entities::KeyedDeck {
        key: key.to_owned(),
        title: title(title_text),
        tags: tags(&["anki"]),
        cards: (0..cards)
            .map(|i| KeyedCard {
                key: format!("{key}/{i}"),
                card: new_card(&format!("{title_text} {i}"), "a"),
                reviews: if i == 0 {
                    vec![NewReview {
                        rating: ReviewRating::Good,
                        reviewed_at: at,
                        elapsed_days: 0,
                        duration_ms: Some(3_000),
                        before: before.clone(),
                        after: after.clone(),
                    }]
                } else {
                    Vec::new()
                },
            })
            .collect(),
    }
}

pub async fn flashcards_imported_decks_come_in_once_with_their_history(fixture: &impl Fixture) {
    use crate::entities::DeckImport;
    use crate::enums::CardState;

    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Biology").await.id;
    let import = |decks| DeckImport {
        course_id: Some(course),
        decks,
    };
    let first =
        w.r.flashcards
            .import_decks(
                ada,
                import(vec![deck("d1", "Cells", 2), deck("d2", "Atoms", 1)]),
            )
            .await
            .unwrap();
    assert_eq!((first.cards, first.unchanged, first.reviews), (3, 0, 2));
    let titles: Vec<&str> = first.sets.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["Cells", "Atoms"]);
    assert!(first.sets.iter().all(|s| s.course_id == Some(course)));
    assert_eq!(first.sets[0].tags, ["anki"]);
    let cells = w.r.flashcards.get_set(ada, first.sets[0].id).await.unwrap();
    let questions: Vec<&str> = cells
        .flashcards
        .iter()
        .map(|c| c.question.as_str())
        .collect();
    assert_eq!(questions, ["Cells 0", "Cells 1"]);
    let reviewed =
        w.r.reviews
            .schedule(ada, cells.flashcards[0].id)
            .await
            .unwrap();
    assert_eq!((reviewed.state, reviewed.reps), (CardState::Learning, 1));
    let new =
        w.r.reviews
            .schedule(ada, cells.flashcards[1].id)
            .await
            .unwrap();
    assert_eq!(new.state, CardState::New);

    // Again, with one card more in the first deck: only that card is added, to its set.
    let again =
        w.r.flashcards
            .import_decks(
                ada,
                import(vec![deck("d1", "Cells", 3), deck("d2", "Atoms", 1)]),
            )
            .await
            .unwrap();
    assert_eq!((again.cards, again.unchanged, again.reviews), (1, 3, 0));
    assert_eq!(again.sets.len(), 1);
    assert_eq!(again.sets[0].id, first.sets[0].id);
    let all_sets =
        w.r.flashcards
            .list_sets(ada, FlashcardSetFilter::default(), all())
            .await;
    assert_eq!(all_sets.unwrap().items.len(), 2);

    // Another student's keys are their own; a course of someone else's refuses the import.
    let bob = w.user("bob").await;
    let bobs =
        w.r.flashcards
            .import_decks(
                bob,
                DeckImport {
                    course_id: None,
                    decks: vec![deck("d1", "Cells", 3)],
                },
            )
            .await
            .unwrap();
    assert_eq!((bobs.cards, bobs.unchanged), (3, 0));
    expect::not_found(
        w.r.flashcards
            .import_decks(bob, import(vec![deck("d9", "Other", 1)]))
            .await,
        "course",
        "a course of another user's",
    );

    // A deleted set forgets its keys: importing again brings its cards back, in a new set.
    w.r.flashcards
        .delete_set(ada, first.sets[0].id)
        .await
        .unwrap();
    let back =
        w.r.flashcards
            .import_decks(ada, import(vec![deck("d1", "Cells", 3)]))
            .await
            .unwrap();
    assert_eq!((back.cards, back.unchanged), (3, 0));
    assert_ne!(back.sets[0].id, first.sets[0].id);
}

pub async fn flashcards_an_imported_deck_larger_than_a_set_fills_numbered_parts(
    fixture: &impl Fixture,
) {
    use crate::entities::DeckImport;

    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let size = NewFlashcardSet::MAX_CARDS + 3;
    let made =
        w.r.flashcards
            .import_decks(
                ada,
                DeckImport {
                    course_id: None,
                    decks: vec![deck("big", "Kanji", size)],
                },
            )
            .await
            .unwrap();
    let parts: Vec<(&str, usize)> = {
        let mut parts = Vec::new();
        for set in &made.sets {
            let cards =
                w.r.flashcards
                    .get_set(ada, set.id)
                    .await
                    .unwrap()
                    .flashcards
                    .len();
            parts.push((set.title.as_str(), cards));
        }
        parts
    };
    assert_eq!(
        parts,
        [("Kanji", NewFlashcardSet::MAX_CARDS), ("Kanji (2)", 3)]
    );
    assert_eq!(made.cards as usize, size);
}

pub async fn flashcards_a_student_s_own_export_imported_back_adds_nothing(fixture: &impl Fixture) {
    use crate::entities::{DeckImport, KeyedCard, KeyedDeck};

    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let set = w
        .set(
            ada,
            "Cells",
            links(None, None, None),
            vec![new_card("ATP?", "Energy")],
        )
        .await;
    let exported = |id: FlashcardId| KeyedDeck {
        key: "anki:deck:42".to_owned(),
        title: title("Cells"),
        tags: tags(&[]),
        cards: vec![KeyedCard {
            key: format!("anki:{}:0", id.as_uuid().simple()),
            card: new_card("ATP?", "Energy"),
            reviews: Vec::new(),
        }],
    };
    let import = |id| DeckImport {
        course_id: None,
        decks: vec![exported(id)],
    };
    let card = set.flashcards[0].id;
    let back =
        w.r.flashcards
            .import_decks(ada, import(card))
            .await
            .unwrap();
    assert_eq!(
        (back.cards, back.unchanged),
        (0, 1),
        "Ada still has the card"
    );

    // Someone else's export, or a card Ada deleted since, comes in as a new card.
    let bob = w.user("bob").await;
    let theirs =
        w.r.flashcards
            .import_decks(bob, import(card))
            .await
            .unwrap();
    assert_eq!((theirs.cards, theirs.unchanged), (1, 0));
    w.r.flashcards
        .delete_card(ada, set.set.id, card)
        .await
        .unwrap();
    let again =
        w.r.flashcards
            .import_decks(ada, import(card))
            .await
            .unwrap();
    assert_eq!((again.cards, again.unchanged), (1, 0));
}
