//! Ports for the student's workspace: chats, the calendar, imports and notifications.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::entities::{
    CalendarEvent, CalendarEventUpdate, CalendarFilter, CalendarImport, CalendarImported,
    CalendarSubscription, ChatMessage, ChatSession, ChatSessionFilter, ChatSessionUpdate,
    EventException, EventExtraction, EventWithExceptions, ExtractionEnd, ImportJob,
    ImportJobFilter, ImportJobUpdate, NewCalendarEvent, NewChatMessage, NewChatSession,
    NewEventException, NewEventExtraction, NewImportJob, NewNotification, Notification,
    NotificationFilter,
};
use crate::error::DomainResult;
use crate::id::{
    CalendarEventId, CalendarSubscriptionId, ChatSessionId, CourseId, EventExtractionId,
    ImportJobId, NotificationId, ProposalId, UserId,
};
use crate::pagination::{Page, PageRequest};
use crate::values::Progress;

/// Stores [`ChatSession`]s and their [`ChatMessage`]s.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ChatRepository: Send + Sync {
    /// Starts a chat owned by `user`.
    ///
    /// # Errors
    ///
    /// `NotFound` when the course is not the user's.
    async fn create_session(&self, user: UserId, new: NewChatSession) -> DomainResult<ChatSession>;

    /// The user's chat.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn get_session(&self, user: UserId, id: ChatSessionId) -> DomainResult<ChatSession>;

    /// The user's chats matching `filter`, newest first.
    async fn list_sessions(
        &self,
        user: UserId,
        filter: ChatSessionFilter,
        page: PageRequest,
    ) -> DomainResult<Page<ChatSession>>;

    /// Renames or refiles the user's chat.
    ///
    /// # Errors
    ///
    /// `NotFound` when the chat, or a new course, is not the user's.
    async fn update_session(
        &self,
        user: UserId,
        id: ChatSessionId,
        update: ChatSessionUpdate,
    ) -> DomainResult<ChatSession>;

    /// Deletes the user's chat and its messages.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn delete_session(&self, user: UserId, id: ChatSessionId) -> DomainResult<()>;

    /// Appends a message to the user's chat.
    ///
    /// # Errors
    ///
    /// `NotFound` when the chat is not the user's.
    async fn add_message(
        &self,
        user: UserId,
        session: ChatSessionId,
        new: NewChatMessage,
    ) -> DomainResult<ChatMessage>;

    /// The last `limit` messages of the user's chat, oldest first: the turns an answer
    /// takes as context.
    ///
    /// # Errors
    ///
    /// `NotFound` when the chat is not the user's.
    async fn recent_messages(
        &self,
        user: UserId,
        session: ChatSessionId,
        limit: u32,
    ) -> DomainResult<Vec<ChatMessage>>;

    /// The messages of the user's chat, **oldest first**, as a conversation reads.
    ///
    /// # Errors
    ///
    /// `NotFound` when the chat is not the user's.
    async fn list_messages(
        &self,
        user: UserId,
        session: ChatSessionId,
        page: PageRequest,
    ) -> DomainResult<Page<ChatMessage>>;
}

/// Stores [`CalendarEvent`]s.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait CalendarRepository: Send + Sync {
    /// Creates an event owned by `user`.
    ///
    /// # Errors
    ///
    /// `NotFound` when the course or document is not the user's.
    async fn create(&self, user: UserId, new: NewCalendarEvent) -> DomainResult<CalendarEvent>;

    /// The user's event.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn get(&self, user: UserId, id: CalendarEventId) -> DomainResult<CalendarEvent>;

    /// The user's events matching `filter`, **by start date, earliest first**: the cursor is
    /// over `(start_date, id)`.
    async fn list(
        &self,
        user: UserId,
        filter: CalendarFilter,
        page: PageRequest,
    ) -> DomainResult<Page<CalendarEvent>>;

    /// Changes the user's event.
    ///
    /// # Errors
    ///
    /// `NotFound` when the event, or a new course or document, is not the user's.
    async fn update(
        &self,
        user: UserId,
        id: CalendarEventId,
        update: CalendarEventUpdate,
    ) -> DomainResult<CalendarEvent>;

    /// Deletes the user's event, with the changes to its occurrences.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn delete(&self, user: UserId, id: CalendarEventId) -> DomainResult<()>;

    /// The user's events that may have an occurrence in the window `[filter.from,
    /// filter.to)`: those without recurrence that overlap it (as [`CalendarFilter::matches`]
    /// has it), and every repeating one that starts before its end, each with the changes to
    /// its occurrences; the course and type filters apply. By start, earliest first.
    async fn window(
        &self,
        user: UserId,
        filter: CalendarFilter,
    ) -> DomainResult<Vec<EventWithExceptions>>;

    /// Changes or cancels one occurrence of the user's event, replacing an earlier change of
    /// the same occurrence (the caller checks it is one).
    ///
    /// # Errors
    ///
    /// `NotFound` when the event is not the user's.
    async fn put_exception(
        &self,
        user: UserId,
        id: CalendarEventId,
        new: NewEventException,
    ) -> DomainResult<EventException>;

    /// Undoes the change of one occurrence: it is again as the series has it.
    ///
    /// # Errors
    ///
    /// `NotFound` when the event is not the user's or that occurrence has no change.
    async fn delete_exception(
        &self,
        user: UserId,
        id: CalendarEventId,
        original_start: DateTime<Utc>,
    ) -> DomainResult<()>;

    /// Gives the user's calendar feed a new token, by its hash (see
    /// [`crate::services::calendar::hash_feed_token`]): the feed is then reachable by the new
    /// token only.
    ///
    /// # Errors
    ///
    /// `NotFound` when the user does not exist.
    async fn replace_feed_token(&self, user: UserId, token_hash: String) -> DomainResult<()>;

    /// Whose calendar feed the token with this hash opens, if anyone's.
    async fn feed_owner(&self, token_hash: String) -> DomainResult<Option<UserId>>;

    /// When the user's feed (the whole calendar, or one course's with `scope`) last changed:
    /// the time it was first served with `etag`, recorded now when `etag` is not the one last
    /// served (and then at least a second after the version it replaces, so that a
    /// `Last-Modified` in whole seconds always moves).
    ///
    /// # Errors
    ///
    /// `NotFound` when the user does not exist.
    async fn feed_version(
        &self,
        user: UserId,
        scope: Option<CourseId>,
        etag: String,
    ) -> DomainResult<DateTime<Utc>>;

    /// Imports a batch of events in one transaction, each by its `UID`: one the user has
    /// imported before is changed (its `SEQUENCE` raised) unless it is the same, anything else
    /// is made; the changed and cancelled occurrences of each changed or made event become
    /// the batch's. With a subscription, its events that the batch does not hold are removed.
    /// The answer lists the events made or changed, in the batch's order.
    ///
    /// # Errors
    ///
    /// `NotFound` when the course or the subscription is not the user's; nothing is then
    /// written.
    async fn import_events(
        &self,
        user: UserId,
        import: CalendarImport,
    ) -> DomainResult<CalendarImported>;

    /// Subscribes the user to the calendar at `url`, its zoneless times in `time_zone` (or
    /// finds the subscription they have to it, moved to `course_id` and `time_zone`).
    ///
    /// # Errors
    ///
    /// `NotFound` when the user or the course is not there.
    async fn subscribe(
        &self,
        user: UserId,
        url: String,
        course_id: Option<CourseId>,
        time_zone: String,
    ) -> DomainResult<CalendarSubscription>;

    /// The user's subscription.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn subscription(
        &self,
        user: UserId,
        id: CalendarSubscriptionId,
    ) -> DomainResult<CalendarSubscription>;

    /// The user's subscriptions, oldest first.
    async fn subscriptions(&self, user: UserId) -> DomainResult<Vec<CalendarSubscription>>;

    /// Records a fetch of the user's subscription: its event count after a successful one
    /// (`Ok`), or why it failed (`Err`, the count kept).
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn record_refresh(
        &self,
        user: UserId,
        id: CalendarSubscriptionId,
        outcome: Result<u32, String>,
    ) -> DomainResult<CalendarSubscription>;

    /// Removes the user's subscription with the events it brought.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn unsubscribe(&self, user: UserId, id: CalendarSubscriptionId) -> DomainResult<()>;

    /// Subscriptions of every user not fetched since `before` (never fetched first, then the
    /// longest ago), at most `limit`.
    async fn subscriptions_due(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<CalendarSubscription>>;

    /// The user's events imported or accepted under any of `uids` (in no particular order).
    async fn events_by_uid(
        &self,
        user: UserId,
        uids: Vec<String>,
    ) -> DomainResult<Vec<CalendarEvent>>;

    /// Records a pending extraction of events from the user's document or note.
    ///
    /// # Errors
    ///
    /// `NotFound` when the document or note is not the user's.
    async fn create_extraction(
        &self,
        user: UserId,
        new: NewEventExtraction,
    ) -> DomainResult<EventExtraction>;

    /// The user's extraction.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn extraction(
        &self,
        user: UserId,
        id: EventExtractionId,
    ) -> DomainResult<EventExtraction>;

    /// Marks the user's unfinished extraction `PROCESSING` at `progress` (never lowering it);
    /// `None` when it is gone or finished.
    async fn advance_extraction(
        &self,
        user: UserId,
        id: EventExtractionId,
        progress: Progress,
    ) -> DomainResult<Option<EventExtraction>>;

    /// Ends the user's unfinished extraction: `COMPLETED` with its proposals, or `FAILED`
    /// with the reason; `None`, writing nothing, when it is gone or already finished.
    async fn finish_extraction(
        &self,
        user: UserId,
        id: EventExtractionId,
        end: ExtractionEnd,
    ) -> DomainResult<Option<EventExtraction>>;

    /// Records the events the user's proposals became (proposals not named are left as
    /// they are).
    ///
    /// # Errors
    ///
    /// `NotFound` when the extraction does not exist or is not the user's.
    async fn mark_accepted(
        &self,
        user: UserId,
        id: EventExtractionId,
        accepted: Vec<(ProposalId, CalendarEventId)>,
    ) -> DomainResult<EventExtraction>;

    /// Removes the user's extraction.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn delete_extraction(&self, user: UserId, id: EventExtractionId) -> DomainResult<()>;
}

/// Stores [`ImportJob`]s, the student's view of background imports.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait ImportJobRepository: Send + Sync {
    /// Records a pending import owned by `user`.
    ///
    /// # Errors
    ///
    /// `NotFound` when the document is not the user's; `Conflict` on `documentId` when another
    /// job already has it.
    async fn create(&self, user: UserId, new: NewImportJob) -> DomainResult<ImportJob>;

    /// The user's import.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn get(&self, user: UserId, id: ImportJobId) -> DomainResult<ImportJob>;

    /// The user's imports matching `filter`, newest first.
    async fn list(
        &self,
        user: UserId,
        filter: ImportJobFilter,
        page: PageRequest,
    ) -> DomainResult<Page<ImportJob>>;

    /// Records progress of the user's import.
    ///
    /// # Errors
    ///
    /// `NotFound` when the job, or a new note or document, is not the user's; `Conflict` on
    /// `noteId` / `documentId` when another job already has it.
    async fn update(
        &self,
        user: UserId,
        id: ImportJobId,
        update: ImportJobUpdate,
    ) -> DomainResult<ImportJob>;

    /// Records progress of the user's import while it is unfinished (`PENDING` or
    /// `PROCESSING`), as the worker goes: the one way the worker writes, so a cancelled
    /// import stays cancelled. Progress never goes back: the larger of the stored and the new
    /// value is kept.
    ///
    /// # Errors
    ///
    /// As [`ImportJobRepository::update`], and `Conflict` on `status` when the import has
    /// finished (completed, failed or cancelled).
    async fn advance(
        &self,
        user: UserId,
        id: ImportJobId,
        update: ImportJobUpdate,
    ) -> DomainResult<ImportJob>;

    /// Cancels the user's import if it has not finished.
    ///
    /// # Errors
    ///
    /// `NotFound` when it is not the user's; `Conflict` on `status` when it already finished.
    async fn cancel(&self, user: UserId, id: ImportJobId) -> DomainResult<ImportJob>;

    /// Deletes the user's import record (not what it produced).
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn delete(&self, user: UserId, id: ImportJobId) -> DomainResult<()>;
}

/// Stores [`Notification`]s.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait NotificationRepository: Send + Sync {
    /// Sends `user` a notification, unread.
    async fn create(&self, user: UserId, new: NewNotification) -> DomainResult<Notification>;

    /// Sends `user` a notification unless one was already sent with `key` (a job that runs
    /// twice notifies once); returns the one sent.
    ///
    /// # Errors
    ///
    /// `Validation` on `key` when it is empty or longer than 200 characters.
    async fn create_once(
        &self,
        user: UserId,
        key: String,
        new: NewNotification,
    ) -> DomainResult<Notification>;

    /// The user's notifications matching `filter`, newest first.
    async fn list(
        &self,
        user: UserId,
        filter: NotificationFilter,
        page: PageRequest,
    ) -> DomainResult<Page<Notification>>;

    /// How many of the user's notifications are unread.
    async fn count_unread(&self, user: UserId) -> DomainResult<u64>;

    /// Marks one of the user's notifications read.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn mark_read(&self, user: UserId, id: NotificationId) -> DomainResult<Notification>;

    /// Marks all the user's notifications read; returns how many changed.
    async fn mark_all_read(&self, user: UserId) -> DomainResult<u64>;

    /// Deletes one of the user's notifications.
    ///
    /// # Errors
    ///
    /// `NotFound` when it does not exist or is not the user's.
    async fn delete(&self, user: UserId, id: NotificationId) -> DomainResult<()>;
}
