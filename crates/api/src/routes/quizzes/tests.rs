//! The handlers of `/api/v1/quizzes`, driven through the HTTP API.

use actix_web::test::TestRequest;
use serde_json::{Value, json};

use crate::test_support::{Reply, TestApp, TestClient, state};

/// A quiz with one question of each type, worth 2, 1 (by default), 3 and 4 points.
fn every_type() -> Value {
    json!({
        "title": "Cells",
        "difficulty": "MEDIUM",
        "timeLimit": 30,
        "questions": [
            { "type": "MULTIPLE_CHOICE", "question": "Capital of France?",
              "options": ["Paris", "Lyon", "Nice"], "correctAnswer": "paris", "points": 2 },
            { "type": "TRUE_FALSE", "question": "Cells have walls?", "correctAnswer": "False" },
            { "type": "SHORT_ANSWER", "question": "Powerhouse of the cell?",
              "correctAnswer": "The Mitochondria", "points": 3, "difficulty": "HARD" },
            { "type": "FILL_IN_THE_BLANK", "question": "DNA is kept in the ___.",
              "correctAnswer": "nucleus", "points": 4, "hint": "N..." }
        ]
    })
}

/// Creates a quiz, which must answer 201; its location and the answer.
async fn create_quiz(client: &TestClient, body: Value) -> (String, Reply) {
    let quiz = client.post("/api/v1/quizzes", body).await;
    assert_eq!(quiz.status, 201, "{quiz}");
    (quiz.location.clone().unwrap(), quiz)
}

#[actix_web::test]
async fn a_quiz_of_every_question_type_totals_its_points() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let (location, quiz) = create_quiz(&ada, every_type()).await;
    assert_eq!(location, format!("/api/v1/quizzes/{}", quiz.id()));
    assert_eq!(quiz["totalPoints"], 10);
    assert_eq!(quiz["timeLimit"], 30);
    let questions = quiz["questions"].as_array().unwrap();
    let types: Vec<&str> = questions
        .iter()
        .map(|q| q["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "MULTIPLE_CHOICE",
            "TRUE_FALSE",
            "SHORT_ANSWER",
            "FILL_IN_THE_BLANK"
        ]
    );
    assert_eq!(
        questions[0]["correctAnswer"], "Paris",
        "the option's spelling"
    );
    assert_eq!(questions[0]["options"], json!(["Paris", "Lyon", "Nice"]));
    assert_eq!(questions[1]["correctAnswer"], "false");
    assert_eq!(questions[1]["points"], 1, "one point by default");
    assert_eq!(
        questions[1]["difficulty"], "MEDIUM",
        "the quiz's difficulty"
    );
    assert_eq!(questions[2]["difficulty"], "HARD");
    assert_eq!(questions[3]["options"], Value::Null);

    let read = ada.get(&location).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, quiz.body);

    let page = ada.get("/api/v1/quizzes?difficulty=MEDIUM").await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["totalPoints"], 10);
    assert!(items[0].get("questions").is_none());

    let changed = ada
        .patch(
            &location,
            json!({ "timeLimit": null, "title": "Biology", "description": "x" }),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed}");
    assert_eq!(changed["timeLimit"], Value::Null, "null removes the limit");
    assert_eq!(changed["title"], "Biology");
    assert_eq!(changed["totalPoints"], 10);
    let problem = ada.patch(&location, json!({ "timeLimit": 0 })).await;
    assert_eq!(problem.status, 422);
    assert_eq!(problem.fields(), ["timeLimit"]);

    assert_eq!(ada.delete(&location).await.status, 204);
    assert_eq!(ada.get(&location).await.status, 404);
}

#[actix_web::test]
async fn inconsistent_questions_are_named_by_their_position() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let cases = [
        (
            json!({ "type": "MULTIPLE_CHOICE", "question": "2 + 2?",
                    "options": ["3", "5"], "correctAnswer": "4" }),
            "questions[0].correctAnswer",
        ),
        (
            json!({ "type": "ESSAY", "question": "Discuss.", "correctAnswer": "x" }),
            "questions[0].type",
        ),
        (
            json!({ "type": "SHORT_ANSWER", "question": "Why?",
                    "options": ["a", "b"], "correctAnswer": "a" }),
            "questions[0].options",
        ),
        (
            json!({ "type": "TRUE_FALSE", "question": "Sure?", "correctAnswer": "maybe" }),
            "questions[0].correctAnswer",
        ),
        (
            json!({ "type": "SHORT_ANSWER", "question": "Why?", "correctAnswer": "a",
                    "points": 0 }),
            "questions[0].points",
        ),
    ];
    for (question, field) in cases {
        let problem = ada
            .post(
                "/api/v1/quizzes",
                json!({ "title": "Bad", "difficulty": "EASY", "questions": [question] }),
            )
            .await;
        assert_eq!(problem.status, 422, "{problem}");
        assert_eq!(problem.fields(), [field], "{problem}");
    }

    let problem = ada
        .post(
            "/api/v1/quizzes",
            json!({
                "title": "Two bad", "difficulty": "EASY", "questions": [
                    { "type": "SHORT_ANSWER", "question": "Fine", "correctAnswer": "yes" },
                    { "type": "MULTIPLE_CHOICE", "question": " ",
                      "options": ["a", "A"], "correctAnswer": "a" }
                ]
            }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(
        problem.fields(),
        ["questions[1].question", "questions[1].options[1]"]
    );
    let page = ada.get("/api/v1/quizzes").await;
    assert_eq!(page["items"], json!([]), "nothing was created");
}

#[actix_web::test]
async fn an_attempt_is_graded_on_the_server_with_partial_credit() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let (location, quiz) = create_quiz(&ada, every_type()).await;
    let ids: Vec<&str> = quiz["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();

    let graded = ada
        .post(
            &format!("{location}/responses"),
            json!({
                "answers": [
                    { "questionId": ids[0], "answer": "PARIS" },
                    { "questionId": ids[1], "answer": "true" },
                    { "questionId": ids[2], "answer": "  the   MITOCHONDRIA " }
                ],
                "timeSpentSeconds": 95,
                "startedAt": "2024-01-01T10:00:00Z"
            }),
        )
        .await;
    assert_eq!(graded.status, 201, "{graded}");
    let response_uri = graded.location.as_deref().unwrap();
    assert_eq!(
        response_uri,
        format!("{location}/responses/{}", graded.id())
    );
    assert_eq!(graded["quizId"], quiz["id"]);
    assert_eq!(graded["score"], 5);
    assert_eq!(graded["totalPoints"], 10);
    assert_eq!(graded["percentage"], 50.0);
    assert_eq!(graded["correctCount"], 2);
    assert_eq!(graded["timeSpentSeconds"], 95);
    assert_eq!(graded["startedAt"], "2024-01-01T10:00:00Z");
    let results: Vec<(bool, i64)> = graded["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["correct"].as_bool().unwrap(),
                a["pointsAwarded"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        results,
        [(true, 2), (false, 0), (true, 3), (false, 0)],
        "case and spaces do not matter; an unanswered question earns nothing"
    );
    assert_eq!(graded["answers"][3]["answer"], Value::Null);

    let read = ada.get(response_uri).await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, graded.body);

    let second = ada
        .post(
            &format!("{location}/responses"),
            json!({ "answers": [
                { "questionId": ids[0], "answer": "Paris" },
                { "questionId": ids[1], "answer": "FALSE" },
                { "questionId": ids[2], "answer": "the mitochondria" },
                { "questionId": ids[3], "answer": "Nucleus" }
            ] }),
        )
        .await;
    assert_eq!(second["score"], 10);
    assert_eq!(second["percentage"], 100.0);

    let page = ada.get(&format!("{location}/responses")).await;
    assert_eq!(page.status, 200);
    let scores: Vec<i64> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["score"].as_i64().unwrap())
        .collect();
    assert_eq!(scores, [10, 5], "newest first");
    assert_eq!(page["items"][1]["percentage"], 50.0);
}

#[actix_web::test]
async fn an_answer_must_be_to_a_question_of_the_quiz_and_times_must_be_sane() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let (location, _) = create_quiz(&ada, every_type()).await;
    let (other_location, other) = create_quiz(&ada, every_type()).await;
    let foreign = other["questions"][0]["id"].as_str().unwrap();

    let problem = ada
        .post(
            &format!("{location}/responses"),
            json!({ "answers": [{ "questionId": foreign, "answer": "Paris" }] }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(problem.fields(), ["answers[0].questionId"]);

    let problem = ada
        .post(
            &format!("{location}/responses"),
            json!({ "answers": [], "timeSpentSeconds": -1,
                "startedAt": "2999-01-01T00:00:00Z" }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(problem.fields(), ["timeSpentSeconds", "startedAt"]);

    let page = ada.get(&format!("{location}/responses")).await;
    assert_eq!(page.status, 200);
    assert_eq!(page["items"], json!([]), "nothing was recorded");

    // An attempt read under another quiz's path is not found.
    let attempt = ada
        .post(&format!("{location}/responses"), json!({ "answers": [] }))
        .await;
    let response_id = attempt
        .location
        .as_deref()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap();
    let elsewhere = ada
        .get(&format!("{other_location}/responses/{response_id}"))
        .await;
    assert_eq!(elsewhere.status, 404);
}

#[actix_web::test]
async fn another_student_cannot_see_change_or_answer_the_quiz() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let bob = app.signed_in("bob@example.com").await;
    let (location, quiz) = create_quiz(&ada, every_type()).await;
    let question = quiz["questions"][0]["id"].as_str().unwrap();
    let attempt = ada
        .post(
            &format!("{location}/responses"),
            json!({ "answers": [{ "questionId": question, "answer": "Paris" }] }),
        )
        .await;
    let response_uri = attempt.location.as_deref().unwrap();
    let question_uri = format!("{location}/questions/{question}");

    for request in [
        TestRequest::get().uri(&location),
        TestRequest::patch()
            .uri(&location)
            .set_json(json!({ "title": "Mine" })),
        TestRequest::delete().uri(&location),
        TestRequest::post()
            .uri(&format!("{location}/questions"))
            .set_json(json!({ "type": "SHORT_ANSWER", "question": "q",
                "correctAnswer": "a" })),
        TestRequest::patch()
            .uri(&question_uri)
            .set_json(json!({ "points": 9 })),
        TestRequest::patch()
            .uri(&question_uri)
            .set_json(json!({ "correctAnswer": "Lyon" })),
        TestRequest::delete().uri(&question_uri),
        TestRequest::post()
            .uri(&format!("{location}/responses"))
            .set_json(json!({ "answers": [{ "questionId": question, "answer": "Paris" }] })),
        TestRequest::get().uri(&format!("{location}/responses")),
        TestRequest::get().uri(response_uri),
    ] {
        let problem = bob.send(request).await;
        assert_eq!(problem.status, 404, "{problem}");
    }

    let read = ada.get(&location).await;
    assert_eq!(read.body, quiz.body, "unchanged");
    let page = ada.get(&format!("{location}/responses")).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn total_points_follow_questions_added_changed_and_removed() {
    let app = TestApp::start(state()).await;
    let ada = app.signed_in("ada@example.com").await;
    let (location, quiz) = create_quiz(
        &ada,
        json!({ "title": "Growing", "difficulty": "EASY", "questions": [
            { "type": "MULTIPLE_CHOICE", "question": "2 + 2?", "options": ["3", "4"],
              "correctAnswer": "4", "points": 2 }
        ] }),
    )
    .await;
    assert_eq!(quiz["totalPoints"], 2);
    let first_uri = format!(
        "{location}/questions/{}",
        quiz["questions"][0]["id"].as_str().unwrap()
    );

    let added = ada
        .post(
            &format!("{location}/questions"),
            json!({ "type": "SHORT_ANSWER", "question": "Capital of Italy?",
                "correctAnswer": "Rome", "points": 5 }),
        )
        .await;
    assert_eq!(added.status, 201, "{added}");
    let added_uri = added.location.as_deref().unwrap();
    assert_eq!(added_uri, format!("{location}/questions/{}", added.id()));
    assert_eq!(added["difficulty"], "EASY", "the quiz's difficulty");
    let read = ada.get(&location).await;
    assert_eq!(read["totalPoints"], 7);

    let problem = ada
        .post(
            &format!("{location}/questions"),
            json!({ "type": "TRUE_FALSE", "question": "?", "correctAnswer": "yes" }),
        )
        .await;
    assert_eq!(problem.status, 422);
    assert_eq!(problem.fields(), ["correctAnswer"]);

    // The correct answer alone is checked against the options the question has.
    let problem = ada.patch(&first_uri, json!({ "correctAnswer": "5" })).await;
    assert_eq!(problem.status, 422);
    assert_eq!(problem.fields(), ["correctAnswer"]);
    let changed = ada
        .patch(
            &first_uri,
            json!({ "correctAnswer": "3", "points": 4, "hint": "odd" }),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed}");
    assert_eq!(changed["correctAnswer"], "3");
    assert_eq!(changed["options"], json!(["3", "4"]), "the options stay");
    assert_eq!(changed["hint"], "odd");
    // A new type drops options that no longer fit it.
    let changed = ada
        .patch(
            &first_uri,
            json!({ "type": "TRUE_FALSE", "correctAnswer": "TRUE" }),
        )
        .await;
    assert_eq!(changed.status, 200, "{changed}");
    assert_eq!(changed["type"], "TRUE_FALSE");
    assert_eq!(changed["options"], Value::Null);
    assert_eq!(changed["correctAnswer"], "true");
    assert_eq!(changed["points"], 4);
    let read = ada.get(&location).await;
    assert_eq!(read["totalPoints"], 9);

    assert_eq!(ada.delete(added_uri).await.status, 204);
    let read = ada.get(&location).await;
    assert_eq!(read["totalPoints"], 4);
    assert_eq!(read["questions"].as_array().unwrap().len(), 1);
    let gone = ada
        .patch(added_uri, json!({ "correctAnswer": "Roma" }))
        .await;
    assert_eq!(gone.status, 404, "a removed question is gone");
}

#[actix_web::test]
async fn every_route_is_documented() {
    use utoipa::OpenApi as _;
    let doc = super::Api::openapi();
    let paths: Vec<&str> = doc.paths.paths.keys().map(String::as_str).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/quizzes",
            "/api/v1/quizzes/{id}",
            "/api/v1/quizzes/{id}/questions",
            "/api/v1/quizzes/{id}/questions/{questionId}",
            "/api/v1/quizzes/{id}/responses",
            "/api/v1/quizzes/{id}/responses/{responseId}"
        ]
    );
}
