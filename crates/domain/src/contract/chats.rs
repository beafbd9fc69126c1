//! [`crate::ChatRepository`]: chats with the assistant and their messages.

use uuid::Uuid;

use super::Fixture;
use super::expect;
use super::seed::{World, all, new_chat, new_message, title, wait_past};
use crate::entities::{
    ChatReference, ChatSessionFilter, ChatSessionUpdate, NewChatMessage, SourceKind,
};
use crate::enums::MessageType;
use crate::id::ChatSessionId;
use crate::values::MessageText;

pub async fn chats_create_and_get_session(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Bio").await.id;
    let chat = w.chat(ada, "About cells", Some(course)).await;
    assert_eq!(chat.user_id, ada);
    assert_eq!(chat.title, "About cells");
    assert_eq!(chat.course_id, Some(course));
    assert_eq!(
        w.r.chats.get_session(ada, chat.id).await.unwrap(),
        chat,
        "the chat read back differs"
    );
    let loose = w.chat(ada, "Anything", None).await;
    assert_eq!(loose.course_id, None);
}

pub async fn chats_update_session_renames_and_refiles(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bio = w.course(ada, "Bio").await.id;
    let chem = w.course(ada, "Chem").await.id;
    let chat = w.chat(ada, "Ask", Some(bio)).await;
    wait_past(chat.updated_at);
    let renamed =
        w.r.chats
            .update_session(
                ada,
                chat.id,
                ChatSessionUpdate {
                    title: Some(title("Renamed")),
                    ..ChatSessionUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(renamed.title, "Renamed");
    assert_eq!(renamed.course_id, Some(bio), "renaming refiled the chat");
    assert!(
        renamed.updated_at > chat.updated_at,
        "the change did not move updated_at"
    );
    let refiled =
        w.r.chats
            .update_session(
                ada,
                chat.id,
                ChatSessionUpdate {
                    course_id: Some(Some(chem)),
                    ..ChatSessionUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (refiled.title.as_str(), refiled.course_id),
        ("Renamed", Some(chem))
    );
    let unfiled =
        w.r.chats
            .update_session(
                ada,
                chat.id,
                ChatSessionUpdate {
                    course_id: Some(None),
                    ..ChatSessionUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        unfiled.course_id, None,
        "the chat could not be detached from its course"
    );
    assert_eq!(
        w.r.chats.get_session(ada, chat.id).await.unwrap(),
        unfiled,
        "the change was not stored"
    );
}

pub async fn chats_list_sessions_newest_first_by_course(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let bio = w.course(ada, "Bio").await.id;
    for (name, course) in [("a", Some(bio)), ("b", None), ("c", Some(bio)), ("d", None)] {
        w.chat(ada, name, course).await;
    }
    w.chat(bob, "bob", None).await;
    let titles = |filter: ChatSessionFilter| {
        let chats = w.r.chats.clone();
        async move {
            chats
                .list_sessions(ada, filter, all())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|c| c.title)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        titles(ChatSessionFilter::default()).await,
        ["d", "c", "b", "a"],
        "chats are not listed newest first, or not only the user's"
    );
    assert_eq!(
        titles(ChatSessionFilter {
            course_id: Some(bio)
        })
        .await,
        ["c", "a"],
        "the course filter is wrong"
    );
    let (sizes, items) = expect::every_page(3, |p| {
        w.r.chats
            .list_sessions(ada, ChatSessionFilter::default(), p)
    })
    .await;
    assert_eq!(sizes, [3, 1], "4 chats do not page as 3 + 1");
    assert_eq!(
        items.iter().map(|c| c.title.as_str()).collect::<Vec<_>>(),
        ["d", "c", "b", "a"]
    );
}

pub async fn chats_messages_read_oldest_first(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let chat = w.chat(ada, "Ask", None).await;
    let other = w.chat(ada, "Other", None).await;
    w.r.chats
        .add_message(ada, other.id, new_message("elsewhere"))
        .await
        .unwrap();
    let reference = ChatReference {
        document_id: None,
        note_id: None,
        chunk_id: None,
        quote: None,
        kind: SourceKind::Document,
        id: Uuid::now_v7(),
        title: "Textbook".to_owned(),
        snippet: Some("Cells are…".to_owned()),
        page_number: Some(12),
    };
    let mut sent = Vec::new();
    for i in 0..7 {
        let message = if i % 2 == 0 {
            new_message(&format!("m{i}"))
        } else {
            NewChatMessage {
                content: MessageText::parse(format!("m{i}")).unwrap(),
                message_type: MessageType::Assistant,
                references: vec![reference.clone()],
            }
        };
        let added = w.r.chats.add_message(ada, chat.id, message).await.unwrap();
        assert_eq!(added.chat_session_id, chat.id);
        sent.push(added);
    }
    assert_eq!(sent[1].message_type, MessageType::Assistant);
    assert_eq!(
        sent[1].references,
        [reference],
        "an answer's sources were not kept"
    );
    assert!(sent[0].references.is_empty());

    let (sizes, items) = expect::every_page(3, |p| w.r.chats.list_messages(ada, chat.id, p)).await;
    assert_eq!(sizes, [3, 3, 1], "7 messages do not page as 3 + 3 + 1");
    assert_eq!(
        items, sent,
        "the conversation does not read oldest first, each message once, as sent"
    );
}

pub async fn chats_of_another_user_are_not_found(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas_course = w.course(ada, "Ada's").await.id;
    let chat = w.chat(ada, "Ada's", Some(adas_course)).await;
    let message =
        w.r.chats
            .add_message(ada, chat.id, new_message("private"))
            .await
            .unwrap();
    let bobs = w.chat(bob, "Bob's", None).await;
    let missing = ChatSessionId::new();

    expect::hidden(
        w.r.chats.get_session(bob, chat.id).await,
        w.r.chats.get_session(bob, missing).await,
        "chat session",
        "Bob opened Ada's chat",
    );
    let rename = ChatSessionUpdate {
        title: Some(title("Stolen")),
        ..ChatSessionUpdate::default()
    };
    expect::hidden(
        w.r.chats.update_session(bob, chat.id, rename.clone()).await,
        w.r.chats.update_session(bob, missing, rename).await,
        "chat session",
        "Bob renamed Ada's chat",
    );
    expect::hidden(
        w.r.chats.add_message(bob, chat.id, new_message("hi")).await,
        w.r.chats.add_message(bob, missing, new_message("hi")).await,
        "chat session",
        "Bob wrote in Ada's chat",
    );
    expect::hidden(
        w.r.chats.list_messages(bob, chat.id, all()).await,
        w.r.chats.list_messages(bob, missing, all()).await,
        "chat session",
        "Bob read Ada's conversation",
    );
    expect::hidden(
        w.r.chats.delete_session(bob, chat.id).await,
        w.r.chats.delete_session(bob, missing).await,
        "chat session",
        "Bob deleted Ada's chat",
    );
    expect::not_found(
        w.r.chats
            .create_session(bob, new_chat("About Ada's course", Some(adas_course)))
            .await,
        "course",
        "Bob started a chat about Ada's course",
    );
    expect::not_found(
        w.r.chats
            .update_session(
                bob,
                bobs.id,
                ChatSessionUpdate {
                    course_id: Some(Some(adas_course)),
                    title: Some(title("x")),
                },
            )
            .await,
        "course",
        "Bob moved his chat under Ada's course",
    );
    assert_eq!(
        w.r.chats
            .list_sessions(bob, ChatSessionFilter::default(), all())
            .await
            .unwrap()
            .items,
        [bobs],
        "Bob's chats show Ada's, a refused chat was created, or a refused change applied"
    );
    assert_eq!(
        w.r.chats.get_session(ada, chat.id).await.unwrap(),
        chat,
        "Ada's chat changed after Bob's attempts"
    );
    assert_eq!(
        w.r.chats
            .list_messages(ada, chat.id, all())
            .await
            .unwrap()
            .items,
        [message],
        "Ada's conversation changed after Bob's attempts"
    );
}

pub async fn chats_delete_session(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let gone = w.chat(ada, "Gone", None).await;
    let kept = w.chat(ada, "Kept", None).await;
    w.r.chats.delete_session(ada, gone.id).await.unwrap();
    expect::not_found(
        w.r.chats.get_session(ada, gone.id).await,
        "chat session",
        "a deleted chat can be opened",
    );
    expect::not_found(
        w.r.chats.delete_session(ada, gone.id).await,
        "chat session",
        "deleting a chat twice",
    );
    expect::not_found(
        w.r.chats
            .add_message(ada, gone.id, new_message("hello?"))
            .await,
        "chat session",
        "a message was added to a deleted chat",
    );
    assert_eq!(
        w.r.chats
            .list_sessions(ada, ChatSessionFilter::default(), all())
            .await
            .unwrap()
            .items,
        [kept]
    );
}

pub async fn chats_recent_messages_are_the_last_ones_oldest_first(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let chat = w.chat(ada, "Questions", None).await;
    let other = w.chat(ada, "Other", None).await;
    for text in ["one", "two", "three", "four"] {
        w.r.chats
            .add_message(ada, chat.id, new_message(text))
            .await
            .unwrap();
        super::seed::tick();
    }
    w.r.chats
        .add_message(ada, other.id, new_message("elsewhere"))
        .await
        .unwrap();
    let recent = w.r.chats.recent_messages(ada, chat.id, 3).await.unwrap();
    let texts: Vec<&str> = recent.iter().map(|m| m.content.as_str()).collect();
    assert_eq!(
        texts,
        ["two", "three", "four"],
        "not the last three, oldest first"
    );
    assert_eq!(
        w.r.chats
            .recent_messages(ada, chat.id, 10)
            .await
            .unwrap()
            .len(),
        4
    );
    let bob = w.user("bob").await;
    expect::not_found(
        w.r.chats.recent_messages(bob, chat.id, 3).await,
        "chat session",
        "another user's chat",
    );
}
