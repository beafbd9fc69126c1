//! What handler tests share: an app on the in-memory adapters, and a client that talks to it
//! as a signed-in user (or as nobody) and reads its answers.
//!
//! ```ignore
//! let app = TestApp::start(state()).await;
//! let ada = app.signed_in("ada@example.com").await;
//! let created = ada.post("/api/v1/courses", json!({ "name": "Biology" })).await;
//! assert_eq!(created.status, 201);
//! let course = ada.get_ok(created.location.as_deref().unwrap()).await;
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fmt;
use std::future::Future;
use std::ops::Index;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;

use actix_web::body::{MessageBody, to_bytes};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::header::HeaderMap;
use actix_web::web::Bytes;
use actix_web::{App, test};
use chrono::TimeDelta;
use serde::Serialize;
use serde_json::Value;
use sophie_domain::memory::{MemoryBlobStore, MemoryJobQueue, MemoryStore};
use sophie_domain::services::documents::DocumentService;
use sophie_domain::services::generation::{GenerationLimits, GenerationPorts, GenerationService};
use sophie_domain::services::imports::{ImportPorts, ImportService};
use sophie_domain::services::ingestion::{IngestionPorts, IngestionService};
use sophie_domain::services::interchange::InterchangeService;
use sophie_domain::services::notes::NoteIndexService;
use sophie_domain::services::reviews::{FittingPorts, ParameterFitting};
use sophie_domain::values::{Email, Name};
use sophie_domain::{
    AnswerDraft, CardDraft, Citation, Generated, GenerationOptions, GuideDraft, Passage,
    PromptMessage, QuestionDraft, StudyGenerator, TextSink, TokenUsage,
};
use sophie_domain::{
    BlobStore, Clock, DomainError, DomainResult, FetchedResource, JobQueue, MockChunker,
    MockEmbedder, MockParameterOptimizer, MockTextExtractor, MockVideoTranscripts, NewSession,
    NewUser, SystemClock, UserId, WebFetcher,
};

use crate::auth::Argon2Hasher;
use crate::auth::token::new_token;
use crate::state::{AlwaysReady, ApiConfig, AppState};

/// State on a fresh in-memory store, with a fast (test-only) password hash.
pub(crate) fn state() -> AppState {
    state_with_queue(Arc::new(MemoryJobQueue::new()))
}

/// A web that holds every public address and refuses the private network `10.0.0.0/8`,
/// as the real fetcher would; nothing is ever fetched in handler tests (no worker runs).
pub(crate) struct StubWeb;

#[async_trait::async_trait]
impl WebFetcher for StubWeb {
    async fn check(&self, url: String) -> DomainResult<()> {
        if url.contains("://10.") {
            return Err(DomainError::validation(
                "sourceUrl",
                "10.0.0.1 is an address in a private network; sophie fetches only public web \
                 addresses",
            ));
        }
        Ok(())
    }

    async fn fetch(&self, _url: String) -> DomainResult<FetchedResource> {
        panic!("handler tests run no worker: nothing is fetched")
    }
}

/// A generator for handler tests: it answers with the first sentence of the first passage,
/// citing it, and drafts nothing else (generation runs in the worker, tested elsewhere).
pub(crate) struct QuotingGenerator;

impl QuotingGenerator {
    fn generated<T>(draft: T) -> DomainResult<Generated<T>> {
        Ok(Generated {
            draft,
            model: "quoting".to_owned(),
            usage: TokenUsage::default(),
        })
    }
}

#[async_trait::async_trait]
impl StudyGenerator for QuotingGenerator {
    fn name(&self) -> String {
        "quoting".to_owned()
    }

    async fn flashcards(
        &self,
        _material: Vec<Passage>,
        _options: GenerationOptions,
    ) -> DomainResult<Generated<Vec<CardDraft>>> {
        Self::generated(Vec::new())
    }

    async fn quiz(
        &self,
        _material: Vec<Passage>,
        _options: GenerationOptions,
    ) -> DomainResult<Generated<Vec<QuestionDraft>>> {
        Self::generated(Vec::new())
    }

    async fn study_guide(
        &self,
        _material: Vec<Passage>,
        _options: GenerationOptions,
    ) -> DomainResult<Generated<GuideDraft>> {
        Self::generated(GuideDraft {
            title: String::new(),
            summary: String::new(),
            sections: Vec::new(),
            key_terms: Vec::new(),
            practice: Vec::new(),
        })
    }

    async fn answer(
        &self,
        _question: String,
        _history: Vec<PromptMessage>,
        passages: Vec<Passage>,
    ) -> DomainResult<Generated<AnswerDraft>> {
        let first = passages.first().map_or("", |p| p.text.as_str());
        let sentence = first.split_inclusive('.').next().unwrap_or(first).trim();
        Self::generated(AnswerDraft {
            text: format!("Your material says: {sentence} [1]"),
            citations: vec![Citation {
                passage: 0,
                quote: sentence.to_owned(),
            }],
        })
    }

    /// Passes the answer on word by word, as a model streams it.
    async fn answer_streaming(
        &self,
        question: String,
        history: Vec<PromptMessage>,
        passages: Vec<Passage>,
        sink: TextSink,
    ) -> DomainResult<Generated<AnswerDraft>> {
        let made = self.answer(question, history, passages).await?;
        for word in made.draft.text.split_inclusive(' ') {
            sink(word);
        }
        Ok(made)
    }

    async fn summarize(&self, text: String) -> DomainResult<Generated<String>> {
        Self::generated(text)
    }
}

/// State on a fresh in-memory store whose uploads and imports enqueue into `queue`, with
/// files in memory. Imports are started, never run: their outside services are stubs.
pub(crate) fn state_with_queue(queue: Arc<dyn JobQueue>) -> AppState {
    let store = MemoryStore::new();
    let repositories = store.repositories();
    let blobs: Arc<dyn BlobStore> = Arc::new(MemoryBlobStore::new());
    let documents = DocumentService::new(
        repositories.documents.clone(),
        blobs.clone(),
        queue.clone(),
        Arc::new(SystemClock),
        1024 * 1024,
    );
    let embedder = Arc::new(MockEmbedder::new());
    let ingestion = IngestionService::new(IngestionPorts {
        documents: repositories.documents.clone(),
        search: repositories.search.clone(),
        notifications: repositories.notifications.clone(),
        blobs: blobs.clone(),
        extractor: Arc::new(MockTextExtractor::new()),
        chunker: Arc::new(MockChunker::new()),
        embedder: embedder.clone(),
        queue: queue.clone(),
    });
    let generator: Arc<dyn StudyGenerator> = Arc::new(QuotingGenerator);
    let generation = GenerationService::new(
        GenerationPorts {
            generations: repositories.generations.clone(),
            notes: repositories.notes.clone(),
            documents: repositories.documents.clone(),
            courses: repositories.courses.clone(),
            search: repositories.search.clone(),
            queue: queue.clone(),
            generator: generator.clone(),
            clock: Arc::new(SystemClock),
        },
        GenerationLimits::default(),
    );
    // Fittings are queued, never run here: the optimizer is the worker's.
    let fitting = ParameterFitting::new(FittingPorts {
        reviews: repositories.reviews.clone(),
        queue: queue.clone(),
        optimizer: Arc::new(MockParameterOptimizer::new()),
        notifications: repositories.notifications.clone(),
    });
    let imports = ImportService::new(ImportPorts {
        imports: repositories.import_jobs.clone(),
        notes: repositories.notes.clone(),
        courses: repositories.courses.clone(),
        documents: repositories.documents.clone(),
        notifications: repositories.notifications.clone(),
        blobs,
        queue: queue.clone(),
        extractor: Arc::new(MockTextExtractor::new()),
        web: Arc::new(StubWeb),
        videos: Arc::new(MockVideoTranscripts::new()),
        transcriber: None,
        document_service: Arc::new(documents.clone()),
        ingestion: Arc::new(ingestion),
        note_index: Arc::new(NoteIndexService::new(
            repositories.notes.clone(),
            repositories.search.clone(),
            Arc::new(MockChunker::new()),
            embedder,
            queue,
        )),
        interchange: Arc::new(InterchangeService::new(
            repositories.flashcards.clone(),
            documents.upload_limit(),
        )),
        clock: Arc::new(SystemClock),
    });
    AppState::new(
        repositories,
        Arc::new(Argon2Hasher::with_params(8, 1, 1).unwrap()),
        Arc::new(SystemClock),
        Arc::new(AlwaysReady),
        ApiConfig::default(),
    )
    .with_documents(documents)
    .with_imports(imports)
    .with_generation(generation)
    .with_parameter_fitting(fitting)
    .with_answers(generator, GenerationLimits::default())
}

/// A user with a live session (and no password); returns their id and bearer token.
pub(crate) async fn signed_in(state: &AppState, email: &str) -> (UserId, String) {
    let user = state
        .repositories
        .users
        .create(NewUser {
            name: Name::parse("Test Student").unwrap(),
            email: Email::parse(email).unwrap(),
            image: None,
        })
        .await
        .unwrap();
    let (token, hash) = new_token().unwrap();
    state
        .repositories
        .sessions
        .create(NewSession {
            user_id: user.id,
            token_hash: hash,
            expires_at: SystemClock.now() + TimeDelta::days(7),
            ip_address: None,
            user_agent: None,
        })
        .await
        .unwrap();
    (user.id, token)
}

type Call = Rc<dyn Fn(actix_http::Request) -> Pin<Box<dyn Future<Output = Reply>>>>;

/// The app, started once over some state; every client it hands out talks to this one app.
#[derive(Clone)]
pub(crate) struct TestApp {
    call: Call,
    /// The state the app runs on: to arrange data behind the API, and to check what it stored.
    pub(crate) state: AppState,
}

impl TestApp {
    /// Starts the whole app (routes, middleware, error handling) over `state`.
    pub(crate) async fn start(state: AppState) -> Self {
        let service = Rc::new(
            test::init_service(App::new().configure(|cfg| crate::configure(cfg, state.clone())))
                .await,
        );
        let call: Call = Rc::new(move |request| {
            let service = Rc::clone(&service);
            Box::pin(async move { Reply::of(service.call(request).await).await })
        });
        Self { call, state }
    }

    /// A client for a new user with a live session (see [`signed_in`]).
    pub(crate) async fn signed_in(&self, email: &str) -> TestClient {
        let (user_id, token) = signed_in(&self.state, email).await;
        TestClient {
            app: self.clone(),
            token: Some(token),
            user_id: Some(user_id),
        }
    }

    /// A client that sends `token` as its bearer token.
    pub(crate) fn with_token(&self, token: &str) -> TestClient {
        TestClient {
            app: self.clone(),
            token: Some(token.to_owned()),
            user_id: None,
        }
    }

    /// A client without any session.
    pub(crate) fn anonymous(&self) -> TestClient {
        TestClient {
            app: self.clone(),
            token: None,
            user_id: None,
        }
    }
}

/// Sends requests to a [`TestApp`], with `Authorization: Bearer <token>` when it has a token.
#[derive(Clone)]
pub(crate) struct TestClient {
    app: TestApp,
    token: Option<String>,
    user_id: Option<UserId>,
}

impl TestClient {
    /// The user this client was signed in as by [`TestApp::signed_in`].
    pub(crate) fn user_id(&self) -> UserId {
        self.user_id
            .expect("only a client from TestApp::signed_in knows its user")
    }

    /// The bearer token this client sends.
    pub(crate) fn token(&self) -> &str {
        self.token
            .as_deref()
            .expect("an anonymous client has no token")
    }

    /// Sends `request`, adding this client's bearer token.
    pub(crate) async fn send(&self, request: test::TestRequest) -> Reply {
        let request = match &self.token {
            Some(token) => request.insert_header(("Authorization", format!("Bearer {token}"))),
            None => request,
        };
        (self.app.call)(request.to_request()).await
    }

    /// `GET uri`.
    pub(crate) async fn get(&self, uri: &str) -> Reply {
        self.send(test::TestRequest::get().uri(uri)).await
    }

    /// `GET uri`, which must answer 200; its JSON body.
    pub(crate) async fn get_ok(&self, uri: &str) -> Value {
        let reply = self.get(uri).await;
        assert_eq!(reply.status, 200, "GET {uri}: {reply}");
        reply.body
    }

    /// `POST uri` with a JSON body.
    pub(crate) async fn post(&self, uri: &str, body: impl Serialize) -> Reply {
        self.send(test::TestRequest::post().uri(uri).set_json(body))
            .await
    }

    /// `POST uri` without a body.
    pub(crate) async fn post_empty(&self, uri: &str) -> Reply {
        self.send(test::TestRequest::post().uri(uri)).await
    }

    /// `PATCH uri` with a JSON body.
    pub(crate) async fn patch(&self, uri: &str, body: impl Serialize) -> Reply {
        self.send(test::TestRequest::patch().uri(uri).set_json(body))
            .await
    }

    /// `POST uri` with a `multipart/form-data` body of `parts`: (name, file name, bytes).
    pub(crate) async fn post_multipart(
        &self,
        uri: &str,
        parts: &[(&str, Option<&str>, &[u8])],
    ) -> Reply {
        let boundary = "sophie-test-boundary-7d1f";
        let mut body = Vec::new();
        for (name, file_name, bytes) in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let disposition = match file_name {
                Some(file_name) => format!(
                    "Content-Disposition: form-data; name=\"{name}\"; filename=\"{file_name}\"\r\n\
                     Content-Type: application/octet-stream\r\n\r\n"
                ),
                None => format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n"),
            };
            body.extend_from_slice(disposition.as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.send(
            test::TestRequest::post()
                .uri(uri)
                .insert_header((
                    "Content-Type",
                    format!("multipart/form-data; boundary={boundary}"),
                ))
                .set_payload(body),
        )
        .await
    }

    /// `DELETE uri`.
    pub(crate) async fn delete(&self, uri: &str) -> Reply {
        self.send(test::TestRequest::delete().uri(uri)).await
    }
}

/// An answer of the app, read whole.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The status code.
    pub(crate) status: u16,
    /// The `Location` header.
    pub(crate) location: Option<String>,
    /// Every header.
    pub(crate) headers: HeaderMap,
    /// The body as JSON; `null` when empty or of another type. A body that says it is JSON
    /// and is not fails the test.
    pub(crate) body: Value,
    /// The body as sent.
    pub(crate) raw: Bytes,
}

impl Reply {
    /// Reads an answer. An error the app's services return instead of a response becomes its
    /// error response, as the server would send it.
    async fn of<B: MessageBody>(result: Result<ServiceResponse<B>, actix_web::Error>) -> Self {
        let (status, headers, raw) = match result {
            Ok(response) => (
                response.status(),
                response.headers().clone(),
                test::read_body(response).await,
            ),
            Err(error) => {
                let response = error.error_response();
                (
                    response.status(),
                    response.headers().clone(),
                    to_bytes(response.into_body()).await.unwrap(),
                )
            }
        };
        let is_json = headers
            .get("Content-Type")
            .and_then(|value| value.to_str().ok())
            .is_none_or(|value| value.contains("json"));
        let body = if raw.is_empty() || !is_json {
            Value::Null
        } else {
            serde_json::from_slice(&raw).unwrap_or_else(|error| {
                panic!(
                    "the body is not JSON ({error}): {}",
                    String::from_utf8_lossy(&raw)
                )
            })
        };
        Self {
            status: status.as_u16(),
            location: headers
                .get("Location")
                .map(|value| value.to_str().unwrap().to_owned()),
            headers,
            body,
            raw,
        }
    }

    /// The value of header `name`, if present.
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }

    /// The fields a problem names (`errors[].field`), in order; fails unless the body is a
    /// problem that names fields.
    pub(crate) fn fields(&self) -> Vec<&str> {
        self.body["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("not a problem naming fields: {self}"))
            .iter()
            .map(|error| error["field"].as_str().unwrap())
            .collect()
    }

    /// The `id` of the resource in the body.
    pub(crate) fn id(&self) -> &str {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {self}"))
    }
}

/// `reply["title"]` reads the JSON body.
impl Index<&str> for Reply {
    type Output = Value;

    fn index(&self, key: &str) -> &Value {
        &self.body[key]
    }
}

/// The status and the body, for assertion messages.
impl fmt::Display for Reply {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}
