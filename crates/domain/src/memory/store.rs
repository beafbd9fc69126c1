//! The in-memory database: one map per table behind one lock, and the store that hands out
//! every repository port over it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, SubsecRound, Utc};

use crate::entities::{
    Account, CalendarEvent, ChatMessage, ChatSession, Course, Document, DocumentChunk, Flashcard,
    FlashcardSet, GenerationJob, ImportJob, Note, Notification, Question, Quiz, QuizResponse,
    Session, SourceLinks, StudyGuide, User, Verification,
};
use crate::error::{DomainError, DomainResult};
use crate::id::{
    AccountId, CalendarEventId, ChatMessageId, ChatSessionId, CourseId, DocumentChunkId,
    DocumentId, FlashcardId, FlashcardSetId, GenerationJobId, ImportJobId, NoteId, NotificationId,
    QuestionId, QuizId, QuizResponseId, SessionId, StudyGuideId, UserId, VerificationId,
};
use crate::ports::{Clock, Repositories, SystemClock};
use crate::rules::ownership::check_links;

/// Every table of the schema the repositories use, keyed by primary key.
///
/// `BTreeMap`s keep iteration deterministic, so a bug that depends on order shows up the same
/// way on every run.
#[derive(Debug, Default)]
pub(super) struct Tables {
    pub(super) users: BTreeMap<UserId, User>,
    pub(super) sessions: BTreeMap<SessionId, Session>,
    pub(super) accounts: BTreeMap<AccountId, Account>,
    pub(super) verifications: BTreeMap<VerificationId, Verification>,
    pub(super) courses: BTreeMap<CourseId, Course>,
    pub(super) notes: BTreeMap<NoteId, Note>,
    pub(super) documents: BTreeMap<DocumentId, Document>,
    pub(super) flashcard_sets: BTreeMap<FlashcardSetId, FlashcardSet>,
    pub(super) flashcards: BTreeMap<FlashcardId, Flashcard>,
    /// The decks imported sets were made from (`flashcard_sets.external_key`).
    pub(super) set_keys: BTreeMap<FlashcardSetId, String>,
    /// Where imported cards came from (`flashcards.external_key`).
    pub(super) card_keys: BTreeMap<FlashcardId, String>,
    /// The schedules of cards reviewed at least once.
    pub(super) card_schedules: BTreeMap<FlashcardId, crate::rules::fsrs::Schedule>,
    pub(super) flashcard_reviews: BTreeMap<crate::id::ReviewId, super::reviews::StoredReview>,
    pub(super) review_settings: BTreeMap<UserId, crate::entities::ReviewSettings>,
    pub(super) quizzes: BTreeMap<QuizId, Quiz>,
    pub(super) questions: BTreeMap<QuestionId, Question>,
    pub(super) quiz_responses: BTreeMap<QuizResponseId, QuizResponse>,
    pub(super) study_guides: BTreeMap<StudyGuideId, StudyGuide>,
    pub(super) chat_sessions: BTreeMap<ChatSessionId, ChatSession>,
    pub(super) chat_messages: BTreeMap<ChatMessageId, ChatMessage>,
    pub(super) calendar_events: BTreeMap<CalendarEventId, CalendarEvent>,
    /// Each event's `google_synced_sequence`: its `sequence` when it was last in step with
    /// the remote calendar (absent: never, or started over).
    pub(super) synced_sequences: BTreeMap<CalendarEventId, u32>,
    /// Each user's calendar sync with Google.
    pub(super) calendar_syncs: BTreeMap<UserId, crate::entities::CalendarSync>,
    /// Synced events the user deleted, by user, remote calendar and remote id: when each was
    /// deleted.
    pub(super) sync_deletions: BTreeMap<(UserId, String, String), DateTime<Utc>>,
    /// Changed or cancelled occurrences, by event and original start.
    pub(super) event_exceptions:
        BTreeMap<(CalendarEventId, DateTime<Utc>), crate::entities::EventException>,
    /// The hash of each user's calendar feed token.
    pub(super) feed_tokens: BTreeMap<UserId, String>,
    /// The version of each feed last served, by user and course (`None`: the whole calendar).
    pub(super) feed_versions: BTreeMap<(UserId, Option<CourseId>), (String, DateTime<Utc>)>,
    pub(super) calendar_subscriptions:
        BTreeMap<crate::id::CalendarSubscriptionId, crate::entities::CalendarSubscription>,
    pub(super) event_extractions:
        BTreeMap<crate::id::EventExtractionId, crate::entities::EventExtraction>,
    pub(super) import_jobs: BTreeMap<ImportJobId, ImportJob>,
    pub(super) generation_jobs: BTreeMap<GenerationJobId, GenerationJob>,
    /// Tokens spent per user and UTC day.
    pub(super) token_usage: BTreeMap<(UserId, chrono::NaiveDate), super::generation::DailyTokens>,
    pub(super) notifications: BTreeMap<NotificationId, Notification>,
    /// The notifications sent once per key (`create_once`); a deleted notification frees its
    /// key, as the row's unique column does.
    pub(super) notification_keys: BTreeMap<(UserId, String), NotificationId>,
    pub(super) chunks: BTreeMap<DocumentChunkId, DocumentChunk>,
    /// The chunks of notes, in order, by note.
    pub(super) note_chunks: BTreeMap<NoteId, Vec<super::search::NoteChunk>>,
}

/// A row that belongs to one user, through its `user_id` column.
pub(super) trait Owned {
    /// The owner.
    fn owner(&self) -> UserId;
}

macro_rules! owned {
    ($($entity:ty),+ $(,)?) => {
        $(impl Owned for $entity {
            fn owner(&self) -> UserId {
                self.user_id
            }
        })+
    };
}

owned!(
    Session,
    Account,
    Course,
    Note,
    Document,
    FlashcardSet,
    Quiz,
    QuizResponse,
    StudyGuide,
    ChatSession,
    CalendarEvent,
    crate::entities::CalendarSubscription,
    crate::entities::EventExtraction,
    ImportJob,
    GenerationJob,
    Notification,
);

/// The user's row `id` of `table`; another user's row is reported exactly like a missing one.
pub(super) fn owned<'a, K: Ord, V: Owned>(
    table: &'a BTreeMap<K, V>,
    user: UserId,
    id: &K,
    entity: &'static str,
) -> DomainResult<&'a V> {
    table
        .get(id)
        .filter(|row| row.owner() == user)
        .ok_or(DomainError::not_found(entity))
}

/// [`owned`], for changing the row.
pub(super) fn owned_mut<'a, K: Ord, V: Owned>(
    table: &'a mut BTreeMap<K, V>,
    user: UserId,
    id: &K,
    entity: &'static str,
) -> DomainResult<&'a mut V> {
    table
        .get_mut(id)
        .filter(|row| row.owner() == user)
        .ok_or(DomainError::not_found(entity))
}

/// Truncates an instant to PostgreSQL's `timestamptz` precision, so what is read back equals
/// what the PostgreSQL adapter would return.
pub(super) fn micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.trunc_subsecs(6)
}

/// A number of rows, as the ports report it.
pub(super) fn count(rows: usize) -> u64 {
    u64::try_from(rows).unwrap_or(u64::MAX)
}

impl Tables {
    /// The schema's foreign key from every user-owned row to `users`: a row cannot be created
    /// for a user that does not exist (or was deleted meanwhile).
    pub(super) fn check_user(&self, user: UserId) -> DomainResult<()> {
        if self.users.contains_key(&user) {
            Ok(())
        } else {
            Err(DomainError::not_found("user"))
        }
    }

    /// Checks that every link points at one of `user`'s own rows.
    pub(super) fn check_links(&self, user: UserId, links: SourceLinks) -> DomainResult<()> {
        check_links(
            links,
            |id| self.courses.get(&id).is_some_and(|c| c.user_id == user),
            |id| self.notes.get(&id).is_some_and(|n| n.user_id == user),
            |id| self.documents.get(&id).is_some_and(|d| d.user_id == user),
        )
    }

    /// [`Tables::check_links`] for rows that link to a course only (notes, documents, chats).
    pub(super) fn check_course_link(
        &self,
        user: UserId,
        course_id: Option<CourseId>,
    ) -> DomainResult<()> {
        self.check_links(
            user,
            SourceLinks {
                course_id,
                note_id: None,
                document_id: None,
            },
        )
    }
}

/// The in-memory adapter of every repository port and of the search index, behaving like the
/// PostgreSQL schema: the same defaults, unique constraints, cascades and `SET NULL`s, the same
/// ownership rule and the same keyset order.
///
/// Clones share the same tables, so one store can be handed out as every port at once (see
/// [`MemoryStore::repositories`]). Every method does its work under one lock, so each call is
/// atomic as a transaction would be; nothing is kept after the last clone is dropped.
#[derive(Clone)]
pub struct MemoryStore {
    inner: Arc<Mutex<Tables>>,
    clock: Arc<dyn Clock>,
}

impl MemoryStore {
    /// An empty store stamping rows with the system clock.
    #[must_use]
    pub fn new() -> Self {
        Self::with_clock(Arc::new(SystemClock))
    }

    /// An empty store stamping rows with `clock` (a [`super::FixedClock`] in tests).
    #[must_use]
    pub fn with_clock(clock: Arc<dyn Clock>) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Tables::default())),
            clock,
        }
    }

    /// The store as every repository port, each an `Arc<dyn Port>` over the same tables.
    #[must_use]
    pub fn repositories(&self) -> Repositories {
        Repositories::from_single(Arc::new(self.clone()))
    }

    /// The clock's time at PostgreSQL's precision.
    pub(super) fn now(&self) -> DateTime<Utc> {
        micros(self.clock.now())
    }

    /// Runs `work` on the tables under the lock. The lock is never held across an `.await`:
    /// `work` is synchronous. A panic in another thread cannot leave a table half-written
    /// (every method checks before it writes), so a poisoned lock is taken over.
    pub(super) fn with_tables<T>(&self, work: impl FnOnce(&mut Tables) -> T) -> T {
        let mut tables = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        work(&mut tables)
    }

    /// Runs `work` on the tables under the lock with the current time, for writes.
    pub(super) fn write<T>(&self, work: impl FnOnce(&mut Tables, DateTime<Utc>) -> T) -> T {
        let now = self.now();
        self.with_tables(|tables| work(tables, now))
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}
