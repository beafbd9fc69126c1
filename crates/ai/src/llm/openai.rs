//! A client of the OpenAI-compatible `POST /v1/chat/completions` endpoint, as served by
//! OpenAI, Ollama, the llama.cpp server, vLLM, LM Studio, Groq and OpenRouter.

use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sophie_domain::error::{DomainError, DomainResult};
use sophie_domain::ports::{
    ChatRole, GenerationRequest, GenerationResponse, LanguageModel, PromptMessage, TextSink,
    TokenUsage,
};

use super::extract::{Extracted, json_in};
use super::schema::validate;
use super::sse::EventData;
use crate::http::{
    self, Attempt, Failure, RetryPolicy, is_transient, openai_endpoint, with_retries,
    without_credentials,
};

/// The service named in [`DomainError::Unavailable`].
const SERVICE: &str = "language model";

/// The name given to the schema in a `json_schema` response format.
const SCHEMA_NAME: &str = "answer";

/// How a structured answer (a request with a JSON schema) is asked for.
///
/// Servers differ: OpenAI, vLLM, recent llama.cpp and Ollama accept a JSON schema that
/// constrains the model's output (`json_schema`); some accept only "answer with some JSON
/// object" (`json_object`); others accept neither. Whatever the mode, the answer is checked
/// against the schema, and repaired once when it does not match.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StructuredOutput {
    /// Start with [`StructuredOutput::JsonSchema`]; when the server refuses it (a 400 whose
    /// message names `response_format`, `json_schema` or `json_object`) or answers with no
    /// JSON at all, fall back to [`StructuredOutput::JsonObject`], then to
    /// [`StructuredOutput::Prompted`]. The mode that worked is remembered by the client, so
    /// later calls start there. The default.
    #[default]
    Auto,
    /// Only `response_format: {"type": "json_schema", "json_schema": {"name": "answer",
    /// "schema": ..., "strict": true}}`.
    JsonSchema,
    /// Only `response_format: {"type": "json_object"}`, with the schema given in the system
    /// prompt.
    JsonObject,
    /// No `response_format`: the schema is given in the system prompt and the JSON is taken
    /// from the answer's text (code fences and words around it are skipped).
    Prompted,
}

/// The modes [`StructuredOutput::Auto`] goes through, strongest first.
const LEVELS: [StructuredOutput; 3] = [
    StructuredOutput::JsonSchema,
    StructuredOutput::JsonObject,
    StructuredOutput::Prompted,
];

impl StructuredOutput {
    /// The position of a fixed mode in [`LEVELS`] (`Auto` starts at the first).
    const fn level(self) -> u8 {
        match self {
            Self::Auto | Self::JsonSchema => 0,
            Self::JsonObject => 1,
            Self::Prompted => 2,
        }
    }
}

/// Where and how to reach an OpenAI-compatible chat-completions server.
///
/// Build it with [`OpenAiChatConfig::new`] and change the fields that differ from the
/// defaults. Its `Debug` output hides the API key.
#[derive(Clone, PartialEq, Eq)]
pub struct OpenAiChatConfig {
    /// The server's address (`LLM_URL`). The endpoint is derived from it by one rule:
    /// trailing slashes are ignored; a path that already ends in `/chat/completions` is used
    /// as it is; a path that ends in `/v1` gets `/chat/completions`; any other path gets
    /// `/v1/chat/completions`. So `http://localhost:11434` and `http://localhost:11434/v1/`
    /// both reach `http://localhost:11434/v1/chat/completions`. A query string is kept.
    pub base_url: String,
    /// The model to ask for (`LLM_MODEL`: `gpt-4o-mini`, `llama3.1:8b`).
    pub model: String,
    /// Sent as `Authorization: Bearer <key>` when set; local servers usually need none.
    pub api_key: Option<String>,
    /// The longest one request may take, connecting and reading the whole answer included.
    /// Default 60 s.
    pub timeout: Duration,
    /// How many times a failed request (timeout, connection failure, 408, 429, 5xx) is tried
    /// again, so at most `max_retries + 1` attempts. Default 3.
    pub max_retries: u32,
    /// The wait before the first retry; each later retry waits twice as long, up to
    /// `retry_max_delay`, and every wait is shortened by a random fraction of up to a half
    /// (jitter). Default 500 ms.
    pub retry_base_delay: Duration,
    /// The longest wait between two attempts. A `Retry-After` (in seconds) longer than the
    /// backoff is honoured up to this limit; one that asks for more ends the call at once with
    /// `Unavailable`, leaving the retry to the caller. Default 30 s.
    pub retry_max_delay: Duration,
    /// How structured answers are asked for. Default [`StructuredOutput::Auto`].
    pub structured: StructuredOutput,
}

impl OpenAiChatConfig {
    /// A configuration for `model` at `base_url` with no API key and the defaults above.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            timeout: Duration::from_secs(60),
            max_retries: 3,
            retry_base_delay: Duration::from_millis(500),
            retry_max_delay: Duration::from_secs(30),
            structured: StructuredOutput::Auto,
        }
    }
}

impl fmt::Debug for OpenAiChatConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiChatConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<hidden>"))
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_base_delay", &self.retry_base_delay)
            .field("retry_max_delay", &self.retry_max_delay)
            .field("structured", &self.structured)
            .finish()
    }
}

/// A [`LanguageModel`] backed by an OpenAI-compatible chat-completions server.
///
/// A request without a schema gets the model's text. A request with a schema gets JSON that
/// matches it: asked for by [`StructuredOutput`], taken from the answer (code fences and words
/// around it skipped), and checked against the schema (the subset of JSON Schema that
/// sophie's schemas use: types, properties, required, additionalProperties, items, enum,
/// minItems/maxItems, minLength/maxLength). An answer that is not valid JSON or breaks the
/// schema is sent back once with the error, asking for a corrected answer. The usage of every
/// request of a call, repairs included, is summed.
///
/// Failures map to:
///
/// - `Unavailable` (service `"language model"`) when the server cannot be reached, times
///   out or keeps answering 408, 429 or 5xx after `max_retries` retries, or asks to wait
///   longer than `retry_max_delay`;
/// - `Internal` for any other refusal (400, 401, 404, ...: the message names the endpoint and
///   keeps the server's words, never the API key), for an answer that is not a chat
///   completion, for a model that declines to answer, and for structured answers still
///   invalid after the repair (the message names the error).
///
/// Redirects are not followed: a 3xx answer is refused like a 4xx.
pub struct OpenAiChat {
    client: reqwest::Client,
    endpoint: Url,
    /// The endpoint without user name or password, for messages and logs.
    endpoint_for_logs: String,
    model: String,
    api_key: Option<String>,
    timeout: Duration,
    policy: RetryPolicy,
    /// Whether the mode was chosen in the configuration (no fallback).
    fixed_mode: bool,
    /// The position in [`LEVELS`] that structured calls start at.
    level: AtomicU8,
}

impl fmt::Debug for OpenAiChat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiChat")
            .field("endpoint", &self.endpoint_for_logs)
            .field("model", &self.model)
            .field("structured", &self.structured_mode())
            .finish_non_exhaustive()
    }
}

/// What one chat-completions request came back with.
enum Outcome {
    /// An answer.
    Answered(Completion),
    /// The server refused the response format; its message.
    FormatRefused(String),
}

/// The parts of an answer that are used.
struct Completion {
    text: String,
    model: Option<String>,
    usage: TokenUsage,
    finish_reason: Option<String>,
    refusal: Option<String>,
}

impl OpenAiChat {
    /// A client for the server and model in `config`. Nothing is sent until the first call.
    ///
    /// # Errors
    ///
    /// `Validation` on `LLM_URL` when `base_url` is not an `http` or `https` URL, on
    /// `LLM_MODEL` when `model` is blank; `Internal` when the HTTP client cannot be built.
    pub fn new(config: OpenAiChatConfig) -> DomainResult<Self> {
        let endpoint = openai_endpoint(&config.base_url, "chat/completions", "LLM_URL")?;
        let model = config.model.trim();
        if model.is_empty() {
            return Err(DomainError::validation("LLM_MODEL", "must not be blank"));
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sophie/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DomainError::internal_from("cannot build the language model client", e))?;
        Ok(Self {
            client,
            endpoint_for_logs: without_credentials(&endpoint),
            endpoint,
            model: model.to_owned(),
            api_key: config.api_key.filter(|key| !key.is_empty()),
            timeout: config.timeout,
            policy: RetryPolicy {
                max_retries: config.max_retries,
                base_delay: config.retry_base_delay,
                max_delay: config.retry_max_delay,
            },
            fixed_mode: config.structured != StructuredOutput::Auto,
            level: AtomicU8::new(config.structured.level()),
        })
    }

    /// The URL the requests go to.
    #[must_use]
    pub const fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The configured model name, as sent to the server.
    #[must_use]
    pub fn model(&self) -> &str {
        &self.model
    }

    /// The mode the next structured call starts with: the configured one, or, with
    /// [`StructuredOutput::Auto`], the strongest the server has not refused so far.
    #[must_use]
    pub fn structured_mode(&self) -> StructuredOutput {
        let level = usize::from(self.level.load(Ordering::Acquire));
        LEVELS
            .get(level)
            .copied()
            .unwrap_or(StructuredOutput::Prompted)
    }

    /// The next weaker mode after `level`, when falling back is allowed.
    fn fallback(&self, level: u8) -> Option<u8> {
        let next = level + 1;
        (!self.fixed_mode && usize::from(next) < LEVELS.len()).then_some(next)
    }

    /// Remembers that the server works with `level` (never going back to a stronger one).
    fn remember(&self, level: u8) {
        if !self.fixed_mode {
            let before = self.level.fetch_max(level, Ordering::AcqRel);
            if before < level {
                tracing::info!(
                    endpoint = %self.endpoint_for_logs,
                    model = %self.model,
                    mode = ?LEVELS.get(usize::from(level)),
                    "language model server: structured answers asked for in a weaker mode from now on"
                );
            }
        }
    }

    /// A text answer, streamed to `sink` when given.
    async fn generate_text(
        &self,
        request: GenerationRequest,
        sink: Option<&TextSink>,
    ) -> DomainResult<GenerationResponse> {
        let body = ChatRequest::new(
            &self.model,
            &request.messages,
            &request,
            None,
            sink.is_some(),
        );
        let completion = match self.complete(&body, sink).await? {
            Outcome::Answered(completion) => completion,
            Outcome::FormatRefused(message) => return Err(self.refused(&message)),
        };
        self.check_declined(&completion)?;
        if completion.text.trim().is_empty() {
            return Err(DomainError::internal(format!(
                "the language model at {} answered with no text{}",
                self.endpoint_for_logs,
                cut_off_note(&completion)
            )));
        }
        Ok(GenerationResponse {
            model: self.answering_model(&completion),
            usage: completion.usage,
            text: completion.text,
            json: None,
        })
    }

    /// A JSON answer that matches `schema`, asked for in the strongest mode that works, and
    /// repaired once; streamed to `sink` when given.
    async fn generate_json(
        &self,
        request: GenerationRequest,
        schema: &Value,
        sink: Option<&TextSink>,
    ) -> DomainResult<GenerationResponse> {
        let mut level = self.level.load(Ordering::Acquire);
        let mut usage = TokenUsage::default();
        // Only the first answer with text is streamed: a repair's text would follow the
        // broken one's in the sink as if it went on. The answer returned is the repaired one.
        let mut sink = sink;
        // The invalid answer and what is wrong with it, once a repair has been asked for.
        let mut repair: Option<(String, String)> = None;
        loop {
            let mode = LEVELS
                .get(usize::from(level))
                .copied()
                .unwrap_or(StructuredOutput::Prompted);
            let messages = messages_for(mode, &request.messages, schema, repair.as_ref());
            let body = ChatRequest::new(
                &self.model,
                &messages,
                &request,
                response_format(mode, schema),
                sink.is_some(),
            );
            let completion = match self.complete(&body, sink).await? {
                Outcome::Answered(completion) => completion,
                Outcome::FormatRefused(message) => match self.fallback(level) {
                    Some(next) if repair.is_none() => {
                        tracing::info!(
                            endpoint = %self.endpoint_for_logs,
                            model = %self.model,
                            refused = ?mode,
                            message = %message,
                            "language model server refused the response format; falling back"
                        );
                        self.remember(next);
                        level = next;
                        continue;
                    }
                    _ => return Err(self.refused(&message)),
                },
            };
            usage = add(usage, completion.usage);
            self.check_declined(&completion)?;
            if !completion.text.is_empty() {
                sink = None;
            }
            let problem = match json_in(&completion.text) {
                Extracted::Json(json, text) => match validate(schema, &json) {
                    Ok(()) => {
                        self.remember(level);
                        return Ok(GenerationResponse {
                            text,
                            json: Some(json),
                            model: self.answering_model(&completion),
                            usage,
                        });
                    }
                    Err(error) => format!("it does not match the schema: {error}"),
                },
                Extracted::Invalid(error) => format!("it is not valid JSON: {error}"),
                Extracted::Absent => {
                    if repair.is_none()
                        && let Some(next) = self.fallback(level)
                    {
                        tracing::info!(
                            endpoint = %self.endpoint_for_logs,
                            model = %self.model,
                            ignored = ?mode,
                            "language model answered without JSON; asking in a weaker mode"
                        );
                        level = next;
                        continue;
                    }
                    "it holds no JSON object".to_owned()
                }
            };
            let problem = format!("{problem}{}", cut_off_note(&completion));
            if repair.is_some() {
                tracing::warn!(
                    endpoint = %self.endpoint_for_logs,
                    model = %self.model,
                    problem = %problem,
                    "language model answered with invalid JSON twice"
                );
                return Err(DomainError::internal(format!(
                    "the language model at {} answered twice with JSON that is not valid: {problem}",
                    self.endpoint_for_logs
                )));
            }
            tracing::debug!(
                endpoint = %self.endpoint_for_logs,
                model = %self.model,
                problem = %problem,
                "language model answered with invalid JSON; asking for a repair"
            );
            repair = Some((completion.text, problem));
        }
    }

    /// One request, retried by the policy (a stream only until its first text is passed on).
    async fn complete(
        &self,
        body: &ChatRequest<'_>,
        sink: Option<&TextSink>,
    ) -> DomainResult<Outcome> {
        let answer = with_retries(self.policy, SERVICE, &self.endpoint_for_logs, || {
            self.send(body, sink)
        })
        .await?;
        match answer {
            Ok(Answer::Whole(bytes)) => {
                let completion = self.parse(&bytes)?;
                // A server that does not stream answered at once: its text is passed on whole.
                if let Some(sink) = sink
                    && !completion.text.is_empty()
                {
                    sink(&completion.text);
                }
                Ok(Outcome::Answered(completion))
            }
            Ok(Answer::Streamed(completion)) => Ok(Outcome::Answered(completion)),
            Err(message) => Ok(Outcome::FormatRefused(message)),
        }
    }

    /// One attempt: the answer, or the server's message when it refused the response format.
    async fn send(
        &self,
        body: &ChatRequest<'_>,
        sink: Option<&TextSink>,
    ) -> Attempt<Result<Answer, String>> {
        let mut request = self.client.post(self.endpoint.clone()).json(body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => return Attempt::Failed(Failure::new(self.describe(&error))),
        };
        let status = response.status();
        if status.is_success() {
            if let Some(sink) = sink
                && is_event_stream(&response)
            {
                return self.read_stream(response, body, sink).await;
            }
            return match response.bytes().await {
                Ok(bytes) => Attempt::Done(Ok(Answer::Whole(bytes.to_vec()))),
                Err(error) => Attempt::Failed(Failure::new(self.describe(&error))),
            };
        }
        let retry_after = http::retry_after(response.headers());
        let raw = response.text().await.unwrap_or_default();
        let format_refused = body.response_format.is_some()
            && (status == StatusCode::BAD_REQUEST || status == StatusCode::UNPROCESSABLE_ENTITY)
            && names_the_response_format(&raw);
        let message = http::server_message(raw, self.api_key.as_deref());
        let reason = if message.is_empty() {
            format!("HTTP {status}")
        } else {
            format!("HTTP {status}: {message}")
        };
        if format_refused {
            return Attempt::Done(Err(reason));
        }
        if is_transient(status) {
            return Attempt::Failed(Failure {
                reason,
                retry_after,
            });
        }
        Attempt::Refused(self.refused(&reason))
    }

    /// Reads a streamed answer, passing each piece of text to `sink` as it arrives.
    ///
    /// A stream that breaks before any text was passed on is retried like a failed request;
    /// after that it is not (the text would be passed on twice), and the call is
    /// `Unavailable`. Servers that do not report usage in a stream (`stream_options` is
    /// theirs to ignore) have it estimated at four characters a token.
    async fn read_stream(
        &self,
        mut response: reqwest::Response,
        body: &ChatRequest<'_>,
        sink: &TextSink,
    ) -> Attempt<Result<Answer, String>> {
        let mut events = EventData::default();
        let mut streamed = Streamed::default();
        loop {
            let (data, ended) = match response.chunk().await {
                Ok(Some(bytes)) => (events.push(&bytes), false),
                Ok(None) => (events.finish().into_iter().collect(), true),
                Err(error) => return self.broken(&streamed, self.describe(&error)),
            };
            for data in data {
                if let Err(reason) = streamed.read(&data, sink) {
                    return self.broken(&streamed, reason);
                }
            }
            if streamed.done {
                break;
            }
            if ended {
                if streamed.finish_reason.is_none() {
                    return self.broken(
                        &streamed,
                        "the stream ended before the answer did".to_owned(),
                    );
                }
                break;
            }
        }
        Attempt::Done(Ok(Answer::Streamed(streamed.into_completion(body))))
    }

    /// The outcome of a stream that broke for `reason`.
    fn broken(&self, streamed: &Streamed, reason: String) -> Attempt<Result<Answer, String>> {
        if streamed.text.is_empty() {
            return Attempt::Failed(Failure::new(reason));
        }
        tracing::warn!(
            endpoint = %self.endpoint_for_logs,
            model = %self.model,
            reason = %reason,
            "language model stream broke off after its first words; not retried"
        );
        Attempt::Refused(DomainError::Unavailable {
            service: SERVICE,
            message: format!("the answer's stream broke off: {reason}"),
        })
    }

    /// The error for a refusal that retrying will not change.
    fn refused(&self, reason: &str) -> DomainError {
        tracing::error!(
            endpoint = %self.endpoint_for_logs,
            model = %self.model,
            reason = %reason,
            "language model server refused the request"
        );
        DomainError::internal(format!(
            "the language model server at {} refused the request: {reason}",
            self.endpoint_for_logs
        ))
    }

    fn describe(&self, error: &reqwest::Error) -> String {
        http::describe(error, &self.endpoint, &self.endpoint_for_logs, self.timeout)
    }

    /// Reads a successful answer.
    fn parse(&self, body: &[u8]) -> DomainResult<Completion> {
        let answer: ChatResponse = serde_json::from_slice(body).map_err(|e| {
            DomainError::internal(format!(
                "the language model server at {} answered with something that is not a chat \
                 completion: {e}",
                self.endpoint_for_logs
            ))
        })?;
        let Some(choice) = answer.choices.into_iter().next() else {
            let detail = answer
                .error
                .map(|error| http::server_message(error.to_string(), self.api_key.as_deref()))
                .map_or_else(String::new, |message| format!(": {message}"));
            return Err(DomainError::internal(format!(
                "the language model server at {} answered without a choice{detail}",
                self.endpoint_for_logs
            )));
        };
        let usage = answer
            .usage
            .map_or_else(TokenUsage::default, |usage| TokenUsage {
                prompt_tokens: saturated(usage.prompt_tokens),
                completion_tokens: saturated(usage.completion_tokens),
            });
        Ok(Completion {
            text: choice
                .message
                .content
                .map(Content::into_text)
                .unwrap_or_default(),
            model: answer.model.filter(|model| !model.trim().is_empty()),
            usage,
            finish_reason: choice.finish_reason,
            refusal: choice.message.refusal.filter(|r| !r.trim().is_empty()),
        })
    }

    /// `Internal` when the model declined to answer (OpenAI's `refusal`).
    fn check_declined(&self, completion: &Completion) -> DomainResult<()> {
        match &completion.refusal {
            Some(refusal) if completion.text.trim().is_empty() => {
                Err(DomainError::internal(format!(
                    "the language model at {} declined to answer: {}",
                    self.endpoint_for_logs,
                    http::server_message(refusal.clone(), self.api_key.as_deref())
                )))
            }
            _ => Ok(()),
        }
    }

    /// The model the server says answered, or the configured one.
    fn answering_model(&self, completion: &Completion) -> String {
        completion
            .model
            .clone()
            .unwrap_or_else(|| self.model.clone())
    }
}

#[async_trait]
impl LanguageModel for OpenAiChat {
    async fn generate(&self, mut request: GenerationRequest) -> DomainResult<GenerationResponse> {
        match request.json_schema.take() {
            None => self.generate_text(request, None).await,
            Some(schema) => self.generate_json(request, &schema, None).await,
        }
    }

    /// Asks with `stream: true` (and `stream_options.include_usage`), passing each piece of
    /// the answer's text to `sink` as it arrives; a server that answers at once is read as
    /// [`LanguageModel::generate`] reads it, and its text passed on whole.
    async fn generate_streaming(
        &self,
        mut request: GenerationRequest,
        sink: TextSink,
    ) -> DomainResult<GenerationResponse> {
        match request.json_schema.take() {
            None => self.generate_text(request, Some(&sink)).await,
            Some(schema) => self.generate_json(request, &schema, Some(&sink)).await,
        }
    }
}

/// An answer as it came.
enum Answer {
    /// At once: the bytes of a chat completion.
    Whole(Vec<u8>),
    /// As server-sent events, already read.
    Streamed(Completion),
}

/// Whether the answer is a stream of server-sent events.
fn is_event_stream(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.trim_start().starts_with("text/event-stream"))
}

/// A streamed answer, read so far.
#[derive(Default)]
struct Streamed {
    text: String,
    model: Option<String>,
    usage: Option<TokenUsage>,
    finish_reason: Option<String>,
    refusal: String,
    /// `[DONE]` was read.
    done: bool,
}

impl Streamed {
    /// Reads one event's data, passing its text on.
    fn read(&mut self, data: &str, sink: &TextSink) -> Result<(), String> {
        let data = data.trim();
        if data == "[DONE]" {
            self.done = true;
            return Ok(());
        }
        if data.is_empty() {
            return Ok(());
        }
        let chunk: ChunkResponse = serde_json::from_str(data)
            .map_err(|e| format!("a streamed chunk is not JSON of a chat completion: {e}"))?;
        if let Some(error) = chunk.error {
            return Err(format!("the stream carried an error: {error}"));
        }
        if let Some(model) = chunk.model.filter(|model| !model.trim().is_empty()) {
            self.model = Some(model);
        }
        if let Some(usage) = chunk.usage {
            self.usage = Some(TokenUsage {
                prompt_tokens: saturated(usage.prompt_tokens),
                completion_tokens: saturated(usage.completion_tokens),
            });
        }
        for choice in chunk.choices.into_iter().filter(|c| c.index == 0) {
            if let Some(text) = choice.delta.content.map(Content::into_text)
                && !text.is_empty()
            {
                sink(&text);
                self.text.push_str(&text);
            }
            if let Some(refusal) = choice.delta.refusal {
                self.refusal.push_str(&refusal);
            }
            if let Some(reason) = choice.finish_reason.filter(|r| !r.is_empty()) {
                self.finish_reason = Some(reason);
            }
        }
        Ok(())
    }

    fn into_completion(self, body: &ChatRequest<'_>) -> Completion {
        let usage = self.usage.unwrap_or_else(|| {
            let prompt: usize = body.messages.iter().map(|m| m.content.len()).sum();
            TokenUsage {
                prompt_tokens: estimated_tokens(prompt),
                completion_tokens: estimated_tokens(self.text.len()),
            }
        });
        Completion {
            text: self.text,
            model: self.model,
            usage,
            finish_reason: self.finish_reason,
            refusal: Some(self.refusal).filter(|r| !r.trim().is_empty()),
        }
    }
}

/// About how many tokens `bytes` of text make, for servers that do not say.
fn estimated_tokens(bytes: usize) -> u32 {
    u32::try_from(bytes.div_ceil(4)).unwrap_or(u32::MAX)
}

/// Whether an error body names the response format (so the server refuses the mode, not the
/// request).
fn names_the_response_format(body: &str) -> bool {
    let body = body.to_lowercase();
    ["response_format", "json_schema", "json_object"]
        .iter()
        .any(|word| body.contains(word))
}

/// The `response_format` of `mode`.
fn response_format(mode: StructuredOutput, schema: &Value) -> Option<Value> {
    match mode {
        StructuredOutput::Auto | StructuredOutput::JsonSchema => Some(json!({
            "type": "json_schema",
            "json_schema": {"name": SCHEMA_NAME, "schema": schema, "strict": true},
        })),
        StructuredOutput::JsonObject => Some(json!({"type": "json_object"})),
        StructuredOutput::Prompted => None,
    }
}

/// The messages of a structured request in `mode`: in the weaker modes the schema is given in
/// the system prompt; after an invalid answer, that answer and its error follow.
fn messages_for(
    mode: StructuredOutput,
    messages: &[PromptMessage],
    schema: &Value,
    repair: Option<&(String, String)>,
) -> Vec<PromptMessage> {
    let mut messages = messages.to_vec();
    if matches!(
        mode,
        StructuredOutput::JsonObject | StructuredOutput::Prompted
    ) {
        let instruction = format!(
            "Answer with JSON only: one JSON object, with no text before or after it and no \
             code fences, matching this JSON Schema:\n{schema}"
        );
        match messages.first_mut() {
            Some(first) if first.role == ChatRole::System => {
                first.content = format!("{}\n\n{instruction}", first.content);
            }
            _ => messages.insert(
                0,
                PromptMessage {
                    role: ChatRole::System,
                    content: instruction,
                },
            ),
        }
    }
    if let Some((answer, problem)) = repair {
        messages.push(PromptMessage {
            role: ChatRole::Assistant,
            content: answer.clone(),
        });
        messages.push(PromptMessage {
            role: ChatRole::User,
            content: format!(
                "Your answer was not valid: {problem}. Answer again with JSON only matching \
                 the schema."
            ),
        });
    }
    messages
}

/// A note for errors about an answer the server cut off at the token limit.
fn cut_off_note(completion: &Completion) -> &'static str {
    if completion.finish_reason.as_deref() == Some("length") {
        " (the answer was cut off at the token limit)"
    } else {
        ""
    }
}

fn add(a: TokenUsage, b: TokenUsage) -> TokenUsage {
    TokenUsage {
        prompt_tokens: a.prompt_tokens.saturating_add(b.prompt_tokens),
        completion_tokens: a.completion_tokens.saturating_add(b.completion_tokens),
    }
}

fn saturated(count: Option<u64>) -> u32 {
    count.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

#[derive(Serialize)]
struct ChatRequest<'a> {
    model: &'a str,
    messages: &'a [PromptMessage],
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<Value>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<Value>,
}

impl<'a> ChatRequest<'a> {
    fn new(
        model: &'a str,
        messages: &'a [PromptMessage],
        request: &GenerationRequest,
        response_format: Option<Value>,
        stream: bool,
    ) -> Self {
        Self {
            model,
            messages,
            temperature: request.temperature,
            max_tokens: request.max_tokens,
            response_format,
            stream,
            stream_options: stream.then(|| json!({"include_usage": true})),
        }
    }
}

/// One chunk of a streamed answer.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ChunkResponse {
    model: Option<String>,
    choices: Vec<ChunkChoice>,
    usage: Option<Usage>,
    error: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ChunkChoice {
    index: u32,
    delta: Delta,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Delta {
    content: Option<Content>,
    refusal: Option<String>,
}

/// The parts of an answer this client reads. Servers differ in what they leave out or add
/// (`usage` missing, `finish_reason` empty or unknown, `system_fingerprint`, ...): every field
/// has a default and unknown ones are ignored.
#[derive(Deserialize, Default)]
#[serde(default)]
struct ChatResponse {
    model: Option<String>,
    choices: Vec<Choice>,
    usage: Option<Usage>,
    /// Some gateways answer 200 with an error object instead of choices.
    error: Option<Value>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Choice {
    message: Message,
    finish_reason: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Message {
    content: Option<Content>,
    /// Why the model declined, when it did (OpenAI).
    refusal: Option<String>,
}

/// A message's content: a string, or a list of parts of which the text ones are read.
#[derive(Deserialize)]
#[serde(untagged)]
enum Content {
    Text(String),
    Parts(Vec<ContentPart>),
}

impl Content {
    fn into_text(self) -> String {
        match self {
            Self::Text(text) => text,
            Self::Parts(parts) => parts.into_iter().filter_map(|part| part.text).collect(),
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ContentPart {
    text: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Usage {
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn system(content: &str) -> PromptMessage {
        PromptMessage {
            role: ChatRole::System,
            content: content.to_owned(),
        }
    }

    #[test]
    fn the_endpoint_follows_the_one_rule() {
        let chat = OpenAiChat::new(OpenAiChatConfig::new("http://localhost:11434/", "m")).unwrap();
        assert_eq!(
            chat.endpoint().as_str(),
            "http://localhost:11434/v1/chat/completions"
        );
    }

    #[test]
    fn the_key_is_kept_out_of_debug_output() {
        let config = OpenAiChatConfig {
            api_key: Some("sk-secret-123".into()),
            ..OpenAiChatConfig::new("http://h", "m")
        };
        assert!(!format!("{config:?}").contains("sk-secret-123"));
        let chat = OpenAiChat::new(config).unwrap();
        assert!(!format!("{chat:?}").contains("sk-secret-123"));
    }

    #[test]
    fn weaker_modes_put_the_schema_in_the_system_prompt() {
        let schema = json!({"type": "object"});
        let base = [system("Be brief.")];
        let strict = messages_for(StructuredOutput::JsonSchema, &base, &schema, None);
        assert_eq!(strict, base);
        for mode in [StructuredOutput::JsonObject, StructuredOutput::Prompted] {
            let messages = messages_for(mode, &base, &schema, None);
            assert_eq!(messages.len(), 1);
            assert!(
                messages[0]
                    .content
                    .starts_with("Be brief.\n\nAnswer with JSON only")
            );
            assert!(messages[0].content.contains(r#"{"type":"object"}"#));
        }
        let user_only = [PromptMessage {
            role: ChatRole::User,
            content: "Hi".into(),
        }];
        let messages = messages_for(StructuredOutput::Prompted, &user_only, &schema, None);
        assert_eq!(messages[0].role, ChatRole::System);
        assert_eq!(messages[1], user_only[0]);
    }

    #[test]
    fn repairs_send_the_answer_and_the_error_back() {
        let repair = ("{bad".to_owned(), "it is not valid JSON: EOF".to_owned());
        let messages = messages_for(
            StructuredOutput::JsonSchema,
            &[system("S")],
            &json!({}),
            Some(&repair),
        );
        assert_eq!(messages[1].role, ChatRole::Assistant);
        assert_eq!(messages[1].content, "{bad");
        assert_eq!(
            messages[2].content,
            "Your answer was not valid: it is not valid JSON: EOF. Answer again with JSON only \
             matching the schema."
        );
    }

    #[test]
    fn answers_are_read_tolerantly() {
        let chat = OpenAiChat::new(OpenAiChatConfig::new("http://h", "m")).unwrap();
        let parts = br#"{"choices":[{"message":{"content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]},"finish_reason":""}]}"#;
        let completion = chat.parse(parts).unwrap();
        assert_eq!(completion.text, "ab");
        assert_eq!(completion.usage, TokenUsage::default());
        assert_eq!(chat.answering_model(&completion), "m");
        let odd = br#"{"model":"m-2024","choices":[{"message":{"role":"assistant","content":null},"finish_reason":"weird"}],"usage":{"prompt_tokens":5}}"#;
        let completion = chat.parse(odd).unwrap();
        assert_eq!(completion.text, "");
        assert_eq!(completion.usage.prompt_tokens, 5);
        assert_eq!(chat.answering_model(&completion), "m-2024");
        assert!(chat.parse(br#"{"choices":[]}"#).is_err());
        assert!(chat.parse(b"<html>").is_err());
    }

    #[test]
    fn format_refusals_are_told_by_their_message() {
        assert!(names_the_response_format(
            r#"{"error":{"message":"Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model."}}"#
        ));
        assert!(names_the_response_format("JSON_OBJECT is not supported"));
        assert!(!names_the_response_format(
            r#"{"error":{"message":"context length exceeded"}}"#
        ));
    }
}
