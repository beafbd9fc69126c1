//! Implementations of the domain's AI ports.
//!
//! Embeddings ([`Embedder`](sophie_domain::ports::Embedder)):
//!
//! - [`HashingEmbedder`], the offline default: feature hashing of words, word pairs and
//!   letter trigrams into 384-dimension unit vectors; no network, no download, deterministic.
//! - [`OpenAiEmbedder`], a client of any OpenAI-compatible `/v1/embeddings` endpoint
//!   (OpenAI, Ollama, llama.cpp server, vLLM, text-embeddings-inference), configured with
//!   [`OpenAiEmbedderConfig`]: batching, timeouts, retries with backoff.
//!
//! The language model, transcriber and video transcripts adapters come in a later version.

pub mod embed;
mod http;

pub use embed::offline::HashingEmbedder;
pub use embed::openai::{OpenAiEmbedder, OpenAiEmbedderConfig};
