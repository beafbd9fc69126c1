//! The HTTP plumbing the clients share: endpoints derived from a base URL, retries with
//! exponential backoff and jitter that honour `Retry-After`, and error messages that name the
//! endpoint without its credentials.

use std::future::Future;
use std::hash::BuildHasher;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use sophie_domain::error::{DomainError, DomainResult};

/// How many characters of a server's error message are kept.
const MAX_SERVER_MESSAGE_CHARS: usize = 300;

/// When and how often a failed request is tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RetryPolicy {
    /// Retries after the first attempt.
    pub max_retries: u32,
    /// The wait before the first retry; doubled for each later one.
    pub base_delay: Duration,
    /// The longest wait, and the longest `Retry-After` honoured.
    pub max_delay: Duration,
}

impl RetryPolicy {
    /// The wait before retry number `retries + 1`: exponential, capped, shortened by a random
    /// fraction of up to a half (jitter).
    pub(crate) fn backoff(&self, retries: u32) -> Duration {
        let factor = 2_u32.saturating_pow(retries);
        let ceiling = self.base_delay.saturating_mul(factor).min(self.max_delay);
        // A random fraction in [0.5, 1): std's randomly keyed hasher is enough for jitter.
        let random = std::collections::hash_map::RandomState::new().hash_one(retries);
        let fraction = 0.5 + (random >> 11) as f64 / (1_u64 << 53) as f64 / 2.0;
        ceiling.mul_f64(fraction)
    }
}

/// How one attempt went.
pub(crate) enum Attempt<T> {
    /// It worked.
    Done(T),
    /// A failure worth retrying.
    Failed(Failure),
    /// A refusal that retrying will not change.
    Refused(DomainError),
}

/// Why an attempt failed, and how long the server asked to wait.
pub(crate) struct Failure {
    pub reason: String,
    pub retry_after: Option<Duration>,
}

impl Failure {
    pub(crate) const fn new(reason: String) -> Self {
        Self {
            reason,
            retry_after: None,
        }
    }
}

/// Whether an answer with `status` is worth trying again: 408, 429 and 5xx.
pub(crate) fn is_transient(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
        || status.is_server_error()
}

/// Runs `attempt` until it is done or refused, retrying failures by `policy`; gives up with
/// `Unavailable` (`service`) after the last retry, or at once when the server asks to wait
/// longer than the policy's longest wait.
pub(crate) async fn with_retries<T, F, Fut>(
    policy: RetryPolicy,
    service: &'static str,
    endpoint_for_logs: &str,
    mut attempt: F,
) -> DomainResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Attempt<T>>,
{
    let unavailable = |message: String| DomainError::Unavailable { service, message };
    let mut retries = 0;
    loop {
        let failure = match attempt().await {
            Attempt::Done(value) => return Ok(value),
            Attempt::Refused(error) => return Err(error),
            Attempt::Failed(failure) => failure,
        };
        if retries >= policy.max_retries {
            tracing::warn!(
                endpoint = %endpoint_for_logs,
                attempts = retries + 1,
                reason = %failure.reason,
                "{service} server keeps failing; giving up"
            );
            return Err(unavailable(format!(
                "{} (after {} attempts)",
                failure.reason,
                retries + 1
            )));
        }
        let mut delay = policy.backoff(retries);
        if let Some(asked) = failure.retry_after {
            if asked > policy.max_delay {
                tracing::warn!(
                    endpoint = %endpoint_for_logs,
                    retry_after_seconds = asked.as_secs(),
                    "{service} server asks to wait longer than allowed; giving up"
                );
                return Err(unavailable(format!(
                    "{}; the server asks to wait {} s",
                    failure.reason,
                    asked.as_secs()
                )));
            }
            delay = delay.max(asked);
        }
        tracing::warn!(
            endpoint = %endpoint_for_logs,
            attempt = retries + 1,
            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
            reason = %failure.reason,
            "{service} request failed; retrying"
        );
        tokio::time::sleep(delay).await;
        retries += 1;
    }
}

/// The endpoint `suffix` (`embeddings`, `audio/transcriptions`) of an OpenAI-compatible
/// server at `base_url`: trailing slashes are ignored; a path that already ends in `/suffix`
/// is used as it is; a path that ends in `/v1` gets `/suffix`; any other path gets
/// `/v1/suffix`. A query string is kept.
///
/// # Errors
///
/// `Validation` on `field` when `base_url` is not an `http` or `https` URL with a host.
pub(crate) fn openai_endpoint(
    base_url: &str,
    suffix: &str,
    field: &'static str,
) -> DomainResult<Url> {
    let invalid = |message: String| DomainError::validation(field, message);
    let mut url = Url::parse(base_url.trim()).map_err(|e| invalid(format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(invalid(
            "must be an http or https URL with a host".to_owned(),
        ));
    }
    let path = url.path().trim_end_matches('/').to_owned();
    let path = if path.ends_with(&format!("/{suffix}")) {
        path
    } else if path.ends_with("/v1") {
        format!("{path}/{suffix}")
    } else {
        format!("{path}/v1/{suffix}")
    };
    url.set_path(&path);
    url.set_fragment(None);
    Ok(url)
}

/// `url` without user name or password, for messages and logs.
pub(crate) fn without_credentials(url: &Url) -> String {
    let mut url = url.clone();
    // Only fails for URLs that cannot have credentials, which then have none to hide.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.to_string()
}

/// `Retry-After` in seconds; the HTTP-date form is not read (the backoff applies instead).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    let seconds: f64 = value.parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(1e9)))
}

/// What went wrong with a request to `endpoint` (shown as `endpoint_for_logs`), for a
/// message: a timeout after `timeout`, a connection that failed, with the causes.
pub(crate) fn describe(
    error: &reqwest::Error,
    endpoint: &Url,
    endpoint_for_logs: &str,
    timeout: Duration,
) -> String {
    if error.is_timeout() {
        format!(
            "no answer from {endpoint_for_logs} within {} ms",
            timeout.as_millis()
        )
    } else {
        let mut text = if error.is_connect() {
            format!("cannot connect to {endpoint_for_logs}")
        } else {
            format!("request to {endpoint_for_logs} failed: {error}")
        };
        // The causes say why (refused, unknown host, reset, bad certificate).
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            text.push_str(": ");
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        // reqwest names the URL in its own message; keep credentials out of it.
        text.replace(endpoint.as_str(), endpoint_for_logs)
    }
}

/// The human part of an error body (`{"error": {"message": ..}}`, `{"error": ..}`,
/// `{"message": ..}`, `{"detail": ..}` or plain text), shortened, with `secret` masked.
pub(crate) fn server_message(body: String, secret: Option<&str>) -> String {
    let message = serde_json::from_str::<serde_json::Value>(&body)
        .ok()
        .and_then(|json| {
            let pick = |value: &serde_json::Value| match value {
                serde_json::Value::String(text) => Some(text.clone()),
                serde_json::Value::Null => None,
                other => other
                    .get("message")
                    .and_then(|m| m.as_str().map(str::to_owned)),
            };
            ["error", "message", "detail"]
                .iter()
                .find_map(|key| json.get(key).and_then(pick))
        })
        .unwrap_or(body);
    let mut message: String = message
        .trim()
        .chars()
        .take(MAX_SERVER_MESSAGE_CHARS)
        .collect();
    if let Some(secret) = secret.filter(|s| !s.is_empty()) {
        message = message.replace(secret, "<hidden>");
    }
    message
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn retry_after_reads_seconds_only() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("7"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(RETRY_AFTER, HeaderValue::from_static("0.5"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(500)));
        headers.insert(
            RETRY_AFTER,
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, HeaderValue::from_static("-3"));
        assert_eq!(retry_after(&headers), None);
    }

    #[test]
    fn server_messages_are_found_in_the_usual_shapes() {
        let cases = [
            (
                r#"{"error":{"message":"bad model","type":"x"}}"#,
                "bad model",
            ),
            (r#"{"error":"model not found"}"#, "model not found"),
            (r#"{"object":"error","message":"too long"}"#, "too long"),
            (r#"{"detail":"Not Found"}"#, "Not Found"),
            ("plain text failure\n", "plain text failure"),
        ];
        for (body, expected) in cases {
            assert_eq!(server_message(body.to_owned(), None), expected, "{body}");
        }
        let long = "x".repeat(1000);
        assert_eq!(
            server_message(long, None).chars().count(),
            MAX_SERVER_MESSAGE_CHARS
        );
    }

    #[test]
    fn server_messages_never_repeat_the_secret() {
        let message = server_message(
            r#"{"error":{"message":"Incorrect API key sk-secret-123"}}"#.into(),
            Some("sk-secret-123"),
        );
        assert_eq!(message, "Incorrect API key <hidden>");
    }

    #[test]
    fn backoff_doubles_up_to_the_ceiling_with_jitter() {
        let policy = RetryPolicy {
            max_retries: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        for (retries, ceiling_ms) in [
            (0, 100),
            (1, 200),
            (2, 400),
            (3, 800),
            (4, 1000),
            (40, 1000),
        ] {
            let ceiling = Duration::from_millis(ceiling_ms);
            for _ in 0..20 {
                let delay = policy.backoff(retries);
                assert!(
                    delay >= ceiling / 2 && delay <= ceiling,
                    "{retries}: {delay:?}"
                );
            }
        }
    }

    #[test]
    fn endpoints_are_derived_from_the_base_url_by_one_rule() {
        for (base, suffix, expected) in [
            (
                "http://localhost:11434",
                "embeddings",
                "http://localhost:11434/v1/embeddings",
            ),
            (
                "http://localhost:11434/v1/",
                "embeddings",
                "http://localhost:11434/v1/embeddings",
            ),
            (
                "http://h:8080/inference",
                "audio/transcriptions",
                "http://h:8080/inference/v1/audio/transcriptions",
            ),
            (
                "https://api.groq.com/openai/v1",
                "audio/transcriptions",
                "https://api.groq.com/openai/v1/audio/transcriptions",
            ),
            (
                "http://h/v1/audio/transcriptions",
                "audio/transcriptions",
                "http://h/v1/audio/transcriptions",
            ),
        ] {
            assert_eq!(
                openai_endpoint(base, suffix, "base_url").unwrap().as_str(),
                expected
            );
        }
        assert!(openai_endpoint("ftp://h", "embeddings", "base_url").is_err());
    }

    #[test]
    fn credentials_are_kept_out_of_logged_endpoints() {
        let url =
            openai_endpoint("https://user:pw@host.example/v1", "embeddings", "base_url").unwrap();
        assert_eq!(
            without_credentials(&url),
            "https://host.example/v1/embeddings"
        );
    }
}
