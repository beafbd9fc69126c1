//! The platform's entities as stored, and the commands that create and change them.
//!
//! Entities are plain data read from storage. Commands (`New*`, `*Update`) hold validated
//! values only, so a repository never receives an invalid one. In an update, `None` leaves a
//! field as it is; for a nullable field `Some(None)` clears it.

mod auth;
mod background_job;
mod calendar;
mod calendar_sync;
mod chat;
mod course;
mod deck_import;
mod document;
mod extraction;
mod flashcard;
mod generation;
mod import_job;
mod links;
mod note;
mod notification;
mod quiz;
mod review;
mod search;
mod study_guide;
mod user;

pub use auth::{
    Account, AccountTokens, LinkedAccount, NewAccount, NewSession, NewVerification, Session,
    Verification,
};
pub use background_job::{BackgroundJob, NewBackgroundJob};
pub use calendar::{
    Agenda, AgendaItem, CalendarEvent, CalendarEventUpdate, CalendarFilter, CalendarImport,
    CalendarImported, CalendarSubscription, EventException, EventOccurrence, EventWithExceptions,
    ImportedCalendarEvent, NewCalendarEvent, NewEventException, QuizToTake, StudyFor,
};
pub use calendar_sync::{CalendarSync, SyncBacklog, SyncProgress};
pub use chat::{
    ChatMessage, ChatReference, ChatSession, ChatSessionFilter, ChatSessionUpdate, NewChatMessage,
    NewChatSession,
};
pub use course::{Course, CourseUpdate, NewCourse};
pub use deck_import::{
    DeckImport, DecksImported, ImportedDecks, ImportedSetRef, KeyedCard, KeyedDeck, PackageFormat,
    SkippedNote,
};
pub use document::{Document, DocumentFilter, DocumentUpdate, NewDocument};
pub use extraction::{
    EventExtraction, EventProposal, ExtractionEnd, ExtractionSource, NewEventExtraction,
    ProposalSource,
};
pub use flashcard::{
    Flashcard, FlashcardSet, FlashcardSetFilter, FlashcardSetUpdate, FlashcardSetWithCards,
    FlashcardUpdate, NewFlashcard, NewFlashcardSet,
};
pub use generation::{
    GeneratedResult, GenerationFinish, GenerationJob, GenerationSettings, GenerationSource,
    NewGenerationJob, SourceQuote,
};
pub use import_job::{ImportJob, ImportJobFilter, ImportJobUpdate, NewImportJob};
pub use links::{SourceLinks, SourceLinksUpdate};
pub use note::{NewNote, Note, NoteFilter, NoteUpdate};
pub use notification::{NewNotification, Notification, NotificationFilter};
pub use quiz::{
    GradedAnswer, NewQuestion, NewQuiz, NewQuizResponse, Question, QuestionUpdate, Quiz,
    QuizFilter, QuizResponse, QuizUpdate, QuizWithQuestions, SubmittedAnswer,
};
pub use review::{
    CardRecord, DayDue, DayReviews, DueCard, NewReview, NextInterval, ReviewFilter, ReviewLog,
    ReviewOutcome, ReviewSettings, ReviewSettingsUpdate, ReviewStats, ReviewTally, StateCounts,
};
pub use search::{
    ChunkMatch, DocumentChunk, NewDocumentChunk, QueryEmbedding, SNIPPET_CHARS, SearchHit,
    SearchQuery, SourceKind, cosine_similarity, fuse_rankings, fused_score, opening_snippet,
};
pub use study_guide::{NewStudyGuide, StudyGuide, StudyGuideFilter, StudyGuideUpdate};
pub use user::{NewUser, User, UserUpdate};
