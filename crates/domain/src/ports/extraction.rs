//! The port to an event extractor: dated items (deadlines, exams, lectures, breaks) found in
//! the text of a syllabus.

use async_trait::async_trait;
use chrono::{NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};

use super::ai::TokenUsage;
use crate::enums::EventType;
use crate::error::DomainResult;

/// One page (or section) of the text to read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageText {
    /// Its page number, counted from 1, where the source has pages.
    pub page_number: Option<u32>,
    /// Its text, lines separated by `\n`.
    pub text: String,
}

/// What an extractor reads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtractionInput {
    /// The text, page by page, in order.
    pub pages: Vec<PageText>,
    /// The student's locale (`en-US`, `en-GB`, `de-DE`, ...): the order of day and month in
    /// a numeric date (`03/10/2027`) when the text itself does not settle it.
    pub locale: String,
    /// A date near the text's writing (the document's upload): the year of a date written
    /// without one when the text names no term or year.
    pub reference_date: NaiveDate,
}

/// A dated item found in the text, in the local time of the course.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundEvent {
    /// What it is called (`Homework 3 due`, `Midterm exam`, `Spring break`).
    pub title: String,
    /// Its kind; breaks and holidays are [`EventType::Other`].
    pub event_type: EventType,
    /// When it starts: a local date and time, midnight for an all-day item.
    pub start: NaiveDateTime,
    /// When it ends, if the text says: for an all-day item, the midnight after its last day
    /// (exclusive, as in iCalendar).
    pub end: Option<NaiveDateTime>,
    /// Whether it takes whole days (no time of day was given).
    pub all_day: bool,
    /// Where it happens, if the text says.
    pub location: Option<String>,
    /// The page it was found on.
    pub page_number: Option<u32>,
    /// The line it was found in, as it stands in the text.
    pub quote: String,
}

/// What an extractor found, and what a model spent finding it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FoundEvents {
    /// The items, in the order of the text.
    pub events: Vec<FoundEvent>,
    /// Tokens a model used (none offline).
    pub usage: TokenUsage,
}

/// Finds dated items in a syllabus's text.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait EventExtractor: Send + Sync {
    /// The extractor's name (`offline`, or the model's), recorded with what it found.
    fn name(&self) -> String;

    /// The items found in `input`, in the order of the text.
    ///
    /// # Errors
    ///
    /// `Unavailable` when a model behind the extractor cannot be reached (worth retrying).
    async fn extract(&self, input: ExtractionInput) -> DomainResult<FoundEvents>;
}
