//! [`crate::ReviewRepository`]: card schedules, the review log, and review settings.

use chrono::{DateTime, TimeDelta, Utc};

use super::Fixture;
use super::expect;
use super::seed::{World, card_text, links, new_card, now};
use crate::entities::{FlashcardUpdate, NewReview, ReviewFilter, ReviewSettingsUpdate};
use crate::enums::{CardState, ReviewRating};
use crate::id::{FlashcardId, UserId};
use crate::rules::fsrs::{self, Schedule, SchedulerSettings};

/// Reviews `card` with `rating` at `at`, as the service does; returns the new schedule.
async fn rate(
    w: &World,
    user: UserId,
    card: FlashcardId,
    rating: ReviewRating,
    at: DateTime<Utc>,
) -> Schedule {
    let before = w.r.reviews.schedule(user, card).await.unwrap();
    let settings = SchedulerSettings {
        fuzz: false,
        ..SchedulerSettings::default()
    };
    let after = fsrs::review(&settings, &before, rating, at, 0.0);
    w.r.reviews
        .record(
            user,
            card,
            NewReview {
                rating,
                reviewed_at: at,
                elapsed_days: 0,
                duration_ms: Some(4_200),
                before,
                after: after.clone(),
            },
        )
        .await
        .unwrap();
    after
}

fn ids(due: &[crate::entities::DueCard]) -> Vec<FlashcardId> {
    due.iter().map(|d| d.card.id).collect()
}

pub async fn reviews_a_card_is_new_until_reviewed_and_an_undo_gives_back_its_schedule(
    fixture: &impl Fixture,
) {
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
    let card = set.flashcards[0].id;
    let fresh = w.r.reviews.schedule(ada, card).await.unwrap();
    assert_eq!(fresh, Schedule::new(set.flashcards[0].created_at));

    let at = now();
    let first = rate(&w, ada, card, ReviewRating::Good, at).await;
    assert_eq!(first.state, CardState::Learning);
    assert_eq!(w.r.reviews.schedule(ada, card).await.unwrap(), first);
    let second = rate(
        &w,
        ada,
        card,
        ReviewRating::Good,
        at + TimeDelta::minutes(11),
    )
    .await;
    assert_eq!(second.state, CardState::Review);
    assert_eq!(second.reps, 2);

    // A review made from a schedule that is no longer the card's is refused.
    expect::conflict(
        w.r.reviews
            .record(
                ada,
                card,
                NewReview {
                    rating: ReviewRating::Easy,
                    reviewed_at: at + TimeDelta::minutes(12),
                    elapsed_days: 0,
                    duration_ms: None,
                    before: first.clone(),
                    after: second.clone(),
                },
            )
            .await,
        "flashcard",
        "a review from a stale schedule",
    );

    let bob = w.user("bob").await;
    expect::not_found(
        w.r.reviews.schedule(bob, card).await,
        "flashcard",
        "another's card",
    );
    expect::not_found(
        w.r.reviews.undo(bob, card).await,
        "flashcard",
        "another's undo",
    );

    assert_eq!(
        w.r.reviews.undo(ada, card).await.unwrap(),
        Some(first.clone())
    );
    assert_eq!(w.r.reviews.schedule(ada, card).await.unwrap(), first);
    assert_eq!(
        w.r.reviews.undo(ada, card).await.unwrap(),
        Some(fresh.clone())
    );
    assert_eq!(w.r.reviews.schedule(ada, card).await.unwrap(), fresh);
    assert_eq!(w.r.reviews.undo(ada, card).await.unwrap(), None);
}

pub async fn reviews_due_puts_learning_first_then_by_due_then_new_cards(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Biology").await.id;
    let cards: Vec<_> = ["A", "B", "C", "D"]
        .iter()
        .map(|q| new_card(q, "answer"))
        .collect();
    let set = w
        .set(ada, "Cells", links(Some(course), None, None), cards)
        .await;
    let other = w
        .set(
            ada,
            "Atoms",
            links(None, None, None),
            vec![new_card("E", "answer")],
        )
        .await;
    let [a, b, c, d] = [0, 1, 2, 3].map(|i| set.flashcards[i].id);
    let e = other.flashcards[0].id;
    let start = now() - TimeDelta::days(30);
    // a: in review, due long ago; b: learning, due a little later; c: in review, due later
    // still but before now; d and e never reviewed.
    rate(&w, ada, a, ReviewRating::Easy, start).await;
    rate(&w, ada, b, ReviewRating::Again, start + TimeDelta::days(10)).await;
    rate(&w, ada, c, ReviewRating::Easy, start + TimeDelta::days(15)).await;
    let at = now();

    let all = ReviewFilter::default();
    let due = w.r.reviews.due(ada, all, at, 10, 10).await.unwrap();
    assert_eq!(
        ids(&due),
        [b, a, c, d, e],
        "learning first, then by due, then new"
    );
    assert_eq!(due[3].schedule.state, CardState::New);
    assert_eq!(
        ids(&w.r.reviews.due(ada, all, at, 10, 1).await.unwrap()),
        [b, a, c, d]
    );
    assert_eq!(
        ids(&w.r.reviews.due(ada, all, at, 2, 10).await.unwrap()),
        [b, a]
    );
    let in_course = ReviewFilter {
        course_id: Some(course),
        set_id: None,
    };
    assert_eq!(
        ids(&w.r.reviews.due(ada, in_course, at, 10, 10).await.unwrap()),
        [b, a, c, d]
    );
    let in_set = ReviewFilter {
        course_id: None,
        set_id: Some(other.set.id),
    };
    assert_eq!(
        ids(&w.r.reviews.due(ada, in_set, at, 10, 10).await.unwrap()),
        [e]
    );
    // Before the reviews came due, only the new cards are.
    assert_eq!(
        ids(&w.r.reviews.due(ada, all, start, 10, 10).await.unwrap()),
        [d, e]
    );
    let bob = w.user("bob").await;
    assert!(
        w.r.reviews
            .due(bob, all, at, 10, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn reviews_tallies_count_by_day_rating_and_state(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let set = w
        .set(
            ada,
            "Cells",
            links(None, None, None),
            vec![new_card("A", "a"), new_card("B", "b"), new_card("C", "c")],
        )
        .await;
    let [a, b] = [0, 1].map(|i| set.flashcards[i].id);
    let day = |offset: i64| super::seed::day(offset);
    let recorded = now();
    rate(&w, ada, a, ReviewRating::Easy, day(0)).await;
    rate(
        &w,
        ada,
        b,
        ReviewRating::Again,
        day(0) + TimeDelta::hours(1),
    )
    .await;
    rate(&w, ada, b, ReviewRating::Good, day(1)).await;

    let all = ReviewFilter::default();
    let tally = w.r.reviews.review_tally(ada, all, day(0)).await.unwrap();
    let rows: Vec<_> = tally
        .iter()
        .map(|t| (t.day, t.rating, t.state_before, t.count))
        .collect();
    assert_eq!(
        rows,
        [
            (day(0).date_naive(), ReviewRating::Again, CardState::New, 1),
            (day(0).date_naive(), ReviewRating::Easy, CardState::New, 1),
            (
                day(1).date_naive(),
                ReviewRating::Good,
                CardState::Learning,
                1
            ),
        ]
    );
    assert_eq!(
        w.r.reviews
            .review_tally(ada, all, day(1))
            .await
            .unwrap()
            .len(),
        1
    );
    // Started when recorded, whatever date the reviews were given.
    assert_eq!(w.r.reviews.started_since(ada, recorded).await.unwrap(), 2);
    assert_eq!(
        w.r.reviews
            .started_since(ada, now() + TimeDelta::days(1))
            .await
            .unwrap(),
        0
    );
    let states = w.r.reviews.state_tally(ada, all).await.unwrap();
    assert_eq!(
        states,
        [
            (CardState::New, 1),
            (CardState::Learning, 1),
            (CardState::Review, 1)
        ]
    );
    let a_due = w.r.reviews.schedule(ada, a).await.unwrap().due;
    let b_due = w.r.reviews.schedule(ada, b).await.unwrap().due;
    assert!(b_due < a_due, "b is learning, a in review");
    let due = w.r.reviews.due_tally(ada, all, a_due).await.unwrap();
    assert_eq!(due, [(b_due.date_naive(), 1)], "before a's due: b only");
    let after_a = a_due + TimeDelta::seconds(1);
    let due = w.r.reviews.due_tally(ada, all, after_a).await.unwrap();
    assert_eq!(due.iter().map(|(_, n)| n).sum::<u64>(), 2);
    assert_eq!(
        due.last(),
        Some(&(
            a_due.date_naive(),
            if a_due.date_naive() == b_due.date_naive() {
                2
            } else {
                1
            }
        ))
    );
    let bob = w.user("bob").await;
    assert!(w.r.reviews.state_tally(bob, all).await.unwrap().is_empty());
}

pub async fn reviews_settings_start_at_the_defaults_and_change_field_by_field(
    fixture: &impl Fixture,
) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let defaults = w.r.reviews.settings(ada).await.unwrap();
    assert_eq!(defaults, crate::entities::ReviewSettings::default());
    let changed =
        w.r.reviews
            .update_settings(
                ada,
                ReviewSettingsUpdate {
                    desired_retention: Some(0.85),
                    fuzz: Some(false),
                    ..ReviewSettingsUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (
            changed.desired_retention,
            changed.fuzz,
            changed.new_cards_per_day
        ),
        (0.85, false, 20)
    );
    let parameters: Vec<f64> = fsrs::DEFAULT_PARAMETERS.iter().map(|p| p * 1.01).collect();
    let fitted =
        w.r.reviews
            .update_settings(
                ada,
                ReviewSettingsUpdate {
                    new_cards_per_day: Some(5),
                    parameters: Some(Some(parameters.clone())),
                    ..ReviewSettingsUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(fitted.desired_retention, 0.85, "kept");
    assert_eq!(fitted.parameters.as_deref(), Some(parameters.as_slice()));
    assert_eq!(w.r.reviews.settings(ada).await.unwrap(), fitted);
    let bob = w.user("bob").await;
    assert_eq!(w.r.reviews.settings(bob).await.unwrap(), defaults);
}

pub async fn reviews_go_with_their_card_and_stay_when_it_is_edited(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let set = w
        .set(
            ada,
            "Cells",
            links(None, None, None),
            vec![new_card("A", "a"), new_card("B", "b")],
        )
        .await;
    let [a, b] = [0, 1].map(|i| set.flashcards[i].id);
    let at = now();
    let reviewed = rate(&w, ada, a, ReviewRating::Good, at).await;
    rate(&w, ada, b, ReviewRating::Good, at).await;
    w.r.flashcards
        .update_card(
            ada,
            set.set.id,
            a,
            FlashcardUpdate {
                answer: Some(card_text("Adenosine triphosphate")),
                ..FlashcardUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        w.r.reviews.schedule(ada, a).await.unwrap(),
        reviewed,
        "kept"
    );
    let all = ReviewFilter::default();
    w.r.flashcards
        .delete_card(ada, set.set.id, b)
        .await
        .unwrap();
    expect::not_found(
        w.r.reviews.schedule(ada, b).await,
        "flashcard",
        "a deleted card",
    );
    assert_eq!(
        w.r.reviews.started_since(ada, at).await.unwrap(),
        1,
        "b's log went"
    );
    w.r.flashcards.delete_set(ada, set.set.id).await.unwrap();
    assert_eq!(
        w.r.reviews.started_since(ada, at).await.unwrap(),
        0,
        "a's log went"
    );
    assert!(w.r.reviews.state_tally(ada, all).await.unwrap().is_empty());
}

pub async fn reviews_a_set_s_records_hold_each_reviewed_card_with_its_log(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let set = w
        .set(
            ada,
            "Cells",
            links(None, None, None),
            vec![new_card("ATP?", "Energy"), new_card("DNA?", "Nucleus")],
        )
        .await;
    let other = w
        .set(
            ada,
            "Atoms",
            links(None, None, None),
            vec![new_card("H?", "1")],
        )
        .await;
    let (card, untouched) = (set.flashcards[0].id, set.flashcards[1].id);
    let at = now() - TimeDelta::days(2);
    rate(&w, ada, card, ReviewRating::Again, at).await;
    let last = rate(
        &w,
        ada,
        card,
        ReviewRating::Good,
        at + TimeDelta::minutes(2),
    )
    .await;
    rate(&w, ada, other.flashcards[0].id, ReviewRating::Easy, at).await;

    let records = w.r.reviews.set_records(ada, set.set.id).await.unwrap();
    assert_eq!(records.len(), 1, "only the reviewed card of this set");
    let record = &records[0];
    assert_eq!(record.card, card);
    assert_ne!(record.card, untouched);
    assert_eq!(record.schedule, last);
    let ratings: Vec<ReviewRating> = record.reviews.iter().map(|r| r.rating).collect();
    assert_eq!(
        ratings,
        [ReviewRating::Again, ReviewRating::Good],
        "oldest first"
    );
    assert_eq!(record.reviews[0].state_before, CardState::New);

    let bob = w.user("bob").await;
    expect::not_found(
        w.r.reviews.set_records(bob, set.set.id).await,
        "flashcard set",
        "another's set",
    );
}
