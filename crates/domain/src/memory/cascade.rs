//! What deleting a row does to the rows that reference it: the schema's `ON DELETE CASCADE`
//! and `ON DELETE SET NULL`, in one place.
//!
//! A `SET NULL` is an `UPDATE` in PostgreSQL, so the `updated_at` trigger fires on each row it
//! touches: the rows here get `updated_at = now` too.

use chrono::{DateTime, Utc};

use super::store::Tables;
use crate::entities::{CalendarEvent, Document};
use crate::id::{
    AccountId, ChatSessionId, CourseId, DocumentId, FlashcardSetId, NoteId, QuizId, StudyGuideId,
    UserId,
};

/// Sets `$field` to NULL (and bumps `updated_at`) on every row of `$table` pointing at `$id`.
macro_rules! set_null {
    ($tables:expr, $now:expr, $id:expr, $field:ident: $($table:ident),+ $(,)?) => {
        $(
            for row in $tables.$table.values_mut() {
                if row.$field == Some($id) {
                    row.$field = None;
                    row.updated_at = $now;
                }
            }
        )+
    };
}

impl Tables {
    /// Deletes a user and everything they own.
    pub(super) fn delete_user(&mut self, id: UserId, now: DateTime<Utc>) {
        self.users.remove(&id);
        self.sessions.retain(|_, s| s.user_id != id);
        self.accounts.retain(|_, a| a.user_id != id);

        let courses: Vec<CourseId> = self.keys_owned_by(id, |t| &t.courses);
        for course in courses {
            self.delete_course(course, now);
        }
        let notes: Vec<NoteId> = self.keys_owned_by(id, |t| &t.notes);
        for note in notes {
            self.delete_note(note, now);
        }
        let documents: Vec<DocumentId> = self.keys_owned_by(id, |t| &t.documents);
        for document in documents {
            self.delete_document(document, now);
        }
        let sets: Vec<FlashcardSetId> = self.keys_owned_by(id, |t| &t.flashcard_sets);
        for set in sets {
            self.delete_flashcard_set(set, now);
        }
        let quizzes: Vec<QuizId> = self.keys_owned_by(id, |t| &t.quizzes);
        for quiz in quizzes {
            self.delete_quiz(quiz, now);
        }
        let chats: Vec<ChatSessionId> = self.keys_owned_by(id, |t| &t.chat_sessions);
        for chat in chats {
            self.delete_chat_session(chat);
        }
        self.quiz_responses.retain(|_, r| r.user_id != id);
        self.study_guides.retain(|_, g| g.user_id != id);
        self.delete_calendar_events(|e| e.user_id == id);
        self.calendar_syncs.remove(&id);
        self.sync_deletions.retain(|(user, _, _), _| *user != id);
        self.feed_tokens.remove(&id);
        self.feed_versions.retain(|(user, _), _| *user != id);
        self.calendar_subscriptions.retain(|_, s| s.user_id != id);
        self.event_extractions.retain(|_, x| x.user_id != id);
        self.import_jobs.retain(|_, j| j.user_id != id);
        self.generation_jobs.retain(|_, j| j.user_id != id);
        self.token_usage.retain(|(user, _), _| *user != id);
        self.notifications.retain(|_, n| n.user_id != id);
        self.review_settings.remove(&id);
    }

    /// Deletes the calendar events that `gone` picks, with what hangs off them (their changed
    /// occurrences and synced revisions, which the schema cascades); answers how many went.
    pub(super) fn delete_calendar_events(
        &mut self,
        gone: impl Fn(&CalendarEvent) -> bool,
    ) -> usize {
        let before = self.calendar_events.len();
        self.calendar_events.retain(|_, e| !gone(e));
        let events = &self.calendar_events;
        self.event_exceptions
            .retain(|(event, _), _| events.contains_key(event));
        self.synced_sequences
            .retain(|event, _| events.contains_key(event));
        before - self.calendar_events.len()
    }

    /// Unlinks an account: the calendar sync acting through it goes with it (the user's
    /// recorded deletions and synced events stay, as the schema keeps them).
    pub(super) fn delete_account(&mut self, id: AccountId) {
        self.accounts.remove(&id);
        self.calendar_syncs.retain(|_, s| s.account_id != id);
    }

    /// Deletes a course; what was filed under it stays, unfiled.
    pub(super) fn delete_course(&mut self, id: CourseId, now: DateTime<Utc>) {
        self.courses.remove(&id);
        self.generation_jobs.retain(|_, j| j.course_id != Some(id));
        set_null!(self, now, id, course_id:
            notes, documents, flashcard_sets, quizzes, study_guides, chat_sessions, calendar_events,
            calendar_subscriptions);
    }

    /// Deletes a note and its search chunks; material made from it stays, unlinked.
    pub(super) fn delete_note(&mut self, id: NoteId, now: DateTime<Utc>) {
        self.notes.remove(&id);
        self.generation_jobs.retain(|_, j| j.note_id != Some(id));
        self.event_extractions.retain(|_, x| x.note_id != Some(id));
        self.note_chunks.remove(&id);
        set_null!(self, now, id, note_id: flashcard_sets, quizzes, study_guides, import_jobs);
    }

    /// Deletes a document and its search chunks; material made from it stays, unlinked.
    pub(super) fn delete_document(
        &mut self,
        id: DocumentId,
        now: DateTime<Utc>,
    ) -> Option<Document> {
        let removed = self.documents.remove(&id);
        self.generation_jobs
            .retain(|_, j| j.document_id != Some(id));
        self.event_extractions
            .retain(|_, x| x.document_id != Some(id));
        self.chunks.retain(|_, c| c.document_id != id);
        set_null!(self, now, id, document_id:
            flashcard_sets, quizzes, study_guides, calendar_events, import_jobs);
        removed
    }

    /// Deletes a flashcard set and its cards.
    pub(super) fn delete_flashcard_set(&mut self, id: FlashcardSetId, now: DateTime<Utc>) {
        self.flashcard_sets.remove(&id);
        self.set_keys.remove(&id);
        self.forget_result(id.as_uuid(), now);
        let cards: std::collections::BTreeSet<_> = self
            .flashcards
            .values()
            .filter(|c| c.flashcard_set_id == id)
            .map(|c| c.id)
            .collect();
        self.forget_reviews(|card| cards.contains(card));
        self.flashcards.retain(|_, c| c.flashcard_set_id != id);
    }

    /// Deletes a quiz, its questions and every attempt at it.
    pub(super) fn delete_quiz(&mut self, id: QuizId, now: DateTime<Utc>) {
        self.quizzes.remove(&id);
        self.forget_result(id.as_uuid(), now);
        self.questions.retain(|_, q| q.quiz_id != id);
        self.quiz_responses.retain(|_, r| r.quiz_id != id);
    }

    /// Deletes a study guide.
    pub(super) fn delete_study_guide(&mut self, id: StudyGuideId, now: DateTime<Utc>) {
        self.study_guides.remove(&id);
        self.forget_result(id.as_uuid(), now);
    }

    /// The generation jobs' `SET NULL` on a deleted result.
    fn forget_result(&mut self, result: uuid::Uuid, now: DateTime<Utc>) {
        for job in self.generation_jobs.values_mut() {
            if job.result_id == Some(result) {
                job.result_id = None;
                job.updated_at = now;
            }
        }
    }

    /// Deletes a chat and its messages.
    pub(super) fn delete_chat_session(&mut self, id: ChatSessionId) {
        self.chat_sessions.remove(&id);
        self.chat_messages.retain(|_, m| m.chat_session_id != id);
    }

    fn keys_owned_by<K, V>(
        &self,
        user: UserId,
        table: impl Fn(&Self) -> &std::collections::BTreeMap<K, V>,
    ) -> Vec<K>
    where
        K: Copy + Ord,
        V: super::store::Owned,
    {
        table(self)
            .iter()
            .filter(|(_, row)| row.owner() == user)
            .map(|(key, _)| *key)
            .collect()
    }
}
