//! Database failures become domain errors here, in one place, so no diesel or pool error
//! crosses the crate's boundary and none of the expected ones surfaces as internal.

use diesel::result::{DatabaseErrorInformation, DatabaseErrorKind, Error as DieselError};
use sophie_domain::DomainError;

/// The constraints whose column name alone would not tell the API's field.
const FIELD_OVERRIDES: &[(&str, &str)] = &[
    ("accounts_provider_id_account_id_key", "accountId"),
    (
        "document_search_index_document_id_chunk_index_key",
        "chunkIndex",
    ),
    ("background_jobs_unique_key_idx", "uniqueKey"),
    ("quiz_responses_score_check", "score"),
    ("calendar_events_end_date_check", "endDate"),
];

/// Every table: a constraint is named `<table>_<column>_<kind>`.
const TABLES: &[&str] = &[
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
    "token_usage",
];

/// A failure inside a transaction: a database error, or a domain rule the transaction checked
/// (a link to another user's note). Either rolls the transaction back.
#[derive(Debug)]
pub(crate) enum StoreError {
    /// From the database.
    Db(DieselError),
    /// From a rule checked inside the transaction.
    Domain(DomainError),
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        Self::Db(error)
    }
}

impl From<DomainError> for StoreError {
    fn from(error: DomainError) -> Self {
        Self::Domain(error)
    }
}

impl StoreError {
    /// The domain error, a database error read as met on `entity`.
    pub(crate) fn into_domain(self, entity: &'static str) -> DomainError {
        match self {
            Self::Db(error) => from_diesel(entity, error),
            Self::Domain(error) => error,
        }
    }
}

/// Maps a diesel error met while working on `entity` (`"note"`, `"flashcard set"`).
pub(crate) fn from_diesel(entity: &'static str, error: DieselError) -> DomainError {
    match error {
        DieselError::NotFound => DomainError::not_found(entity),
        DieselError::DatabaseError(kind, info) => from_database(entity, kind, info.as_ref()),
        DieselError::BrokenTransactionManager => DomainError::Unavailable {
            service: "database",
            message: "the connection's transaction state is broken".to_owned(),
        },
        // The commit failed and so did the rollback: what counts is why the commit failed.
        DieselError::RollbackErrorOnCommit { commit_error, .. } => {
            from_diesel(entity, *commit_error)
        }
        other => DomainError::internal_from(format!("database error on {entity}"), other),
    }
}

/// The entity a foreign key's column links to, from PostgreSQL's constraint name
/// (`notes_course_id_fkey`).
fn linked_entity(constraint: &str) -> Option<&'static str> {
    [
        ("_course_id_fkey", "course"),
        ("_note_id_fkey", "note"),
        ("_document_id_fkey", "document"),
        ("_flashcard_set_id_fkey", "flashcard set"),
        ("_quiz_id_fkey", "quiz"),
        ("_chat_session_id_fkey", "chat session"),
        ("_account_id_fkey", "account"),
    ]
    .into_iter()
    .find_map(|(suffix, entity)| constraint.ends_with(suffix).then_some(entity))
}

fn from_database(
    entity: &'static str,
    kind: DatabaseErrorKind,
    info: &(dyn DatabaseErrorInformation + Send + Sync),
) -> DomainError {
    let field = info.constraint_name().map_or_else(
        || info.column_name().map(camel_case).unwrap_or_default(),
        field_of_constraint,
    );
    match kind {
        DatabaseErrorKind::UniqueViolation => DomainError::Conflict {
            message: if field.is_empty() {
                format!("this {entity} already exists")
            } else {
                format!("{field} is already taken")
            },
            field: Some(field).filter(|f| !f.is_empty()),
        },
        // Every row names its owner: a missing owner is a missing user, as the in-memory
        // adapters answer.
        DatabaseErrorKind::ForeignKeyViolation
            if info
                .constraint_name()
                .is_some_and(|name| name.ends_with("_user_id_fkey")) =>
        {
            DomainError::not_found("user")
        }
        // A link whose row went between the ownership check and the write (deleted in another
        // tab): the same 404 the check gives, and the in-memory adapters answer.
        DatabaseErrorKind::ForeignKeyViolation => {
            match info.constraint_name().and_then(linked_entity) {
                Some(entity) => DomainError::not_found(entity),
                None => DomainError::validation(
                    field_or(field, "id"),
                    "refers to something that does not exist (or no longer does)",
                ),
            }
        }
        DatabaseErrorKind::CheckViolation => {
            DomainError::validation(field_or(field, entity), "is out of the allowed range")
        }
        DatabaseErrorKind::NotNullViolation => {
            DomainError::validation(field_or(field, entity), "is required")
        }
        // A standby, or a primary put into read-only mode: writes are refused for now, as
        // after a failover to a server not yet promoted.
        DatabaseErrorKind::ReadOnlyTransaction => DomainError::Unavailable {
            service: "database",
            message: format!(
                "the database accepts no writes at the moment: {}",
                info.message()
            ),
        },
        DatabaseErrorKind::SerializationFailure => DomainError::Conflict {
            field: None,
            message: "the data changed while this request ran; try again".to_owned(),
        },
        _ if is_lost(kind, info.message()) => connection_lost(info.message()),
        _ => DomainError::internal(format!("database error on {entity}: {}", info.message())),
    }
}

/// Whether `error` says the connection it was met on is gone: closed or reset, or ended by
/// the server. The work may then be retried on another connection, if doing it twice is
/// harmless.
pub(crate) fn is_connection_lost(error: &DieselError) -> bool {
    match error {
        DieselError::DatabaseError(kind, info) => is_lost(*kind, info.message()),
        DieselError::RollbackErrorOnCommit { commit_error, .. } => is_connection_lost(commit_error),
        _ => false,
    }
}

fn is_lost(kind: DatabaseErrorKind, message: &str) -> bool {
    match kind {
        DatabaseErrorKind::ClosedConnection => true,
        // The client's own errors, without an SQLSTATE: a few say the connection is gone,
        // others are a statement it could not encode (a bug, not an outage).
        DatabaseErrorKind::UnableToSendCommand => is_client_side_loss(message),
        _ => is_termination(message),
    }
}

/// Whether an error of the client library (tokio-postgres, which diesel-async reports with
/// its message only) is the connection failing rather than a statement it refused.
fn is_client_side_loss(message: &str) -> bool {
    const LOSSES: &[&str] = &[
        "connection closed",
        "error communicating with the server",
        "error connecting to server",
        "timeout waiting for server",
        "unexpected message from server",
        "error parsing response from server",
        // diesel-async: the connection's background task has ended.
        "channel closed",
    ];
    LOSSES.iter().any(|l| message.starts_with(l))
}

/// Whether a server error is PostgreSQL ending the session: an administrator's or an
/// immediate shutdown, a crash of another backend (SQLSTATE 57P01, 57P02), or a server
/// that is starting up, shutting down or recovering (57P03).
///
/// diesel keeps the message but not the SQLSTATE of a server error, so the messages of
/// PostgreSQL's catalogue stand for the codes here; these are the ones it sends (FATAL,
/// after which it closes the connection).
fn is_termination(message: &str) -> bool {
    const TERMINATIONS: &[&str] = &[
        "terminating connection due to",
        "terminating connection because of crash",
        "the database system is starting up",
        "the database system is shutting down",
        "the database system is in recovery mode",
        "the database system is not yet accepting connections",
        "the database system is not accepting connections",
    ];
    TERMINATIONS.iter().any(|t| message.starts_with(t))
}

/// The error for a lost connection; also tells the pool, which then checks its older
/// connections before handing them out (`pool::note_connection_lost`).
fn connection_lost(message: &str) -> DomainError {
    crate::pool::note_connection_lost();
    DomainError::Unavailable {
        service: "database",
        message: format!("the database connection was lost: {message}"),
    }
}

fn field_or(field: String, fallback: &str) -> String {
    if field.is_empty() {
        fallback.to_owned()
    } else {
        field
    }
}

/// The API field a constraint guards: `import_jobs_note_id_key` guards `noteId`.
fn field_of_constraint(constraint: &str) -> String {
    if let Some((_, field)) = FIELD_OVERRIDES.iter().find(|(name, _)| *name == constraint) {
        return (*field).to_owned();
    }
    let without_kind = ["_fkey", "_key", "_check", "_idx"]
        .iter()
        .find_map(|suffix| constraint.strip_suffix(suffix))
        .unwrap_or(constraint);
    let column = TABLES
        .iter()
        .filter_map(|table| {
            without_kind
                .strip_prefix(table)
                .and_then(|rest| rest.strip_prefix('_'))
        })
        .min_by_key(|rest| rest.len())
        .unwrap_or(without_kind);
    camel_case(column)
}

fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_server_ending_a_session_is_an_outage() {
        for message in [
            "terminating connection due to administrator command",
            "terminating connection due to immediate shutdown command",
            "terminating connection because of crash of another server process",
            "the database system is starting up",
            "the database system is in recovery mode",
        ] {
            assert!(is_termination(message), "{message}");
        }
        for message in [
            "invalid byte sequence for encoding \"UTF8\": 0x00",
            "canceling statement due to statement timeout",
            "duplicate key value violates unique constraint \"users_email_key\"",
        ] {
            assert!(!is_termination(message), "{message}");
        }
    }

    #[test]
    fn a_lost_connection_is_unavailable_not_internal() {
        let closed = DieselError::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand,
            Box::new("connection closed".to_owned()),
        );
        assert!(matches!(
            from_diesel("note", closed),
            DomainError::Unavailable { .. }
        ));
        let admin = DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("terminating connection due to administrator command".to_owned()),
        );
        assert!(matches!(
            from_diesel("note", admin),
            DomainError::Unavailable { .. }
        ));
        let bug = DieselError::DatabaseError(
            DatabaseErrorKind::Unknown,
            Box::new("column \"nope\" does not exist".to_owned()),
        );
        assert!(matches!(
            from_diesel("note", bug),
            DomainError::Internal { .. }
        ));
    }

    #[test]
    fn a_write_refused_by_a_read_only_server_is_unavailable() {
        let refused = DieselError::DatabaseError(
            DatabaseErrorKind::ReadOnlyTransaction,
            Box::new("cannot execute INSERT in a read-only transaction".to_owned()),
        );
        assert!(matches!(
            from_diesel("note", refused),
            DomainError::Unavailable { .. }
        ));
    }

    #[test]
    fn a_statement_the_client_cannot_encode_is_a_bug_not_an_outage() {
        let encode = DieselError::DatabaseError(
            DatabaseErrorKind::UnableToSendCommand,
            Box::new("error serializing parameter 0: value too large".to_owned()),
        );
        assert!(!is_connection_lost(&encode));
        assert!(matches!(
            from_diesel("note", encode),
            DomainError::Internal { .. }
        ));
        for message in [
            "connection closed",
            "error communicating with the server: Connection reset by peer (os error 104)",
            "channel closed",
        ] {
            let lost = DieselError::DatabaseError(
                DatabaseErrorKind::UnableToSendCommand,
                Box::new(message.to_owned()),
            );
            assert!(is_connection_lost(&lost), "{message}");
        }
        assert!(!is_connection_lost(&DieselError::NotFound));
    }

    #[test]
    fn constraint_names_give_the_api_field() {
        assert_eq!(field_of_constraint("users_email_key"), "email");
        assert_eq!(field_of_constraint("import_jobs_note_id_key"), "noteId");
        assert_eq!(
            field_of_constraint("documents_storage_key_key"),
            "storageKey"
        );
        assert_eq!(field_of_constraint("notes_course_id_fkey"), "courseId");
        assert_eq!(
            field_of_constraint("import_jobs_progress_check"),
            "progress"
        );
        assert_eq!(
            field_of_constraint("accounts_provider_id_account_id_key"),
            "accountId"
        );
        assert_eq!(
            field_of_constraint("quiz_responses_time_spent_seconds_check"),
            "timeSpentSeconds"
        );
    }
}
