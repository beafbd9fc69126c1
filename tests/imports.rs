//! Imports end to end: `sophie serve` on PostgreSQL importing from outside services faked on
//! 127.0.0.1 (a web site, YouTube, a transcription server), as a student would through the
//! API: every source, redirects, a PDF on the web, retries, failures, cancellation, the
//! refusal of internal addresses, and account deletion.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fakes;
mod server;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fakes::{Fake, Request, Response};
use reqwest::Method;
use serde_json::{Value, json};
use server::Server;
use sophie_persistence::testing::TestDatabase;
use tokio::sync::Notify;

/// The longest an import may take here; they take well under a second.
const WITHIN: Duration = Duration::from_secs(60);

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A web site: an article among navigation, scripts, adverts and a cookie banner; a page
/// that moved; a PDF; a missing page; a page that fails twice; a redirect to `elsewhere`; a
/// page held until `gate` opens; a text file.
async fn web_site(elsewhere: u16, gate: Arc<Notify>) -> Fake {
    let article = String::from_utf8(fixture("article.html")).unwrap();
    let pdf = fixture("lecture.pdf");
    Fake::start(move |request: &Request, earlier| match request.path() {
        "/water-cycle" => Response::html(&article),
        "/moved" => Response::redirect("/water-cycle"),
        "/lecture.pdf" => Response::new(200, "application/pdf", pdf.clone()),
        "/flaky" if earlier < 2 => Response::status(503),
        "/flaky" => Response::html(&article),
        "/to-loopback" => Response::redirect(&format!("http://127.0.0.1:{elsewhere}/secret")),
        "/slow" => Response::html(&article).after(gate.clone()),
        "/notes.txt" => Response::new(
            200,
            "text/plain; charset=utf-8",
            "Osmosis moves water across a membrane from low to high solute concentration.",
        ),
        _ => Response::status(404),
    })
    .await
}

const CAPTIONS: &str = r#"<?xml version="1.0" encoding="utf-8" ?><transcript><text start="0.5" dur="3.0">Welcome to the lecture on the Krebs cycle.</text><text start="3.5" dur="4.0">The cycle turns acetyl groups into carbon dioxide.</text><text start="62.0" dur="5.0">It gives the cell NADH &amp;amp; FADH2 for respiration.</text></transcript>"#;

/// The fakes and a server on PostgreSQL that reaches them.
struct World {
    server: Server,
    web: Fake,
    elsewhere: Fake,
    transcriber: Fake,
    gate: Arc<Notify>,
}

impl World {
    async fn start(extra: &[(&str, &str)]) -> Self {
        let elsewhere = Fake::start(|_, _| Response::html("<p>internal secrets</p>")).await;
        let gate = Arc::new(Notify::new());
        let web = web_site(elsewhere.port, gate.clone()).await;
        let youtube = fakes::youtube(BTreeMap::from([
            ("KrebsCycle1", ("The Krebs cycle", Some(CAPTIONS))),
            ("NoCaptions1", ("A silent film", None)),
        ]))
        .await;
        let transcriber = fakes::transcriber(
            2,
            vec![
                (0.0, 2.5, "Today we cover photosynthesis."),
                (2.5, 6.0, "Chlorophyll absorbs light in the leaves."),
            ],
        )
        .await;
        let allow = format!("127.0.0.1:{}", web.port);
        let youtube_base = youtube.base.clone();
        let transcribe_url = transcriber.base.clone();
        let mut env: Vec<(&str, &str)> = vec![
            ("IMPORT_FETCH_ALLOW", &allow),
            ("YOUTUBE_BASE_URL", &youtube_base),
            ("TRANSCRIBE_URL", &transcribe_url),
        ];
        env.extend_from_slice(extra);
        let server = Server::start_with(Some(TestDatabase::new().await), &env).await;
        Self {
            server,
            web,
            elsewhere,
            transcriber,
            gate,
        }
    }
}

/// Starts an import from a link; returns the import as answered (202).
async fn import_link(server: &Server, token: &str, source: &str, url: &str) -> Value {
    server
        .expect(
            202,
            Method::POST,
            "/api/v1/import-jobs",
            Some(token),
            Some(json!({ "source": source, "sourceUrl": url })),
        )
        .await
}

/// Uploads `bytes` as an import of `source`; returns the import as answered (202).
async fn import_upload(
    server: &Server,
    token: &str,
    source: &str,
    name: &str,
    bytes: Vec<u8>,
) -> Value {
    let form = reqwest::multipart::Form::new()
        .text("source", source.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    let response = server
        .http
        .post(format!("{}/api/v1/import-jobs", server.base))
        .bearer_auth(token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 202, "importing {name}: {body}");
    body
}

/// Polls the import until it finishes; returns it, every progress value seen, and the time
/// from `since`.
async fn finished(
    server: &Server,
    token: &str,
    import: &Value,
    since: Instant,
) -> (Value, Vec<i64>, Duration) {
    let path = format!("/api/v1/import-jobs/{}", import["id"].as_str().unwrap());
    let deadline = Instant::now() + WITHIN;
    let mut seen = vec![import["progress"].as_i64().unwrap()];
    loop {
        let job = server
            .expect(200, Method::GET, &path, Some(token), None)
            .await;
        seen.push(job["progress"].as_i64().unwrap());
        if ["COMPLETED", "FAILED", "CANCELLED"].contains(&job["status"].as_str().unwrap()) {
            return (job, seen, since.elapsed());
        }
        assert!(Instant::now() < deadline, "the import is still {job}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn get(server: &Server, token: &str, path: &str) -> Value {
    server
        .expect(200, Method::GET, path, Some(token), None)
        .await
}

async fn search(server: &Server, token: &str, q: &str) -> Vec<Value> {
    let found = get(
        server,
        token,
        &format!("/api/v1/search?q={}", q.replace(' ', "+")),
    )
    .await;
    found["items"].as_array().unwrap().clone()
}

/// How many files there are under `dir`, in any folder.
fn files_under(dir: &std::path::Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .map(|entry| {
            let path = entry.unwrap().path();
            if path.is_dir() { files_under(&path) } else { 1 }
        })
        .sum()
}

fn assert_rising(progress: &[i64]) {
    assert!(
        progress.windows(2).all(|p| p[0] <= p[1]),
        "progress went back: {progress:?}"
    );
    assert_eq!(progress.last(), Some(&100), "{progress:?}");
}

#[tokio::test]
async fn every_source_ends_in_a_searchable_note_or_document() {
    let world = World::start(&[]).await;
    let server = &world.server;
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;
    let mut timings = Vec::new();

    // A web page: its article, without the page's chrome, as a Markdown note.
    let started = Instant::now();
    let page = import_link(
        server,
        &token,
        "URL",
        &format!("{}/water-cycle", world.web.base),
    )
    .await;
    assert_eq!(
        (page["status"].as_str(), page["progress"].as_i64()),
        (Some("PENDING"), Some(0))
    );
    let (page, progress, took) = finished(server, &token, &page, started).await;
    timings.push(("URL (web page)", took));
    assert_eq!(page["status"], "COMPLETED", "{page}");
    assert!(page["completedAt"].is_string(), "{page}");
    assert_rising(&progress);
    let note = get(
        server,
        &token,
        &format!("/api/v1/notes/{}", page["noteId"].as_str().unwrap()),
    )
    .await;
    assert_eq!(note["source"], "URL");
    assert_eq!(note["title"], "The Water Cycle");
    assert_eq!(note["sourceUrl"], format!("{}/water-cycle", world.web.base));
    let content = note["content"].as_str().unwrap();
    for kept in [
        "Condensation forms clouds",
        "## Evaporation",
        "Precipitation returns water",
    ] {
        assert!(content.contains(kept), "{kept:?} missing from {content}");
    }
    for dropped in [
        "cookies",
        "Pricing plans",
        "ANALYTICS-TRACKER",
        "Sponsored",
        "All rights reserved",
    ] {
        assert!(!content.contains(dropped), "{dropped:?} kept in {content}");
    }
    assert!(
        !note["summary"].as_str().unwrap_or_default().is_empty(),
        "{note}"
    );
    let hits = search(server, &token, "condensation nuclei").await;
    assert!(
        hits.iter()
            .any(|h| h["kind"] == "NOTE" && h["id"] == note["id"]),
        "the imported note is not found: {hits:?}"
    );

    // A page that moved: the redirect is followed, and the note says where it came from.
    let moved = import_link(server, &token, "URL", &format!("{}/moved", world.web.base)).await;
    let (moved, _, _) = finished(server, &token, &moved, Instant::now()).await;
    assert_eq!(moved["status"], "COMPLETED", "{moved}");
    let moved_note = get(
        server,
        &token,
        &format!("/api/v1/notes/{}", moved["noteId"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        moved_note["sourceUrl"],
        format!("{}/water-cycle", world.web.base)
    );

    // A PDF on the web becomes a document, found by page.
    let started = Instant::now();
    let pdf = import_link(
        server,
        &token,
        "URL",
        &format!("{}/lecture.pdf", world.web.base),
    )
    .await;
    let (pdf, progress, took) = finished(server, &token, &pdf, started).await;
    timings.push(("URL (PDF on the web)", took));
    assert_eq!(pdf["status"], "COMPLETED", "{pdf}");
    assert_rising(&progress);
    assert!(pdf["noteId"].is_null(), "{pdf}");
    let document = get(
        server,
        &token,
        &format!("/api/v1/documents/{}", pdf["documentId"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        (document["status"].as_str(), document["pageCount"].as_i64()),
        (Some("READY"), Some(4))
    );
    assert_eq!(document["fileName"], "lecture.pdf");
    let hits = search(server, &token, "Golgi apparatus packages proteins").await;
    assert!(
        hits.iter().any(|h| h["kind"] == "DOCUMENT"
            && h["parentId"] == document["id"]
            && h["pageNumber"] == 3),
        "page 3 of the PDF is not found: {hits:?}"
    );

    // A YouTube video's captions.
    let started = Instant::now();
    let video = import_link(
        server,
        &token,
        "YOUTUBE",
        "https://www.youtube.com/watch?v=KrebsCycle1",
    )
    .await;
    let (video, progress, took) = finished(server, &token, &video, started).await;
    timings.push(("YOUTUBE", took));
    assert_eq!(video["status"], "COMPLETED", "{video}");
    assert_rising(&progress);
    let lecture = get(
        server,
        &token,
        &format!("/api/v1/notes/{}", video["noteId"].as_str().unwrap()),
    )
    .await;
    assert_eq!(lecture["source"], "YOUTUBE");
    assert_eq!(lecture["title"], "The Krebs cycle");
    assert_eq!(lecture["durationSeconds"], 95);
    assert_eq!(
        lecture["sourceUrl"],
        "https://www.youtube.com/watch?v=KrebsCycle1"
    );
    let timed = lecture["transcription"].as_str().unwrap();
    assert!(
        timed.starts_with("[00:00] Welcome to the lecture on the Krebs cycle."),
        "{timed}"
    );
    assert!(
        timed.contains("[01:02] It gives the cell NADH & FADH2 for respiration."),
        "{timed}"
    );
    assert!(
        lecture["content"]
            .as_str()
            .unwrap()
            .contains("acetyl groups into carbon dioxide")
    );
    let hits = search(server, &token, "acetyl groups").await;
    assert!(hits.iter().any(|h| h["id"] == lecture["id"]), "{hits:?}");

    // An audio lecture, through a transcription server that fails twice first.
    let started = Instant::now();
    let audio = import_upload(
        server,
        &token,
        "AUDIO",
        "Week 5.mp3",
        fixture("audio/lecture.mp3"),
    )
    .await;
    let (audio, progress, took) = finished(server, &token, &audio, started).await;
    timings.push(("AUDIO (6 s MP3, 2 server errors first)", took));
    assert_eq!(audio["status"], "COMPLETED", "{audio}");
    assert_rising(&progress);
    let transcribed = world.transcriber.requests();
    assert_eq!(
        transcribed.len(),
        3,
        "two failures and a success were not three requests"
    );
    let recording = get(
        server,
        &token,
        &format!("/api/v1/notes/{}", audio["noteId"].as_str().unwrap()),
    )
    .await;
    assert_eq!(recording["source"], "AUDIO");
    assert_eq!(recording["title"], "Week 5");
    assert_eq!(
        recording["durationSeconds"], 6,
        "the duration is not the file's own"
    );
    assert_eq!(
        recording["transcription"],
        "[00:00] Today we cover photosynthesis.\n[00:02] Chlorophyll absorbs light in the leaves."
    );
    let hits = search(server, &token, "chlorophyll absorbs").await;
    assert!(hits.iter().any(|h| h["id"] == recording["id"]), "{hits:?}");

    // A file, processed as an upload is.
    let started = Instant::now();
    let file = import_upload(server, &token, "FILE", "notes.md", fixture("notes.md")).await;
    let (file, progress, took) = finished(server, &token, &file, started).await;
    timings.push(("FILE (Markdown)", took));
    assert_eq!(file["status"], "COMPLETED", "{file}");
    assert_rising(&progress);
    let stored = get(
        server,
        &token,
        &format!("/api/v1/documents/{}", file["documentId"].as_str().unwrap()),
    )
    .await;
    assert_eq!(stored["status"], "READY");

    // One notification per import, linking to what it made.
    let notifications = get(server, &token, "/api/v1/notifications?limit=100").await;
    let completed: Vec<&Value> = notifications["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == "IMPORT_COMPLETED")
        .collect();
    assert_eq!(completed.len(), 6, "{notifications}");
    assert!(
        completed
            .iter()
            .any(|n| n["link"] == format!("/api/v1/notes/{}", note["id"].as_str().unwrap()))
    );

    let listed = get(
        server,
        &token,
        "/api/v1/import-jobs?status=COMPLETED&limit=50",
    )
    .await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 6);
    for (source, took) in timings {
        println!(
            "import {source}: {} ms from request to COMPLETED",
            took.as_millis()
        );
    }
}

#[tokio::test]
async fn failures_are_told_in_words_and_transient_ones_retried() {
    let world = World::start(&[]).await;
    let server = &world.server;
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;

    let missing = import_link(
        server,
        &token,
        "URL",
        &format!("{}/nowhere", world.web.base),
    )
    .await;
    let (missing, _, _) = finished(server, &token, &missing, Instant::now()).await;
    assert_eq!(missing["status"], "FAILED", "{missing}");
    assert!(
        missing["errorMessage"]
            .as_str()
            .unwrap()
            .contains("not found"),
        "{missing}"
    );
    assert_eq!(
        world
            .web
            .requests()
            .iter()
            .filter(|r| r.path() == "/nowhere")
            .count(),
        1,
        "a missing page was asked for again"
    );

    let flaky = import_link(server, &token, "URL", &format!("{}/flaky", world.web.base)).await;
    let (flaky, _, _) = finished(server, &token, &flaky, Instant::now()).await;
    assert_eq!(flaky["status"], "COMPLETED", "{flaky}");
    assert_eq!(
        world
            .web
            .requests()
            .iter()
            .filter(|r| r.path() == "/flaky")
            .count(),
        3
    );

    let silent = import_link(server, &token, "YOUTUBE", "https://youtu.be/NoCaptions1").await;
    let (silent, _, _) = finished(server, &token, &silent, Instant::now()).await;
    assert_eq!(silent["status"], "FAILED");
    assert!(
        silent["errorMessage"]
            .as_str()
            .unwrap()
            .contains("no captions"),
        "{silent}"
    );

    let gone = import_link(
        server,
        &token,
        "YOUTUBE",
        "https://www.youtube.com/shorts/Unplayable1",
    )
    .await;
    let (gone, _, _) = finished(server, &token, &gone, Instant::now()).await;
    assert_eq!(gone["status"], "FAILED");
    assert!(
        gone["errorMessage"]
            .as_str()
            .unwrap()
            .contains("cannot be watched"),
        "{gone}"
    );

    let noise = import_upload(
        server,
        &token,
        "AUDIO",
        "noise.mp3",
        b"ID3\x04\x00\x00\x00\x00\x00\x00random".to_vec(),
    )
    .await;
    let (noise, _, _) = finished(server, &token, &noise, Instant::now()).await;
    assert_eq!(noise["status"], "FAILED", "{noise}");
    assert!(
        noise["errorMessage"]
            .as_str()
            .unwrap()
            .contains("could not be read"),
        "{noise}"
    );

    let failed = get(server, &token, "/api/v1/notifications?limit=100").await;
    let failed = failed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["type"] == "IMPORT_FAILED")
        .count();
    assert_eq!(
        failed, 4,
        "one IMPORT_FAILED notification per failed import"
    );
    let notes = get(server, &token, "/api/v1/notes").await;
    assert_eq!(
        notes["items"].as_array().unwrap().len(),
        1,
        "a failed import left a note"
    );
}

#[tokio::test]
async fn without_a_transcriber_an_audio_import_fails_at_once_naming_the_setting() {
    let server = Server::start_with(Some(TestDatabase::new().await), &[]).await;
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;
    let audio = import_upload(
        &server,
        &token,
        "AUDIO",
        "talk.wav",
        fixture("audio/lecture.wav"),
    )
    .await;
    let (audio, _, _) = finished(&server, &token, &audio, Instant::now()).await;
    assert_eq!(audio["status"], "FAILED", "{audio}");
    assert!(
        audio["errorMessage"]
            .as_str()
            .unwrap()
            .contains("TRANSCRIBE_URL"),
        "{audio}"
    );
    // The job is recorded complete just after the import is failed: wait for that.
    let deadline = Instant::now() + WITHIN;
    while server
        .count(
            "SELECT count(*) AS n FROM background_jobs \
             WHERE kind = 'import.run' AND status IN ('PENDING', 'PROCESSING')",
        )
        .await
        > 0
    {
        assert!(Instant::now() < deadline, "the import's job never finished");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        server
            .count(
                "SELECT count(*) AS n FROM background_jobs \
                 WHERE kind = 'import.run' AND status = 'COMPLETED' AND attempts = 1"
            )
            .await,
        1,
        "the import's job did not end at its first run"
    );
}

#[tokio::test]
async fn a_cancelled_import_stops_and_leaves_no_note() {
    // One job at a time, so an import started after the cancelled one finishes after it.
    let world = World::start(&[("WORKER_CONCURRENCY", "1")]).await;
    let server = &world.server;
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;
    let slow = import_link(server, &token, "URL", &format!("{}/slow", world.web.base)).await;
    let path = format!("/api/v1/import-jobs/{}", slow["id"].as_str().unwrap());
    // Wait until the page is being fetched.
    let deadline = Instant::now() + WITHIN;
    while !world.web.requests().iter().any(|r| r.path() == "/slow") {
        assert!(Instant::now() < deadline, "the page was never asked for");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cancelled = server
        .expect(
            200,
            Method::POST,
            &format!("{path}/cancel"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(cancelled["status"], "CANCELLED");
    world.gate.notify_one();

    let after = import_link(
        server,
        &token,
        "URL",
        &format!("{}/water-cycle", world.web.base),
    )
    .await;
    let (after, _, _) = finished(server, &token, &after, Instant::now()).await;
    assert_eq!(after["status"], "COMPLETED");
    let still = get(server, &token, &path).await;
    assert_eq!(still["status"], "CANCELLED", "{still}");
    assert!(still["noteId"].is_null(), "{still}");
    let notes = get(server, &token, "/api/v1/notes").await;
    let notes = notes["items"].as_array().unwrap();
    assert_eq!(
        notes.len(),
        1,
        "the cancelled import left a note: {notes:?}"
    );
    assert_eq!(notes[0]["id"], after["noteId"]);
    let again = server
        .call(Method::POST, &format!("{path}/cancel"), Some(&token), None)
        .await;
    assert_eq!(again.status().as_u16(), 409);
}

#[tokio::test]
async fn internal_addresses_are_refused_before_and_after_redirects() {
    let world = World::start(&[]).await;
    let server = &world.server;
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;
    for url in [
        format!("http://127.0.0.1:{}/", world.elsewhere.port),
        format!("http://[::1]:{}/", world.elsewhere.port),
        format!("http://localhost:{}/", world.elsewhere.port),
        "http://169.254.169.254/latest/meta-data/".to_owned(),
        "http://10.0.0.1/".to_owned(),
        "file:///etc/passwd".to_owned(),
    ] {
        let refused = server
            .expect(
                422,
                Method::POST,
                "/api/v1/import-jobs",
                Some(&token),
                Some(json!({ "source": "URL", "sourceUrl": url })),
            )
            .await;
        assert_eq!(
            refused["errors"][0]["field"], "sourceUrl",
            "{url}: {refused}"
        );
    }
    // Allowed at first, the page redirects inward: the import fails naming the address.
    let sneaky = import_link(
        server,
        &token,
        "URL",
        &format!("{}/to-loopback", world.web.base),
    )
    .await;
    let (sneaky, _, _) = finished(server, &token, &sneaky, Instant::now()).await;
    assert_eq!(sneaky["status"], "FAILED", "{sneaky}");
    assert!(
        sneaky["errorMessage"]
            .as_str()
            .unwrap()
            .contains("127.0.0.1"),
        "{sneaky}"
    );
    assert_eq!(
        world.elsewhere.connections(),
        0,
        "an internal address was reached"
    );
    let listed = get(server, &token, "/api/v1/import-jobs").await;
    assert_eq!(
        listed["items"].as_array().unwrap().len(),
        1,
        "a refused import was recorded"
    );
}

#[tokio::test]
async fn deleting_the_account_removes_imports_their_notes_chunks_and_recordings() {
    let world = World::start(&[]).await;
    let server = &world.server;
    let (user, token) = server.sign_up("Ada", "ada@example.com").await;
    let page = import_link(
        server,
        &token,
        "URL",
        &format!("{}/water-cycle", world.web.base),
    )
    .await;
    let (page, _, _) = finished(server, &token, &page, Instant::now()).await;
    assert_eq!(page["status"], "COMPLETED");
    let pdf = import_link(
        server,
        &token,
        "URL",
        &format!("{}/lecture.pdf", world.web.base),
    )
    .await;
    let (pdf, _, _) = finished(server, &token, &pdf, Instant::now()).await;
    assert_eq!(pdf["status"], "COMPLETED");
    let user_dir = server.blobs.path().join("users").join(&user);
    assert!(
        files_under(&user_dir) > 0,
        "no files were stored for the user"
    );
    let owned = |table: &str| format!("SELECT count(*) AS n FROM {table} WHERE user_id = '{user}'");
    assert_eq!(server.count(&owned("import_jobs")).await, 2);
    assert!(server.count(&owned("document_search_index")).await > 0);
    assert!(
        server
            .count(&format!(
                "SELECT count(*) AS n FROM document_search_index WHERE note_id = '{}'",
                page["noteId"].as_str().unwrap()
            ))
            .await
            > 0,
        "the imported note has no chunks"
    );

    server
        .expect(204, Method::DELETE, "/api/v1/me", Some(&token), None)
        .await;
    for table in [
        "import_jobs",
        "notes",
        "documents",
        "document_search_index",
        "notifications",
    ] {
        assert_eq!(
            server.count(&owned(table)).await,
            0,
            "{table} kept rows of a deleted account"
        );
    }
    assert_eq!(
        files_under(&user_dir),
        0,
        "the deleted account's files are still stored"
    );
}

#[tokio::test]
async fn in_memory_a_page_and_a_text_file_are_imported_and_found() {
    let gate = Arc::new(Notify::new());
    let web = web_site(9, gate).await;
    let allow = format!("127.0.0.1:{}", web.port);
    let server = Server::start_with(None, &[("IMPORT_FETCH_ALLOW", &allow)]).await;
    let (_, token) = server.sign_up("Ada", "ada@example.com").await;
    let page = import_link(&server, &token, "URL", &format!("{}/water-cycle", web.base)).await;
    let text = import_upload(
        &server,
        &token,
        "FILE",
        "osmosis.txt",
        b"Osmosis moves water across a semipermeable membrane.".to_vec(),
    )
    .await;
    let (page, _, _) = finished(&server, &token, &page, Instant::now()).await;
    let (text, _, _) = finished(&server, &token, &text, Instant::now()).await;
    assert_eq!(
        (page["status"].as_str(), text["status"].as_str()),
        (Some("COMPLETED"), Some("COMPLETED"))
    );
    let hits = search(&server, &token, "condensation nuclei").await;
    assert!(
        hits.iter()
            .any(|h| h["kind"] == "NOTE" && h["id"] == page["noteId"]),
        "{hits:?}"
    );
    let hits = search(&server, &token, "semipermeable membrane").await;
    assert!(
        hits.iter()
            .any(|h| h["kind"] == "DOCUMENT" && h["parentId"] == text["documentId"]),
        "{hits:?}"
    );
}
