use super::{BoundedText, InvalidValue};
use crate::enums::QuestionType;
use crate::error::{DomainError, DomainResult};
use crate::rules::grading::normalize_answer;

/// An option or a correct answer: a [`BoundedText`] of at most
/// [`QuestionContent::MAX_ANSWER_CHARS`] characters.
pub type Answer = BoundedText<{ QuestionContent::MAX_ANSWER_CHARS }>;

/// The gradable part of a question: its type, its options and its correct answer, checked to
/// be consistent with each other.
///
/// - `MULTIPLE_CHOICE`: 2 to 10 distinct, non-empty options, and the correct answer is one of
///   them (matched as grading matches answers; stored with the option's own spelling).
/// - `TRUE_FALSE`: the correct answer is `true` or `false` (any case; stored lower-case); no
///   options are stored.
/// - `SHORT_ANSWER` and `FILL_IN_THE_BLANK`: a non-empty correct answer and no options.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionContent {
    question_type: QuestionType,
    options: Option<Vec<String>>,
    correct_answer: String,
}

impl QuestionContent {
    /// The most options a multiple-choice question may have.
    pub const MAX_OPTIONS: usize = 10;
    /// The longest option or answer accepted.
    pub const MAX_ANSWER_CHARS: usize = 1_000;

    /// Checks that `options` and `correct_answer` fit `question_type`.
    ///
    /// Errors name the field: `options` or `correctAnswer`.
    ///
    /// # Errors
    ///
    /// A [`DomainError::Validation`] when they do not fit.
    pub fn new(
        question_type: QuestionType,
        options: Option<Vec<String>>,
        correct_answer: impl Into<String>,
    ) -> DomainResult<Self> {
        let correct_answer = Answer::parse(correct_answer.into())
            .map_err(|InvalidValue(message)| DomainError::validation("correctAnswer", message))?;
        let correct_answer = correct_answer.as_str();
        let options = options.unwrap_or_default();
        match question_type {
            QuestionType::MultipleChoice => Self::multiple_choice(&options, correct_answer),
            QuestionType::TrueFalse => {
                let answer = correct_answer.to_lowercase();
                if answer != "true" && answer != "false" {
                    return Err(DomainError::validation(
                        "correctAnswer",
                        "must be true or false for a TRUE_FALSE question",
                    ));
                }
                let options_ok = options.is_empty()
                    || (options.len() == 2
                        && options
                            .iter()
                            .any(|o| o.trim().eq_ignore_ascii_case("true"))
                        && options
                            .iter()
                            .any(|o| o.trim().eq_ignore_ascii_case("false")));
                if !options_ok {
                    return Err(DomainError::validation(
                        "options",
                        "a TRUE_FALSE question takes no options other than true and false",
                    ));
                }
                Ok(Self {
                    question_type,
                    options: None,
                    correct_answer: answer,
                })
            }
            QuestionType::ShortAnswer | QuestionType::FillInTheBlank => {
                if !options.is_empty() {
                    return Err(DomainError::validation(
                        "options",
                        format!("a {question_type} question takes no options"),
                    ));
                }
                Ok(Self {
                    question_type,
                    options: None,
                    correct_answer: correct_answer.to_owned(),
                })
            }
        }
    }

    fn multiple_choice(options: &[String], correct_answer: &str) -> DomainResult<Self> {
        if options.len() < 2 || options.len() > Self::MAX_OPTIONS {
            return Err(DomainError::validation(
                "options",
                format!(
                    "a MULTIPLE_CHOICE question needs 2 to {} options",
                    Self::MAX_OPTIONS
                ),
            ));
        }
        let mut cleaned: Vec<String> = Vec::with_capacity(options.len());
        let mut normalized: Vec<String> = Vec::with_capacity(options.len());
        for (index, option) in options.iter().enumerate() {
            let option = Answer::parse(option.as_str()).map_err(|InvalidValue(message)| {
                DomainError::validation(format!("options[{index}]"), message)
            })?;
            let option = option.as_str();
            let key = normalize_answer(option);
            if normalized.contains(&key) {
                return Err(DomainError::validation(
                    format!("options[{index}]"),
                    "repeats another option",
                ));
            }
            normalized.push(key);
            cleaned.push(option.to_owned());
        }
        let wanted = normalize_answer(correct_answer);
        let Some(position) = normalized.iter().position(|key| *key == wanted) else {
            return Err(DomainError::validation(
                "correctAnswer",
                "must be one of the options",
            ));
        };
        let correct_answer = cleaned[position].clone();
        Ok(Self {
            question_type: QuestionType::MultipleChoice,
            options: Some(cleaned),
            correct_answer,
        })
    }

    /// The question's type.
    #[must_use]
    pub const fn question_type(&self) -> QuestionType {
        self.question_type
    }

    /// The options, for a multiple-choice question.
    #[must_use]
    pub fn options(&self) -> Option<&[String]> {
        self.options.as_deref()
    }

    /// The correct answer.
    #[must_use]
    pub fn correct_answer(&self) -> &str {
        &self.correct_answer
    }

    /// Takes the parts apart: type, options, correct answer.
    #[must_use]
    pub fn into_parts(self) -> (QuestionType, Option<Vec<String>>, String) {
        (self.question_type, self.options, self.correct_answer)
    }
}
