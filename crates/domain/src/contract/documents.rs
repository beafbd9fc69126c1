//! [`crate::DocumentRepository`]: uploaded files' records and their processing state.

use super::Fixture;
use super::expect;
use super::seed::{World, all, fresh_key, new_document, title, wait_past};
use crate::entities::{DocumentFilter, DocumentUpdate, NewDocument};
use crate::enums::DocumentStatus;
use crate::id::{CourseId, DocumentId};
use crate::values::PageCount;

pub async fn documents_create_and_get(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let course = w.course(ada, "Biology").await;
    let key = fresh_key();
    let document =
        w.r.documents
            .create(
                ada,
                NewDocument {
                    course_id: Some(course.id),
                    ..new_document("Syllabus", &key)
                },
            )
            .await
            .unwrap();
    assert_eq!(document.user_id, ada);
    assert_eq!(document.course_id, Some(course.id));
    assert_eq!(document.title, "Syllabus");
    assert_eq!(document.file_name, "Syllabus.pdf");
    assert_eq!(document.mime_type, "application/pdf");
    assert_eq!(document.file_size, 1_024);
    assert_eq!(document.storage_key, key);
    assert_eq!(document.checksum_sha256, "ab".repeat(32));
    assert_eq!(
        document.status,
        DocumentStatus::Pending,
        "a new upload is not pending processing"
    );
    assert_eq!(
        (document.page_count, document.error_message.as_deref()),
        (None, None)
    );
    assert_eq!(
        w.r.documents.get(ada, document.id).await.unwrap(),
        document,
        "the document read back differs"
    );
}

pub async fn documents_storage_key_is_unique_across_users(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas =
        w.r.documents
            .create(ada, new_document("A", "shared/key"))
            .await
            .unwrap();
    expect::conflict(
        w.r.documents
            .create(bob, new_document("B", "shared/key"))
            .await,
        "storageKey",
        "two documents could point at the same stored bytes",
    );
    assert!(
        w.r.documents
            .list(bob, DocumentFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty(),
        "the refused upload was recorded anyway"
    );
    assert_eq!(w.r.documents.get(ada, adas.id).await.unwrap(), adas);

    w.r.documents.delete(ada, adas.id).await.unwrap();
    let again =
        w.r.documents
            .create(bob, new_document("B", "shared/key"))
            .await;
    assert!(
        again.is_ok(),
        "a deleted document's storage key is still taken: {again:?}"
    );
}

pub async fn documents_update_processing_state(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let document = w.document(ada, "Slides").await;
    wait_past(document.updated_at);
    let ready =
        w.r.documents
            .update(
                ada,
                document.id,
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
    assert_eq!(
        ready.title, "Slides",
        "recording progress renamed the document"
    );
    assert_eq!(
        ready.storage_key, document.storage_key,
        "recording progress moved the bytes"
    );
    assert_eq!(ready.created_at, document.created_at);
    assert!(
        ready.updated_at > document.updated_at,
        "the change did not move updated_at"
    );

    let failed =
        w.r.documents
            .update(
                ada,
                document.id,
                DocumentUpdate {
                    status: Some(DocumentStatus::Failed),
                    error_message: Some(Some("unreadable PDF".to_owned())),
                    page_count: Some(None),
                    ..DocumentUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(failed.status, DocumentStatus::Failed);
    assert_eq!(failed.error_message.as_deref(), Some("unreadable PDF"));
    assert_eq!(
        failed.page_count, None,
        "the page count could not be cleared"
    );

    let retried =
        w.r.documents
            .update(
                ada,
                document.id,
                DocumentUpdate {
                    status: Some(DocumentStatus::Processing),
                    error_message: Some(None),
                    title: Some(title("Slides, week 1")),
                    ..DocumentUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        retried.error_message, None,
        "the error message could not be cleared"
    );
    assert_eq!(retried.title, "Slides, week 1");
    assert_eq!(
        w.r.documents.get(ada, document.id).await.unwrap(),
        retried,
        "the change was not stored"
    );
}

pub async fn documents_are_filed_only_under_the_users_courses(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas_course = w.course(ada, "Ada's").await.id;
    let bobs_course = w.course(bob, "Bob's").await.id;
    let document = w.document(bob, "Notes").await;

    let filed =
        w.r.documents
            .update(
                bob,
                document.id,
                DocumentUpdate {
                    course_id: Some(Some(bobs_course)),
                    ..DocumentUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(filed.course_id, Some(bobs_course), "filing did not file");

    expect::not_found(
        w.r.documents
            .update(
                bob,
                document.id,
                DocumentUpdate {
                    course_id: Some(Some(adas_course)),
                    title: Some(title("Moved")),
                    ..DocumentUpdate::default()
                },
            )
            .await,
        "course",
        "Bob filed his document under Ada's course",
    );
    assert_eq!(
        w.r.documents.get(bob, document.id).await.unwrap(),
        filed,
        "the refused move changed the document anyway"
    );
    expect::not_found(
        w.r.documents
            .create(
                bob,
                NewDocument {
                    course_id: Some(adas_course),
                    ..new_document("D", &fresh_key())
                },
            )
            .await,
        "course",
        "Bob uploaded a document into Ada's course",
    );
    expect::not_found(
        w.r.documents
            .create(
                bob,
                NewDocument {
                    course_id: Some(CourseId::new()),
                    ..new_document("D", &fresh_key())
                },
            )
            .await,
        "course",
        "a document was filed under a course that does not exist",
    );
    assert_eq!(
        w.r.documents
            .list(bob, DocumentFilter::default(), all())
            .await
            .unwrap()
            .items
            .len(),
        1,
        "a refused upload was recorded anyway"
    );

    let unfiled =
        w.r.documents
            .update(
                bob,
                document.id,
                DocumentUpdate {
                    course_id: Some(None),
                    ..DocumentUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(unfiled.course_id, None, "the document could not be unfiled");
}

pub async fn documents_list_newest_first_by_course_and_status(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let bio = w.course(ada, "Biology").await.id;
    let mut made = Vec::new();
    for (name, course, status) in [
        ("a", Some(bio), DocumentStatus::Ready),
        ("b", None, DocumentStatus::Ready),
        ("c", Some(bio), DocumentStatus::Pending),
        ("d", None, DocumentStatus::Failed),
    ] {
        let document =
            w.r.documents
                .create(
                    ada,
                    NewDocument {
                        course_id: course,
                        ..new_document(name, &fresh_key())
                    },
                )
                .await
                .unwrap();
        if status != DocumentStatus::Pending {
            w.r.documents
                .update(
                    ada,
                    document.id,
                    DocumentUpdate {
                        status: Some(status),
                        ..DocumentUpdate::default()
                    },
                )
                .await
                .unwrap();
        }
        made.push(document.id);
    }
    w.document(bob, "bob").await;

    let titles = |filter: DocumentFilter| {
        let documents = w.r.documents.clone();
        async move {
            documents
                .list(ada, filter, all())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|d| d.title)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        titles(DocumentFilter::default()).await,
        ["d", "c", "b", "a"],
        "documents are not listed newest first, or not only the user's"
    );
    assert_eq!(
        titles(DocumentFilter {
            course_id: Some(bio),
            ..DocumentFilter::default()
        })
        .await,
        ["c", "a"],
        "the course filter is wrong"
    );
    assert_eq!(
        titles(DocumentFilter {
            status: Some(DocumentStatus::Ready),
            ..DocumentFilter::default()
        })
        .await,
        ["b", "a"],
        "the status filter is wrong"
    );
    assert_eq!(
        titles(DocumentFilter {
            course_id: Some(bio),
            status: Some(DocumentStatus::Ready),
        })
        .await,
        ["a"],
        "filters do not combine with AND"
    );
    assert!(
        titles(DocumentFilter {
            status: Some(DocumentStatus::Processing),
            ..DocumentFilter::default()
        })
        .await
        .is_empty()
    );

    let (sizes, items) =
        expect::every_page(3, |p| w.r.documents.list(ada, DocumentFilter::default(), p)).await;
    assert_eq!(sizes, [3, 1], "4 documents do not page as 3 + 1");
    made.reverse();
    assert_eq!(
        items.iter().map(|d| d.id).collect::<Vec<_>>(),
        made,
        "paging loses or repeats documents"
    );
}

pub async fn documents_of_another_user_are_not_found(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let document = w.document(ada, "Ada's").await;

    expect::hidden(
        w.r.documents.get(bob, document.id).await,
        w.r.documents.get(bob, DocumentId::new()).await,
        "document",
        "Bob opened Ada's document",
    );
    let rename = DocumentUpdate {
        title: Some(title("Stolen")),
        ..DocumentUpdate::default()
    };
    expect::hidden(
        w.r.documents.update(bob, document.id, rename.clone()).await,
        w.r.documents.update(bob, DocumentId::new(), rename).await,
        "document",
        "Bob renamed Ada's document",
    );
    expect::hidden(
        w.r.documents.delete(bob, document.id).await,
        w.r.documents.delete(bob, DocumentId::new()).await,
        "document",
        "Bob deleted Ada's document",
    );
    assert!(
        w.r.documents
            .list(bob, DocumentFilter::default(), all())
            .await
            .unwrap()
            .items
            .is_empty(),
        "Bob's document list shows Ada's document"
    );
    assert_eq!(
        w.r.documents.get(ada, document.id).await.unwrap(),
        document,
        "Ada's document changed after Bob's attempts"
    );
}

pub async fn documents_delete_returns_the_record(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let document = w.document(ada, "Gone").await;
    let kept = w.document(ada, "Kept").await;
    let deleted = w.r.documents.delete(ada, document.id).await.unwrap();
    assert_eq!(
        deleted, document,
        "delete does not hand back the record, so the caller cannot remove the bytes"
    );
    expect::not_found(
        w.r.documents.get(ada, document.id).await,
        "document",
        "a deleted document can be opened",
    );
    expect::not_found(
        w.r.documents.delete(ada, document.id).await,
        "document",
        "deleting a document twice",
    );
    assert_eq!(
        w.r.documents
            .list(ada, DocumentFilter::default(), all())
            .await
            .unwrap()
            .items,
        [kept]
    );
}

pub async fn documents_stranded_are_unfinished_and_untouched_since(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let pending = w.document(ada, "Pending").await;
    let processing = w.document(bob, "Processing").await;
    w.r.documents
        .update(
            bob,
            processing.id,
            DocumentUpdate {
                status: Some(DocumentStatus::Processing),
                ..DocumentUpdate::default()
            },
        )
        .await
        .unwrap();
    let ready = w.document(ada, "Ready").await;
    let ready =
        w.r.documents
            .update(
                ada,
                ready.id,
                DocumentUpdate {
                    status: Some(DocumentStatus::Ready),
                    ..DocumentUpdate::default()
                },
            )
            .await
            .unwrap();
    let later = ready.updated_at + chrono::TimeDelta::seconds(1);
    let stranded = w.r.documents.stranded(later, 10).await.unwrap();
    assert_eq!(
        stranded,
        [(ada, pending.id), (bob, processing.id)],
        "every user's unfinished documents, oldest change first, and no finished one"
    );
    assert_eq!(w.r.documents.stranded(later, 1).await.unwrap().len(), 1);
    // Nothing changed before `pending` was made is stranded yet.
    assert!(
        w.r.documents
            .stranded(pending.created_at, 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A document an unfinished import will process is its import's to finish; once the
    // import has finished (here cancelled), it is stranded like any other.
    let imported = w.document(ada, "Imported").await;
    let import = w.import(ada, Some(imported.id)).await;
    let later = imported.updated_at + chrono::TimeDelta::seconds(1);
    let stranded = w.r.documents.stranded(later, 10).await.unwrap();
    assert!(
        !stranded.contains(&(ada, imported.id)),
        "a document its import is about to process is taken for stranded"
    );
    w.r.import_jobs.cancel(ada, import.id).await.unwrap();
    let stranded = w.r.documents.stranded(later, 10).await.unwrap();
    assert!(
        stranded.contains(&(ada, imported.id)),
        "a document whose import finished is not found stranded"
    );
}
