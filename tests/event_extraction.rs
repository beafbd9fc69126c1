//! Syllabus to events over HTTP, on memory and on PostgreSQL: a syllabus uploaded as a PDF is
//! read for its dated items (offline, by rules) in the student's zone; some proposals are
//! accepted into events linked to the document, then all of them from a second extraction
//! without a duplicate; a note is read in the student's locale; bad requests are refused and
//! another student reaches nothing. With a model configured (a fake OpenAI-compatible server on
//! 127.0.0.1), the model's items are checked against the text like the rules' are.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fakes;
mod server;

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use fakes::{Fake, Response};
use server::Server;
use sophie_persistence::testing::TestDatabase;

/// Starts an extraction of `path` (`/api/v1/documents/{id}` or `/api/v1/notes/{id}`) with
/// `body` (none at all when `None`); returns the extraction's URL from `Location`.
async fn start(server: &Server, token: &str, path: &str, body: Option<Value>) -> String {
    let response = server
        .call(
            Method::POST,
            &format!("{path}/extract-events"),
            Some(token),
            body,
        )
        .await;
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get("location")
        .map(|value| value.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    assert_eq!(status, 202, "extract-events answered {status}: {text}");
    let extraction: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(extraction["status"], "PENDING");
    let location = location.expect("a Location header");
    assert_eq!(
        location,
        format!(
            "/api/v1/event-extractions/{}",
            extraction["id"].as_str().unwrap()
        )
    );
    location
}

/// Polls the extraction until it has ended; returns it.
async fn finished(server: &Server, token: &str, location: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let extraction = server
            .expect(200, Method::GET, location, Some(token), None)
            .await;
        if extraction["status"] == "COMPLETED" || extraction["status"] == "FAILED" {
            return extraction;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the extraction is still {}",
            extraction["status"]
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The proposal of type `kind` starting at `start`.
fn proposal<'a>(extraction: &'a Value, kind: &str, start: &str) -> &'a Value {
    extraction["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == kind && p["start"] == start)
        .unwrap_or_else(|| panic!("no {kind} at {start} in {extraction:#}"))
}

const MIDTERM: (&str, &str) = ("EXAM", "2027-03-03T05:00:00Z");
const HOMEWORK: (&str, &str) = ("ASSIGNMENT", "2027-01-22T05:00:00Z");

async fn calendar_count(server: &Server, token: &str) -> usize {
    server
        .expect(
            200,
            Method::GET,
            "/api/v1/calendar-events?limit=100",
            Some(token),
            None,
        )
        .await["items"]
        .as_array()
        .unwrap()
        .len()
}

async fn a_syllabus_becomes_events(server: &Server) {
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    server
        .expect(
            200,
            Method::PATCH,
            "/api/v1/me",
            Some(&ada),
            Some(json!({"timeZone": "America/New_York"})),
        )
        .await;
    let course = server
        .expect(
            201,
            Method::POST,
            "/api/v1/courses",
            Some(&ada),
            Some(json!({"name": "CS 201"})),
        )
        .await;
    let uploaded = server.upload(&ada, "syllabus.pdf").await;
    let id = uploaded["id"].as_str().unwrap().to_owned();
    let document = format!("/api/v1/documents/{id}");
    server
        .expect(
            200,
            Method::PATCH,
            &document,
            Some(&ada),
            Some(json!({"courseId": course["id"]})),
        )
        .await;
    let ready = server.processed(&ada, &id, Duration::from_secs(60)).await;
    assert_eq!(ready["status"], "READY", "{ready}");

    // Offline, no body: the student's zone, en-US.
    let location = start(server, &ada, &document, None).await;
    let extraction = finished(server, &ada, &location).await;
    assert_eq!(extraction["status"], "COMPLETED", "{extraction:#}");
    assert_eq!(extraction["progress"], 100);
    assert_eq!(extraction["model"], "offline");
    assert_eq!(extraction["timeZone"], "America/New_York");
    assert_eq!(extraction["documentId"], id.as_str());
    let proposals = extraction["proposals"].as_array().unwrap();
    assert!(proposals.len() >= 20, "{} proposals", proposals.len());

    // 3 March, midnight in New York.
    let midterm = proposal(&extraction, MIDTERM.0, MIDTERM.1);
    assert!(
        midterm["title"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("midterm exam"),
        "{midterm}"
    );
    assert_eq!(midterm["allDay"], true);
    assert_eq!(midterm["source"]["pageNumber"], 2);
    assert!(
        midterm["source"]["quote"]
            .as_str()
            .unwrap()
            .contains("midterm exam Wednesday, March 3 in class"),
        "{midterm}"
    );
    let homework = proposal(&extraction, HOMEWORK.0, HOMEWORK.1);
    assert_eq!(homework["title"], "HW 1 due");
    // Spring break spans the change to daylight-saving time: its end is midnight EDT.
    let spring_break = proposals
        .iter()
        .find(|p| p["title"].as_str().unwrap().contains("Spring break"))
        .unwrap();
    assert_eq!(spring_break["type"], "OTHER");
    assert_eq!(spring_break["start"], "2027-03-15T04:00:00Z");
    assert_eq!(spring_break["end"], "2027-03-20T04:00:00Z");
    assert!(proposals.iter().all(|p| p["eventId"].is_null()));

    // Two of them, accepted.
    let accepted = server
        .expect(
            200,
            Method::POST,
            &format!("{location}/accept"),
            Some(&ada),
            Some(json!({"proposalIds": [homework["id"], midterm["id"]]})),
        )
        .await;
    let accepted = accepted.as_array().unwrap();
    assert_eq!(accepted.len(), 2);
    assert_eq!(
        accepted[0]["title"], "HW 1 due",
        "in the extraction's order"
    );
    for event in accepted {
        assert_eq!(event["documentId"], id.as_str(), "linked to the syllabus");
        assert_eq!(event["courseId"], course["id"], "in its course");
        assert_eq!(event["allDay"], true);
        assert_eq!(event["timeZone"], "America/New_York");
    }
    assert_eq!(accepted[1]["eventType"], "EXAM");
    assert_eq!(accepted[1]["priority"], "HIGH");
    assert_eq!(accepted[1]["reminders"], json!([1440]));
    assert_eq!(accepted[1]["startDate"], "2027-03-03T05:00:00Z");
    let read = server
        .expect(200, Method::GET, &location, Some(&ada), None)
        .await;
    assert_eq!(
        proposal(&read, MIDTERM.0, MIDTERM.1)["eventId"],
        accepted[1]["id"]
    );
    assert_eq!(calendar_count(server, &ada).await, 2);

    // A second extraction proposes the accepted ones with their events; accepting every
    // proposal then makes only the others.
    let second = start(
        server,
        &ada,
        &document,
        Some(json!({"timeZone": "America/New_York", "locale": "en-US"})),
    )
    .await;
    let again = finished(server, &ada, &second).await;
    assert_eq!(
        again["proposals"].as_array().unwrap().len(),
        proposals.len()
    );
    assert_eq!(
        proposal(&again, MIDTERM.0, MIDTERM.1)["eventId"],
        accepted[1]["id"]
    );
    assert_eq!(
        proposal(&again, HOMEWORK.0, HOMEWORK.1)["eventId"],
        accepted[0]["id"]
    );
    let all: Vec<Value> = again["proposals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].clone())
        .collect();
    let events = server
        .expect(
            200,
            Method::POST,
            &format!("{second}/accept"),
            Some(&ada),
            Some(json!({ "proposalIds": all })),
        )
        .await;
    assert_eq!(events.as_array().unwrap().len(), proposals.len());
    assert_eq!(
        calendar_count(server, &ada).await,
        proposals.len(),
        "no event twice"
    );

    // Bad requests name what is wrong; nothing is recorded.
    for (body, field) in [
        (json!({"timeZone": "Mars/Olympus"}), "timeZone"),
        (json!({"locale": "english"}), "locale"),
        (json!({"year": 2027}), "year"),
    ] {
        let problem = server
            .expect(
                422,
                Method::POST,
                &format!("{document}/extract-events"),
                Some(&ada),
                Some(body),
            )
            .await;
        assert!(problem.to_string().contains(field), "{problem}");
    }
    let text = server
        .http
        .post(format!("{}{document}/extract-events", server.base))
        .bearer_auth(&ada)
        .header("content-type", "text/plain")
        .body("timeZone=UTC")
        .send()
        .await
        .unwrap();
    assert_eq!(text.status().as_u16(), 415);
    for body in [
        json!({"proposalIds": []}),
        json!({"proposalIds": [uploaded["id"]]}),
    ] {
        server
            .expect(
                422,
                Method::POST,
                &format!("{second}/accept"),
                Some(&ada),
                Some(body),
            )
            .await;
    }

    // Another student reaches none of it.
    let (_, bob) = server.sign_up("Bob", "bob@example.com").await;
    server
        .expect(404, Method::GET, &location, Some(&bob), None)
        .await;
    server
        .expect(
            404,
            Method::POST,
            &format!("{location}/accept"),
            Some(&bob),
            Some(json!({"proposalIds": [midterm["id"]]})),
        )
        .await;
    server
        .expect(
            404,
            Method::POST,
            &format!("{document}/extract-events"),
            Some(&bob),
            None,
        )
        .await;
    assert_eq!(calendar_count(server, &bob).await, 0);

    // A note, read in the student's locale: 03/10/2027 is 3 October in Britain.
    server
        .expect(
            200,
            Method::PATCH,
            "/api/v1/me",
            Some(&ada),
            Some(json!({"locale": "en-GB", "timeZone": "Europe/London"})),
        )
        .await;
    let note = server
        .expect(
            201,
            Method::POST,
            "/api/v1/notes",
            Some(&ada),
            Some(json!({"title": "Essay", "content": "Essay due 03/10/2027 at 5 pm"})),
        )
        .await;
    let note_path = format!("/api/v1/notes/{}", note["id"].as_str().unwrap());
    // A JSON `null` body is no options, as no body is.
    let from_note = start(server, &ada, &note_path, Some(Value::Null)).await;
    let read = finished(server, &ada, &from_note).await;
    assert_eq!(read["locale"], "en-GB");
    let essay = &read["proposals"][0];
    assert_eq!(
        essay["start"], "2027-10-03T16:00:00Z",
        "5 pm in London (BST)"
    );
    assert_eq!(essay["allDay"], false);
    assert!(essay["source"]["pageNumber"].is_null());
    assert_eq!(essay["source"]["quote"], "Essay due 03/10/2027 at 5 pm");
}

#[tokio::test]
async fn in_memory_a_syllabus_becomes_events() {
    a_syllabus_becomes_events(&Server::start_in_memory().await).await;
}

#[tokio::test]
async fn on_postgres_a_syllabus_becomes_events() {
    a_syllabus_becomes_events(&Server::start().await).await;
}

/// A fake model that answers every extraction request with the same items: one that stands in
/// the note and one that does not.
async fn extracting_model() -> Fake {
    Fake::start(|request, _| {
        if request.path() != "/v1/chat/completions" {
            return Response::status(404);
        }
        let answer = json!({"events": [
            {"title": "Lab report", "type": "ASSIGNMENT", "date": "2027-04-09",
             "startTime": "23:59", "endDate": null, "endTime": null, "location": null,
             "page": null, "quote": "Lab report due April 9 at 11:59 pm"},
            {"title": "Field trip", "type": "OTHER", "date": "2027-04-20",
             "startTime": null, "endDate": null, "endTime": null, "location": null,
             "page": null, "quote": "Field trip on April 20"}
        ]})
        .to_string();
        Response::json(
            200,
            &json!({
                "model": "fake-model",
                "choices": [{"index": 0, "message": {"role": "assistant", "content": answer},
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 200, "completion_tokens": 60},
            }),
        )
    })
    .await
}

async fn a_model_reads_the_syllabus(db: Option<TestDatabase>) {
    let model = extracting_model().await;
    let server = Server::start_with(
        db,
        &[
            ("LLM_URL", model.base.as_str()),
            ("LLM_MODEL", "fake-model"),
        ],
    )
    .await;
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    let note = server
        .expect(
            201,
            Method::POST,
            "/api/v1/notes",
            Some(&ada),
            Some(json!({
                "title": "Biology 110",
                "content": "Spring 2027\nLab report due April 9 at 11:59 pm\nNo class on Good Friday"
            })),
        )
        .await;
    let location = start(
        &server,
        &ada,
        &format!("/api/v1/notes/{}", note["id"].as_str().unwrap()),
        Some(json!({"timeZone": "UTC"})),
    )
    .await;
    let extraction = finished(&server, &ada, &location).await;
    assert_eq!(extraction["status"], "COMPLETED", "{extraction:#}");
    assert_eq!(extraction["model"], "fake-model");
    let proposals = extraction["proposals"].as_array().unwrap();
    assert_eq!(
        proposals.len(),
        1,
        "the field trip is not in the note: {proposals:?}"
    );
    assert_eq!(proposals[0]["title"], "Lab report");
    assert_eq!(proposals[0]["start"], "2027-04-09T23:59:00Z");
    let asked = model.requests();
    assert_eq!(asked.len(), 1);
    let sent: Value = serde_json::from_slice(&asked[0].body).unwrap();
    assert_eq!(sent["model"], "fake-model");
    let prompt = sent["messages"][1]["content"].as_str().unwrap();
    assert!(
        prompt.contains("Lab report due April 9 at 11:59 pm"),
        "the note is given to the model: {prompt}"
    );
    assert!(
        sent.to_string().contains("startTime"),
        "the answer's schema is asked for: {sent}"
    );
}

#[tokio::test]
async fn in_memory_a_model_reads_the_syllabus() {
    a_model_reads_the_syllabus(None).await;
}

#[tokio::test]
async fn on_postgres_a_model_reads_the_syllabus() {
    a_model_reads_the_syllabus(Some(TestDatabase::new().await)).await;
}
