//! Grading a quiz attempt on the server, so a client cannot award itself points.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::entities::{
    GradedAnswer, NewQuizResponse, Question, QuizWithQuestions, SubmittedAnswer,
};
use crate::enums::QuestionType;
use crate::error::{DomainError, DomainResult};
use crate::id::QuestionId;
use crate::values::{DurationSeconds, InvalidValue};

/// The longest answer accepted for grading.
pub const MAX_ANSWER_CHARS: usize = 5_000;

/// An answer as grading compares it: trimmed, case-folded, with every run of white space
/// collapsed to one space. `"  The  Mitochondria "` and `"the mitochondria"` are the same
/// answer.
#[must_use]
pub fn normalize_answer(answer: &str) -> String {
    answer
        .split_whitespace()
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether `answer` is right for `question`:
///
/// - `MULTIPLE_CHOICE`: the answer names the correct option;
/// - `TRUE_FALSE`: the answer is `true` or `false` and matches;
/// - `SHORT_ANSWER`, `FILL_IN_THE_BLANK`: the answer equals the correct answer after
///   [`normalize_answer`].
#[must_use]
pub fn is_correct(question: &Question, answer: &str) -> bool {
    let given = normalize_answer(answer);
    let expected = normalize_answer(&question.correct_answer);
    match question.question_type {
        QuestionType::TrueFalse => (given == "true" || given == "false") && given == expected,
        QuestionType::MultipleChoice => {
            let names_an_option = question
                .options
                .as_deref()
                .unwrap_or_default()
                .iter()
                .any(|option| normalize_answer(option) == given);
            names_an_option && given == expected
        }
        QuestionType::ShortAnswer | QuestionType::FillInTheBlank => {
            !given.is_empty() && given == expected
        }
    }
}

/// Checks that an attempt said to have started at `started_at` did not start after `now`.
///
/// # Errors
///
/// When `started_at` is in the future.
pub fn check_started_at(
    started_at: &DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), InvalidValue> {
    if *started_at > now {
        Err(InvalidValue::new("must not be in the future"))
    } else {
        Ok(())
    }
}

/// The result of grading one attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grade {
    /// Every question's result, in the quiz's order; unanswered questions count as wrong.
    pub answers: Vec<GradedAnswer>,
    /// The points earned.
    pub score: i32,
    /// The points available.
    pub total_points: i32,
}

impl Grade {
    /// The score as a percentage of the points available (0 for a quiz worth nothing).
    #[must_use]
    pub fn percentage(&self) -> f64 {
        if self.total_points == 0 {
            0.0
        } else {
            f64::from(self.score) * 100.0 / f64::from(self.total_points)
        }
    }

    /// How many questions were answered correctly.
    #[must_use]
    pub fn correct_count(&self) -> usize {
        self.answers.iter().filter(|a| a.correct).count()
    }

    /// The attempt to record.
    #[must_use]
    pub fn into_response(
        self,
        quiz: &QuizWithQuestions,
        time_spent_seconds: Option<DurationSeconds>,
        started_at: Option<DateTime<Utc>>,
        completed_at: DateTime<Utc>,
    ) -> NewQuizResponse {
        NewQuizResponse {
            quiz_id: quiz.quiz.id,
            answers: self.answers,
            score: self.score,
            total_points: self.total_points,
            time_spent_seconds,
            started_at,
            completed_at,
        }
    }
}

/// Grades `submitted` against `quiz`: each right answer earns its question's points, a wrong
/// or missing one earns nothing, so partial credit is the sum over questions.
///
/// # Errors
///
/// A validation error on `answers[i].questionId` when an answer names a question that is not
/// in the quiz or answers a question twice, or on `answers[i].answer` when an answer is over
/// [`MAX_ANSWER_CHARS`].
pub fn grade_quiz_response(
    quiz: &QuizWithQuestions,
    submitted: &[SubmittedAnswer],
) -> DomainResult<Grade> {
    let known: HashMap<QuestionId, &Question> = quiz.questions.iter().map(|q| (q.id, q)).collect();
    let mut given: HashMap<QuestionId, &str> = HashMap::with_capacity(submitted.len());
    for (index, answer) in submitted.iter().enumerate() {
        if !known.contains_key(&answer.question_id) {
            return Err(DomainError::validation(
                format!("answers[{index}].questionId"),
                "is not a question of this quiz",
            ));
        }
        if answer.answer.chars().count() > MAX_ANSWER_CHARS {
            return Err(DomainError::validation(
                format!("answers[{index}].answer"),
                format!("must be at most {MAX_ANSWER_CHARS} characters"),
            ));
        }
        if given.insert(answer.question_id, &answer.answer).is_some() {
            return Err(DomainError::validation(
                format!("answers[{index}].questionId"),
                "answers a question already answered",
            ));
        }
    }

    let answers: Vec<GradedAnswer> = quiz
        .questions
        .iter()
        .map(|question| {
            let answer = given.get(&question.id).copied();
            let correct = answer.is_some_and(|a| is_correct(question, a));
            GradedAnswer {
                question_id: question.id,
                answer: answer.map(str::to_owned),
                correct,
                points_awarded: if correct { question.points } else { 0 },
            }
        })
        .collect();
    let score = answers
        .iter()
        .map(|a| a.points_awarded)
        .fold(0_i32, i32::saturating_add);
    let total_points = super::quiz_points::total_of_questions(&quiz.questions);
    Ok(Grade {
        answers,
        score,
        total_points,
    })
}
