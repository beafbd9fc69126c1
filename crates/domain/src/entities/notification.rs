use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::enums::NotificationType;
use crate::id::{NotificationId, UserId};
use crate::values::{Link, MessageText, Title};

/// Something the student should know: an import finished, an exam is tomorrow.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Notification {
    /// The notification's id.
    pub id: NotificationId,
    /// Its recipient.
    pub user_id: UserId,
    /// What it is about.
    #[serde(rename = "type")]
    pub notification_type: NotificationType,
    /// Its title.
    pub title: String,
    /// Its text.
    pub message: String,
    /// Whether the student has read it.
    pub read: bool,
    /// Where it leads in the app.
    pub link: Option<String>,
    /// When it was sent.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Sends a [`Notification`], unread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotification {
    /// What it is about.
    pub notification_type: NotificationType,
    /// Its title.
    pub title: Title,
    /// Its text.
    pub message: MessageText,
    /// Where it leads.
    pub link: Option<Link>,
}

/// Narrows a list of notifications.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct NotificationFilter {
    /// Only unread notifications.
    pub unread_only: bool,
}
