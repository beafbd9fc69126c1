//! Request bodies and queries of the review routes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sophie_domain::rules::fsrs::{DEFAULT_PARAMETERS, Schedule};
use sophie_domain::{
    CourseId, DueCard, FlashcardSetId, ReviewFilter, ReviewRating, ReviewSettings,
    ReviewSettingsUpdate,
};
use utoipa::ToSchema;

use crate::all_valid;
use crate::error::ApiResult;
use crate::patch;
use crate::validate::{Fields, id_param};

/// Which cards: all the student's, a course's, or a set's.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct DueQuery {
    /// Only the cards of sets filed under this course.
    #[param(value_type = Option<Uuid>)]
    course_id: Option<String>,
    /// Only the cards of this set.
    #[param(value_type = Option<Uuid>)]
    set_id: Option<String>,
    /// How many cards at most, 1 to 500 (50 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    limit: Option<String>,
}

impl DueQuery {
    pub(super) fn into_domain(self) -> ApiResult<(ReviewFilter, u32)> {
        let mut fields = Fields::new();
        let course_id = fields.check_opt("courseId", self.course_id, id_param::<CourseId>);
        let set_id = fields.check_opt("setId", self.set_id, id_param::<FlashcardSetId>);
        let limit = fields.check_opt("limit", self.limit, count_param);
        Ok(all_valid!(fields, (course_id, set_id, limit) => (
            ReviewFilter { course_id, set_id },
            limit.unwrap_or(50),
        )))
    }
}

/// Which cards, and over how many days.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct StatsQuery {
    /// Only the cards of sets filed under this course.
    #[param(value_type = Option<Uuid>)]
    course_id: Option<String>,
    /// Days back (today included) and ahead, 1 to 365 (30 by default).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 365)]
    days: Option<String>,
}

impl StatsQuery {
    pub(super) fn into_domain(self) -> ApiResult<(ReviewFilter, u32)> {
        let mut fields = Fields::new();
        let course_id = fields.check_opt("courseId", self.course_id, id_param::<CourseId>);
        let days = fields.check_opt("days", self.days, count_param);
        Ok(all_valid!(fields, (course_id, days) => (
            ReviewFilter { course_id, set_id: None },
            days.unwrap_or(30),
        )))
    }
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "the shape `Fields::check_opt` takes, as `id_param` has"
)]
fn count_param(value: String) -> Result<u32, sophie_domain::InvalidValue> {
    value
        .trim()
        .parse()
        .map_err(|_| sophie_domain::InvalidValue("must be a whole number".to_owned()))
}

/// A review of a card.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CreateReview {
    /// How well the student recalled the card.
    pub(super) rating: ReviewRating,
    /// When the review happened (RFC 3339); now when left out. It may lie in the past (a
    /// client that was offline), but not before the card's last review.
    pub(super) reviewed_at: Option<DateTime<Utc>>,
    /// How long the student took to answer, in milliseconds.
    #[schema(minimum = 0, maximum = 86_400_000)]
    pub(super) duration_ms: Option<u32>,
}

impl CreateReview {
    pub(super) fn check(&self) -> ApiResult<()> {
        let mut fields = Fields::new();
        fields.check_instant("reviewedAt", self.reviewed_at.as_ref());
        if self.duration_ms.is_some_and(|ms| ms > 86_400_000) {
            fields.push("durationMs", "must be at most a day (86400000)");
        }
        fields.finish()
    }
}

/// The cards to study now.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DueCards {
    /// Due cards first (learning before review, then by due time), then new cards.
    pub(super) items: Vec<DueCard>,
}

/// The student's review settings.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReviewSettingsBody {
    /// The share of cards to recall when they come due, 0.70 to 0.99.
    desired_retention: f64,
    /// New cards introduced a day, at most.
    new_cards_per_day: u32,
    /// Whether review intervals are spread a little by chance.
    fuzz: bool,
    /// The 21 FSRS-6 parameters in use.
    parameters: Vec<f64>,
    /// Whether `parameters` are the student's own (set or fitted) rather than the defaults.
    custom_parameters: bool,
}

impl From<ReviewSettings> for ReviewSettingsBody {
    fn from(settings: ReviewSettings) -> Self {
        let custom = settings.parameters.is_some();
        Self {
            desired_retention: settings.desired_retention,
            new_cards_per_day: settings.new_cards_per_day,
            fuzz: settings.fuzz,
            parameters: settings
                .parameters
                .unwrap_or_else(|| DEFAULT_PARAMETERS.to_vec()),
            custom_parameters: custom,
        }
    }
}

/// Changes to the review settings: fields left out stay.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct UpdateReviewSettings {
    /// 0.70 to 0.99.
    #[schema(minimum = 0.7, maximum = 0.99)]
    desired_retention: Option<f64>,
    /// 0 to 9999.
    #[schema(minimum = 0, maximum = 9999)]
    new_cards_per_day: Option<u32>,
    fuzz: Option<bool>,
    /// The 21 FSRS-6 parameters; `null` goes back to the defaults.
    #[serde(default, deserialize_with = "patch::present")]
    #[schema(value_type = Option<Vec<f64>>, min_items = 21, max_items = 21)]
    parameters: Option<Option<Vec<f64>>>,
}

impl UpdateReviewSettings {
    pub(super) fn into_domain(self) -> ReviewSettingsUpdate {
        ReviewSettingsUpdate {
            desired_retention: self.desired_retention,
            new_cards_per_day: self.new_cards_per_day,
            fuzz: self.fuzz,
            parameters: self.parameters,
        }
    }
}

/// A card's schedule again, after an undo.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UndoneReview {
    /// The schedule the card has again.
    pub(super) schedule: Schedule,
}

/// A fitting of the parameters, queued.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OptimizationQueued {
    /// The reviews (made a day or more after the one before) it will learn from.
    pub(super) reviews: u32,
}
