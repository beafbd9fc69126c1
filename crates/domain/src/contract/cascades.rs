//! What deleting a row does to the rows that depend on it: ownership cascades, links set to
//! null, children deleted with their parent.

use super::Fixture;
use super::expect;
use super::seed::{World, all, by_model, links, tick};
use crate::entities::{
    CalendarFilter, ChatSessionFilter, DocumentFilter, FlashcardSetFilter, ImportJobFilter,
    NoteFilter, NotificationFilter, QuizFilter, SearchQuery, StudyGuideFilter,
};
use crate::values::Email;

fn query(text: &str) -> SearchQuery {
    SearchQuery::new(text, None).unwrap()
}

pub async fn cascades_deleting_a_user_deletes_everything_theirs_and_nothing_else(
    fixture: &impl Fixture,
) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let a = w.everything(ada, "a").await;
    let b = w.everything(bob, "b").await;
    let bobs_before = w.snapshot(&b).await;

    w.r.users.delete(ada).await.unwrap();

    expect::not_found(
        w.r.users.get(ada).await,
        "user",
        "a deleted user can still be read",
    );
    expect::not_found(
        w.r.courses.get(ada, a.course).await,
        "course",
        "a deleted user's course survived",
    );
    expect::not_found(
        w.r.notes.get(ada, a.note).await,
        "note",
        "a deleted user's note survived",
    );
    expect::not_found(
        w.r.documents.get(ada, a.document).await,
        "document",
        "a deleted user's document survived",
    );
    expect::not_found(
        w.r.search.list_chunks(ada, a.document).await,
        "document",
        "a deleted user's passages survived",
    );
    expect::not_found(
        w.r.flashcards.get_set(ada, a.set).await,
        "flashcard set",
        "a deleted user's set survived",
    );
    expect::not_found(
        w.r.quizzes.get(ada, a.quiz).await,
        "quiz",
        "a deleted user's quiz survived",
    );
    expect::not_found(
        w.r.quizzes.get_response(ada, a.response).await,
        "quiz response",
        "a deleted user's attempt survived",
    );
    expect::not_found(
        w.r.study_guides.get(ada, a.guide).await,
        "study guide",
        "a deleted user's guide survived",
    );
    expect::not_found(
        w.r.chats.get_session(ada, a.chat).await,
        "chat session",
        "a deleted user's chat survived",
    );
    expect::not_found(
        w.r.calendar.get(ada, a.event).await,
        "calendar event",
        "a deleted user's event survived",
    );
    expect::not_found(
        w.r.import_jobs.get(ada, a.import).await,
        "import job",
        "a deleted user's import survived",
    );
    expect::not_found(
        w.r.notifications.mark_read(ada, a.notification).await,
        "notification",
        "a deleted user's notification survived",
    );
    assert_eq!(
        w.r.sessions.find_by_token_hash(&a.token).await.unwrap(),
        None,
        "a deleted user can still sign in with a session"
    );
    assert_eq!(
        w.r.accounts
            .find_by_provider("google", &a.provider_account)
            .await
            .unwrap(),
        None,
        "a deleted user can still sign in with Google"
    );
    assert!(w.r.accounts.list_for_user(ada).await.unwrap().is_empty());
    assert_eq!(
        w.r.users
            .find_by_email(&Email::parse("ada@example.com").unwrap())
            .await
            .unwrap(),
        None,
        "a deleted user is still found by email"
    );
    // Lists of the deleted user are empty.
    assert!(w.r.courses.list(ada, all()).await.unwrap().items.is_empty());
    assert!(
        w.r.notes
            .list(ada, NoteFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.documents
            .list(ada, DocumentFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.flashcards
            .list_sets(ada, FlashcardSetFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.quizzes
            .list(ada, QuizFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.study_guides
            .list(ada, StudyGuideFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.chats
            .list_sessions(ada, ChatSessionFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.calendar
            .list(ada, CalendarFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.import_jobs
            .list(ada, ImportJobFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert!(
        w.r.notifications
            .list(ada, NotificationFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(w.r.notifications.count_unread(ada).await.unwrap(), 0);
    assert!(
        w.r.search
            .search(ada, query("ribosomes"))
            .await
            .unwrap()
            .is_empty(),
        "a deleted user's material is still searchable"
    );
    assert!(
        w.r.search
            .nearest_chunks(ada, by_model(vec![1.0]), 10)
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        w.snapshot(&b).await,
        bobs_before,
        "deleting Ada changed Bob's data"
    );
    assert_eq!(
        w.r.search
            .search(bob, query("ribosomes"))
            .await
            .unwrap()
            .len(),
        1,
        "deleting Ada took Bob's passage out of his search"
    );
}

pub async fn cascades_deleting_a_course_unfiles_its_material(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let e = w.everything(ada, "a").await;
    let before = w.snapshot(&e).await;
    tick();

    w.r.courses.delete(ada, e.course).await.unwrap();

    expect::not_found(
        w.r.courses.get(ada, e.course).await,
        "course",
        "a deleted course can be opened",
    );
    let note = w.r.notes.get(ada, e.note).await.unwrap();
    assert_eq!(
        note.course_id, None,
        "a note still points at its deleted course"
    );
    assert!(
        note.updated_at > before.note.updated_at,
        "unfiling a note did not move its updated_at"
    );
    assert_eq!(
        (note.title.clone(), note.content.clone()),
        (before.note.title.clone(), before.note.content.clone())
    );
    let document = w.r.documents.get(ada, e.document).await.unwrap();
    assert_eq!(
        document.course_id, None,
        "a document still points at its deleted course"
    );
    assert!(document.updated_at > before.document.updated_at);
    let set = w.r.flashcards.get_set(ada, e.set).await.unwrap();
    assert_eq!(
        set.set.links(),
        links(None, Some(e.note), Some(e.document)),
        "the set lost more than its course"
    );
    assert_eq!(
        set.flashcards, before.set.flashcards,
        "unfiling the set changed its cards"
    );
    let quiz = w.r.quizzes.get(ada, e.quiz).await.unwrap();
    assert_eq!(
        quiz.quiz.links(),
        links(None, Some(e.note), Some(e.document)),
        "the quiz lost more than its course"
    );
    assert_eq!(quiz.questions, before.quiz.questions);
    assert_eq!(
        w.r.study_guides.get(ada, e.guide).await.unwrap().links(),
        links(None, Some(e.note), Some(e.document)),
        "the guide lost more than its course"
    );
    assert_eq!(
        w.r.chats.get_session(ada, e.chat).await.unwrap().course_id,
        None,
        "a chat still points at its deleted course"
    );
    assert_eq!(
        w.r.chats
            .list_messages(ada, e.chat, all())
            .await
            .unwrap()
            .items,
        before.messages
    );
    let event = w.r.calendar.get(ada, e.event).await.unwrap();
    assert_eq!(
        (event.course_id, event.document_id),
        (None, Some(e.document)),
        "the event lost more than its course"
    );
    assert!(event.updated_at > before.event.updated_at);
    assert_eq!(
        w.r.import_jobs.get(ada, e.import).await.unwrap(),
        before.import,
        "deleting a course changed an import"
    );
    assert_eq!(
        w.r.search.list_chunks(ada, e.document).await.unwrap(),
        before.chunks
    );
    assert!(
        w.r.notes
            .list(
                ada,
                NoteFilter {
                    course_id: Some(e.course),
                    ..NoteFilter::default()
                },
                all()
            )
            .await
            .unwrap()
            .items
            .is_empty(),
        "notes are still listed under the deleted course"
    );
    expect::not_found(
        w.r.courses.delete(ada, e.course).await,
        "course",
        "deleting a course twice",
    );
}

pub async fn cascades_deleting_a_note_unlinks_what_was_made_from_it(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let e = w.everything(ada, "a").await;
    let before = w.snapshot(&e).await;
    tick();

    w.r.notes.delete(ada, e.note).await.unwrap();

    expect::not_found(
        w.r.notes.get(ada, e.note).await,
        "note",
        "a deleted note can be opened",
    );
    let set = w.r.flashcards.get_set(ada, e.set).await.unwrap();
    assert_eq!(
        set.set.links(),
        links(Some(e.course), None, Some(e.document)),
        "the set lost more than its note, or kept it"
    );
    assert_eq!(
        set.flashcards, before.set.flashcards,
        "deleting the note deleted the set's cards"
    );
    assert_eq!(
        w.r.quizzes.get(ada, e.quiz).await.unwrap().quiz.links(),
        links(Some(e.course), None, Some(e.document)),
        "the quiz lost more than its note, or kept it"
    );
    assert_eq!(
        w.r.study_guides.get(ada, e.guide).await.unwrap().links(),
        links(Some(e.course), None, Some(e.document)),
        "the guide lost more than its note, or kept it"
    );
    let job = w.r.import_jobs.get(ada, e.import).await.unwrap();
    assert_eq!(
        (job.note_id, job.document_id),
        (None, Some(e.document)),
        "the import still points at its deleted note"
    );
    assert!(
        job.updated_at > before.import.updated_at,
        "unlinking the import did not move its updated_at"
    );
    assert_eq!(w.r.courses.get(ada, e.course).await.unwrap(), before.course);
    assert_eq!(
        w.r.documents.get(ada, e.document).await.unwrap(),
        before.document
    );
    assert!(
        w.r.flashcards
            .list_sets(
                ada,
                FlashcardSetFilter {
                    note_id: Some(e.note),
                    ..FlashcardSetFilter::default()
                },
                all()
            )
            .await
            .unwrap()
            .items
            .is_empty(),
        "sets are still listed under the deleted note"
    );
}

pub async fn cascades_deleting_a_document_drops_its_chunks_and_unlinks(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let e = w.everything(ada, "a").await;
    let before = w.snapshot(&e).await;

    let deleted = w.r.documents.delete(ada, e.document).await.unwrap();
    assert_eq!(
        deleted, before.document,
        "delete does not hand back the document's record"
    );

    expect::not_found(
        w.r.documents.get(ada, e.document).await,
        "document",
        "a deleted document can be opened",
    );
    expect::not_found(
        w.r.search.list_chunks(ada, e.document).await,
        "document",
        "a deleted document's passages can be listed",
    );
    assert!(
        w.r.search
            .search(ada, query("ribosomes"))
            .await
            .unwrap()
            .is_empty(),
        "a deleted document's passages are still found"
    );
    assert_eq!(
        w.r.flashcards
            .get_set(ada, e.set)
            .await
            .unwrap()
            .set
            .links(),
        links(Some(e.course), Some(e.note), None),
        "the set lost more than its document, or kept it"
    );
    assert_eq!(
        w.r.quizzes.get(ada, e.quiz).await.unwrap().quiz.links(),
        links(Some(e.course), Some(e.note), None)
    );
    assert_eq!(
        w.r.study_guides.get(ada, e.guide).await.unwrap().links(),
        links(Some(e.course), Some(e.note), None)
    );
    let event = w.r.calendar.get(ada, e.event).await.unwrap();
    assert_eq!(
        (event.course_id, event.document_id),
        (Some(e.course), None),
        "the event lost more than its document, or kept it"
    );
    let job = w.r.import_jobs.get(ada, e.import).await.unwrap();
    assert_eq!(
        (job.note_id, job.document_id),
        (Some(e.note), None),
        "the import still points at its deleted document"
    );
    assert_eq!(
        w.r.notes.get(ada, e.note).await.unwrap(),
        before.note,
        "deleting a document changed a note"
    );
    let again =
        w.r.documents
            .create(
                ada,
                super::seed::new_document("Again", &deleted.storage_key),
            )
            .await;
    assert!(
        again.is_ok(),
        "a deleted document's storage key is still taken: {again:?}"
    );
}

pub async fn cascades_deleting_a_set_deletes_its_cards(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let e = w.everything(ada, "a").await;
    let before = w.snapshot(&e).await;
    assert_eq!(w.r.search.search(ada, query("ATP")).await.unwrap().len(), 1);

    w.r.flashcards.delete_set(ada, e.set).await.unwrap();

    expect::not_found(
        w.r.flashcards.get_set(ada, e.set).await,
        "flashcard set",
        "a deleted set can be opened",
    );
    expect::not_found(
        w.r.flashcards.delete_card(ada, e.set, e.card).await,
        "flashcard set",
        "a deleted set's card can be deleted",
    );
    expect::not_found(
        w.r.flashcards.delete_set(ada, e.set).await,
        "flashcard set",
        "deleting a set twice",
    );
    assert!(
        w.r.search
            .search(ada, query("ATP"))
            .await
            .unwrap()
            .is_empty(),
        "a deleted set's cards are still found"
    );
    assert_eq!(
        w.r.notes.get(ada, e.note).await.unwrap(),
        before.note,
        "deleting a set changed the note it came from"
    );
    assert_eq!(
        w.r.quizzes.get(ada, e.quiz).await.unwrap(),
        before.quiz,
        "deleting a set changed a quiz"
    );
}

pub async fn cascades_deleting_a_quiz_deletes_its_questions_and_attempts(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let e = w.everything(ada, "a").await;
    let before = w.snapshot(&e).await;

    w.r.quizzes.delete(ada, e.quiz).await.unwrap();

    expect::not_found(
        w.r.quizzes.get(ada, e.quiz).await,
        "quiz",
        "a deleted quiz can be opened",
    );
    expect::not_found(
        w.r.quizzes.get_response(ada, e.response).await,
        "quiz response",
        "an attempt at a deleted quiz survived",
    );
    expect::not_found(
        w.r.quizzes.list_responses(ada, e.quiz, all()).await,
        "quiz",
        "a deleted quiz's attempts can be listed",
    );
    expect::not_found(
        w.r.quizzes.delete_question(ada, e.quiz, e.question).await,
        "quiz",
        "a deleted quiz's question can be deleted",
    );
    expect::not_found(
        w.r.quizzes.delete(ada, e.quiz).await,
        "quiz",
        "deleting a quiz twice",
    );
    assert_eq!(
        w.r.flashcards.get_set(ada, e.set).await.unwrap(),
        before.set,
        "deleting a quiz changed a set"
    );
    assert_eq!(w.r.notes.get(ada, e.note).await.unwrap(), before.note);
}

pub async fn cascades_deleting_a_chat_deletes_its_messages(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let e = w.everything(ada, "a").await;
    let other = w.chat(ada, "Other", None).await;
    let kept =
        w.r.chats
            .add_message(ada, other.id, super::seed::new_message("still here"))
            .await
            .unwrap();
    let before = w.snapshot(&e).await;

    w.r.chats.delete_session(ada, e.chat).await.unwrap();

    expect::not_found(
        w.r.chats.get_session(ada, e.chat).await,
        "chat session",
        "a deleted chat can be opened",
    );
    expect::not_found(
        w.r.chats.list_messages(ada, e.chat, all()).await,
        "chat session",
        "a deleted chat's messages can be read",
    );
    assert_eq!(
        w.r.chats
            .list_messages(ada, other.id, all())
            .await
            .unwrap()
            .items,
        [kept],
        "deleting one chat deleted another's messages"
    );
    assert_eq!(
        w.r.courses.get(ada, e.course).await.unwrap(),
        before.course,
        "deleting a chat changed its course"
    );
}
