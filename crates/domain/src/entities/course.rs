use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::{CourseId, UserId};
use crate::values::{Color, Description, Name, ShortText};

/// A course the student takes; notes, documents and study material are filed under it.
/// Deleting a course keeps its material, unfiled.
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Course {
    /// The course's id.
    pub id: CourseId,
    /// Its owner.
    pub user_id: UserId,
    /// Its name (`Linear Algebra`).
    pub name: String,
    /// Its code (`MATH 221`).
    pub code: Option<String>,
    /// A description.
    pub description: Option<String>,
    /// A display colour.
    pub color: String,
    /// The term (`Fall 2026`).
    pub term: Option<String>,
    /// Who teaches it.
    pub instructor: Option<String>,
    /// When it was created.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub created_at: DateTime<Utc>,
    /// When it was last changed.
    #[serde(serialize_with = "crate::timestamp::serialize")]
    pub updated_at: DateTime<Utc>,
}

/// Creates a [`Course`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCourse {
    /// Its name.
    pub name: Name,
    /// Its code.
    pub code: Option<ShortText>,
    /// A description.
    pub description: Option<Description>,
    /// A display colour; blue by default.
    pub color: Color,
    /// The term.
    pub term: Option<ShortText>,
    /// Who teaches it.
    pub instructor: Option<ShortText>,
}

/// Changes a [`Course`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CourseUpdate {
    /// A new name.
    pub name: Option<Name>,
    /// A new code, or `Some(None)` to clear it.
    pub code: Option<Option<ShortText>>,
    /// A new description, or `Some(None)` to clear it.
    pub description: Option<Option<Description>>,
    /// A new colour.
    pub color: Option<Color>,
    /// A new term, or `Some(None)` to clear it.
    pub term: Option<Option<ShortText>>,
    /// A new instructor, or `Some(None)` to clear it.
    pub instructor: Option<Option<ShortText>>,
}

impl CourseUpdate {
    /// Whether nothing would change.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.code.is_none()
            && self.description.is_none()
            && self.color.is_none()
            && self.term.is_none()
            && self.instructor.is_none()
    }
}
