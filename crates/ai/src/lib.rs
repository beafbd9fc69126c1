//! Implementations of the domain's AI ports.
//!
//! Embeddings ([`Embedder`](sophie_domain::ports::Embedder)):
//!
//! - [`HashingEmbedder`], the offline default: feature hashing of words, word pairs and
//!   letter trigrams into 384-dimension unit vectors; no network, no download, deterministic.
//!
//! The language model, transcriber and video transcripts adapters come in a later version.

pub mod embed;

pub use embed::offline::HashingEmbedder;
