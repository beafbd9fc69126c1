//! A reference to a course, note or document must point at the acting user's own row.
//!
//! Repositories enforce this on every write that links (PostgreSQL in the same statement,
//! the in-memory adapters under the same lock); [`LinkGuard`] states the rule once for callers
//! that check before doing costly work, such as the AI generating a set from a note.

use std::sync::Arc;

use crate::entities::SourceLinks;
use crate::error::{DomainError, DomainResult};
use crate::id::UserId;
use crate::ports::{CourseRepository, DocumentRepository, NoteRepository};

/// Checks that links point at the acting user's own course, note and document.
#[derive(Clone)]
pub struct LinkGuard {
    courses: Arc<dyn CourseRepository>,
    notes: Arc<dyn NoteRepository>,
    documents: Arc<dyn DocumentRepository>,
}

impl LinkGuard {
    /// A guard looking rows up in these repositories.
    #[must_use]
    pub fn new(
        courses: Arc<dyn CourseRepository>,
        notes: Arc<dyn NoteRepository>,
        documents: Arc<dyn DocumentRepository>,
    ) -> Self {
        Self {
            courses,
            notes,
            documents,
        }
    }

    /// Succeeds when every id in `links` is a row of `user`'s.
    ///
    /// # Errors
    ///
    /// `NotFound` naming the first link that is missing or another user's: the two are not
    /// told apart.
    pub async fn check(&self, user: UserId, links: SourceLinks) -> DomainResult<()> {
        if let Some(id) = links.course_id {
            self.courses
                .get(user, id)
                .await
                .map_err(link_error("course"))?;
        }
        if let Some(id) = links.note_id {
            self.notes.get(user, id).await.map_err(link_error("note"))?;
        }
        if let Some(id) = links.document_id {
            self.documents
                .get(user, id)
                .await
                .map_err(link_error("document"))?;
        }
        Ok(())
    }
}

fn link_error(entity: &'static str) -> impl Fn(DomainError) -> DomainError {
    move |error| match error {
        DomainError::NotFound { .. } => DomainError::not_found(entity),
        other => other,
    }
}

/// The same rule over a lookup the caller provides: each `owns_*` says whether the id is a
/// row of the acting user's. Used by adapters that hold the rows themselves.
///
/// # Errors
///
/// `NotFound` naming the first link that fails.
pub fn check_links(
    links: SourceLinks,
    owns_course: impl Fn(crate::id::CourseId) -> bool,
    owns_note: impl Fn(crate::id::NoteId) -> bool,
    owns_document: impl Fn(crate::id::DocumentId) -> bool,
) -> DomainResult<()> {
    if links.course_id.is_some_and(|id| !owns_course(id)) {
        return Err(DomainError::not_found("course"));
    }
    if links.note_id.is_some_and(|id| !owns_note(id)) {
        return Err(DomainError::not_found("note"));
    }
    if links.document_id.is_some_and(|id| !owns_document(id)) {
        return Err(DomainError::not_found("document"));
    }
    Ok(())
}
