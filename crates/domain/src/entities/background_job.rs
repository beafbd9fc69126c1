use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::JobStatus;
use crate::id::BackgroundJobId;

/// A unit of work in the durable queue behind every asynchronous operation (imports,
/// generation, calendar sync). Workers claim it under a lease they renew by heartbeat.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackgroundJob {
    /// The job's id.
    pub id: BackgroundJobId,
    /// Which handler runs it (`import.youtube`, `generate.flashcards`).
    pub kind: String,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Its state.
    pub status: JobStatus,
    /// Higher runs first.
    pub priority: i32,
    /// How many times it has been started.
    pub attempts: i32,
    /// How many starts it gets before it fails for good.
    pub max_attempts: i32,
    /// Not before this instant.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub run_at: DateTime<Utc>,
    /// The worker holding it.
    pub locked_by: Option<String>,
    /// When the worker's lease runs out.
    #[serde(serialize_with = "crate::timestamp::serialize_option")]
    pub locked_until: Option<DateTime<Utc>>,
    /// The last error it failed with.
    pub last_error: Option<String>,
    /// While the job is unfinished, no other unfinished job has the same key.
    pub unique_key: Option<String>,
    /// When it was enqueued.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Enqueues a [`BackgroundJob`].
#[derive(Clone, Debug, PartialEq)]
pub struct NewBackgroundJob {
    /// Which handler runs it.
    pub kind: String,
    /// The handler's input.
    pub payload: serde_json::Value,
    /// Higher runs first; 0 by default.
    pub priority: i32,
    /// How many starts it gets; at least 1.
    pub max_attempts: i32,
    /// Not before this instant; now if `None`.
    pub run_at: Option<DateTime<Utc>>,
    /// Deduplicates: enqueueing a job whose key an unfinished job holds returns that job.
    pub unique_key: Option<String>,
}

impl NewBackgroundJob {
    /// A job of `kind` with `payload`, default priority, five attempts, to run now.
    #[must_use]
    pub fn new(kind: impl Into<String>, payload: serde_json::Value) -> Self {
        Self {
            kind: kind.into(),
            payload,
            priority: 0,
            max_attempts: 5,
            run_at: None,
            unique_key: None,
        }
    }
}
