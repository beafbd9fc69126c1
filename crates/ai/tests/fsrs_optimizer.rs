//! The FSRS optimizer fitted to review histories of a simulated student.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sophie_ai::FsrsOptimizer;
use sophie_domain::ReviewRating;
use sophie_domain::ports::{CardHistory, ParameterOptimizer};
use sophie_domain::rules::fsrs::{DEFAULT_PARAMETERS, SchedulerSettings};

/// A small deterministic generator (xorshift), so the histories are the same at every run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        #[allow(clippy::cast_precision_loss)]
        let fraction = (self.0 >> 11) as f64 / (1_u64 << 53) as f64;
        fraction
    }
}

/// A student who forgets faster than the default parameters expect: each card reviewed
/// after growing gaps, recalled with a probability that decays with the gap.
fn histories(cards: usize) -> Vec<CardHistory> {
    let mut dice = Dice(0x5eed_1234_abcd_0042);
    (0..cards)
        .map(|_| {
            let mut reviews = vec![(ReviewRating::Good, 0)];
            let mut gap = 1_u32;
            let mut strength = 2.0_f64;
            for _ in 0..8 {
                let recall = (-f64::from(gap) / strength).exp();
                let rating = if dice.next() < recall {
                    strength *= 2.2;
                    if dice.next() < 0.2 {
                        ReviewRating::Easy
                    } else {
                        ReviewRating::Good
                    }
                } else {
                    strength = (strength * 0.6).max(1.0);
                    ReviewRating::Again
                };
                reviews.push((rating, gap));
                gap = if rating == ReviewRating::Again {
                    1
                } else {
                    (f64::from(gap) * 2.5).ceil() as u32
                };
            }
            CardHistory { reviews }
        })
        .collect()
}

#[tokio::test]
async fn parameters_are_fitted_to_the_reviews_and_the_scheduler_accepts_them() {
    let fitted = FsrsOptimizer.fit(histories(120)).await.unwrap();
    assert_eq!(fitted.len(), 21);
    let parameters: [f64; 21] = fitted.clone().try_into().unwrap();
    SchedulerSettings {
        parameters,
        ..SchedulerSettings::default()
    }
    .validate()
    .unwrap();
    let moved = fitted
        .iter()
        .zip(DEFAULT_PARAMETERS)
        .filter(|(fitted, default)| (**fitted - default).abs() > 1e-3)
        .count();
    assert!(moved > 3, "fitted {fitted:?} stays at the defaults");
}

#[tokio::test]
async fn too_few_reviews_give_the_defaults_back_or_are_refused() {
    let fitted = FsrsOptimizer.fit(histories(1)).await;
    match fitted {
        Ok(parameters) => {
            let defaults: Vec<f64> = DEFAULT_PARAMETERS.to_vec();
            let close = parameters
                .iter()
                .zip(&defaults)
                .all(|(a, b)| (a - b).abs() < 1e-4);
            assert!(close, "{parameters:?}");
        }
        Err(error) => assert!(
            matches!(error, sophie_domain::DomainError::Validation { .. }),
            "{error:?}"
        ),
    }
}
