//! Implementations of the domain's [`StudyGenerator`](sophie_domain::ports::StudyGenerator)
//! port.

pub mod offline;
