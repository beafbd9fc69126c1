//! [`crate::ImportJobRepository`]: the student's view of background imports.

use super::Fixture;
use super::expect;
use super::seed::{World, all, new_import, now, title, wait_past};
use crate::entities::{
    ImportJobFilter, ImportJobUpdate, ImportedDecks, ImportedSetRef, NewImportJob, PackageFormat,
    SkippedNote, SourceLinks,
};
use crate::enums::{ImportSource, JobStatus};
use crate::id::{DocumentId, ImportJobId, NoteId};
use crate::values::{Progress, WebUrl};

fn progress(status: JobStatus, percent: i64) -> ImportJobUpdate {
    ImportJobUpdate {
        status: Some(status),
        progress: Some(Progress::new(percent).unwrap()),
        ..ImportJobUpdate::default()
    }
}

pub async fn import_jobs_create_pending(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let job =
        w.r.import_jobs
            .create(
                ada,
                NewImportJob {
                    source: ImportSource::Youtube,
                    source_url: Some(WebUrl::parse("https://youtu.be/abc").unwrap()),
                    title: Some(title("Lecture 3")),
                    document_id: None,
                },
            )
            .await
            .unwrap();
    assert_eq!(job.user_id, ada);
    assert_eq!(job.source, ImportSource::Youtube);
    assert_eq!(job.source_url.as_deref(), Some("https://youtu.be/abc"));
    assert_eq!(job.title.as_deref(), Some("Lecture 3"));
    assert_eq!(
        (job.status, job.progress),
        (JobStatus::Pending, 0),
        "a new import is not pending at 0 %"
    );
    assert_eq!((job.note_id, job.document_id), (None, None));
    assert_eq!(
        (job.error_message.as_deref(), job.completed_at),
        (None, None)
    );
    assert_eq!(
        w.r.import_jobs.get(ada, job.id).await.unwrap(),
        job,
        "the import read back differs"
    );

    let document = w.document(ada, "Upload").await.id;
    let from_file = w.import(ada, Some(document)).await;
    assert_eq!(
        (from_file.source, from_file.document_id),
        (ImportSource::File, Some(document))
    );
}

pub async fn import_jobs_update_records_progress(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let job =
        w.r.import_jobs
            .create(
                ada,
                NewImportJob {
                    title: Some(title("Old title")),
                    ..new_import(None)
                },
            )
            .await
            .unwrap();
    wait_past(job.updated_at);
    let running =
        w.r.import_jobs
            .update(ada, job.id, progress(JobStatus::Processing, 40))
            .await
            .unwrap();
    assert_eq!(
        (running.status, running.progress),
        (JobStatus::Processing, 40)
    );
    assert_eq!(
        running.title.as_deref(),
        Some("Old title"),
        "progress changed the title"
    );
    assert!(
        running.updated_at > job.updated_at,
        "progress did not move updated_at"
    );

    let note = w.note(ada, "Transcript", "").await.id;
    let finished_at = now();
    let done =
        w.r.import_jobs
            .update(
                ada,
                job.id,
                ImportJobUpdate {
                    status: Some(JobStatus::Completed),
                    progress: Some(Progress::new(100).unwrap()),
                    completed_at: Some(Some(finished_at)),
                    note_id: Some(Some(note)),
                    title: Some(None),
                    ..ImportJobUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!((done.status, done.progress), (JobStatus::Completed, 100));
    assert_eq!(done.completed_at, Some(finished_at));
    assert_eq!(
        done.note_id,
        Some(note),
        "the note the import produced was not recorded"
    );
    assert_eq!(done.title, None, "the title could not be cleared");
    assert_eq!(
        w.r.import_jobs.get(ada, job.id).await.unwrap(),
        done,
        "the change was not stored"
    );

    let failed = w.import(ada, None).await;
    let failed =
        w.r.import_jobs
            .update(
                ada,
                failed.id,
                ImportJobUpdate {
                    status: Some(JobStatus::Failed),
                    error_message: Some(Some("video has no captions".to_owned())),
                    ..ImportJobUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        failed.error_message.as_deref(),
        Some("video has no captions")
    );
    let cleared =
        w.r.import_jobs
            .update(
                ada,
                failed.id,
                ImportJobUpdate {
                    error_message: Some(None),
                    status: Some(JobStatus::Pending),
                    completed_at: Some(None),
                    ..ImportJobUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (cleared.error_message, cleared.completed_at, cleared.status),
        (None, None, JobStatus::Pending)
    );
}

pub async fn import_jobs_a_package_import_keeps_its_result(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let job =
        w.r.import_jobs
            .create(
                ada,
                NewImportJob {
                    source: ImportSource::Deck,
                    source_url: None,
                    title: Some(title("Biology")),
                    document_id: None,
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (job.source, job.result.as_ref()),
        (ImportSource::Deck, None)
    );
    let set = w
        .set(ada, "Biology::Cells", SourceLinks::default(), Vec::new())
        .await
        .set;
    let result = ImportedDecks {
        format: PackageFormat::Anki21b,
        decks: 2,
        notes: 6,
        cards: 8,
        unchanged: 1,
        reviews: 7,
        media_skipped: 2,
        skipped: vec![SkippedNote {
            key: "g1:0".to_owned(),
            reason: "its question is empty".to_owned(),
        }],
        flashcard_sets: vec![ImportedSetRef {
            id: set.id,
            title: set.title.clone(),
        }],
    };
    let done =
        w.r.import_jobs
            .advance(
                ada,
                job.id,
                ImportJobUpdate {
                    result: Some(result.clone()),
                    ..progress(JobStatus::Completed, 100)
                },
            )
            .await
            .unwrap();
    assert_eq!(done.result.as_ref(), Some(&result));
    assert_eq!(
        w.r.import_jobs.get(ada, job.id).await.unwrap().result,
        Some(result),
        "the result was not stored"
    );
}

pub async fn import_jobs_cancel_an_unfinished_import(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let pending = w.import(ada, None).await;
    let cancelled = w.r.import_jobs.cancel(ada, pending.id).await.unwrap();
    assert_eq!(
        cancelled.status,
        JobStatus::Cancelled,
        "cancelling a pending import did not cancel it"
    );
    let finished = cancelled
        .completed_at
        .expect("a cancelled import has a completion time");
    assert!(
        finished >= pending.created_at,
        "the import finished before it started"
    );
    assert!(cancelled.updated_at >= pending.updated_at);
    assert_eq!(
        w.r.import_jobs.get(ada, pending.id).await.unwrap(),
        cancelled,
        "the cancellation was not stored"
    );

    let running = w.import(ada, None).await;
    w.r.import_jobs
        .update(ada, running.id, progress(JobStatus::Processing, 40))
        .await
        .unwrap();
    let stopped = w.r.import_jobs.cancel(ada, running.id).await.unwrap();
    assert_eq!(
        stopped.status,
        JobStatus::Cancelled,
        "a running import could not be cancelled"
    );
    assert!(stopped.completed_at.is_some());
}

pub async fn import_jobs_cancel_a_finished_import_is_a_conflict(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    for status in [
        JobStatus::Completed,
        JobStatus::Failed,
        JobStatus::Cancelled,
    ] {
        let job = w.import(ada, None).await;
        let finished =
            w.r.import_jobs
                .update(
                    ada,
                    job.id,
                    ImportJobUpdate {
                        status: Some(status),
                        completed_at: Some(Some(now())),
                        ..ImportJobUpdate::default()
                    },
                )
                .await
                .unwrap();
        expect::conflict(
            w.r.import_jobs.cancel(ada, job.id).await,
            "status",
            &format!("a {status} import was cancelled"),
        );
        assert_eq!(
            w.r.import_jobs.get(ada, job.id).await.unwrap(),
            finished,
            "the refused cancellation changed a finished import"
        );
    }
    expect::not_found(
        w.r.import_jobs.cancel(ada, ImportJobId::new()).await,
        "import job",
        "cancelling an import that does not exist",
    );
}

pub async fn import_jobs_a_document_belongs_to_one_import(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let document = w.document(ada, "Upload").await.id;
    let first = w.import(ada, Some(document)).await;
    expect::conflict(
        w.r.import_jobs
            .create(ada, new_import(Some(document)))
            .await,
        "documentId",
        "two imports were started from one document",
    );
    let second = w.import(ada, None).await;
    expect::conflict(
        w.r.import_jobs
            .update(
                ada,
                second.id,
                ImportJobUpdate {
                    document_id: Some(Some(document)),
                    ..ImportJobUpdate::default()
                },
            )
            .await,
        "documentId",
        "a second import took a document another import has",
    );
    assert_eq!(
        w.r.import_jobs
            .list(ada, ImportJobFilter::default(), all())
            .await
            .unwrap()
            .items
            .len(),
        2,
        "the refused import was created anyway"
    );
    assert_eq!(
        w.r.import_jobs.get(ada, second.id).await.unwrap(),
        second,
        "the refused change altered the import"
    );
    assert_eq!(w.r.import_jobs.get(ada, first.id).await.unwrap(), first);
}

pub async fn import_jobs_a_note_belongs_to_one_import(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let note = w.note(ada, "Transcript", "").await.id;
    let document = w.document(ada, "Upload").await.id;
    let first = w.import(ada, Some(document)).await;
    let second = w.import(ada, None).await;
    let claim_note = ImportJobUpdate {
        note_id: Some(Some(note)),
        ..ImportJobUpdate::default()
    };
    w.r.import_jobs
        .update(ada, first.id, claim_note.clone())
        .await
        .unwrap();
    let again =
        w.r.import_jobs
            .update(ada, first.id, claim_note.clone())
            .await;
    assert!(
        again.is_ok(),
        "setting the same note again on the same import is refused: {again:?}"
    );
    expect::conflict(
        w.r.import_jobs.update(ada, second.id, claim_note).await,
        "noteId",
        "two imports claim to have produced one note",
    );

    // Once the first lets go, the second may take them.
    w.r.import_jobs
        .update(
            ada,
            first.id,
            ImportJobUpdate {
                note_id: Some(None),
                document_id: Some(None),
                ..ImportJobUpdate::default()
            },
        )
        .await
        .unwrap();
    let taken =
        w.r.import_jobs
            .update(
                ada,
                second.id,
                ImportJobUpdate {
                    note_id: Some(Some(note)),
                    document_id: Some(Some(document)),
                    ..ImportJobUpdate::default()
                },
            )
            .await
            .unwrap();
    assert_eq!(
        (taken.note_id, taken.document_id),
        (Some(note), Some(document)),
        "released links could not be taken"
    );
}

pub async fn import_jobs_list_newest_first_by_status(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let mut made = Vec::new();
    for _ in 0..5 {
        made.push(w.import(ada, None).await.id);
    }
    w.import(bob, None).await;
    w.r.import_jobs.cancel(ada, made[1]).await.unwrap();
    w.r.import_jobs.cancel(ada, made[3]).await.unwrap();
    w.r.import_jobs
        .update(ada, made[4], progress(JobStatus::Processing, 10))
        .await
        .unwrap();

    let listed = |status: Option<JobStatus>| {
        let jobs = w.r.import_jobs.clone();
        async move {
            jobs.list(ada, ImportJobFilter { status }, all())
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|j| j.id)
                .collect::<Vec<_>>()
        }
    };
    let mut newest_first = made.clone();
    newest_first.reverse();
    assert_eq!(
        listed(None).await,
        newest_first,
        "imports are not listed newest first, or not only the user's"
    );
    assert_eq!(
        listed(Some(JobStatus::Cancelled)).await,
        [made[3], made[1]],
        "the status filter is wrong"
    );
    assert_eq!(
        listed(Some(JobStatus::Pending)).await,
        [made[2], made[0]],
        "the status filter is wrong"
    );
    assert_eq!(listed(Some(JobStatus::Processing)).await, [made[4]]);
    assert!(listed(Some(JobStatus::Completed)).await.is_empty());
    let (sizes, items) = expect::every_page(2, |p| {
        w.r.import_jobs.list(ada, ImportJobFilter::default(), p)
    })
    .await;
    assert_eq!(sizes, [2, 2, 1], "5 imports do not page as 2 + 2 + 1");
    assert_eq!(items.iter().map(|j| j.id).collect::<Vec<_>>(), newest_first);
}

pub async fn import_jobs_of_another_user_are_not_found(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let adas_note = w.note(ada, "Ada's", "").await.id;
    let adas_document = w.document(ada, "Ada's").await.id;
    let job = w.import(ada, None).await;
    let bobs = w.import(bob, None).await;
    let missing = ImportJobId::new();

    expect::hidden(
        w.r.import_jobs.get(bob, job.id).await,
        w.r.import_jobs.get(bob, missing).await,
        "import job",
        "Bob opened Ada's import",
    );
    expect::hidden(
        w.r.import_jobs
            .update(bob, job.id, progress(JobStatus::Failed, 0))
            .await,
        w.r.import_jobs
            .update(bob, missing, progress(JobStatus::Failed, 0))
            .await,
        "import job",
        "Bob changed Ada's import",
    );
    expect::hidden(
        w.r.import_jobs.cancel(bob, job.id).await,
        w.r.import_jobs.cancel(bob, missing).await,
        "import job",
        "Bob cancelled Ada's import",
    );
    expect::hidden(
        w.r.import_jobs.delete(bob, job.id).await,
        w.r.import_jobs.delete(bob, missing).await,
        "import job",
        "Bob deleted Ada's import",
    );
    expect::not_found(
        w.r.import_jobs
            .create(bob, new_import(Some(adas_document)))
            .await,
        "document",
        "Bob imported Ada's document",
    );
    expect::not_found(
        w.r.import_jobs
            .create(bob, new_import(Some(DocumentId::new())))
            .await,
        "document",
        "an import was started from a document that does not exist",
    );
    expect::not_found(
        w.r.import_jobs
            .update(
                bob,
                bobs.id,
                ImportJobUpdate {
                    note_id: Some(Some(adas_note)),
                    ..ImportJobUpdate::default()
                },
            )
            .await,
        "note",
        "Bob's import claimed Ada's note",
    );
    expect::not_found(
        w.r.import_jobs
            .update(
                bob,
                bobs.id,
                ImportJobUpdate {
                    note_id: Some(Some(NoteId::new())),
                    ..ImportJobUpdate::default()
                },
            )
            .await,
        "note",
        "an import claimed a note that does not exist",
    );
    expect::not_found(
        w.r.import_jobs
            .update(
                bob,
                bobs.id,
                ImportJobUpdate {
                    document_id: Some(Some(adas_document)),
                    ..ImportJobUpdate::default()
                },
            )
            .await,
        "document",
        "Bob's import claimed Ada's document",
    );
    assert_eq!(
        w.r.import_jobs
            .list(bob, ImportJobFilter::default(), all())
            .await
            .unwrap()
            .items,
        [bobs],
        "Bob's imports show Ada's, a refused import was created, or a refused change applied"
    );
    assert_eq!(
        w.r.import_jobs.get(ada, job.id).await.unwrap(),
        job,
        "Ada's import changed after Bob's attempts"
    );
}

pub async fn import_jobs_delete_keeps_what_the_import_produced(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let note = w.note(ada, "Transcript", "").await;
    let document = w.document(ada, "Upload").await;
    let job = w.import(ada, Some(document.id)).await;
    w.r.import_jobs
        .update(
            ada,
            job.id,
            ImportJobUpdate {
                note_id: Some(Some(note.id)),
                ..ImportJobUpdate::default()
            },
        )
        .await
        .unwrap();
    w.r.import_jobs.delete(ada, job.id).await.unwrap();
    expect::not_found(
        w.r.import_jobs.get(ada, job.id).await,
        "import job",
        "a deleted import can be opened",
    );
    expect::not_found(
        w.r.import_jobs.delete(ada, job.id).await,
        "import job",
        "deleting an import twice",
    );
    assert_eq!(
        w.r.notes.get(ada, note.id).await.unwrap(),
        note,
        "deleting the import record deleted its note"
    );
    assert_eq!(
        w.r.documents.get(ada, document.id).await.unwrap(),
        document,
        "deleting the import record deleted its document"
    );
    let again =
        w.r.import_jobs
            .create(ada, new_import(Some(document.id)))
            .await;
    assert!(
        again.is_ok(),
        "a deleted import still holds its document: {again:?}"
    );
}

pub async fn import_jobs_advance_only_unfinished_and_never_back(fixture: &impl Fixture) {
    let w = World::of(fixture);
    let ada = w.user("ada").await;
    let bob = w.user("bob").await;
    let job = w.import(ada, None).await;
    let started =
        w.r.import_jobs
            .advance(ada, job.id, progress(JobStatus::Processing, 60))
            .await
            .unwrap();
    assert_eq!(
        (started.status, started.progress),
        (JobStatus::Processing, 60)
    );
    let again =
        w.r.import_jobs
            .advance(ada, job.id, progress(JobStatus::Processing, 25))
            .await
            .unwrap();
    assert_eq!(
        again.progress, 60,
        "progress went back (a retried run starting its stages again)"
    );
    let note = w.note(ada, "Imported", "Text").await.id;
    let linked =
        w.r.import_jobs
            .advance(
                ada,
                job.id,
                ImportJobUpdate {
                    note_id: Some(Some(note)),
                    ..progress(JobStatus::Processing, 75)
                },
            )
            .await
            .unwrap();
    assert_eq!((linked.progress, linked.note_id), (75, Some(note)));
    expect::not_found(
        w.r.import_jobs
            .advance(bob, job.id, progress(JobStatus::Processing, 90))
            .await,
        "import job",
        "Bob advancing Ada's import",
    );
    expect::not_found(
        w.r.import_jobs
            .advance(ada, ImportJobId::new(), progress(JobStatus::Processing, 90))
            .await,
        "import job",
        "advancing a missing import",
    );

    w.r.import_jobs.cancel(ada, job.id).await.unwrap();
    expect::conflict(
        w.r.import_jobs
            .advance(ada, job.id, progress(JobStatus::Completed, 100))
            .await,
        "status",
        "completing a cancelled import",
    );
    let kept = w.r.import_jobs.get(ada, job.id).await.unwrap();
    assert_eq!(
        (kept.status, kept.progress),
        (JobStatus::Cancelled, 75),
        "a refused advance changed the cancelled import"
    );
    let done = w.import(ada, None).await;
    w.r.import_jobs
        .advance(ada, done.id, progress(JobStatus::Completed, 100))
        .await
        .unwrap();
    expect::conflict(
        w.r.import_jobs
            .advance(ada, done.id, progress(JobStatus::Failed, 100))
            .await,
        "status",
        "failing a completed import",
    );
}
