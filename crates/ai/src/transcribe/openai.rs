//! A client of the OpenAI-compatible `POST /v1/audio/transcriptions` endpoint, as served by
//! OpenAI, Groq, faster-whisper servers, whisper.cpp's server and LocalAI.

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use reqwest::multipart::{Form, Part};
use reqwest::{StatusCode, Url};
use serde::Deserialize;
use sophie_domain::error::{DomainError, DomainResult};
use sophie_domain::ports::{AudioFormat, AudioInput, Transcriber, Transcript, TranscriptSegment};

use super::audio::probe_recording;
use super::split::{AudioPart, MIN_PART_BYTES, split_recording};
use super::{caught, off_the_executor};
use crate::http::{
    self, Attempt, Failure, RetryPolicy, is_transient, openai_endpoint, with_retries,
    without_credentials,
};

/// The service named in [`DomainError::Unavailable`].
const SERVICE: &str = "transcription";

/// The model asked for unless configured otherwise.
pub const DEFAULT_MODEL: &str = "whisper-1";

/// The largest part sent unless configured otherwise: 24 MiB, under OpenAI's 25 MB limit with
/// room for the form's other fields.
pub const DEFAULT_MAX_PART_BYTES: usize = 24 * 1024 * 1024;

/// Where and how to reach an OpenAI-compatible transcription server.
///
/// Build it with [`OpenAiTranscriberConfig::new`] and change the fields that differ from the
/// defaults. Its `Debug` output hides the API key.
#[derive(Clone, PartialEq, Eq)]
pub struct OpenAiTranscriberConfig {
    /// The server's address. The endpoint is derived from it by one rule: trailing slashes
    /// are ignored; a path that already ends in `/audio/transcriptions` is used as it is; a
    /// path that ends in `/v1` gets `/audio/transcriptions`; any other path gets
    /// `/v1/audio/transcriptions`. A query string is kept.
    pub base_url: String,
    /// The model to ask for. Default [`DEFAULT_MODEL`] (`whisper-1`).
    pub model: String,
    /// Sent as `Authorization: Bearer <key>` when set; local servers usually need none.
    pub api_key: Option<String>,
    /// The language of the recordings (ISO 639-1, `en`, `fr`), sent to the server when a
    /// recording does not name its own; the server detects it when neither does. Default
    /// `None`.
    pub language: Option<String>,
    /// The longest one request may take, sending the recording and waiting for the
    /// transcript included. Default 300 s.
    pub timeout: Duration,
    /// How many times a failed request is tried again (so at most `max_retries + 1`
    /// attempts per part). Only failures that may pass are retried: timeouts, connection
    /// failures, 408, 429 and 5xx. Default 3.
    pub max_retries: u32,
    /// The wait before the first retry; each later retry waits twice as long, up to
    /// `retry_max_delay`, shortened by a random fraction of up to a half. Default 500 ms.
    pub retry_base_delay: Duration,
    /// The longest wait between two attempts. A `Retry-After` (in seconds) longer than the
    /// backoff is honoured up to this limit; one that asks for more ends the call at once with
    /// `Unavailable`. Default 30 s.
    pub retry_max_delay: Duration,
    /// The largest file sent in one request. A larger recording is sent in parts that each
    /// fit, one after the other. Default [`DEFAULT_MAX_PART_BYTES`] (24 MiB: OpenAI refuses
    /// files over 25 MB); at least 4096.
    pub max_part_bytes: usize,
}

impl OpenAiTranscriberConfig {
    /// A configuration for the server at `base_url` with no API key and the defaults above.
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: DEFAULT_MODEL.to_owned(),
            api_key: None,
            language: None,
            timeout: Duration::from_secs(300),
            max_retries: 3,
            retry_base_delay: Duration::from_millis(500),
            retry_max_delay: Duration::from_secs(30),
            max_part_bytes: DEFAULT_MAX_PART_BYTES,
        }
    }
}

impl fmt::Debug for OpenAiTranscriberConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiTranscriberConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<hidden>"))
            .field("language", &self.language)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_base_delay", &self.retry_base_delay)
            .field("retry_max_delay", &self.retry_max_delay)
            .field("max_part_bytes", &self.max_part_bytes)
            .finish()
    }
}

/// A [`Transcriber`] backed by an OpenAI-compatible transcription server.
///
/// Each recording is first read from its bytes (off the async executor): one that cannot be
/// read is refused before anything is sent, and its length, read from the file, becomes the
/// transcript's `duration_seconds`. A recording of at most `max_part_bytes` is sent as it is;
/// a larger one is cut into parts that each fit (MP3 and ADTS AAC between frames, WAV between
/// PCM frames, FLAC, M4A and Vorbis decoded into 16-bit mono WAV parts), sent one after the
/// other, and the parts' transcripts are joined: texts with a space, segments shifted by the
/// part's start time. Opus (in Ogg or WebM) cannot be cut: a large one is refused with a
/// request for MP3, M4A or WAV.
///
/// Each request is `multipart/form-data` with `file` (named `audio.<extension>`, with its
/// media type), `model`, `response_format=verbose_json`,
/// `timestamp_granularities[]=segment` and `language` when known. Failures map to:
///
/// - `Validation` on `file` for a recording that cannot be read, one that is too large and
///   cannot be cut, and one the server refuses as unreadable (400, 413, 415, 422), with the
///   server's message;
/// - `Unavailable` (service `"transcription"`) when the server cannot be reached, times out
///   or keeps answering 408, 429 or 5xx after `max_retries` retries, or asks to wait longer
///   than `retry_max_delay`;
/// - `Internal` naming the endpoint for any other refusal (401, 403, 404, ...: a
///   configuration error, never retried) and for an answer that is not JSON.
///
/// The API key never appears in a message or a log. Redirects are not followed.
pub struct OpenAiTranscriber {
    client: reqwest::Client,
    endpoint: Url,
    /// The endpoint without user name or password, for messages and logs.
    endpoint_for_logs: String,
    model: String,
    api_key: Option<String>,
    language: Option<String>,
    timeout: Duration,
    policy: RetryPolicy,
    max_part_bytes: usize,
}

impl fmt::Debug for OpenAiTranscriber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiTranscriber")
            .field("endpoint", &self.endpoint_for_logs)
            .field("model", &self.model)
            .field("max_part_bytes", &self.max_part_bytes)
            .finish_non_exhaustive()
    }
}

impl OpenAiTranscriber {
    /// A client for the server and model in `config`. Nothing is sent until the first call.
    ///
    /// # Errors
    ///
    /// `Validation` on `TRANSCRIBE_URL` when `base_url` is not an `http` or `https` URL, on
    /// `TRANSCRIBE_MODEL` when the model is blank, on `TRANSCRIBE_MAX_PART_BYTES` when
    /// `max_part_bytes` is under 4096; `Internal` when the HTTP client cannot be built.
    pub fn new(config: OpenAiTranscriberConfig) -> DomainResult<Self> {
        let endpoint = openai_endpoint(&config.base_url, "audio/transcriptions", "TRANSCRIBE_URL")?;
        let model = config.model.trim();
        if model.is_empty() {
            return Err(DomainError::validation(
                "TRANSCRIBE_MODEL",
                "must not be blank",
            ));
        }
        if config.max_part_bytes < MIN_PART_BYTES {
            return Err(DomainError::validation(
                "TRANSCRIBE_MAX_PART_BYTES",
                format!("must be at least {MIN_PART_BYTES}"),
            ));
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sophie/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DomainError::internal_from("cannot build the transcription client", e))?;
        Ok(Self {
            client,
            endpoint_for_logs: without_credentials(&endpoint),
            endpoint,
            model: model.to_owned(),
            api_key: config.api_key.filter(|key| !key.is_empty()),
            language: language_code(config.language.as_deref()),
            timeout: config.timeout,
            policy: RetryPolicy {
                max_retries: config.max_retries,
                base_delay: config.retry_base_delay,
                max_delay: config.retry_max_delay,
            },
            max_part_bytes: config.max_part_bytes,
        })
    }

    /// The URL the requests go to.
    #[must_use]
    pub const fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// Sends the parts of a recording too large for one request, one after the other, as they
    /// are cut (off the executor, at most one part ahead), adding each transcript to `joined`.
    async fn transcribe_in_parts(
        &self,
        bytes: Bytes,
        format: AudioFormat,
        language: Option<&str>,
        joined: &mut Joined,
    ) -> DomainResult<()> {
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<AudioPart>(1);
        let max_part_bytes = self.max_part_bytes;
        let cutter = tokio::task::spawn_blocking(move || {
            caught("splitting a recording", || {
                split_recording(&bytes, format, max_part_bytes, &mut |part| {
                    sender.blocking_send(part).is_ok()
                })
            })
        });
        while let Some(part) = receiver.recv().await {
            tracing::debug!(
                endpoint = %self.endpoint_for_logs,
                start_seconds = part.start_seconds,
                bytes = part.bytes.len(),
                "sending a part of a recording"
            );
            let answer = self
                .transcribe_file(Bytes::from(part.bytes), part.format, language)
                .await?;
            joined.add(answer, part.start_seconds, Some(part.duration_seconds));
        }
        let parts = cutter
            .await
            .map_err(|e| DomainError::internal_from("splitting a recording did not finish", e))??;
        tracing::info!(
            endpoint = %self.endpoint_for_logs,
            parts,
            "transcribed a recording in parts"
        );
        Ok(())
    }

    /// The transcript of one file, with up to `max_retries` retries.
    async fn transcribe_file(
        &self,
        file: Bytes,
        format: AudioFormat,
        language: Option<&str>,
    ) -> DomainResult<Answer> {
        let body = with_retries(self.policy, SERVICE, &self.endpoint_for_logs, || {
            self.send(file.clone(), format, language)
        })
        .await?;
        serde_json::from_slice::<Answer>(&body).map_err(|e| {
            DomainError::internal_from(
                format!(
                    "the transcription server at {} answered with malformed JSON",
                    self.endpoint_for_logs
                ),
                e,
            )
        })
    }

    /// One request and how it went.
    async fn send(
        &self,
        file: Bytes,
        format: AudioFormat,
        language: Option<&str>,
    ) -> Attempt<Vec<u8>> {
        let length = file.len() as u64;
        let part = match Part::stream_with_length(reqwest::Body::from(file), length)
            .file_name(format!("audio.{}", format.extension()))
            .mime_str(format.mime_type())
        {
            Ok(part) => part,
            Err(e) => {
                return Attempt::Refused(DomainError::internal_from(
                    "cannot build the transcription request",
                    e,
                ));
            }
        };
        let mut form = Form::new()
            .part("file", part)
            .text("model", self.model.clone())
            .text("response_format", "verbose_json")
            .text("timestamp_granularities[]", "segment");
        if let Some(language) = language {
            form = form.text("language", language.to_owned());
        }
        let mut request = self.client.post(self.endpoint.clone()).multipart(form);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let describe = |error: &reqwest::Error| {
            http::describe(error, &self.endpoint, &self.endpoint_for_logs, self.timeout)
        };
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Attempt::Failed(Failure::new(describe(&error))),
        };
        let status = response.status();
        if status.is_success() {
            return match response.bytes().await {
                Ok(body) => Attempt::Done(body.to_vec()),
                Err(error) => Attempt::Failed(Failure::new(describe(&error))),
            };
        }
        let retry_after = http::retry_after(response.headers());
        let message = http::server_message(
            response.text().await.unwrap_or_default(),
            self.api_key.as_deref(),
        );
        let reason = if message.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {message}")
        };
        if is_transient(status) {
            return Attempt::Failed(Failure {
                reason,
                retry_after,
            });
        }
        if is_the_recordings_fault(status) {
            tracing::warn!(
                endpoint = %self.endpoint_for_logs,
                status = status.as_u16(),
                message = %message,
                "transcription server could not read a recording"
            );
            let message = if message.is_empty() {
                format!("HTTP {status}")
            } else {
                message
            };
            return Attempt::Refused(DomainError::validation(
                "file",
                format!("the transcription service could not read the recording: {message}"),
            ));
        }
        tracing::error!(
            endpoint = %self.endpoint_for_logs,
            model = %self.model,
            status = status.as_u16(),
            message = %message,
            "transcription server refused the request"
        );
        Attempt::Refused(DomainError::internal(format!(
            "the transcription server at {} refused the request (check its address, model and \
             API key): {reason}",
            self.endpoint_for_logs
        )))
    }
}

#[async_trait]
impl Transcriber for OpenAiTranscriber {
    async fn transcribe(&self, audio: AudioInput) -> DomainResult<Transcript> {
        let AudioInput {
            bytes,
            format,
            language,
        } = audio;
        let bytes = Bytes::from(bytes);
        let info = {
            let bytes = bytes.clone();
            off_the_executor("reading a recording", move || {
                probe_recording(&bytes, format)
            })
            .await?
        };
        let language = language_code(language.as_deref()).or_else(|| self.language.clone());
        let mut joined = Joined::default();
        if bytes.len() <= self.max_part_bytes {
            let answer = self
                .transcribe_file(bytes, info.format, language.as_deref())
                .await?;
            joined.add(answer, 0.0, Some(info.duration_seconds));
        } else {
            self.transcribe_in_parts(bytes, info.format, language.as_deref(), &mut joined)
                .await?;
        }
        Ok(joined.finish(language, info.duration_seconds))
    }
}

/// Whether a refusal with `status` means the recording itself was not accepted.
fn is_the_recordings_fault(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::BAD_REQUEST
            | StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
            | StatusCode::UNPROCESSABLE_ENTITY
    )
}

/// `language` trimmed, `None` when blank.
fn language_code(language: Option<&str>) -> Option<String> {
    language
        .map(str::trim)
        .filter(|code| !code.is_empty())
        .map(str::to_owned)
}

/// The parts of a `verbose_json` answer this client reads; every field may be missing (a
/// server answering plain `{"text": ...}` gives no segments) and others are ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Answer {
    text: Option<String>,
    language: Option<String>,
    duration: Option<f64>,
    segments: Option<Vec<AnswerSegment>>,
}

/// One timed segment of an answer, in seconds from the start of the file sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AnswerSegment {
    start: Option<f64>,
    end: Option<f64>,
    text: Option<String>,
}

/// The transcripts of a recording's parts, joined in order.
#[derive(Debug, Default)]
struct Joined {
    texts: Vec<String>,
    segments: Vec<TranscriptSegment>,
    /// The first language a server detected.
    detected_language: Option<String>,
}

impl Joined {
    /// Adds the answer for the part that starts at `start` seconds and lasts
    /// `part_duration` seconds (the server's own figure stands in when `None`).
    fn add(&mut self, answer: Answer, start: f64, part_duration: Option<f64>) {
        let mut segments: Vec<TranscriptSegment> = answer
            .segments
            .unwrap_or_default()
            .into_iter()
            .filter_map(|segment| {
                let text = segment.text.unwrap_or_default().trim().to_owned();
                let from = segment.start.filter(|s| s.is_finite())?.max(0.0);
                let to = segment
                    .end
                    .filter(|e| e.is_finite())
                    .unwrap_or(from)
                    .max(from);
                (!text.is_empty()).then_some(TranscriptSegment {
                    start_seconds: start + from,
                    end_seconds: start + to,
                    text,
                })
            })
            .collect();
        let mut text = answer.text.unwrap_or_default().trim().to_owned();
        if text.is_empty() {
            text = segments
                .iter()
                .map(|s| s.text.as_str())
                .collect::<Vec<_>>()
                .join(" ");
        }
        if segments.is_empty() && !text.is_empty() {
            let length = part_duration
                .or(answer.duration)
                .filter(|d| d.is_finite() && *d > 0.0)
                .unwrap_or(0.0);
            segments.push(TranscriptSegment {
                start_seconds: start,
                end_seconds: start + length,
                text: text.clone(),
            });
        }
        if self.detected_language.is_none() {
            self.detected_language = language_code(answer.language.as_deref());
        }
        if !text.is_empty() {
            self.texts.push(text);
        }
        self.segments.extend(segments);
    }

    /// The whole transcript: the language asked for, else the one detected.
    fn finish(self, asked_language: Option<String>, duration_seconds: f64) -> Transcript {
        Transcript {
            text: self.texts.join(" "),
            segments: self.segments,
            language: asked_language.or(self.detected_language),
            duration_seconds: Some(duration_seconds),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_is_derived_from_the_base_url() {
        for base in [
            "http://localhost:8000",
            "http://localhost:8000/v1/",
            "http://localhost:8000/v1/audio/transcriptions",
        ] {
            let transcriber = OpenAiTranscriber::new(OpenAiTranscriberConfig::new(base)).unwrap();
            assert_eq!(
                transcriber.endpoint().as_str(),
                "http://localhost:8000/v1/audio/transcriptions"
            );
        }
        let error = OpenAiTranscriber::new(OpenAiTranscriberConfig::new("ftp://h")).unwrap_err();
        assert!(
            matches!(&error, DomainError::Validation { field, .. } if field == "TRANSCRIBE_URL"),
            "{error:?}"
        );
    }

    #[test]
    fn the_defaults_are_openais() {
        let config = OpenAiTranscriberConfig::new("https://api.openai.com/v1");
        assert_eq!(config.model, "whisper-1");
        assert_eq!(config.timeout, Duration::from_secs(300));
        assert_eq!(config.max_retries, 3);
        assert_eq!(config.max_part_bytes, 24 * 1024 * 1024);
    }

    #[test]
    fn blank_models_and_tiny_parts_are_refused() {
        let blank = OpenAiTranscriberConfig {
            model: "  ".into(),
            ..OpenAiTranscriberConfig::new("http://h")
        };
        assert!(OpenAiTranscriber::new(blank).is_err());
        let tiny = OpenAiTranscriberConfig {
            max_part_bytes: 100,
            ..OpenAiTranscriberConfig::new("http://h")
        };
        assert!(OpenAiTranscriber::new(tiny).is_err());
    }

    #[test]
    fn the_key_is_kept_out_of_debug_output() {
        let config = OpenAiTranscriberConfig {
            api_key: Some("sk-secret-123".into()),
            ..OpenAiTranscriberConfig::new("http://h")
        };
        assert!(!format!("{config:?}").contains("sk-secret-123"));
    }

    #[test]
    fn answers_are_read_tolerantly() {
        let answer: Answer = serde_json::from_str(
            r#"{"text":" Hello there. ","segments":[{"start":0.5,"end":1.5,"text":" Hello "},
                {"start":1.5,"end":null,"text":"there."},{"text":"no start"},
                {"start":2,"end":3,"text":"  "}],"language":"english","extra":1}"#,
        )
        .unwrap();
        let mut joined = Joined::default();
        joined.add(answer, 10.0, Some(4.0));
        let transcript = joined.finish(None, 14.0);
        assert_eq!(transcript.text, "Hello there.");
        assert_eq!(transcript.language.as_deref(), Some("english"));
        assert_eq!(transcript.duration_seconds, Some(14.0));
        let times: Vec<(f64, f64, &str)> = transcript
            .segments
            .iter()
            .map(|s| (s.start_seconds, s.end_seconds, s.text.as_str()))
            .collect();
        assert_eq!(times, [(10.5, 11.5, "Hello"), (11.5, 11.5, "there.")]);
    }

    #[test]
    fn a_plain_text_answer_becomes_one_segment_over_the_part() {
        let mut joined = Joined::default();
        joined.add(
            serde_json::from_str(r#"{"text":"first"}"#).unwrap(),
            0.0,
            Some(5.0),
        );
        joined.add(serde_json::from_str("{}").unwrap(), 5.0, Some(5.0));
        joined.add(
            serde_json::from_str(r#"{"text":"third","duration":2.5}"#).unwrap(),
            10.0,
            None,
        );
        let transcript = joined.finish(Some("en".into()), 12.5);
        assert_eq!(transcript.text, "first third");
        assert_eq!(transcript.language.as_deref(), Some("en"));
        let times: Vec<(f64, f64)> = transcript
            .segments
            .iter()
            .map(|s| (s.start_seconds, s.end_seconds))
            .collect();
        assert_eq!(times, [(0.0, 5.0), (10.0, 12.5)]);
    }
}
