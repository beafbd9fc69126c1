//! Grading a quiz attempt on the server: right and wrong answers per question type, partial
//! credit, unanswered questions, and the submissions that are refused.

use chrono::{Duration, Utc};
use sophie_domain::rules::grading::{
    Grade, MAX_ANSWER_CHARS, grade_quiz_response, is_correct, normalize_answer,
};
use sophie_domain::rules::quiz_points::{total_of_new, total_of_questions, total_points};
use sophie_domain::values::{DurationSeconds, Points};
use sophie_domain::{
    Difficulty, DomainError, GradedAnswer, Question, QuestionId, QuestionType, Quiz, QuizId,
    QuizWithQuestions, SubmittedAnswer, UserId,
};

const MC_POINTS: i32 = 3;
const TF_POINTS: i32 = 2;
const SHORT_POINTS: i32 = 5;
const FILL_POINTS: i32 = 7;
const TOTAL: i32 = MC_POINTS + TF_POINTS + SHORT_POINTS + FILL_POINTS;

fn question(
    quiz_id: QuizId,
    question_type: QuestionType,
    options: Option<&[&str]>,
    correct_answer: &str,
    points: i32,
) -> Question {
    let now = Utc::now();
    Question {
        sources: Vec::new(),
        id: QuestionId::new(),
        quiz_id,
        question_type,
        question: format!("a {question_type} question"),
        options: options.map(|o| o.iter().map(|s| (*s).to_owned()).collect()),
        correct_answer: correct_answer.to_owned(),
        explanation: None,
        hint: None,
        difficulty: Difficulty::Medium,
        points,
        created_at: now,
        updated_at: now,
    }
}

fn quiz_of(questions: impl FnOnce(QuizId) -> Vec<Question>) -> QuizWithQuestions {
    let now = Utc::now();
    let id = QuizId::new();
    let questions = questions(id);
    QuizWithQuestions {
        quiz: Quiz {
            id,
            user_id: UserId::new(),
            course_id: None,
            note_id: None,
            document_id: None,
            title: "Cell biology".to_owned(),
            description: None,
            difficulty: Difficulty::Medium,
            time_limit: Some(30),
            total_points: total_of_questions(&questions),
            created_at: now,
            updated_at: now,
        },
        questions,
    }
}

/// A quiz with, in this order: a multiple-choice, a true/false, a short-answer and a
/// fill-in-the-blank question, worth 3, 2, 5 and 7 points.
fn sample_quiz() -> QuizWithQuestions {
    quiz_of(|id| {
        vec![
            question(
                id,
                QuestionType::MultipleChoice,
                Some(&["Paris", "New York", "Berlin"]),
                "New York",
                MC_POINTS,
            ),
            question(id, QuestionType::TrueFalse, None, "true", TF_POINTS),
            question(
                id,
                QuestionType::ShortAnswer,
                None,
                "The Mitochondria",
                SHORT_POINTS,
            ),
            question(
                id,
                QuestionType::FillInTheBlank,
                None,
                "carbon dioxide",
                FILL_POINTS,
            ),
        ]
    })
}

fn ids(quiz: &QuizWithQuestions) -> [QuestionId; 4] {
    [
        quiz.questions[0].id,
        quiz.questions[1].id,
        quiz.questions[2].id,
        quiz.questions[3].id,
    ]
}

fn answer(question_id: QuestionId, text: &str) -> SubmittedAnswer {
    SubmittedAnswer {
        question_id,
        answer: text.to_owned(),
    }
}

/// Grades an attempt that must be accepted.
#[track_caller]
#[allow(
    clippy::panic,
    reason = "test helper: a refused attempt fails the test"
)]
fn grade(quiz: &QuizWithQuestions, answers: &[SubmittedAnswer]) -> Grade {
    match grade_quiz_response(quiz, answers) {
        Ok(grade) => grade,
        Err(error) => panic!("grading failed: {error:?}"),
    }
}

fn validation_field(error: &DomainError) -> Option<&str> {
    match error {
        DomainError::Validation { field, .. } => Some(field.as_str()),
        _ => None,
    }
}

// ---------------------------------------------------------------- normalize_answer, is_correct

#[test]
fn normalize_answer_trims_folds_case_and_collapses_white_space() {
    assert_eq!(normalize_answer("  The  Mitochondria "), "the mitochondria");
    assert_eq!(normalize_answer("a\t\nB\u{a0} c"), "a b c");
    assert_eq!(normalize_answer("ÉCOLE"), "école");
    assert_eq!(normalize_answer("   "), "");
}

#[test]
fn multiple_choice_is_right_when_naming_the_correct_option_in_any_case_or_spacing() {
    let quiz = sample_quiz();
    let mc = &quiz.questions[0];
    for right in ["New York", "new york", "  NEW   york ", "New\tYork"] {
        assert!(is_correct(mc, right), "{right:?} should be right");
    }
    for wrong in ["Paris", "berlin", "NewYork", "New York City", "", "Lyon"] {
        assert!(!is_correct(mc, wrong), "{wrong:?} should be wrong");
    }
}

#[test]
fn multiple_choice_answer_not_among_the_options_is_wrong_even_if_it_matches_the_stored_answer() {
    // A row whose correct answer is not one of its options (written before validation,
    // or by hand): answering that text must not earn the points.
    let quiz = quiz_of(|id| {
        vec![question(
            id,
            QuestionType::MultipleChoice,
            Some(&["A", "B"]),
            "C",
            4,
        )]
    });
    let q = &quiz.questions[0];
    assert!(!is_correct(q, "C"));
    assert!(!is_correct(q, "A"));
    let grade = grade(&quiz, &[answer(q.id, "C")]);
    assert_eq!(grade.score, 0);
    assert!(!grade.answers[0].correct);
}

#[test]
fn true_false_accepts_true_and_false_in_any_case_and_spacing() {
    let quiz = quiz_of(|id| {
        vec![
            question(id, QuestionType::TrueFalse, None, "true", 1),
            question(id, QuestionType::TrueFalse, None, "false", 1),
        ]
    });
    let (is_true, is_false) = (&quiz.questions[0], &quiz.questions[1]);
    assert!(is_correct(is_true, "TRUE"));
    assert!(is_correct(is_true, " True "));
    assert!(!is_correct(is_true, "false"));
    assert!(!is_correct(is_true, "yes"));
    assert!(!is_correct(is_true, ""));
    assert!(is_correct(is_false, " false "));
    assert!(is_correct(is_false, "FALSE"));
    assert!(!is_correct(is_false, "true"));
    assert!(!is_correct(is_false, "no"));
}

#[test]
fn true_false_with_a_stored_answer_other_than_true_or_false_is_never_right() {
    let quiz = quiz_of(|id| vec![question(id, QuestionType::TrueFalse, None, "yes", 1)]);
    assert!(!is_correct(&quiz.questions[0], "yes"));
    assert!(!is_correct(&quiz.questions[0], "true"));
}

#[test]
fn short_answer_and_fill_in_the_blank_ignore_case_and_extra_spaces() {
    let quiz = sample_quiz();
    let (short, fill) = (&quiz.questions[2], &quiz.questions[3]);
    assert!(is_correct(short, "the mitochondria"));
    assert!(is_correct(short, "  THE   mitochondria\n"));
    assert!(!is_correct(short, "mitochondria"));
    assert!(!is_correct(short, "the mitochondrion"));
    assert!(!is_correct(short, "themitochondria"));
    assert!(is_correct(fill, "Carbon   Dioxide"));
    assert!(is_correct(fill, " CARBON DIOXIDE "));
    assert!(!is_correct(fill, "carbon monoxide"));
    assert!(!is_correct(fill, ""));
}

#[test]
fn an_empty_answer_is_never_right_even_against_an_empty_stored_answer() {
    let quiz = quiz_of(|id| {
        vec![
            question(id, QuestionType::ShortAnswer, None, "", 1),
            question(id, QuestionType::FillInTheBlank, None, "  ", 1),
        ]
    });
    for q in &quiz.questions {
        assert!(!is_correct(q, ""));
        assert!(!is_correct(q, "   "));
    }
}

// ---------------------------------------------------------------- grade_quiz_response

#[test]
fn all_right_earns_every_point() {
    let quiz = sample_quiz();
    let [mc, tf, short, fill] = ids(&quiz);
    let grade = grade(
        &quiz,
        &[
            answer(mc, "  new   YORK "),
            answer(tf, "TRUE"),
            answer(short, "the  MITOCHONDRIA"),
            answer(fill, " Carbon  Dioxide "),
        ],
    );
    assert_eq!(grade.score, TOTAL);
    assert_eq!(grade.total_points, TOTAL);
    assert_eq!(grade.correct_count(), 4);
    assert!((grade.percentage() - 100.0).abs() < f64::EPSILON);
    assert_eq!(
        grade
            .answers
            .iter()
            .map(|a| a.points_awarded)
            .collect::<Vec<_>>(),
        [MC_POINTS, TF_POINTS, SHORT_POINTS, FILL_POINTS]
    );
}

#[test]
fn all_wrong_earns_nothing() {
    let quiz = sample_quiz();
    let [mc, tf, short, fill] = ids(&quiz);
    let grade = grade(
        &quiz,
        &[
            answer(mc, "Paris"),
            answer(tf, " false "),
            answer(short, "the ribosome"),
            answer(fill, "oxygen"),
        ],
    );
    assert_eq!(grade.score, 0);
    assert_eq!(grade.total_points, TOTAL);
    assert_eq!(grade.correct_count(), 0);
    assert!(grade.percentage().abs() < f64::EPSILON);
    assert!(
        grade
            .answers
            .iter()
            .all(|a| !a.correct && a.points_awarded == 0)
    );
}

#[test]
fn partial_credit_is_the_sum_of_the_points_of_right_answers() {
    let quiz = sample_quiz();
    let [mc, tf, short, fill] = ids(&quiz);
    let grade = grade(
        &quiz,
        &[
            answer(mc, "new york"),
            answer(tf, "false"),
            answer(short, "the nucleus"),
            answer(fill, "CARBON DIOXIDE"),
        ],
    );
    assert_eq!(grade.score, MC_POINTS + FILL_POINTS);
    assert_eq!(grade.total_points, TOTAL);
    assert_eq!(grade.correct_count(), 2);
    let expected = f64::from(MC_POINTS + FILL_POINTS) * 100.0 / f64::from(TOTAL);
    assert!((grade.percentage() - expected).abs() < 1e-9);
    assert_eq!(
        grade.answers.iter().map(|a| a.correct).collect::<Vec<_>>(),
        [true, false, false, true]
    );
}

#[test]
fn unanswered_questions_are_wrong_with_no_answer_in_the_quiz_order() {
    let quiz = sample_quiz();
    let [mc, tf, short, fill] = ids(&quiz);
    // Answers in another order than the quiz's, two questions left out.
    let grade = grade(
        &quiz,
        &[answer(short, "The Mitochondria"), answer(tf, "true")],
    );
    assert_eq!(
        grade.answers,
        vec![
            GradedAnswer {
                question_id: mc,
                answer: None,
                correct: false,
                points_awarded: 0,
            },
            GradedAnswer {
                question_id: tf,
                answer: Some("true".to_owned()),
                correct: true,
                points_awarded: TF_POINTS,
            },
            GradedAnswer {
                question_id: short,
                answer: Some("The Mitochondria".to_owned()),
                correct: true,
                points_awarded: SHORT_POINTS,
            },
            GradedAnswer {
                question_id: fill,
                answer: None,
                correct: false,
                points_awarded: 0,
            },
        ]
    );
    assert_eq!(grade.score, TF_POINTS + SHORT_POINTS);
    assert_eq!(grade.total_points, TOTAL);
}

#[test]
fn an_empty_submission_grades_every_question_as_unanswered() {
    let quiz = sample_quiz();
    let grade = grade(&quiz, &[]);
    assert_eq!(grade.answers.len(), 4);
    assert!(
        grade
            .answers
            .iter()
            .all(|a| a.answer.is_none() && !a.correct)
    );
    assert_eq!(grade.score, 0);
    assert_eq!(grade.total_points, TOTAL);
}

#[test]
fn the_answer_is_recorded_as_given() {
    let quiz = sample_quiz();
    let [mc, ..] = ids(&quiz);
    let grade = grade(&quiz, &[answer(mc, "  new   YORK ")]);
    assert_eq!(grade.answers[0].answer.as_deref(), Some("  new   YORK "));
    assert!(grade.answers[0].correct);
}

#[test]
fn a_quiz_without_questions_is_worth_nothing() {
    let quiz = quiz_of(|_| Vec::new());
    let grade = grade(&quiz, &[]);
    assert_eq!((grade.score, grade.total_points), (0, 0));
    assert!(grade.answers.is_empty());
    assert!(grade.percentage().abs() < f64::EPSILON);
}

#[test]
fn an_answer_to_a_question_of_another_quiz_is_refused() {
    let quiz = sample_quiz();
    let other = sample_quiz();
    let [mc, ..] = ids(&quiz);
    let error = grade_quiz_response(
        &quiz,
        &[answer(mc, "Paris"), answer(other.questions[0].id, "Paris")],
    )
    .unwrap_err();
    assert_eq!(validation_field(&error), Some("answers[1].questionId"));

    let error = grade_quiz_response(&quiz, &[answer(QuestionId::new(), "x")]).unwrap_err();
    assert_eq!(validation_field(&error), Some("answers[0].questionId"));
}

#[test]
fn answering_a_question_twice_is_refused() {
    let quiz = sample_quiz();
    let [mc, tf, ..] = ids(&quiz);
    let error = grade_quiz_response(
        &quiz,
        &[
            answer(mc, "Paris"),
            answer(tf, "true"),
            answer(mc, "New York"),
        ],
    )
    .unwrap_err();
    assert_eq!(validation_field(&error), Some("answers[2].questionId"));
    assert!(error.to_string().contains("already answered"), "{error}");
}

#[test]
fn an_over_long_answer_is_refused_and_one_at_the_limit_is_graded() {
    let quiz = sample_quiz();
    let [mc, _, short, _] = ids(&quiz);
    let at_max = "é".repeat(MAX_ANSWER_CHARS);
    let grade = grade(&quiz, &[answer(short, &at_max)]);
    assert!(!grade.answers[2].correct);

    let over = "a".repeat(MAX_ANSWER_CHARS + 1);
    let error =
        grade_quiz_response(&quiz, &[answer(mc, "Paris"), answer(short, &over)]).unwrap_err();
    assert_eq!(validation_field(&error), Some("answers[1].answer"));
    assert_eq!(MAX_ANSWER_CHARS, 5_000);
}

#[test]
fn into_response_carries_the_grade_and_the_attempt_times() {
    let quiz = sample_quiz();
    let [mc, tf, ..] = ids(&quiz);
    let grade = grade(&quiz, &[answer(mc, "New York"), answer(tf, "false")]);
    let answers = grade.answers.clone();
    let completed_at = Utc::now();
    let started_at = completed_at - Duration::minutes(12);
    let spent = DurationSeconds::new(720).unwrap();

    let response = grade.into_response(&quiz, Some(spent), Some(started_at), completed_at);
    assert_eq!(response.quiz_id, quiz.quiz.id);
    assert_eq!(response.score, MC_POINTS);
    assert_eq!(response.total_points, TOTAL);
    assert_eq!(response.answers, answers);
    assert_eq!(response.answers.len(), 4);
    assert_eq!(response.time_spent_seconds, Some(spent));
    assert_eq!(response.started_at, Some(started_at));
    assert_eq!(response.completed_at, completed_at);
}

// ---------------------------------------------------------------- quiz_points

#[test]
fn total_points_sums() {
    assert_eq!(total_points([3, 2, 5, 7]), 17);
    assert_eq!(total_points(Vec::<i32>::new()), 0);
    assert_eq!(total_points([1_000; 200]), 200_000);
    // Beyond the bounds the domain enforces, it saturates instead of wrapping.
    assert_eq!(total_points([i32::MAX, 1]), i32::MAX);
}

#[test]
fn total_of_questions_and_of_new_questions_sum_their_points() {
    let quiz = sample_quiz();
    assert_eq!(total_of_questions(&quiz.questions), TOTAL);
    assert_eq!(quiz.quiz.total_points, TOTAL);
    assert_eq!(total_of_questions(&[]), 0);

    let points: Vec<Points> = [1, 10, 1_000]
        .into_iter()
        .map(|p| Points::new(p).unwrap())
        .collect();
    assert_eq!(total_of_new(&points), 1_011);
    assert_eq!(total_of_new(&[]), 0);
}

#[test]
fn an_attempt_may_start_now_but_not_later() {
    use sophie_domain::rules::grading::check_started_at;
    let now = Utc::now();
    assert!(check_started_at(&now, now).is_ok());
    assert!(check_started_at(&(now - Duration::hours(1)), now).is_ok());
    let error = check_started_at(&(now + Duration::microseconds(1)), now).unwrap_err();
    assert_eq!(error.0, "must not be in the future");
}
