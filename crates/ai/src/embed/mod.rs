//! Implementations of the domain's [`Embedder`](sophie_domain::ports::Embedder) port.

pub mod offline;
pub mod openai;
