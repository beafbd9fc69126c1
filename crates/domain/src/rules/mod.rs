//! Pure rules that span entities: link ownership, quiz totals, grading, file types, YouTube
//! links, transcripts as text, the offline summary of a note, the FSRS spaced-repetition
//! schedule of a flashcard, flashcards read from and written to CSV, and the calendar's
//! recurrences, iCalendar feeds and iCalendar imports, and events as Google Calendar holds
//! them.

pub mod card_table;
pub mod deck_merge;
pub mod file_type;
pub mod fsrs;
pub mod google_events;
pub mod grading;
pub mod grounding;
pub mod ical_import;
pub mod icalendar;
pub mod ownership;
pub mod passages;
pub mod quiz_points;
pub mod recurrence;
pub mod summary;
pub mod transcript;
pub mod youtube;
