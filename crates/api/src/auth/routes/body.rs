//! The request bodies of `/api/v1/auth/*` and `/api/v1/me`, with their conversions into
//! domain commands, and the signed-in session they answer with.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sophie_domain::values::{Email, Locale, Name, Password, Reminders, TimeZone, WebUrl};
use sophie_domain::{User, UserUpdate};
use utoipa::ToSchema;

use crate::all_valid;
use crate::error::ApiResult;
use crate::patch;
use crate::validate::Fields;

/// A new account.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SignUp {
    /// The name shown in the app.
    #[schema(value_type = Name, inline)]
    pub(super) name: String,
    /// The sign-in email; unique, whatever its case.
    #[schema(value_type = Email, inline)]
    pub(super) email: String,
    /// The password.
    #[schema(value_type = Password, inline)]
    pub(super) password: String,
}

/// Credentials.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct SignIn {
    /// The sign-in email.
    #[schema(value_type = Email, inline)]
    pub(super) email: String,
    /// The password.
    #[schema(value_type = Password, inline)]
    pub(super) password: String,
}

/// Changes to the signed-in user's profile: fields left out stay; `null` removes the image.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateMe {
    /// A new name, 1 to 100 characters.
    #[schema(value_type = Option<Name>, inline)]
    name: Option<String>,
    /// A new avatar URL (http or https), or `null` to remove it.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<WebUrl>, inline)]
    image: Option<Option<String>>,
    /// The reminders an event made without any gets, in minutes before (at most 5, each at
    /// most 40320), `[]` for none; or `null` for the defaults by its priority (1440 and 60
    /// for `URGENT`, 1440 for `HIGH`, 60 for `MEDIUM`, none otherwise).
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Vec<u32>>)]
    default_reminders: Option<Option<Vec<u32>>>,
    /// The student's locale, a language tag (`en-GB`, `de-DE`): the order of day and month
    /// in numeric dates of their syllabi; or `null` for `en-US`.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>, pattern = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{1,8})*$",
        max_length = 35)]
    locale: Option<Option<String>>,
    /// The student's IANA time zone (`Europe/Berlin`): where their syllabi's times are read;
    /// or `null` for UTC.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<String>)]
    time_zone: Option<Option<String>>,
}

impl UpdateMe {
    pub(super) fn into_domain(self) -> ApiResult<UserUpdate> {
        let mut fields = Fields::new();
        let name = fields.check_opt("name", self.name, Name::parse);
        let image = fields.check_patch("image", self.image, WebUrl::parse);
        let default_reminders =
            fields.check_patch("defaultReminders", self.default_reminders, Reminders::parse);
        let locale = fields.check_patch("locale", self.locale, |tag: String| Locale::parse(&tag));
        let time_zone = fields.check_patch("timeZone", self.time_zone, |zone: String| {
            TimeZone::parse(&zone)
        });
        Ok(
            all_valid!(fields, (name, image, default_reminders, locale, time_zone) => UserUpdate {
                name,
                image,
                email_verified: None,
                default_reminders,
                locale,
                time_zone,
            }),
        )
    }
}

/// A password change.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ChangePassword {
    /// The password in use now.
    #[schema(value_type = Password, inline)]
    pub(super) current_password: String,
    /// The new password.
    #[schema(value_type = Password, inline)]
    pub(super) new_password: String,
}

/// A signed-in session: send `token` as `Authorization: Bearer <token>` (the response also sets
/// it as an HttpOnly cookie for browsers).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AuthResponse {
    /// The signed-in user.
    pub(super) user: User,
    /// The bearer token. Shown once: only its hash is stored.
    pub(super) token: String,
    /// When the session ends unless renewed by use.
    #[serde(serialize_with = "sophie_domain::timestamp::serialize")]
    pub(super) expires_at: DateTime<Utc>,
}
