//! Courses, notes and documents in memory.

use async_trait::async_trait;

use super::paging::page_of;
use super::store::{MemoryStore, owned, owned_mut};
use crate::entities::{
    Course, CourseUpdate, Document, DocumentFilter, DocumentUpdate, NewCourse, NewDocument,
    NewNote, Note, NoteFilter, NoteUpdate,
};
use crate::enums::DocumentStatus;
use crate::error::{DomainError, DomainResult};
use crate::id::{CourseId, DocumentId, NoteId, UserId};
use crate::pagination::{Page, PageRequest, SortOrder};
use crate::ports::{CourseRepository, DocumentRepository, NoteRepository};
use crate::values::{Markdown, PageCount, ShortText, WebUrl};

#[async_trait]
impl CourseRepository for MemoryStore {
    async fn create(&self, user: UserId, new: NewCourse) -> DomainResult<Course> {
        self.write(|tables, now| {
            tables.check_user(user)?;
            let course = Course {
                id: CourseId::new(),
                user_id: user,
                name: new.name.into_inner(),
                code: new.code.map(ShortText::into_inner),
                description: new.description.map(|d| d.into_inner()),
                color: new.color.into_inner(),
                term: new.term.map(ShortText::into_inner),
                instructor: new.instructor.map(ShortText::into_inner),
                created_at: now,
                updated_at: now,
            };
            tables.courses.insert(course.id, course.clone());
            Ok(course)
        })
    }

    async fn get(&self, user: UserId, id: CourseId) -> DomainResult<Course> {
        self.with_tables(|tables| owned(&tables.courses, user, &id, "course").cloned())
    }

    async fn list(&self, user: UserId, page: PageRequest) -> DomainResult<Page<Course>> {
        self.with_tables(|tables| {
            let rows = tables.courses.values().filter(|c| c.user_id == user);
            Ok(page_of(rows, SortOrder::NewestFirst, page, |c| {
                (c.created_at, c.id.as_uuid())
            }))
        })
    }

    async fn update(
        &self,
        user: UserId,
        id: CourseId,
        update: CourseUpdate,
    ) -> DomainResult<Course> {
        self.write(|tables, now| {
            let course = owned_mut(&mut tables.courses, user, &id, "course")?;
            if let Some(name) = update.name {
                course.name = name.into_inner();
            }
            if let Some(code) = update.code {
                course.code = code.map(ShortText::into_inner);
            }
            if let Some(description) = update.description {
                course.description = description.map(|d| d.into_inner());
            }
            if let Some(color) = update.color {
                course.color = color.into_inner();
            }
            if let Some(term) = update.term {
                course.term = term.map(ShortText::into_inner);
            }
            if let Some(instructor) = update.instructor {
                course.instructor = instructor.map(ShortText::into_inner);
            }
            course.updated_at = now;
            Ok(course.clone())
        })
    }

    async fn delete(&self, user: UserId, id: CourseId) -> DomainResult<()> {
        self.write(|tables, now| {
            owned(&tables.courses, user, &id, "course")?;
            tables.delete_course(id, now);
            Ok(())
        })
    }
}

#[async_trait]
impl NoteRepository for MemoryStore {
    async fn create(&self, user: UserId, new: NewNote) -> DomainResult<Note> {
        self.write(|tables, now| {
            tables.check_user(user)?;
            tables.check_course_link(user, new.course_id)?;
            let note = Note {
                id: NoteId::new(),
                user_id: user,
                course_id: new.course_id,
                title: new.title.into_inner(),
                content: new.content.into_inner(),
                transcription: new.transcription.map(Markdown::into_inner),
                summary: new.summary.map(Markdown::into_inner),
                source: new.source,
                source_url: new.source_url.map(WebUrl::into_inner),
                duration_seconds: new.duration_seconds.map(|d| d.get_i32()),
                tags: new.tags.into_inner(),
                created_at: now,
                updated_at: now,
            };
            tables.notes.insert(note.id, note.clone());
            Ok(note)
        })
    }

    async fn get(&self, user: UserId, id: NoteId) -> DomainResult<Note> {
        self.with_tables(|tables| owned(&tables.notes, user, &id, "note").cloned())
    }

    async fn list(
        &self,
        user: UserId,
        filter: NoteFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Note>> {
        self.with_tables(|tables| {
            let rows = tables.notes.values().filter(|n| {
                n.user_id == user
                    && filter.course_id.is_none_or(|id| n.course_id == Some(id))
                    && filter.tag.as_ref().is_none_or(|tag| n.tags.contains(tag))
                    && filter.source.is_none_or(|source| n.source == source)
            });
            Ok(page_of(rows, SortOrder::NewestFirst, page, |n| {
                (n.created_at, n.id.as_uuid())
            }))
        })
    }

    async fn update(&self, user: UserId, id: NoteId, update: NoteUpdate) -> DomainResult<Note> {
        self.write(|tables, now| {
            owned(&tables.notes, user, &id, "note")?;
            if let Some(course_id) = update.course_id {
                tables.check_course_link(user, course_id)?;
            }
            let note = owned_mut(&mut tables.notes, user, &id, "note")?;
            if let Some(course_id) = update.course_id {
                note.course_id = course_id;
            }
            if let Some(title) = update.title {
                note.title = title.into_inner();
            }
            if let Some(content) = update.content {
                note.content = content.into_inner();
            }
            if let Some(transcription) = update.transcription {
                note.transcription = transcription.map(Markdown::into_inner);
            }
            if let Some(summary) = update.summary {
                note.summary = summary.map(Markdown::into_inner);
            }
            if let Some(tags) = update.tags {
                note.tags = tags.into_inner();
            }
            note.updated_at = now;
            Ok(note.clone())
        })
    }

    async fn delete(&self, user: UserId, id: NoteId) -> DomainResult<()> {
        self.write(|tables, now| {
            owned(&tables.notes, user, &id, "note")?;
            tables.delete_note(id, now);
            Ok(())
        })
    }
}

#[async_trait]
impl DocumentRepository for MemoryStore {
    async fn create(&self, user: UserId, new: NewDocument) -> DomainResult<Document> {
        self.write(|tables, now| {
            tables.check_user(user)?;
            tables.check_course_link(user, new.course_id)?;
            if tables
                .documents
                .values()
                .any(|d| d.storage_key == new.storage_key)
            {
                return Err(DomainError::conflict(
                    "storageKey",
                    "a document is already stored under this key",
                ));
            }
            let document = Document {
                id: DocumentId::new(),
                user_id: user,
                course_id: new.course_id,
                title: new.title.into_inner(),
                file_name: new.file_name.into_inner(),
                mime_type: new.mime_type.into_inner(),
                file_size: new.file_size.get(),
                storage_key: new.storage_key,
                checksum_sha256: new.checksum_sha256,
                status: DocumentStatus::Pending,
                page_count: None,
                error_message: None,
                summary: None,
                created_at: now,
                updated_at: now,
            };
            tables.documents.insert(document.id, document.clone());
            Ok(document)
        })
    }

    async fn get(&self, user: UserId, id: DocumentId) -> DomainResult<Document> {
        self.with_tables(|tables| owned(&tables.documents, user, &id, "document").cloned())
    }

    async fn list(
        &self,
        user: UserId,
        filter: DocumentFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Document>> {
        self.with_tables(|tables| {
            let rows = tables.documents.values().filter(|d| {
                d.user_id == user
                    && filter.course_id.is_none_or(|id| d.course_id == Some(id))
                    && filter.status.is_none_or(|status| d.status == status)
            });
            Ok(page_of(rows, SortOrder::NewestFirst, page, |d| {
                (d.created_at, d.id.as_uuid())
            }))
        })
    }

    async fn update(
        &self,
        user: UserId,
        id: DocumentId,
        update: DocumentUpdate,
    ) -> DomainResult<Document> {
        self.write(|tables, now| {
            owned(&tables.documents, user, &id, "document")?;
            if let Some(course_id) = update.course_id {
                tables.check_course_link(user, course_id)?;
            }
            let document = owned_mut(&mut tables.documents, user, &id, "document")?;
            if let Some(title) = update.title {
                document.title = title.into_inner();
            }
            if let Some(course_id) = update.course_id {
                document.course_id = course_id;
            }
            if let Some(status) = update.status {
                document.status = status;
            }
            if let Some(page_count) = update.page_count {
                document.page_count = page_count.map(PageCount::get_i32);
            }
            if let Some(summary) = update.summary {
                document.summary = summary.map(Markdown::into_inner);
            }
            if let Some(error_message) = update.error_message {
                document.error_message = error_message;
            }
            document.updated_at = now;
            Ok(document.clone())
        })
    }

    async fn delete(&self, user: UserId, id: DocumentId) -> DomainResult<Document> {
        self.write(|tables, now| {
            owned(&tables.documents, user, &id, "document")?;
            tables
                .delete_document(id, now)
                .ok_or(DomainError::not_found("document"))
        })
    }

    async fn stranded(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        limit: u32,
    ) -> DomainResult<Vec<(UserId, DocumentId)>> {
        self.with_tables(|tables| {
            let mut rows: Vec<&Document> = tables
                .documents
                .values()
                .filter(|d| {
                    matches!(
                        d.status,
                        DocumentStatus::Pending | DocumentStatus::Processing
                    ) && d.updated_at < before
                        && !tables
                            .import_jobs
                            .values()
                            .any(|j| j.document_id == Some(d.id) && !j.status.is_finished())
                })
                .collect();
            rows.sort_by_key(|d| (d.updated_at, d.id));
            Ok(rows
                .into_iter()
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .map(|d| (d.user_id, d.id))
                .collect())
        })
    }
}
