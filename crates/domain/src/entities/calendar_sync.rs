//! The two-way sync of a student's calendar with a calendar of theirs at Google.

use chrono::{DateTime, Utc};

use super::CalendarEvent;
use crate::enums::SyncState;
use crate::id::{AccountId, UserId};

/// A student's calendar sync: which provider account it acts through, which remote calendar
/// it keeps in step, and how its runs went.
#[derive(Clone, PartialEq, Eq)]
pub struct CalendarSync {
    /// The student.
    pub user_id: UserId,
    /// The linked provider account whose tokens the sync uses.
    pub account_id: AccountId,
    /// The remote calendar kept in step; `None` until the student chooses or creates one.
    pub calendar_id: Option<String>,
    /// The provider's token for the next incremental listing; `None` before the first full
    /// one.
    pub sync_token: Option<String>,
    /// Where it stands.
    pub state: SyncState,
    /// Why the last run failed.
    pub last_error: Option<String>,
    /// When the last run started.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When a run last ended well.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// When it was connected.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl std::fmt::Debug for CalendarSync {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalendarSync")
            .field("user_id", &self.user_id)
            .field("account_id", &self.account_id)
            .field("calendar_id", &self.calendar_id)
            .field("state", &self.state)
            .field("last_error", &self.last_error)
            .finish_non_exhaustive()
    }
}

/// What a run records about itself. Fields left `None` are kept.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncProgress {
    /// The new state.
    pub state: Option<SyncState>,
    /// A new last error, or `Some(None)` to clear it.
    pub last_error: Option<Option<String>>,
    /// When the run started.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When the run ended well.
    pub last_synced_at: Option<DateTime<Utc>>,
    /// A new sync token, or `Some(None)` to list everything next time.
    pub sync_token: Option<Option<String>>,
}

/// What is waiting to be pushed to the remote calendar.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncBacklog {
    /// Events made or changed since they were last in step (or never pushed, or pushed to
    /// another calendar): not those of a calendar subscription. Oldest change first.
    pub events: Vec<CalendarEvent>,
    /// Remote ids of events in the sync's calendar that the student deleted in sophie.
    pub deleted: Vec<String>,
}
