//! A client of YouTube's captions, the way the open-source transcript tools read them: the
//! watch page gives the player API's key, the player API lists the caption tracks, and the
//! chosen track is fetched as timedtext XML.

mod player;
mod timedtext;

use std::time::Duration;

use async_trait::async_trait;
use reqwest::header::{ACCEPT_LANGUAGE, COOKIE};
use reqwest::{RequestBuilder, Url};
use serde_json::json;
use sophie_domain::error::{DomainError, DomainResult};
use sophie_domain::ports::{Transcript, VideoTranscript, VideoTranscripts};

use crate::http::{self, Attempt, Failure, RetryPolicy, is_transient, with_retries};

use self::player::PlayerAnswer;

/// The service named in [`DomainError::Unavailable`].
const SERVICE: &str = "YouTube";

/// Accepts YouTube's cookie consent, so that the EU consent page is not served instead of
/// the watch page.
const CONSENT_COOKIE: &str = "CONSENT=YES+cb; SOCS=CAI";

/// The client the player API is asked as: its answers list caption tracks whose addresses
/// need no proof-of-origin token.
const PLAYER_CLIENT_NAME: &str = "ANDROID";

/// The version of [`PLAYER_CLIENT_NAME`] sent.
const PLAYER_CLIENT_VERSION: &str = "20.10.38";

/// The largest answer read (a watch page is 1 to 2 MB, a caption track rarely over 1 MB).
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

/// Where and how to reach YouTube.
///
/// [`YouTubeConfig::default`] gives the defaults below; change the fields that differ.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YouTubeConfig {
    /// YouTube's address: `/watch`, `/youtubei/v1/player` are requested under it. Default
    /// `https://www.youtube.com`.
    pub base_url: String,
    /// The caption languages wanted, most wanted first, as codes (`en`, `de`, `pt-BR`); a
    /// code also finds the same language in another region (`en` finds `en-GB`). When none
    /// of them has a track, the first track listed is read. Default `["en"]`.
    pub languages: Vec<String>,
    /// The longest one request may take, connecting and reading included. Default 20 s.
    pub timeout: Duration,
    /// How many times a failed request is tried again (so at most `max_retries + 1` attempts
    /// of each request) when YouTube cannot be reached, times out, answers 408 or 429, or
    /// fails with a 5xx status. Default 2.
    pub max_retries: u32,
    /// The wait before the first retry; each later retry waits twice as long, up to
    /// `retry_max_delay`, and every wait is shortened by a random fraction of up to a half
    /// (jitter). Default 500 ms.
    pub retry_base_delay: Duration,
    /// The longest wait between two attempts. A `Retry-After` (in seconds) asking for a
    /// longer wait than the backoff is honoured up to this limit; one that asks for more
    /// ends the call at once with `Unavailable`. Default 30 s.
    pub retry_max_delay: Duration,
}

impl Default for YouTubeConfig {
    fn default() -> Self {
        Self {
            base_url: "https://www.youtube.com".to_owned(),
            languages: vec!["en".to_owned()],
            timeout: Duration::from_secs(20),
            max_retries: 2,
            retry_base_delay: Duration::from_millis(500),
            retry_max_delay: Duration::from_secs(30),
        }
    }
}

/// A [`VideoTranscripts`] that reads YouTube's own captions.
///
/// For a video it makes three requests, each retried on its own by the configured policy:
///
/// 1. `GET {base}/watch?v={id}&hl=en`, with a cookie accepting YouTube's consent; the page's
///    `INNERTUBE_API_KEY` is read from it.
/// 2. `POST {base}/youtubei/v1/player?key={key}` as the `ANDROID` client: whether the video
///    can be watched, its title and length, and its caption tracks.
/// 3. `GET` of the chosen track's address, without its `fmt` parameter so that the classic
///    timedtext XML comes back (srv3 is read too). Only an address on the origin of
///    `base_url`, or on `youtube.com` or one of its subdomains over https, is fetched.
///
/// Tracks written by people are chosen over automatic ones, and within each the languages of
/// [`YouTubeConfig::languages`] in order (see [`YouTubeConfig`]). Failures map to:
///
/// - `NotFound` (`"video"`) for an id that is not 11 letters, digits, `-` or `_` (nothing is
///   sent), or when the player says the video cannot be watched (`ERROR`, `LOGIN_REQUIRED`,
///   `UNPLAYABLE` and any other status but `OK`; the reason is logged);
/// - `NotFound` (`"captions"`) when the video has no caption track, or its track has no text;
/// - `Unavailable` (`"YouTube"`) when YouTube cannot be reached, times out or keeps answering
///   408, 429 or 5xx after the retries; when it refuses the request: another 4xx or a
///   redirect (redirects are not followed), a watch page with a reCAPTCHA, a consent form or
///   no API key, a player that asks to sign in to prove one is not a bot, an empty track;
/// - `Internal` for an answer that cannot be read (the player's JSON, the track's XML), an
///   answer larger than 16 MiB, and a track address on a host that is not YouTube.
#[derive(Debug)]
pub struct YouTubeCaptions {
    client: reqwest::Client,
    /// `base_url` parsed, without a trailing slash in its path.
    base: Url,
    languages: Vec<String>,
    timeout: Duration,
    policy: RetryPolicy,
}

impl YouTubeCaptions {
    /// A client configured by `config`. Nothing is sent until the first call.
    ///
    /// # Errors
    ///
    /// `Validation` on `YOUTUBE_BASE_URL` when `base_url` is not an `http` or `https` URL with
    /// a host; `Internal` when the HTTP client cannot be built.
    pub fn new(config: YouTubeConfig) -> DomainResult<Self> {
        let invalid = |message: String| DomainError::validation("YOUTUBE_BASE_URL", message);
        let mut base =
            Url::parse(config.base_url.trim()).map_err(|e| invalid(format!("not a URL: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") || base.host_str().is_none() {
            return Err(invalid(
                "must be an http or https URL with a host".to_owned(),
            ));
        }
        let path = base.path().trim_end_matches('/').to_owned();
        base.set_path(&path);
        base.set_query(None);
        base.set_fragment(None);
        let languages = config
            .languages
            .into_iter()
            .map(|language| language.trim().to_owned())
            .filter(|language| !language.is_empty())
            .collect();
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sophie/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| DomainError::internal_from("cannot build the YouTube client", e))?;
        Ok(Self {
            client,
            base,
            languages,
            timeout: config.timeout,
            policy: RetryPolicy {
                max_retries: config.max_retries,
                base_delay: config.retry_base_delay,
                max_delay: config.retry_max_delay,
            },
        })
    }

    /// The address requests are made under, as configured.
    #[must_use]
    pub const fn base_url(&self) -> &Url {
        &self.base
    }

    /// `{base}{path}`.
    fn endpoint(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.set_path(&format!("{}{path}", self.base.path().trim_end_matches('/')));
        url
    }

    /// The player API's key, read from the video's watch page.
    async fn api_key(&self, video_id: &str) -> DomainResult<String> {
        let mut url = self.endpoint("/watch");
        url.query_pairs_mut()
            .append_pair("v", video_id)
            .append_pair("hl", "en");
        let page = self
            .request(&url, || {
                self.client
                    .get(url.clone())
                    .header(COOKIE, CONSENT_COOKIE)
                    .header(ACCEPT_LANGUAGE, "en-US,en;q=0.9")
            })
            .await?;
        let refused = |why: &str| {
            tracing::warn!(
                video_id,
                why,
                "YouTube refused the request for a watch page"
            );
            DomainError::Unavailable {
                service: SERVICE,
                message: format!("YouTube refused the request: {why}"),
            }
        };
        if page.contains("class=\"g-recaptcha\"") {
            return Err(refused("the watch page asks for a reCAPTCHA"));
        }
        if let Some(key) = innertube_api_key(&page) {
            return Ok(key.to_owned());
        }
        if page.contains("action=\"https://consent.youtube.com/s\"") {
            return Err(refused("the watch page asks for cookie consent"));
        }
        Err(refused("the watch page has no API key"))
    }

    /// What the player API says about the video.
    async fn player(&self, video_id: &str, key: &str) -> DomainResult<PlayerAnswer> {
        let mut url = self.endpoint("/youtubei/v1/player");
        url.query_pairs_mut().append_pair("key", key);
        let body = json!({
            "context": {
                "client": {
                    "clientName": PLAYER_CLIENT_NAME,
                    "clientVersion": PLAYER_CLIENT_VERSION,
                }
            },
            "videoId": video_id,
        });
        let answer = self
            .request(&url, || {
                self.client
                    .post(url.clone())
                    .header(COOKIE, CONSENT_COOKIE)
                    .header(ACCEPT_LANGUAGE, "en-US,en;q=0.9")
                    .json(&body)
            })
            .await?;
        serde_json::from_str(&answer).map_err(|e| {
            DomainError::internal_from("YouTube's player answered with malformed JSON", e)
        })
    }

    /// The address of a track as the player lists it, checked and without its `fmt`.
    ///
    /// # Errors
    ///
    /// `Internal` when it is not a URL, or not on the configured origin nor on YouTube over
    /// https.
    fn track_url(&self, listed: &str) -> DomainResult<Url> {
        let mut url = self.base.join(listed).map_err(|e| {
            DomainError::internal(format!(
                "YouTube listed a caption track at an address that is not a URL: {e}"
            ))
        })?;
        let on_youtube = url.scheme() == "https"
            && url
                .host_str()
                .is_some_and(|host| host == "youtube.com" || host.ends_with(".youtube.com"));
        let same_origin = url.origin() == self.base.origin();
        let no_credentials = url.username().is_empty() && url.password().is_none();
        if !(on_youtube || same_origin) || !no_credentials {
            tracing::error!(
                track = %for_logs(&url),
                "YouTube listed a caption track outside YouTube; not fetched"
            );
            return Err(DomainError::internal(format!(
                "YouTube listed a caption track at {}, which is not YouTube; not fetched",
                for_logs(&url)
            )));
        }
        if let Some(query) = url.query() {
            // Cut by hand rather than re-encoded, so the signed parameters stay as written.
            let kept: Vec<&str> = query
                .split('&')
                .filter(|pair| pair.split('=').next() != Some("fmt"))
                .collect();
            let kept = kept.join("&");
            url.set_query((!kept.is_empty()).then_some(kept.as_str()));
        }
        url.set_fragment(None);
        Ok(url)
    }

    /// The body of a successful answer to the request `build` makes for `url`, with retries.
    async fn request(&self, url: &Url, build: impl Fn() -> RequestBuilder) -> DomainResult<String> {
        let url_for_logs = for_logs(url);
        with_retries(self.policy, SERVICE, &url_for_logs, || {
            self.attempt(build(), url, &url_for_logs)
        })
        .await
    }

    /// One request and how it went.
    async fn attempt(
        &self,
        request: RequestBuilder,
        url: &Url,
        url_for_logs: &str,
    ) -> Attempt<String> {
        let failed = |error: &reqwest::Error| {
            Attempt::Failed(Failure::new(http::describe(
                error,
                url,
                url_for_logs,
                self.timeout,
            )))
        };
        let mut response = match request.send().await {
            Ok(response) => response,
            Err(error) => return failed(&error),
        };
        let status = response.status();
        if status.is_success() {
            let mut body = Vec::new();
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        if body.len() + chunk.len() > MAX_BODY_BYTES {
                            return Attempt::Refused(DomainError::internal(format!(
                                "YouTube answered {url_for_logs} with more than {} MiB",
                                MAX_BODY_BYTES / 1024 / 1024
                            )));
                        }
                        body.extend_from_slice(&chunk);
                    }
                    Ok(None) => break,
                    Err(error) => return failed(&error),
                }
            }
            return Attempt::Done(String::from_utf8_lossy(&body).into_owned());
        }
        let retry_after = http::retry_after(response.headers());
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let reason = format!("HTTP {status}");
        if is_transient(status) {
            return Attempt::Failed(Failure {
                reason,
                retry_after,
            });
        }
        let reason = match location {
            Some(location) if status.is_redirection() => {
                format!("{reason}, a redirect to {location} (not followed)")
            }
            _ => reason,
        };
        tracing::warn!(
            url = %url_for_logs,
            status = status.as_u16(),
            "YouTube refused the request"
        );
        Attempt::Refused(DomainError::Unavailable {
            service: SERVICE,
            message: format!("YouTube refused the request to {url_for_logs}: {reason}"),
        })
    }
}

#[async_trait]
impl VideoTranscripts for YouTubeCaptions {
    async fn fetch(&self, video_id: String) -> DomainResult<VideoTranscript> {
        if !is_video_id(&video_id) {
            return Err(DomainError::not_found("video"));
        }
        let key = self.api_key(&video_id).await?;
        let answer = self.player(&video_id, &key).await?;
        check_playable(&video_id, &answer)?;

        let Some(track) = player::choose(answer.tracks(), &self.languages) else {
            tracing::info!(video_id, "the video has no captions");
            return Err(DomainError::not_found("captions"));
        };
        let listed = track.base_url.as_deref().unwrap_or_default();
        let url = self.track_url(listed)?;
        tracing::debug!(
            video_id,
            language = track.language(),
            name = %track.display_name(),
            automatic = track.automatic(),
            "reading a caption track"
        );
        let xml = self.request(&url, || self.client.get(url.clone())).await?;
        if xml.trim().is_empty() {
            tracing::warn!(video_id, "YouTube answered with an empty caption track");
            return Err(DomainError::Unavailable {
                service: SERVICE,
                message: "YouTube refused the request: the caption track is empty".to_owned(),
            });
        }
        let segments = timedtext::parse(&xml).map_err(|why| {
            DomainError::internal(format!(
                "YouTube's caption track of video {video_id} cannot be read: {why}"
            ))
        })?;
        if segments.is_empty() {
            tracing::info!(video_id, "the video's caption track has no text");
            return Err(DomainError::not_found("captions"));
        }
        let duration = answer.length_seconds().or_else(|| {
            segments
                .iter()
                .map(|segment| segment.end_seconds)
                .reduce(f64::max)
        });
        let text = segments
            .iter()
            .map(|segment| segment.text.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(VideoTranscript {
            title: answer.title(),
            automatic: track.automatic(),
            transcript: Transcript {
                text,
                segments,
                language: Some(track.language().to_owned()).filter(|l| !l.is_empty()),
                duration_seconds: duration,
            },
            video_id,
        })
    }
}

/// Refuses a video the player says cannot be watched.
fn check_playable(video_id: &str, answer: &PlayerAnswer) -> DomainResult<()> {
    let Some(playability) = &answer.playability_status else {
        return Err(DomainError::internal(
            "YouTube's player answered without a playability status",
        ));
    };
    let status = playability.status.as_deref().unwrap_or_default();
    if status == "OK" {
        return Ok(());
    }
    let reason = playability.reason.as_deref().unwrap_or_default();
    if status == "LOGIN_REQUIRED" && reason.contains("not a bot") {
        tracing::warn!(video_id, reason, "YouTube asks to prove this is not a bot");
        return Err(DomainError::Unavailable {
            service: SERVICE,
            message: format!("YouTube refused the request: {reason}"),
        });
    }
    tracing::info!(video_id, status, reason, "the video cannot be watched");
    Err(DomainError::not_found("video"))
}

/// The value of `"INNERTUBE_API_KEY":"…"` in a watch page, if it is a plausible key.
fn innertube_api_key(page: &str) -> Option<&str> {
    const NAME: &str = "\"INNERTUBE_API_KEY\"";
    let mut rest = page;
    while let Some(at) = rest.find(NAME) {
        rest = &rest[at + NAME.len()..];
        let Some(value) = rest
            .trim_start()
            .strip_prefix(':')
            .map(str::trim_start)
            .and_then(|value| value.strip_prefix('"'))
        else {
            continue;
        };
        let end = value.find('"')?;
        let key = &value[..end];
        if !key.is_empty()
            && key
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        {
            return Some(key);
        }
    }
    None
}

/// Whether `id` has the shape of a video id: 11 letters, digits, `-` or `_`.
fn is_video_id(id: &str) -> bool {
    id.len() == 11
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `url` without credentials, query or fragment, for messages and logs: the query holds the
/// API key and the track's signature.
fn for_logs(url: &Url) -> String {
    let mut url = url.clone();
    url.set_query(None);
    url.set_fragment(None);
    http::without_credentials(&url)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn client(base: &str) -> YouTubeCaptions {
        YouTubeCaptions::new(YouTubeConfig {
            base_url: base.to_owned(),
            ..YouTubeConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn the_key_is_read_from_the_page() {
        let page = r#"<script>ytcfg.set({"INNERTUBE_API_KEY": "AIzaSy_Key-1","X":1});</script>"#;
        assert_eq!(innertube_api_key(page), Some("AIzaSy_Key-1"));
        assert_eq!(
            innertube_api_key(r#""INNERTUBE_API_KEY":"AIza""#),
            Some("AIza")
        );
        assert_eq!(innertube_api_key(r#""INNERTUBE_API_KEY":"""#), None);
        assert_eq!(innertube_api_key(r#""INNERTUBE_API_KEY":"a b""#), None);
        assert_eq!(
            innertube_api_key(r#""INNERTUBE_API_KEY":"unterminated"#),
            None
        );
        assert_eq!(
            innertube_api_key(r#""INNERTUBE_API_KEY_X" "INNERTUBE_API_KEY":"k2""#),
            Some("k2")
        );
        assert_eq!(innertube_api_key("<html>nothing</html>"), None);
    }

    #[test]
    fn track_addresses_must_be_youtube_or_the_configured_origin() {
        let youtube = client("https://www.youtube.com/");
        for listed in [
            "https://www.youtube.com/api/timedtext?v=x&lang=en",
            "https://youtube.com/api/timedtext?v=x",
            "https://m.youtube.com/api/timedtext?v=x",
            "/api/timedtext?v=x",
        ] {
            assert!(youtube.track_url(listed).is_ok(), "{listed}");
        }
        for listed in [
            "http://www.youtube.com/api/timedtext?v=x",
            "https://www.youtube.com.evil.example/api/timedtext",
            "https://evilyoutube.com/api/timedtext",
            "//127.0.0.1/api/timedtext",
            "https://user:pw@www.youtube.com/api/timedtext",
            "file:///etc/passwd",
        ] {
            assert!(
                matches!(youtube.track_url(listed), Err(DomainError::Internal { .. })),
                "{listed}"
            );
        }
        let local = client("http://127.0.0.1:8080");
        assert!(
            local
                .track_url("http://127.0.0.1:8080/api/timedtext")
                .is_ok()
        );
        assert!(
            local
                .track_url("http://127.0.0.1:8081/api/timedtext")
                .is_err()
        );
        assert!(
            local
                .track_url("https://127.0.0.1:8080/api/timedtext")
                .is_err()
        );
    }

    #[test]
    fn the_format_parameter_is_dropped() {
        let youtube = client("https://www.youtube.com");
        let url = youtube
            .track_url("https://www.youtube.com/api/timedtext?v=x&fmt=srv3&lang=en&kind=asr")
            .unwrap();
        assert_eq!(
            url.as_str(),
            "https://www.youtube.com/api/timedtext?v=x&lang=en&kind=asr"
        );
        let url = youtube
            .track_url("https://www.youtube.com/api/timedtext?fmt=json3")
            .unwrap();
        assert_eq!(url.as_str(), "https://www.youtube.com/api/timedtext");
        let untouched = "https://www.youtube.com/api/timedtext?v=x&signature=A%2BB";
        assert_eq!(youtube.track_url(untouched).unwrap().as_str(), untouched);
    }

    #[test]
    fn endpoints_keep_the_base_path() {
        assert_eq!(
            client("http://h:1/yt/").endpoint("/watch").as_str(),
            "http://h:1/yt/watch"
        );
        assert_eq!(
            client("https://www.youtube.com")
                .endpoint("/youtubei/v1/player")
                .as_str(),
            "https://www.youtube.com/youtubei/v1/player"
        );
    }

    #[test]
    fn base_urls_that_are_not_http_are_refused() {
        for base in [
            "",
            "www.youtube.com",
            "ftp://youtube.com",
            "file:///x",
            "not a url",
        ] {
            let error = YouTubeCaptions::new(YouTubeConfig {
                base_url: base.to_owned(),
                ..YouTubeConfig::default()
            })
            .unwrap_err();
            assert!(
                matches!(&error, DomainError::Validation { field, .. } if field == "YOUTUBE_BASE_URL"),
                "{base}: {error:?}"
            );
        }
    }

    #[test]
    fn logged_addresses_carry_no_key() {
        let url = Url::parse("https://u:p@www.youtube.com/youtubei/v1/player?key=AIza#x").unwrap();
        assert_eq!(for_logs(&url), "https://www.youtube.com/youtubei/v1/player");
    }

    #[test]
    fn video_ids_have_eleven_safe_characters() {
        assert!(is_video_id("dQw4w9WgXcQ"));
        assert!(is_video_id("a-b_c123456"));
        assert!(!is_video_id("dQw4w9WgXc"));
        assert!(!is_video_id("dQw4w9WgXc&"));
        assert!(!is_video_id("dQw4w9WgXcQQ"));
    }
}
