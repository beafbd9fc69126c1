//! Quizzes: making and changing them with their questions, and grading attempts at them on
//! the server, so a client cannot award itself points.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::entities::{
    NewQuestion, NewQuiz, Question, QuestionUpdate, Quiz, QuizFilter, QuizResponse, QuizUpdate,
    QuizWithQuestions, SubmittedAnswer,
};
use crate::enums::{Difficulty, QuestionType};
use crate::error::{DomainError, DomainResult};
use crate::id::{QuestionId, QuizId, QuizResponseId, UserId};
use crate::pagination::{Page, PageRequest};
use crate::ports::{Clock, QuizRepository};
use crate::rules::grading::{check_started_at, grade_quiz_response};
use crate::values::{CardText, DurationSeconds, FieldContext, Points, QuestionContent};

/// A question to add to a quiz, every field checked; without a difficulty it takes the quiz's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionDraft {
    /// The question's text.
    pub question: CardText,
    /// Its type, options and correct answer, consistent with each other.
    pub content: QuestionContent,
    /// An explanation.
    pub explanation: Option<CardText>,
    /// A hint.
    pub hint: Option<CardText>,
    /// How hard it is; the quiz's difficulty if `None`.
    pub difficulty: Option<Difficulty>,
    /// What it is worth.
    pub points: Points,
}

impl QuestionDraft {
    /// The question for a quiz of `quiz_difficulty`: its own difficulty, else the quiz's.
    #[must_use]
    pub fn with_default_difficulty(self, quiz_difficulty: Difficulty) -> NewQuestion {
        NewQuestion {
            sources: Vec::new(),
            question: self.question,
            content: self.content,
            explanation: self.explanation,
            hint: self.hint,
            difficulty: self.difficulty.unwrap_or(quiz_difficulty),
            points: self.points,
        }
    }
}

/// Changes to a question: `None` leaves a field as it is, `Some(None)` clears a nullable one.
///
/// The type, the options and the correct answer are not checked yet: they must be consistent
/// with each other once merged with the question's current ones, which only
/// [`QuizService::edit_question`] can read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuestionEdit {
    /// A new text.
    pub question: Option<CardText>,
    /// A new type.
    pub question_type: Option<QuestionType>,
    /// New options, or `Some(None)` to remove them (for a type that takes none).
    pub options: Option<Option<Vec<String>>>,
    /// A new correct answer.
    pub correct_answer: Option<String>,
    /// A new explanation, or `Some(None)` to clear it.
    pub explanation: Option<Option<CardText>>,
    /// A new hint, or `Some(None)` to clear it.
    pub hint: Option<Option<CardText>>,
    /// A new difficulty.
    pub difficulty: Option<Difficulty>,
    /// New points; the quiz's total follows.
    pub points: Option<Points>,
}

impl QuestionEdit {
    /// Whether the type, the options or the correct answer change, so the question's current
    /// ones are needed to check them together.
    #[must_use]
    pub const fn changes_content(&self) -> bool {
        self.question_type.is_some() || self.options.is_some() || self.correct_answer.is_some()
    }
}

/// The content `current` has once the given parts replace its own. Options kept from before
/// only still make sense for a multiple-choice question, so a question that changes to
/// another type drops them unless new ones are given.
///
/// # Errors
///
/// A validation error on `type`, `options`, `options[i]` or `correctAnswer` when the merged
/// parts do not fit together.
fn merged_content(
    current: &Question,
    question_type: Option<QuestionType>,
    options: Option<Option<Vec<String>>>,
    correct_answer: Option<String>,
) -> DomainResult<QuestionContent> {
    let question_type = question_type.unwrap_or(current.question_type);
    let options = match options {
        Some(options) => options,
        None if question_type == QuestionType::MultipleChoice => current.options.clone(),
        None => None,
    };
    let correct_answer = correct_answer.unwrap_or_else(|| current.correct_answer.clone());
    QuestionContent::new(question_type, options, correct_answer)
}

/// An attempt at a quiz, to grade. Questions left out count as wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attempt {
    /// The answers, at most one per question.
    pub answers: Vec<SubmittedAnswer>,
    /// How long the attempt took.
    pub time_spent: Option<DurationSeconds>,
    /// When the attempt started; not in the future.
    pub started_at: Option<DateTime<Utc>>,
}

/// Quizzes with their questions, and graded attempts at them. Every flow on quizzes goes
/// through here, whoever calls it.
#[derive(Clone)]
pub struct QuizService {
    quizzes: Arc<dyn QuizRepository>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for QuizService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QuizService").finish_non_exhaustive()
    }
}

impl QuizService {
    /// A service over this repository, stamping attempts with `clock`.
    #[must_use]
    pub fn new(quizzes: Arc<dyn QuizRepository>, clock: Arc<dyn Clock>) -> Self {
        Self { quizzes, clock }
    }

    /// Creates a quiz with all its questions, in one step; its total points are their sum.
    ///
    /// # Errors
    ///
    /// `NotFound` when a linked course, note or document is not the user's; `Validation` on
    /// `questions` beyond [`NewQuiz::MAX_QUESTIONS`].
    pub async fn create(&self, user: UserId, new: NewQuiz) -> DomainResult<QuizWithQuestions> {
        self.quizzes.create(user, new).await
    }

    /// The user's quizzes matching `filter`, newest first, without their questions.
    ///
    /// # Errors
    ///
    /// When the storage fails.
    pub async fn list(
        &self,
        user: UserId,
        filter: QuizFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Quiz>> {
        self.quizzes.list(user, filter, page).await
    }

    /// The user's quiz with its questions, oldest first, correct answers included.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    pub async fn get(&self, user: UserId, id: QuizId) -> DomainResult<QuizWithQuestions> {
        self.quizzes.get(user, id).await
    }

    /// Changes the user's quiz (not its questions).
    ///
    /// # Errors
    ///
    /// `NotFound` when the quiz, or a newly linked course, note or document, is not the user's.
    pub async fn update(&self, user: UserId, id: QuizId, update: QuizUpdate) -> DomainResult<Quiz> {
        self.quizzes.update(user, id, update).await
    }

    /// Deletes the user's quiz, its questions and its attempts.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    pub async fn delete(&self, user: UserId, id: QuizId) -> DomainResult<()> {
        self.quizzes.delete(user, id).await
    }

    /// Adds a question to the user's quiz; a question without a difficulty takes the quiz's.
    /// The quiz's total points follow.
    ///
    /// # Errors
    ///
    /// `NotFound` when the quiz is not the user's; `Validation` on `questions` when it is full.
    pub async fn add_question(
        &self,
        user: UserId,
        quiz: QuizId,
        draft: QuestionDraft,
    ) -> DomainResult<Question> {
        let quiz_difficulty = match draft.difficulty {
            Some(difficulty) => difficulty,
            None => self.quizzes.get(user, quiz).await?.quiz.difficulty,
        };
        let new = draft.with_default_difficulty(quiz_difficulty);
        self.quizzes.add_question(user, quiz, new).await
    }

    /// Changes a question of the user's quiz. A new type, options or correct answer is merged
    /// with the question's current content and checked as a whole (a correct answer alone
    /// must be one of the options the question has). The quiz's total points follow.
    ///
    /// # Errors
    ///
    /// `NotFound` when the question is not in that quiz or the quiz is not the user's;
    /// `Validation` on `type`, `options`, `options[i]` or `correctAnswer` when the merged
    /// content does not fit together.
    pub async fn edit_question(
        &self,
        user: UserId,
        quiz: QuizId,
        question: QuestionId,
        edit: QuestionEdit,
    ) -> DomainResult<Question> {
        let content = if edit.changes_content() {
            let current = self.quizzes.get(user, quiz).await?;
            let current = current
                .questions
                .iter()
                .find(|q| q.id == question)
                .ok_or(DomainError::not_found("question"))?;
            Some(merged_content(
                current,
                edit.question_type,
                edit.options,
                edit.correct_answer,
            )?)
        } else {
            None
        };
        let update = QuestionUpdate {
            question: edit.question,
            content,
            explanation: edit.explanation,
            hint: edit.hint,
            difficulty: edit.difficulty,
            points: edit.points,
        };
        self.quizzes
            .update_question(user, quiz, question, update)
            .await
    }

    /// Removes a question from the user's quiz; the quiz's total points follow.
    ///
    /// # Errors
    ///
    /// `NotFound` when the question is not in that quiz or the quiz is not the user's.
    pub async fn delete_question(
        &self,
        user: UserId,
        quiz: QuizId,
        question: QuestionId,
    ) -> DomainResult<()> {
        self.quizzes.delete_question(user, quiz, question).await
    }

    /// Grades an attempt at the user's quiz and records it, completed now: each right answer
    /// earns its question's points, a wrong or missing one earns nothing (see
    /// [`crate::rules::grading`]).
    ///
    /// # Errors
    ///
    /// `Validation` on `startedAt` when the start is in the future or out of the range every
    /// storage keeps; `NotFound` when the quiz is not the user's; `Validation` on
    /// `answers[i].questionId` or `answers[i].answer` when an answer names a question not in
    /// the quiz, answers one twice or is too long. Nothing is recorded on an error.
    pub async fn submit_attempt(
        &self,
        user: UserId,
        quiz: QuizId,
        attempt: Attempt,
    ) -> DomainResult<QuizResponse> {
        let now = self.clock.now();
        if let Some(started_at) = attempt.started_at.as_ref() {
            crate::timestamp::check(started_at).field("startedAt")?;
            check_started_at(started_at, now).field("startedAt")?;
        }
        let quiz = self.quizzes.get(user, quiz).await?;
        let grade = grade_quiz_response(&quiz, &attempt.answers)?;
        let new = grade.into_response(&quiz, attempt.time_spent, attempt.started_at, now);
        self.quizzes.record_response(user, new).await
    }

    /// The user's graded attempts at their quiz, newest first.
    ///
    /// # Errors
    ///
    /// `NotFound` when the quiz is not the user's.
    pub async fn attempts(
        &self,
        user: UserId,
        quiz: QuizId,
        page: PageRequest,
    ) -> DomainResult<Page<QuizResponse>> {
        self.quizzes.list_responses(user, quiz, page).await
    }

    /// One of the user's graded attempts at `quiz`.
    ///
    /// # Errors
    ///
    /// `NotFound` (a `quiz response`) when it does not exist, is not the user's, or is an
    /// attempt at another quiz.
    pub async fn attempt(
        &self,
        user: UserId,
        quiz: QuizId,
        id: QuizResponseId,
    ) -> DomainResult<QuizResponse> {
        let response = self.quizzes.get_response(user, id).await?;
        if response.quiz_id != quiz {
            return Err(DomainError::not_found("quiz response"));
        }
        Ok(response)
    }
}

#[cfg(test)]
#[cfg(feature = "memory")]
mod memory_tests {
    use chrono::{TimeDelta, TimeZone};

    use super::*;
    use crate::entities::{NewUser, SourceLinks};
    use crate::memory::{FixedClock, MemoryStore};
    use crate::values::{Email, Name, Title};

    struct World {
        service: QuizService,
        store: MemoryStore,
        clock: Arc<FixedClock>,
    }

    fn world() -> World {
        let clock = Arc::new(FixedClock::new(
            Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0).unwrap(),
        ));
        let store = MemoryStore::with_clock(clock.clone());
        let service = QuizService::new(store.repositories().quizzes, clock.clone());
        World {
            service,
            store,
            clock,
        }
    }

    impl World {
        async fn user(&self, name: &str) -> UserId {
            self.store
                .repositories()
                .users
                .create(NewUser {
                    name: Name::parse(name).unwrap(),
                    email: Email::parse(format!("{name}@example.com")).unwrap(),
                    image: None,
                })
                .await
                .unwrap()
                .id
        }
    }

    fn draft(
        question_type: QuestionType,
        options: Option<&[&str]>,
        correct: &str,
        points: i64,
        difficulty: Option<Difficulty>,
    ) -> QuestionDraft {
        QuestionDraft {
            question: CardText::parse("A question?").unwrap(),
            content: QuestionContent::new(
                question_type,
                options.map(|o| o.iter().map(|s| (*s).to_owned()).collect()),
                correct,
            )
            .unwrap(),
            explanation: None,
            hint: None,
            difficulty,
            points: Points::new(points).unwrap(),
        }
    }

    /// A medium quiz: multiple choice worth 2, true/false worth 1, short answer worth 3.
    fn three_questions() -> NewQuiz {
        NewQuiz {
            title: Title::parse("Cells").unwrap(),
            description: None,
            difficulty: Difficulty::Medium,
            time_limit: None,
            links: SourceLinks::default(),
            questions: vec![
                draft(
                    QuestionType::MultipleChoice,
                    Some(&["Paris", "Lyon"]),
                    "Paris",
                    2,
                    None,
                )
                .with_default_difficulty(Difficulty::Medium),
                draft(QuestionType::TrueFalse, None, "false", 1, None)
                    .with_default_difficulty(Difficulty::Medium),
                draft(QuestionType::ShortAnswer, None, "The Mitochondria", 3, None)
                    .with_default_difficulty(Difficulty::Medium),
            ],
        }
    }

    fn answer(question: &Question, text: &str) -> SubmittedAnswer {
        SubmittedAnswer {
            question_id: question.id,
            answer: text.to_owned(),
        }
    }

    #[tokio::test]
    async fn a_student_gets_the_points_of_their_right_answers() {
        let w = world();
        let ada = w.user("ada").await;
        let quiz = w.service.create(ada, three_questions()).await.unwrap();
        let q = &quiz.questions;
        let started_at = w.clock.now() - TimeDelta::minutes(5);
        w.clock.advance(TimeDelta::seconds(1));

        let response = w
            .service
            .submit_attempt(
                ada,
                quiz.quiz.id,
                Attempt {
                    answers: vec![
                        answer(&q[0], "PARIS"),
                        answer(&q[1], "true"),
                        answer(&q[2], "  the   mitochondria "),
                    ],
                    time_spent: Some(DurationSeconds::new(95).unwrap()),
                    started_at: Some(started_at),
                },
            )
            .await
            .unwrap();

        assert_eq!(response.quiz_id, quiz.quiz.id);
        assert_eq!(response.user_id, ada);
        assert_eq!((response.score, response.total_points), (5, 6));
        let results: Vec<(bool, i32)> = response
            .answers
            .iter()
            .map(|a| (a.correct, a.points_awarded))
            .collect();
        assert_eq!(results, [(true, 2), (false, 0), (true, 3)]);
        assert_eq!(response.time_spent_seconds, Some(95));
        assert_eq!(response.started_at, Some(started_at));
        assert_eq!(response.completed_at, w.clock.now(), "completed now");

        let read = w
            .service
            .attempt(ada, quiz.quiz.id, response.id)
            .await
            .unwrap();
        assert_eq!(read, response);
        let page = w
            .service
            .attempts(ada, quiz.quiz.id, PageRequest::first_of(10))
            .await
            .unwrap();
        assert_eq!(page.items, [response]);
    }

    #[tokio::test]
    async fn another_students_quiz_is_not_found() {
        let w = world();
        let ada = w.user("ada").await;
        let bob = w.user("bob").await;
        let quiz = w.service.create(ada, three_questions()).await.unwrap();
        let id = quiz.quiz.id;
        let first = &quiz.questions[0];

        let error = w
            .service
            .submit_attempt(
                bob,
                id,
                Attempt {
                    answers: vec![answer(first, "Paris")],
                    time_spent: None,
                    started_at: None,
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(error, DomainError::NotFound { .. }), "{error}");

        let error = w
            .service
            .add_question(
                bob,
                id,
                draft(QuestionType::ShortAnswer, None, "a", 1, None),
            )
            .await
            .unwrap_err();
        assert!(matches!(error, DomainError::NotFound { .. }), "{error}");
        let error = w
            .service
            .add_question(
                bob,
                id,
                draft(
                    QuestionType::ShortAnswer,
                    None,
                    "a",
                    1,
                    Some(Difficulty::Hard),
                ),
            )
            .await
            .unwrap_err();
        assert!(matches!(error, DomainError::NotFound { .. }), "{error}");

        for edit in [
            QuestionEdit {
                points: Some(Points::new(9).unwrap()),
                ..QuestionEdit::default()
            },
            QuestionEdit {
                correct_answer: Some("Lyon".to_owned()),
                ..QuestionEdit::default()
            },
        ] {
            let error = w
                .service
                .edit_question(bob, id, first.id, edit)
                .await
                .unwrap_err();
            assert!(matches!(error, DomainError::NotFound { .. }), "{error}");
        }

        let unchanged = w.service.get(ada, id).await.unwrap();
        assert_eq!(unchanged, quiz);
        let page = w
            .service
            .attempts(ada, id, PageRequest::first_of(10))
            .await
            .unwrap();
        assert!(page.items.is_empty(), "nothing was recorded");
    }

    #[tokio::test]
    async fn a_start_in_the_future_or_a_foreign_answer_records_nothing() {
        let w = world();
        let ada = w.user("ada").await;
        let quiz = w.service.create(ada, three_questions()).await.unwrap();
        let other = w.service.create(ada, three_questions()).await.unwrap();

        let error = w
            .service
            .submit_attempt(
                ada,
                quiz.quiz.id,
                Attempt {
                    answers: vec![],
                    time_spent: None,
                    started_at: Some(w.clock.now() + TimeDelta::seconds(1)),
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&error, DomainError::Validation { field, .. } if field == "startedAt"),
            "{error}"
        );

        let error = w
            .service
            .submit_attempt(
                ada,
                quiz.quiz.id,
                Attempt {
                    answers: vec![
                        answer(&quiz.questions[0], "Paris"),
                        answer(&other.questions[0], "Paris"),
                    ],
                    time_spent: None,
                    started_at: Some(w.clock.now()),
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&error, DomainError::Validation { field, .. }
                if field == "answers[1].questionId"),
            "{error}"
        );

        let page = w
            .service
            .attempts(ada, quiz.quiz.id, PageRequest::first_of(10))
            .await
            .unwrap();
        assert!(page.items.is_empty());
    }

    #[tokio::test]
    async fn an_attempt_read_under_another_quiz_is_not_found() {
        let w = world();
        let ada = w.user("ada").await;
        let quiz = w.service.create(ada, three_questions()).await.unwrap();
        let other = w.service.create(ada, three_questions()).await.unwrap();
        let attempt = Attempt {
            answers: vec![],
            time_spent: None,
            started_at: None,
        };
        let response = w
            .service
            .submit_attempt(ada, quiz.quiz.id, attempt)
            .await
            .unwrap();
        assert_eq!(response.score, 0, "unanswered questions earn nothing");
        let error = w
            .service
            .attempt(ada, other.quiz.id, response.id)
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                DomainError::NotFound {
                    entity: "quiz response"
                }
            ),
            "{error}"
        );
    }

    #[tokio::test]
    async fn adding_editing_and_removing_questions_keeps_the_total() {
        let w = world();
        let ada = w.user("ada").await;
        let quiz = w.service.create(ada, three_questions()).await.unwrap();
        let id = quiz.quiz.id;
        let first = quiz.questions[0].id;
        assert_eq!(quiz.quiz.total_points, 6);
        let total = || async { w.service.get(ada, id).await.unwrap().quiz.total_points };

        let added = w
            .service
            .add_question(
                ada,
                id,
                draft(QuestionType::ShortAnswer, None, "Rome", 5, None),
            )
            .await
            .unwrap();
        assert_eq!(
            added.difficulty,
            Difficulty::Medium,
            "the quiz's difficulty"
        );
        assert_eq!(total().await, 11);
        let hard = w
            .service
            .add_question(
                ada,
                id,
                draft(
                    QuestionType::TrueFalse,
                    None,
                    "TRUE",
                    1,
                    Some(Difficulty::Hard),
                ),
            )
            .await
            .unwrap();
        assert_eq!(hard.difficulty, Difficulty::Hard);
        assert_eq!(total().await, 12);

        // A correct answer alone is checked against the options the question has.
        let error = w
            .service
            .edit_question(
                ada,
                id,
                first,
                QuestionEdit {
                    correct_answer: Some("Nice".to_owned()),
                    ..QuestionEdit::default()
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(&error, DomainError::Validation { field, .. } if field == "correctAnswer"),
            "{error}"
        );
        let changed = w
            .service
            .edit_question(
                ada,
                id,
                first,
                QuestionEdit {
                    correct_answer: Some("lyon".to_owned()),
                    points: Some(Points::new(4).unwrap()),
                    ..QuestionEdit::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(changed.correct_answer, "Lyon", "the option's spelling");
        assert_eq!(
            changed.options,
            Some(vec!["Paris".to_owned(), "Lyon".to_owned()]),
            "the options stay"
        );
        assert_eq!(total().await, 14);

        // A new type drops options that no longer fit it.
        let changed = w
            .service
            .edit_question(
                ada,
                id,
                first,
                QuestionEdit {
                    question_type: Some(QuestionType::TrueFalse),
                    correct_answer: Some("TRUE".to_owned()),
                    ..QuestionEdit::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(changed.question_type, QuestionType::TrueFalse);
        assert_eq!(changed.options, None);
        assert_eq!(changed.correct_answer, "true");
        assert_eq!(changed.points, 4);
        assert_eq!(total().await, 14);

        w.service.delete_question(ada, id, added.id).await.unwrap();
        assert_eq!(total().await, 9);
        let error = w
            .service
            .edit_question(
                ada,
                id,
                added.id,
                QuestionEdit {
                    correct_answer: Some("Roma".to_owned()),
                    ..QuestionEdit::default()
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(error, DomainError::NotFound { entity: "question" }),
            "{error}"
        );
    }
}

#[cfg(test)]
#[cfg(feature = "mock")]
mod mock_tests {
    use chrono::TimeZone;

    use super::*;
    use crate::entities::GradedAnswer;
    use crate::ports::{MockClock, MockQuizRepository};

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0).unwrap()
    }

    fn clock() -> Arc<MockClock> {
        let mut clock = MockClock::new();
        clock.expect_now().returning(at);
        Arc::new(clock)
    }

    fn question(quiz: QuizId, question_type: QuestionType, correct: &str, points: i32) -> Question {
        Question {
            sources: Vec::new(),
            id: QuestionId::new(),
            quiz_id: quiz,
            question_type,
            question: "A question?".to_owned(),
            options: None,
            correct_answer: correct.to_owned(),
            explanation: None,
            hint: None,
            difficulty: Difficulty::Easy,
            points,
            created_at: at(),
            updated_at: at(),
        }
    }

    fn quiz(user: UserId, questions: Vec<Question>, id: QuizId) -> QuizWithQuestions {
        QuizWithQuestions {
            quiz: Quiz {
                id,
                user_id: user,
                course_id: None,
                note_id: None,
                document_id: None,
                title: "Mocked".to_owned(),
                description: None,
                difficulty: Difficulty::Easy,
                time_limit: None,
                total_points: questions.iter().map(|q| q.points).sum(),
                created_at: at(),
                updated_at: at(),
            },
            questions,
        }
    }

    #[tokio::test]
    async fn the_grade_recorded_is_the_computed_one() {
        let user = UserId::new();
        let id = QuizId::new();
        let right = question(id, QuestionType::ShortAnswer, "nucleus", 4);
        let wrong = question(id, QuestionType::TrueFalse, "true", 3);
        let stored = quiz(user, vec![right.clone(), wrong.clone()], id);
        let expected = vec![
            GradedAnswer {
                question_id: right.id,
                answer: Some("Nucleus".to_owned()),
                correct: true,
                points_awarded: 4,
            },
            GradedAnswer {
                question_id: wrong.id,
                answer: Some("false".to_owned()),
                correct: false,
                points_awarded: 0,
            },
        ];

        let mut repository = MockQuizRepository::new();
        repository
            .expect_get()
            .withf(move |u, q| *u == user && *q == id)
            .times(1)
            .returning(move |_, _| Ok(stored.clone()));
        let recorded = expected.clone();
        repository
            .expect_record_response()
            .withf(move |u, new| {
                *u == user
                    && new.quiz_id == id
                    && new.answers == recorded
                    && new.score == 4
                    && new.total_points == 7
                    && new.completed_at == at()
                    && new.time_spent_seconds.map(DurationSeconds::get) == Some(30)
            })
            .times(1)
            .returning(move |u, new| {
                Ok(QuizResponse {
                    id: QuizResponseId::new(),
                    quiz_id: new.quiz_id,
                    user_id: u,
                    answers: new.answers,
                    score: new.score,
                    total_points: new.total_points,
                    time_spent_seconds: new.time_spent_seconds.map(DurationSeconds::get_i32),
                    started_at: new.started_at,
                    completed_at: new.completed_at,
                    created_at: at(),
                    updated_at: at(),
                })
            });

        let service = QuizService::new(Arc::new(repository), clock());
        let response = service
            .submit_attempt(
                user,
                id,
                Attempt {
                    answers: vec![
                        SubmittedAnswer {
                            question_id: wrong.id,
                            answer: "false".to_owned(),
                        },
                        SubmittedAnswer {
                            question_id: right.id,
                            answer: "Nucleus".to_owned(),
                        },
                    ],
                    time_spent: Some(DurationSeconds::new(30).unwrap()),
                    started_at: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(response.answers, expected, "in the quiz's order");
        assert_eq!(response.score, 4);
    }

    #[tokio::test]
    async fn a_storage_failure_propagates_and_nothing_is_recorded() {
        let mut repository = MockQuizRepository::new();
        repository.expect_get().times(1).returning(|_, _| {
            Err(DomainError::Unavailable {
                service: "database",
                message: "gone".to_owned(),
            })
        });
        repository.expect_record_response().times(0);
        let service = QuizService::new(Arc::new(repository), clock());
        let error = service
            .submit_attempt(
                UserId::new(),
                QuizId::new(),
                Attempt {
                    answers: vec![],
                    time_spent: None,
                    started_at: None,
                },
            )
            .await
            .unwrap_err();
        assert!(
            matches!(
                error,
                DomainError::Unavailable {
                    service: "database",
                    ..
                }
            ),
            "{error}"
        );
    }

    #[tokio::test]
    async fn a_question_with_its_own_difficulty_skips_reading_the_quiz() {
        let user = UserId::new();
        let id = QuizId::new();
        let mut repository = MockQuizRepository::new();
        repository.expect_get().times(0);
        repository
            .expect_add_question()
            .withf(move |u, q, new| {
                *u == user
                    && *q == id
                    && new.difficulty == Difficulty::Hard
                    && new.points.get() == 2
            })
            .times(1)
            .returning(|_, quiz_id, new| {
                let mut added = question(quiz_id, QuestionType::ShortAnswer, "x", 2);
                added.difficulty = new.difficulty;
                Ok(added)
            });
        let service = QuizService::new(Arc::new(repository), clock());
        let added = service
            .add_question(
                user,
                id,
                QuestionDraft {
                    question: CardText::parse("Why?").unwrap(),
                    content: QuestionContent::new(QuestionType::ShortAnswer, None, "x").unwrap(),
                    explanation: None,
                    hint: None,
                    difficulty: Some(Difficulty::Hard),
                    points: Points::new(2).unwrap(),
                },
            )
            .await
            .unwrap();
        assert_eq!(added.difficulty, Difficulty::Hard);
    }

    #[tokio::test]
    async fn a_content_edit_is_checked_against_the_stored_question() {
        let user = UserId::new();
        let id = QuizId::new();
        let mut current = question(id, QuestionType::MultipleChoice, "Paris", 2);
        current.options = Some(vec!["Paris".to_owned(), "Lyon".to_owned()]);
        let question_id = current.id;
        let stored = quiz(user, vec![current], id);
        let mut repository = MockQuizRepository::new();
        repository
            .expect_get()
            .times(1)
            .returning(move |_, _| Ok(stored.clone()));
        repository
            .expect_update_question()
            .withf(move |_, _, q, update| {
                *q == question_id
                    && update.content.as_ref().is_some_and(|c| {
                        c.correct_answer() == "Lyon"
                            && c.options() == Some(&["Paris".to_owned(), "Lyon".to_owned()][..])
                    })
                    && update.points.is_none()
            })
            .times(1)
            .returning(move |_, quiz_id, _, _| {
                Ok(question(quiz_id, QuestionType::MultipleChoice, "Lyon", 2))
            });
        let service = QuizService::new(Arc::new(repository), clock());
        let edited = service
            .edit_question(
                user,
                id,
                question_id,
                QuestionEdit {
                    correct_answer: Some(" LYON ".to_owned()),
                    ..QuestionEdit::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(edited.correct_answer, "Lyon");
    }
}
