//! The schema migrations against a real PostgreSQL server.
//!
//! Each test creates its own database (`sophie_migrations_<uuid>`) on the server named by
//! `DATABASE_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`; the role must be
//! allowed to create databases) and drops it at the end, also when the test fails. When the
//! server cannot be reached the tests fail within seconds and say how to start it.
//!
//! - `every_migration_applies_and_reverts_exactly_as_plain_sql` runs each `up.sql` and
//!   `down.sql` the way `psql -f` would (simple query protocol) and checks, through a snapshot
//!   of the catalog of schema `public`, that every `down.sql` undoes its `up.sql` exactly.
//! - `embedded_migrations_build_the_whole_schema_and_revert_cleanly` runs the embedded
//!   [`MIGRATIONS`] the way the program does (diesel's `MigrationHarness` over diesel-async's
//!   `AsyncConnectionWrapper`), asserts the complete shape and a few behaviours of the schema,
//!   and reverts everything.

use std::collections::{BTreeMap, BTreeSet};
use std::error::Error;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use diesel_async::AsyncPgConnection;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_migrations::MigrationHarness;
use sophie_persistence::migrations::MIGRATIONS;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, NoTls};

const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Upper bound for reaching the server; the tests fail rather than hang past it.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

const HOW_TO_START_POSTGRES: &str = "start PostgreSQL with \
     `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, \
     or set DATABASE_URL to a reachable server whose role may create databases \
     (default: postgres://postgres@127.0.0.1:5432/postgres)";

const DIESEL_TABLE: &str = "__diesel_schema_migrations";

// ---------------------------------------------------------------------------------------------
// Errors: a test returns `TestResult`; a failure prints its message as is.

struct Failure(String);

impl fmt::Debug for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

type TestResult<T = ()> = Result<T, Failure>;

trait Context<T> {
    fn context(self, what: impl fmt::Display) -> TestResult<T>;
}

impl<T, E: Into<Box<dyn Error + Send + Sync>>> Context<T> for Result<T, E> {
    fn context(self, what: impl fmt::Display) -> TestResult<T> {
        self.map_err(|e| Failure(format!("{what}: {}", chain(&*e.into()))))
    }
}

/// An error with its sources (tokio-postgres puts the server's message in the source).
fn chain(error: &(dyn Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn ensure(condition: bool, message: impl FnOnce() -> String) -> TestResult {
    if condition {
        Ok(())
    } else {
        Err(Failure(message()))
    }
}

/// Fails, listing what is missing and what is unexpected, unless both lists hold the same
/// items (in any order, duplicates counted).
fn ensure_same(what: &str, actual: &[String], expected: &[String]) -> TestResult {
    let (mut sorted_actual, mut sorted_expected) = (actual.to_vec(), expected.to_vec());
    sorted_actual.sort();
    sorted_expected.sort();
    if sorted_actual == sorted_expected {
        return Ok(());
    }
    let actual: BTreeSet<&String> = actual.iter().collect();
    let expected: BTreeSet<&String> = expected.iter().collect();
    let mut problems = String::new();
    for missing in expected.difference(&actual) {
        problems.push_str(&format!("\n  missing:    {missing}"));
    }
    for unexpected in actual.difference(&expected) {
        problems.push_str(&format!("\n  unexpected: {unexpected}"));
    }
    Err(Failure(format!(
        "{what} differ from the expected ones:{problems}\n  actual:   {sorted_actual:?}\n  expected: {sorted_expected:?}"
    )))
}

// ---------------------------------------------------------------------------------------------
// The server and the per-test database.

fn admin_config() -> TestResult<Config> {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| DEFAULT_DATABASE_URL.to_owned());
    let mut config =
        Config::from_str(&url).context("DATABASE_URL is not a valid PostgreSQL URL")?;
    config.connect_timeout(CONNECT_TIMEOUT);
    Ok(config)
}

/// Where `config` points, without the password.
fn describe(config: &Config) -> String {
    format!(
        "hosts {:?}, ports {:?}, user {:?}, database {:?}",
        config.get_hosts(),
        config.get_ports(),
        config.get_user(),
        config.get_dbname()
    )
}

async fn connect(config: &Config) -> TestResult<Client> {
    let fail = |cause: String| {
        Failure(format!(
            "cannot connect to PostgreSQL ({}): {cause}\n=> {HOW_TO_START_POSTGRES}",
            describe(config)
        ))
    };
    let (client, connection) = tokio::time::timeout(CONNECT_TIMEOUT, config.connect(NoTls))
        .await
        .map_err(|_| fail(format!("no answer within {CONNECT_TIMEOUT:?}")))?
        .map_err(|e| fail(chain(&e)))?;
    tokio::spawn(async move {
        // Ends when the client is dropped; an error here surfaces as a failed query anyway.
        let _ = connection.await;
    });
    Ok(client)
}

/// A fresh database, dropped (`WITH (FORCE)`) when the guard goes out of scope, also while
/// a failed test unwinds.
struct TestDatabase {
    admin: Config,
    name: String,
}

impl TestDatabase {
    async fn create() -> TestResult<Self> {
        let admin = admin_config()?;
        let client = connect(&admin).await?;
        let name = format!("sophie_migrations_{}", uuid::Uuid::new_v4().simple());
        client
            .batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .await
            .context(format_args!("CREATE DATABASE {name}"))?;
        Ok(Self { admin, name })
    }

    fn config(&self) -> Config {
        let mut config = self.admin.clone();
        config.dbname(&self.name);
        config
    }

    async fn connect(&self) -> TestResult<Client> {
        connect(&self.config()).await
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop may run inside the test's runtime (even while it unwinds): use a thread of
        // its own with a runtime of its own.
        let admin = self.admin.clone();
        let sql = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let dropped = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let client = connect(&admin).await.map_err(|e| e.0)?;
                client.batch_execute(&sql).await.map_err(|e| chain(&e))
            })
        })
        .join();
        match dropped {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("warning: could not drop test database {}", self.name),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The migrations on disk.

struct MigrationDir {
    name: String,
    up: String,
    down: String,
}

fn migrations_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations")
}

/// Every `migrations/*/{up,down}.sql`, in name (= version) order.
fn migrations_on_disk() -> TestResult<Vec<MigrationDir>> {
    let dir = migrations_dir();
    let mut names = Vec::new();
    for entry in std::fs::read_dir(&dir).context(format_args!("reading {}", dir.display()))? {
        let entry = entry.context(format_args!("reading {}", dir.display()))?;
        if entry.path().join("up.sql").is_file() {
            names.push(entry.file_name().to_string_lossy().into_owned());
        }
    }
    names.sort();
    let mut migrations = Vec::with_capacity(names.len());
    for name in names {
        let read = |file: &str| {
            let path = dir.join(&name).join(file);
            std::fs::read_to_string(&path).context(format_args!("reading {}", path.display()))
        };
        let (up, down) = (read("up.sql")?, read("down.sql")?);
        migrations.push(MigrationDir { name, up, down });
    }
    ensure(!migrations.is_empty(), || {
        format!("no migration found in {}", dir.display())
    })?;
    Ok(migrations)
}

// ---------------------------------------------------------------------------------------------
// Catalog queries. Each returns one text column.

async fn strings(client: &Client, sql: &str) -> TestResult<Vec<String>> {
    let rows = client
        .query(sql, &[])
        .await
        .context(format_args!("catalog query failed: {sql}"))?;
    let mut values = Vec::with_capacity(rows.len());
    for row in rows {
        values.push(
            row.try_get::<_, String>(0)
                .context(format_args!("reading a row of {sql}"))?,
        );
    }
    values.sort();
    Ok(values)
}

/// What a snapshot records about schema `public` (plus the installed extensions). A column's
/// position is its place among the table's live columns (`#n`), not its `attnum`, which a
/// column dropped by a `down.sql` and added again by the `up.sql` does not get back.
const CATALOG: &[(&str, &str)] = &[
    (
        "relations",
        "SELECT c.relname || ' kind=' || c.relkind::text \
                || coalesce(' ' || array_to_string(c.reloptions, ','), '') FROM pg_class c \
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind NOT IN ('i', 'I')",
    ),
    (
        "columns",
        "SELECT c.relname || '.' || a.attname || ' #' \
                || row_number() OVER (PARTITION BY a.attrelid ORDER BY a.attnum) || ' ' \
                || format_type(a.atttypid, a.atttypmod) \
                || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE ' NULL' END \
                || coalesce(CASE WHEN a.attgenerated = 's' THEN ' GENERATED ' ELSE ' DEFAULT ' END \
                            || pg_get_expr(d.adbin, d.adrelid), '') \
                || CASE WHEN a.attidentity <> '' THEN ' IDENTITY ' || a.attidentity::text ELSE '' END \
                || CASE WHEN a.attstattarget >= 0 THEN ' STATISTICS ' || a.attstattarget ELSE '' END \
         FROM pg_attribute a \
         JOIN pg_class c ON c.oid = a.attrelid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'f') \
           AND a.attnum > 0 AND NOT a.attisdropped",
    ),
    (
        "constraints",
        "SELECT coalesce(c.relname, t.typname) || '.' || con.conname || ' ' || con.contype::text \
                || ': ' || pg_get_constraintdef(con.oid) \
         FROM pg_constraint con \
         LEFT JOIN pg_class c ON c.oid = con.conrelid \
         LEFT JOIN pg_type t ON t.oid = con.contypid \
         WHERE con.connamespace = 'public'::regnamespace",
    ),
    (
        "indexes",
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'",
    ),
    (
        "types",
        "SELECT t.typname || ' type=' || t.typtype::text FROM pg_type t \
         WHERE t.typnamespace = 'public'::regnamespace",
    ),
    (
        "enum labels",
        "SELECT t.typname || ': ' || string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) \
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid \
         WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname",
    ),
    (
        "triggers",
        "SELECT pg_get_triggerdef(tg.oid) || ' enabled=' || tg.tgenabled::text FROM pg_trigger tg \
         JOIN pg_class c ON c.oid = tg.tgrelid \
         WHERE c.relnamespace = 'public'::regnamespace AND NOT tg.tgisinternal",
    ),
    (
        "functions",
        "SELECT p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ') kind=' \
                || p.prokind::text || ' returns ' || coalesce(pg_get_function_result(p.oid), '') \
                || ' source md5=' || md5(coalesce(p.prosrc, '')) \
         FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace",
    ),
    (
        "extensions",
        "SELECT e.extname || ' ' || e.extversion || ' in ' || e.extnamespace::regnamespace::text \
         FROM pg_extension e",
    ),
];

type Snapshot = BTreeMap<&'static str, Vec<String>>;

async fn snapshot(client: &Client) -> TestResult<Snapshot> {
    let mut snapshot = Snapshot::new();
    for (what, sql) in CATALOG {
        snapshot.insert(*what, strings(client, sql).await?);
    }
    Ok(snapshot)
}

/// What differs between two snapshots, one line per object, empty when they are equal.
fn diff(expected: &Snapshot, actual: &Snapshot) -> String {
    let mut out = String::new();
    for (what, expected_items) in expected {
        let expected_items: BTreeSet<&String> = expected_items.iter().collect();
        let actual_items: BTreeSet<&String> = actual
            .get(what)
            .map(|v| v.iter().collect())
            .unwrap_or_default();
        for missing in expected_items.difference(&actual_items) {
            out.push_str(&format!("  {what}: missing  {missing}\n"));
        }
        for extra in actual_items.difference(&expected_items) {
            out.push_str(&format!("  {what}: left over {extra}\n"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Test 1: the SQL files as psql runs them.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_migration_applies_and_reverts_exactly_as_plain_sql() -> TestResult {
    let migrations = migrations_on_disk()?;
    let db = TestDatabase::create().await?;
    let client = db.connect().await?;

    let pristine = snapshot(&client).await?;

    for migration in &migrations {
        let name = &migration.name;
        let before = snapshot(&client).await?;

        client
            .batch_execute(&migration.up)
            .await
            .context(format_args!("{name}/up.sql failed"))?;
        let after_up = snapshot(&client).await?;
        ensure(after_up != before, || {
            format!("{name}/up.sql changed nothing")
        })?;

        client
            .batch_execute(&migration.down)
            .await
            .context(format_args!("{name}/down.sql failed"))?;
        let after_down = snapshot(&client).await?;
        let changes = diff(&before, &after_down);
        ensure(changes.is_empty(), || {
            format!("{name}/down.sql does not undo up.sql exactly:\n{changes}")
        })?;

        client
            .batch_execute(&migration.up)
            .await
            .context(format_args!(
                "{name}/up.sql failed when applied again after down.sql"
            ))?;
        let again = snapshot(&client).await?;
        let changes = diff(&after_up, &again);
        ensure(changes.is_empty(), || {
            format!("{name}/up.sql builds something else the second time:\n{changes}")
        })?;
    }

    for migration in migrations.iter().rev() {
        client
            .batch_execute(&migration.down)
            .await
            .context(format_args!(
                "{}/down.sql failed (reverting all)",
                migration.name
            ))?;
    }

    let end = snapshot(&client).await?;
    let changes = diff(&pristine, &end);
    ensure(changes.is_empty(), || {
        format!("reverting every migration does not restore the fresh database:\n{changes}")
    })?;
    for what in ["relations", "types", "functions"] {
        let left = end.get(what).cloned().unwrap_or_default();
        assert!(left.is_empty(), "{what} left in schema public: {left:?}");
    }
    let extensions = strings(&client, "SELECT extname::text FROM pg_extension").await?;
    assert_eq!(
        extensions,
        ["plpgsql"],
        "extensions left after reverting everything"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Test 2: the embedded migrations as the program runs them, and the shape they build.

/// Every table keyed by a generated `id`, with `created_at` and `updated_at`.
const TABLES: [&str; 23] = [
    "users",
    "sessions",
    "accounts",
    "verifications",
    "courses",
    "notes",
    "documents",
    "flashcard_sets",
    "flashcards",
    "quizzes",
    "questions",
    "quiz_responses",
    "study_guides",
    "chat_sessions",
    "chat_messages",
    "calendar_events",
    "import_jobs",
    "notifications",
    "document_search_index",
    "background_jobs",
    "generation_jobs",
    "calendar_subscriptions",
    "event_extractions",
];

/// Tables outside that pattern, with their primary key: keyed otherwise (a card's schedule,
/// a student's settings, tokens per day) or an append-only log without `updated_at`. Those
/// with an `updated_at` have its trigger too.
const TABLES_KEYED_OTHERWISE: [(&str, &str); 10] = [
    (
        "calendar_event_exceptions",
        "PRIMARY KEY (event_id, original_start)",
    ),
    ("token_usage", "PRIMARY KEY (user_id, day)"),
    ("flashcard_schedules", "PRIMARY KEY (flashcard_id)"),
    ("flashcard_reviews", "PRIMARY KEY (id)"),
    ("review_settings", "PRIMARY KEY (user_id)"),
    ("calendar_feeds", "PRIMARY KEY (user_id)"),
    ("calendar_feed_versions", "PRIMARY KEY (user_id, scope)"),
    ("calendar_syncs", "PRIMARY KEY (user_id)"),
    (
        "calendar_sync_deletions",
        "PRIMARY KEY (user_id, calendar_id, remote_id)",
    ),
    ("search_index_versions", "PRIMARY KEY (user_id)"),
];

const ENUMS: [(&str, &[&str]); 13] = [
    ("difficulty", &["EASY", "MEDIUM", "HARD"]),
    (
        "question_type",
        &[
            "MULTIPLE_CHOICE",
            "TRUE_FALSE",
            "SHORT_ANSWER",
            "FILL_IN_THE_BLANK",
        ],
    ),
    ("message_type", &["USER", "ASSISTANT", "SYSTEM"]),
    (
        "event_type",
        &[
            "ASSIGNMENT",
            "EXAM",
            "QUIZ",
            "LECTURE",
            "LAB",
            "OFFICE_HOURS",
            "STUDY_SESSION",
            "DEADLINE",
            "OTHER",
        ],
    ),
    ("priority", &["LOW", "MEDIUM", "HIGH", "URGENT"]),
    (
        "import_source",
        &["FILE", "YOUTUBE", "AUDIO", "URL", "DECK"],
    ),
    (
        "job_status",
        &["PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELLED"],
    ),
    (
        "note_source",
        &["MANUAL", "FILE", "YOUTUBE", "AUDIO", "URL"],
    ),
    (
        "document_status",
        &["PENDING", "PROCESSING", "READY", "FAILED"],
    ),
    (
        "notification_type",
        &[
            "IMPORT_COMPLETED",
            "IMPORT_FAILED",
            "GENERATION_COMPLETED",
            "GENERATION_FAILED",
            "EVENT_REMINDER",
            "CALENDAR_SYNC",
            "SYSTEM",
        ],
    ),
    ("generation_kind", &["FLASHCARDS", "QUIZ", "STUDY_GUIDE"]),
    ("card_state", &["NEW", "LEARNING", "REVIEW", "RELEARNING"]),
    ("review_rating", &["AGAIN", "HARD", "GOOD", "EASY"]),
];

const CASCADE: &str = "CASCADE";
const SET_NULL: &str = "SET NULL";

/// Every foreign key: (table, column, referenced table, ON DELETE). All reference `id`.
const FOREIGN_KEYS: [(&str, &str, &str, &str); 62] = [
    ("sessions", "user_id", "users", CASCADE),
    ("accounts", "user_id", "users", CASCADE),
    ("courses", "user_id", "users", CASCADE),
    ("notes", "course_id", "courses", SET_NULL),
    ("notes", "user_id", "users", CASCADE),
    ("documents", "course_id", "courses", SET_NULL),
    ("documents", "user_id", "users", CASCADE),
    ("flashcard_sets", "user_id", "users", CASCADE),
    ("flashcard_sets", "course_id", "courses", SET_NULL),
    ("flashcard_sets", "note_id", "notes", SET_NULL),
    ("flashcard_sets", "document_id", "documents", SET_NULL),
    ("flashcards", "flashcard_set_id", "flashcard_sets", CASCADE),
    ("quizzes", "user_id", "users", CASCADE),
    ("quizzes", "course_id", "courses", SET_NULL),
    ("quizzes", "note_id", "notes", SET_NULL),
    ("quizzes", "document_id", "documents", SET_NULL),
    ("questions", "quiz_id", "quizzes", CASCADE),
    ("quiz_responses", "quiz_id", "quizzes", CASCADE),
    ("quiz_responses", "user_id", "users", CASCADE),
    ("study_guides", "note_id", "notes", SET_NULL),
    ("study_guides", "course_id", "courses", SET_NULL),
    ("study_guides", "document_id", "documents", SET_NULL),
    ("study_guides", "user_id", "users", CASCADE),
    ("chat_sessions", "course_id", "courses", SET_NULL),
    ("chat_sessions", "user_id", "users", CASCADE),
    ("chat_messages", "chat_session_id", "chat_sessions", CASCADE),
    ("calendar_events", "course_id", "courses", SET_NULL),
    ("calendar_events", "document_id", "documents", SET_NULL),
    ("calendar_events", "user_id", "users", CASCADE),
    (
        "calendar_event_exceptions",
        "event_id",
        "calendar_events",
        CASCADE,
    ),
    ("import_jobs", "user_id", "users", CASCADE),
    ("import_jobs", "note_id", "notes", SET_NULL),
    ("import_jobs", "document_id", "documents", SET_NULL),
    ("notifications", "user_id", "users", CASCADE),
    ("document_search_index", "document_id", "documents", CASCADE),
    ("document_search_index", "note_id", "notes", CASCADE),
    ("document_search_index", "user_id", "users", CASCADE),
    ("generation_jobs", "user_id", "users", CASCADE),
    ("generation_jobs", "course_id", "courses", CASCADE),
    ("generation_jobs", "note_id", "notes", CASCADE),
    ("generation_jobs", "document_id", "documents", CASCADE),
    (
        "generation_jobs",
        "flashcard_set_id",
        "flashcard_sets",
        SET_NULL,
    ),
    ("generation_jobs", "quiz_id", "quizzes", SET_NULL),
    (
        "generation_jobs",
        "study_guide_id",
        "study_guides",
        SET_NULL,
    ),
    ("token_usage", "user_id", "users", CASCADE),
    ("flashcard_schedules", "flashcard_id", "flashcards", CASCADE),
    ("flashcard_schedules", "user_id", "users", CASCADE),
    ("flashcard_reviews", "flashcard_id", "flashcards", CASCADE),
    ("flashcard_reviews", "user_id", "users", CASCADE),
    ("review_settings", "user_id", "users", CASCADE),
    ("calendar_feeds", "user_id", "users", CASCADE),
    ("calendar_feed_versions", "user_id", "users", CASCADE),
    ("calendar_subscriptions", "user_id", "users", CASCADE),
    ("calendar_subscriptions", "course_id", "courses", SET_NULL),
    (
        "calendar_events",
        "subscription_id",
        "calendar_subscriptions",
        CASCADE,
    ),
    ("event_extractions", "user_id", "users", CASCADE),
    ("event_extractions", "document_id", "documents", CASCADE),
    ("event_extractions", "note_id", "notes", CASCADE),
    ("calendar_syncs", "user_id", "users", CASCADE),
    ("calendar_syncs", "account_id", "accounts", CASCADE),
    ("calendar_sync_deletions", "user_id", "users", CASCADE),
    ("search_index_versions", "user_id", "users", CASCADE),
];

/// Every unique constraint: (table, columns in order).
const UNIQUE_CONSTRAINTS: [(&str, &str); 12] = [
    ("users", "email"),
    ("sessions", "token"),
    ("accounts", "provider_id, account_id"),
    ("documents", "storage_key"),
    ("import_jobs", "note_id"),
    ("import_jobs", "document_id"),
    ("document_search_index", "document_id, chunk_index"),
    ("document_search_index", "note_id, chunk_index"),
    ("notifications", "user_id, dedup_key"),
    ("calendar_feeds", "token_hash"),
    ("calendar_subscriptions", "user_id, url"),
    ("calendar_events", "user_id, ical_uid"),
];

/// Every CHECK constraint, by name.
const CHECK_CONSTRAINTS: [&str; 37] = [
    "calendar_event_exceptions_end_date_check",
    "calendar_events_sequence_check",
    "users_email_check",
    "notes_duration_seconds_check",
    "documents_file_size_check",
    "quizzes_time_limit_check",
    "quizzes_total_points_check",
    "questions_points_check",
    "quiz_responses_score_check",
    "quiz_responses_total_points_check",
    "quiz_responses_time_spent_seconds_check",
    "calendar_events_end_date_check",
    "import_jobs_progress_check",
    "document_search_index_chunk_index_check",
    "document_search_index_embedding_check",
    "document_search_index_one_source_check",
    "background_jobs_attempts_check",
    "background_jobs_max_attempts_check",
    "generation_jobs_progress_check",
    "generation_jobs_tokens_check",
    "generation_jobs_one_source_check",
    "generation_jobs_one_result_check",
    "token_usage_tokens_check",
    "flashcard_schedules_step_check",
    "flashcard_schedules_stability_check",
    "flashcard_schedules_difficulty_check",
    "flashcard_schedules_counts_check",
    "flashcard_reviews_duration_ms_check",
    "review_settings_desired_retention_check",
    "review_settings_new_cards_per_day_check",
    "review_settings_parameters_check",
    "calendar_subscriptions_event_count_check",
    "users_default_reminders_check",
    "event_extractions_progress_check",
    "event_extractions_one_source_check",
    "calendar_syncs_state_check",
    "search_index_versions_version_check",
];

/// Indexes whose exact definition matters beyond "some index leads with the FK column".
const INDEXES: [&str; 36] = [
    "CREATE INDEX calendar_subscriptions_refreshed_at_idx ON public.calendar_subscriptions USING btree (refreshed_at NULLS FIRST, id)",
    "CREATE INDEX sessions_expires_at_idx ON public.sessions USING btree (expires_at)",
    "CREATE INDEX verifications_identifier_idx ON public.verifications USING btree (identifier)",
    "CREATE INDEX quiz_responses_quiz_id_created_at_idx ON public.quiz_responses USING btree (quiz_id, created_at, id)",
    "CREATE INDEX notes_tags_idx ON public.notes USING gin (tags)",
    "CREATE INDEX courses_user_id_created_at_idx ON public.courses USING btree (user_id, created_at, id)",
    "CREATE INDEX flashcards_flashcard_set_id_created_at_idx ON public.flashcards USING btree (flashcard_set_id, created_at, id)",
    "CREATE INDEX questions_quiz_id_created_at_idx ON public.questions USING btree (quiz_id, created_at, id)",
    "CREATE INDEX chat_messages_chat_session_id_created_at_idx ON public.chat_messages USING btree (chat_session_id, created_at, id)",
    "CREATE INDEX calendar_events_user_id_start_date_idx ON public.calendar_events USING btree (user_id, start_date, id)",
    "CREATE INDEX notifications_user_id_read_created_at_idx ON public.notifications USING btree (user_id, read, created_at, id)",
    "CREATE INDEX notes_title_trgm_idx ON public.notes USING gin (title gin_trgm_ops)",
    "CREATE INDEX notes_content_trgm_idx ON public.notes USING gin (content gin_trgm_ops)",
    "CREATE INDEX notes_content_tsv_idx ON public.notes USING gin (content_tsv)",
    "CREATE INDEX flashcards_question_trgm_idx ON public.flashcards USING gin (question gin_trgm_ops)",
    "CREATE INDEX flashcards_answer_trgm_idx ON public.flashcards USING gin (answer gin_trgm_ops)",
    "CREATE INDEX flashcard_sets_tags_idx ON public.flashcard_sets USING gin (tags)",
    "CREATE INDEX document_search_index_content_trgm_idx ON public.document_search_index USING gin (content gin_trgm_ops)",
    "CREATE INDEX document_search_index_content_tsv_idx ON public.document_search_index USING gin (content_tsv)",
    "CREATE INDEX document_search_index_user_id_embedding_model_idx ON public.document_search_index USING btree (user_id, embedding_model, document_id) INCLUDE (id, note_id, embedding_bits)",
    "CREATE UNIQUE INDEX background_jobs_unique_key_idx ON public.background_jobs USING btree (unique_key) WHERE (status = ANY (ARRAY['PENDING'::job_status, 'PROCESSING'::job_status]))",
    "CREATE INDEX background_jobs_claim_idx ON public.background_jobs USING btree (priority DESC, run_at) WHERE (status = 'PENDING'::job_status)",
    "CREATE INDEX background_jobs_locked_until_idx ON public.background_jobs USING btree (locked_until) WHERE (status = 'PROCESSING'::job_status)",
    "CREATE INDEX documents_unfinished_idx ON public.documents USING btree (updated_at, id) WHERE (status = ANY (ARRAY['PENDING'::document_status, 'PROCESSING'::document_status]))",
    "CREATE INDEX generation_jobs_course_id_idx ON public.generation_jobs USING btree (course_id) WHERE (course_id IS NOT NULL)",
    "CREATE INDEX generation_jobs_note_id_idx ON public.generation_jobs USING btree (note_id) WHERE (note_id IS NOT NULL)",
    "CREATE INDEX generation_jobs_document_id_idx ON public.generation_jobs USING btree (document_id) WHERE (document_id IS NOT NULL)",
    "CREATE INDEX generation_jobs_flashcard_set_id_idx ON public.generation_jobs USING btree (flashcard_set_id) WHERE (flashcard_set_id IS NOT NULL)",
    "CREATE INDEX generation_jobs_quiz_id_idx ON public.generation_jobs USING btree (quiz_id) WHERE (quiz_id IS NOT NULL)",
    "CREATE INDEX generation_jobs_study_guide_id_idx ON public.generation_jobs USING btree (study_guide_id) WHERE (study_guide_id IS NOT NULL)",
    "CREATE INDEX flashcard_schedules_user_id_due_idx ON public.flashcard_schedules USING btree (user_id, due)",
    "CREATE INDEX flashcard_reviews_flashcard_id_reviewed_at_idx ON public.flashcard_reviews USING btree (flashcard_id, reviewed_at, created_at)",
    "CREATE INDEX flashcard_reviews_user_id_reviewed_at_idx ON public.flashcard_reviews USING btree (user_id, reviewed_at)",
    "CREATE INDEX generation_jobs_unfinished_idx ON public.generation_jobs USING btree (updated_at, id) WHERE (status = ANY (ARRAY['PENDING'::job_status, 'PROCESSING'::job_status]))",
    "CREATE INDEX calendar_syncs_account_id_idx ON public.calendar_syncs USING btree (account_id)",
    "CREATE INDEX calendar_events_google_event_idx ON public.calendar_events USING btree (user_id, google_calendar_id, google_event_id) WHERE (google_event_id IS NOT NULL)",
];

/// Tables listed per user, newest first: each needs an index on (user_id, created_at, id),
/// which serves keyset pagination on (created_at, id) without a sort.
const USER_LISTED_TABLES: [&str; 12] = [
    "courses",
    "notes",
    "documents",
    "flashcard_sets",
    "quizzes",
    "study_guides",
    "chat_sessions",
    "calendar_events",
    "import_jobs",
    "notifications",
    "quiz_responses",
    "generation_jobs",
];

/// Columns with a special type, nullability or default: (table, column, expected shape as
/// rendered by `column_shape`).
const COLUMNS: [(&str, &str, &str); 48] = [
    ("users", "email_verified", "boolean NOT NULL DEFAULT false"),
    ("courses", "color", "text NOT NULL DEFAULT 'blue'::text"),
    ("notes", "content", "text NOT NULL DEFAULT ''::text"),
    (
        "notes",
        "source",
        "note_source NOT NULL DEFAULT 'MANUAL'::note_source",
    ),
    ("notes", "tags", "text[] NOT NULL DEFAULT '{}'::text[]"),
    (
        "notes",
        "content_tsv",
        "tsvector NULL GENERATED to_tsvector('english'::regconfig, ((COALESCE(title, ''::text) || ' '::text) || COALESCE(content, ''::text)))",
    ),
    (
        "documents",
        "status",
        "document_status NOT NULL DEFAULT 'PENDING'::document_status",
    ),
    ("documents", "file_size", "bigint NOT NULL"),
    (
        "flashcard_sets",
        "color",
        "text NOT NULL DEFAULT 'blue'::text",
    ),
    (
        "flashcard_sets",
        "tags",
        "text[] NOT NULL DEFAULT '{}'::text[]",
    ),
    ("questions", "type", "question_type NOT NULL"),
    ("questions", "options", "jsonb NULL"),
    (
        "quiz_responses",
        "answers",
        "jsonb NOT NULL DEFAULT '[]'::jsonb",
    ),
    (
        "quiz_responses",
        "completed_at",
        "timestamp with time zone NOT NULL DEFAULT now()",
    ),
    ("chat_messages", "references", "jsonb NULL"),
    (
        "calendar_events",
        "color",
        "text NOT NULL DEFAULT 'blue'::text",
    ),
    (
        "import_jobs",
        "status",
        "job_status NOT NULL DEFAULT 'PENDING'::job_status",
    ),
    ("import_jobs", "progress", "integer NOT NULL DEFAULT 0"),
    ("notifications", "type", "notification_type NOT NULL"),
    ("notifications", "read", "boolean NOT NULL DEFAULT false"),
    ("notifications", "dedup_key", "text NULL"),
    ("document_search_index", "embedding", "bytea NULL"),
    ("document_search_index", "user_id", "uuid NOT NULL"),
    ("document_search_index", "document_id", "uuid NULL"),
    ("document_search_index", "note_id", "uuid NULL"),
    ("document_search_index", "embedding_model", "text NULL"),
    (
        "document_search_index",
        "embedding_bits",
        "bit varying NULL",
    ),
    (
        "document_search_index",
        "content_tsv",
        "tsvector NULL GENERATED to_tsvector('english'::regconfig, content)",
    ),
    (
        "flashcards",
        "sources",
        "jsonb NOT NULL DEFAULT '[]'::jsonb",
    ),
    ("questions", "sources", "jsonb NOT NULL DEFAULT '[]'::jsonb"),
    (
        "study_guides",
        "sources",
        "jsonb NOT NULL DEFAULT '[]'::jsonb",
    ),
    ("generation_jobs", "kind", "generation_kind NOT NULL"),
    (
        "generation_jobs",
        "status",
        "job_status NOT NULL DEFAULT 'PENDING'::job_status",
    ),
    ("generation_jobs", "progress", "integer NOT NULL DEFAULT 0"),
    ("generation_jobs", "options", "jsonb NOT NULL"),
    (
        "generation_jobs",
        "prompt_tokens",
        "integer NOT NULL DEFAULT 0",
    ),
    (
        "generation_jobs",
        "completion_tokens",
        "integer NOT NULL DEFAULT 0",
    ),
    (
        "generation_jobs",
        "completed_at",
        "timestamp with time zone NULL",
    ),
    ("token_usage", "user_id", "uuid NOT NULL"),
    ("token_usage", "day", "date NOT NULL"),
    ("token_usage", "prompt_tokens", "bigint NOT NULL DEFAULT 0"),
    (
        "token_usage",
        "completion_tokens",
        "bigint NOT NULL DEFAULT 0",
    ),
    ("calendar_syncs", "calendar_id", "text NULL"),
    (
        "calendar_syncs",
        "state",
        "text NOT NULL DEFAULT 'IDLE'::text",
    ),
    (
        "calendar_syncs",
        "created_at",
        "timestamp with time zone NOT NULL DEFAULT now()",
    ),
    (
        "calendar_syncs",
        "updated_at",
        "timestamp with time zone NOT NULL DEFAULT now()",
    ),
    (
        "calendar_sync_deletions",
        "deleted_at",
        "timestamp with time zone NOT NULL DEFAULT now()",
    ),
    ("calendar_events", "google_synced_sequence", "integer NULL"),
];

/// `type NULL|NOT NULL [DEFAULT expr | GENERATED expr]` of one column, `None` if absent.
async fn column_shape(client: &Client, table: &str, column: &str) -> TestResult<Option<String>> {
    let row = client
        .query_opt(
            "SELECT format_type(a.atttypid, a.atttypmod) \
                    || CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE ' NULL' END \
                    || coalesce(CASE WHEN a.attgenerated = 's' THEN ' GENERATED ' ELSE ' DEFAULT ' END \
                                || pg_get_expr(d.adbin, d.adrelid), '') \
             FROM pg_attribute a \
             JOIN pg_class c ON c.oid = a.attrelid \
             LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
             WHERE c.relnamespace = 'public'::regnamespace AND c.relname = $1 \
               AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped",
            &[&table, &column],
        )
        .await
        .context(format_args!("reading the shape of {table}.{column}"))?;
    row.map(|row| row.try_get::<_, String>(0))
        .transpose()
        .context(format_args!("reading the shape of {table}.{column}"))
}

/// The SQLSTATE of a failed statement (`None` when it succeeded or failed otherwise).
fn sql_state<T>(result: &Result<T, tokio_postgres::Error>) -> Option<&SqlState> {
    result.as_ref().err().and_then(tokio_postgres::Error::code)
}

async fn one_string(client: &Client, sql: &str, params: &[&str]) -> TestResult<String> {
    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
        .iter()
        .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect();
    let row = client
        .query_one(sql, &params)
        .await
        .context(format_args!("{sql}"))?;
    row.try_get::<_, String>(0).context(format_args!("{sql}"))
}

async fn one_bool(client: &Client, sql: &str, params: &[&str]) -> TestResult<bool> {
    let params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = params
        .iter()
        .map(|p| p as &(dyn tokio_postgres::types::ToSql + Sync))
        .collect();
    let row = client
        .query_one(sql, &params)
        .await
        .context(format_args!("{sql}"))?;
    row.try_get::<_, bool>(0).context(format_args!("{sql}"))
}

type Wrapper = AsyncConnectionWrapper<AsyncPgConnection>;

/// Opens a diesel connection to `config` and hands it, wrapped into diesel's sync
/// `Connection`, to `work` on a blocking thread (the wrapper blocks on the runtime).
async fn with_wrapper<T, F>(config: &Config, work: F) -> TestResult<T>
where
    T: Send + 'static,
    F: FnOnce(&mut Wrapper) -> TestResult<T> + Send + 'static,
{
    let (client, connection) = tokio::time::timeout(CONNECT_TIMEOUT, config.connect(NoTls))
        .await
        .context("connecting for the migrations")?
        .context("connecting for the migrations")?;
    let conn = AsyncPgConnection::try_from_client_and_connection(client, connection)
        .await
        .context("setting up the diesel-async connection")?;
    tokio::task::spawn_blocking(move || work(&mut Wrapper::from(conn)))
        .await
        .context("the blocking migration task panicked")?
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn embedded_migrations_build_the_whole_schema_and_revert_cleanly() -> TestResult {
    let on_disk = migrations_on_disk()?.len();
    let db = TestDatabase::create().await?;

    // Apply, as `sophie migrate` does.
    let applied = with_wrapper(&db.config(), |conn| {
        let versions = conn
            .run_pending_migrations(MIGRATIONS)
            .context("run_pending_migrations")?;
        Ok(versions.iter().map(ToString::to_string).collect::<Vec<_>>())
    })
    .await?;
    assert_eq!(applied.len(), on_disk, "applied migrations: {applied:?}");
    let pending = with_wrapper(&db.config(), |conn| {
        Ok(conn
            .pending_migrations(MIGRATIONS)
            .context("pending_migrations")?
            .len())
    })
    .await?;
    assert_eq!(
        pending, 0,
        "migrations still pending after run_pending_migrations"
    );

    let client = db.connect().await?;

    // Tables.
    let tables = strings(
        &client,
        "SELECT relname::text FROM pg_class \
         WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p')",
    )
    .await?;
    let mut expected_tables: Vec<String> = TABLES.iter().map(|t| (*t).to_owned()).collect();
    expected_tables.extend(TABLES_KEYED_OTHERWISE.iter().map(|(t, _)| (*t).to_owned()));
    expected_tables.push(DIESEL_TABLE.to_owned());
    expected_tables.sort();
    ensure_same("tables of schema public", &tables, &expected_tables)?;

    // Enum types, labels in order.
    let enums = strings(
        &client,
        "SELECT t.typname || ': ' || string_agg(e.enumlabel, ', ' ORDER BY e.enumsortorder) \
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid \
         WHERE t.typnamespace = 'public'::regnamespace GROUP BY t.typname",
    )
    .await?;
    let mut expected_enums: Vec<String> = ENUMS
        .iter()
        .map(|(name, labels)| format!("{name}: {}", labels.join(", ")))
        .collect();
    expected_enums.sort();
    ensure_same("enum types and their labels", &enums, &expected_enums)?;

    // id, created_at, updated_at and the primary key of every table.
    let mut expected_columns = Vec::new();
    let mut actual_columns = Vec::new();
    for table in TABLES {
        for (column, shape) in [
            ("id", "uuid NOT NULL DEFAULT uuid_generate_v4()"),
            (
                "created_at",
                "timestamp with time zone NOT NULL DEFAULT now()",
            ),
            (
                "updated_at",
                "timestamp with time zone NOT NULL DEFAULT now()",
            ),
        ] {
            expected_columns.push(format!("{table}.{column} {shape}"));
            let actual = column_shape(&client, table, column).await?;
            actual_columns.push(format!("{table}.{column} {}", actual.unwrap_or_default()));
        }
    }
    ensure_same(
        "id / created_at / updated_at columns",
        &actual_columns,
        &expected_columns,
    )?;
    let primary_keys = strings(
        &client,
        "SELECT c.relname || ' ' || pg_get_constraintdef(con.oid) FROM pg_constraint con \
         JOIN pg_class c ON c.oid = con.conrelid \
         WHERE con.contype = 'p' AND c.relnamespace = 'public'::regnamespace \
           AND c.relname <> '__diesel_schema_migrations'",
    )
    .await?;
    let mut expected_primary_keys: Vec<String> = TABLES
        .iter()
        .map(|t| format!("{t} PRIMARY KEY (id)"))
        .chain(
            TABLES_KEYED_OTHERWISE
                .iter()
                .map(|(t, key)| format!("{t} {key}")),
        )
        .collect();
    expected_primary_keys.sort();
    ensure_same("primary keys", &primary_keys, &expected_primary_keys)?;

    // Columns with a special type, nullability or default.
    for (table, column, expected) in COLUMNS {
        let actual = column_shape(&client, table, column).await?;
        assert_eq!(actual.as_deref(), Some(expected), "column {table}.{column}");
    }

    // Foreign keys and their ON DELETE rules.
    let foreign_keys = strings(
        &client,
        "SELECT c.relname || '.' || a.attname || ' -> ' || r.relname || '(' || ra.attname \
                || ') ON DELETE ' || CASE con.confdeltype WHEN 'c' THEN 'CASCADE' \
                   WHEN 'n' THEN 'SET NULL' WHEN 'd' THEN 'SET DEFAULT' \
                   WHEN 'r' THEN 'RESTRICT' ELSE 'NO ACTION' END \
                || CASE WHEN cardinality(con.conkey) <> 1 THEN ' (multi-column)' ELSE '' END \
         FROM pg_constraint con \
         JOIN pg_class c ON c.oid = con.conrelid \
         JOIN pg_class r ON r.oid = con.confrelid \
         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1] \
         JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = con.confkey[1] \
         WHERE con.contype = 'f' AND c.relnamespace = 'public'::regnamespace",
    )
    .await?;
    let mut expected_foreign_keys: Vec<String> = FOREIGN_KEYS
        .iter()
        .map(|(table, column, referenced, rule)| {
            format!("{table}.{column} -> {referenced}(id) ON DELETE {rule}")
        })
        .collect();
    expected_foreign_keys.sort();
    ensure_same("foreign keys", &foreign_keys, &expected_foreign_keys)?;

    // Every foreign-key column leads some index: a full one, or one of only the rows where it
    // is set (`WHERE col IS NOT NULL`), which the cascades' `col = $1` still use.
    let unindexed = strings(
        &client,
        "SELECT c.relname || '.' || a.attname FROM pg_constraint con \
         JOIN pg_class c ON c.oid = con.conrelid \
         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1] \
         WHERE con.contype = 'f' AND c.relnamespace = 'public'::regnamespace \
           AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = con.conrelid \
                           AND i.indkey[0] = con.conkey[1] \
                           AND (i.indpred IS NULL \
                                OR pg_get_expr(i.indpred, i.indrelid) \
                                   = '(' || quote_ident(a.attname) || ' IS NOT NULL)'))",
    )
    .await?;
    assert!(
        unindexed.is_empty(),
        "foreign-key columns leading no index: {unindexed:?}"
    );

    // (user_id, created_at) on every user-listed table.
    let indexes = strings(
        &client,
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'",
    )
    .await?;
    for table in USER_LISTED_TABLES {
        let wanted = format!(
            "CREATE INDEX {table}_user_id_created_at_idx ON public.{table} USING btree (user_id, created_at, id)"
        );
        assert!(indexes.contains(&wanted), "missing index: {wanted}");
    }
    for wanted in INDEXES {
        assert!(
            indexes.iter().any(|i| i == wanted),
            "missing index: {wanted}"
        );
    }

    // Unique constraints.
    let unique = strings(
        &client,
        "SELECT c.relname || ' (' || string_agg(a.attname, ', ' ORDER BY k.ord) || ')' \
         FROM pg_constraint con \
         JOIN pg_class c ON c.oid = con.conrelid \
         CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord) \
         JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum \
         WHERE con.contype = 'u' AND c.relnamespace = 'public'::regnamespace \
         GROUP BY con.oid, c.relname",
    )
    .await?;
    let mut expected_unique: Vec<String> = UNIQUE_CONSTRAINTS
        .iter()
        .map(|(table, columns)| format!("{table} ({columns})"))
        .collect();
    expected_unique.sort();
    ensure_same("unique constraints", &unique, &expected_unique)?;

    // CHECK constraints.
    let checks = strings(
        &client,
        "SELECT con.conname::text FROM pg_constraint con \
         WHERE con.contype = 'c' AND con.connamespace = 'public'::regnamespace",
    )
    .await?;
    let mut expected_checks: Vec<String> =
        CHECK_CONSTRAINTS.iter().map(|c| (*c).to_owned()).collect();
    expected_checks.sort();
    ensure_same("check constraints", &checks, &expected_checks)?;

    // A BEFORE UPDATE FOR EACH ROW trigger calling sophie_set_updated_at() on every table
    // with an updated_at (tgtype 19 = ROW | BEFORE | UPDATE).
    let keyed_otherwise: Vec<String> = TABLES_KEYED_OTHERWISE
        .iter()
        .map(|(t, _)| format!("'{t}'"))
        .collect();
    let without_trigger = strings(
        &client,
        &format!(
            "SELECT c.relname::text FROM pg_class c \
         WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' \
           AND c.relname <> '__diesel_schema_migrations' \
           AND c.relname NOT IN ({}) \
           AND NOT EXISTS (SELECT 1 FROM pg_trigger tg WHERE tg.tgrelid = c.oid \
                           AND tg.tgfoid = 'sophie_set_updated_at()'::regprocedure \
                           AND tg.tgtype = 19 AND tg.tgenabled = 'O')",
            keyed_otherwise.join(", ")
        ),
    )
    .await?;
    assert!(
        without_trigger.is_empty(),
        "tables without the updated_at trigger: {without_trigger:?}"
    );

    // Behaviour: defaults, updated_at, SET NULL, CASCADE, unique and check violations.
    let user = one_string(
        &client,
        "INSERT INTO users (name, email) VALUES ('Ada', 'ada@example.com') RETURNING id::text",
        &[],
    )
    .await?;
    let course = one_string(
        &client,
        "INSERT INTO courses (name, user_id) VALUES ('Biology', $1::text::uuid) RETURNING id::text",
        &[&user],
    )
    .await?;
    let note = one_string(
        &client,
        "INSERT INTO notes (title, content, course_id, user_id) \
         VALUES ('Photosynthesis', 'The light reactions', $1::text::uuid, $2::text::uuid) \
         RETURNING id::text",
        &[&course, &user],
    )
    .await?;
    assert!(
        one_bool(
            &client,
            "SELECT source = 'MANUAL' AND tags = '{}' AND content_tsv @@ plainto_tsquery('english', 'reaction') \
             FROM notes WHERE id = $1::text::uuid",
            &[&note],
        )
        .await?,
        "note defaults or full-text column wrong"
    );

    // An explicit updated_at wins...
    client
        .execute(
            "UPDATE notes SET created_at = '2000-01-01T00:00:00Z', updated_at = '2000-01-01T00:00:00Z' \
             WHERE id = $1::text::uuid",
            &[&note],
        )
        .await
        .context("backdating the note")?;
    assert!(
        one_bool(
            &client,
            "SELECT updated_at = '2000-01-01T00:00:00Z' FROM notes WHERE id = $1::text::uuid",
            &[&note],
        )
        .await?,
        "an explicitly set updated_at must be kept"
    );
    // ...any other update moves it forward.
    client
        .execute(
            "UPDATE notes SET title = 'Photosynthesis II' WHERE id = $1::text::uuid",
            &[&note],
        )
        .await
        .context("updating the note")?;
    assert!(
        one_bool(
            &client,
            "SELECT updated_at > '2000-01-01T00:00:00Z' AND updated_at > created_at \
                    AND created_at = '2000-01-01T00:00:00Z' \
             FROM notes WHERE id = $1::text::uuid",
            &[&note],
        )
        .await?,
        "updated_at did not move forward on update"
    );

    client
        .execute("DELETE FROM courses WHERE id = $1::text::uuid", &[&course])
        .await
        .context("deleting the course")?;
    assert!(
        one_bool(
            &client,
            "SELECT course_id IS NULL FROM notes WHERE id = $1::text::uuid",
            &[&note]
        )
        .await?,
        "deleting the course must set notes.course_id to NULL"
    );

    let duplicate = client
        .execute(
            "INSERT INTO users (name, email) VALUES ('Eve', 'ada@example.com')",
            &[],
        )
        .await;
    assert_eq!(
        sql_state(&duplicate),
        Some(&SqlState::UNIQUE_VIOLATION),
        "{duplicate:?}"
    );
    let upper_case = client
        .execute(
            "INSERT INTO users (name, email) VALUES ('Bob', 'Bob@Example.com')",
            &[],
        )
        .await;
    assert_eq!(
        sql_state(&upper_case),
        Some(&SqlState::CHECK_VIOLATION),
        "{upper_case:?}"
    );
    let progress = client
        .execute(
            "INSERT INTO import_jobs (source, progress, user_id) VALUES ('FILE', 101, $1::text::uuid)",
            &[&user],
        )
        .await;
    assert_eq!(
        sql_state(&progress),
        Some(&SqlState::CHECK_VIOLATION),
        "{progress:?}"
    );

    // A generation is made from exactly one source and goes with it; deleting what it made
    // only unlinks it.
    let sourceless = client
        .execute(
            "INSERT INTO generation_jobs (kind, options, user_id) VALUES ('QUIZ', '{}', $1::text::uuid)",
            &[&user],
        )
        .await;
    assert_eq!(
        sql_state(&sourceless),
        Some(&SqlState::CHECK_VIOLATION),
        "{sourceless:?}"
    );
    let source = one_string(
        &client,
        "INSERT INTO notes (title, user_id) VALUES ('Cells', $1::text::uuid) RETURNING id::text",
        &[&user],
    )
    .await?;
    let quiz = one_string(
        &client,
        "INSERT INTO quizzes (title, difficulty, total_points, user_id) \
         VALUES ('Cells quiz', 'EASY', 0, $1::text::uuid) RETURNING id::text",
        &[&user],
    )
    .await?;
    let job = one_string(
        &client,
        "INSERT INTO generation_jobs (kind, status, options, user_id, note_id, quiz_id) \
         VALUES ('QUIZ', 'COMPLETED', '{}', $1::text::uuid, $2::text::uuid, $3::text::uuid) \
         RETURNING id::text",
        &[&user, &source, &quiz],
    )
    .await?;
    client
        .execute("DELETE FROM quizzes WHERE id = $1::text::uuid", &[&quiz])
        .await
        .context("deleting the generated quiz")?;
    assert!(
        one_bool(
            &client,
            "SELECT quiz_id IS NULL FROM generation_jobs WHERE id = $1::text::uuid",
            &[&job]
        )
        .await?,
        "deleting the quiz must set generation_jobs.quiz_id to NULL"
    );
    client
        .execute("DELETE FROM notes WHERE id = $1::text::uuid", &[&source])
        .await
        .context("deleting the generation's note")?;
    assert!(
        one_bool(&client, "SELECT count(*) = 0 FROM generation_jobs", &[]).await?,
        "deleting the note must delete the generations made from it"
    );

    client
        .execute("DELETE FROM users WHERE id = $1::text::uuid", &[&user])
        .await
        .context("deleting the user")?;
    assert!(
        one_bool(&client, "SELECT count(*) = 0 FROM notes", &[]).await?,
        "deleting the user must delete their notes"
    );

    // Revert everything.
    let reverted = with_wrapper(&db.config(), |conn| {
        let versions = conn
            .revert_all_migrations(MIGRATIONS)
            .context("revert_all_migrations")?;
        Ok(versions.len())
    })
    .await?;
    assert_eq!(reverted, on_disk, "reverted migrations");

    let relations = strings(
        &client,
        "SELECT relname::text FROM pg_class \
         WHERE relnamespace = 'public'::regnamespace AND relkind NOT IN ('i', 'I')",
    )
    .await?;
    assert_eq!(
        relations,
        [DIESEL_TABLE],
        "relations left after revert_all_migrations"
    );
    assert!(
        one_bool(
            &client,
            "SELECT count(*) = 0 FROM __diesel_schema_migrations",
            &[]
        )
        .await?,
        "__diesel_schema_migrations still lists migrations"
    );
    // Types, except the row type of __diesel_schema_migrations and its array type.
    let types = strings(
        &client,
        "SELECT t.typname::text FROM pg_type t WHERE t.typnamespace = 'public'::regnamespace \
           AND NOT EXISTS (SELECT 1 FROM pg_class c \
                           WHERE c.reltype = t.oid OR c.reltype = t.typelem)",
    )
    .await?;
    assert!(
        types.is_empty(),
        "types left after revert_all_migrations: {types:?}"
    );
    let functions = strings(
        &client,
        "SELECT proname::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace",
    )
    .await?;
    assert!(
        functions.is_empty(),
        "functions left after revert_all_migrations: {functions:?}"
    );
    let extensions = strings(&client, "SELECT extname::text FROM pg_extension").await?;
    assert_eq!(
        extensions,
        ["plpgsql"],
        "extensions left after revert_all_migrations"
    );
    Ok(())
}
