//! The review services on the in-memory store: reviews dated by the student, the day's
//! new-card limit, and parameters fitted in the background (with a mock optimizer).

#![cfg(all(feature = "memory", feature = "mock"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use chrono::{TimeDelta, TimeZone, Utc};
use sophie_domain::memory::{FixedClock, MemoryJobQueue, MemoryStore};
use sophie_domain::ports::MockParameterOptimizer;
use sophie_domain::rules::fsrs::DEFAULT_PARAMETERS;
use sophie_domain::services::reviews::{FittingPorts, ParameterFitting, ReviewService};
use sophie_domain::values::{CardText, Color, Email, Name, Tags, Title};
use sophie_domain::{
    Difficulty, DomainError, FlashcardId, JobQueue, NewFlashcard, NewFlashcardSet, NewUser,
    NotificationFilter, PageRequest, Repositories, ReviewFilter, ReviewRating, SourceLinks, UserId,
};

struct World {
    r: Repositories,
    clock: Arc<FixedClock>,
    queue: MemoryJobQueue,
    ada: UserId,
    cards: Vec<FlashcardId>,
}

impl World {
    async fn new(cards: usize) -> Self {
        let clock = Arc::new(FixedClock::new(
            Utc.with_ymd_and_hms(2027, 3, 1, 9, 0, 0).unwrap(),
        ));
        let r = MemoryStore::with_clock(clock.clone()).repositories();
        let ada = r
            .users
            .create(NewUser {
                name: Name::parse("Ada").unwrap(),
                email: Email::parse("ada@example.com").unwrap(),
                image: None,
            })
            .await
            .unwrap()
            .id;
        let set = r
            .flashcards
            .create_set(
                ada,
                NewFlashcardSet {
                    title: Title::parse("Cells").unwrap(),
                    description: None,
                    difficulty: Difficulty::Medium,
                    tags: Tags::default(),
                    color: Color::default(),
                    links: SourceLinks::default(),
                    flashcards: (0..cards)
                        .map(|i| NewFlashcard {
                            question: CardText::parse(format!("Q{i}")).unwrap(),
                            answer: CardText::parse("A").unwrap(),
                            hint: None,
                            explanation: None,
                            difficulty: Difficulty::Medium,
                            sources: Vec::new(),
                        })
                        .collect(),
                },
            )
            .await
            .unwrap();
        Self {
            cards: set.flashcards.iter().map(|c| c.id).collect(),
            r,
            clock,
            queue: MemoryJobQueue::new(),
            ada,
        }
    }

    fn reviews(&self) -> ReviewService {
        ReviewService::new(self.r.reviews.clone(), self.clock.clone())
    }

    fn fitting(&self, optimizer: MockParameterOptimizer) -> ParameterFitting {
        ParameterFitting::new(FittingPorts {
            reviews: self.r.reviews.clone(),
            queue: Arc::new(self.queue.clone()),
            optimizer: Arc::new(optimizer),
            notifications: self.r.notifications.clone(),
        })
    }
}

#[tokio::test]
async fn new_cards_are_offered_up_to_the_day_limit_which_resets_at_midnight() {
    let w = World::new(30).await;
    let service = w.reviews();
    let due = service
        .due(w.ada, ReviewFilter::default(), 100)
        .await
        .unwrap();
    assert_eq!(due.len(), 20, "the default limit of new cards a day");
    for card in &w.cards[..5] {
        service
            .review(w.ada, *card, ReviewRating::Easy, None, None)
            .await
            .unwrap();
    }
    let due = service
        .due(w.ada, ReviewFilter::default(), 100)
        .await
        .unwrap();
    assert_eq!(due.len(), 15, "five of today's twenty were started");
    w.clock.advance(TimeDelta::days(1));
    let due = service
        .due(w.ada, ReviewFilter::default(), 100)
        .await
        .unwrap();
    assert_eq!(due.len(), 20, "a new day, a new allowance");
}

#[tokio::test]
async fn reviews_dated_in_the_future_or_before_the_last_are_refused() {
    let w = World::new(1).await;
    let service = w.reviews();
    let card = w.cards[0];
    let now = sophie_domain::ports::Clock::now(w.clock.as_ref());
    let future = service
        .review(
            w.ada,
            card,
            ReviewRating::Good,
            Some(now + TimeDelta::hours(1)),
            None,
        )
        .await;
    assert!(
        matches!(future, Err(DomainError::Validation { ref field, .. }) if field == "reviewedAt")
    );
    // A review a month ago, replayed, then one before it.
    let month_ago = now - TimeDelta::days(30);
    service
        .review(w.ada, card, ReviewRating::Good, Some(month_ago), None)
        .await
        .unwrap();
    let before = service
        .review(
            w.ada,
            card,
            ReviewRating::Good,
            Some(month_ago - TimeDelta::days(1)),
            None,
        )
        .await;
    assert!(
        matches!(before, Err(DomainError::Conflict { .. })),
        "{before:?}"
    );
    let after = service
        .review(
            w.ada,
            card,
            ReviewRating::Good,
            Some(month_ago + TimeDelta::days(2)),
            None,
        )
        .await
        .unwrap();
    assert_eq!(after.review.elapsed_days, 2);
}

#[tokio::test]
async fn fitted_parameters_are_kept_used_and_notified_once() {
    let w = World::new(3).await;
    let service = w.reviews();
    let start = sophie_domain::ports::Clock::now(w.clock.as_ref()) - TimeDelta::days(60);
    for card in &w.cards {
        for round in 0..4 {
            service
                .review(
                    w.ada,
                    *card,
                    ReviewRating::Good,
                    Some(start + TimeDelta::days(10 * round)),
                    None,
                )
                .await
                .unwrap();
        }
    }
    let fitted: Vec<f64> = DEFAULT_PARAMETERS.iter().map(|p| p * 1.02).collect();
    let mut optimizer = MockParameterOptimizer::new();
    let answer = fitted.clone();
    optimizer
        .expect_fit()
        .times(2)
        .withf(|histories| histories.len() == 3 && histories.iter().all(|h| h.reviews.len() == 4))
        .returning(move |_| Ok(answer.clone()));
    let fitting = w.fitting(optimizer);
    assert_eq!(fitting.start(w.ada).await.unwrap(), 9);
    assert_eq!(
        fitting.start(w.ada).await.unwrap(),
        9,
        "queued once, by its key"
    );
    let queued = w
        .queue
        .claim_batch(
            "test".to_owned(),
            vec!["reviews.optimize".to_owned()],
            std::time::Duration::from_secs(60),
            10,
        )
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);

    assert_eq!(fitting.run(w.ada).await.unwrap(), fitted);
    assert_eq!(fitting.run(w.ada).await.unwrap(), fitted, "a run repeated");
    let settings = service.settings(w.ada).await.unwrap();
    assert_eq!(settings.parameters.as_deref(), Some(fitted.as_slice()));
    let notices =
        w.r.notifications
            .list(
                w.ada,
                NotificationFilter::default(),
                PageRequest::new(None, None).unwrap(),
            )
            .await
            .unwrap();
    assert_eq!(notices.items.len(), 1, "one notification for one fitting");

    let mut wild = MockParameterOptimizer::new();
    wild.expect_fit().returning(|_| Ok(vec![1e9; 21]));
    let refused = w.fitting(wild).run(w.ada).await;
    assert!(
        matches!(refused, Err(DomainError::Validation { ref field, .. }) if field == "parameters")
    );
    assert_eq!(
        service.settings(w.ada).await.unwrap().parameters.as_deref(),
        Some(fitted.as_slice()),
        "parameters out of bounds are not kept"
    );

    let bob_world = World::new(1).await;
    let refused = bob_world
        .fitting(MockParameterOptimizer::new())
        .start(bob_world.ada)
        .await;
    assert!(
        matches!(refused, Err(DomainError::Validation { ref field, .. }) if field == "reviews")
    );
}
