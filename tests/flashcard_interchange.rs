//! Flashcards in and out of the real program, on memory and on PostgreSQL: a CSV imported
//! over HTTP into one set, exported as CSV, and the export imported again into the same
//! cards and tags; a file that cannot be imported leaves nothing behind.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod server;

use reqwest::Method;
use serde_json::{Value, json};

use server::Server;

const CELLS: &str = "question;answer;hint;explanation;tags\n\
    \"Powerhouse of the cell; in one word?\";Mitochondria;;\"Makes \"\"ATP\"\"\";biology cells\n\
    Where is DNA kept?;\"The nucleus,\nmostly\";N...;;exam\n\
    ;An answer without its question;;;\n\
    Café?;Coffee;;In French;\n";

/// Imports `bytes` as `file_name`; returns the status and the body.
async fn import(server: &Server, token: &str, file_name: &str, bytes: Vec<u8>) -> (u16, Value) {
    server.import_cards(token, file_name, bytes, None).await
}

/// Each card's question, answer, hint and explanation, in order.
fn sides(set: &Value) -> Vec<[Value; 4]> {
    set["flashcards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            [
                c["question"].clone(),
                c["answer"].clone(),
                c["hint"].clone(),
                c["explanation"].clone(),
            ]
        })
        .collect()
}

async fn a_csv_goes_in_and_out_and_in_again(server: &Server) {
    let (_, ada) = server.sign_up("Ada", "ada@example.com").await;
    let (status, first) = import(server, &ada, "Cells.csv", CELLS.as_bytes().to_vec()).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["imported"], 3);
    assert_eq!(
        first["skipped"],
        json!([{ "line": 5, "reason": "the question is empty" }])
    );
    let set = &first["flashcardSet"];
    assert_eq!(set["title"], "Cells");
    assert_eq!(set["tags"], json!(["biology", "cells", "exam"]));
    assert_eq!(
        sides(set),
        [
            [
                json!("Powerhouse of the cell; in one word?"),
                json!("Mitochondria"),
                Value::Null,
                json!("Makes \"ATP\"")
            ],
            [
                json!("Where is DNA kept?"),
                json!("The nucleus,\nmostly"),
                json!("N..."),
                Value::Null
            ],
            [
                json!("Café?"),
                json!("Coffee"),
                Value::Null,
                json!("In French")
            ],
        ]
    );
    let id = set["id"].as_str().unwrap();
    let stored = server
        .expect(
            200,
            Method::GET,
            &format!("/api/v1/flashcard-sets/{id}"),
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(&stored, set, "stored as answered");

    let export = server
        .call(
            Method::GET,
            &format!("/api/v1/flashcard-sets/{id}/export"),
            Some(&ada),
            None,
        )
        .await;
    assert_eq!(export.status().as_u16(), 200);
    let header = |name: &str| export.headers()[name].to_str().unwrap().to_owned();
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert!(
        header("content-disposition").starts_with("attachment; filename=\"Cells.csv\""),
        "{}",
        header("content-disposition")
    );
    let csv = export.text().await.unwrap();
    assert!(
        csv.starts_with("question,answer,hint,explanation,tags\r\n"),
        "{csv}"
    );
    assert!(
        csv.contains("\r\nCafé?,Coffee,,In French,biology cells exam\r\n"),
        "{csv}"
    );

    let (status, again) = import(server, &ada, "Cells.csv", csv.into_bytes()).await;
    assert_eq!(status, 201, "{again}");
    assert_eq!(again["imported"], 3);
    assert_eq!(again["skipped"], json!([]));
    assert_eq!(again["flashcardSet"]["tags"], set["tags"]);
    assert_eq!(sides(&again["flashcardSet"]), sides(set));
    assert_ne!(again["flashcardSet"]["id"], set["id"], "a new set");

    // Nothing is half-imported: a refused file leaves no set.
    let (status, refused) = import(server, &ada, "cafe.csv", b"Caf\xE9?,coffee\n".to_vec()).await;
    assert_eq!(status, 422, "{refused}");
    assert!(
        refused["detail"].as_str().unwrap().contains("UTF-8"),
        "{refused}"
    );
    let anki = server
        .import_package(&ada, "deck.apkg", b"PK\x03\x04rest".to_vec(), None)
        .await;
    assert_eq!(anki["status"], "FAILED", "{anki}");
    assert!(
        anki["errorMessage"]
            .as_str()
            .unwrap()
            .contains("not a readable zip archive"),
        "{anki}"
    );
    let sets = server
        .expect(200, Method::GET, "/api/v1/flashcard-sets", Some(&ada), None)
        .await;
    assert_eq!(sets["items"].as_array().unwrap().len(), 2);

    let (_, bob) = server.sign_up("Bob", "bob@example.com").await;
    server
        .expect(
            404,
            Method::GET,
            &format!("/api/v1/flashcard-sets/{id}/export"),
            Some(&bob),
            None,
        )
        .await;
}

#[tokio::test]
async fn in_memory_a_csv_is_imported_exported_and_imported_again() {
    a_csv_goes_in_and_out_and_in_again(&Server::start_in_memory().await).await;
}

#[tokio::test]
async fn on_postgres_a_csv_is_imported_exported_and_imported_again() {
    let server = Server::start().await;
    a_csv_goes_in_and_out_and_in_again(&server).await;
    assert_eq!(
        server.count("SELECT count(*) AS n FROM flashcards").await,
        6,
        "two sets of three cards, nothing of the refused files"
    );
}
