//! A quiz's total points are the sum of its questions' points.

use crate::entities::Question;
use crate::values::Points;

/// The total of a quiz made of questions worth `points` each.
///
/// Each question is worth at most [`Points::MAX`] and a quiz holds at most
/// [`crate::NewQuiz::MAX_QUESTIONS`], so the sum fits an `i32`; it saturates rather than wrap
/// if a caller breaks those bounds.
pub fn total_points(points: impl IntoIterator<Item = i32>) -> i32 {
    points.into_iter().fold(0_i32, i32::saturating_add)
}

/// The total of `questions`.
#[must_use]
pub fn total_of_questions(questions: &[Question]) -> i32 {
    total_points(questions.iter().map(|q| q.points))
}

/// The total of new questions.
#[must_use]
pub fn total_of_new(points: &[Points]) -> i32 {
    total_points(points.iter().map(|p| p.get_i32()))
}
