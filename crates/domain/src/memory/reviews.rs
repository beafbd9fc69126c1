//! Card schedules, the review log and review settings in memory, as the PostgreSQL tables
//! `flashcard_schedules`, `flashcard_reviews` and `review_settings` hold them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::store::{MemoryStore, Tables, micros, owned};
use crate::entities::{
    CardRecord, DueCard, Flashcard, NewReview, ReviewFilter, ReviewLog, ReviewSettings,
    ReviewSettingsUpdate, ReviewTally,
};
use crate::enums::CardState;
use crate::error::{DomainError, DomainResult};
use crate::id::{FlashcardId, FlashcardSetId, ReviewId, UserId};
use crate::ports::{CardHistory, ReviewRepository};
use crate::rules::fsrs::Schedule;

/// A row of the review log, with the schedule an undo gives back.
#[derive(Clone, Debug)]
pub(super) struct StoredReview {
    pub(super) log: ReviewLog,
    pub(super) user_id: UserId,
    pub(super) before: Schedule,
    pub(super) created_at: DateTime<Utc>,
}

impl Tables {
    /// The user's card, or `NotFound`.
    fn owned_card(&self, user: UserId, card: FlashcardId) -> DomainResult<&Flashcard> {
        self.flashcards
            .get(&card)
            .filter(|c| {
                self.flashcard_sets
                    .get(&c.flashcard_set_id)
                    .is_some_and(|set| set.user_id == user)
            })
            .ok_or(DomainError::not_found("flashcard"))
    }

    fn card_schedule(&self, card: &Flashcard) -> Schedule {
        self.card_schedules
            .get(&card.id)
            .cloned()
            .unwrap_or_else(|| Schedule::new(card.created_at))
    }

    /// The user's cards within `filter`.
    fn filtered_cards(&self, user: UserId, filter: ReviewFilter) -> Vec<&Flashcard> {
        self.flashcards
            .values()
            .filter(|card| {
                self.flashcard_sets
                    .get(&card.flashcard_set_id)
                    .is_some_and(|set| {
                        set.user_id == user
                            && filter.set_id.is_none_or(|id| id == set.id)
                            && filter.course_id.is_none_or(|id| set.course_id == Some(id))
                    })
            })
            .collect()
    }

    /// Forgets the schedules, reviews and import keys of the cards `gone` says are gone.
    pub(super) fn forget_reviews(&mut self, gone: impl Fn(&FlashcardId) -> bool) {
        self.card_keys.retain(|card, _| !gone(card));
        self.card_schedules.retain(|card, _| !gone(card));
        self.flashcard_reviews
            .retain(|_, review| !gone(&review.log.flashcard_id));
    }
}

/// Whether `state` is a learning state, studied before cards in review.
const fn learning(state: CardState) -> bool {
    matches!(state, CardState::Learning | CardState::Relearning)
}

#[async_trait]
impl ReviewRepository for MemoryStore {
    async fn schedule(&self, user: UserId, card: FlashcardId) -> DomainResult<Schedule> {
        self.with_tables(|tables| {
            let card = tables.owned_card(user, card)?;
            Ok(tables.card_schedule(card))
        })
    }

    async fn record(
        &self,
        user: UserId,
        card: FlashcardId,
        review: NewReview,
    ) -> DomainResult<ReviewLog> {
        self.write(|tables, now| {
            let found = tables.owned_card(user, card)?;
            if tables.card_schedule(found) != review.before {
                return Err(changed_meanwhile());
            }
            let log = ReviewLog {
                id: ReviewId::new(),
                flashcard_id: card,
                rating: review.rating,
                state_before: review.before.state,
                reviewed_at: micros(review.reviewed_at),
                elapsed_days: review.elapsed_days,
                duration_ms: review.duration_ms,
            };
            tables.card_schedules.insert(card, review.after);
            tables.flashcard_reviews.insert(
                log.id,
                StoredReview {
                    log: log.clone(),
                    user_id: user,
                    before: review.before,
                    created_at: now,
                },
            );
            Ok(log)
        })
    }

    async fn undo(&self, user: UserId, card: FlashcardId) -> DomainResult<Option<Schedule>> {
        self.with_tables(|tables| {
            tables.owned_card(user, card)?;
            let Some(last) = tables
                .flashcard_reviews
                .values()
                .filter(|review| review.log.flashcard_id == card)
                .max_by_key(|review| (review.log.reviewed_at, review.created_at, review.log.id))
                .cloned()
            else {
                return Ok(None);
            };
            tables.flashcard_reviews.remove(&last.log.id);
            if last.before.state == CardState::New {
                tables.card_schedules.remove(&card);
            } else {
                tables.card_schedules.insert(card, last.before.clone());
            }
            Ok(Some(last.before))
        })
    }

    async fn due(
        &self,
        user: UserId,
        filter: ReviewFilter,
        now: DateTime<Utc>,
        limit: u32,
        new_limit: u32,
    ) -> DomainResult<Vec<DueCard>> {
        self.with_tables(|tables| {
            let cards = tables.filtered_cards(user, filter);
            let mut due: Vec<DueCard> = cards
                .iter()
                .filter_map(|card| {
                    let schedule = tables.card_schedules.get(&card.id)?;
                    (schedule.due <= now).then(|| DueCard {
                        card: (*card).clone(),
                        schedule: schedule.clone(),
                    })
                })
                .collect();
            due.sort_by(|a, b| {
                learning(b.schedule.state)
                    .cmp(&learning(a.schedule.state))
                    .then(a.schedule.due.cmp(&b.schedule.due))
                    .then(a.card.id.cmp(&b.card.id))
            });
            let limit = usize::try_from(limit).unwrap_or(usize::MAX);
            due.truncate(limit);
            let room = limit
                .saturating_sub(due.len())
                .min(usize::try_from(new_limit).unwrap_or(usize::MAX));
            let mut fresh: Vec<&Flashcard> = cards
                .into_iter()
                .filter(|card| !tables.card_schedules.contains_key(&card.id))
                .collect();
            fresh.sort_by_key(|card| (card.created_at, card.id));
            due.extend(fresh.into_iter().take(room).map(|card| DueCard {
                card: card.clone(),
                schedule: Schedule::new(card.created_at),
            }));
            Ok(due)
        })
    }

    async fn started_since(&self, user: UserId, since: DateTime<Utc>) -> DomainResult<u32> {
        self.with_tables(|tables| {
            let count = tables
                .flashcard_reviews
                .values()
                .filter(|review| {
                    review.user_id == user
                        && review.log.state_before == CardState::New
                        && review.created_at >= since
                })
                .count();
            Ok(u32::try_from(count).unwrap_or(u32::MAX))
        })
    }

    async fn review_tally(
        &self,
        user: UserId,
        filter: ReviewFilter,
        since: DateTime<Utc>,
    ) -> DomainResult<Vec<ReviewTally>> {
        self.with_tables(|tables| {
            let cards: std::collections::BTreeSet<FlashcardId> = tables
                .filtered_cards(user, filter)
                .into_iter()
                .map(|card| card.id)
                .collect();
            let mut tally: BTreeMap<_, u64> = BTreeMap::new();
            for review in tables.flashcard_reviews.values() {
                if review.user_id == user
                    && review.log.reviewed_at >= since
                    && cards.contains(&review.log.flashcard_id)
                {
                    *tally
                        .entry((
                            review.log.reviewed_at.date_naive(),
                            review.log.rating,
                            review.log.state_before,
                        ))
                        .or_default() += 1;
                }
            }
            Ok(tally
                .into_iter()
                .map(|((day, rating, state_before), count)| ReviewTally {
                    day,
                    rating,
                    state_before,
                    count,
                })
                .collect())
        })
    }

    async fn due_tally(
        &self,
        user: UserId,
        filter: ReviewFilter,
        before: DateTime<Utc>,
    ) -> DomainResult<Vec<(NaiveDate, u64)>> {
        self.with_tables(|tables| {
            let mut tally: BTreeMap<NaiveDate, u64> = BTreeMap::new();
            for card in tables.filtered_cards(user, filter) {
                if let Some(schedule) = tables.card_schedules.get(&card.id)
                    && schedule.due < before
                {
                    *tally.entry(schedule.due.date_naive()).or_default() += 1;
                }
            }
            Ok(tally.into_iter().collect())
        })
    }

    async fn state_tally(
        &self,
        user: UserId,
        filter: ReviewFilter,
    ) -> DomainResult<Vec<(CardState, u64)>> {
        self.with_tables(|tables| {
            let mut tally: BTreeMap<CardState, u64> = BTreeMap::new();
            for card in tables.filtered_cards(user, filter) {
                let state = tables
                    .card_schedules
                    .get(&card.id)
                    .map_or(CardState::New, |schedule| schedule.state);
                *tally.entry(state).or_default() += 1;
            }
            Ok(tally.into_iter().collect())
        })
    }

    async fn set_records(
        &self,
        user: UserId,
        set: FlashcardSetId,
    ) -> DomainResult<Vec<CardRecord>> {
        self.with_tables(|tables| {
            owned(&tables.flashcard_sets, user, &set, "flashcard set")?;
            let mut records: BTreeMap<FlashcardId, CardRecord> = tables
                .flashcards
                .values()
                .filter(|card| card.flashcard_set_id == set)
                .filter_map(|card| {
                    let schedule = tables.card_schedules.get(&card.id)?.clone();
                    Some((
                        card.id,
                        CardRecord {
                            card: card.id,
                            schedule,
                            reviews: Vec::new(),
                        },
                    ))
                })
                .collect();
            let mut reviews: Vec<&StoredReview> = tables
                .flashcard_reviews
                .values()
                .filter(|review| records.contains_key(&review.log.flashcard_id))
                .collect();
            reviews
                .sort_by_key(|review| (review.log.reviewed_at, review.created_at, review.log.id));
            for review in reviews {
                if let Some(record) = records.get_mut(&review.log.flashcard_id) {
                    record.reviews.push(review.log.clone());
                }
            }
            Ok(records.into_values().collect())
        })
    }

    async fn histories(&self, user: UserId) -> DomainResult<Vec<CardHistory>> {
        self.with_tables(|tables| {
            let mut reviews: Vec<&StoredReview> = tables
                .flashcard_reviews
                .values()
                .filter(|review| review.user_id == user)
                .collect();
            reviews.sort_by_key(|review| {
                (
                    review.log.flashcard_id,
                    review.log.reviewed_at,
                    review.created_at,
                    review.log.id,
                )
            });
            Ok(CardHistory::group(reviews.into_iter().map(|review| {
                (
                    review.log.flashcard_id,
                    review.log.rating,
                    u32::try_from(review.log.elapsed_days).unwrap_or(0),
                )
            })))
        })
    }

    async fn settings(&self, user: UserId) -> DomainResult<ReviewSettings> {
        self.with_tables(|tables| {
            Ok(tables
                .review_settings
                .get(&user)
                .cloned()
                .unwrap_or_default())
        })
    }

    async fn update_settings(
        &self,
        user: UserId,
        update: ReviewSettingsUpdate,
    ) -> DomainResult<ReviewSettings> {
        self.with_tables(|tables| {
            tables.check_user(user)?;
            let settings = tables.review_settings.entry(user).or_default();
            if let Some(retention) = update.desired_retention {
                settings.desired_retention = retention;
            }
            if let Some(count) = update.new_cards_per_day {
                settings.new_cards_per_day = count;
            }
            if let Some(fuzz) = update.fuzz {
                settings.fuzz = fuzz;
            }
            if let Some(parameters) = update.parameters {
                settings.parameters = parameters;
            }
            Ok(settings.clone())
        })
    }
}

fn changed_meanwhile() -> DomainError {
    DomainError::conflict(
        "flashcard",
        "the card was reviewed meanwhile; load its schedule again",
    )
}
