//! Ports to AI models: text generation, embeddings, transcription, video transcripts.

use std::sync::Arc;

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

/// Receives text as it is written, piece by piece (a model's tokens as they arrive).
///
/// It is called from the task that generates, so it must return at once: hand the piece on
/// (to a channel, a buffer) rather than wait in it.
pub type TextSink = Arc<dyn Fn(&str) + Send + Sync>;

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

    /// Generates an answer to `request` as [`LanguageModel::generate`] does, passing the
    /// answer's raw text to `sink` as the model writes it. The pieces, joined, are the text
    /// of the attempt that was kept, and of any attempt before it (a repair), in order.
    ///
    /// By default the whole text is passed once, at the end, for models that cannot stream.
    ///
    /// # Errors
    ///
    /// As [`LanguageModel::generate`].
    async fn generate_streaming(
        &self,
        request: GenerationRequest,
        sink: TextSink,
    ) -> DomainResult<GenerationResponse> {
        let response = self.generate(request).await?;
        sink(&response.text);
        Ok(response)
    }
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

/// A kind of audio recording sophie accepts, as found from its bytes
/// ([`crate::rules::file_type::detect_audio`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AudioFormat {
    /// MP3 (MPEG-1/2 layer III), with or without an ID3 tag.
    Mp3,
    /// WAV (RIFF WAVE).
    Wav,
    /// M4A: AAC (or another codec) in an MP4 container.
    M4a,
    /// AAC in ADTS frames, without a container.
    Aac,
    /// Ogg (Opus or Vorbis).
    Ogg,
    /// WebM (Matroska).
    Webm,
    /// FLAC.
    Flac,
}

impl AudioFormat {
    /// Every format, in the order they are listed to students.
    pub const ALL: [Self; 7] = [
        Self::Mp3,
        Self::Wav,
        Self::M4a,
        Self::Aac,
        Self::Ogg,
        Self::Webm,
        Self::Flac,
    ];

    /// Its media type.
    #[must_use]
    pub const fn mime_type(self) -> &'static str {
        match self {
            Self::Mp3 => "audio/mpeg",
            Self::Wav => "audio/wav",
            Self::M4a => "audio/mp4",
            Self::Aac => "audio/aac",
            Self::Ogg => "audio/ogg",
            Self::Webm => "audio/webm",
            Self::Flac => "audio/flac",
        }
    }

    /// Its usual file name extension, without the dot (what transcription servers look at).
    #[must_use]
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Mp3 => "mp3",
            Self::Wav => "wav",
            Self::M4a => "m4a",
            Self::Aac => "aac",
            Self::Ogg => "ogg",
            Self::Webm => "webm",
            Self::Flac => "flac",
        }
    }

    /// The format with this media type, as [`AudioFormat::mime_type`] writes it.
    #[must_use]
    pub fn from_mime_type(mime: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|format| format.mime_type() == mime)
    }
}

/// Audio to transcribe.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AudioInput {
    /// The recording's bytes.
    pub bytes: Vec<u8>,
    /// Its format, found from its bytes.
    pub format: AudioFormat,
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
    /// Transcribes a recording. The transcript's `duration_seconds` is the recording's
    /// length read from the file itself; a recording longer than the service accepts is sent
    /// in parts, and the parts' segments are joined with their times shifted.
    ///
    /// # Errors
    ///
    /// `Validation` on `file` for a recording that cannot be read; `Unavailable`
    /// (`"transcription"`) when the service cannot be reached or keeps failing after the
    /// transcriber's own retries.
    async fn transcribe(&self, audio: AudioInput) -> DomainResult<Transcript>;
}

/// A YouTube video's transcript.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VideoTranscript {
    /// The video's id.
    pub video_id: String,
    /// The video's title.
    pub title: String,
    /// Whether the captions were made automatically by speech recognition (used only when
    /// the video has no captions written by people).
    pub automatic: bool,
    /// Its transcript, timed; `duration_seconds` is the video's length.
    pub transcript: Transcript,
}

/// Fetches the captions of YouTube videos.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait VideoTranscripts: Send + Sync {
    /// The captions of the video with id `video_id` (11 characters, as
    /// [`crate::rules::youtube::video_id`] finds it in a link): captions written by people
    /// first, automatic ones otherwise.
    ///
    /// # Errors
    ///
    /// `NotFound` (`"video"`) when the video does not exist or cannot be watched (private,
    /// removed); `NotFound` (`"captions"`) when it has no captions; `Unavailable` (`"YouTube"`)
    /// when YouTube cannot be reached or answers with an error, after the client's retries.
    async fn fetch(&self, video_id: String) -> DomainResult<VideoTranscript>;
}
