//! A [`WebFetcher`] that fetches the pages and files students import without ever being
//! turned against the server's own network.
//!
//! Every URL, and every redirect, is checked before anything is sent: `http` or `https`
//! only, no credentials, and every address of its host must be a public one (see
//! [`refusal`]). The connection then goes to an address that was checked: reqwest resolves
//! host names through the same check, and IP literals (which reqwest does not resolve) are
//! checked before sending. No proxy from the environment is used, redirects are followed
//! here rather than by reqwest, and the body and the time taken are capped.

mod charset;
mod guard;

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};
use sophie_domain::error::{DomainError, DomainResult};
use sophie_domain::ports::{FetchedResource, WebFetcher};
use url::Host;

pub use self::guard::refusal;
use crate::http::{self, Attempt, Failure, RetryPolicy, is_transient, with_retries};

/// The service named in [`DomainError::Unavailable`].
const SERVICE: &str = "web";
/// The field named in validation errors: the URL the student gave.
const FIELD: &str = "sourceUrl";
/// The field named when the allowed test addresses are not loopback addresses.
const ALLOW_FIELD: &str = "IMPORT_FETCH_ALLOW";
const MIB: usize = 1024 * 1024;
const USER_AGENT: &str = concat!(
    "sophie/",
    env!("CARGO_PKG_VERSION"),
    " (study platform; fetches a page a student asked to import)"
);
/// Web pages first, then PDF documents, then anything.
const ACCEPT: &str = "text/html, application/xhtml+xml;q=0.9, application/pdf;q=0.8, */*;q=0.5";

/// Resolves host names for the fetcher: the seam through which tests control DNS.
///
/// The fetcher resolves with it both to check a URL's host and when reqwest connects, so the
/// addresses connected to are addresses that were checked.
#[async_trait]
pub trait Resolve: Send + Sync {
    /// The socket addresses of `host` (a name, never an IP literal) at `port`.
    ///
    /// # Errors
    ///
    /// Any I/O error of the lookup (an unknown host, a failing DNS server).
    async fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>>;
}

/// The operating system's resolver, through tokio's `lookup_host`.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemResolver;

#[async_trait]
impl Resolve for SystemResolver {
    async fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        Ok(tokio::net::lookup_host((host, port)).await?.collect())
    }
}

/// The limits of a [`SafeFetcher`]. [`SafeFetcherConfig::default`] gives the values below.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SafeFetcherConfig {
    /// The largest body fetched, in bytes; a larger one is refused with `TooLarge`, before
    /// reading when the server declares its length. Default 10 MiB.
    pub max_bytes: usize,
    /// The longest a whole fetch may take, redirects and retries included; past it the fetch
    /// ends with `Unavailable`. Also bounds [`WebFetcher::check`]. Default 20 s.
    pub timeout: Duration,
    /// The most redirects followed; one more is refused. Default 5.
    pub max_redirects: u32,
    /// How many times a request is tried again (so at most `max_retries + 1` attempts per
    /// URL) when the connection fails or the server answers 408, 429 or 5xx. Default 2.
    pub max_retries: u32,
    /// The wait before the first retry; each later one waits twice as long, up to
    /// `retry_max_delay`, shortened by a random fraction of up to a half. Default 500 ms.
    pub retry_base_delay: Duration,
    /// The longest wait between two attempts, and the longest `Retry-After` honoured; a
    /// server that asks for more ends the fetch with `Unavailable`. Default 5 s.
    pub retry_max_delay: Duration,
    /// Loopback socket addresses (IP and port) that may be fetched although the address
    /// rule refuses them: for tests only, which serve pages on 127.0.0.1. Empty by default;
    /// [`SafeFetcher::new`] refuses any address that is not loopback.
    pub allow: Vec<SocketAddr>,
}

impl Default for SafeFetcherConfig {
    fn default() -> Self {
        Self {
            max_bytes: 10 * MIB,
            timeout: Duration::from_secs(20),
            max_redirects: 5,
            max_retries: 2,
            retry_base_delay: Duration::from_millis(500),
            retry_max_delay: Duration::from_secs(5),
            allow: Vec::new(),
        }
    }
}

/// The address decision shared by the URL check and the resolver reqwest connects through.
struct Guard {
    resolver: Arc<dyn Resolve>,
    allow: Vec<SocketAddr>,
}

impl Guard {
    /// Checks `url`'s host: an IP literal as it is, a name by every address it resolves to.
    async fn vet(&self, url: &Url) -> DomainResult<()> {
        let port = url
            .port_or_known_default()
            .ok_or_else(|| DomainError::validation(FIELD, "names no port"))?;
        let host = url
            .host()
            .ok_or_else(|| DomainError::validation(FIELD, "names no host"))?;
        let name = match host {
            Host::Ipv4(ip) => return self.judge(None, SocketAddr::new(ip.into(), port)),
            Host::Ipv6(ip) => return self.judge(None, SocketAddr::new(ip.into(), port)),
            Host::Domain(name) => name,
        };
        let addresses = self.resolver.resolve(name, port).await.map_err(|error| {
            DomainError::validation(FIELD, format!("the host {name} cannot be found: {error}"))
        })?;
        if addresses.is_empty() {
            return Err(DomainError::validation(
                FIELD,
                format!("the host {name} has no address"),
            ));
        }
        for address in addresses {
            // The connection goes to the URL's port whatever port the resolver reports.
            self.judge(Some(name), SocketAddr::new(address.ip(), port))?;
        }
        Ok(())
    }

    /// Refuses `address` (of host `name`, if it was resolved) unless it is public or allowed.
    fn judge(&self, name: Option<&str>, address: SocketAddr) -> DomainResult<()> {
        match refusal(address.ip()) {
            Some(_) if self.allow.contains(&address) => Ok(()),
            Some(reason) => Err(DomainError::validation(
                FIELD,
                refused(name, address.ip(), reason),
            )),
            None => Ok(()),
        }
    }
}

/// Why a fetch is refused, for the student.
fn refused(name: Option<&str>, ip: IpAddr, reason: &str) -> String {
    let what = match name {
        Some(name) => format!("{name} resolves to {ip}, which is {reason}"),
        None => format!("{ip} is {reason}"),
    };
    tracing::warn!(refused = %what, "refused to fetch a URL for an import");
    format!("{what}; sophie fetches only public web addresses")
}

/// The resolver reqwest connects through: the [`Guard`]'s resolver and address rule, so
/// that a name that resolves differently after the check is still refused.
struct CheckedResolver {
    guard: Arc<Guard>,
}

/// A connection refused by [`CheckedResolver`], found again in reqwest's error chain.
#[derive(Debug)]
struct RefusedAddress(String);

impl fmt::Display for RefusedAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RefusedAddress {}

impl reqwest::dns::Resolve for CheckedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let guard = Arc::clone(&self.guard);
        let name = name.as_str().to_owned();
        Box::pin(async move {
            let addresses = guard.resolver.resolve(&name, 0).await?;
            if addresses.is_empty() {
                return Err(io::Error::other(format!("the host {name} has no address")).into());
            }
            for address in &addresses {
                // reqwest does not say which port it connects to, so an allowed test address
                // is recognised by its IP here; its port was checked before sending.
                let allowed = || guard.allow.iter().any(|a| a.ip() == address.ip());
                if let Some(reason) = refusal(address.ip())
                    && !allowed()
                {
                    return Err(RefusedAddress(refused(Some(&name), address.ip(), reason)).into());
                }
            }
            // Port 0: reqwest puts the URL's port in its place.
            let addresses: reqwest::dns::Addrs = Box::new(
                addresses
                    .into_iter()
                    .map(|address| SocketAddr::new(address.ip(), 0)),
            );
            Ok(addresses)
        })
    }
}

/// A [`WebFetcher`] that refuses every address but public ones.
///
/// Built from a [`SafeFetcherConfig`]; see [`refusal`] for the address rule. Failures map to:
///
/// - `Validation` on `sourceUrl`: not an `http` or `https` URL, credentials in it, no host, a
///   host that does not resolve, an address refused (naming it and why), a redirect refused
///   the same way, more than `max_redirects` redirects, or a client error other than 404,
///   408, 410 and 429 (naming the status);
/// - `NotFound` (`"web page"`): 404 or 410;
/// - `TooLarge` on `sourceUrl`: a body larger than `max_bytes`;
/// - `Unavailable` (`"web"`): the fetch (or a check's lookup) took longer than `timeout`, or
///   the connection failed or the server answered 408, 429 or 5xx after `max_retries`
///   retries, or asked with `Retry-After` to wait longer than `retry_max_delay`.
///
/// Only 301, 302, 303, 307 and 308 answers with a `Location` are followed, each with a
/// `GET`; other 3xx answers are refused like client errors.
pub struct SafeFetcher {
    client: reqwest::Client,
    guard: Arc<Guard>,
    max_bytes: usize,
    timeout: Duration,
    max_redirects: u32,
    retry: RetryPolicy,
}

impl fmt::Debug for SafeFetcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SafeFetcher")
            .field("max_bytes", &self.max_bytes)
            .field("timeout", &self.timeout)
            .field("max_redirects", &self.max_redirects)
            .field("retry", &self.retry)
            .field("allow", &self.guard.allow)
            .finish_non_exhaustive()
    }
}

/// What one URL answered: the page, or where it redirects to (already checked for its
/// scheme, credentials and host).
enum Answer {
    Page(FetchedResource),
    Redirect(Url),
}

impl SafeFetcher {
    /// A fetcher with `config` that resolves names with the operating system's resolver.
    ///
    /// # Errors
    ///
    /// As [`SafeFetcher::with_resolver`].
    pub fn new(config: SafeFetcherConfig) -> DomainResult<Self> {
        Self::with_resolver(config, Arc::new(SystemResolver))
    }

    /// A fetcher with `config` that resolves names with `resolver`, both to check them and
    /// to connect.
    ///
    /// # Errors
    ///
    /// `Validation` on `IMPORT_FETCH_ALLOW` when an allowed address is not a loopback
    /// address, on `max_bytes` when it is 0; `Internal` when the HTTP client cannot be built.
    pub fn with_resolver(
        config: SafeFetcherConfig,
        resolver: Arc<dyn Resolve>,
    ) -> DomainResult<Self> {
        if let Some(address) = config.allow.iter().find(|a| !a.ip().is_loopback()) {
            return Err(DomainError::validation(
                ALLOW_FIELD,
                format!(
                    "{address} is not a loopback address; only loopback addresses may be allowed, for tests"
                ),
            ));
        }
        if config.max_bytes == 0 {
            return Err(DomainError::validation("max_bytes", "must be at least 1"));
        }
        if !config.allow.is_empty() {
            tracing::warn!(
                allow = ?config.allow,
                "the web fetcher may fetch these loopback addresses; meant for tests only"
            );
        }
        let guard = Arc::new(Guard {
            resolver,
            allow: config.allow,
        });
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_static(ACCEPT));
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(CheckedResolver {
                guard: Arc::clone(&guard),
            }))
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .default_headers(headers)
            .build()
            .map_err(|e| DomainError::internal_from("cannot build the web client", e))?;
        Ok(Self {
            client,
            guard,
            max_bytes: config.max_bytes,
            timeout: config.timeout,
            max_redirects: config.max_redirects,
            retry: RetryPolicy {
                max_retries: config.max_retries,
                base_delay: config.retry_base_delay,
                max_delay: config.retry_max_delay,
            },
        })
    }

    /// Fetches `url` and the redirects it leads to, each checked before it is sent.
    async fn follow(&self, mut url: Url) -> DomainResult<FetchedResource> {
        let mut redirects = 0;
        loop {
            self.guard.vet(&url).await?;
            let for_logs = url.to_string();
            let answer =
                with_retries(self.retry, SERVICE, &for_logs, || self.attempt(&url)).await?;
            match answer {
                Answer::Page(page) => return Ok(page),
                Answer::Redirect(next) => {
                    if redirects >= self.max_redirects {
                        return Err(DomainError::validation(
                            FIELD,
                            format!("the page redirects more than {} times", self.max_redirects),
                        ));
                    }
                    redirects += 1;
                    url = next;
                }
            }
        }
    }

    /// One request to `url` and how it went.
    async fn attempt(&self, url: &Url) -> Attempt<Answer> {
        let response = match self.client.get(url.clone()).send().await {
            Ok(response) => response,
            Err(error) => return self.failed(&error, url),
        };
        let status = response.status();
        if status.is_success() {
            return self.read(url, response).await;
        }
        if matches!(
            status,
            StatusCode::MOVED_PERMANENTLY
                | StatusCode::FOUND
                | StatusCode::SEE_OTHER
                | StatusCode::TEMPORARY_REDIRECT
                | StatusCode::PERMANENT_REDIRECT
        ) {
            return match redirect_target(url, response.headers(), status) {
                Ok(next) => Attempt::Done(Answer::Redirect(next)),
                Err(error) => Attempt::Refused(error),
            };
        }
        if status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
            return Attempt::Refused(DomainError::not_found("web page"));
        }
        if is_transient(status) {
            return Attempt::Failed(Failure {
                reason: format!("{url} answered {}", status_text(status)),
                retry_after: http::retry_after(response.headers()),
            });
        }
        Attempt::Refused(DomainError::validation(
            FIELD,
            format!("the page answered {}", status_text(status)),
        ))
    }

    /// A request that failed before an answer: refused by the checking resolver (the name
    /// resolved to another address than when it was checked), or worth retrying.
    fn failed(&self, error: &reqwest::Error, url: &Url) -> Attempt<Answer> {
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            if let Some(refused) = cause.downcast_ref::<RefusedAddress>() {
                return Attempt::Refused(DomainError::validation(FIELD, refused.0.clone()));
            }
            source = cause.source();
        }
        Attempt::Failed(Failure::new(http::describe(
            error,
            url,
            url.as_str(),
            self.timeout,
        )))
    }

    /// Reads a successful answer's body, at most `max_bytes` of it.
    async fn read(&self, url: &Url, mut response: reqwest::Response) -> Attempt<Answer> {
        if let Some(length) = response.content_length()
            && length > self.max_bytes as u64
        {
            return Attempt::Refused(self.too_large());
        }
        let (content_type, charset) = media_type(response.headers());
        let expected = response
            .content_length()
            .and_then(|length| usize::try_from(length).ok())
            .unwrap_or(0);
        let mut bytes = Vec::with_capacity(expected);
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > self.max_bytes {
                        return Attempt::Refused(self.too_large());
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => return self.failed(&error, url),
            }
        }
        let (charset, bytes) = charset::to_utf8(content_type.as_deref(), charset, bytes);
        Attempt::Done(Answer::Page(FetchedResource {
            url: url.to_string(),
            content_type,
            charset,
            bytes,
        }))
    }

    fn too_large(&self) -> DomainError {
        DomainError::TooLarge {
            field: FIELD.to_owned(),
            message: format!(
                "the page is larger than the {} limit of an import",
                size_text(self.max_bytes)
            ),
        }
    }

    /// `action` within the fetcher's time limit; past it, `Unavailable`.
    async fn within_time<T>(
        &self,
        action: impl Future<Output = DomainResult<T>>,
    ) -> DomainResult<T> {
        tokio::time::timeout(self.timeout, action)
            .await
            .unwrap_or_else(|_| {
                Err(DomainError::Unavailable {
                    service: SERVICE,
                    message: format!("no answer within {}", duration_text(self.timeout)),
                })
            })
    }
}

#[async_trait]
impl WebFetcher for SafeFetcher {
    async fn check(&self, url: String) -> DomainResult<()> {
        let url = parse(&url)?;
        self.within_time(self.guard.vet(&url)).await
    }

    async fn fetch(&self, url: String) -> DomainResult<FetchedResource> {
        let url = parse(&url)?;
        self.within_time(self.follow(url)).await
    }
}

/// The URL a student gave, if it is one sophie may fetch (its addresses aside).
fn parse(text: &str) -> DomainResult<Url> {
    let url = Url::parse(text.trim())
        .map_err(|e| DomainError::validation(FIELD, format!("not a web address: {e}")))?;
    fetchable(url)
}

/// `url` if its scheme is `http` or `https`, it has no credentials and it names a host.
fn fetchable(url: Url) -> DomainResult<Url> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(DomainError::validation(
            FIELD,
            format!(
                "sophie fetches only http and https addresses, not {}:",
                url.scheme()
            ),
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(DomainError::validation(
            FIELD,
            "an address with a user name or password is not fetched",
        ));
    }
    if url.host().is_none() {
        return Err(DomainError::validation(FIELD, "names no host"));
    }
    Ok(url)
}

/// Where a redirect from `url` leads, checked like the first URL (its addresses aside).
fn redirect_target(url: &Url, headers: &HeaderMap, status: StatusCode) -> DomainResult<Url> {
    let location = headers
        .get(header::LOCATION)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| {
            DomainError::validation(
                FIELD,
                format!(
                    "the page answered {} without a readable Location",
                    status_text(status)
                ),
            )
        })?;
    let next = url.join(location.trim()).map_err(|e| {
        DomainError::validation(FIELD, format!("the page redirects to a bad address: {e}"))
    })?;
    fetchable(next).map_err(|error| match error {
        DomainError::Validation { field, message } => DomainError::Validation {
            field,
            message: format!("the page redirects to an address that is refused: {message}"),
        },
        other => other,
    })
}

/// The media type (lowercased, without parameters) and charset of an answer.
fn media_type(headers: &HeaderMap) -> (Option<String>, Option<String>) {
    let Some(value) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
    else {
        return (None, None);
    };
    let mut parts = value.split(';');
    let media_type = parts
        .next()
        .map(|part| part.trim().to_ascii_lowercase())
        .filter(|part| !part.is_empty());
    let charset = parts
        .filter_map(|parameter| parameter.split_once('='))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("charset"))
        .map(|(_, value)| value.trim().trim_matches('"').trim().to_ascii_lowercase())
        .filter(|charset| !charset.is_empty());
    (media_type, charset)
}

/// `403 Forbidden`, or the bare code when it has no standard reason.
fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// `10 MiB`, `1.5 MiB`, or bytes below 1 MiB.
fn size_text(bytes: usize) -> String {
    if bytes >= MIB {
        let mib = format!("{:.2}", bytes as f64 / MIB as f64);
        format!("{} MiB", mib.trim_end_matches('0').trim_end_matches('.'))
    } else {
        format!("{bytes} bytes")
    }
}

/// `20 s`, or milliseconds when the duration is not a whole number of seconds.
fn duration_text(duration: Duration) -> String {
    if duration.subsec_nanos() == 0 {
        format!("{} s", duration.as_secs())
    } else {
        format!("{} ms", duration.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_types_are_lowercased_and_charsets_read() {
        let mut headers = HeaderMap::new();
        assert_eq!(media_type(&headers), (None, None));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("Text/HTML; Charset=\"UTF-8\""),
        );
        assert_eq!(
            media_type(&headers),
            (Some("text/html".into()), Some("utf-8".into()))
        );
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/pdf"),
        );
        assert_eq!(media_type(&headers), (Some("application/pdf".into()), None));
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; format=flowed; charset=iso-8859-1"),
        );
        assert_eq!(
            media_type(&headers),
            (Some("text/plain".into()), Some("iso-8859-1".into()))
        );
    }

    #[test]
    fn limits_are_named_for_people() {
        assert_eq!(size_text(10 * MIB), "10 MiB");
        assert_eq!(size_text(3 * MIB / 2), "1.5 MiB");
        assert_eq!(size_text(1000), "1000 bytes");
        assert_eq!(duration_text(Duration::from_secs(20)), "20 s");
        assert_eq!(duration_text(Duration::from_millis(300)), "300 ms");
        assert_eq!(status_text(StatusCode::FORBIDDEN), "403 Forbidden");
    }
}
