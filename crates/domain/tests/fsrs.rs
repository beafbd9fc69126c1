//! The FSRS scheduler against schedules made by py-fsrs 6.3.1 (`tests/fixtures/fsrs`, written
//! by `scripts/fsrs-vectors.py`), and its properties.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde::Deserialize;
use sophie_domain::rules::fsrs::{
    DEFAULT_PARAMETERS, Schedule, SchedulerSettings, elapsed_days, preview, retrievability, review,
};
use sophie_domain::{CardState, ReviewRating};

const VECTORS: &str = include_str!("../../../tests/fixtures/fsrs/vectors.json");

#[derive(Deserialize)]
struct Vectors {
    py_fsrs_version: String,
    parameters: Vec<f64>,
    sequences: Vec<Sequence>,
    fuzzed: Vec<Sequence>,
}

#[derive(Deserialize)]
struct Sequence {
    name: String,
    settings: Settings,
    start: DateTime<Utc>,
    steps: Vec<Step>,
}

#[derive(Deserialize)]
struct Settings {
    /// The default parameters when absent.
    parameters: Option<Vec<f64>>,
    desired_retention: f64,
    maximum_interval: u32,
    learning_steps_seconds: Vec<i64>,
    relearning_steps_seconds: Vec<i64>,
    enable_fuzzing: bool,
}

#[derive(Deserialize)]
struct Step {
    rating: ReviewRating,
    review: DateTime<Utc>,
    fuzz_factor: Option<f64>,
    state: CardState,
    step: Option<u32>,
    stability: f64,
    difficulty: f64,
    due: DateTime<Utc>,
    last_review: DateTime<Utc>,
}

fn vectors() -> Vectors {
    serde_json::from_str(VECTORS).expect("tests/fixtures/fsrs/vectors.json")
}

fn settings_of(s: &Settings) -> SchedulerSettings {
    let steps = |seconds: &[i64]| seconds.iter().map(|&s| TimeDelta::seconds(s)).collect();
    SchedulerSettings {
        parameters: s
            .parameters
            .as_ref()
            .map_or(DEFAULT_PARAMETERS, |p| p.as_slice().try_into().unwrap()),
        desired_retention: s.desired_retention,
        learning_steps: steps(&s.learning_steps_seconds),
        relearning_steps: steps(&s.relearning_steps_seconds),
        maximum_interval_days: s.maximum_interval,
        fuzz: s.enable_fuzzing,
    }
}

fn close(actual: Option<f64>, expected: f64) -> bool {
    actual.is_some_and(|a| (a - expected).abs() <= 1e-4 * expected.abs())
}

/// Replays `sequence` from a new card; the mismatches, by sequence and step.
fn replay(sequence: &Sequence) -> Vec<String> {
    let settings = settings_of(&sequence.settings);
    let mut card = Schedule::new(sequence.start);
    let mut lapses = 0;
    let mut mismatches = Vec::new();
    for (i, step) in sequence.steps.iter().enumerate() {
        lapses += u32::from(card.state == CardState::Review && step.rating == ReviewRating::Again);
        let factor = step.fuzz_factor.unwrap_or(0.0);
        card = review(&settings, &card, step.rating, step.review, factor);
        let ok = card.state == step.state
            && card.step == step.step
            && close(card.stability, step.stability)
            && close(card.difficulty, step.difficulty)
            && card.due == step.due
            && card.last_review == Some(step.last_review)
            && card.reps == u32::try_from(i + 1).unwrap()
            && card.lapses == lapses;
        if !ok {
            mismatches.push(format!(
                "{:?} step {i} ({} at {}): got {card:?}, expected state {} step {:?} stability {} \
                 difficulty {} due {}",
                sequence.name,
                step.rating,
                step.review,
                step.state,
                step.step,
                step.stability,
                step.difficulty,
                step.due
            ));
        }
    }
    mismatches
}

fn assert_all_match(sequences: &[Sequence]) {
    let mismatches: Vec<String> = sequences.iter().flat_map(replay).collect();
    assert!(
        mismatches.is_empty(),
        "{} reviews differ from py-fsrs:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(20)].join("\n")
    );
}

#[test]
fn the_vectors_come_from_py_fsrs_6_3_1_with_the_default_parameters() {
    let vectors = vectors();
    assert_eq!(vectors.py_fsrs_version, "6.3.1");
    assert_eq!(vectors.parameters, DEFAULT_PARAMETERS);
    assert!(vectors.sequences.len() >= 40);
    assert!(vectors.sequences.iter().all(|q| !q.settings.enable_fuzzing));
    assert!(vectors.fuzzed.iter().all(|q| q.settings.enable_fuzzing));
}

#[test]
fn every_review_matches_py_fsrs_without_fuzz() {
    assert_all_match(&vectors().sequences);
}

#[test]
fn every_review_matches_py_fsrs_with_its_random_number_given() {
    assert_all_match(&vectors().fuzzed);
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, day, hour, 0, 0).unwrap()
}

fn no_fuzz() -> SchedulerSettings {
    SchedulerSettings {
        fuzz: false,
        ..SchedulerSettings::default()
    }
}

/// A card in review since `at(1, 8)` with stability 30 days.
fn review_card() -> Schedule {
    Schedule {
        state: CardState::Review,
        step: None,
        stability: Some(30.0),
        difficulty: Some(5.0),
        due: at(31, 8),
        last_review: Some(at(1, 8)),
        reps: 4,
        lapses: 0,
    }
}

fn interval_days(card: &Schedule) -> i64 {
    (card.due - card.last_review.unwrap()).num_days()
}

#[test]
fn fuzz_keeps_the_interval_in_py_fsrs_range_and_depends_only_on_the_factor() {
    let reviewed_at = at(31, 8);
    let plain = review(
        &no_fuzz(),
        &review_card(),
        ReviewRating::Good,
        reviewed_at,
        0.5,
    );
    let days = interval_days(&plain) as f64;
    assert!(days > 20.0, "{days}");
    // py-fsrs's range: 1 day, plus 0.15 a day from 2.5 to 7, 0.1 from 7 to 20, 0.05 above.
    let delta = 1.0 + 0.15 * 4.5 + 0.1 * 13.0 + 0.05 * (days - 20.0);
    let (low, high) = (
        (days - delta).round_ties_even() as i64,
        (days + delta).round_ties_even() as i64,
    );
    let fuzzy = SchedulerSettings::default();
    let mut seen = Vec::new();
    for i in 0..100 {
        let factor = f64::from(i) / 100.0;
        let once = review(
            &fuzzy,
            &review_card(),
            ReviewRating::Good,
            reviewed_at,
            factor,
        );
        let again = review(
            &fuzzy,
            &review_card(),
            ReviewRating::Good,
            reviewed_at,
            factor,
        );
        assert_eq!(once, again);
        assert_eq!(
            once.stability, plain.stability,
            "fuzz moves the due date only"
        );
        let fuzzed = interval_days(&once);
        // round(factor * (high - low + 1) + low): high + 1 only for a factor close to 1.
        assert!(
            (low..=high + 1).contains(&fuzzed),
            "{fuzzed} not in {low}..={high}"
        );
        seen.push(fuzzed);
    }
    assert_eq!(seen[0], low);
    assert!(seen.windows(2).all(|w| w[0] <= w[1]));
    assert!(seen.iter().any(|&d| d < days as i64) && seen.iter().any(|&d| d > days as i64));
}

#[test]
fn fuzz_leaves_steps_and_short_intervals_alone_and_respects_the_maximum() {
    let fuzzy = SchedulerSettings::default();
    let new = Schedule::new(at(1, 8));
    let mut cards = Vec::new();
    for rating in [ReviewRating::Again, ReviewRating::Hard, ReviewRating::Good] {
        cards.push((new.clone(), rating));
    }
    // Learning step 1, GOOD: graduates with an interval of 2 days, too short to fuzz.
    let second = review(&fuzzy, &new, ReviewRating::Good, at(1, 8), 0.9);
    cards.push((second.clone(), ReviewRating::Good));
    for (card, rating) in cards {
        let fuzzed = review(&fuzzy, &card, rating, at(1, 9), 0.9);
        assert_eq!(fuzzed, review(&no_fuzz(), &card, rating, at(1, 9), 0.9));
    }
    assert_eq!(
        review(&fuzzy, &second, ReviewRating::Good, at(1, 9), 0.9).due,
        at(3, 9)
    );
    let capped = SchedulerSettings {
        maximum_interval_days: 40,
        ..SchedulerSettings::default()
    };
    let long = review(
        &capped,
        &review_card(),
        ReviewRating::Easy,
        at(31, 8),
        0.9999,
    );
    assert_eq!(interval_days(&long), 40);
}

#[test]
fn preview_orders_the_four_ratings_of_a_review_card() {
    let previews = preview(&no_fuzz(), &review_card(), at(31, 8), 0.0);
    let ratings: Vec<ReviewRating> = previews.iter().map(|(r, _)| *r).collect();
    assert_eq!(ratings, ReviewRating::ALL);
    assert!(previews.windows(2).all(|w| w[0].1.due < w[1].1.due));
    assert_eq!(previews[0].1.state, CardState::Relearning);
    assert_eq!(previews[0].1.due, at(31, 8) + TimeDelta::minutes(10));
    assert_eq!(previews[0].1.lapses, 1);
    for (rating, schedule) in &previews {
        assert_eq!(
            *schedule,
            review(&no_fuzz(), &review_card(), *rating, at(31, 8), 0.0)
        );
    }
}

#[test]
fn validation_refuses_retention_outside_0_70_to_0_99_and_bad_parameters() {
    assert_eq!(SchedulerSettings::default().validate(), Ok(()));
    for retention in [0.5, 0.69, 0.995, f64::NAN] {
        let settings = SchedulerSettings {
            desired_retention: retention,
            ..SchedulerSettings::default()
        };
        let error = settings.validate().unwrap_err();
        assert!(error.0.contains("retention"), "{error}");
    }
    for (index, value) in [(0, f64::NAN), (20, 0.0), (4, f64::INFINITY), (7, -0.1)] {
        let mut settings = SchedulerSettings::default();
        settings.parameters[index] = value;
        let error = settings.validate().unwrap_err();
        assert!(error.0.contains(&format!("parameter {index} ")), "{error}");
    }
    let settings = SchedulerSettings {
        learning_steps: vec![TimeDelta::zero()],
        ..SchedulerSettings::default()
    };
    assert!(settings.validate().is_err());
}

#[test]
fn a_new_card_is_reviewed_as_a_learning_card_at_step_0() {
    let created = at(1, 8);
    let new = Schedule::new(created);
    assert_eq!((new.state, new.due, new.reps), (CardState::New, created, 0));
    let learning = Schedule {
        state: CardState::Learning,
        step: Some(0),
        ..new
    };
    for rating in ReviewRating::ALL {
        for reviewed_at in [created, at(3, 20)] {
            let from_new = review(&no_fuzz(), &new, *rating, reviewed_at, 0.3);
            assert_eq!(
                from_new,
                review(&no_fuzz(), &learning, *rating, reviewed_at, 0.3)
            );
            assert_ne!(from_new.state, CardState::New);
            assert_eq!(from_new.reps, 1);
        }
    }
    let hard = review(&no_fuzz(), &new, ReviewRating::Hard, created, 0.0);
    assert_eq!(hard.due - created, TimeDelta::seconds(330));
    assert_eq!(hard.step, Some(0));
    assert_eq!(retrievability(&no_fuzz(), &new, at(5, 8)), 0.0);
}

#[test]
fn elapsed_days_counts_whole_days_down_and_retrievability_is_0_9_after_stability_days() {
    let start = at(1, 8);
    assert_eq!(elapsed_days(start, start + TimeDelta::hours(23)), 0);
    assert_eq!(elapsed_days(start, start + TimeDelta::hours(24)), 1);
    assert_eq!(elapsed_days(start, start + TimeDelta::hours(71)), 2);
    assert_eq!(elapsed_days(start, start - TimeDelta::seconds(1)), -1);
    let card = review_card();
    let settings = no_fuzz();
    assert!((retrievability(&settings, &card, at(31, 8)) - 0.9).abs() < 1e-12);
    assert_eq!(retrievability(&settings, &card, at(1, 20)), 1.0);
    assert!(retrievability(&settings, &card, at(31, 7)) > 0.9);
}
