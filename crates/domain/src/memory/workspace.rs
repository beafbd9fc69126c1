//! Chats, the calendar, imports and notifications in memory.

use std::collections::BTreeSet;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};

use super::paging::{page_of, sorted};
use super::store::{MemoryStore, Tables, count, micros, owned, owned_mut};
use crate::entities::{
    CalendarEvent, CalendarEventUpdate, CalendarFilter, CalendarImport, CalendarImported,
    CalendarSubscription, ChatMessage, ChatSession, ChatSessionFilter, ChatSessionUpdate,
    EventException, EventExtraction, EventWithExceptions, ExtractionEnd, ExtractionSource,
    ImportJob, ImportJobFilter, ImportJobUpdate, NewCalendarEvent, NewChatMessage, NewChatSession,
    NewEventException, NewEventExtraction, NewImportJob, NewNotification, Notification,
    NotificationFilter, SourceLinks,
};
use crate::enums::JobStatus;
use crate::error::{DomainError, DomainResult};
use crate::id::{
    CalendarEventId, CalendarSubscriptionId, ChatMessageId, ChatSessionId, CourseId, DocumentId,
    EventExtractionId, ImportJobId, NoteId, NotificationId, ProposalId, UserId,
};
use crate::pagination::{Page, PageRequest, SortOrder};
use crate::ports::{
    CalendarRepository, ChatRepository, ImportJobRepository, NotificationRepository,
};
use crate::values::{Description, Link, Progress, ShortText, Title, WebUrl};

impl Tables {
    /// The user's extraction if it exists and has not finished.
    fn unfinished_extraction(
        &mut self,
        user: UserId,
        id: EventExtractionId,
    ) -> Option<&mut EventExtraction> {
        self.event_extractions
            .get_mut(&id)
            .filter(|x| x.user_id == user && !x.status.is_finished())
    }

    /// Changes an import; with `unfinished_only`, only an import still `PENDING` or
    /// `PROCESSING` (`Conflict` otherwise), and progress never goes back.
    fn update_import(
        &mut self,
        user: UserId,
        id: ImportJobId,
        update: ImportJobUpdate,
        now: DateTime<Utc>,
        unfinished_only: bool,
    ) -> DomainResult<ImportJob> {
        let tables = self;
        let current = owned(&tables.import_jobs, user, &id, "import job")?;
        if unfinished_only && current.status.is_finished() {
            return Err(DomainError::conflict(
                "status",
                "the import has already finished",
            ));
        }
        let floor = if unfinished_only { current.progress } else { 0 };
        let note = update.note_id.flatten();
        let document = update.document_id.flatten();
        tables.check_links(
            user,
            SourceLinks {
                course_id: None,
                note_id: note,
                document_id: document,
            },
        )?;
        tables.check_import_targets_free(Some(id), note, document)?;
        let job = owned_mut(&mut tables.import_jobs, user, &id, "import job")?;
        if let Some(status) = update.status {
            job.status = status;
        }
        if let Some(progress) = update.progress {
            job.progress = progress.get_i32().max(floor);
        }
        if let Some(title) = update.title {
            job.title = title.map(Title::into_inner);
        }
        if let Some(error_message) = update.error_message {
            job.error_message = error_message;
        }
        if let Some(completed_at) = update.completed_at {
            job.completed_at = completed_at.map(micros);
        }
        if let Some(note_id) = update.note_id {
            job.note_id = note_id;
        }
        if let Some(document_id) = update.document_id {
            job.document_id = document_id;
        }
        if let Some(result) = update.result {
            job.result = Some(result);
        }
        job.updated_at = now;
        Ok(job.clone())
    }
}

impl Tables {
    /// The schema's `UNIQUE (note_id)` and `UNIQUE (document_id)` on import jobs: no job but
    /// `except` may hold these.
    fn check_import_targets_free(
        &self,
        except: Option<ImportJobId>,
        note: Option<NoteId>,
        document: Option<DocumentId>,
    ) -> DomainResult<()> {
        let others = || {
            self.import_jobs
                .values()
                .filter(move |j| Some(j.id) != except)
        };
        if note.is_some() && others().any(|j| j.note_id == note) {
            return Err(DomainError::conflict(
                "noteId",
                "another import already produced this note",
            ));
        }
        if document.is_some() && others().any(|j| j.document_id == document) {
            return Err(DomainError::conflict(
                "documentId",
                "another import already has this document",
            ));
        }
        Ok(())
    }
}

#[async_trait]
impl ChatRepository for MemoryStore {
    async fn create_session(&self, user: UserId, new: NewChatSession) -> DomainResult<ChatSession> {
        self.write(|tables, now| {
            tables.check_user(user)?;
            tables.check_course_link(user, new.course_id)?;
            let session = ChatSession {
                id: ChatSessionId::new(),
                user_id: user,
                course_id: new.course_id,
                title: new.title.into_inner(),
                created_at: now,
                updated_at: now,
            };
            tables.chat_sessions.insert(session.id, session.clone());
            Ok(session)
        })
    }

    async fn get_session(&self, user: UserId, id: ChatSessionId) -> DomainResult<ChatSession> {
        self.with_tables(|tables| owned(&tables.chat_sessions, user, &id, "chat session").cloned())
    }

    async fn list_sessions(
        &self,
        user: UserId,
        filter: ChatSessionFilter,
        page: PageRequest,
    ) -> DomainResult<Page<ChatSession>> {
        self.with_tables(|tables| {
            let rows = tables.chat_sessions.values().filter(|s| {
                s.user_id == user && filter.course_id.is_none_or(|id| s.course_id == Some(id))
            });
            Ok(page_of(rows, SortOrder::NewestFirst, page, |s| {
                (s.created_at, s.id.as_uuid())
            }))
        })
    }

    async fn update_session(
        &self,
        user: UserId,
        id: ChatSessionId,
        update: ChatSessionUpdate,
    ) -> DomainResult<ChatSession> {
        self.write(|tables, now| {
            owned(&tables.chat_sessions, user, &id, "chat session")?;
            if let Some(course_id) = update.course_id {
                tables.check_course_link(user, course_id)?;
            }
            let session = owned_mut(&mut tables.chat_sessions, user, &id, "chat session")?;
            if let Some(title) = update.title {
                session.title = title.into_inner();
            }
            if let Some(course_id) = update.course_id {
                session.course_id = course_id;
            }
            session.updated_at = now;
            Ok(session.clone())
        })
    }

    async fn delete_session(&self, user: UserId, id: ChatSessionId) -> DomainResult<()> {
        self.with_tables(|tables| {
            owned(&tables.chat_sessions, user, &id, "chat session")?;
            tables.delete_chat_session(id);
            Ok(())
        })
    }

    async fn add_message(
        &self,
        user: UserId,
        session: ChatSessionId,
        new: NewChatMessage,
    ) -> DomainResult<ChatMessage> {
        self.write(|tables, now| {
            owned(&tables.chat_sessions, user, &session, "chat session")?;
            let message = ChatMessage {
                id: ChatMessageId::new(),
                chat_session_id: session,
                content: new.content.into_inner(),
                message_type: new.message_type,
                references: new.references,
                created_at: now,
                updated_at: now,
            };
            tables.chat_messages.insert(message.id, message.clone());
            Ok(message)
        })
    }

    async fn recent_messages(
        &self,
        user: UserId,
        session: ChatSessionId,
        limit: u32,
    ) -> DomainResult<Vec<ChatMessage>> {
        self.with_tables(|tables| {
            owned(&tables.chat_sessions, user, &session, "chat session")?;
            let rows = tables
                .chat_messages
                .values()
                .filter(|m| m.chat_session_id == session)
                .cloned();
            let mut newest = sorted(rows, SortOrder::NewestFirst, |m| {
                (m.created_at, m.id.as_uuid())
            });
            newest.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
            newest.reverse();
            Ok(newest)
        })
    }

    async fn list_messages(
        &self,
        user: UserId,
        session: ChatSessionId,
        page: PageRequest,
    ) -> DomainResult<Page<ChatMessage>> {
        self.with_tables(|tables| {
            owned(&tables.chat_sessions, user, &session, "chat session")?;
            let rows = tables
                .chat_messages
                .values()
                .filter(|m| m.chat_session_id == session);
            Ok(page_of(rows, SortOrder::OldestFirst, page, |m| {
                (m.created_at, m.id.as_uuid())
            }))
        })
    }
}

/// The user's events that `filter` accepts, its instants at the storage's precision.
fn matching_events(
    tables: &Tables,
    user: UserId,
    filter: CalendarFilter,
) -> impl Iterator<Item = &CalendarEvent> {
    let filter = CalendarFilter {
        from: filter.from.map(micros),
        to: filter.to.map(micros),
        ..filter
    };
    tables
        .calendar_events
        .values()
        .filter(move |e| e.user_id == user && filter.matches(e))
}

#[async_trait]
impl CalendarRepository for MemoryStore {
    async fn create(&self, user: UserId, new: NewCalendarEvent) -> DomainResult<CalendarEvent> {
        self.write(|tables, now| {
            tables.check_user(user)?;
            tables.check_links(
                user,
                SourceLinks {
                    course_id: new.course_id,
                    note_id: None,
                    document_id: new.document_id,
                },
            )?;
            let event = stored_event(CalendarEventId::new(), user, new, now);
            tables.calendar_events.insert(event.id, event.clone());
            Ok(event)
        })
    }

    async fn get(&self, user: UserId, id: CalendarEventId) -> DomainResult<CalendarEvent> {
        self.with_tables(|tables| {
            owned(&tables.calendar_events, user, &id, "calendar event").cloned()
        })
    }

    async fn list(
        &self,
        user: UserId,
        filter: CalendarFilter,
        page: PageRequest,
    ) -> DomainResult<Page<CalendarEvent>> {
        self.with_tables(|tables| {
            let rows = matching_events(tables, user, filter);
            Ok(page_of(rows, SortOrder::OldestFirst, page, |e| {
                (e.start_date, e.id.as_uuid())
            }))
        })
    }

    async fn update(
        &self,
        user: UserId,
        id: CalendarEventId,
        update: CalendarEventUpdate,
    ) -> DomainResult<CalendarEvent> {
        self.write(|tables, now| {
            owned(&tables.calendar_events, user, &id, "calendar event")?;
            tables.check_links(
                user,
                SourceLinks {
                    course_id: update.course_id.flatten(),
                    note_id: None,
                    document_id: update.document_id.flatten(),
                },
            )?;
            let event = owned_mut(&mut tables.calendar_events, user, &id, "calendar event")?;
            if let Some(title) = update.title {
                event.title = title.into_inner();
            }
            if let Some(description) = update.description {
                event.description = description.map(Description::into_inner);
            }
            if let Some(schedule) = update.schedule {
                event.start_date = micros(schedule.start());
                event.end_date = schedule.end().map(micros);
                event.time_zone = schedule.zone().name().to_owned();
                event.all_day = schedule.all_day();
                event.recurrence = schedule.recurrence().to_vec();
            }
            if let Some(reminders) = update.reminders {
                event.reminders = reminders.minutes().to_vec();
            }
            if let Some(event_type) = update.event_type {
                event.event_type = event_type;
            }
            if let Some(location) = update.location {
                event.location = location.map(ShortText::into_inner);
            }
            if let Some(priority) = update.priority {
                event.priority = priority;
            }
            if let Some(color) = update.color {
                event.color = color.into_inner();
            }
            if let Some(google_event_id) = update.google_event_id {
                event.google_event_id = google_event_id.map(ShortText::into_inner);
            }
            if let Some(google_calendar_id) = update.google_calendar_id {
                event.google_calendar_id = google_calendar_id.map(ShortText::into_inner);
            }
            if let Some(course_id) = update.course_id {
                event.course_id = course_id;
            }
            if let Some(document_id) = update.document_id {
                event.document_id = document_id;
            }
            event.sequence = event.sequence.saturating_add(1);
            event.updated_at = now;
            Ok(event.clone())
        })
    }

    async fn delete(&self, user: UserId, id: CalendarEventId) -> DomainResult<()> {
        self.write(|tables, now| {
            let event = owned(&tables.calendar_events, user, &id, "calendar event")?.clone();
            tables.record_sync_deletion(&event, now);
            tables.delete_calendar_events(|e| e.id == id);
            Ok(())
        })
    }

    async fn window(
        &self,
        user: UserId,
        filter: CalendarFilter,
    ) -> DomainResult<Vec<EventWithExceptions>> {
        self.with_tables(|tables| {
            let rows = matching_events(tables, user, filter);
            Ok(sorted(rows, SortOrder::OldestFirst, |e| {
                (e.start_date, e.id.as_uuid())
            })
            .into_iter()
            .map(|event| EventWithExceptions {
                exceptions: tables
                    .event_exceptions
                    .range(changes_of(event.id))
                    .map(|(_, exception)| exception.clone())
                    .collect(),
                event: event.clone(),
            })
            .collect())
        })
    }

    async fn put_exception(
        &self,
        user: UserId,
        id: CalendarEventId,
        new: NewEventException,
    ) -> DomainResult<EventException> {
        self.write(|tables, now| {
            let event = owned_mut(&mut tables.calendar_events, user, &id, "calendar event")?;
            event.sequence = event.sequence.saturating_add(1);
            event.updated_at = now;
            let exception = stored_exception(id, new, now);
            tables
                .event_exceptions
                .insert((id, exception.original_start), exception.clone());
            Ok(exception)
        })
    }

    async fn delete_exception(
        &self,
        user: UserId,
        id: CalendarEventId,
        original_start: DateTime<Utc>,
    ) -> DomainResult<()> {
        self.write(|tables, now| {
            owned(&tables.calendar_events, user, &id, "calendar event")?;
            tables
                .event_exceptions
                .remove(&(id, micros(original_start)))
                .ok_or_else(|| DomainError::not_found("occurrence change"))?;
            let event = owned_mut(&mut tables.calendar_events, user, &id, "calendar event")?;
            event.sequence = event.sequence.saturating_add(1);
            event.updated_at = now;
            Ok(())
        })
    }

    async fn replace_feed_token(&self, user: UserId, token_hash: String) -> DomainResult<()> {
        self.with_tables(|tables| {
            tables.check_user(user)?;
            tables.feed_tokens.insert(user, token_hash);
            Ok(())
        })
    }

    async fn feed_owner(&self, token_hash: String) -> DomainResult<Option<UserId>> {
        self.with_tables(|tables| {
            Ok(tables
                .feed_tokens
                .iter()
                .find(|(_, hash)| **hash == token_hash)
                .map(|(user, _)| *user))
        })
    }

    async fn feed_version(
        &self,
        user: UserId,
        scope: Option<CourseId>,
        etag: String,
    ) -> DomainResult<DateTime<Utc>> {
        self.write(|tables, now| {
            tables.check_user(user)?;
            let version = tables
                .feed_versions
                .entry((user, scope))
                .or_insert_with(|| (etag.clone(), now));
            if version.0 != etag {
                // A second later than the version it replaces at least: `Last-Modified` has
                // whole seconds, and must move.
                let next = version.1.trunc_subsecs(0) + chrono::TimeDelta::seconds(1);
                *version = (etag, now.max(next));
            }
            Ok(version.1)
        })
    }

    async fn import_events(
        &self,
        user: UserId,
        import: CalendarImport,
    ) -> DomainResult<CalendarImported> {
        self.write(|tables, now| {
            tables.check_user(user)?;
            tables.check_links(
                user,
                SourceLinks {
                    course_id: import.course_id,
                    note_id: None,
                    document_id: None,
                },
            )?;
            if let Some(id) = import.subscription_id {
                owned(
                    &tables.calendar_subscriptions,
                    user,
                    &id,
                    "calendar subscription",
                )?;
            }
            // Nothing fails from here on: the batch is written whole.
            let mut imported = CalendarImported::default();
            let mut seen = std::collections::HashSet::new();
            // The student's events imported before, by UID, read once for the batch.
            let earlier: std::collections::HashMap<String, CalendarEventId> = tables
                .calendar_events
                .values()
                .filter(|e| e.user_id == user)
                .filter_map(|e| e.ical_uid.clone().map(|uid| (uid, e.id)))
                .collect();
            for item in import.events {
                let uid = item.uid.as_str().to_owned();
                seen.insert(uid.clone());
                let id = if let Some(&id) = earlier.get(&uid) {
                    let exceptions: Vec<EventException> = tables
                        .event_exceptions
                        .range(changes_of(id))
                        .map(|(_, e)| e.clone())
                        .collect();
                    let event = &tables.calendar_events[&id];
                    if item.matches(event, &exceptions, import.course_id)
                        && event.subscription_id == import.subscription_id.or(event.subscription_id)
                    {
                        imported.unchanged += 1;
                        continue;
                    }
                    imported.updated += 1;
                    id
                } else {
                    imported.created += 1;
                    CalendarEventId::new()
                };
                let new = item.event;
                let previous = tables.calendar_events.remove(&id);
                let event = match previous {
                    // Changed: as imported, keeping what the import does not say.
                    Some(previous) => CalendarEvent {
                        course_id: import.course_id.or(previous.course_id),
                        document_id: previous.document_id,
                        color: previous.color,
                        google_event_id: previous.google_event_id,
                        google_calendar_id: previous.google_calendar_id,
                        ical_uid: Some(uid),
                        subscription_id: import.subscription_id.or(previous.subscription_id),
                        sequence: previous.sequence.saturating_add(1),
                        created_at: previous.created_at,
                        ..stored_event(id, user, new, now)
                    },
                    None => CalendarEvent {
                        course_id: import.course_id,
                        ical_uid: Some(uid),
                        subscription_id: import.subscription_id,
                        ..stored_event(id, user, new, now)
                    },
                };
                let undone: Vec<_> = tables
                    .event_exceptions
                    .range(changes_of(id))
                    .map(|(key, _)| *key)
                    .collect();
                for key in undone {
                    tables.event_exceptions.remove(&key);
                }
                for change in item.overrides {
                    let exception = stored_exception(id, change, now);
                    tables
                        .event_exceptions
                        .insert((id, exception.original_start), exception);
                }
                tables.calendar_events.insert(id, event.clone());
                imported.events.push(event);
            }
            if let Some(subscription) = import.subscription_id {
                let gone: BTreeSet<CalendarEventId> = tables
                    .calendar_events
                    .values()
                    .filter(|e| {
                        e.subscription_id == Some(subscription)
                            && !e.ical_uid.as_ref().is_some_and(|uid| seen.contains(uid))
                    })
                    .map(|e| e.id)
                    .collect();
                imported.removed = u32::try_from(gone.len()).unwrap_or(u32::MAX);
                tables.delete_calendar_events(|e| gone.contains(&e.id));
            }
            Ok(imported)
        })
    }

    async fn subscribe(
        &self,
        user: UserId,
        url: String,
        course_id: Option<CourseId>,
        time_zone: String,
    ) -> DomainResult<CalendarSubscription> {
        self.write(|tables, now| {
            tables.check_user(user)?;
            tables.check_links(
                user,
                SourceLinks {
                    course_id,
                    note_id: None,
                    document_id: None,
                },
            )?;
            if let Some(existing) = tables
                .calendar_subscriptions
                .values_mut()
                .find(|s| s.user_id == user && s.url == url)
            {
                existing.course_id = course_id;
                existing.time_zone = time_zone;
                existing.updated_at = now;
                return Ok(existing.clone());
            }
            let subscription = CalendarSubscription {
                id: CalendarSubscriptionId::new(),
                user_id: user,
                url,
                course_id,
                time_zone,
                event_count: 0,
                refreshed_at: None,
                last_error: None,
                created_at: now,
                updated_at: now,
            };
            tables
                .calendar_subscriptions
                .insert(subscription.id, subscription.clone());
            Ok(subscription)
        })
    }

    async fn subscription(
        &self,
        user: UserId,
        id: CalendarSubscriptionId,
    ) -> DomainResult<CalendarSubscription> {
        self.with_tables(|tables| {
            owned(
                &tables.calendar_subscriptions,
                user,
                &id,
                "calendar subscription",
            )
            .cloned()
        })
    }

    async fn subscriptions(&self, user: UserId) -> DomainResult<Vec<CalendarSubscription>> {
        self.with_tables(|tables| {
            let mine: Vec<&CalendarSubscription> = tables
                .calendar_subscriptions
                .values()
                .filter(|s| s.user_id == user)
                .collect();
            Ok(sorted(mine, SortOrder::OldestFirst, |s| {
                (s.created_at, s.id.as_uuid())
            })
            .into_iter()
            .cloned()
            .collect())
        })
    }

    async fn record_refresh(
        &self,
        user: UserId,
        id: CalendarSubscriptionId,
        outcome: Result<u32, String>,
    ) -> DomainResult<CalendarSubscription> {
        self.write(|tables, now| {
            let subscription = owned_mut(
                &mut tables.calendar_subscriptions,
                user,
                &id,
                "calendar subscription",
            )?;
            match outcome {
                Ok(events) => {
                    subscription.event_count = events;
                    subscription.last_error = None;
                }
                Err(reason) => subscription.last_error = Some(reason),
            }
            subscription.refreshed_at = Some(now);
            subscription.updated_at = now;
            Ok(subscription.clone())
        })
    }

    async fn unsubscribe(&self, user: UserId, id: CalendarSubscriptionId) -> DomainResult<()> {
        self.with_tables(|tables| {
            owned(
                &tables.calendar_subscriptions,
                user,
                &id,
                "calendar subscription",
            )?;
            tables.calendar_subscriptions.remove(&id);
            tables.delete_calendar_events(|e| e.subscription_id == Some(id));
            Ok(())
        })
    }

    async fn subscriptions_due(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<CalendarSubscription>> {
        self.with_tables(|tables| {
            let mut due: Vec<&CalendarSubscription> = tables
                .calendar_subscriptions
                .values()
                .filter(|s| s.refreshed_at.is_none_or(|at| at < before))
                .collect();
            // Never fetched first (`None` sorts first), then the longest ago.
            due.sort_by_key(|s| (s.refreshed_at, s.id.as_uuid()));
            Ok(due
                .into_iter()
                .take(usize::try_from(limit).unwrap_or(usize::MAX))
                .cloned()
                .collect())
        })
    }

    async fn events_by_uid(
        &self,
        user: UserId,
        uids: Vec<String>,
    ) -> DomainResult<Vec<CalendarEvent>> {
        let uids: std::collections::HashSet<String> = uids.into_iter().collect();
        self.with_tables(|tables| {
            Ok(tables
                .calendar_events
                .values()
                .filter(|e| e.user_id == user)
                .filter(|e| e.ical_uid.as_ref().is_some_and(|uid| uids.contains(uid)))
                .cloned()
                .collect())
        })
    }

    async fn create_extraction(
        &self,
        user: UserId,
        new: NewEventExtraction,
    ) -> DomainResult<EventExtraction> {
        self.write(|tables, now| {
            tables.check_user(user)?;
            let (document_id, note_id) = match new.source {
                ExtractionSource::Document(id) => (Some(id), None),
                ExtractionSource::Note(id) => (None, Some(id)),
            };
            tables.check_links(
                user,
                SourceLinks {
                    course_id: None,
                    note_id,
                    document_id,
                },
            )?;
            let extraction = EventExtraction {
                id: EventExtractionId::new(),
                user_id: user,
                document_id,
                note_id,
                status: JobStatus::Pending,
                progress: 0,
                time_zone: new.time_zone.name().to_owned(),
                locale: new.locale.into_inner(),
                proposals: Vec::new(),
                error_message: None,
                model: None,
                completed_at: None,
                created_at: now,
                updated_at: now,
            };
            tables
                .event_extractions
                .insert(extraction.id, extraction.clone());
            Ok(extraction)
        })
    }

    async fn extraction(
        &self,
        user: UserId,
        id: EventExtractionId,
    ) -> DomainResult<EventExtraction> {
        self.with_tables(|tables| {
            owned(&tables.event_extractions, user, &id, "event extraction").cloned()
        })
    }

    async fn advance_extraction(
        &self,
        user: UserId,
        id: EventExtractionId,
        progress: Progress,
    ) -> DomainResult<Option<EventExtraction>> {
        self.write(|tables, now| {
            let Some(extraction) = tables.unfinished_extraction(user, id) else {
                return Ok(None);
            };
            extraction.status = JobStatus::Processing;
            extraction.progress = extraction.progress.max(progress.get_i32());
            extraction.updated_at = now;
            Ok(Some(extraction.clone()))
        })
    }

    async fn finish_extraction(
        &self,
        user: UserId,
        id: EventExtractionId,
        end: ExtractionEnd,
    ) -> DomainResult<Option<EventExtraction>> {
        self.write(|tables, now| {
            let Some(extraction) = tables.unfinished_extraction(user, id) else {
                return Ok(None);
            };
            match end {
                ExtractionEnd::Completed { proposals, model } => {
                    extraction.status = JobStatus::Completed;
                    extraction.progress = 100;
                    extraction.proposals = proposals;
                    extraction.model = Some(model);
                }
                ExtractionEnd::Failed(reason) => {
                    extraction.status = JobStatus::Failed;
                    extraction.error_message = Some(reason);
                }
            }
            extraction.completed_at = Some(now);
            extraction.updated_at = now;
            Ok(Some(extraction.clone()))
        })
    }

    async fn mark_accepted(
        &self,
        user: UserId,
        id: EventExtractionId,
        accepted: Vec<(ProposalId, CalendarEventId)>,
    ) -> DomainResult<EventExtraction> {
        self.write(|tables, now| {
            let extraction =
                owned_mut(&mut tables.event_extractions, user, &id, "event extraction")?;
            for proposal in &mut extraction.proposals {
                if let Some((_, event)) = accepted.iter().find(|(p, _)| *p == proposal.id) {
                    proposal.event_id = Some(*event);
                }
            }
            extraction.updated_at = now;
            Ok(extraction.clone())
        })
    }

    async fn delete_extraction(&self, user: UserId, id: EventExtractionId) -> DomainResult<()> {
        self.write(|tables, _| {
            owned(&tables.event_extractions, user, &id, "event extraction")?;
            tables.event_extractions.remove(&id);
            Ok(())
        })
    }
}

#[async_trait]
impl ImportJobRepository for MemoryStore {
    async fn create(&self, user: UserId, new: NewImportJob) -> DomainResult<ImportJob> {
        self.write(|tables, now| {
            tables.check_user(user)?;
            tables.check_links(
                user,
                SourceLinks {
                    course_id: None,
                    note_id: None,
                    document_id: new.document_id,
                },
            )?;
            tables.check_import_targets_free(None, None, new.document_id)?;
            let job = ImportJob {
                id: ImportJobId::new(),
                user_id: user,
                note_id: None,
                document_id: new.document_id,
                source: new.source,
                source_url: new.source_url.map(WebUrl::into_inner),
                title: new.title.map(Title::into_inner),
                status: JobStatus::Pending,
                progress: 0,
                error_message: None,
                result: None,
                completed_at: None,
                created_at: now,
                updated_at: now,
            };
            tables.import_jobs.insert(job.id, job.clone());
            Ok(job)
        })
    }

    async fn get(&self, user: UserId, id: ImportJobId) -> DomainResult<ImportJob> {
        self.with_tables(|tables| owned(&tables.import_jobs, user, &id, "import job").cloned())
    }

    async fn list(
        &self,
        user: UserId,
        filter: ImportJobFilter,
        page: PageRequest,
    ) -> DomainResult<Page<ImportJob>> {
        self.with_tables(|tables| {
            let rows = tables.import_jobs.values().filter(|j| {
                j.user_id == user && filter.status.is_none_or(|status| j.status == status)
            });
            Ok(page_of(rows, SortOrder::NewestFirst, page, |j| {
                (j.created_at, j.id.as_uuid())
            }))
        })
    }

    async fn update(
        &self,
        user: UserId,
        id: ImportJobId,
        update: ImportJobUpdate,
    ) -> DomainResult<ImportJob> {
        self.write(|tables, now| tables.update_import(user, id, update, now, false))
    }

    async fn advance(
        &self,
        user: UserId,
        id: ImportJobId,
        update: ImportJobUpdate,
    ) -> DomainResult<ImportJob> {
        self.write(|tables, now| tables.update_import(user, id, update, now, true))
    }

    async fn cancel(&self, user: UserId, id: ImportJobId) -> DomainResult<ImportJob> {
        self.write(|tables, now| {
            let job = owned_mut(&mut tables.import_jobs, user, &id, "import job")?;
            if job.status.is_finished() {
                return Err(DomainError::conflict(
                    "status",
                    "the import has already finished",
                ));
            }
            job.status = JobStatus::Cancelled;
            job.completed_at = Some(now);
            job.updated_at = now;
            Ok(job.clone())
        })
    }

    async fn delete(&self, user: UserId, id: ImportJobId) -> DomainResult<()> {
        self.with_tables(|tables| {
            owned(&tables.import_jobs, user, &id, "import job")?;
            tables.import_jobs.remove(&id);
            Ok(())
        })
    }
}

pub(super) fn insert_notification(
    tables: &mut Tables,
    user: UserId,
    new: NewNotification,
    now: DateTime<Utc>,
) -> DomainResult<Notification> {
    tables.check_user(user)?;
    let notification = Notification {
        id: NotificationId::new(),
        user_id: user,
        notification_type: new.notification_type,
        title: new.title.into_inner(),
        message: new.message.into_inner(),
        read: false,
        link: new.link.map(Link::into_inner),
        created_at: now,
        updated_at: now,
    };
    tables
        .notifications
        .insert(notification.id, notification.clone());
    Ok(notification)
}

#[async_trait]
impl NotificationRepository for MemoryStore {
    async fn create(&self, user: UserId, new: NewNotification) -> DomainResult<Notification> {
        self.write(|tables, now| insert_notification(tables, user, new, now))
    }

    async fn create_once(
        &self,
        user: UserId,
        key: String,
        new: NewNotification,
    ) -> DomainResult<Notification> {
        if key.is_empty() || key.chars().count() > 200 {
            return Err(DomainError::validation(
                "key",
                "must be 1 to 200 characters",
            ));
        }
        self.write(|tables, now| {
            let sent = tables
                .notification_keys
                .get(&(user, key.clone()))
                .and_then(|id| tables.notifications.get(id))
                .filter(|n| n.user_id == user)
                .cloned();
            if let Some(sent) = sent {
                return Ok(sent);
            }
            let notification = insert_notification(tables, user, new, now)?;
            tables
                .notification_keys
                .insert((user, key), notification.id);
            Ok(notification)
        })
    }

    async fn list(
        &self,
        user: UserId,
        filter: NotificationFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Notification>> {
        self.with_tables(|tables| {
            let rows = tables
                .notifications
                .values()
                .filter(|n| n.user_id == user && (!filter.unread_only || !n.read));
            Ok(page_of(rows, SortOrder::NewestFirst, page, |n| {
                (n.created_at, n.id.as_uuid())
            }))
        })
    }

    async fn count_unread(&self, user: UserId) -> DomainResult<u64> {
        self.with_tables(|tables| {
            Ok(count(
                tables
                    .notifications
                    .values()
                    .filter(|n| n.user_id == user && !n.read)
                    .count(),
            ))
        })
    }

    async fn mark_read(&self, user: UserId, id: NotificationId) -> DomainResult<Notification> {
        self.write(|tables, now| {
            let notification = owned_mut(&mut tables.notifications, user, &id, "notification")?;
            notification.read = true;
            notification.updated_at = now;
            Ok(notification.clone())
        })
    }

    async fn mark_all_read(&self, user: UserId) -> DomainResult<u64> {
        self.write(|tables, now| {
            let mut changed = 0_usize;
            for notification in tables
                .notifications
                .values_mut()
                .filter(|n| n.user_id == user && !n.read)
            {
                notification.read = true;
                notification.updated_at = now;
                changed += 1;
            }
            Ok(count(changed))
        })
    }

    async fn delete(&self, user: UserId, id: NotificationId) -> DomainResult<()> {
        self.with_tables(|tables| {
            owned(&tables.notifications, user, &id, "notification")?;
            tables.notifications.remove(&id);
            Ok(())
        })
    }
}

/// The keys of the changed occurrences of `event` in `event_exceptions`.
fn changes_of(
    event: CalendarEventId,
) -> std::ops::RangeInclusive<(CalendarEventId, DateTime<Utc>)> {
    (event, DateTime::<Utc>::MIN_UTC)..=(event, DateTime::<Utc>::MAX_UTC)
}

/// The event `new`, made now for `user` as `id`, as stored.
fn stored_event(
    id: CalendarEventId,
    user: UserId,
    new: NewCalendarEvent,
    now: DateTime<Utc>,
) -> CalendarEvent {
    CalendarEvent {
        id,
        user_id: user,
        course_id: new.course_id,
        document_id: new.document_id,
        title: new.title.into_inner(),
        description: new.description.map(Description::into_inner),
        start_date: micros(new.schedule.start()),
        end_date: new.schedule.end().map(micros),
        time_zone: new.schedule.zone().name().to_owned(),
        all_day: new.schedule.all_day(),
        recurrence: new.schedule.recurrence().to_vec(),
        reminders: new.reminders.minutes().to_vec(),
        event_type: new.event_type,
        location: new.location.map(ShortText::into_inner),
        priority: new.priority,
        color: new.color.into_inner(),
        google_event_id: new.google_event_id.map(ShortText::into_inner),
        google_calendar_id: new.google_calendar_id.map(ShortText::into_inner),
        ical_uid: None,
        subscription_id: None,
        sequence: 0,
        created_at: now,
        updated_at: now,
    }
}

/// The change `new` of the occurrence of event `event_id`, made now, as stored.
fn stored_exception(
    event_id: CalendarEventId,
    new: NewEventException,
    now: DateTime<Utc>,
) -> EventException {
    EventException {
        event_id,
        original_start: micros(new.original_start),
        cancelled: new.cancelled,
        start_date: micros(new.start_date),
        end_date: new.end_date.map(micros),
        title: new.title.map(Title::into_inner),
        location: new.location.map(ShortText::into_inner),
        updated_at: now,
    }
}
