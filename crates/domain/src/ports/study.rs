//! Ports for study material: flashcards, quizzes with their attempts, study guides, and the
//! generations that make them.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};

use super::TokenUsage;
use crate::entities::{
    DeckImport, DecksImported, Flashcard, FlashcardSet, FlashcardSetFilter, FlashcardSetUpdate,
    FlashcardSetWithCards, FlashcardUpdate, GenerationFinish, GenerationJob, NewFlashcard,
    NewFlashcardSet, NewGenerationJob, NewNotification, NewQuestion, NewQuiz, NewQuizResponse,
    NewStudyGuide, Question, QuestionUpdate, Quiz, QuizFilter, QuizResponse, QuizUpdate,
    QuizWithQuestions, StudyGuide, StudyGuideFilter, StudyGuideUpdate,
};
use crate::error::DomainResult;
use crate::id::{
    FlashcardId, FlashcardSetId, GenerationJobId, QuestionId, QuizId, QuizResponseId, StudyGuideId,
    UserId,
};
use crate::pagination::{Page, PageRequest};
use crate::values::Progress;

/// Stores [`FlashcardSet`]s with their [`Flashcard`]s.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait FlashcardRepository: Send + Sync {
    /// Creates a set with all its cards, atomically.
    ///
    /// # Errors
    ///
    /// `NotFound` when a linked course, note or document is not the user's; `Validation` on
    /// `flashcards` beyond [`NewFlashcardSet::MAX_CARDS`].
    async fn create_set(
        &self,
        user: UserId,
        new: NewFlashcardSet,
    ) -> DomainResult<FlashcardSetWithCards>;

    /// The user's set with its cards, oldest card first.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn get_set(
        &self,
        user: UserId,
        id: FlashcardSetId,
    ) -> DomainResult<FlashcardSetWithCards>;

    /// The user's sets matching `filter`, newest first, without their cards.
    async fn list_sets(
        &self,
        user: UserId,
        filter: FlashcardSetFilter,
        page: PageRequest,
    ) -> DomainResult<Page<FlashcardSet>>;

    /// Changes the user's set (not its cards).
    ///
    /// # Errors
    ///
    /// `NotFound` when the set, or a newly linked course, note or document, is not the user's.
    async fn update_set(
        &self,
        user: UserId,
        id: FlashcardSetId,
        update: FlashcardSetUpdate,
    ) -> DomainResult<FlashcardSet>;

    /// Deletes the user's set and its cards.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn delete_set(&self, user: UserId, id: FlashcardSetId) -> DomainResult<()>;

    /// Adds a card to the user's set.
    ///
    /// # Errors
    ///
    /// `NotFound` when the set is not the user's; `Validation` on `flashcards` when the set is
    /// full.
    async fn add_card(
        &self,
        user: UserId,
        set: FlashcardSetId,
        new: NewFlashcard,
    ) -> DomainResult<Flashcard>;

    /// Changes a card of the user's set.
    ///
    /// # Errors
    ///
    /// `NotFound` when the card is not in that set or the set is not the user's.
    async fn update_card(
        &self,
        user: UserId,
        set: FlashcardSetId,
        card: FlashcardId,
        update: FlashcardUpdate,
    ) -> DomainResult<Flashcard>;

    /// Removes a card from the user's set.
    ///
    /// # Errors
    ///
    /// `NotFound` when the card is not in that set or the set is not the user's.
    async fn delete_card(
        &self,
        user: UserId,
        set: FlashcardSetId,
        card: FlashcardId,
    ) -> DomainResult<()>;

    /// Adds a package's decks to the user's sets as [`crate::rules::deck_merge::plan`] places
    /// them, atomically: the sets, the cards with their keys, and each card's review log and
    /// schedule, or nothing. Imports of one user run one at a time, so two imports of the same
    /// package at once still add each card once.
    ///
    /// # Errors
    ///
    /// `NotFound` when the course is not the user's.
    async fn import_decks(&self, user: UserId, import: DeckImport) -> DomainResult<DecksImported>;
}

/// Stores [`Quiz`]zes with their [`Question`]s, and graded [`QuizResponse`]s. Every write keeps
/// a quiz's `total_points` equal to the sum of its questions' points.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait QuizRepository: Send + Sync {
    /// Creates a quiz with all its questions, atomically; `total_points` is their sum.
    ///
    /// # Errors
    ///
    /// `NotFound` when a linked course, note or document is not the user's; `Validation` on
    /// `questions` beyond [`NewQuiz::MAX_QUESTIONS`].
    async fn create(&self, user: UserId, new: NewQuiz) -> DomainResult<QuizWithQuestions>;

    /// The user's quiz with its questions, oldest first.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn get(&self, user: UserId, id: QuizId) -> DomainResult<QuizWithQuestions>;

    /// The user's quizzes matching `filter`, newest first, without their questions.
    async fn list(
        &self,
        user: UserId,
        filter: QuizFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Quiz>>;

    /// Changes the user's quiz (not its questions).
    ///
    /// # Errors
    ///
    /// `NotFound` when the quiz, or a newly linked course, note or document, is not the user's.
    async fn update(&self, user: UserId, id: QuizId, update: QuizUpdate) -> DomainResult<Quiz>;

    /// Deletes the user's quiz, its questions and its responses.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn delete(&self, user: UserId, id: QuizId) -> DomainResult<()>;

    /// Adds a question to the user's quiz; the total follows.
    ///
    /// # Errors
    ///
    /// `NotFound` when the quiz is not the user's; `Validation` on `questions` when it is full.
    async fn add_question(
        &self,
        user: UserId,
        quiz: QuizId,
        new: NewQuestion,
    ) -> DomainResult<Question>;

    /// Changes a question of the user's quiz; the total follows.
    ///
    /// # Errors
    ///
    /// `NotFound` when the question is not in that quiz or the quiz is not the user's.
    async fn update_question(
        &self,
        user: UserId,
        quiz: QuizId,
        question: QuestionId,
        update: QuestionUpdate,
    ) -> DomainResult<Question>;

    /// Removes a question from the user's quiz; the total follows.
    ///
    /// # Errors
    ///
    /// `NotFound` when the question is not in that quiz or the quiz is not the user's.
    async fn delete_question(
        &self,
        user: UserId,
        quiz: QuizId,
        question: QuestionId,
    ) -> DomainResult<()>;

    /// Records a graded attempt by `user` at their quiz.
    ///
    /// # Errors
    ///
    /// `NotFound` when the quiz is not the user's.
    async fn record_response(
        &self,
        user: UserId,
        response: NewQuizResponse,
    ) -> DomainResult<QuizResponse>;

    /// The user's attempts at their quiz, newest first.
    ///
    /// # Errors
    ///
    /// `NotFound` when the quiz is not the user's.
    async fn list_responses(
        &self,
        user: UserId,
        quiz: QuizId,
        page: PageRequest,
    ) -> DomainResult<Page<QuizResponse>>;

    /// One of the user's attempts.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn get_response(&self, user: UserId, id: QuizResponseId) -> DomainResult<QuizResponse>;
}

/// Stores [`StudyGuide`]s.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait StudyGuideRepository: Send + Sync {
    /// Creates a guide owned by `user`.
    ///
    /// # Errors
    ///
    /// `NotFound` when a linked course, note or document is not the user's.
    async fn create(&self, user: UserId, new: NewStudyGuide) -> DomainResult<StudyGuide>;

    /// The user's guide.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn get(&self, user: UserId, id: StudyGuideId) -> DomainResult<StudyGuide>;

    /// The user's guides matching `filter`, newest first.
    async fn list(
        &self,
        user: UserId,
        filter: StudyGuideFilter,
        page: PageRequest,
    ) -> DomainResult<Page<StudyGuide>>;

    /// Changes the user's guide.
    ///
    /// # Errors
    ///
    /// `NotFound` when the guide, or a newly linked course, note or document, is not the user's.
    async fn update(
        &self,
        user: UserId,
        id: StudyGuideId,
        update: StudyGuideUpdate,
    ) -> DomainResult<StudyGuide>;

    /// Deletes the user's guide.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn delete(&self, user: UserId, id: StudyGuideId) -> DomainResult<()>;
}

/// Stores [`GenerationJob`]s, what each made, and the tokens models spent for each student.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait GenerationRepository: Send + Sync {
    /// Records a pending generation owned by `user`.
    ///
    /// # Errors
    ///
    /// `NotFound` when the note, document or course is not the user's.
    async fn create(&self, user: UserId, new: NewGenerationJob) -> DomainResult<GenerationJob>;

    /// The user's generation.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn get(&self, user: UserId, id: GenerationJobId) -> DomainResult<GenerationJob>;

    /// The user's generations, newest first.
    async fn list(&self, user: UserId, page: PageRequest) -> DomainResult<Page<GenerationJob>>;

    /// Marks the user's unfinished generation `PROCESSING` at `progress` (never lowering
    /// it), as the worker goes; `None` when it is gone or finished.
    async fn advance(
        &self,
        user: UserId,
        id: GenerationJobId,
        progress: Progress,
    ) -> DomainResult<Option<GenerationJob>>;

    /// Finishes the user's unfinished generation at once: stores the result (linked to the
    /// job's source), marks the job `COMPLETED` with the result's id, the model and its
    /// token usage, and notifies the student (`GENERATION_COMPLETED`, linking to the result).
    /// `None`, writing nothing, when the job is gone or already finished: a run repeated
    /// after a crash makes no second result.
    ///
    /// # Errors
    ///
    /// As the result's own `create` (`Validation` on too many items, `NotFound` on a link
    /// that is no longer the user's).
    async fn finish(
        &self,
        user: UserId,
        id: GenerationJobId,
        finish: GenerationFinish,
    ) -> DomainResult<Option<GenerationJob>>;

    /// Fails the user's unfinished generation with `reason` and sends the student `notice`,
    /// at once; `None`, writing nothing, when it is gone or finished.
    async fn fail(
        &self,
        user: UserId,
        id: GenerationJobId,
        reason: String,
        notice: NewNotification,
    ) -> DomainResult<Option<GenerationJob>>;

    /// Deletes the user's generation record (not what it made).
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn delete(&self, user: UserId, id: GenerationJobId) -> DomainResult<()>;

    /// Adds `usage` to the user's tokens of `day` (UTC).
    async fn record_usage(
        &self,
        user: UserId,
        day: NaiveDate,
        usage: TokenUsage,
    ) -> DomainResult<()>;

    /// The tokens (read and written) models spent for the user on `day` (UTC).
    async fn usage_on(&self, user: UserId, day: NaiveDate) -> DomainResult<u64>;

    /// Generations of any user still `PENDING` or `PROCESSING` and unchanged since `before`,
    /// oldest change first (then by id), at most `limit`: work a crash may have stranded
    /// between recording a generation and enqueueing its run. For the worker only; never
    /// answer a user with it.
    async fn stranded(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<(UserId, GenerationJobId)>>;
}
