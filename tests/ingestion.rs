//! Documents end to end, through the real program: uploaded over HTTP, processed by the worker
//! (in the serving process, or a `sophie worker` of its own), and found page by page in
//! search; hostile files fail alone; a worker killed mid-document leaves one result.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod server;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use sophie_persistence::testing::TestDatabase;
use tokio::sync::Notify;

use server::Server;

const MINUTE: Duration = Duration::from_secs(60);

/// The search hits for `q`.
async fn search(server: &Server, token: &str, q: &str) -> Vec<Value> {
    let path = format!("/api/v1/search?q={}", q.replace(' ', "%20"));
    let found = server
        .expect(200, Method::GET, &path, Some(token), None)
        .await;
    found["items"].as_array().unwrap().clone()
}

async fn notifications(server: &Server, token: &str) -> Vec<Value> {
    let page = server
        .expect(200, Method::GET, "/api/v1/notifications", Some(token), None)
        .await;
    page["items"].as_array().unwrap().clone()
}

async fn a_lecture_is_found_on_its_page(server: &Server) {
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;
    let uploaded = server.upload(&token, "lecture.pdf").await;
    assert_eq!(uploaded["status"], "PENDING");
    let id = uploaded["id"].as_str().unwrap();
    let document = server.processed(&token, id, MINUTE).await;
    assert_eq!(document["status"], "READY", "{document}");
    assert_eq!(document["pageCount"], 4);

    let hits = search(server, &token, "Golgi apparatus packages proteins").await;
    let first = hits.first().expect("a hit");
    assert_eq!(first["kind"], "DOCUMENT", "{hits:?}");
    assert_eq!(first["parentId"], id);
    assert_eq!(first["pageNumber"], 3, "{first}");
    assert!(
        first["snippet"].as_str().unwrap().contains("Golgi"),
        "{first}"
    );

    let told = notifications(server, &token).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0]["type"], "IMPORT_COMPLETED");
    assert_eq!(told[0]["link"], format!("/api/v1/documents/{id}"));

    // Nobody else finds it.
    let (_, bob) = server.sign_up("Bob", "bob@example.com").await;
    assert!(search(server, &bob, "Golgi apparatus").await.is_empty());
}

#[tokio::test]
async fn in_memory_an_uploaded_pdf_is_found_by_page_in_search() {
    a_lecture_is_found_on_its_page(&Server::start_in_memory().await).await;
}

#[tokio::test]
async fn on_postgres_an_uploaded_pdf_is_found_by_page_in_search() {
    a_lecture_is_found_on_its_page(&Server::start().await).await;
}

#[tokio::test]
async fn every_fixture_ends_ready_with_its_text_or_failed_with_its_reason() {
    let server = Server::start().await;
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;

    // Random bytes named .pdf are refused at the door, by what they are.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(
            std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/random.pdf"
            ))
            .unwrap(),
        )
        .file_name("random.pdf"),
    );
    let refused = server
        .http
        .post(format!("{}/api/v1/documents", server.base))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status().as_u16(), 415);
    let problem: Value = refused.json().await.unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains("binary data"),
        "{problem}"
    );

    // (file, status, pages, a sentence searchable on that page, or the reason's words)
    let cases: [(&str, &str, Option<i64>, &str); 10] = [
        (
            "notes.docx",
            "READY",
            Some(5),
            "Calvin cycle fixes carbon dioxide",
        ),
        ("slides.pptx", "READY", Some(3), "pushing a shopping cart"),
        ("article.html", "READY", None, "Condensation forms clouds"),
        (
            "notes.md",
            "READY",
            Some(4),
            "entropy of an isolated system",
        ),
        (
            "restricted.pdf",
            "READY",
            Some(4),
            "Lysosomes digest worn-out",
        ),
        ("scanned.pdf", "FAILED", None, "no text layer"),
        ("encrypted.pdf", "FAILED", None, "password"),
        ("truncated.pdf", "FAILED", None, "damaged"),
        ("bomb.docx", "FAILED", None, "too large"),
        // After every hostile file, the worker still works.
        (
            "lecture.pdf",
            "READY",
            Some(4),
            "Ribosomes translate messenger RNA",
        ),
    ];
    let mut uploaded = Vec::new();
    for (file, ..) in &cases {
        uploaded.push(
            server.upload(&token, file).await["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    for ((file, status, pages, words), id) in cases.iter().zip(&uploaded) {
        let document = server.processed(&token, id, 2 * MINUTE).await;
        assert_eq!(document["status"], *status, "{file}: {document}");
        if let Some(pages) = pages {
            assert_eq!(document["pageCount"], *pages, "{file}: {document}");
        }
        if *status == "READY" {
            let hits = search(&server, &token, words).await;
            assert!(
                hits.iter().any(|hit| hit["parentId"] == id.as_str()),
                "{file}: searching {words:?} found {hits:?}"
            );
        } else {
            let reason = document["errorMessage"].as_str().unwrap();
            assert!(reason.contains(words), "{file}: {reason}");
        }
    }
    // Slide 2's notes are on page 2.
    let hits = search(&server, &token, "pushing a shopping cart").await;
    assert_eq!(hits[0]["pageNumber"], 2, "{hits:?}");
    // One notification per document, failed or not.
    assert_eq!(notifications(&server, &token).await.len(), cases.len());
}

/// An OpenAI-compatible embeddings server on loopback that holds the first request until
/// released, so a test can kill a worker while it is mid-document.
struct SlowEmbeddings {
    base: String,
    arrived: Arc<Notify>,
    requests: Arc<AtomicUsize>,
    _server: actix_web::dev::ServerHandle,
}

impl SlowEmbeddings {
    async fn start() -> Self {
        use actix_web::{App, HttpResponse, HttpServer, web};
        let arrived = Arc::new(Notify::new());
        let requests = Arc::new(AtomicUsize::new(0));
        let (seen, count) = (arrived.clone(), requests.clone());
        let server = HttpServer::new(move || {
            let (seen, count) = (seen.clone(), count.clone());
            App::new().route(
                "/v1/embeddings",
                web::post().to(move |body: web::Json<Value>| {
                    let (seen, count) = (seen.clone(), count.clone());
                    async move {
                        if count.fetch_add(1, Ordering::SeqCst) == 0 {
                            // The first worker to ask never hears back.
                            seen.notify_one();
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                        }
                        let inputs = body["input"].as_array().map_or(0, Vec::len);
                        let data: Vec<Value> = (0..inputs)
                            .map(|i| json!({"index": i, "embedding": [1.0, 0.5, 0.25, i as f32]}))
                            .collect();
                        HttpResponse::Ok().json(json!({"data": data, "model": "slow"}))
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .unwrap();
        let base = format!("http://{}", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            base,
            arrived,
            requests,
            _server: handle,
        }
    }
}

/// A `sophie worker` process.
fn worker(db: &TestDatabase, blobs: &std::path::Path, embeddings: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sophie"))
        .arg("worker")
        .env("DATABASE_URL", db.url())
        .env("BLOB_DIR", blobs)
        .env("EMBEDDINGS_URL", embeddings)
        .env("EMBEDDINGS_MODEL", "slow")
        .env("WORKER_LEASE_SECS", "2")
        .env("WORKER_RESCUE_INTERVAL_SECS", "1")
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start sophie worker")
}

#[tokio::test]
async fn a_worker_killed_mid_document_is_replaced_and_the_document_ends_ready_once() {
    let embeddings = SlowEmbeddings::start().await;
    let server = Server::start_with(
        Some(TestDatabase::new().await),
        &[
            ("EMBEDDED_WORKER", "false"),
            ("EMBEDDINGS_URL", &embeddings.base),
            ("EMBEDDINGS_MODEL", "slow"),
        ],
    )
    .await;
    let db = server.db.as_ref().unwrap();
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;
    let id = server.upload(&token, "lecture.pdf").await["id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut first = worker(db, server.blobs.path(), &embeddings.base);
    // The first worker has read the file and is waiting for its embeddings: kill it there.
    tokio::time::timeout(MINUTE, embeddings.arrived.notified())
        .await
        .expect("the first worker reached the embedding step");
    first.kill().unwrap();
    first.wait().unwrap();
    let stuck = server
        .expect(
            200,
            Method::GET,
            &format!("/api/v1/documents/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(stuck["status"], "PROCESSING");

    // A second worker rescues the job once the dead one's lease runs out.
    let mut second = worker(db, server.blobs.path(), &embeddings.base);
    let document = server.processed(&token, &id, MINUTE).await;
    // The document is READY inside the job; the job itself is recorded complete just after.
    // Stop the second worker only once it has recorded it.
    let finished = format!(
        "SELECT count(*) AS n FROM background_jobs \
         WHERE kind = 'document.process' AND payload->>'documentId' = '{id}' \
           AND status IN ('PENDING', 'PROCESSING')"
    );
    let deadline = tokio::time::Instant::now() + MINUTE;
    while server.count(&finished).await > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the processing job never finished"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(document["status"], "READY", "{document}");
    assert!(embeddings.requests.load(Ordering::SeqCst) >= 2);

    // One set of chunks, one notification, one finished job.
    let chunks = server
        .count(&format!(
            "SELECT count(*) AS n FROM document_search_index WHERE document_id = '{id}'"
        ))
        .await;
    let distinct = server
        .count(&format!(
            "SELECT count(DISTINCT chunk_index) AS n FROM document_search_index \
             WHERE document_id = '{id}'"
        ))
        .await;
    assert!(chunks > 0);
    assert_eq!(chunks, distinct);
    assert_eq!(notifications(&server, &token).await.len(), 1);
    let jobs = server
        .count(&format!(
            "SELECT count(*) AS n FROM background_jobs \
             WHERE kind = 'document.process' AND payload->>'documentId' = '{id}' \
               AND status = 'COMPLETED' AND attempts = 2"
        ))
        .await;
    assert_eq!(jobs, 1, "the job completed on its second attempt");
}
