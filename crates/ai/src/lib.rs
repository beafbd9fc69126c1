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
//! Speech to text ([`Transcriber`](sophie_domain::ports::Transcriber)):
//!
//! - [`OpenAiTranscriber`], a client of any OpenAI-compatible `/v1/audio/transcriptions`
//!   endpoint (OpenAI, Groq, faster-whisper servers, whisper.cpp's server), configured with
//!   [`OpenAiTranscriberConfig`]: the recording is read first with symphonia
//!   ([`probe_recording`]: unreadable files are refused before anything is sent, and the
//!   transcript's length comes from the file), a recording larger than one request allows is
//!   sent in parts whose transcripts are joined, and requests are retried with backoff.
//!
//! The language model and video transcripts adapters come in a later version.

pub mod embed;
mod http;
pub mod transcribe;

pub use embed::offline::HashingEmbedder;
pub use embed::openai::{OpenAiEmbedder, OpenAiEmbedderConfig};
pub use transcribe::audio::{AudioCodec, RecordingInfo, probe_recording};
pub use transcribe::openai::{OpenAiTranscriber, OpenAiTranscriberConfig};
