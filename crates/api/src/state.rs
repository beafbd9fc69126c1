//! What every handler can reach: the ports, the clock, the limits.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use sophie_domain::services::accounts::{AccountPorts, AccountService, SessionPolicy};
use sophie_domain::services::agenda::AgendaService;
use sophie_domain::services::calendar::{CalendarLimits, CalendarService};
use sophie_domain::services::calendar_import::CalendarImportService;
use sophie_domain::services::calendar_sync::CalendarSyncService;
use sophie_domain::services::chat::{ChatPorts, ChatService};
use sophie_domain::services::documents::{DEFAULT_UPLOAD_LIMIT, DocumentService};
use sophie_domain::services::event_extraction::EventExtractionService;
use sophie_domain::services::federation::{FederatedSignIn, FederationPorts};
use sophie_domain::services::generation::{GenerationLimits, GenerationService};
use sophie_domain::services::imports::ImportService;
use sophie_domain::services::interchange::InterchangeService;
use sophie_domain::services::quizzes::QuizService;
use sophie_domain::services::reminders::ReminderService;
use sophie_domain::services::reviews::ParameterFitting;
use sophie_domain::services::sealing::TokenKeys;
use sophie_domain::services::search::SearchService;
use sophie_domain::services::summaries::{SummaryPorts, SummaryService};
use sophie_domain::{
    Clock, DeckPackages, DomainError, DomainResult, Embedder, IdentityProvider, PackageLimits,
    PasswordHasher, Repositories, StudyGenerator,
};

use crate::auth::rate_limit::RateLimiter;

/// Tells whether the storage answers, for `/readyz`.
#[async_trait]
pub trait Readiness: Send + Sync {
    /// `Ok` when requests can be served.
    async fn check(&self) -> DomainResult<()>;
}

/// Always ready: the in-memory storage.
#[derive(Debug, Clone, Copy, Default)]
pub struct AlwaysReady;

#[async_trait]
impl Readiness for AlwaysReady {
    async fn check(&self) -> DomainResult<()> {
        Ok(())
    }
}

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct ApiConfig {
    /// The largest JSON body accepted, in bytes.
    pub json_limit: usize,
    /// Whether the session cookie carries `Secure` (on by default; browsers accept it on
    /// `localhost` too).
    pub secure_cookies: bool,
    /// How long a session lives without use.
    pub session_ttl: Duration,
    /// How often, at most, a session's expiry is pushed back on use.
    pub session_renewal: Duration,
    /// The longest a session lives after sign-in, renewals included.
    pub session_max_age: Duration,
    /// Sign-in and sign-up attempts allowed per client IP per window.
    pub attempts_per_ip: u32,
    /// Sign-in and sign-up attempts allowed per email from one client IP per window (from
    /// every IP together, five times as many go at full speed, then the account is slowed;
    /// see [`crate::auth::rate_limit`]). Also the password changes allowed per user.
    pub attempts_per_email: u32,
    /// The rate-limit window.
    pub attempt_window: Duration,
    /// Whether one reverse proxy in front appends the client's address to `X-Forwarded-For`,
    /// so the client's IP is that last entry (off: the peer address, which a client cannot
    /// forge).
    pub trust_proxy: bool,
}

impl ApiConfig {
    /// How sessions live, as the domain counts it (durations past chrono's range saturate).
    #[must_use]
    pub fn session_policy(&self) -> SessionPolicy {
        let delta = |d: Duration| chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX);
        SessionPolicy {
            ttl: delta(self.session_ttl),
            renewal: delta(self.session_renewal),
            max_age: delta(self.session_max_age),
        }
    }
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            json_limit: 1024 * 1024,
            secure_cookies: true,
            session_ttl: Duration::from_secs(7 * 24 * 3600),
            session_renewal: Duration::from_secs(24 * 3600),
            session_max_age: Duration::from_secs(30 * 24 * 3600),
            attempts_per_ip: 30,
            attempts_per_email: 10,
            attempt_window: Duration::from_secs(15 * 60),
            trust_proxy: false,
        }
    }
}

/// The application's shared state. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Every repository.
    pub repositories: Repositories,
    /// Search over the student's material, on `repositories.search`: lexical, or hybrid once
    /// [`AppState::with_embedder`] gives it an embedder.
    pub search: Arc<SearchService>,
    /// Hashes and checks passwords.
    pub passwords: Arc<dyn PasswordHasher>,
    /// Tells the time.
    pub clock: Arc<dyn Clock>,
    /// Whether the storage answers.
    pub readiness: Arc<dyn Readiness>,
    /// Sign-in and sign-up attempts.
    pub limiter: Arc<RateLimiter>,
    /// Settings.
    pub config: Arc<ApiConfig>,
    /// Sign-up, sign-in and sessions.
    pub accounts: Arc<AccountService>,
    /// Uploads, downloads and reprocessing of documents, once a file store is wired in.
    pub documents: Option<Arc<DocumentService>>,
    /// Starting imports, once the program wires in what they reach.
    pub imports: Option<Arc<ImportService>>,
    /// Quizzes, their questions and graded attempts, over `repositories.quizzes`.
    pub quizzes: Arc<QuizService>,
    /// Generating study material, once the program wires in a generator.
    pub generation: Option<Arc<GenerationService>>,
    /// Fitting the scheduler to a student's reviews, once the program wires it in.
    pub parameter_fitting: Option<Arc<ParameterFitting>>,
    /// What writes chat answers and summaries, within its limits, once the program wires one
    /// in.
    pub answers: Option<(Arc<dyn StudyGenerator>, GenerationLimits)>,
    /// What reads flashcard packages (Anki's), within its limits, once the program wires one
    /// in.
    pub packages: Option<(Arc<dyn DeckPackages>, PackageLimits)>,
    /// Scheduling the reminders of calendar events, once the program wires in a queue.
    pub reminders: Option<Arc<ReminderService>>,
    /// iCalendar imports and subscriptions, once the program wires in the web and a queue.
    pub calendar_imports: Option<Arc<CalendarImportService>>,
    /// Events extracted from syllabi, once the program wires in an extractor and a queue.
    pub extractions: Option<Arc<EventExtractionService>>,
    /// Sign-in with an OpenID Connect provider, once one is configured.
    pub federation: Option<Arc<FederatedSignIn>>,
    /// The sync of students' calendars with Google Calendar, once a provider is configured.
    pub calendar_sync: Option<Arc<CalendarSyncService>>,
}

impl AppState {
    /// State over these ports with the given settings.
    #[must_use]
    pub fn new(
        repositories: Repositories,
        passwords: Arc<dyn PasswordHasher>,
        clock: Arc<dyn Clock>,
        readiness: Arc<dyn Readiness>,
        config: ApiConfig,
    ) -> Self {
        let limiter = Arc::new(RateLimiter::new(
            config.attempts_per_ip,
            config.attempts_per_email,
            config.attempt_window,
        ));
        let accounts = Arc::new(AccountService::new(
            AccountPorts {
                users: repositories.users.clone(),
                accounts: repositories.accounts.clone(),
                sessions: repositories.sessions.clone(),
                passwords: passwords.clone(),
                clock: clock.clone(),
            },
            config.session_policy(),
        ));
        let quizzes = Arc::new(QuizService::new(
            repositories.quizzes.clone(),
            clock.clone(),
        ));
        Self {
            accounts,
            search: Arc::new(SearchService::new(Arc::clone(&repositories.search))),
            repositories,
            passwords,
            clock,
            readiness,
            limiter,
            config: Arc::new(config),
            documents: None,
            imports: None,
            quizzes,
            generation: None,
            parameter_fitting: None,
            answers: None,
            packages: None,
            reminders: None,
            calendar_imports: None,
            extractions: None,
            federation: None,
            calendar_sync: None,
        }
    }

    /// The same state over other repositories (each HTTP worker's own connection pool): the
    /// services built on them are rebuilt; the rate limits and the document service are
    /// shared, and search keeps its embedder.
    #[must_use]
    pub fn on_repositories(
        &self,
        repositories: Repositories,
        readiness: Arc<dyn Readiness>,
    ) -> Self {
        let mut state = Self::new(
            repositories,
            self.passwords.clone(),
            self.clock.clone(),
            readiness,
            (*self.config).clone(),
        );
        state.limiter = self.limiter.clone();
        state.documents = self.documents.clone();
        state.imports = self.imports.clone();
        state.generation = self.generation.clone();
        state.parameter_fitting = self.parameter_fitting.clone();
        state.answers = self.answers.clone();
        state.packages = self.packages.clone();
        state.reminders = self.reminders.clone();
        state.calendar_imports = self.calendar_imports.clone();
        state.extractions = self.extractions.clone();
        // Sign-ins through a provider are rare: they share the common pool.
        state.federation = self.federation.clone();
        state.calendar_sync = self.calendar_sync.clone();
        state.search = Arc::new(SearchService {
            index: Arc::clone(&state.repositories.search),
            embedder: self.search.embedder.clone(),
        });
        state
    }

    /// The same state, its search hybrid: query texts are embedded by `embedder` and fused
    /// with the lexical ranking (lexical only while the embedder is unavailable).
    #[must_use]
    pub fn with_embedder(self, embedder: Arc<dyn Embedder>) -> Self {
        let search = SearchService::clone(&self.search).with_embedder(embedder);
        Self {
            search: Arc::new(search),
            ..self
        }
    }

    /// The same state, signing in through `provider`, its tokens sealed with `keys`.
    #[must_use]
    pub fn with_federation(
        mut self,
        provider: Arc<dyn IdentityProvider>,
        keys: Arc<TokenKeys>,
    ) -> Self {
        let ports = FederationPorts::over(&self.repositories, provider, self.clock.clone());
        let sessions = AccountService::clone(&self.accounts);
        self.federation = Some(Arc::new(FederatedSignIn::new(ports, sessions, keys)));
        self
    }

    /// The same state, syncing students' calendars with Google through `sync`.
    #[must_use]
    pub fn with_calendar_sync(mut self, sync: CalendarSyncService) -> Self {
        self.calendar_sync = Some(Arc::new(sync));
        self
    }

    /// The same state, storing documents' files through `documents`.
    #[must_use]
    pub fn with_documents(mut self, documents: DocumentService) -> Self {
        self.documents = Some(Arc::new(documents));
        self
    }

    /// The same state, starting imports through `imports`.
    #[must_use]
    pub fn with_imports(mut self, imports: ImportService) -> Self {
        self.imports = Some(Arc::new(imports));
        self
    }

    /// The same state, generating study material through `generation`.
    #[must_use]
    pub fn with_generation(mut self, generation: GenerationService) -> Self {
        self.generation = Some(Arc::new(generation));
        self
    }

    /// The same state, fitting review parameters through `fitting`.
    #[must_use]
    pub fn with_parameter_fitting(mut self, fitting: ParameterFitting) -> Self {
        self.parameter_fitting = Some(Arc::new(fitting));
        self
    }

    /// The same state, importing iCalendar files and URLs with `imports`.
    #[must_use]
    pub fn with_calendar_imports(mut self, imports: CalendarImportService) -> Self {
        self.calendar_imports = Some(Arc::new(imports));
        self
    }

    /// The same state, extracting events from syllabi with `extractions`.
    #[must_use]
    pub fn with_extractions(mut self, extractions: EventExtractionService) -> Self {
        self.extractions = Some(Arc::new(extractions));
        self
    }

    /// The same state, scheduling the reminders of calendar events with `reminders`.
    #[must_use]
    pub fn with_reminders(mut self, reminders: ReminderService) -> Self {
        self.reminders = Some(Arc::new(reminders));
        self
    }

    /// The same state, importing flashcard packages read by `reader` within `limits`.
    #[must_use]
    pub fn with_packages(mut self, reader: Arc<dyn DeckPackages>, limits: PackageLimits) -> Self {
        self.packages = Some((reader, limits));
        self
    }

    /// The same state, answering chat questions and summarizing with `generator`, within
    /// `limits` (the daily tokens of a student, the characters of text read).
    #[must_use]
    pub fn with_answers(
        mut self,
        generator: Arc<dyn StudyGenerator>,
        limits: GenerationLimits,
    ) -> Self {
        self.answers = Some((generator, limits));
        self
    }

    /// Summaries of notes and documents over these repositories.
    ///
    /// # Errors
    ///
    /// `NotImplemented` when the program wired no generator (never in `sophie serve`).
    pub fn summaries(&self) -> DomainResult<SummaryService> {
        let (generator, limits) = self.answers.clone().ok_or(DomainError::NotImplemented {
            feature: "summaries",
        })?;
        Ok(SummaryService::new(
            SummaryPorts {
                notes: self.repositories.notes.clone(),
                documents: self.repositories.documents.clone(),
                search: self.repositories.search.clone(),
                generator,
                generations: self.repositories.generations.clone(),
                clock: self.clock.clone(),
            },
            limits.material_chars,
            limits.daily_tokens,
        ))
    }

    /// Chat answers over these repositories and this search.
    ///
    /// # Errors
    ///
    /// `NotImplemented` when the program wired no generator (never in `sophie serve`).
    pub fn chat(&self) -> DomainResult<ChatService> {
        let (generator, limits) = self.answers.clone().ok_or(DomainError::NotImplemented {
            feature: "chat answers",
        })?;
        Ok(ChatService::new(
            ChatPorts {
                chats: self.repositories.chats.clone(),
                notes: self.repositories.notes.clone(),
                index: self.repositories.search.clone(),
                search: self.search.clone(),
                generator,
                generations: self.repositories.generations.clone(),
                clock: self.clock.clone(),
            },
            limits.daily_tokens,
        ))
    }

    /// The calendar read as occurrences, and single occurrences changed.
    #[must_use]
    pub fn calendar(&self) -> CalendarService {
        let service = CalendarService::new(
            self.repositories.calendar.clone(),
            self.repositories.courses.clone(),
            CalendarLimits::default(),
        );
        let service = match &self.reminders {
            Some(reminders) => service.with_reminders(reminders.clone()),
            None => service,
        };
        match &self.calendar_sync {
            Some(sync) => service.with_sync(sync.trigger()),
            None => service,
        }
    }

    /// The coming days of the calendar with what to study for each event.
    #[must_use]
    pub fn agenda(&self) -> AgendaService {
        AgendaService::new(
            self.calendar(),
            self.repositories.reviews.clone(),
            self.repositories.quizzes.clone(),
            self.clock.clone(),
        )
    }

    /// Flashcard sets imported from files and exported as CSV, over these repositories, taking
    /// files up to the upload limit of documents (the default limit without a document
    /// service), and packages when a reader is wired in.
    #[must_use]
    pub fn interchange(&self) -> InterchangeService {
        let limit = self
            .documents
            .as_deref()
            .map_or(DEFAULT_UPLOAD_LIMIT, DocumentService::upload_limit);
        let service = InterchangeService::new(self.repositories.flashcards.clone(), limit);
        match &self.packages {
            Some((reader, limits)) => {
                service.with_packages(reader.clone(), *limits, self.repositories.reviews.clone())
            }
            None => service,
        }
    }

    /// The generation service.
    ///
    /// # Errors
    ///
    /// `NotImplemented` when the program wired none (never in `sophie serve`).
    pub fn generation(&self) -> DomainResult<&GenerationService> {
        self.generation
            .as_deref()
            .ok_or(DomainError::NotImplemented {
                feature: "generating study material",
            })
    }

    /// The service fitting review parameters.
    ///
    /// # Errors
    ///
    /// `NotImplemented` when the program wired none (never in `sophie serve`).
    pub fn parameter_fitting(&self) -> DomainResult<&ParameterFitting> {
        self.parameter_fitting
            .as_deref()
            .ok_or(DomainError::NotImplemented {
                feature: "fitting review parameters",
            })
    }

    /// The import service.
    ///
    /// # Errors
    ///
    /// `NotImplemented` when the program wired none (never in `sophie serve`).
    pub fn imports(&self) -> DomainResult<&ImportService> {
        self.imports.as_deref().ok_or(DomainError::NotImplemented {
            feature: "starting imports",
        })
    }

    /// The document service.
    ///
    /// # Errors
    ///
    /// `NotImplemented` when the program wired no file store (never in `sophie serve`).
    pub fn documents(&self) -> DomainResult<&DocumentService> {
        self.documents
            .as_deref()
            .ok_or(DomainError::NotImplemented {
                feature: "storing document files",
            })
    }
}

#[cfg(test)]
mod tests {
    use sophie_domain::memory::MemoryStore;
    use sophie_domain::values::{Email, Name, Title};
    use sophie_domain::{Difficulty, NewQuiz, NewUser, SourceLinks};

    use super::*;
    use crate::test_support::state;

    #[actix_web::test]
    async fn the_services_follow_the_repositories_they_are_given() {
        let shared = state();
        let store = MemoryStore::new();
        let own = shared.on_repositories(store.repositories(), Arc::new(AlwaysReady));
        let user = own
            .repositories
            .users
            .create(NewUser {
                name: Name::parse("Ada").unwrap(),
                email: Email::parse("ada@example.com").unwrap(),
                image: None,
            })
            .await
            .unwrap()
            .id;
        let quiz = own
            .quizzes
            .create(
                user,
                NewQuiz {
                    title: Title::parse("Cells").unwrap(),
                    description: None,
                    difficulty: Difficulty::Easy,
                    time_limit: None,
                    links: SourceLinks::default(),
                    questions: vec![],
                },
            )
            .await
            .unwrap();
        let stored = store.repositories().quizzes.get(user, quiz.quiz.id).await;
        assert_eq!(
            stored.unwrap(),
            quiz,
            "written through the new repositories"
        );
        let elsewhere = shared.quizzes.get(user, quiz.quiz.id).await;
        assert!(matches!(elsewhere, Err(DomainError::NotFound { .. })));
    }
}
