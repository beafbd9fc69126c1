//! Valid commands and ready-made rows for the contract tests, so each test states only what
//! matters to it.

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use uuid::Uuid;

use super::Fixture;
use crate::entities::{
    Account, CalendarEvent, ChatMessage, ChatSession, Course, Document, DocumentChunk,
    FlashcardSetWithCards, ImportJob, ImportJobUpdate, NewAccount, NewCalendarEvent,
    NewChatMessage, NewChatSession, NewCourse, NewDocument, NewDocumentChunk, NewFlashcard,
    NewFlashcardSet, NewImportJob, NewNote, NewNotification, NewQuestion, NewQuiz, NewSession,
    NewStudyGuide, NewUser, Note, Notification, NotificationFilter, QueryEmbedding, QuizResponse,
    QuizWithQuestions, Session, SourceLinks, StudyGuide, SubmittedAnswer, User,
};
use crate::enums::{
    Difficulty, EventType, ImportSource, MessageType, NotificationType, QuestionType,
};
use crate::id::{
    AccountId, CalendarEventId, ChatSessionId, CourseId, DocumentId, FlashcardId, FlashcardSetId,
    ImportJobId, NoteId, NotificationId, QuestionId, QuizId, QuizResponseId, SessionId,
    StudyGuideId, UserId,
};
use crate::pagination::{Cursor, PageRequest};
use crate::ports::{JobQueue, Repositories};
use crate::rules::grading::grade_quiz_response;
use crate::values::{
    CardText, Color, Email, EventSchedule, FileSize, Markdown, MessageText, Name, Points,
    QuestionContent, ShortText, Tags, Title,
};

// ---------------------------------------------------------------- time

/// The wall clock at PostgreSQL's precision: a base for dates given to the adapters.
#[must_use]
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// Waits (a few microseconds at most) until the wall clock is past `instant`, so the next write
/// is stamped strictly later by an adapter on the system clock.
pub fn wait_past(instant: DateTime<Utc>) {
    while now() <= instant {
        std::hint::spin_loop();
    }
}

/// Waits until the wall clock has moved on, so every write after this one is stamped later
/// than every write before it.
pub fn tick() {
    wait_past(now());
}

/// A fixed day far from now, for dates that are data (event starts), not stamps.
#[must_use]
pub fn day(offset: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_893_456_000, 0).unwrap() + TimeDelta::days(offset)
}

// ---------------------------------------------------------------- values

#[must_use]
pub fn title(text: &str) -> Title {
    Title::parse(text).unwrap()
}

#[must_use]
pub fn md(text: &str) -> Markdown {
    Markdown::parse(text).unwrap()
}

#[must_use]
pub fn card_text(text: &str) -> CardText {
    CardText::parse(text).unwrap()
}

#[must_use]
pub fn short(text: &str) -> ShortText {
    ShortText::parse(text).unwrap()
}

#[must_use]
pub fn tags(values: &[&str]) -> Tags {
    Tags::parse(values).unwrap()
}

#[must_use]
pub fn points(value: i64) -> Points {
    Points::new(value).unwrap()
}

#[must_use]
pub fn links(
    course_id: Option<CourseId>,
    note_id: Option<NoteId>,
    document_id: Option<DocumentId>,
) -> SourceLinks {
    SourceLinks {
        course_id,
        note_id,
        document_id,
    }
}

/// A page of `limit` items after `cursor`.
#[must_use]
pub fn page(limit: u32, cursor: Option<Cursor>) -> PageRequest {
    PageRequest::new(Some(limit), cursor).unwrap()
}

/// The largest first page: enough for every list a test makes but the paging ones.
#[must_use]
pub fn all() -> PageRequest {
    page(PageRequest::MAX_LIMIT, None)
}

// ---------------------------------------------------------------- commands

#[must_use]
pub fn new_user(name: &str, email: &str) -> NewUser {
    NewUser {
        name: Name::parse(name).unwrap(),
        email: Email::parse(email).unwrap(),
        image: None,
    }
}

#[must_use]
pub fn new_course(name: &str) -> NewCourse {
    NewCourse {
        name: Name::parse(name).unwrap(),
        code: None,
        description: None,
        color: Color::default(),
        term: None,
        instructor: None,
    }
}

#[must_use]
pub fn new_note(note_title: &str, content: &str) -> NewNote {
    NewNote::manual(title(note_title), md(content))
}

/// A PDF record whose storage key is `key`.
#[must_use]
pub fn new_document(document_title: &str, key: &str) -> NewDocument {
    NewDocument {
        course_id: None,
        title: title(document_title),
        file_name: short(&format!("{document_title}.pdf")),
        mime_type: short("application/pdf"),
        file_size: FileSize::new(1_024).unwrap(),
        storage_key: key.to_owned(),
        checksum_sha256: "ab".repeat(32),
    }
}

#[must_use]
pub fn new_card(question: &str, answer: &str) -> NewFlashcard {
    NewFlashcard {
        sources: Vec::new(),
        question: card_text(question),
        answer: card_text(answer),
        hint: None,
        explanation: None,
        difficulty: Difficulty::Medium,
    }
}

#[must_use]
pub fn new_set(
    set_title: &str,
    set_links: SourceLinks,
    cards: Vec<NewFlashcard>,
) -> NewFlashcardSet {
    NewFlashcardSet {
        title: title(set_title),
        description: None,
        difficulty: Difficulty::Medium,
        tags: Tags::default(),
        color: Color::default(),
        links: set_links,
        flashcards: cards,
    }
}

/// A short-answer question whose answer is `mitochondria`.
#[must_use]
pub fn new_question(text: &str, worth: i64) -> NewQuestion {
    NewQuestion {
        sources: Vec::new(),
        question: card_text(text),
        content: QuestionContent::new(QuestionType::ShortAnswer, None, "mitochondria").unwrap(),
        explanation: None,
        hint: None,
        difficulty: Difficulty::Easy,
        points: points(worth),
    }
}

#[must_use]
pub fn new_quiz(quiz_title: &str, quiz_links: SourceLinks, questions: Vec<NewQuestion>) -> NewQuiz {
    NewQuiz {
        title: title(quiz_title),
        description: None,
        difficulty: Difficulty::Medium,
        time_limit: None,
        links: quiz_links,
        questions,
    }
}

#[must_use]
pub fn new_guide(guide_title: &str, guide_links: SourceLinks) -> NewStudyGuide {
    NewStudyGuide {
        sources: Vec::new(),
        title: title(guide_title),
        content: md("# Guide"),
        links: guide_links,
    }
}

#[must_use]
pub fn new_chat(chat_title: &str, course_id: Option<CourseId>) -> NewChatSession {
    NewChatSession {
        title: title(chat_title),
        course_id,
    }
}

#[must_use]
pub fn new_message(text: &str) -> NewChatMessage {
    NewChatMessage {
        content: MessageText::parse(text).unwrap(),
        message_type: MessageType::User,
        references: Vec::new(),
    }
}

/// A lecture starting at `starts`, with no end.
#[must_use]
pub fn new_event(event_title: &str, starts: DateTime<Utc>) -> NewCalendarEvent {
    NewCalendarEvent {
        title: title(event_title),
        description: None,
        schedule: EventSchedule::new(starts, None).unwrap(),
        reminders: crate::values::Reminders::default(),
        event_type: EventType::Lecture,
        location: None,
        priority: None,
        color: Color::default(),
        google_event_id: None,
        google_calendar_id: None,
        course_id: None,
        document_id: None,
    }
}

#[must_use]
pub fn new_import(document_id: Option<DocumentId>) -> NewImportJob {
    NewImportJob {
        source: ImportSource::File,
        source_url: None,
        title: None,
        document_id,
    }
}

#[must_use]
pub fn new_notification(notification_title: &str) -> NewNotification {
    NewNotification {
        notification_type: NotificationType::System,
        title: title(notification_title),
        message: MessageText::parse("Something happened").unwrap(),
        link: None,
    }
}

/// The model that [`chunk`] and [`by_model`] say made their embeddings.
pub const MODEL: &str = "test-model";

/// A chunk on page `index + 1`, its embedding (if any) made by [`MODEL`].
#[must_use]
pub fn chunk(index: i32, content: &str, embedding: Option<Vec<f32>>) -> NewDocumentChunk {
    NewDocumentChunk {
        content: content.to_owned(),
        page_number: Some(index + 1),
        chunk_index: index,
        embedding_model: embedding.as_ref().map(|_| MODEL.to_owned()),
        embedding,
    }
}

/// A chunk on page `index + 1` embedded by `model`.
#[must_use]
pub fn chunk_by(index: i32, content: &str, model: &str, embedding: Vec<f32>) -> NewDocumentChunk {
    NewDocumentChunk {
        embedding_model: Some(model.to_owned()),
        ..chunk(index, content, Some(embedding))
    }
}

/// A query vector made by [`MODEL`].
#[must_use]
pub fn by_model(vector: Vec<f32>) -> QueryEmbedding {
    QueryEmbedding {
        model: MODEL.to_owned(),
        vector,
    }
}

#[must_use]
pub fn new_session(user: UserId, token_hash: &str, expires_at: DateTime<Utc>) -> NewSession {
    NewSession {
        user_id: user,
        token_hash: token_hash.to_owned(),
        expires_at,
        ip_address: None,
        user_agent: None,
    }
}

/// An OAuth account with no tokens.
#[must_use]
pub fn new_oauth(user: UserId, provider: &str, account: &str) -> NewAccount {
    NewAccount::linked(user, provider, account)
}

/// A storage key no other test row uses.
#[must_use]
pub fn fresh_key() -> String {
    format!("documents/{}", Uuid::now_v7())
}

// ---------------------------------------------------------------- rows

/// The ports of one fixture, with shortcuts that create rows.
pub struct World {
    pub r: Repositories,
    pub queue: Arc<dyn JobQueue>,
}

impl World {
    pub fn of(fixture: &(impl Fixture + ?Sized)) -> Self {
        Self {
            r: fixture.repositories(),
            queue: fixture.job_queue(),
        }
    }

    /// A user called `name`, signing in as `name@example.com`.
    pub async fn user(&self, name: &str) -> UserId {
        self.r
            .users
            .create(new_user(name, &format!("{name}@example.com")))
            .await
            .unwrap()
            .id
    }

    pub async fn course(&self, user: UserId, name: &str) -> Course {
        self.r.courses.create(user, new_course(name)).await.unwrap()
    }

    pub async fn note(&self, user: UserId, note_title: &str, content: &str) -> Note {
        self.r
            .notes
            .create(user, new_note(note_title, content))
            .await
            .unwrap()
    }

    pub async fn document(&self, user: UserId, document_title: &str) -> Document {
        self.r
            .documents
            .create(user, new_document(document_title, &fresh_key()))
            .await
            .unwrap()
    }

    pub async fn set(
        &self,
        user: UserId,
        set_title: &str,
        set_links: SourceLinks,
        cards: Vec<NewFlashcard>,
    ) -> FlashcardSetWithCards {
        self.r
            .flashcards
            .create_set(user, new_set(set_title, set_links, cards))
            .await
            .unwrap()
    }

    pub async fn quiz(
        &self,
        user: UserId,
        quiz_title: &str,
        quiz_links: SourceLinks,
        questions: Vec<NewQuestion>,
    ) -> QuizWithQuestions {
        self.r
            .quizzes
            .create(user, new_quiz(quiz_title, quiz_links, questions))
            .await
            .unwrap()
    }

    pub async fn guide(
        &self,
        user: UserId,
        guide_title: &str,
        guide_links: SourceLinks,
    ) -> StudyGuide {
        self.r
            .study_guides
            .create(user, new_guide(guide_title, guide_links))
            .await
            .unwrap()
    }

    pub async fn chat(
        &self,
        user: UserId,
        chat_title: &str,
        course: Option<CourseId>,
    ) -> ChatSession {
        self.r
            .chats
            .create_session(user, new_chat(chat_title, course))
            .await
            .unwrap()
    }

    pub async fn event(
        &self,
        user: UserId,
        event_title: &str,
        starts: DateTime<Utc>,
    ) -> CalendarEvent {
        self.r
            .calendar
            .create(user, new_event(event_title, starts))
            .await
            .unwrap()
    }

    pub async fn import(&self, user: UserId, document: Option<DocumentId>) -> ImportJob {
        self.r
            .import_jobs
            .create(user, new_import(document))
            .await
            .unwrap()
    }

    pub async fn notification(&self, user: UserId, notification_title: &str) -> Notification {
        self.r
            .notifications
            .create(user, new_notification(notification_title))
            .await
            .unwrap()
    }

    /// Records an attempt at `quiz` answering its first question with `answer`.
    pub async fn attempt(
        &self,
        user: UserId,
        quiz: &QuizWithQuestions,
        answer: &str,
    ) -> QuizResponse {
        let graded = grade_quiz_response(
            quiz,
            &[SubmittedAnswer {
                question_id: quiz.questions[0].id,
                answer: answer.to_owned(),
            }],
        )
        .unwrap()
        .into_response(quiz, None, None, now());
        self.r.quizzes.record_response(user, graded).await.unwrap()
    }

    /// One of everything, owned by `user`, linked to one course, note and document; `tag`
    /// makes its unique values (storage key, token, provider account) its own.
    pub async fn everything(&self, user: UserId, tag: &str) -> Everything {
        let course = self.course(user, &format!("Biology {tag}")).await.id;
        let mut note = new_note(
            &format!("Cells {tag}"),
            "The mitochondria is the powerhouse",
        );
        note.course_id = Some(course);
        let note = self.r.notes.create(user, note).await.unwrap().id;
        let mut document = new_document(
            &format!("Syllabus {tag}"),
            &format!("docs/{tag}/{}", Uuid::now_v7()),
        );
        document.course_id = Some(course);
        let document = self.r.documents.create(user, document).await.unwrap().id;
        self.r
            .search
            .replace_chunks(
                user,
                document,
                vec![chunk(0, "Ribosomes make proteins", None)],
            )
            .await
            .unwrap();
        let all_links = links(Some(course), Some(note), Some(document));
        let set = self
            .set(
                user,
                "Organelles",
                all_links,
                vec![new_card("What is ATP?", "Energy")],
            )
            .await;
        let quiz = self
            .quiz(
                user,
                "Cell quiz",
                all_links,
                vec![new_question("Powerhouse?", 2)],
            )
            .await;
        let response = self.attempt(user, &quiz, "Mitochondria").await.id;
        let guide = self.guide(user, "Guide", all_links).await.id;
        let chat = self.chat(user, "Ask", Some(course)).await.id;
        self.r
            .chats
            .add_message(user, chat, new_message("Hello"))
            .await
            .unwrap();
        let mut event = new_event("Midterm", day(10));
        event.course_id = Some(course);
        event.document_id = Some(document);
        let event = self.r.calendar.create(user, event).await.unwrap().id;
        let import = self.import(user, Some(document)).await.id;
        let produced = ImportJobUpdate {
            note_id: Some(Some(note)),
            ..Default::default()
        };
        self.r
            .import_jobs
            .update(user, import, produced)
            .await
            .unwrap();
        let notification = self.notification(user, "Done").await.id;
        let token = format!("token-{tag}-{}", Uuid::now_v7());
        let session = self
            .r
            .sessions
            .create(new_session(user, &token, now() + TimeDelta::days(1)))
            .await
            .unwrap()
            .id;
        let provider_account = format!("{tag}-{}", Uuid::now_v7());
        let account = self
            .r
            .accounts
            .create(new_oauth(user, "google", &provider_account))
            .await
            .unwrap();
        Everything {
            user,
            course,
            note,
            document,
            set: set.set.id,
            card: set.flashcards[0].id,
            quiz: quiz.quiz.id,
            question: quiz.questions[0].id,
            response,
            guide,
            chat,
            event,
            import,
            notification,
            session,
            token,
            provider_account,
            account: account.id,
        }
    }

    /// Every row of `e` as `e.user` reads it now.
    pub async fn snapshot(&self, e: &Everything) -> Snapshot {
        let user = e.user;
        Snapshot {
            user: self.r.users.get(user).await.unwrap(),
            course: self.r.courses.get(user, e.course).await.unwrap(),
            note: self.r.notes.get(user, e.note).await.unwrap(),
            document: self.r.documents.get(user, e.document).await.unwrap(),
            chunks: self.r.search.list_chunks(user, e.document).await.unwrap(),
            set: self.r.flashcards.get_set(user, e.set).await.unwrap(),
            quiz: self.r.quizzes.get(user, e.quiz).await.unwrap(),
            responses: self
                .r
                .quizzes
                .list_responses(user, e.quiz, all())
                .await
                .unwrap()
                .items,
            guide: self.r.study_guides.get(user, e.guide).await.unwrap(),
            chat: self.r.chats.get_session(user, e.chat).await.unwrap(),
            messages: self
                .r
                .chats
                .list_messages(user, e.chat, all())
                .await
                .unwrap()
                .items,
            event: self.r.calendar.get(user, e.event).await.unwrap(),
            import: self.r.import_jobs.get(user, e.import).await.unwrap(),
            notifications: self
                .r
                .notifications
                .list(user, NotificationFilter::default(), all())
                .await
                .unwrap()
                .items,
            unread: self.r.notifications.count_unread(user).await.unwrap(),
            session: self.r.sessions.find_by_token_hash(&e.token).await.unwrap(),
            accounts: self.r.accounts.list_for_user(user).await.unwrap(),
        }
    }
}

/// The ids of one of everything a user can own.
#[derive(Clone, Debug)]
pub struct Everything {
    pub user: UserId,
    pub course: CourseId,
    pub note: NoteId,
    pub document: DocumentId,
    pub set: FlashcardSetId,
    pub card: FlashcardId,
    pub quiz: QuizId,
    pub question: QuestionId,
    pub response: QuizResponseId,
    pub guide: StudyGuideId,
    pub chat: ChatSessionId,
    pub event: CalendarEventId,
    pub import: ImportJobId,
    pub notification: NotificationId,
    pub session: SessionId,
    pub token: String,
    pub provider_account: String,
    pub account: AccountId,
}

/// Every row of an [`Everything`], read back, to prove nothing of it changed.
#[derive(Debug, PartialEq)]
pub struct Snapshot {
    pub user: User,
    pub course: Course,
    pub note: Note,
    pub document: Document,
    pub chunks: Vec<DocumentChunk>,
    pub set: FlashcardSetWithCards,
    pub quiz: QuizWithQuestions,
    pub responses: Vec<QuizResponse>,
    pub guide: StudyGuide,
    pub chat: ChatSession,
    pub messages: Vec<ChatMessage>,
    pub event: CalendarEvent,
    pub import: ImportJob,
    pub notifications: Vec<Notification>,
    pub unread: u64,
    pub session: Option<Session>,
    pub accounts: Vec<Account>,
}
