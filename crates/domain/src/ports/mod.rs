//! Ports: the traits the domain needs the outside world to implement.
//!
//! Repository ports store the aggregates; service ports reach models, files, queues, the
//! clock and the password hasher. All are `Send + Sync` with async methods (through
//! `async_trait`), so the program picks adapters at start-up and holds them as
//! `Arc<dyn Port>`. With the `mock` feature, each has a mockall mock (`MockCourseRepository`,
//! ...) for other crates' tests.
//!
//! Every method on a user's data takes the acting user's id and sees only that user's rows:
//! another user's row is reported exactly like a missing one
//! ([`crate::DomainError::NotFound`]).
//!
//! Lists are keyset-paginated on `(created_at, id)`, newest first, unless the method says
//! otherwise.

mod ai;
mod clock;
mod extraction;
mod generation;
mod identity;
mod ingest;
mod library;
mod packages;
mod password;
mod queue;
mod registry;
mod remote_calendar;
mod reviews;
mod search;
mod storage;
mod study;
mod web;
mod workspace;

pub use ai::{
    AudioFormat, AudioInput, ChatRole, Embedder, GenerationRequest, GenerationResponse,
    LanguageModel, PromptMessage, TextSink, TokenUsage, Transcriber, Transcript, TranscriptSegment,
    VideoTranscript, VideoTranscripts,
};
pub use clock::{Clock, SystemClock};
pub use extraction::{EventExtractor, ExtractionInput, FoundEvent, FoundEvents, PageText};
pub use generation::{
    AnswerDraft, CardDraft, Citation, Generated, GenerationOptions, GuideDraft, GuideSectionDraft,
    KeyTermDraft, Passage, PassageOrigin, QuestionDraft, StudyGenerator,
};
pub use identity::{
    AccountRepository, AuthorizationStart, IdentityProvider, ProviderIdentity, ProviderTokens,
    SessionRepository, UserRepository, VerificationRepository,
};
pub use ingest::{
    Chunker, DocumentFormat, ExtractedPage, ExtractedText, ExtractionFailure, TextChunk,
    TextExtractor,
};
pub use library::{CourseRepository, DocumentRepository, NoteRepository};
pub use packages::{
    DeckPackages, ExportedCard, PackageExport, PackageFormat, PackageLimits, ReadCard, ReadDeck,
    ReadPackage, ReadReview, SkippedNote,
};
pub use password::PasswordHasher;
pub use queue::{JobQueue, Rescued};
pub use registry::Repositories;
pub use remote_calendar::{
    CalendarProvider, CalendarSyncRepository, RemoteCalendar, RemoteEvent, RemoteEventPage,
    RemoteStatus, RemoteTime,
};
pub use reviews::{CardHistory, ParameterOptimizer, ReviewRepository};
pub use search::SearchIndex;
pub use storage::{BlobStore, StoredBlob};
pub use study::{FlashcardRepository, GenerationRepository, QuizRepository, StudyGuideRepository};
pub use web::{FetchedResource, WebFetcher};
pub use workspace::{
    CalendarRepository, ChatRepository, ImportJobRepository, NotificationRepository,
};

#[cfg(feature = "mock")]
pub use ai::{MockEmbedder, MockLanguageModel, MockTranscriber, MockVideoTranscripts};
#[cfg(feature = "mock")]
pub use clock::MockClock;
#[cfg(feature = "mock")]
pub use extraction::MockEventExtractor;
#[cfg(feature = "mock")]
pub use generation::MockStudyGenerator;
#[cfg(feature = "mock")]
pub use identity::{
    MockAccountRepository, MockIdentityProvider, MockSessionRepository, MockUserRepository,
    MockVerificationRepository,
};
#[cfg(feature = "mock")]
pub use ingest::{MockChunker, MockTextExtractor};
#[cfg(feature = "mock")]
pub use library::{MockCourseRepository, MockDocumentRepository, MockNoteRepository};
#[cfg(feature = "mock")]
pub use packages::MockDeckPackages;
#[cfg(feature = "mock")]
pub use password::MockPasswordHasher;
#[cfg(feature = "mock")]
pub use queue::MockJobQueue;
#[cfg(feature = "mock")]
pub use remote_calendar::{MockCalendarProvider, MockCalendarSyncRepository};
#[cfg(feature = "mock")]
pub use reviews::{MockParameterOptimizer, MockReviewRepository};
#[cfg(feature = "mock")]
pub use search::MockSearchIndex;
#[cfg(feature = "mock")]
pub use storage::MockBlobStore;
#[cfg(feature = "mock")]
pub use study::{
    MockFlashcardRepository, MockGenerationRepository, MockQuizRepository, MockStudyGuideRepository,
};
#[cfg(feature = "mock")]
pub use web::MockWebFetcher;
#[cfg(feature = "mock")]
pub use workspace::{
    MockCalendarRepository, MockChatRepository, MockImportJobRepository, MockNotificationRepository,
};
