//! Every repository port in one value, as the program wires them.

use std::sync::Arc;

use super::{
    AccountRepository, CalendarRepository, CalendarSyncRepository, ChatRepository,
    CourseRepository, DocumentRepository, FlashcardRepository, GenerationRepository,
    ImportJobRepository, NoteRepository, NotificationRepository, QuizRepository, ReviewRepository,
    SearchIndex, SessionRepository, StudyGuideRepository, UserRepository, VerificationRepository,
};

/// One adapter for each repository port: the in-memory store or PostgreSQL. Cheap to clone.
#[derive(Clone)]
pub struct Repositories {
    /// Users.
    pub users: Arc<dyn UserRepository>,
    /// Sessions.
    pub sessions: Arc<dyn SessionRepository>,
    /// Sign-in accounts.
    pub accounts: Arc<dyn AccountRepository>,
    /// Email verifications and password resets.
    pub verifications: Arc<dyn VerificationRepository>,
    /// Courses.
    pub courses: Arc<dyn CourseRepository>,
    /// Notes.
    pub notes: Arc<dyn NoteRepository>,
    /// Documents.
    pub documents: Arc<dyn DocumentRepository>,
    /// Flashcard sets and cards.
    pub flashcards: Arc<dyn FlashcardRepository>,
    /// Quizzes, questions and responses.
    pub quizzes: Arc<dyn QuizRepository>,
    /// Study guides.
    pub study_guides: Arc<dyn StudyGuideRepository>,
    /// Card schedules, reviews and review settings.
    pub reviews: Arc<dyn ReviewRepository>,
    /// Generations and token usage.
    pub generations: Arc<dyn GenerationRepository>,
    /// Chats and messages.
    pub chats: Arc<dyn ChatRepository>,
    /// Calendar events.
    pub calendar: Arc<dyn CalendarRepository>,
    /// Calendar syncs with Google.
    pub calendar_syncs: Arc<dyn CalendarSyncRepository>,
    /// Import jobs.
    pub import_jobs: Arc<dyn ImportJobRepository>,
    /// Notifications.
    pub notifications: Arc<dyn NotificationRepository>,
    /// Document chunks and search.
    pub search: Arc<dyn SearchIndex>,
}

impl Repositories {
    /// Every port served by one adapter that implements them all.
    pub fn from_single<T>(adapter: Arc<T>) -> Self
    where
        T: UserRepository
            + SessionRepository
            + AccountRepository
            + VerificationRepository
            + CourseRepository
            + NoteRepository
            + DocumentRepository
            + FlashcardRepository
            + QuizRepository
            + StudyGuideRepository
            + ReviewRepository
            + GenerationRepository
            + ChatRepository
            + CalendarRepository
            + CalendarSyncRepository
            + ImportJobRepository
            + NotificationRepository
            + SearchIndex
            + 'static,
    {
        Self {
            users: adapter.clone(),
            sessions: adapter.clone(),
            accounts: adapter.clone(),
            verifications: adapter.clone(),
            courses: adapter.clone(),
            notes: adapter.clone(),
            documents: adapter.clone(),
            flashcards: adapter.clone(),
            quizzes: adapter.clone(),
            reviews: adapter.clone(),
            study_guides: adapter.clone(),
            generations: adapter.clone(),
            chats: adapter.clone(),
            calendar: adapter.clone(),
            calendar_syncs: adapter.clone(),
            import_jobs: adapter.clone(),
            notifications: adapter.clone(),
            search: adapter,
        }
    }
}
