//! Ports to AI models: text generation, embeddings, transcription, video transcripts.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::error::DomainResult;

/// Who speaks in a prompt.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ChatRole {
    /// Instructions to the model.
    System,
    /// The student, or the material given to the model.
    User,
    /// The model's earlier answers.
    Assistant,
}

/// One message of a prompt.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptMessage {
    /// Who speaks.
    pub role: ChatRole,
    /// What is said.
    pub content: String,
}

/// A request for generation. With `json_schema`, the model must answer with JSON that matches
/// it (structured generation: flashcards, quiz questions, calendar events).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenerationRequest {
    /// The conversation so far, system message first.
    pub messages: Vec<PromptMessage>,
    /// The JSON Schema the answer must match, if a structured answer is wanted.
    pub json_schema: Option<serde_json::Value>,
    /// Sampling temperature, 0 to 2; the model's default if `None`.
    pub temperature: Option<f32>,
    /// The most tokens to generate.
    pub max_tokens: Option<u32>,
}

/// How many tokens a generation used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenUsage {
    /// Tokens read.
    pub prompt_tokens: u32,
    /// Tokens written.
    pub completion_tokens: u32,
}

/// A model's answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GenerationResponse {
    /// The answer's text.
    pub text: String,
    /// The answer parsed as JSON, when a schema was given.
    pub json: Option<serde_json::Value>,
    /// The model that answered.
    pub model: String,
    /// Tokens used.
    pub usage: TokenUsage,
}

/// A language model: turns a prompt into text or schema-shaped JSON.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait LanguageModel: Send + Sync {
    /// Generates an answer to `request`.
    ///
    /// # Errors
    ///
    /// `Unavailable` when the model cannot be reached; `Internal` when it answers with JSON
    /// that does not match the schema.
    async fn generate(&self, request: GenerationRequest) -> DomainResult<GenerationResponse>;
}

/// Turns text into vectors for semantic search.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait Embedder: Send + Sync {
    /// The name of the model, recorded with every vector it makes: vectors of different
    /// models are never compared.
    fn model(&self) -> String;

    /// The length of every vector this embedder returns.
    fn dimensions(&self) -> usize;

    /// One vector per text, in order.
    ///
    /// # Errors
    ///
    /// `Unavailable` when the model cannot be reached.
    async fn embed(&self, texts: Vec<String>) -> DomainResult<Vec<Vec<f32>>>;
}

/// Audio to transcribe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudioInput {
    /// The recording's bytes.
    pub bytes: Vec<u8>,
    /// Its media type (`audio/mpeg`, `audio/wav`).
    pub mime_type: String,
    /// Its language as an ISO 639-1 code, if known.
    pub language: Option<String>,
}

/// A stretch of a transcript with its timing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TranscriptSegment {
    /// Where it starts, in seconds.
    pub start_seconds: f64,
    /// Where it ends, in seconds.
    pub end_seconds: f64,
    /// What was said.
    pub text: String,
}

/// The text of a recording.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// The whole text.
    pub text: String,
    /// The text in timed segments, when the transcriber gives them.
    pub segments: Vec<TranscriptSegment>,
    /// The language detected.
    pub language: Option<String>,
    /// The recording's length in seconds.
    pub duration_seconds: Option<f64>,
}

/// Speech to text.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait Transcriber: Send + Sync {
    /// Transcribes a recording.
    ///
    /// # Errors
    ///
    /// `Validation` on `file` for a format it cannot read; `Unavailable` when the model cannot
    /// be reached.
    async fn transcribe(&self, audio: AudioInput) -> DomainResult<Transcript>;
}

/// A YouTube video's transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VideoTranscript {
    /// The video's id.
    pub video_id: String,
    /// The video's title.
    pub title: String,
    /// Its transcript.
    pub transcript: Transcript,
}

/// Fetches the transcripts of YouTube videos.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait VideoTranscripts: Send + Sync {
    /// The transcript of the video at `url` (a watch, short or youtu.be link).
    ///
    /// # Errors
    ///
    /// `Validation` on `sourceUrl` when it is not a YouTube link; `NotFound` when the video
    /// has no transcript; `Unavailable` when YouTube cannot be reached.
    async fn fetch(&self, url: String) -> DomainResult<VideoTranscript>;
}
