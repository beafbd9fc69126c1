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
//! Imports from the web ([`WebFetcher`](sophie_domain::ports::WebFetcher)):
//!
//! - [`SafeFetcher`], configured with [`SafeFetcherConfig`]: fetches `http` and `https` URLs
//!   that students give, refusing any whose host, or a redirect's host, resolves to an address
//!   that is not public ([`refusal`]: loopback, private networks, link-local, cloud metadata,
//!   ...), connecting only to checked addresses, with capped size, time and redirects.
//!   Host names are resolved through [`Resolve`] ([`SystemResolver`] by default).
//!
//! Video transcripts ([`VideoTranscripts`](sophie_domain::ports::VideoTranscripts)):
//!
//! - [`YouTubeCaptions`], configured with [`YouTubeConfig`]: a video's captions as YouTube's
//!   own player lists them (written by people first, automatic ones otherwise, in the
//!   preferred languages), read from the timedtext XML.
//!
//! The language model and transcriber adapters come in a later version.

pub mod embed;
pub mod fetch;
mod http;
pub mod youtube;

pub use embed::offline::HashingEmbedder;
pub use embed::openai::{OpenAiEmbedder, OpenAiEmbedderConfig};
pub use fetch::{Resolve, SafeFetcher, SafeFetcherConfig, SystemResolver, refusal};
pub use youtube::{YouTubeCaptions, YouTubeConfig};
