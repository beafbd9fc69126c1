//! The port to the web: fetching a page or a file that a student asked to import, safely.

use async_trait::async_trait;

use crate::error::DomainResult;

/// What a web server answered for an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FetchedResource {
    /// The URL it was finally served from, after any redirects.
    pub url: String,
    /// The media type the server declared, lowercased and without its parameters
    /// (`text/html`), if it declared one.
    pub content_type: Option<String>,
    /// The body's charset: `utf-8` for text, which the fetcher turns into UTF-8 whatever it
    /// was served in; for anything else, the charset the server declared, if any.
    pub charset: Option<String>,
    /// The body, at most the fetcher's limit.
    pub bytes: Vec<u8>,
}

/// Fetches URLs given by students, refusing what a server must never reach on their behalf.
///
/// Only `http` and `https` URLs are fetched. The host is resolved, and the fetch is refused
/// when any of its addresses is loopback, private, link-local, multicast, unspecified,
/// reserved or a cloud metadata address; the connection then goes to an address that was
/// checked, never to a second resolution. Every redirect (at most 5) is checked the same
/// way. The body and the time taken are capped.
#[cfg_attr(feature = "mock", mockall::automock)]
#[async_trait]
pub trait WebFetcher: Send + Sync {
    /// Checks that `url` would be fetched: its scheme, and every address its host resolves
    /// to. Nothing is sent to the host.
    ///
    /// # Errors
    ///
    /// `Validation` on `sourceUrl` naming why it is refused (not http or https, an address
    /// inside a private network, a host that does not resolve).
    async fn check(&self, url: String) -> DomainResult<()>;

    /// Fetches `url`, following at most 5 redirects, each checked like `url`.
    ///
    /// # Errors
    ///
    /// - `Validation` on `sourceUrl`: refused (as [`WebFetcher::check`]), too many
    ///   redirects, or answered with a client error other than not found (naming the status);
    /// - `NotFound` (`"web page"`): answered 404 or 410;
    /// - `TooLarge` on `sourceUrl`: the body is larger than the limit;
    /// - `Unavailable` (`"web"`): no answer in time, a connection that failed, a server
    ///   error or 429, after the fetcher's own retries (worth retrying later).
    async fn fetch(&self, url: String) -> DomainResult<FetchedResource>;
}
