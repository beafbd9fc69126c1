//! Pure rules that span entities: link ownership, quiz totals, grading, file types, YouTube
//! links.

pub mod file_type;
pub mod grading;
pub mod ownership;
pub mod quiz_points;
pub mod youtube;
