//! The composition: which adapter stands behind each port, from the configuration.

use std::sync::Arc;

use sophie_ai::{
    FsrsOptimizer, GoogleCalendar, HashingEmbedder, ModelExtractor, ModelGenerator,
    OfflineGenerator, OpenAiChat, OpenAiEmbedder, OpenAiTranscriber, OpenIdProvider, RuleExtractor,
    SafeFetcher, SafeFetcherConfig, YouTubeCaptions,
};
use sophie_api::auth::Argon2Hasher;
use sophie_api::{AlwaysReady, AppState, Readiness};
use sophie_domain::memory::{MemoryBlobStore, MemoryJobQueue, MemoryStore};
use sophie_domain::services::accounts::{AccountPorts, AccountService, CredentialJanitor};
use sophie_domain::services::budget::TokenBudget;
use sophie_domain::services::calendar::{CalendarLimits, CalendarService};
use sophie_domain::services::calendar_import::{
    CalendarImportLimits, CalendarImportPorts, CalendarImportService,
};
use sophie_domain::services::calendar_sync::{CalendarSyncPorts, CalendarSyncService, SyncTrigger};
use sophie_domain::services::documents::DocumentService;
use sophie_domain::services::event_extraction::{EventExtractionService, ExtractionPorts};
use sophie_domain::services::federation::{FederatedSignIn, FederationPorts};
use sophie_domain::services::generation::{GenerationLimits, GenerationPorts, GenerationService};
use sophie_domain::services::imports::{ImportPorts, ImportService};
use sophie_domain::services::ingestion::{IngestionPorts, IngestionService};
use sophie_domain::services::interchange::InterchangeService;
use sophie_domain::services::notes::NoteIndexService;
use sophie_domain::services::reminders::{ReminderPorts, ReminderService};
use sophie_domain::services::reviews::{FittingPorts, ParameterFitting};
use sophie_domain::services::sealing::TokenKeys;
use sophie_domain::{
    BlobStore, Clock, DomainError, DomainResult, Embedder, EventExtractor, FetchedResource,
    IdentityProvider, JobQueue, Repositories, StudyGenerator, SystemClock, Transcriber,
    VideoTranscripts, WebFetcher,
};
use sophie_jobs::anki::AnkiPackages;
use sophie_jobs::handlers::{self, JobServices};
use sophie_jobs::ingest::{FileExtractor, SentenceChunker};
use sophie_jobs::worker::{Worker, WorkerConfig};
use sophie_persistence::{
    Database, ObjectBlobStore, PostgresJobQueue, PostgresStore, run_pending_migrations,
};

use crate::config::Config;

/// Ready when PostgreSQL answers.
struct DatabaseReadiness(Database);

#[async_trait::async_trait]
impl Readiness for DatabaseReadiness {
    async fn check(&self) -> DomainResult<()> {
        self.0.ping().await
    }
}

/// The fetcher of a server told not to reach the web (`IMPORT_WEB_FETCH=false`).
struct NoWebFetch;

impl NoWebFetch {
    fn refusal() -> DomainError {
        DomainError::validation(
            "sourceUrl",
            "this server does not fetch web pages (IMPORT_WEB_FETCH is off)",
        )
    }
}

#[async_trait::async_trait]
impl WebFetcher for NoWebFetch {
    async fn check(&self, _url: String) -> DomainResult<()> {
        Err(Self::refusal())
    }

    async fn fetch(&self, _url: String) -> DomainResult<FetchedResource> {
        Err(Self::refusal())
    }
}

/// An OpenID Connect provider and the keys its tokens are sealed with.
pub type Identity = (Arc<dyn IdentityProvider>, Arc<TokenKeys>);

/// Every port, with the adapter the configuration picks.
#[derive(Clone)]
pub struct Wiring {
    /// The repositories.
    pub repositories: Repositories,
    /// Whether the storage answers.
    pub readiness: Arc<dyn Readiness>,
    /// The job queue.
    pub queue: Arc<dyn JobQueue>,
    /// Uploaded files.
    pub blobs: Arc<dyn BlobStore>,
    /// Turns text into vectors.
    pub embedder: Arc<dyn Embedder>,
    /// Fetches the web pages students import.
    pub web: Arc<dyn WebFetcher>,
    /// YouTube captions.
    pub videos: Arc<dyn VideoTranscripts>,
    /// Speech to text, when a server is configured.
    pub transcriber: Option<Arc<dyn Transcriber>>,
    /// Makes study material and answers: offline, or a model when `LLM_URL` is set.
    pub generator: Arc<dyn StudyGenerator>,
    /// What a generation may read and spend.
    pub generation_limits: GenerationLimits,
    /// Finds dated items in syllabi: by rules, or a model when `LLM_URL` is set.
    pub extractor: Arc<dyn EventExtractor>,
    /// The time.
    pub clock: Arc<dyn Clock>,
    /// True on the in-memory storage, which no other process can reach.
    pub in_memory: bool,
    /// The OpenID Connect provider and the keys its tokens are sealed with, when configured:
    /// one pair for the HTTP layer and the worker (on memory, the key of the process).
    pub identity: Option<Identity>,
}

impl Wiring {
    /// The adapters `config` names: PostgreSQL (migrated first) with files in the S3 bucket
    /// of `S3_BUCKET` or else in `BLOB_DIR`, or memory for everything; the offline embedder
    /// unless `EMBEDDINGS_URL` is set.
    ///
    /// # Errors
    ///
    /// When the database cannot be migrated, the blob directory or bucket cannot be used, or
    /// the embeddings settings are invalid.
    pub async fn from_config(config: &Config) -> Result<Self, String> {
        let mut wiring = Self::adapters(config).await?;
        wiring.identity = wiring.identity(config)?;
        Ok(wiring)
    }

    async fn adapters(config: &Config) -> Result<Self, String> {
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let embedder: Arc<dyn Embedder> = match &config.embeddings {
            None => Arc::new(HashingEmbedder::new()),
            Some(settings) => {
                let embedder = OpenAiEmbedder::new(settings.clone())
                    .map_err(|e| format!("EMBEDDINGS_*: {e}"))?;
                tracing::info!(endpoint = %embedder.endpoint(), model = %settings.model, "embeddings from a server");
                Arc::new(embedder)
            }
        };
        let web: Arc<dyn WebFetcher> = if config.web_fetch {
            let fetcher = SafeFetcher::new(SafeFetcherConfig {
                allow: config.fetch_allow.clone(),
                ..SafeFetcherConfig::default()
            })
            .map_err(|e| e.to_string())?;
            Arc::new(fetcher)
        } else {
            tracing::info!("IMPORT_WEB_FETCH is off: URL imports are refused");
            Arc::new(NoWebFetch)
        };
        let videos: Arc<dyn VideoTranscripts> =
            Arc::new(YouTubeCaptions::new(config.youtube.clone()).map_err(|e| e.to_string())?);
        let transcriber: Option<Arc<dyn Transcriber>> = match &config.transcriber {
            None => None,
            Some(settings) => {
                let transcriber = OpenAiTranscriber::new(settings.clone())
                    .map_err(|e| format!("TRANSCRIBE_*: {e}"))?;
                tracing::info!(endpoint = %transcriber.endpoint(), model = %settings.model, "transcription from a server");
                Some(Arc::new(transcriber))
            }
        };
        let (generator, generation_limits, extractor): (
            Arc<dyn StudyGenerator>,
            GenerationLimits,
            Arc<dyn EventExtractor>,
        ) = match &config.llm {
            None => (
                Arc::new(OfflineGenerator::new()),
                GenerationLimits::default(),
                Arc::new(RuleExtractor),
            ),
            Some(settings) => {
                let chat: Arc<OpenAiChat> = Arc::new(
                    OpenAiChat::new(settings.chat.clone()).map_err(|e| format!("LLM_*: {e}"))?,
                );
                tracing::info!(model = %settings.chat.model, "generation, answers and event extraction from a model server");
                let model = settings.chat.model.clone();
                (
                    Arc::new(ModelGenerator::new(chat.clone(), model.clone())),
                    GenerationLimits {
                        material_chars: settings.material_chars,
                        daily_tokens: Some(settings.daily_tokens),
                    },
                    Arc::new(ModelExtractor::new(chat, model)),
                )
            }
        };
        let outside = Outside {
            embedder,
            web,
            videos,
            transcriber,
            generator,
            generation_limits,
            extractor,
        };
        match &config.database {
            None => {
                tracing::warn!(
                    "DATABASE_URL is not set: serving from memory. Nothing will be kept after \
                     sophie stops. Set DATABASE_URL to a PostgreSQL database to keep data."
                );
                if let Some(s3) = &config.s3 {
                    tracing::warn!(
                        bucket = %s3.bucket,
                        "S3_BUCKET is not used without DATABASE_URL: files stay in memory"
                    );
                }
                Ok(Self {
                    repositories: MemoryStore::with_clock(clock.clone()).repositories(),
                    readiness: Arc::new(AlwaysReady),
                    queue: Arc::new(MemoryJobQueue::with_clock(clock.clone())),
                    blobs: Arc::new(MemoryBlobStore::new()),
                    embedder: outside.embedder,
                    web: outside.web,
                    videos: outside.videos,
                    transcriber: outside.transcriber,
                    generator: outside.generator,
                    generation_limits: outside.generation_limits,
                    extractor: outside.extractor,
                    clock,
                    in_memory: true,
                    identity: None,
                })
            }
            Some(database) => {
                let applied = run_pending_migrations(database)
                    .await
                    .map_err(|e| format!("cannot migrate the database: {e}"))?;
                if !applied.is_empty() {
                    tracing::info!(migrations = ?applied, "applied pending migrations");
                }
                let pool = Database::connect_lazy(database).map_err(|e| e.to_string())?;
                let blobs = match &config.s3 {
                    Some(s3) => ObjectBlobStore::s3(s3)?,
                    None => ObjectBlobStore::local(&config.blob_dir)?,
                };
                tracing::info!(
                    max_connections = database.max_connections,
                    files = blobs.description(),
                    "storing in PostgreSQL"
                );
                Ok(Self {
                    repositories: PostgresStore::with_clock(pool.clone(), clock.clone())
                        .repositories(),
                    readiness: Arc::new(DatabaseReadiness(pool.clone())),
                    queue: Arc::new(PostgresJobQueue::with_clock(pool, clock.clone())),
                    blobs: Arc::new(blobs),
                    embedder: outside.embedder,
                    web: outside.web,
                    videos: outside.videos,
                    transcriber: outside.transcriber,
                    generator: outside.generator,
                    generation_limits: outside.generation_limits,
                    extractor: outside.extractor,
                    clock,
                    in_memory: false,
                    identity: None,
                })
            }
        }
    }

    /// Uploads, downloads and reprocessing.
    #[must_use]
    pub fn documents(&self, config: &Config) -> DocumentService {
        DocumentService::new(
            self.repositories.documents.clone(),
            self.blobs.clone(),
            self.queue.clone(),
            self.clock.clone(),
            config.upload_limit,
        )
    }

    /// Document processing: the file readers, the chunker and the embedder.
    #[must_use]
    pub fn ingestion(&self) -> IngestionService {
        IngestionService::new(IngestionPorts {
            documents: self.repositories.documents.clone(),
            search: self.repositories.search.clone(),
            notifications: self.repositories.notifications.clone(),
            blobs: self.blobs.clone(),
            extractor: Arc::new(FileExtractor::default()),
            chunker: Arc::new(SentenceChunker::default()),
            embedder: self.embedder.clone(),
            queue: self.queue.clone(),
        })
    }

    /// Notes indexed for search.
    #[must_use]
    pub fn note_index(&self) -> NoteIndexService {
        NoteIndexService::new(
            self.repositories.notes.clone(),
            self.repositories.search.clone(),
            Arc::new(SentenceChunker::default()),
            self.embedder.clone(),
            self.queue.clone(),
        )
    }

    /// Imports of web pages, videos, recordings and files.
    #[must_use]
    pub fn imports(&self, config: &Config) -> ImportService {
        ImportService::new(ImportPorts {
            imports: self.repositories.import_jobs.clone(),
            notes: self.repositories.notes.clone(),
            courses: self.repositories.courses.clone(),
            documents: self.repositories.documents.clone(),
            notifications: self.repositories.notifications.clone(),
            blobs: self.blobs.clone(),
            queue: self.queue.clone(),
            extractor: Arc::new(FileExtractor::default()),
            web: self.web.clone(),
            videos: self.videos.clone(),
            transcriber: self.transcriber.clone(),
            document_service: Arc::new(self.documents(config)),
            ingestion: Arc::new(self.ingestion()),
            note_index: Arc::new(self.note_index()),
            interchange: Arc::new(self.interchange(config)),
            clock: self.clock.clone(),
        })
    }

    /// Flashcard sets in and out of files: tables of cards, and Anki packages within the
    /// configured limits.
    #[must_use]
    pub fn interchange(&self, config: &Config) -> InterchangeService {
        InterchangeService::new(self.repositories.flashcards.clone(), config.upload_limit)
            .with_packages(
                Arc::new(AnkiPackages),
                config.packages,
                self.repositories.reviews.clone(),
            )
    }

    /// Flashcard sets, quizzes and study guides generated from the student's material.
    #[must_use]
    pub fn generation(&self) -> GenerationService {
        GenerationService::new(
            GenerationPorts {
                generations: self.repositories.generations.clone(),
                notes: self.repositories.notes.clone(),
                documents: self.repositories.documents.clone(),
                courses: self.repositories.courses.clone(),
                search: self.repositories.search.clone(),
                queue: self.queue.clone(),
                generator: self.generator.clone(),
                clock: self.clock.clone(),
            },
            self.generation_limits,
        )
    }

    /// The service fitting review parameters with the `fsrs` optimizer.
    #[must_use]
    pub fn parameter_fitting(&self) -> ParameterFitting {
        ParameterFitting::new(FittingPorts {
            reviews: self.repositories.reviews.clone(),
            queue: self.queue.clone(),
            optimizer: Arc::new(FsrsOptimizer),
            notifications: self.repositories.notifications.clone(),
        })
    }

    /// The reminders of calendar events, sent by the worker.
    #[must_use]
    pub fn reminders(&self) -> ReminderService {
        ReminderService::new(ReminderPorts {
            calendar: self.repositories.calendar.clone(),
            notifications: self.repositories.notifications.clone(),
            queue: self.queue.clone(),
            clock: self.clock.clone(),
        })
    }

    /// iCalendar imports and subscriptions, with reminders for what they bring.
    #[must_use]
    pub fn calendar_imports(&self) -> CalendarImportService {
        CalendarImportService::new(
            CalendarImportPorts {
                calendar: self.repositories.calendar.clone(),
                web: self.web.clone(),
                queue: self.queue.clone(),
                clock: self.clock.clone(),
            },
            CalendarImportLimits::default(),
        )
        .with_reminders(Arc::new(self.reminders()))
    }

    /// Events extracted from syllabi, with reminders for those accepted; a model's tokens
    /// count against the students' daily budget.
    #[must_use]
    pub fn extractions(&self) -> EventExtractionService {
        EventExtractionService::new(ExtractionPorts {
            calendar: self.repositories.calendar.clone(),
            documents: self.repositories.documents.clone(),
            notes: self.repositories.notes.clone(),
            users: self.repositories.users.clone(),
            search: self.repositories.search.clone(),
            queue: self.queue.clone(),
            extractor: self.extractor.clone(),
        })
        .with_reminders(Arc::new(self.reminders()))
        .with_budget(TokenBudget::new(
            self.repositories.generations.clone(),
            self.clock.clone(),
            self.generation_limits.daily_tokens,
        ))
        .with_sync(SyncTrigger::new(
            self.repositories.calendar_syncs.clone(),
            self.queue.clone(),
            self.clock.clone(),
        ))
    }

    /// A worker that runs every kind of job on these adapters.
    ///
    /// # Errors
    ///
    /// When a `WORKER_*` setting is invalid.
    pub fn worker(&self, config: &Config) -> Result<Worker, String> {
        let services = JobServices {
            ingestion: Arc::new(self.ingestion()),
            documents: Arc::new(self.documents(config)),
            janitor: Arc::new(CredentialJanitor::new(
                self.repositories.sessions.clone(),
                self.repositories.verifications.clone(),
                self.clock.clone(),
            )),
            imports: Arc::new(self.imports(config)),
            note_index: Arc::new(self.note_index()),
            generation: Arc::new(self.generation()),
            parameter_fitting: Arc::new(self.parameter_fitting()),
            reminders: Arc::new(self.reminders()),
            calendar_imports: Arc::new(self.calendar_imports()),
            extractions: Arc::new(self.extractions()),
            calendar_sync: self
                .federation(config)?
                .map(|federation| self.calendar_sync(config, federation))
                .transpose()?
                .map(Arc::new),
        };
        let worker_config = WorkerConfig::from_env()?;
        Ok(Worker::new(
            self.queue.clone(),
            handlers::registry(&services),
            worker_config,
        )
        .with_clock(self.clock.clone()))
    }

    /// The HTTP layer's state.
    ///
    /// # Errors
    ///
    /// When the password hasher cannot start.
    pub fn app_state(&self, config: &Config) -> Result<AppState, String> {
        let passwords = Argon2Hasher::owasp().map_err(|e| e.to_string())?;
        let state = AppState::new(
            self.repositories.clone(),
            Arc::new(passwords),
            self.clock.clone(),
            self.readiness.clone(),
            config.api.clone(),
        )
        .with_documents(self.documents(config))
        .with_imports(self.imports(config))
        .with_generation(self.generation())
        .with_parameter_fitting(self.parameter_fitting())
        .with_packages(Arc::new(AnkiPackages), config.packages)
        .with_reminders(self.reminders())
        .with_calendar_imports(self.calendar_imports())
        .with_extractions(self.extractions())
        .with_answers(self.generator.clone(), self.generation_limits)
        .with_embedder(self.embedder.clone());
        self.with_federation(state, config)
    }

    /// The configured OpenID Connect provider, if any, and the keys its tokens are sealed
    /// with: `TOKEN_KEY`, or on memory without one a key that dies with the process.
    fn identity(&self, config: &Config) -> Result<Option<Identity>, String> {
        let Some(oidc) = &config.oidc else {
            return Ok(None);
        };
        let keys = match (&config.token_keys, self.in_memory) {
            (Some(keys), _) => keys.clone(),
            (None, true) => TokenKeys::ephemeral().map_err(|e| e.to_string())?,
            (None, false) => {
                return Err(
                    "OIDC_CLIENT_ID is set: set TOKEN_KEY too (id:base64 of 32 random \
                            bytes, for example `k1:$(openssl rand -base64 32)`), which seals the \
                            provider's tokens in the database"
                        .to_owned(),
                );
            }
        };
        let provider = OpenIdProvider::new(oidc.clone()).map_err(|e| e.to_string())?;
        Ok(Some((Arc::new(provider), Arc::new(keys))))
    }

    /// Sign-in with the configured provider, if any.
    fn with_federation(&self, state: AppState, config: &Config) -> Result<AppState, String> {
        let Some((provider, keys)) = &self.identity else {
            return Ok(state);
        };
        let state = state.with_federation(provider.clone(), keys.clone());
        let Some(federation) = state.federation.clone() else {
            return Ok(state);
        };
        let sync = self.calendar_sync(config, federation)?;
        Ok(state.with_calendar_sync(sync))
    }

    /// The provider's sign-in service for the worker, which reaches Google on students'
    /// behalf with the tokens it keeps.
    fn federation(&self, config: &Config) -> Result<Option<Arc<FederatedSignIn>>, String> {
        let Some((provider, keys)) = self.identity.clone() else {
            return Ok(None);
        };
        let passwords = Argon2Hasher::owasp().map_err(|e| e.to_string())?;
        let sessions = AccountService::new(
            AccountPorts {
                users: self.repositories.users.clone(),
                accounts: self.repositories.accounts.clone(),
                sessions: self.repositories.sessions.clone(),
                passwords: Arc::new(passwords),
                clock: self.clock.clone(),
            },
            config.api.session_policy(),
        );
        let ports = FederationPorts::over(&self.repositories, provider, self.clock.clone());
        Ok(Some(Arc::new(FederatedSignIn::new(ports, sessions, keys))))
    }

    /// The sync of students' calendars with Google Calendar (`GOOGLE_CALENDAR_BASE_URL`),
    /// run at least every `CALENDAR_SYNC_INTERVAL_SECS`; the events it pulls get their
    /// reminders.
    fn calendar_sync(
        &self,
        config: &Config,
        federation: Arc<FederatedSignIn>,
    ) -> Result<CalendarSyncService, String> {
        let google = GoogleCalendar::new(&config.google_calendar)
            .map_err(|e| format!("GOOGLE_CALENDAR_BASE_URL: {e}"))?;
        let events = CalendarService::new(
            self.repositories.calendar.clone(),
            self.repositories.courses.clone(),
            CalendarLimits::default(),
        )
        .with_reminders(Arc::new(self.reminders()));
        Ok(CalendarSyncService::new(
            CalendarSyncPorts {
                syncs: self.repositories.calendar_syncs.clone(),
                calendar: self.repositories.calendar.clone(),
                provider: Arc::new(google),
                queue: self.queue.clone(),
                clock: self.clock.clone(),
            },
            federation,
            events,
            config.calendar_sync_interval,
        ))
    }
}

/// The adapters of outside services.
struct Outside {
    embedder: Arc<dyn Embedder>,
    web: Arc<dyn WebFetcher>,
    videos: Arc<dyn VideoTranscripts>,
    transcriber: Option<Arc<dyn Transcriber>>,
    generator: Arc<dyn StudyGenerator>,
    generation_limits: GenerationLimits,
    extractor: Arc<dyn EventExtractor>,
}

/// The readiness check for a pool of one HTTP worker.
pub fn readiness(pool: Database) -> Arc<dyn Readiness> {
    Arc::new(DatabaseReadiness(pool))
}
