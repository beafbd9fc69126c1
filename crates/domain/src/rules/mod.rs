//! Pure rules that span entities: link ownership, quiz totals, grading, file types, YouTube
//! links, transcripts as text, and the offline summary of a note.

pub mod file_type;
pub mod grading;
pub mod grounding;
pub mod ownership;
pub mod passages;
pub mod quiz_points;
pub mod summary;
pub mod transcript;
pub mod youtube;
