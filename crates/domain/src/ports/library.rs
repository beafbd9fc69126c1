//! Ports for the student's source material: courses, notes and documents.

use async_trait::async_trait;

use crate::entities::{
    Course, CourseUpdate, Document, DocumentFilter, DocumentUpdate, NewCourse, NewDocument,
    NewNote, Note, NoteFilter, NoteUpdate,
};
use crate::error::DomainResult;
use crate::id::{CourseId, DocumentId, NoteId, UserId};
use crate::pagination::{Page, PageRequest};

/// Stores [`Course`]s.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CourseRepository: Send + Sync {
    /// Creates a course owned by `user`.
    async fn create(&self, user: UserId, new: NewCourse) -> DomainResult<Course>;

    /// The user's course.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn get(&self, user: UserId, id: CourseId) -> DomainResult<Course>;

    /// The user's courses, newest first.
    async fn list(&self, user: UserId, page: PageRequest) -> DomainResult<Page<Course>>;

    /// Changes the user's course.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn update(
        &self,
        user: UserId,
        id: CourseId,
        update: CourseUpdate,
    ) -> DomainResult<Course>;

    /// Deletes the user's course; what was filed under it stays, unfiled.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn delete(&self, user: UserId, id: CourseId) -> DomainResult<()>;
}

/// Stores [`Note`]s.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait NoteRepository: Send + Sync {
    /// Creates a note owned by `user`.
    ///
    /// # Errors
    ///
    /// `NotFound` on the course when `course_id` is not the user's.
    async fn create(&self, user: UserId, new: NewNote) -> DomainResult<Note>;

    /// The user's note.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn get(&self, user: UserId, id: NoteId) -> DomainResult<Note>;

    /// The user's notes matching `filter`, newest first.
    async fn list(
        &self,
        user: UserId,
        filter: NoteFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Note>>;

    /// Changes the user's note.
    ///
    /// # Errors
    ///
    /// `NotFound` when the note, or a new course, is not the user's.
    async fn update(&self, user: UserId, id: NoteId, update: NoteUpdate) -> DomainResult<Note>;

    /// Deletes the user's note; material made from it stays, unlinked.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn delete(&self, user: UserId, id: NoteId) -> DomainResult<()>;
}

/// Stores [`Document`] records (their bytes are in the [`crate::BlobStore`]).
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait DocumentRepository: Send + Sync {
    /// Records an uploaded document owned by `user`, pending processing.
    ///
    /// # Errors
    ///
    /// `NotFound` on the course when `course_id` is not the user's; `Conflict` on
    /// `storageKey` when the key is taken.
    async fn create(&self, user: UserId, new: NewDocument) -> DomainResult<Document>;

    /// The user's document.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn get(&self, user: UserId, id: DocumentId) -> DomainResult<Document>;

    /// The user's documents matching `filter`, newest first.
    async fn list(
        &self,
        user: UserId,
        filter: DocumentFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Document>>;

    /// Changes the user's document.
    ///
    /// # Errors
    ///
    /// `NotFound` when the document, or a new course, is not the user's.
    async fn update(
        &self,
        user: UserId,
        id: DocumentId,
        update: DocumentUpdate,
    ) -> DomainResult<Document>;

    /// Deletes the user's document record and its search chunks; material made from it stays,
    /// unlinked. The caller removes the bytes from the blob store.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn delete(&self, user: UserId, id: DocumentId) -> DomainResult<Document>;

    /// Documents of any user still `PENDING` or `PROCESSING` and unchanged since `before`,
    /// oldest first, at most `limit`: work a crash may have stranded. A document that an
    /// unfinished (`PENDING` or `PROCESSING`) import links is left out: that import's run
    /// processes it. For the worker only; never answer a user with it.
    async fn stranded(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> DomainResult<Vec<(UserId, DocumentId)>>;
}
