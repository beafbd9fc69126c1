//! The handlers of `/api/v1/quizzes`, driven through the HTTP API.

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::test;
use serde_json::{Value, json};

use crate::test_support::{app, bearer, signed_in, state};

/// Sends `request` as `token`; the status, the `Location` and the JSON body (`null` if none).
async fn send<S, B>(
    app: &S,
    token: &str,
    request: test::TestRequest,
) -> (u16, Option<String>, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let response = request.insert_header(bearer(token)).send_request(app).await;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("Location")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = test::read_body(response).await;
    let json = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap()
    };
    (status, location, json)
}

fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect()
}

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

async fn create_quiz<S, B>(app: &S, token: &str, body: Value) -> (String, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (status, location, quiz) = send(
        app,
        token,
        test::TestRequest::post()
            .uri("/api/v1/quizzes")
            .set_json(body),
    )
    .await;
    assert_eq!(status, 201, "{quiz}");
    (location.unwrap(), quiz)
}

#[actix_web::test]
async fn a_quiz_of_every_question_type_totals_its_points() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let (location, quiz) = create_quiz(&app, &token, every_type()).await;
    assert_eq!(
        location,
        format!("/api/v1/quizzes/{}", quiz["id"].as_str().unwrap())
    );
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

    let (status, _, read) = send(&app, &token, test::TestRequest::get().uri(&location)).await;
    assert_eq!(status, 200);
    assert_eq!(read, quiz);

    let (_, _, page) = send(
        &app,
        &token,
        test::TestRequest::get().uri("/api/v1/quizzes?difficulty=MEDIUM"),
    )
    .await;
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["totalPoints"], 10);
    assert!(items[0].get("questions").is_none());

    let (status, _, changed) = send(
        &app,
        &token,
        test::TestRequest::patch()
            .uri(&location)
            .set_json(json!({ "timeLimit": null, "title": "Biology", "description": "x" })),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["timeLimit"], Value::Null, "null removes the limit");
    assert_eq!(changed["title"], "Biology");
    assert_eq!(changed["totalPoints"], 10);
    let (status, _, problem) = send(
        &app,
        &token,
        test::TestRequest::patch()
            .uri(&location)
            .set_json(json!({ "timeLimit": 0 })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["timeLimit"]);

    let (status, _, _) = send(&app, &token, test::TestRequest::delete().uri(&location)).await;
    assert_eq!(status, 204);
    let (status, _, _) = send(&app, &token, test::TestRequest::get().uri(&location)).await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn inconsistent_questions_are_named_by_their_position() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
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
        let (status, _, problem) = send(
            &app,
            &token,
            test::TestRequest::post()
                .uri("/api/v1/quizzes")
                .set_json(json!({
                    "title": "Bad", "difficulty": "EASY", "questions": [question]
                })),
        )
        .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(error_fields(&problem), [field], "{problem}");
    }

    let (status, _, problem) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri("/api/v1/quizzes")
            .set_json(json!({
                "title": "Two bad", "difficulty": "EASY", "questions": [
                    { "type": "SHORT_ANSWER", "question": "Fine", "correctAnswer": "yes" },
                    { "type": "MULTIPLE_CHOICE", "question": " ",
                      "options": ["a", "A"], "correctAnswer": "a" }
                ]
            })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(
        error_fields(&problem),
        ["questions[1].question", "questions[1].options[1]"]
    );
    let (_, _, page) = send(
        &app,
        &token,
        test::TestRequest::get().uri("/api/v1/quizzes"),
    )
    .await;
    assert_eq!(page["items"], json!([]), "nothing was created");
}

#[actix_web::test]
async fn an_attempt_is_graded_on_the_server_with_partial_credit() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let (location, quiz) = create_quiz(&app, &token, every_type()).await;
    let ids: Vec<&str> = quiz["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();

    let (status, response_uri, graded) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri(&format!("{location}/responses"))
            .set_json(json!({
                "answers": [
                    { "questionId": ids[0], "answer": "PARIS" },
                    { "questionId": ids[1], "answer": "true" },
                    { "questionId": ids[2], "answer": "  the   MITOCHONDRIA " }
                ],
                "timeSpentSeconds": 95,
                "startedAt": "2024-01-01T10:00:00Z"
            })),
    )
    .await;
    assert_eq!(status, 201, "{graded}");
    let response_uri = response_uri.unwrap();
    assert_eq!(
        response_uri,
        format!("{location}/responses/{}", graded["id"].as_str().unwrap())
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

    let (status, _, read) = send(&app, &token, test::TestRequest::get().uri(&response_uri)).await;
    assert_eq!(status, 200);
    assert_eq!(read, graded);

    let (_, _, second) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri(&format!("{location}/responses"))
            .set_json(json!({ "answers": [
                { "questionId": ids[0], "answer": "Paris" },
                { "questionId": ids[1], "answer": "FALSE" },
                { "questionId": ids[2], "answer": "the mitochondria" },
                { "questionId": ids[3], "answer": "Nucleus" }
            ] })),
    )
    .await;
    assert_eq!(second["score"], 10);
    assert_eq!(second["percentage"], 100.0);

    let (status, _, page) = send(
        &app,
        &token,
        test::TestRequest::get().uri(&format!("{location}/responses")),
    )
    .await;
    assert_eq!(status, 200);
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
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let (location, _) = create_quiz(&app, &token, every_type()).await;
    let (other_location, other) = create_quiz(&app, &token, every_type()).await;
    let foreign = other["questions"][0]["id"].as_str().unwrap();

    let (status, _, problem) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri(&format!("{location}/responses"))
            .set_json(json!({ "answers": [{ "questionId": foreign, "answer": "Paris" }] })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["answers[0].questionId"]);

    let (status, _, problem) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri(&format!("{location}/responses"))
            .set_json(json!({ "answers": [], "timeSpentSeconds": -1,
                "startedAt": "2999-01-01T00:00:00Z" })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["timeSpentSeconds", "startedAt"]);

    let (status, _, page) = send(
        &app,
        &token,
        test::TestRequest::get().uri(&format!("{location}/responses")),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page["items"], json!([]), "nothing was recorded");

    // An attempt read under another quiz's path is not found.
    let (_, response_uri, _) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri(&format!("{location}/responses"))
            .set_json(json!({ "answers": [] })),
    )
    .await;
    let response_id = response_uri.unwrap().rsplit('/').next().unwrap().to_owned();
    let (status, _, _) = send(
        &app,
        &token,
        test::TestRequest::get().uri(&format!("{other_location}/responses/{response_id}")),
    )
    .await;
    assert_eq!(status, 404);
}

#[actix_web::test]
async fn another_student_cannot_see_change_or_answer_the_quiz() {
    let state = state();
    let (_, ada) = signed_in(&state, "ada@example.com").await;
    let (_, bob) = signed_in(&state, "bob@example.com").await;
    let app = app(state).await;
    let (location, quiz) = create_quiz(&app, &ada, every_type()).await;
    let question = quiz["questions"][0]["id"].as_str().unwrap();
    let (_, response_uri, _) = send(
        &app,
        &ada,
        test::TestRequest::post()
            .uri(&format!("{location}/responses"))
            .set_json(json!({ "answers": [{ "questionId": question, "answer": "Paris" }] })),
    )
    .await;
    let response_uri = response_uri.unwrap();
    let question_uri = format!("{location}/questions/{question}");

    for request in [
        test::TestRequest::get().uri(&location),
        test::TestRequest::patch()
            .uri(&location)
            .set_json(json!({ "title": "Mine" })),
        test::TestRequest::delete().uri(&location),
        test::TestRequest::post()
            .uri(&format!("{location}/questions"))
            .set_json(json!({ "type": "SHORT_ANSWER", "question": "q",
                "correctAnswer": "a" })),
        test::TestRequest::patch()
            .uri(&question_uri)
            .set_json(json!({ "points": 9 })),
        test::TestRequest::patch()
            .uri(&question_uri)
            .set_json(json!({ "correctAnswer": "Lyon" })),
        test::TestRequest::delete().uri(&question_uri),
        test::TestRequest::post()
            .uri(&format!("{location}/responses"))
            .set_json(json!({ "answers": [{ "questionId": question, "answer": "Paris" }] })),
        test::TestRequest::get().uri(&format!("{location}/responses")),
        test::TestRequest::get().uri(&response_uri),
    ] {
        let (status, _, problem) = send(&app, &bob, request).await;
        assert_eq!(status, 404, "{problem}");
    }

    let (_, _, read) = send(&app, &ada, test::TestRequest::get().uri(&location)).await;
    assert_eq!(read, quiz, "unchanged");
    let (_, _, page) = send(
        &app,
        &ada,
        test::TestRequest::get().uri(&format!("{location}/responses")),
    )
    .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}

#[actix_web::test]
async fn total_points_follow_questions_added_changed_and_removed() {
    let state = state();
    let (_, token) = signed_in(&state, "ada@example.com").await;
    let app = app(state).await;
    let (location, quiz) = create_quiz(
        &app,
        &token,
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

    let (status, added_uri, added) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri(&format!("{location}/questions"))
            .set_json(
                json!({ "type": "SHORT_ANSWER", "question": "Capital of Italy?",
                "correctAnswer": "Rome", "points": 5 }),
            ),
    )
    .await;
    assert_eq!(status, 201, "{added}");
    let added_uri = added_uri.unwrap();
    assert_eq!(
        added_uri,
        format!("{location}/questions/{}", added["id"].as_str().unwrap())
    );
    assert_eq!(added["difficulty"], "EASY", "the quiz's difficulty");
    let (_, _, read) = send(&app, &token, test::TestRequest::get().uri(&location)).await;
    assert_eq!(read["totalPoints"], 7);

    let (status, _, problem) = send(
        &app,
        &token,
        test::TestRequest::post()
            .uri(&format!("{location}/questions"))
            .set_json(json!({ "type": "TRUE_FALSE", "question": "?", "correctAnswer": "yes" })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["correctAnswer"]);

    // The correct answer alone is checked against the options the question has.
    let (status, _, problem) = send(
        &app,
        &token,
        test::TestRequest::patch()
            .uri(&first_uri)
            .set_json(json!({ "correctAnswer": "5" })),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(error_fields(&problem), ["correctAnswer"]);
    let (status, _, changed) = send(
        &app,
        &token,
        test::TestRequest::patch()
            .uri(&first_uri)
            .set_json(json!({ "correctAnswer": "3", "points": 4, "hint": "odd" })),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["correctAnswer"], "3");
    assert_eq!(changed["options"], json!(["3", "4"]), "the options stay");
    assert_eq!(changed["hint"], "odd");
    // A new type drops options that no longer fit it.
    let (status, _, changed) = send(
        &app,
        &token,
        test::TestRequest::patch()
            .uri(&first_uri)
            .set_json(json!({ "type": "TRUE_FALSE", "correctAnswer": "TRUE" })),
    )
    .await;
    assert_eq!(status, 200, "{changed}");
    assert_eq!(changed["type"], "TRUE_FALSE");
    assert_eq!(changed["options"], Value::Null);
    assert_eq!(changed["correctAnswer"], "true");
    assert_eq!(changed["points"], 4);
    let (_, _, read) = send(&app, &token, test::TestRequest::get().uri(&location)).await;
    assert_eq!(read["totalPoints"], 9);

    let (status, _, _) = send(&app, &token, test::TestRequest::delete().uri(&added_uri)).await;
    assert_eq!(status, 204);
    let (_, _, read) = send(&app, &token, test::TestRequest::get().uri(&location)).await;
    assert_eq!(read["totalPoints"], 4);
    assert_eq!(read["questions"].as_array().unwrap().len(), 1);
    let (status, _, _) = send(
        &app,
        &token,
        test::TestRequest::patch()
            .uri(&added_uri)
            .set_json(json!({ "correctAnswer": "Roma" })),
    )
    .await;
    assert_eq!(status, 404, "a removed question is gone");
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
