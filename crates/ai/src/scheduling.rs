//! The FSRS parameter optimizer ([`ParameterOptimizer`]) on the `fsrs` crate.
//!
//! Each card's history becomes the crate's training items, one for each review after the
//! first made a day or more after the one before, holding the reviews up to it; the crate
//! fits the 21 FSRS-6 parameters to them (in f32; they are widened to f64). The fitting is
//! CPU work spread over a rayon pool, so it runs on a blocking thread, off the async runtime.

use async_trait::async_trait;
use fsrs::{ComputeParametersInput, FSRSError, FSRSItem, FSRSReview, compute_parameters};
use sophie_domain::ports::{CardHistory, ParameterOptimizer};
use sophie_domain::{DomainError, DomainResult};

/// Fits FSRS-6 parameters with the `fsrs` crate's optimizer.
#[derive(Clone, Copy, Debug, Default)]
pub struct FsrsOptimizer;

/// The reviews of one card the optimizer reads, at most (its first ones): each review is an
/// item holding those before it, so a card's items grow with the square of its reviews.
const MAX_REVIEWS_PER_CARD: usize = 64;

/// The training items the optimizer reads, at most.
const MAX_ITEMS: usize = 200_000;

/// The crate's training items of `histories`, with the card each comes from.
fn training_items(histories: &[CardHistory]) -> (Vec<FSRSItem>, Vec<i64>) {
    let mut items = Vec::new();
    let mut cards = Vec::new();
    'cards: for (card, history) in histories.iter().enumerate() {
        let mut reviews = Vec::with_capacity(history.reviews.len().min(MAX_REVIEWS_PER_CARD));
        let mut long_term = false;
        for (index, (rating, days)) in history
            .reviews
            .iter()
            .take(MAX_REVIEWS_PER_CARD)
            .enumerate()
        {
            let delta_t = if index == 0 { 0 } else { *days };
            long_term |= delta_t > 0;
            reviews.push(FSRSReview {
                rating: u32::from(rating.value()),
                delta_t,
            });
            if long_term {
                if items.len() >= MAX_ITEMS {
                    break 'cards;
                }
                items.push(FSRSItem {
                    reviews: reviews.clone(),
                });
                cards.push(i64::try_from(card).unwrap_or(i64::MAX));
            }
        }
    }
    (items, cards)
}

/// A parameter the crate computed in f32, as the decimal it stands for: the crate clamps to
/// bounds such as 0.8 in f32, which widened is 0.800000011920929, just outside the bound.
fn widened(parameter: f32) -> f64 {
    (f64::from(parameter) * 1e6).round() / 1e6
}

#[async_trait]
impl ParameterOptimizer for FsrsOptimizer {
    async fn fit(&self, histories: Vec<CardHistory>) -> DomainResult<Vec<f64>> {
        let (train_set, card_ids) = training_items(&histories);
        let fitted = tokio::task::spawn_blocking(move || {
            compute_parameters(ComputeParametersInput {
                train_set,
                card_ids: Some(card_ids),
                ..ComputeParametersInput::default()
            })
        })
        .await
        .map_err(|e| DomainError::internal_from("the parameter optimizer stopped", e))?;
        match fitted {
            Ok(parameters) => Ok(parameters.into_iter().map(widened).collect()),
            Err(FSRSError::NotEnoughData) => Err(DomainError::validation(
                "reviews",
                "too few reviews to fit the scheduler to",
            )),
            Err(error) => Err(DomainError::internal(format!(
                "the parameter optimizer failed: {error}"
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use sophie_domain::ReviewRating::{Again, Good, Hard};

    use super::*;

    #[test]
    fn each_long_term_review_is_an_item_holding_the_reviews_before_it() {
        let histories = vec![
            CardHistory {
                reviews: vec![(Good, 0), (Good, 0), (Hard, 3), (Again, 9)],
            },
            CardHistory {
                reviews: vec![(Good, 0)],
            },
        ];
        let (items, cards) = training_items(&histories);
        let shapes: Vec<Vec<(u32, u32)>> = items
            .iter()
            .map(|item| item.reviews.iter().map(|r| (r.rating, r.delta_t)).collect())
            .collect();
        assert_eq!(
            shapes,
            [
                vec![(3, 0), (3, 0), (2, 3)],
                vec![(3, 0), (3, 0), (2, 3), (1, 9)],
            ]
        );
        assert_eq!(cards, [0, 0]);
    }

    #[test]
    fn a_bound_in_f32_is_the_bound_in_f64() {
        assert_eq!(widened(0.8_f32), 0.8);
        assert_eq!(widened(0.212_f32), 0.212);
    }

    #[test]
    fn a_card_reviewed_thousands_of_times_gives_a_bounded_number_of_items() {
        let history = CardHistory {
            reviews: std::iter::once((Good, 0))
                .chain(std::iter::repeat_n((Good, 1), 10_000))
                .collect(),
        };
        let (items, _) = training_items(&[history]);
        assert_eq!(items.len(), MAX_REVIEWS_PER_CARD - 1);
    }
}
