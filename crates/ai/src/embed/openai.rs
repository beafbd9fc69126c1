//! A client of the OpenAI-compatible `POST /v1/embeddings` endpoint, as served by OpenAI,
//! Ollama, the llama.cpp server, vLLM and text-embeddings-inference.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use reqwest::Url;
use serde::{Deserialize, Serialize};
use sophie_domain::error::{DomainError, DomainResult};
use sophie_domain::ports::Embedder;

use crate::http::{
    self, Attempt, Failure, RetryPolicy, is_transient, openai_endpoint, with_retries,
    without_credentials,
};

/// The service named in [`DomainError::Unavailable`].
const SERVICE: &str = "embeddings";

/// Where and how to reach an OpenAI-compatible embeddings server.
///
/// Build it with [`OpenAiEmbedderConfig::new`] and change the fields that differ from the
/// defaults. Its `Debug` output hides the API key.
#[derive(Clone, PartialEq, Eq)]
pub struct OpenAiEmbedderConfig {
    /// The server's address. The endpoint is derived from it by one rule: trailing slashes
    /// are ignored; a path that already ends in `/embeddings` is used as it is; a path that
    /// ends in `/v1` gets `/embeddings`; any other path gets `/v1/embeddings`. So
    /// `http://localhost:11434`, `http://localhost:11434/` and `http://localhost:11434/v1/`
    /// all reach `http://localhost:11434/v1/embeddings`. A query string is kept.
    pub base_url: String,
    /// The model to ask for (`text-embedding-3-small`, `nomic-embed-text`).
    pub model: String,
    /// Sent as `Authorization: Bearer <key>` when set; local servers usually need none.
    pub api_key: Option<String>,
    /// The most texts sent in one request; longer inputs are split and sent one batch after
    /// the other. Default 64.
    pub batch_size: usize,
    /// The longest one request may take, connecting and reading included. Default 30 s.
    pub timeout: Duration,
    /// How many times a failed request is tried again (so at most `max_retries + 1`
    /// attempts) when the server cannot be reached, times out, answers 408 or 429, or fails
    /// with a 5xx status. Default 3.
    pub max_retries: u32,
    /// The length of the model's vectors, if known; every answer is checked against it.
    /// When `None`, the length is learned from the first answer. Default `None`.
    pub dimensions: Option<usize>,
    /// The wait before the first retry; each later retry waits twice as long, up to
    /// `retry_max_delay`, and every wait is shortened by a random fraction of up to a half
    /// (jitter). Default 500 ms.
    pub retry_base_delay: Duration,
    /// The longest wait between two attempts. A retryable answer (429, 503, ...) whose
    /// `Retry-After` (in seconds) asks for a longer wait than the backoff is honoured up to
    /// this limit; one that asks for more ends the call at once with `Unavailable`, leaving
    /// the retry to the caller. Default 30 s.
    pub retry_max_delay: Duration,
}

impl OpenAiEmbedderConfig {
    /// A configuration for `model` at `base_url` with no API key and the defaults above.
    pub fn new(base_url: impl Into<String>, model: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            model: model.into(),
            api_key: None,
            batch_size: 64,
            timeout: Duration::from_secs(30),
            max_retries: 3,
            dimensions: None,
            retry_base_delay: Duration::from_millis(500),
            retry_max_delay: Duration::from_secs(30),
        }
    }
}

impl fmt::Debug for OpenAiEmbedderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiEmbedderConfig")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "<hidden>"))
            .field("batch_size", &self.batch_size)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("dimensions", &self.dimensions)
            .field("retry_base_delay", &self.retry_base_delay)
            .field("retry_max_delay", &self.retry_max_delay)
            .finish()
    }
}

/// An [`Embedder`] backed by an OpenAI-compatible embeddings server.
///
/// Texts are sent in batches of `batch_size`, one batch at a time, and the vectors come back
/// in the order of the texts whatever order the server lists them in. Failures map to:
///
/// - `Validation` on `texts[i]` for an empty or blank text (servers reject them), before
///   anything is sent;
/// - `Unavailable` (service `"embeddings"`) when the server cannot be reached, times out or
///   keeps answering 408, 429 or 5xx after `max_retries` retries, or asks to wait longer than
///   `retry_max_delay`;
/// - `Internal` for any other refusal (400, 401, 404, ...: the server's message is kept and
///   logged, the API key never) and for a malformed answer: not JSON, a vector count that
///   differs from the text count, a repeated or out-of-range `index`, vectors of different
///   lengths, non-finite values, or a length other than the configured or learned one.
///
/// Redirects are not followed: a 3xx answer is refused like a 4xx.
pub struct OpenAiEmbedder {
    client: reqwest::Client,
    endpoint: Url,
    /// The endpoint without user name or password, for messages and logs.
    endpoint_for_logs: String,
    model: String,
    api_key: Option<String>,
    batch_size: usize,
    timeout: Duration,
    max_retries: u32,
    configured_dimensions: Option<usize>,
    /// The length of the first answer's vectors, 0 until then.
    learned_dimensions: AtomicUsize,
    retry_base_delay: Duration,
    retry_max_delay: Duration,
}

impl fmt::Debug for OpenAiEmbedder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenAiEmbedder")
            .field("endpoint", &self.endpoint_for_logs)
            .field("model", &self.model)
            .field("dimensions", &self.dimensions())
            .finish_non_exhaustive()
    }
}

impl OpenAiEmbedder {
    /// A client for the server and model in `config`. Nothing is sent until the first call.
    ///
    /// # Errors
    ///
    /// `Validation` on `base_url` when it is not an `http` or `https` URL, on `model` when it
    /// is blank, on `batch_size` when it is 0, on `dimensions` when it is `Some(0)`;
    /// `Internal` when the HTTP client cannot be built.
    pub fn new(config: OpenAiEmbedderConfig) -> DomainResult<Self> {
        let endpoint = openai_endpoint(&config.base_url, "embeddings", "base_url")?;
        let model = config.model.trim();
        if model.is_empty() {
            return Err(DomainError::validation("model", "must not be blank"));
        }
        if config.batch_size == 0 {
            return Err(DomainError::validation("batch_size", "must be at least 1"));
        }
        if config.dimensions == Some(0) {
            return Err(DomainError::validation("dimensions", "must be at least 1"));
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sophie/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DomainError::internal_from("cannot build the embeddings client", e))?;
        Ok(Self {
            client,
            endpoint_for_logs: without_credentials(&endpoint),
            endpoint,
            model: model.to_owned(),
            api_key: config.api_key.filter(|key| !key.is_empty()),
            batch_size: config.batch_size,
            timeout: config.timeout,
            max_retries: config.max_retries,
            configured_dimensions: config.dimensions,
            learned_dimensions: AtomicUsize::new(0),
            retry_base_delay: config.retry_base_delay,
            retry_max_delay: config.retry_max_delay,
        })
    }

    /// The URL the requests go to.
    #[must_use]
    pub const fn endpoint(&self) -> &Url {
        &self.endpoint
    }

    /// The vectors of one batch, in the order of `input`, with up to `max_retries` retries.
    async fn embed_batch(&self, input: &[String]) -> DomainResult<Vec<Vec<f32>>> {
        let policy = RetryPolicy {
            max_retries: self.max_retries,
            base_delay: self.retry_base_delay,
            max_delay: self.retry_max_delay,
        };
        let body = with_retries(policy, SERVICE, &self.endpoint_for_logs, || {
            self.send(input)
        })
        .await?;
        self.parse(&body, input.len())
    }

    /// One request and how it went.
    async fn send(&self, input: &[String]) -> Attempt<Vec<u8>> {
        let body = EmbeddingRequest {
            model: &self.model,
            input,
        };
        let mut request = self.client.post(self.endpoint.clone()).json(&body);
        if let Some(key) = &self.api_key {
            request = request.bearer_auth(key);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                return Attempt::Failed(Failure::new(http::describe(
                    &error,
                    &self.endpoint,
                    &self.endpoint_for_logs,
                    self.timeout,
                )));
            }
        };
        let status = response.status();
        if status.is_success() {
            return match response.bytes().await {
                Ok(body) => Attempt::Done(body.to_vec()),
                Err(error) => Attempt::Failed(Failure::new(http::describe(
                    &error,
                    &self.endpoint,
                    &self.endpoint_for_logs,
                    self.timeout,
                ))),
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
        tracing::error!(
            endpoint = %self.endpoint_for_logs,
            model = %self.model,
            status = status.as_u16(),
            message = %message,
            "embeddings server refused the request"
        );
        Attempt::Refused(DomainError::internal(format!(
            "the embeddings server at {} refused the request: {reason}",
            self.endpoint_for_logs
        )))
    }

    /// Checks a successful answer and puts its vectors in the order of the texts.
    fn parse(&self, body: &[u8], expected: usize) -> DomainResult<Vec<Vec<f32>>> {
        let answer: EmbeddingResponse = serde_json::from_slice(body).map_err(|e| {
            DomainError::internal_from("the embeddings server answered with malformed JSON", e)
        })?;
        if answer.data.len() != expected {
            return Err(DomainError::internal(format!(
                "the embeddings server answered with {} vectors for {expected} texts",
                answer.data.len()
            )));
        }
        let mut ordered: Vec<Option<Vec<f32>>> = vec![None; expected];
        for (position, item) in answer.data.into_iter().enumerate() {
            let index = item.index.unwrap_or(position);
            let slot = ordered.get_mut(index).ok_or_else(|| {
                DomainError::internal(format!(
                    "the embeddings server answered with index {index} for {expected} texts"
                ))
            })?;
            if slot.is_some() {
                return Err(DomainError::internal(format!(
                    "the embeddings server answered twice for index {index}"
                )));
            }
            *slot = Some(item.embedding);
        }
        // Every slot is filled: as many items as slots, none twice, none out of range.
        let vectors: Vec<Vec<f32>> = ordered.into_iter().flatten().collect();

        let length = vectors.first().map_or(0, Vec::len);
        if length == 0 {
            return Err(DomainError::internal(
                "the embeddings server answered with an empty vector",
            ));
        }
        if let Some(other) = vectors.iter().find(|v| v.len() != length) {
            return Err(DomainError::internal(format!(
                "the embeddings server answered with vectors of {length} and {} dimensions",
                other.len()
            )));
        }
        if vectors.iter().flatten().any(|x| !x.is_finite()) {
            return Err(DomainError::internal(
                "the embeddings server answered with a value that is not a finite number",
            ));
        }
        self.check_dimensions(length)?;
        Ok(vectors)
    }

    /// Checks `length` against the configured length, or learns it from the first answer.
    fn check_dimensions(&self, length: usize) -> DomainResult<()> {
        let expected = match self.configured_dimensions {
            Some(configured) => configured,
            None => match self.learned_dimensions.compare_exchange(
                0,
                length,
                Ordering::AcqRel,
                Ordering::Acquire,
            ) {
                Ok(_) => length,
                Err(learned) => learned,
            },
        };
        if length == expected {
            Ok(())
        } else {
            Err(DomainError::internal(format!(
                "model {} answered with {length} dimensions, expected {expected}",
                self.model
            )))
        }
    }
}

#[async_trait]
impl Embedder for OpenAiEmbedder {
    /// The configured model name, as sent to the server.
    fn model(&self) -> String {
        self.model.clone()
    }

    /// The configured length, or the length learned from the first answer: 0 until a call has
    /// succeeded when none was configured.
    fn dimensions(&self) -> usize {
        self.configured_dimensions
            .unwrap_or_else(|| self.learned_dimensions.load(Ordering::Acquire))
    }

    async fn embed(&self, texts: Vec<String>) -> DomainResult<Vec<Vec<f32>>> {
        if let Some(blank) = texts.iter().position(|text| text.trim().is_empty()) {
            return Err(DomainError::validation(
                format!("texts[{blank}]"),
                "an empty text cannot be embedded",
            ));
        }
        let mut vectors = Vec::with_capacity(texts.len());
        for batch in texts.chunks(self.batch_size) {
            vectors.extend(self.embed_batch(batch).await?);
        }
        Ok(vectors)
    }
}

#[derive(Serialize)]
struct EmbeddingRequest<'a> {
    model: &'a str,
    input: &'a [String],
}

/// The parts of an answer this client reads; servers add fields (`object`, `model`,
/// `usage`) that differ between them and are ignored.
#[derive(Deserialize)]
struct EmbeddingResponse {
    #[serde(default)]
    data: Vec<EmbeddingItem>,
}

#[derive(Deserialize)]
struct EmbeddingItem {
    /// The position of the text; some servers leave it out and list vectors in order.
    #[serde(default)]
    index: Option<usize>,
    embedding: Vec<f32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoint(base: &str) -> String {
        openai_endpoint(base, "embeddings", "base_url")
            .map(String::from)
            .unwrap()
    }

    #[test]
    fn base_urls_with_or_without_v1_reach_the_same_endpoint() {
        let expected = "http://localhost:11434/v1/embeddings";
        for base in [
            "http://localhost:11434",
            "http://localhost:11434/",
            "http://localhost:11434/v1",
            "http://localhost:11434/v1/",
            " http://localhost:11434/v1/embeddings ",
        ] {
            assert_eq!(endpoint(base), expected, "{base}");
        }
        assert_eq!(
            endpoint("https://gateway.example/openai/v1"),
            "https://gateway.example/openai/v1/embeddings"
        );
        assert_eq!(
            endpoint("https://gateway.example/openai?api-version=1#x"),
            "https://gateway.example/openai/v1/embeddings?api-version=1"
        );
    }

    #[test]
    fn base_urls_that_are_not_http_are_refused() {
        for base in [
            "",
            "localhost:11434",
            "ftp://host/v1",
            "not a url",
            "file:///v1",
        ] {
            let error = openai_endpoint(base, "embeddings", "base_url").unwrap_err();
            assert!(
                matches!(&error, DomainError::Validation { field, .. } if field == "base_url"),
                "{base}: {error:?}"
            );
        }
    }

    #[test]
    fn the_key_is_kept_out_of_debug_output() {
        let config = OpenAiEmbedderConfig {
            api_key: Some("sk-secret-123".into()),
            ..OpenAiEmbedderConfig::new("http://h", "m")
        };
        assert!(!format!("{config:?}").contains("sk-secret-123"));
    }
}
