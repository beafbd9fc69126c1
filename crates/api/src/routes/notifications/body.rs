//! The query string of `/api/v1/notifications`, with its conversion into a filter, and the
//! small answers this resource shapes itself.

use serde::{Deserialize, Serialize};
use sophie_domain::NotificationFilter;
use utoipa::ToSchema;

/// Narrows the list of notifications.
// `utoipa::IntoParams` stays qualified: imported, it makes `#[utoipa::path]` warn
// (`unused_qualifications`) on the `ApiQuery` of the handler.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct NotificationQuery {
    /// `true` for unread notifications only.
    unread: Option<bool>,
}

impl NotificationQuery {
    pub(super) fn to_filter(&self) -> NotificationFilter {
        NotificationFilter {
            unread_only: self.unread.unwrap_or(false),
        }
    }
}

/// How many notifications are unread.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UnreadCount {
    /// The number of unread notifications.
    pub(super) count: u64,
}

/// What marking every notification read changed.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ReadAll {
    /// How many notifications were unread and are now read.
    pub(super) updated: u64,
}
