use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::UserId;
use crate::values::{Email, Locale, Name, Reminders, TimeZone, WebUrl};

/// A student with an account. Owns everything else; deleting a user deletes all of it.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The name shown in the app.
    pub name: String,
    /// The sign-in email, lower-case and unique.
    pub email: String,
    /// Whether the email address has been confirmed.
    pub email_verified: bool,
    /// An avatar URL.
    pub image: Option<String>,
    /// The reminders an event made without any gets, in minutes before, ascending; `None`
    /// for the defaults by its priority.
    pub default_reminders: Option<Vec<u32>>,
    /// The student's locale (`en-GB`, `de-DE`): the order of day and month in numeric dates
    /// of their syllabi; `None` for `en-US`.
    pub locale: Option<String>,
    /// The student's IANA time zone: where their syllabi's times are read; `None` for UTC.
    pub time_zone: Option<String>,
    /// When the account was created.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When the account was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Creates a [`User`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    /// The name shown in the app.
    pub name: Name,
    /// The sign-in email; unique.
    pub email: Email,
    /// An avatar URL.
    pub image: Option<WebUrl>,
}

/// Changes a [`User`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserUpdate {
    /// A new name.
    pub name: Option<Name>,
    /// A new avatar, or `Some(None)` to remove it.
    pub image: Option<Option<WebUrl>>,
    /// Marks the email as verified (or not).
    pub email_verified: Option<bool>,
    /// New default reminders, or `Some(None)` for the defaults by priority.
    pub default_reminders: Option<Option<Reminders>>,
    /// A new locale, or `Some(None)` for `en-US`.
    pub locale: Option<Option<Locale>>,
    /// A new time zone, or `Some(None)` for UTC.
    pub time_zone: Option<Option<TimeZone>>,
}

impl UserUpdate {
    /// Whether nothing would change.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.image.is_none()
            && self.email_verified.is_none()
            && self.default_reminders.is_none()
            && self.locale.is_none()
            && self.time_zone.is_none()
    }
}
