//! [`crate::QuizRepository`]: quizzes, their questions and totals, and graded attempts.

use super::Fixture;
use super::expect;
use super::seed::{
    World, all, card_text, links, new_question, new_quiz, now, points, title, wait_past,
};
use crate::entities::{
    NewQuestion, NewQuiz, NewQuizResponse, QuestionUpdate, QuizFilter, QuizUpdate, SourceLinks,
    SourceLinksUpdate, SubmittedAnswer,
};
use crate::enums::{Difficulty, QuestionType};
use crate::id::{QuestionId, QuizId, QuizResponseId};
use crate::rules::grading::grade_quiz_response;
use crate::values::{Description, DurationSeconds, QuestionContent, TimeLimitMinutes};

pub async fn quizzes_create_with_questions_totals_their_points(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Biology").await.id;
    let made = w
        .r
        .quizzes
        .create(
            ada,
            NewQuiz {
                description: Some(Description::parse("Week 1").unwrap()),
                difficulty: Difficulty::Hard,
                time_limit: Some(TimeLimitMinutes::new(30).unwrap()),
                ..new_quiz(
                    "Cells",
                    links(Some(course), None, None),
                    vec![
                        NewQuestion {
                            content: QuestionContent::new(
                                QuestionType::MultipleChoice,
                                Some(vec!["Nucleus".to_owned(), "Mitochondria".to_owned()]),
                                "mitochondria",
                            )
                            .unwrap(),
                            explanation: Some(card_text("It makes ATP")),
                            hint: Some(card_text("Energy")),
                            ..new_question("Powerhouse?", 2)
                        },
                        NewQuestion {
                            content: QuestionContent::new(QuestionType::TrueFalse, None, "TRUE")
                                .unwrap(),
                            difficulty: Difficulty::Hard,
                            ..new_question("Cells are alive?", 3)
                        },
                        new_question("Name it", 5),
                    ],
                )
            },
        )
        .await
        .unwrap();
    let quiz = &made.quiz;
    assert_eq!(
        quiz.total_points, 10,
        "the quiz total is not the sum of its questions"
    );
    assert_eq!(quiz.user_id, ada);
    assert_eq!(quiz.title, "Cells");
    assert_eq!(quiz.description.as_deref(), Some("Week 1"));
    assert_eq!(quiz.difficulty, Difficulty::Hard);
    assert_eq!(quiz.time_limit, Some(30));
    assert_eq!(quiz.links(), links(Some(course), None, None));
    let texts: Vec<&str> = made.questions.iter().map(|q| q.question.as_str()).collect();
    assert_eq!(
        texts,
        ["Powerhouse?", "Cells are alive?", "Name it"],
        "questions are not in the order given"
    );
    let choice = &made.questions[0];
    assert_eq!(choice.quiz_id, quiz.id);
    assert_eq!(choice.question_type, QuestionType::MultipleChoice);
    assert_eq!(
        choice.options.as_deref(),
        Some(&["Nucleus".to_owned(), "Mitochondria".to_owned()][..]),
        "the options were not kept in order"
    );
    assert_eq!(
        choice.correct_answer, "Mitochondria",
        "the answer is not stored with the option's spelling"
    );
    assert_eq!(
        (
            choice.explanation.as_deref(),
            choice.hint.as_deref(),
            choice.points
        ),
        (Some("It makes ATP"), Some("Energy"), 2)
    );
    let true_false = &made.questions[1];
    assert_eq!(
        (
            true_false.question_type,
            true_false.options.as_deref(),
            true_false.correct_answer.as_str()
        ),
        (QuestionType::TrueFalse, None, "true"),
        "a true/false question is not stored as such"
    );
    assert_eq!(true_false.difficulty, Difficulty::Hard);
    assert_eq!(
        w.r.quizzes.get(ada, quiz.id).await.unwrap(),
        made,
        "the quiz read back differs from the one created"
    );

    let empty = w
        .quiz(ada, "Empty", SourceLinks::default(), Vec::new())
        .await;
    assert_eq!(
        empty.quiz.total_points, 0,
        "a quiz without questions is worth something"
    );
}

pub async fn quizzes_total_follows_every_question_change(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let made = w
        .quiz(
            ada,
            "Q",
            SourceLinks::default(),
            vec![new_question("a", 2), new_question("b", 3)],
        )
        .await;
    let id = made.quiz.id;
    let total = || {
        let quizzes = w.r.quizzes.clone();
        async move { quizzes.get(ada, id).await.unwrap().quiz.total_points }
    };
    assert_eq!(total().await, 5);

    wait_past(made.quiz.updated_at);
    let added =
        w.r.quizzes
            .add_question(ada, id, new_question("c", 10))
            .await
            .unwrap();
    assert_eq!(added.quiz_id, id);
    assert_eq!(
        total().await,
        15,
        "adding a 10-point question did not raise the total to 15"
    );
    let after_add = w.r.quizzes.get(ada, id).await.unwrap();
    assert!(
        after_add.quiz.updated_at > made.quiz.updated_at,
        "a new question did not touch the quiz's updated_at"
    );
    let texts: Vec<&str> = after_add
        .questions
        .iter()
        .map(|q| q.question.as_str())
        .collect();
    assert_eq!(texts, ["a", "b", "c"], "an added question is not last");

    w.r.quizzes
        .update_question(
            ada,
            id,
            added.id,
            QuestionUpdate {
                points: Some(points(1)),
                ..QuestionUpdate::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        total().await,
        6,
        "repointing a question did not change the total"
    );

    let retyped =
        w.r.quizzes
            .update_question(
                ada,
                id,
                added.id,
                QuestionUpdate {
                    content: Some(
                        QuestionContent::new(QuestionType::TrueFalse, None, "FALSE").unwrap(),
                    ),
                    ..QuestionUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (
            retyped.question_type,
            retyped.correct_answer.as_str(),
            retyped.points
        ),
        (QuestionType::TrueFalse, "false", 1)
    );
    assert_eq!(
        total().await,
        6,
        "changing a question's type changed the total"
    );

    w.r.quizzes
        .delete_question(ada, id, made.questions[0].id)
        .await
        .unwrap();
    assert_eq!(
        total().await,
        4,
        "deleting a 2-point question did not lower the total"
    );
    w.r.quizzes
        .delete_question(ada, id, made.questions[1].id)
        .await
        .unwrap();
    w.r.quizzes
        .delete_question(ada, id, added.id)
        .await
        .unwrap();
    assert_eq!(
        total().await,
        0,
        "a quiz with no questions left is still worth points"
    );
    assert!(w.r.quizzes.get(ada, id).await.unwrap().questions.is_empty());
}

pub async fn quizzes_update_question_changes_only_the_fields_given(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let made = w
        .quiz(
            ada,
            "Q",
            SourceLinks::default(),
            vec![NewQuestion {
                hint: Some(card_text("h")),
                explanation: Some(card_text("e")),
                ..new_question("text", 4)
            }],
        )
        .await;
    let question = &made.questions[0];
    wait_past(question.updated_at);
    let changed =
        w.r.quizzes
            .update_question(
                ada,
                made.quiz.id,
                question.id,
                QuestionUpdate {
                    question: Some(card_text("new text")),
                    hint: Some(None),
                    difficulty: Some(Difficulty::Hard),
                    ..QuestionUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(changed.question, "new text");
    assert_eq!(changed.hint, None, "the hint could not be removed");
    assert_eq!(changed.difficulty, Difficulty::Hard);
    assert_eq!(
        changed.explanation.as_deref(),
        Some("e"),
        "the explanation changed though not asked"
    );
    assert_eq!(
        (
            changed.question_type,
            changed.correct_answer.as_str(),
            changed.points
        ),
        (QuestionType::ShortAnswer, "mitochondria", 4),
        "the answer or points changed though not asked"
    );
    assert!(
        changed.updated_at > question.updated_at,
        "the edit did not move updated_at"
    );
    assert_eq!(
        w.r.quizzes.get(ada, made.quiz.id).await.unwrap().questions,
        [changed],
        "the edit was not stored"
    );
}

pub async fn quizzes_update_changes_only_the_fields_given(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Bio").await.id;
    let note = w.note(ada, "Cells", "").await.id;
    let made =
        w.r.quizzes
            .create(
                ada,
                NewQuiz {
                    description: Some(Description::parse("d").unwrap()),
                    time_limit: Some(TimeLimitMinutes::new(10).unwrap()),
                    ..new_quiz(
                        "Q",
                        links(Some(course), Some(note), None),
                        vec![new_question("a", 2)],
                    )
                },
            )
            .await
            .unwrap();
    wait_past(made.quiz.updated_at);
    let changed =
        w.r.quizzes
            .update(
                ada,
                made.quiz.id,
                QuizUpdate {
                    title: Some(title("Renamed")),
                    time_limit: Some(None),
                    links: SourceLinksUpdate {
                        course_id: Some(None),
                        ..SourceLinksUpdate::default()
                    },
                    ..QuizUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(changed.title, "Renamed");
    assert_eq!(
        changed.time_limit, None,
        "the time limit could not be removed"
    );
    assert_eq!(
        changed.links(),
        links(None, Some(note), None),
        "links not named moved"
    );
    assert_eq!(
        changed.description.as_deref(),
        Some("d"),
        "the description changed though not asked"
    );
    assert_eq!(changed.difficulty, Difficulty::Medium);
    assert_eq!(
        changed.total_points, 2,
        "editing the quiz changed its total"
    );
    assert!(changed.updated_at > made.quiz.updated_at);

    let again =
        w.r.quizzes
            .update(
                ada,
                made.quiz.id,
                QuizUpdate {
                    description: Some(None),
                    difficulty: Some(Difficulty::Easy),
                    time_limit: Some(Some(TimeLimitMinutes::new(45).unwrap())),
                    ..QuizUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (
            again.description.as_deref(),
            again.difficulty,
            again.time_limit
        ),
        (None, Difficulty::Easy, Some(45))
    );
    assert_eq!(again.title, "Renamed");
    let read = w.r.quizzes.get(ada, made.quiz.id).await.unwrap();
    assert_eq!(read.quiz, again, "the change was not stored");
    assert_eq!(
        read.questions, made.questions,
        "editing the quiz changed its questions"
    );
}

pub async fn quizzes_questions_are_reached_only_through_their_quiz(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let first = w
        .quiz(
            ada,
            "First",
            SourceLinks::default(),
            vec![new_question("x", 1)],
        )
        .await;
    let second = w
        .quiz(
            ada,
            "Second",
            SourceLinks::default(),
            vec![new_question("y", 7)],
        )
        .await;
    let foreign = first.questions[0].id;
    expect::not_found(
        w.r.quizzes
            .update_question(
                ada,
                second.quiz.id,
                foreign,
                QuestionUpdate {
                    points: Some(points(100)),
                    ..QuestionUpdate::default()
                },
            )
            .await,
        "question",
        "a question was edited through a quiz it is not in",
    );
    expect::not_found(
        w.r.quizzes
            .delete_question(ada, second.quiz.id, foreign)
            .await,
        "question",
        "a question was deleted through a quiz it is not in",
    );
    expect::not_found(
        w.r.quizzes
            .delete_question(ada, first.quiz.id, QuestionId::new())
            .await,
        "question",
        "deleting a question that does not exist",
    );
    assert_eq!(
        w.r.quizzes.get(ada, first.quiz.id).await.unwrap(),
        first,
        "the first quiz changed"
    );
    assert_eq!(
        w.r.quizzes.get(ada, second.quiz.id).await.unwrap(),
        second,
        "the second quiz changed"
    );
    expect::not_found(
        w.r.quizzes
            .add_question(ada, QuizId::new(), new_question("z", 1))
            .await,
        "quiz",
        "a question was added to a quiz that does not exist",
    );
}

pub async fn quizzes_list_newest_first_with_filters(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let course = w.course(ada, "Bio").await.id;
    let note = w.note(ada, "Source", "").await.id;
    let document = w.document(ada, "Doc").await.id;
    for (name, quiz_links, difficulty) in [
        ("a", links(Some(course), Some(note), None), Difficulty::Hard),
        ("b", links(None, None, Some(document)), Difficulty::Medium),
        (
            "c",
            links(Some(course), None, Some(document)),
            Difficulty::Medium,
        ),
        ("d", links(None, Some(note), None), Difficulty::Easy),
    ] {
        w.r.quizzes
            .create(
                ada,
                NewQuiz {
                    difficulty,
                    ..new_quiz(name, quiz_links, Vec::new())
                },
            )
            .await
            .unwrap();
    }
    w.quiz(bob, "bob", SourceLinks::default(), Vec::new()).await;
    let titles = |filter: QuizFilter| {
        let quizzes = w.r.quizzes.clone();
        async move {
            quizzes
                .list(ada, filter, all())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|q| q.title)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        titles(QuizFilter::default()).await,
        ["d", "c", "b", "a"],
        "quizzes are not listed newest first, or not only the user's"
    );
    assert_eq!(
        titles(QuizFilter {
            course_id: Some(course),
            ..QuizFilter::default()
        })
        .await,
        ["c", "a"],
        "the course filter is wrong"
    );
    assert_eq!(
        titles(QuizFilter {
            note_id: Some(note),
            ..QuizFilter::default()
        })
        .await,
        ["d", "a"],
        "the note filter is wrong"
    );
    assert_eq!(
        titles(QuizFilter {
            document_id: Some(document),
            ..QuizFilter::default()
        })
        .await,
        ["c", "b"],
        "the document filter is wrong"
    );
    assert_eq!(
        titles(QuizFilter {
            difficulty: Some(Difficulty::Medium),
            ..QuizFilter::default()
        })
        .await,
        ["c", "b"],
        "the difficulty filter is wrong"
    );
    assert_eq!(
        titles(QuizFilter {
            course_id: Some(course),
            difficulty: Some(Difficulty::Medium),
            ..QuizFilter::default()
        })
        .await,
        ["c"],
        "filters do not combine with AND"
    );
    let (sizes, items) =
        expect::every_page(3, |p| w.r.quizzes.list(ada, QuizFilter::default(), p)).await;
    assert_eq!(sizes, [3, 1], "4 quizzes do not page as 3 + 1");
    assert_eq!(
        items.iter().map(|q| q.title.as_str()).collect::<Vec<_>>(),
        ["d", "c", "b", "a"]
    );
}

pub async fn quizzes_hold_a_bounded_number_of_questions(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let too_many: Vec<NewQuestion> = (0..=NewQuiz::MAX_QUESTIONS)
        .map(|_| new_question("Q", 1))
        .collect();
    expect::validation(
        w.r.quizzes
            .create(ada, new_quiz("Too big", SourceLinks::default(), too_many))
            .await,
        "questions",
        "a quiz with more questions than allowed was accepted",
    );
    assert!(
        w.r.quizzes
            .list(ada, QuizFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty(),
        "the refused quiz was half-created"
    );
    let full: Vec<NewQuestion> = (0..NewQuiz::MAX_QUESTIONS)
        .map(|_| new_question("Q", 1))
        .collect();
    let made = w.quiz(ada, "Full", SourceLinks::default(), full).await;
    assert_eq!(made.quiz.total_points, 200);
    expect::validation(
        w.r.quizzes
            .add_question(ada, made.quiz.id, new_question("One more", 5))
            .await,
        "questions",
        "a question was added to a full quiz",
    );
    assert_eq!(
        w.r.quizzes.get(ada, made.quiz.id).await.unwrap(),
        made,
        "the refused question changed the quiz or its total"
    );
}

pub async fn quizzes_linked_to_another_users_material_are_not_created(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas_course = w.course(ada, "Ada's").await.id;
    let adas_note = w.note(ada, "Ada's", "").await.id;
    let adas_document = w.document(ada, "Ada's").await.id;
    for (bad, entity) in [
        (links(Some(adas_course), None, None), "course"),
        (links(None, Some(adas_note), None), "note"),
        (links(None, None, Some(adas_document)), "document"),
    ] {
        expect::not_found(
            w.r.quizzes
                .create(
                    bob,
                    new_quiz(
                        "Stolen",
                        bad,
                        vec![new_question("a", 1), new_question("b", 2)],
                    ),
                )
                .await,
            entity,
            "Bob made a quiz from Ada's material",
        );
    }
    assert!(
        w.r.quizzes
            .list(bob, QuizFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty(),
        "a refused quiz (or its questions) was created anyway"
    );
    let bobs = w
        .quiz(
            bob,
            "Mine",
            SourceLinks::default(),
            vec![new_question("a", 1)],
        )
        .await;
    expect::not_found(
        w.r.quizzes
            .update(
                bob,
                bobs.quiz.id,
                QuizUpdate {
                    title: Some(title("Changed")),
                    links: SourceLinksUpdate {
                        note_id: Some(Some(adas_note)),
                        ..SourceLinksUpdate::default()
                    },
                    ..QuizUpdate::default()
                },
            )
            .await,
        "note",
        "Bob linked his quiz to Ada's note",
    );
    assert_eq!(
        w.r.quizzes.get(bob, bobs.quiz.id).await.unwrap(),
        bobs,
        "a refused change altered Bob's quiz anyway"
    );
}

pub async fn quizzes_responses_are_recorded_and_listed_newest_first(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let made = w
        .quiz(
            ada,
            "Q",
            SourceLinks::default(),
            vec![new_question("a", 2), new_question("b", 3)],
        )
        .await;
    let started = now();
    let mut recorded = Vec::new();
    for answer in ["mitochondria", "nucleus", "Mitochondria"] {
        let grade = grade_quiz_response(
            &made,
            &[SubmittedAnswer {
                question_id: made.questions[0].id,
                answer: answer.to_owned(),
            }],
        )
        .unwrap();
        let new = grade.into_response(
            &made,
            Some(DurationSeconds::new(95).unwrap()),
            Some(started),
            now(),
        );
        let stored = w.r.quizzes.record_response(ada, new.clone()).await.unwrap();
        assert_eq!(stored.quiz_id, made.quiz.id);
        assert_eq!(stored.user_id, ada);
        assert_eq!(
            (stored.score, stored.total_points),
            (new.score, 5),
            "the score was not kept"
        );
        assert_eq!(
            stored.answers, new.answers,
            "the graded answers were not kept"
        );
        assert_eq!(stored.time_spent_seconds, Some(95));
        assert_eq!(stored.started_at, Some(started));
        assert_eq!(stored.completed_at, new.completed_at);
        assert_eq!(
            w.r.quizzes.get_response(ada, stored.id).await.unwrap(),
            stored,
            "the attempt read back differs"
        );
        recorded.push(stored);
    }
    assert_eq!(
        recorded.iter().map(|r| r.score).collect::<Vec<_>>(),
        [2, 0, 2],
        "grading is not what was stored"
    );
    let (sizes, listed) =
        expect::every_page(2, |p| w.r.quizzes.list_responses(ada, made.quiz.id, p)).await;
    assert_eq!(sizes, [2, 1], "3 attempts do not page as 2 + 1");
    recorded.reverse();
    assert_eq!(listed, recorded, "attempts are not listed newest first");

    let other = w
        .quiz(
            ada,
            "Other",
            SourceLinks::default(),
            vec![new_question("c", 1)],
        )
        .await;
    assert!(
        w.r.quizzes
            .list_responses(ada, other.quiz.id, all())
            .await
            .unwrap()
            .items
            .is_empty(),
        "one quiz's attempts show under another"
    );
    let unattempted =
        w.r.quizzes
            .list(
                ada,
                QuizFilter {
                    unattempted: true,
                    ..QuizFilter::default()
                },
                all(),
            )
            .await
            .unwrap();
    assert_eq!(
        unattempted.items.iter().map(|q| q.id).collect::<Vec<_>>(),
        [other.quiz.id],
        "only the quiz never attempted is unattempted"
    );
    expect::not_found(
        w.r.quizzes.get_response(ada, QuizResponseId::new()).await,
        "quiz response",
        "reading an attempt that does not exist",
    );
}

pub async fn quizzes_response_scoring_above_the_total_is_refused(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let made = w
        .quiz(ada, "Q", SourceLinks::default(), vec![new_question("a", 5)])
        .await;
    let impossible = NewQuizResponse {
        quiz_id: made.quiz.id,
        answers: Vec::new(),
        score: 6,
        total_points: 5,
        time_spent_seconds: None,
        started_at: None,
        completed_at: now(),
    };
    expect::validation(
        w.r.quizzes.record_response(ada, impossible).await,
        "score",
        "an attempt scoring more than the quiz is worth was recorded",
    );
    assert!(
        w.r.quizzes
            .list_responses(ada, made.quiz.id, all())
            .await
            .unwrap()
            .items
            .is_empty(),
        "the refused attempt was recorded anyway"
    );
}

pub async fn quizzes_of_another_user_are_not_found(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas = w
        .quiz(
            ada,
            "Ada's",
            SourceLinks::default(),
            vec![new_question("a", 2)],
        )
        .await;
    let response = w.attempt(ada, &adas, "mitochondria").await;
    let question = adas.questions[0].id;
    let missing = QuizId::new();
    w.quiz(bob, "Bob's", SourceLinks::default(), Vec::new())
        .await;

    expect::hidden(
        w.r.quizzes.get(bob, adas.quiz.id).await,
        w.r.quizzes.get(bob, missing).await,
        "quiz",
        "Bob opened Ada's quiz",
    );
    let rename = QuizUpdate {
        title: Some(title("Stolen")),
        ..QuizUpdate::default()
    };
    expect::hidden(
        w.r.quizzes.update(bob, adas.quiz.id, rename.clone()).await,
        w.r.quizzes.update(bob, missing, rename).await,
        "quiz",
        "Bob renamed Ada's quiz",
    );
    expect::hidden(
        w.r.quizzes
            .add_question(bob, adas.quiz.id, new_question("q", 1))
            .await,
        w.r.quizzes
            .add_question(bob, missing, new_question("q", 1))
            .await,
        "quiz",
        "Bob added a question to Ada's quiz",
    );
    let repoint = QuestionUpdate {
        points: Some(points(999)),
        ..QuestionUpdate::default()
    };
    expect::hidden(
        w.r.quizzes
            .update_question(bob, adas.quiz.id, question, repoint.clone())
            .await,
        w.r.quizzes
            .update_question(bob, missing, question, repoint)
            .await,
        "quiz",
        "Bob edited a question of Ada's quiz",
    );
    expect::hidden(
        w.r.quizzes
            .delete_question(bob, adas.quiz.id, question)
            .await,
        w.r.quizzes.delete_question(bob, missing, question).await,
        "quiz",
        "Bob deleted a question of Ada's quiz",
    );
    let stolen = |quiz_id| NewQuizResponse {
        quiz_id,
        answers: Vec::new(),
        score: 0,
        total_points: 2,
        time_spent_seconds: None,
        started_at: None,
        completed_at: now(),
    };
    expect::hidden(
        w.r.quizzes.record_response(bob, stolen(adas.quiz.id)).await,
        w.r.quizzes.record_response(bob, stolen(missing)).await,
        "quiz",
        "Bob recorded an attempt at Ada's quiz",
    );
    expect::hidden(
        w.r.quizzes.list_responses(bob, adas.quiz.id, all()).await,
        w.r.quizzes.list_responses(bob, missing, all()).await,
        "quiz",
        "Bob listed the attempts at Ada's quiz",
    );
    expect::hidden(
        w.r.quizzes.get_response(bob, response.id).await,
        w.r.quizzes.get_response(bob, QuizResponseId::new()).await,
        "quiz response",
        "Bob read Ada's attempt",
    );
    expect::hidden(
        w.r.quizzes.delete(bob, adas.quiz.id).await,
        w.r.quizzes.delete(bob, missing).await,
        "quiz",
        "Bob deleted Ada's quiz",
    );
    let listed: Vec<String> =
        w.r.quizzes
            .list(bob, QuizFilter::default(), all())
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|q| q.title)
            .collect();
    assert_eq!(listed, ["Bob's"], "Bob's quiz list shows Ada's quiz");
    assert_eq!(
        w.r.quizzes.get(ada, adas.quiz.id).await.unwrap(),
        adas,
        "Ada's quiz changed after Bob's attempts"
    );
    assert_eq!(
        w.r.quizzes
            .list_responses(ada, adas.quiz.id, all())
            .await
            .unwrap()
            .items,
        [response],
        "Ada's attempts changed after Bob's"
    );
}
