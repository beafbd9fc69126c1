//! A quick smoke test of the identity, note and document adapters against real PostgreSQL
//! (the shared contract suite covers every port in depth). Run with
//! `cargo test -p sophie-persistence --features testing --test postgres_identity`.
#![cfg(feature = "testing")]
#![allow(
    clippy::unwrap_used,
    reason = "a test: a failure should stop it where it happened"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use sophie_domain::values::{
    Color, Email, FileSize, Markdown, Name, PageCount, PasswordHash, ShortText, Tags, Title,
};
use sophie_domain::{
    AccountRepository, Clock, CourseRepository, DocumentFilter, DocumentRepository, DocumentStatus,
    DocumentUpdate, DomainError, NewAccount, NewCourse, NewDocument, NewNote, NewSession, NewUser,
    NewVerification, NoteFilter, NoteRepository, NoteSource, NoteUpdate, PageRequest,
    SessionRepository, UserId, UserRepository, UserUpdate, VerificationRepository,
};
use sophie_persistence::PostgresStore;
use sophie_persistence::testing::TestDatabase;

/// Ticks one millisecond per reading, so rows are ordered by creation.
struct Ticking {
    start: DateTime<Utc>,
    ticks: AtomicI64,
}

impl Clock for Ticking {
    fn now(&self) -> DateTime<Utc> {
        self.start + TimeDelta::milliseconds(self.ticks.fetch_add(1, Ordering::SeqCst))
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 9, 1, 9, 0, 0).unwrap()
}

fn new_user(email: &str) -> NewUser {
    NewUser {
        name: Name::parse("Ada").unwrap(),
        email: Email::parse(email).unwrap(),
        image: None,
    }
}

fn is_not_found(error: &DomainError, entity: &str) -> bool {
    matches!(error, DomainError::NotFound { entity: e } if *e == entity)
}

fn conflict_field(error: &DomainError) -> Option<&str> {
    match error {
        DomainError::Conflict { field, .. } => field.as_deref(),
        _ => None,
    }
}

#[tokio::test]
async fn identity_notes_and_documents() {
    let db = TestDatabase::new().await;
    let clock = Arc::new(Ticking {
        start: t0(),
        ticks: AtomicI64::new(0),
    });
    let store = PostgresStore::with_clock(db.pool(), clock);

    // Users and the credential account, atomically.
    let (ada, credential) = UserRepository::create_with_password(
        &store,
        new_user("Ada@Example.com"),
        PasswordHash::new("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA"),
    )
    .await
    .unwrap();
    assert_eq!(ada.email, "ada@example.com");
    assert_eq!(ada.created_at, ada.updated_at);
    assert_eq!(credential.provider_id, "credential");
    assert_eq!(credential.account_id, ada.id.to_string());
    let taken = UserRepository::create_with_password(
        &store,
        new_user("ada@example.com"),
        PasswordHash::new("x"),
    )
    .await
    .unwrap_err();
    assert_eq!(conflict_field(&taken), Some("email"), "{taken:?}");
    let found = store
        .find_by_email(&Email::parse("ADA@example.com").unwrap())
        .await
        .unwrap();
    assert_eq!(found.as_ref().map(|u| u.id), Some(ada.id));
    let bob = UserRepository::create(&store, new_user("bob@example.com"))
        .await
        .unwrap();
    let updated = UserRepository::update(
        &store,
        ada.id,
        UserUpdate {
            email_verified: Some(true),
            ..UserUpdate::default()
        },
    )
    .await
    .unwrap();
    assert!(updated.email_verified);
    assert!(updated.updated_at > ada.updated_at);
    let ghost = UserId::new();
    assert!(is_not_found(
        &UserRepository::get(&store, ghost).await.unwrap_err(),
        "user"
    ));

    // Accounts.
    AccountRepository::set_password(&store, ada.id, PasswordHash::new("new"))
        .await
        .unwrap();
    let cred = store.find_credential(ada.id).await.unwrap().unwrap();
    assert_eq!(
        cred.password.as_ref().map(PasswordHash::as_str),
        Some("new")
    );
    assert!(is_not_found(
        &store
            .set_password(bob.id, PasswordHash::new("x"))
            .await
            .unwrap_err(),
        "account"
    ));
    let mut google = NewAccount::credential(ada.id, PasswordHash::new("unused"));
    google.provider_id = "google".to_owned();
    google.account_id = "g-1".to_owned();
    google.password = None;
    let linked = AccountRepository::create(&store, google.clone())
        .await
        .unwrap();
    let dup = AccountRepository::create(&store, google.clone())
        .await
        .unwrap_err();
    assert_eq!(conflict_field(&dup), Some("accountId"), "{dup:?}");
    google.user_id = ghost;
    google.account_id = "g-2".to_owned();
    let orphan = AccountRepository::create(&store, google).await.unwrap_err();
    assert!(is_not_found(&orphan, "user"), "{orphan:?}");
    let accounts = store.list_for_user(ada.id).await.unwrap();
    assert_eq!(
        accounts.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![credential.id, linked.id]
    );
    assert!(
        store
            .find_by_provider("google", "g-1")
            .await
            .unwrap()
            .is_some()
    );
    assert!(is_not_found(
        &AccountRepository::delete(&store, bob.id, linked.id)
            .await
            .unwrap_err(),
        "account"
    ));
    AccountRepository::delete(&store, ada.id, linked.id)
        .await
        .unwrap();

    // Sessions.
    let session = |user: UserId, token: &str, expires_at: DateTime<Utc>| NewSession {
        user_id: user,
        token_hash: token.to_owned(),
        expires_at,
        ip_address: None,
        user_agent: Some("smoke".to_owned()),
    };
    let s1 = SessionRepository::create(&store, session(ada.id, "h1", t0() + TimeDelta::hours(1)))
        .await
        .unwrap();
    let s2 = SessionRepository::create(&store, session(ada.id, "h2", t0() - TimeDelta::hours(1)))
        .await
        .unwrap();
    SessionRepository::create(&store, session(ada.id, "h3", t0() + TimeDelta::hours(1)))
        .await
        .unwrap();
    let sb = SessionRepository::create(&store, session(bob.id, "hb", t0() + TimeDelta::hours(1)))
        .await
        .unwrap();
    let dup = SessionRepository::create(&store, session(bob.id, "h1", t0()))
        .await
        .unwrap_err();
    assert_eq!(conflict_field(&dup), Some("token"), "{dup:?}");
    let orphan = SessionRepository::create(&store, session(ghost, "hg", t0()))
        .await
        .unwrap_err();
    assert!(is_not_found(&orphan, "user"), "{orphan:?}");
    let expired = store.find_by_token_hash("h2").await.unwrap();
    assert_eq!(expired.map(|s| s.id), Some(s2.id));
    let later = t0() + TimeDelta::days(7);
    let extended = store.extend(ada.id, s1.id, later).await.unwrap();
    assert_eq!(extended.expires_at, later);
    assert!(is_not_found(
        &store.extend(bob.id, s1.id, later).await.unwrap_err(),
        "session"
    ));
    assert_eq!(
        SessionRepository::delete_expired(&store, t0())
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .delete_all_for_user(ada.id, Some(s1.id))
            .await
            .unwrap(),
        1
    );
    assert!(store.find_by_token_hash("h1").await.unwrap().is_some());
    assert!(is_not_found(
        &SessionRepository::delete(&store, ada.id, sb.id)
            .await
            .unwrap_err(),
        "session"
    ));
    SessionRepository::delete(&store, bob.id, sb.id)
        .await
        .unwrap();

    // Verifications.
    let verification = |value: &str, expires_at| NewVerification {
        identifier: ShortText::parse("email-verification:ada@example.com").unwrap(),
        value: value.to_owned(),
        expires_at,
    };
    let v1 = VerificationRepository::create(&store, verification("a", t0() + TimeDelta::hours(1)))
        .await
        .unwrap();
    let v2 = VerificationRepository::create(&store, verification("b", t0() + TimeDelta::hours(1)))
        .await
        .unwrap();
    VerificationRepository::create(&store, verification("c", t0() - TimeDelta::hours(1)))
        .await
        .unwrap();
    let valid = store
        .find_valid("email-verification:ada@example.com", t0())
        .await
        .unwrap();
    assert_eq!(
        valid.iter().map(|v| v.id).collect::<Vec<_>>(),
        vec![v2.id, v1.id]
    );
    assert_eq!(
        VerificationRepository::delete_expired(&store, t0())
            .await
            .unwrap(),
        1
    );
    VerificationRepository::delete(&store, v1.id).await.unwrap();
    assert!(is_not_found(
        &VerificationRepository::delete(&store, v1.id)
            .await
            .unwrap_err(),
        "verification"
    ));

    // Notes: links, tags, filters and keyset pages.
    let course = |name: &str| NewCourse {
        name: Name::parse(name).unwrap(),
        code: None,
        description: None,
        color: Color::default_blue(),
        term: None,
        instructor: None,
    };
    let ada_course = CourseRepository::create(&store, ada.id, course("Maths"))
        .await
        .unwrap();
    let bob_course = CourseRepository::create(&store, bob.id, course("Art"))
        .await
        .unwrap();
    let note = |title: &str, tags: &[&str]| NewNote {
        tags: Tags::parse(tags.iter().copied()).unwrap(),
        ..NewNote::manual(
            Title::parse(title).unwrap(),
            Markdown::parse("body").unwrap(),
        )
    };
    let mut ids = Vec::new();
    for i in 0..5 {
        let tags: &[&str] = if i % 2 == 0 {
            &["exam", "algebra"]
        } else {
            &["misc"]
        };
        let mut new = note(&format!("n{i}"), tags);
        if i < 2 {
            new.course_id = Some(ada_course.id);
        }
        ids.push(
            NoteRepository::create(&store, ada.id, new)
                .await
                .unwrap()
                .id,
        );
    }
    let err = NoteRepository::create(&store, ghost, note("x", &[]))
        .await
        .unwrap_err();
    assert!(is_not_found(&err, "user"), "{err:?}");
    let mut foreign = note("x", &[]);
    foreign.course_id = Some(bob_course.id);
    let err = NoteRepository::create(&store, ada.id, foreign)
        .await
        .unwrap_err();
    assert!(is_not_found(&err, "course"), "{err:?}");
    let first = NoteRepository::list(
        &store,
        ada.id,
        NoteFilter::default(),
        PageRequest::first_of(2),
    )
    .await
    .unwrap();
    assert_eq!(
        first.items.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![ids[4], ids[3]]
    );
    let cursor = first.next_cursor.unwrap();
    let second = NoteRepository::list(
        &store,
        ada.id,
        NoteFilter::default(),
        PageRequest::first_of(2).after(cursor),
    )
    .await
    .unwrap();
    assert_eq!(
        second.items.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![ids[2], ids[1]]
    );
    let tagged = NoteRepository::list(
        &store,
        ada.id,
        NoteFilter {
            tag: Some("exam".to_owned()),
            course_id: Some(ada_course.id),
            source: Some(NoteSource::Manual),
        },
        PageRequest::first(),
    )
    .await
    .unwrap();
    assert_eq!(
        tagged.items.iter().map(|n| n.id).collect::<Vec<_>>(),
        vec![ids[0]]
    );
    assert_eq!(tagged.items[0].tags, vec!["exam", "algebra"]);
    let err = NoteRepository::update(
        &store,
        ada.id,
        ids[0],
        NoteUpdate {
            course_id: Some(Some(bob_course.id)),
            ..NoteUpdate::default()
        },
    )
    .await
    .unwrap_err();
    assert!(is_not_found(&err, "course"), "{err:?}");
    let err = NoteRepository::update(
        &store,
        bob.id,
        ids[0],
        NoteUpdate {
            course_id: Some(Some(bob_course.id)),
            ..NoteUpdate::default()
        },
    )
    .await
    .unwrap_err();
    assert!(is_not_found(&err, "note"), "{err:?}");
    let moved = NoteRepository::update(
        &store,
        ada.id,
        ids[0],
        NoteUpdate {
            course_id: Some(None),
            tags: Some(Tags::parse(["done"]).unwrap()),
            summary: Some(Some(Markdown::parse("short").unwrap())),
            ..NoteUpdate::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(moved.course_id, None);
    assert_eq!(moved.tags, vec!["done"]);
    assert_eq!(moved.summary.as_deref(), Some("short"));
    assert!(is_not_found(
        &NoteRepository::get(&store, bob.id, ids[0])
            .await
            .unwrap_err(),
        "note"
    ));
    NoteRepository::delete(&store, ada.id, ids[0])
        .await
        .unwrap();
    assert!(is_not_found(
        &NoteRepository::delete(&store, ada.id, ids[0])
            .await
            .unwrap_err(),
        "note"
    ));

    // Documents.
    let document = |key: &str| NewDocument {
        course_id: Some(ada_course.id),
        title: Title::parse("Syllabus").unwrap(),
        file_name: ShortText::parse("syllabus.pdf").unwrap(),
        mime_type: ShortText::parse("application/pdf").unwrap(),
        file_size: FileSize::new(1234).unwrap(),
        storage_key: key.to_owned(),
        checksum_sha256: "00".repeat(32),
    };
    let doc = DocumentRepository::create(&store, ada.id, document("k1"))
        .await
        .unwrap();
    assert_eq!(doc.status, DocumentStatus::Pending);
    let dup = DocumentRepository::create(&store, ada.id, document("k1"))
        .await
        .unwrap_err();
    assert_eq!(conflict_field(&dup), Some("storageKey"), "{dup:?}");
    let err = DocumentRepository::create(&store, bob.id, document("k2"))
        .await
        .unwrap_err();
    assert!(is_not_found(&err, "course"), "{err:?}");
    let ready = DocumentRepository::update(
        &store,
        ada.id,
        doc.id,
        DocumentUpdate {
            status: Some(DocumentStatus::Ready),
            page_count: Some(Some(PageCount::new(12).unwrap())),
            ..DocumentUpdate::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(ready.status, DocumentStatus::Ready);
    assert_eq!(ready.page_count, Some(12));
    let listed = DocumentRepository::list(
        &store,
        ada.id,
        DocumentFilter {
            status: Some(DocumentStatus::Ready),
            course_id: Some(ada_course.id),
        },
        PageRequest::first(),
    )
    .await
    .unwrap();
    assert_eq!(listed.items, vec![ready.clone()]);
    let pending = DocumentRepository::list(
        &store,
        ada.id,
        DocumentFilter {
            status: Some(DocumentStatus::Pending),
            course_id: None,
        },
        PageRequest::first(),
    )
    .await
    .unwrap();
    assert!(pending.items.is_empty());
    assert!(is_not_found(
        &DocumentRepository::delete(&store, bob.id, doc.id)
            .await
            .unwrap_err(),
        "document"
    ));
    let deleted = DocumentRepository::delete(&store, ada.id, doc.id)
        .await
        .unwrap();
    assert_eq!(deleted, ready);

    // Deleting a user takes everything of theirs.
    UserRepository::delete(&store, ada.id).await.unwrap();
    assert!(store.find_by_token_hash("h1").await.unwrap().is_none());
    assert!(store.list_for_user(ada.id).await.unwrap().is_empty());
    assert!(is_not_found(
        &UserRepository::delete(&store, ada.id).await.unwrap_err(),
        "user"
    ));
}

/// A course deleted between the ownership check and the insert of a note filed under it (the
/// student deleting it in another tab) is a 404 for the course, as the in-memory adapters
/// answer, not a 422. A trigger deletes the course at the very moment of the insert.
#[tokio::test]
async fn a_link_deleted_during_a_write_is_not_found_as_in_memory() {
    let db = TestDatabase::new().await;
    let store = PostgresStore::new(db.pool());
    let ada = UserRepository::create(&store, new_user("ada@example.com"))
        .await
        .unwrap();
    let course = CourseRepository::create(
        &store,
        ada.id,
        NewCourse {
            name: Name::parse("Maths").unwrap(),
            code: None,
            description: None,
            color: Color::default_blue(),
            term: None,
            instructor: None,
        },
    )
    .await
    .unwrap();
    let mut conn = db.connection().await;
    diesel_async::SimpleAsyncConnection::batch_execute(
        &mut conn,
        "CREATE FUNCTION vanish() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN DELETE FROM courses WHERE id = NEW.course_id; RETURN NEW; END $$; \
         CREATE TRIGGER vanish BEFORE INSERT ON notes FOR EACH ROW EXECUTE FUNCTION vanish();",
    )
    .await
    .unwrap();
    let new = NewNote {
        course_id: Some(course.id),
        ..NewNote::manual(Title::parse("Limits").unwrap(), Markdown::default())
    };
    let error = NoteRepository::create(&store, ada.id, new)
        .await
        .unwrap_err();
    assert!(is_not_found(&error, "course"), "{error:?}");
}
