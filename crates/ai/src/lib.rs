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
//! Sign-in ([`IdentityProvider`](sophie_domain::ports::IdentityProvider)):
//!
//! - [`OpenIdProvider`], configured with [`OidcConfig`]: any OpenID Connect provider (Google by
//!   default) through the `openidconnect` crate, with PKCE, RS256 and ES256 only, a JWKS fetched
//!   again (rate-limited) for an unknown key id, and no redirects followed.
//!
//! Calendars kept by a provider ([`CalendarProvider`](sophie_domain::ports::CalendarProvider)):
//!
//! - [`GoogleCalendar`], configured with [`GoogleCalendarConfig`]: Google Calendar API v3 over
//!   reqwest (calendars, events inserted under ids of sophie's choosing, patched, deleted, and
//!   listed in pages, incrementally with sync tokens); rate limits and expired sync tokens told
//!   apart for the caller. Nothing calls it yet: the sync that will is not built.
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
//! Speech to text ([`Transcriber`](sophie_domain::ports::Transcriber)):
//!
//! - [`OpenAiTranscriber`], a client of any OpenAI-compatible `/v1/audio/transcriptions`
//!   endpoint (OpenAI, Groq, faster-whisper servers, whisper.cpp's server), configured with
//!   [`OpenAiTranscriberConfig`]: the recording is read first with symphonia
//!   ([`probe_recording`]: unreadable files are refused before anything is sent, and the
//!   transcript's length comes from the file), a recording larger than one request allows is
//!   sent in parts whose transcripts are joined, and requests are retried with backoff.
//!
//! Language models ([`LanguageModel`](sophie_domain::ports::LanguageModel)):
//!
//! - [`OpenAiChat`], a client of any OpenAI-compatible `/v1/chat/completions` endpoint
//!   (OpenAI, Ollama, the llama.cpp server, vLLM, LM Studio, Groq, OpenRouter), configured
//!   with [`OpenAiChatConfig`]: structured answers asked for in the strongest mode the server
//!   accepts ([`StructuredOutput`]: a JSON schema, JSON mode, or the schema in the prompt),
//!   checked against their schema and repaired once; retries with backoff.
//!
//! Study material ([`StudyGenerator`](sophie_domain::ports::StudyGenerator)):
//!
//! - [`OfflineGenerator`], the offline default: flashcards, quiz questions, study guides,
//!   answers and summaries made from the student's text itself (key terms and their
//!   definitions found in sentences of definitional shape, bold phrases and headings;
//!   distractors of the same kind; extractive answers citing their sentences); no network, no
//!   download, deterministic.
//! - [`ModelGenerator`], over any language model: flashcards, quiz questions, study guides,
//!   answers and summaries from the student's passages, each item citing its passages;
//!   malformed items are dropped, and the passages are given as data, never as instructions.
//!
//! Events in syllabi ([`EventExtractor`](sophie_domain::ports::EventExtractor)):
//!
//! - [`RuleExtractor`], the offline default: deadlines, exams, quizzes, lectures, labs and
//!   breaks found in a syllabus's text by rules (dates with month names or numbers, ranges of
//!   days, times, rooms; the year from the term the syllabus names); no network,
//!   deterministic.
//! - [`ModelExtractor`], over any language model: the same items found by the model in the
//!   syllabus's pages, sent in batches as data (never as instructions) with the locale and a
//!   reference date; each item is checked (its type, dates and times, its page) and malformed
//!   ones are dropped.
//!
//! Spaced repetition ([`ParameterOptimizer`](sophie_domain::ports::ParameterOptimizer)):
//!
//! - [`FsrsOptimizer`]: the FSRS-6 parameters fitted to a student's review histories with the
//!   `fsrs` crate's optimizer, on a blocking thread.

pub mod embed;
pub mod fetch;
pub mod generate;
pub mod google_calendar;
mod http;
pub mod llm;
pub mod oidc;
pub mod scheduling;
pub mod syllabus;
pub mod transcribe;
pub mod youtube;

pub use embed::offline::HashingEmbedder;
pub use embed::openai::{OpenAiEmbedder, OpenAiEmbedderConfig};
pub use fetch::{Resolve, SafeFetcher, SafeFetcherConfig, SystemResolver, refusal};
pub use generate::model::ModelGenerator;
pub use generate::offline::OfflineGenerator;
pub use google_calendar::{GoogleCalendar, GoogleCalendarConfig};
pub use llm::openai::{OpenAiChat, OpenAiChatConfig, StructuredOutput};
pub use oidc::{OidcConfig, OpenIdProvider};
pub use scheduling::FsrsOptimizer;
pub use syllabus::{ModelExtractor, RuleExtractor};
pub use transcribe::audio::{AudioCodec, RecordingInfo, probe_recording};
pub use transcribe::openai::{OpenAiTranscriber, OpenAiTranscriberConfig};
pub use youtube::{YouTubeCaptions, YouTubeConfig};
