//! The request bodies of `/api/v1/courses`, with their conversions into domain commands.

use serde::Deserialize;
use sophie_domain::values::{Color, Description, Name, ShortText};
use sophie_domain::{CourseUpdate, NewCourse};
use utoipa::ToSchema;

use crate::all_valid;
use crate::error::ApiResult;
use crate::patch;
use crate::validate::Fields;

/// A new course.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateCourse {
    /// Its name, 1 to 100 characters.
    #[schema(value_type = Name, inline)]
    name: String,
    /// Its code (`MATH 221`).
    #[schema(value_type = Option<ShortText>, inline)]
    code: Option<String>,
    /// A description.
    #[schema(value_type = Option<Description>, inline)]
    description: Option<String>,
    /// A palette name or hex colour; `blue` by default.
    #[schema(value_type = Option<Color>, inline)]
    color: Option<String>,
    /// The term (`Fall 2026`).
    #[schema(value_type = Option<ShortText>, inline)]
    term: Option<String>,
    /// Who teaches it.
    #[schema(value_type = Option<ShortText>, inline)]
    instructor: Option<String>,
}

impl CreateCourse {
    pub(super) fn into_domain(self) -> ApiResult<NewCourse> {
        let mut fields = Fields::new();
        let name = fields.check("name", Name::parse(self.name));
        let code = fields.check_opt("code", self.code, ShortText::parse);
        let description = fields.check_opt("description", self.description, Description::parse);
        let color = fields
            .check_opt("color", self.color, Color::parse)
            .map(Option::unwrap_or_default);
        let term = fields.check_opt("term", self.term, ShortText::parse);
        let instructor = fields.check_opt("instructor", self.instructor, ShortText::parse);
        Ok(
            all_valid!(fields, (name, code, description, color, term, instructor) => NewCourse {
                name, code, description, color, term, instructor,
            }),
        )
    }
}

/// Changes to a course: fields left out stay; `null` clears a nullable one.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateCourse {
    #[schema(value_type = Option<Name>, inline)]
    name: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<ShortText>, inline)]
    code: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Description>, inline)]
    description: Option<Option<String>>,
    #[schema(value_type = Option<Color>, inline)]
    color: Option<String>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<ShortText>, inline)]
    term: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<ShortText>, inline)]
    instructor: Option<Option<String>>,
}

impl UpdateCourse {
    pub(super) fn into_domain(self) -> ApiResult<CourseUpdate> {
        let mut fields = Fields::new();
        let name = fields.check_opt("name", self.name, Name::parse);
        let code = fields.check_patch("code", self.code, ShortText::parse);
        let description = fields.check_patch("description", self.description, Description::parse);
        let color = fields.check_opt("color", self.color, Color::parse);
        let term = fields.check_patch("term", self.term, ShortText::parse);
        let instructor = fields.check_patch("instructor", self.instructor, ShortText::parse);
        Ok(
            all_valid!(fields, (name, code, description, color, term, instructor) => CourseUpdate {
                name, code, description, color, term, instructor,
            }),
        )
    }
}
