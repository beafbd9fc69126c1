//! The generation benchmark, offline and in memory: a 20-page document (the study corpus,
//! `tests/fixtures/corpus`, laid out as 20 pages) chunked and embedded as ingestion does, then
//! timed through the services the worker and the API call:
//!
//! - a flashcard set of 20 cards, a quiz of 10 questions and a study guide, each a whole run of
//!   the generation service (material gathered from the document's chunks, drafted by the
//!   offline generator, checked, stored with its sources, notified);
//! - chat answers: a question asked in a chat, answered from the document through hybrid
//!   search (the offline embedder) with references, and stored.
//!
//! Run by `just bench-generate` (`cargo bench --bench generate`). Settings: `BENCH_RUNS` (20
//! runs of each generation), `BENCH_QUESTIONS` (200 chat questions).

#![allow(
    clippy::print_stdout,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_sign_loss
)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sophie_ai::{HashingEmbedder, OfflineGenerator};
use sophie_domain::jobs::RunGeneration;
use sophie_domain::memory::{MemoryJobQueue, MemoryStore};
use sophie_domain::services::chat::{ChatPorts, ChatService};
use sophie_domain::services::generation::{
    GenerationLimits, GenerationOutcome, GenerationPorts, GenerationService,
};
use sophie_domain::services::search::SearchService;
use sophie_domain::values::{Email, FileSize, MessageText, Name, ShortText, Title};
use sophie_domain::{
    Chunker, Difficulty, DocumentStatus, DocumentUpdate, Embedder, ExtractedPage, GenerationKind,
    GenerationSettings, GenerationSource, NewChatSession, NewDocument, NewDocumentChunk, NewUser,
    Repositories, StudyGenerator, SystemClock, UserId,
};
use sophie_jobs::ingest::SentenceChunker;

const PAGES: usize = 20;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The corpus as 20 pages of about equal length, cut at paragraphs.
fn pages() -> Vec<ExtractedPage> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "md"))
        .collect();
    files.sort();
    let paragraphs: Vec<String> = files
        .iter()
        .flat_map(|file| {
            std::fs::read_to_string(file)
                .unwrap()
                .split("\n\n")
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(
        paragraphs.len() >= PAGES,
        "the corpus has too few paragraphs"
    );
    // Each paragraph goes to the page its middle falls on, so the pages come out about equal;
    // a page left empty by a long paragraph takes the next one.
    let total: usize = paragraphs.iter().map(String::len).sum();
    let mut texts: Vec<String> = vec![String::new(); PAGES];
    let mut before = 0;
    for paragraph in &paragraphs {
        let middle = before + paragraph.len() / 2;
        before += paragraph.len();
        let page = (middle * PAGES / total).min(PAGES - 1);
        let page = (0..=page)
            .find(|p| texts[*p].is_empty() && (*p == 0 || !texts[p - 1].is_empty()))
            .filter(|p| *p < page && texts[page].is_empty())
            .unwrap_or(page);
        if !texts[page].is_empty() {
            texts[page].push('\n');
        }
        texts[page].push_str(paragraph);
    }
    let pages: Vec<ExtractedPage> = texts
        .into_iter()
        .enumerate()
        .filter(|(_, text)| !text.is_empty())
        .map(|(index, text)| ExtractedPage {
            number: u32::try_from(index + 1).unwrap(),
            heading: None,
            text,
        })
        .collect();
    pages
}

/// A student with the 20-page document, processed: chunked and embedded as ingestion does.
async fn student(r: &Repositories, embedder: &HashingEmbedder) -> (UserId, GenerationSource) {
    let user = r
        .users
        .create(NewUser {
            name: Name::parse("Ada").unwrap(),
            email: Email::parse("ada@example.com").unwrap(),
            image: None,
        })
        .await
        .unwrap()
        .id;
    let document = r
        .documents
        .create(
            user,
            NewDocument {
                course_id: None,
                title: Title::parse("Four subjects").unwrap(),
                file_name: ShortText::parse("four-subjects.pdf").unwrap(),
                mime_type: ShortText::parse("application/pdf").unwrap(),
                file_size: FileSize::new(100_000).unwrap(),
                storage_key: "bench".to_owned(),
                checksum_sha256: "ab".repeat(32),
            },
        )
        .await
        .unwrap();
    let pages = pages();
    assert_eq!(pages.len(), PAGES);
    let chunks = SentenceChunker::default().chunk(&pages);
    let vectors = embedder
        .embed(chunks.iter().map(|c| c.content.clone()).collect())
        .await
        .unwrap();
    let count = chunks.len();
    r.search
        .replace_chunks(
            user,
            document.id,
            chunks
                .into_iter()
                .zip(vectors)
                .enumerate()
                .map(|(index, (chunk, vector))| NewDocumentChunk {
                    content: chunk.content,
                    page_number: Some(i32::try_from(chunk.page_number).unwrap()),
                    chunk_index: i32::try_from(index).unwrap(),
                    embedding: Some(vector),
                    embedding_model: Some(embedder.model()),
                })
                .collect(),
        )
        .await
        .unwrap();
    r.documents
        .update(
            user,
            document.id,
            DocumentUpdate {
                status: Some(DocumentStatus::Ready),
                ..DocumentUpdate::default()
            },
        )
        .await
        .unwrap();
    println!("document: {PAGES} pages, {count} chunks");
    (user, GenerationSource::Document(document.id))
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

fn report(what: &str, mut times: Vec<Duration>, items: usize) {
    times.sort();
    println!(
        "{what:<28} {items:>3} items   p50 {:>8.2} ms   p95 {:>8.2} ms   ({} runs)",
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
        times.len()
    );
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let runs = env_or("BENCH_RUNS", 20);
    let questions = env_or("BENCH_QUESTIONS", 200);
    let store = MemoryStore::new();
    let r = store.repositories();
    let embedder = HashingEmbedder::new();
    let (user, source) = student(&r, &embedder).await;
    let generator: Arc<dyn StudyGenerator> = Arc::new(OfflineGenerator::new());
    let service = GenerationService::new(
        GenerationPorts {
            generations: r.generations.clone(),
            notes: r.notes.clone(),
            documents: r.documents.clone(),
            courses: r.courses.clone(),
            search: r.search.clone(),
            queue: Arc::new(MemoryJobQueue::new()),
            generator: generator.clone(),
            clock: Arc::new(SystemClock),
        },
        GenerationLimits::default(),
    );
    for (what, kind, count) in [
        ("flashcards (20 asked)", GenerationKind::Flashcards, 20),
        ("quiz (10 asked)", GenerationKind::Quiz, 10),
        ("study guide", GenerationKind::StudyGuide, 10),
    ] {
        let mut times = Vec::with_capacity(runs);
        let mut made = 0;
        for _ in 0..runs {
            let job = service
                .start(
                    user,
                    kind,
                    source,
                    GenerationSettings {
                        count,
                        difficulty: Difficulty::Medium,
                        question_types: Vec::new(),
                        title: None,
                    },
                )
                .await
                .unwrap();
            let run = RunGeneration {
                user_id: user,
                generation_job_id: job.id,
            };
            let started = Instant::now();
            let outcome = service.run(&run).await.unwrap();
            times.push(started.elapsed());
            let GenerationOutcome::Completed { items, .. } = outcome else {
                panic!("{what}: {outcome:?}")
            };
            made = items;
        }
        report(what, times, made);
    }

    let chat = ChatService::new(
        ChatPorts {
            chats: r.chats.clone(),
            notes: r.notes.clone(),
            index: r.search.clone(),
            search: Arc::new(
                SearchService::new(r.search.clone()).with_embedder(Arc::new(embedder.clone())),
            ),
            generator,
            generations: r.generations.clone(),
            clock: Arc::new(SystemClock),
        },
        None,
    );
    let session = r
        .chats
        .create_session(
            user,
            NewChatSession {
                title: Title::parse("Bench").unwrap(),
                course_id: None,
            },
        )
        .await
        .unwrap();
    let asked = [
        "What does the Golgi apparatus do?",
        "What is osmosis?",
        "What is the sample space of an experiment?",
        "Why is the gambler's fallacy wrong?",
        "What is the dew point?",
        "What is transpiration?",
        "Who was the Black Hand?",
        "How did militarism cause the war?",
        "What are independent events?",
        "How do I bake sourdough bread?",
    ];
    let mut times = Vec::with_capacity(questions);
    let mut cited = 0;
    for n in 0..questions {
        let question = MessageText::parse(asked[n % asked.len()]).unwrap();
        let started = Instant::now();
        let exchange = chat
            .ask(user, session.id, question, Vec::new())
            .await
            .unwrap();
        times.push(started.elapsed());
        if !exchange.answer.references.is_empty() {
            cited += 1;
        }
    }
    report("chat answer", times, 0);
    println!("chat answers citing the document: {cited} of {questions}");
}
