//! The YouTube captions client against a fake YouTube on 127.0.0.1, serving a watch page, a
//! player answer and caption tracks in the shapes YouTube uses (`tests/youtube/`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "youtube/fake.rs"]
mod fake;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use fake::{FakeYouTube, Recorded, Reply};
use serde_json::Value;
use sophie_ai::{YouTubeCaptions, YouTubeConfig};
use sophie_domain::DomainError;
use sophie_domain::ports::{VideoTranscript, VideoTranscripts};

const VIDEO: &str = "dQw4w9WgXcQ";
/// The key in `watch.html`.
const KEY: &str = "AIzaSyFakeKey_for-tests0123";

const WATCH: &str = include_str!("youtube/watch.html");
const RECAPTCHA: &str = include_str!("youtube/recaptcha.html");
const PLAYER: &str = include_str!("youtube/player.json");
const MANUAL_EN: &str = include_str!("youtube/manual_en.xml");
const MANUAL_DE: &str = include_str!("youtube/manual_de.xml");
const AUTOMATIC_EN: &str = include_str!("youtube/automatic_en.xml");
const SRV3_EN: &str = include_str!("youtube/srv3_en.xml");

/// The player answer of `player.json`, its track addresses on `base`: an automatic English
/// track (`a.en`), a German one (`.de`) and an English one (`.en`) written by people.
fn player_answer(base: &str) -> Value {
    serde_json::from_str(&PLAYER.replace("{base}", base).replace("{video}", VIDEO)).unwrap()
}

/// Keeps only the tracks whose `vssId` is in `kept`.
fn keep_tracks(player: &mut Value, kept: &[&str]) {
    player["captions"]["playerCaptionsTracklistRenderer"]["captionTracks"]
        .as_array_mut()
        .unwrap()
        .retain(|track| kept.contains(&track["vssId"].as_str().unwrap()));
}

/// The caption track a timedtext request asks for, by its `lang` and `kind`.
fn track(request: &Recorded) -> Reply {
    match (
        request.param("lang").as_deref(),
        request.param("kind").as_deref(),
    ) {
        (Some("en"), Some("asr")) => Reply::xml(AUTOMATIC_EN),
        (Some("en"), None) => Reply::xml(MANUAL_EN),
        (Some("de"), None) => Reply::xml(MANUAL_DE),
        _ => Reply::status(404, Vec::new()),
    }
}

/// A YouTube that serves the watch page, the player answer changed by `edit`, and the tracks.
fn youtube(
    edit: impl Fn(&mut Value) + Send + Sync + 'static,
) -> impl Fn(&Recorded, &str) -> Reply + Send + Sync + 'static {
    move |request, base| match request.path() {
        "/watch" => Reply::html(WATCH),
        "/youtubei/v1/player" => {
            let mut player = player_answer(base);
            edit(&mut player);
            Reply::json(&player)
        }
        "/api/timedtext" => track(request),
        _ => Reply::status(404, Vec::new()),
    }
}

/// A configuration for `server` with waits short enough for tests.
fn config(server: &FakeYouTube, languages: &[&str]) -> YouTubeConfig {
    YouTubeConfig {
        base_url: server.base_url.clone(),
        languages: languages.iter().map(|&l| l.to_owned()).collect(),
        timeout: Duration::from_secs(10),
        retry_base_delay: Duration::from_millis(1),
        retry_max_delay: Duration::from_millis(50),
        ..YouTubeConfig::default()
    }
}

fn captions(server: &FakeYouTube, languages: &[&str]) -> YouTubeCaptions {
    YouTubeCaptions::new(config(server, languages)).unwrap()
}

async fn fetch(server: &FakeYouTube, languages: &[&str]) -> Result<VideoTranscript, DomainError> {
    captions(server, languages).fetch(VIDEO.to_owned()).await
}

fn texts(transcript: &VideoTranscript) -> Vec<&str> {
    transcript
        .transcript
        .segments
        .iter()
        .map(|s| s.text.as_str())
        .collect()
}

fn assert_unavailable(error: &DomainError) {
    assert!(
        matches!(
            error,
            DomainError::Unavailable {
                service: "YouTube",
                ..
            }
        ),
        "{error:?}"
    );
}

fn assert_close(actual: f64, expected: f64) {
    assert!((actual - expected).abs() < 1e-9, "{actual} != {expected}");
}

#[tokio::test]
async fn captions_written_by_people_are_chosen_over_automatic_ones() {
    let server = FakeYouTube::start(youtube(|_| {})).await;

    let video = fetch(&server, &["en"]).await.unwrap();

    assert_eq!(video.video_id, VIDEO);
    assert_eq!(video.title, "Lecture 1: Limits");
    assert!(!video.automatic);
    assert_eq!(video.transcript.language.as_deref(), Some("en"));
    assert_eq!(video.transcript.duration_seconds, Some(754.0));
    assert_eq!(texts(&video)[0], "Welcome to the first lecture.");
    let first = &video.transcript.segments[0];
    assert_close(first.start_seconds, 0.24);
    assert_close(first.end_seconds, 3.36);
    assert_eq!(
        video.transcript.text,
        texts(&video).join(" "),
        "the text is the segments joined with spaces"
    );
    let tracks = server.requests_to("/api/timedtext");
    assert_eq!(tracks.len(), 1);
    assert_eq!(tracks[0].param("lang").as_deref(), Some("en"));
    assert_eq!(tracks[0].param("kind"), None);
}

#[tokio::test]
async fn the_first_preferred_language_with_a_track_is_chosen() {
    let server = FakeYouTube::start(youtube(|_| {})).await;

    let video = fetch(&server, &["fr", "de", "en"]).await.unwrap();

    assert!(!video.automatic);
    assert_eq!(video.transcript.language.as_deref(), Some("de"));
    assert_eq!(
        video.transcript.text,
        "Willkommen zur ersten Vorlesung. Heute geht es um Grenzwerte."
    );
}

#[tokio::test]
async fn automatic_captions_are_used_only_when_there_are_no_others() {
    let server = FakeYouTube::start(youtube(|player| {
        keep_tracks(player, &["a.en"]);
        player["videoDetails"]
            .as_object_mut()
            .unwrap()
            .remove("lengthSeconds");
    }))
    .await;

    let video = fetch(&server, &["de", "en"]).await.unwrap();

    assert!(video.automatic);
    assert_eq!(video.transcript.language.as_deref(), Some("en"));
    assert_eq!(
        texts(&video),
        ["welcome to the first lecture", "today's topic is limits"]
    );
    let duration = video.transcript.duration_seconds.unwrap();
    assert_close(duration, 3.04 + 5.2);
}

#[tokio::test]
async fn a_video_without_captions_is_captions_not_found() {
    let server = FakeYouTube::start(youtube(|player| {
        player.as_object_mut().unwrap().remove("captions");
    }))
    .await;

    let error = fetch(&server, &["en"]).await.unwrap_err();

    assert!(
        matches!(error, DomainError::NotFound { entity: "captions" }),
        "{error:?}"
    );
    assert!(server.requests_to("/api/timedtext").is_empty());

    let empty_list = FakeYouTube::start(youtube(|player| keep_tracks(player, &[]))).await;
    let error = fetch(&empty_list, &["en"]).await.unwrap_err();
    assert!(
        matches!(error, DomainError::NotFound { entity: "captions" }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_video_that_cannot_be_watched_is_video_not_found() {
    for (status, reason) in [
        ("ERROR", "This video is unavailable"),
        ("LOGIN_REQUIRED", "This video is private"),
        (
            "UNPLAYABLE",
            "The uploader has not made this video available in your country",
        ),
    ] {
        let server = FakeYouTube::start(youtube(move |player| {
            player["playabilityStatus"] = serde_json::json!({"status": status, "reason": reason});
            player.as_object_mut().unwrap().remove("captions");
        }))
        .await;

        let error = fetch(&server, &["en"]).await.unwrap_err();

        assert!(
            matches!(error, DomainError::NotFound { entity: "video" }),
            "{status}: {error:?}"
        );
        assert!(server.requests_to("/api/timedtext").is_empty());
    }
}

#[tokio::test]
async fn a_bot_check_is_a_refusal_not_a_missing_video() {
    let server = FakeYouTube::start(youtube(|player| {
        player["playabilityStatus"] = serde_json::json!({
            "status": "LOGIN_REQUIRED",
            "reason": "Sign in to confirm you\u{2019}re not a bot"
        });
    }))
    .await;

    let error = fetch(&server, &["en"]).await.unwrap_err();

    assert_unavailable(&error);
}

#[tokio::test]
async fn a_500_then_a_success_is_retried() {
    let watch_failed = AtomicBool::new(false);
    let track_failed = AtomicBool::new(false);
    let normal = youtube(|_| {});
    let server = FakeYouTube::start(move |request, base| {
        let once = match request.path() {
            "/watch" => Some((&watch_failed, 500)),
            "/api/timedtext" => Some((&track_failed, 503)),
            _ => None,
        };
        if let Some((failed, status)) = once
            && !failed.swap(true, Ordering::SeqCst)
        {
            return Reply::status(status, vec![("retry-after", "0".to_owned())]);
        }
        normal(request, base)
    })
    .await;

    let video = fetch(&server, &["en"]).await.unwrap();

    assert_eq!(video.transcript.language.as_deref(), Some("en"));
    assert_eq!(server.requests_to("/watch").len(), 2);
    assert_eq!(server.requests_to("/youtubei/v1/player").len(), 1);
    assert_eq!(server.requests_to("/api/timedtext").len(), 2);
}

#[tokio::test]
async fn youtube_answering_429_every_time_is_unavailable_after_the_retries() {
    let server =
        FakeYouTube::start(|_, _| Reply::status(429, vec![("retry-after", "0".to_owned())])).await;

    let error = fetch(&server, &["en"]).await.unwrap_err();

    assert_unavailable(&error);
    assert_eq!(
        server.requests_to("/watch").len(),
        3,
        "max_retries 2: three attempts"
    );
    assert!(server.requests_to("/youtubei/v1/player").is_empty());
}

#[tokio::test]
async fn a_silent_youtube_times_out_and_is_unavailable() {
    let server = FakeYouTube::start(|_, _| Reply::Silence).await;
    let captions = YouTubeCaptions::new(YouTubeConfig {
        timeout: Duration::from_millis(200),
        max_retries: 1,
        ..config(&server, &["en"])
    })
    .unwrap();

    let error = captions.fetch(VIDEO.to_owned()).await.unwrap_err();

    assert_unavailable(&error);
    assert_eq!(server.requests_to("/watch").len(), 2);
}

#[tokio::test]
async fn entities_are_decoded_and_tags_stripped() {
    let server = FakeYouTube::start(youtube(|_| {})).await;

    let video = fetch(&server, &["en"]).await.unwrap();

    assert_eq!(
        texts(&video),
        [
            "Welcome to the first lecture.",
            "Today's topic is limits.",
            "Let's write f(x) < g(x) and see \"what happens\" & why.",
            "[Music]",
        ],
        "entities decoded twice, <font> and <i> stripped, the line break collapsed, the empty text skipped"
    );
    let last = video.transcript.segments.last().unwrap();
    assert_close(last.start_seconds, 15.0);
    assert_close(last.end_seconds, 17.5);
}

#[tokio::test]
async fn an_srv3_track_is_read_when_youtube_sends_one() {
    let server = FakeYouTube::start(|request, base| match request.path() {
        "/api/timedtext" => Reply::xml(SRV3_EN),
        _ => youtube(|player| keep_tracks(player, &["a.en"]))(request, base),
    })
    .await;

    let video = fetch(&server, &["en"]).await.unwrap();

    assert!(video.automatic);
    assert_eq!(
        texts(&video),
        ["welcome to the first lecture", "today's topic is limits"]
    );
    let segments = &video.transcript.segments;
    assert_close(segments[0].start_seconds, 0.08);
    assert_close(segments[0].end_seconds, 3.04);
    assert_close(segments[1].start_seconds, 3.04);
    assert_close(segments[1].end_seconds, 8.24);
}

#[tokio::test]
async fn a_track_on_another_host_is_refused_without_being_fetched() {
    let elsewhere = FakeYouTube::start(|_, _| Reply::xml(MANUAL_EN)).await;
    let other_base = elsewhere.base_url.clone();
    let server = FakeYouTube::start(youtube(move |player| {
        let tracks = player["captions"]["playerCaptionsTracklistRenderer"]["captionTracks"]
            .as_array_mut()
            .unwrap();
        for track in tracks {
            track["baseUrl"] =
                Value::String(format!("{other_base}/api/timedtext?v={VIDEO}&lang=en"));
        }
    }))
    .await;

    let error = fetch(&server, &["en"]).await.unwrap_err();

    assert!(matches!(error, DomainError::Internal { .. }), "{error:?}");
    assert!(
        elsewhere.requests().is_empty(),
        "nothing sent to the other host"
    );
    assert!(server.requests_to("/api/timedtext").is_empty());
}

#[tokio::test]
async fn requests_have_the_shapes_youtube_expects() {
    let server = FakeYouTube::start(youtube(|_| {})).await;

    fetch(&server, &["en"]).await.unwrap();

    let requests = server.requests();
    assert_eq!(requests.len(), 3);

    let watch = &requests[0];
    assert_eq!(watch.method, "GET");
    assert_eq!(watch.target, format!("/watch?v={VIDEO}&hl=en"));
    assert!(
        watch.header("cookie").unwrap().contains("CONSENT=YES+"),
        "the consent cookie is sent: {:?}",
        watch.header("cookie")
    );

    let player = &requests[1];
    assert_eq!(player.method, "POST");
    assert_eq!(player.path(), "/youtubei/v1/player");
    assert_eq!(player.param("key").as_deref(), Some(KEY), "the page's key");
    assert!(
        player
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body = player.json();
    assert_eq!(body["videoId"], VIDEO);
    assert_eq!(body["context"]["client"]["clientName"], "ANDROID");
    assert_eq!(body["context"]["client"]["clientVersion"], "20.10.38");

    let track = &requests[2];
    assert_eq!(track.method, "GET");
    assert_eq!(track.path(), "/api/timedtext");
    assert_eq!(track.param("fmt"), None, "fmt=srv3 dropped");
    assert_eq!(track.param("lang").as_deref(), Some("en"));
    assert_eq!(
        track.param("signature").as_deref(),
        Some("GHI%2B789"),
        "the signed parameters are sent as listed"
    );
    assert_eq!(
        track.param("sparams").as_deref(),
        Some("ip%2Cipbits%2Cexpire%2Cv%2Copi%2Cexp%2Cxoaf")
    );
}

#[tokio::test]
async fn a_recaptcha_or_a_page_without_a_key_is_a_refusal() {
    for page in [RECAPTCHA, "<html><body>Something went wrong</body></html>"] {
        let server = FakeYouTube::start(move |request, base| match request.path() {
            "/watch" => Reply::html(page),
            _ => youtube(|_| {})(request, base),
        })
        .await;

        let error = fetch(&server, &["en"]).await.unwrap_err();

        assert_unavailable(&error);
        assert!(error.to_string().contains("refused"), "{error}");
        assert!(server.requests_to("/youtubei/v1/player").is_empty());
    }
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server = FakeYouTube::start(|request, base| match request.path() {
        "/watch" => Reply::status(302, vec![("location", format!("{base}/consent"))]),
        _ => Reply::html(WATCH),
    })
    .await;

    let error = fetch(&server, &["en"]).await.unwrap_err();

    assert_unavailable(&error);
    assert_eq!(server.requests().len(), 1, "{:?}", server.requests());
}

#[tokio::test]
async fn an_empty_track_is_a_refusal() {
    let server = FakeYouTube::start(|request, base| match request.path() {
        "/api/timedtext" => Reply::xml(""),
        _ => youtube(|_| {})(request, base),
    })
    .await;

    let error = fetch(&server, &["en"]).await.unwrap_err();

    assert_unavailable(&error);
}

#[tokio::test]
async fn a_track_that_is_not_timedtext_is_an_internal_error() {
    let server = FakeYouTube::start(|request, base| match request.path() {
        "/api/timedtext" => Reply::html("<html><body>not captions</body></html>"),
        _ => youtube(|_| {})(request, base),
    })
    .await;

    let error = fetch(&server, &["en"]).await.unwrap_err();

    assert!(matches!(error, DomainError::Internal { .. }), "{error:?}");
}

#[tokio::test]
async fn malformed_ids_are_video_not_found_without_a_request() {
    let server = FakeYouTube::start(youtube(|_| {})).await;
    let captions = captions(&server, &["en"]);
    for id in [
        "",
        "short",
        "dQw4w9WgXcQ&x=1",
        "dQw4w9WgXc/",
        "dQw4w9WgXcQQ",
    ] {
        let error = captions.fetch(id.to_owned()).await.unwrap_err();
        assert!(
            matches!(error, DomainError::NotFound { entity: "video" }),
            "{id}: {error:?}"
        );
    }
    assert!(server.requests().is_empty());
}

#[test]
fn a_base_url_that_is_not_http_is_refused() {
    let error = YouTubeCaptions::new(YouTubeConfig {
        base_url: "ftp://www.youtube.com".to_owned(),
        ..YouTubeConfig::default()
    })
    .unwrap_err();
    assert!(
        matches!(&error, DomainError::Validation { field, .. } if field == "YOUTUBE_BASE_URL"),
        "{error:?}"
    );
}

#[test]
fn the_defaults_are_youtube_english_20_seconds_2_retries() {
    let config = YouTubeConfig::default();
    assert_eq!(config.base_url, "https://www.youtube.com");
    assert_eq!(config.languages, ["en"]);
    assert_eq!(config.timeout, Duration::from_secs(20));
    assert_eq!(config.max_retries, 2);
    assert_eq!(config.retry_base_delay, Duration::from_millis(500));
    assert_eq!(config.retry_max_delay, Duration::from_secs(30));
}
