//! Generations on PostgreSQL, beyond the shared contract: a finish is all or nothing, and
//! concurrent writers to one job or one day's usage neither duplicate nor lose anything. Each
//! test has its own database (`sophie_persistence::testing`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code: a fixture that cannot be built fails the test"
)]

use chrono::NaiveDate;
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sophie_domain::contract::seed::{new_card, new_note, new_set, new_user, title};
use sophie_domain::values::MessageText;
use sophie_domain::{
    DomainError, GeneratedResult, GenerationFinish, GenerationJob, GenerationKind,
    GenerationSettings, GenerationSource, JobStatus, NewFlashcardSet, NewGenerationJob,
    NewNotification, NotificationType, Repositories, TokenUsage, UserId,
};
use sophie_persistence::PostgresStore;
use sophie_persistence::testing::TestDatabase;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The rows of `table`.
async fn rows(conn: &mut AsyncPgConnection, table: &str) -> i64 {
    let sql = format!("SELECT count(*) AS n FROM {table}");
    diesel::sql_query(&sql)
        .load::<Count>(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))[0]
        .n
}

struct Fixture {
    r: Repositories,
    sql: AsyncPgConnection,
    user: UserId,
    source: GenerationSource,
    /// Last, so the pool is dropped before the database is.
    _db: TestDatabase,
}

async fn fixture() -> Fixture {
    let db = TestDatabase::new().await;
    let r = PostgresStore::new(db.pool()).repositories();
    let user = r
        .users
        .create(new_user("Ada", "ada@example.com"))
        .await
        .unwrap()
        .id;
    let note = r
        .notes
        .create(user, new_note("Cells", "mitochondria make ATP"))
        .await
        .unwrap()
        .id;
    Fixture {
        r,
        sql: db.connection().await,
        user,
        source: GenerationSource::Note(note),
        _db: db,
    }
}

impl Fixture {
    async fn job(&self) -> GenerationJob {
        self.r
            .generations
            .create(
                self.user,
                NewGenerationJob {
                    kind: GenerationKind::Flashcards,
                    source: self.source,
                    settings: GenerationSettings {
                        count: 5,
                        difficulty: sophie_domain::Difficulty::Easy,
                        question_types: Vec::new(),
                        title: None,
                    },
                },
            )
            .await
            .unwrap()
    }

    fn finish(&self, set: NewFlashcardSet) -> GenerationFinish {
        GenerationFinish {
            result: GeneratedResult::Flashcards(set),
            model: "offline".to_owned(),
            usage: TokenUsage {
                prompt_tokens: 10,
                completion_tokens: 5,
            },
            notice: NewNotification {
                notification_type: NotificationType::GenerationCompleted,
                title: title("Flashcards ready"),
                message: MessageText::parse("Your flashcards are ready").unwrap(),
                link: None,
            },
        }
    }

    fn cards(&self, count: usize) -> NewFlashcardSet {
        new_set(
            "Cells",
            self.source.links(),
            (0..count)
                .map(|i| new_card(&format!("Q{i}"), "A"))
                .collect(),
        )
    }
}

#[tokio::test]
async fn a_refused_result_leaves_the_job_unfinished_and_writes_nothing() {
    let mut f = fixture().await;
    let job = f.job().await;

    let too_many = f.cards(NewFlashcardSet::MAX_CARDS + 1);
    match f
        .r
        .generations
        .finish(f.user, job.id, f.finish(too_many))
        .await
    {
        Err(DomainError::Validation { field, .. }) if field == "flashcards" => {}
        other => panic!("expected Validation(flashcards), got {other:?}"),
    }
    // A result linked to another student's note.
    let bob =
        f.r.users
            .create(new_user("Bob", "bob@example.com"))
            .await
            .unwrap()
            .id;
    let bobs =
        f.r.notes
            .create(bob, new_note("Bob's", "text"))
            .await
            .unwrap()
            .id;
    let mut foreign = f.cards(1);
    foreign.links = GenerationSource::Note(bobs).links();
    match f
        .r
        .generations
        .finish(f.user, job.id, f.finish(foreign))
        .await
    {
        Err(DomainError::NotFound { entity: "note" }) => {}
        other => panic!("expected NotFound(note), got {other:?}"),
    }

    assert_eq!(f.r.generations.get(f.user, job.id).await.unwrap(), job);
    for table in ["flashcard_sets", "flashcards", "notifications"] {
        assert_eq!(rows(&mut f.sql, table).await, 0, "{table} written");
    }
    // The job can still finish.
    let done =
        f.r.generations
            .finish(f.user, job.id, f.finish(f.cards(2)))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(done.status, JobStatus::Completed);
}

#[tokio::test]
async fn concurrent_finishes_of_one_job_make_one_result() {
    let mut f = fixture().await;
    let job = f.job().await;
    let runs = (0..4).map(|_| f.r.generations.finish(f.user, job.id, f.finish(f.cards(3))));
    let results = futures_util::future::join_all(runs).await;
    let finished: Vec<GenerationJob> = results.into_iter().filter_map(Result::unwrap).collect();
    assert_eq!(finished.len(), 1, "one run finishes the job: {finished:?}");
    assert_eq!(rows(&mut f.sql, "flashcard_sets").await, 1);
    assert_eq!(rows(&mut f.sql, "flashcards").await, 3);
    assert_eq!(rows(&mut f.sql, "notifications").await, 1);
    // A late failure changes nothing either.
    let late =
        f.r.generations
            .fail(
                f.user,
                job.id,
                "late".to_owned(),
                f.finish(f.cards(0)).notice,
            )
            .await
            .unwrap();
    assert_eq!(late, None);
    assert_eq!(
        f.r.generations.get(f.user, job.id).await.unwrap(),
        finished[0]
    );
}

#[tokio::test]
async fn concurrent_usage_of_one_day_adds_up() {
    let f = fixture().await;
    let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let adds = (1..=20u32).map(|i| {
        f.r.generations.record_usage(
            f.user,
            day,
            TokenUsage {
                prompt_tokens: i,
                completion_tokens: 1,
            },
        )
    });
    for added in futures_util::future::join_all(adds).await {
        added.unwrap();
    }
    assert_eq!(
        f.r.generations.usage_on(f.user, day).await.unwrap(),
        210 + 20
    );
    // Large counts are not cut to 32 bits.
    for _ in 0..2 {
        f.r.generations
            .record_usage(
                f.user,
                day,
                TokenUsage {
                    prompt_tokens: u32::MAX,
                    completion_tokens: u32::MAX,
                },
            )
            .await
            .unwrap();
    }
    assert_eq!(
        f.r.generations.usage_on(f.user, day).await.unwrap(),
        230 + 4 * u64::from(u32::MAX)
    );
    match f
        .r
        .generations
        .record_usage(
            UserId::new(),
            day,
            TokenUsage {
                prompt_tokens: 1,
                completion_tokens: 1,
            },
        )
        .await
    {
        Err(DomainError::NotFound { entity: "user" }) => {}
        other => panic!("expected NotFound(user), got {other:?}"),
    }
}
