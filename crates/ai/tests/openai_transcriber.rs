//! The OpenAI-compatible transcriber against a fake server on 127.0.0.1, with the recordings
//! of `tests/fixtures/audio`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fake_server;

use std::time::Duration;

use fake_server::{FakeServer, Recorded, Reply};
use serde_json::json;
use sophie_ai::{
    AudioCodec, OpenAiTranscriber, OpenAiTranscriberConfig, RecordingInfo, probe_recording,
};
use sophie_domain::DomainError;
use sophie_domain::ports::{AudioFormat, AudioInput, Transcriber};

/// The bytes of `tests/fixtures/audio/<name>`.
fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../tests/fixtures/audio/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A configuration with waits short enough for tests.
fn config(server: &FakeServer) -> OpenAiTranscriberConfig {
    OpenAiTranscriberConfig {
        retry_base_delay: Duration::from_millis(1),
        retry_max_delay: Duration::from_millis(50),
        timeout: Duration::from_secs(10),
        ..OpenAiTranscriberConfig::new(&server.base_url)
    }
}

fn transcriber(server: &FakeServer) -> OpenAiTranscriber {
    OpenAiTranscriber::new(config(server)).unwrap()
}

fn lecture_mp3() -> AudioInput {
    AudioInput {
        bytes: fixture("lecture.mp3"),
        format: AudioFormat::Mp3,
        language: None,
    }
}

/// A `verbose_json` answer as OpenAI gives it, with two segments.
fn verbose_answer() -> Reply {
    Reply::json(
        200,
        &json!({
            "task": "transcribe",
            "language": "english",
            "duration": 6.02,
            "text": "Cells are the unit of life. Mitochondria make ATP.",
            "segments": [
                {"id": 0, "seek": 0, "start": 0.0, "end": 2.5, "text": " Cells are the unit of life.",
                 "tokens": [1, 2], "temperature": 0.0, "avg_logprob": -0.2},
                {"id": 1, "seek": 0, "start": 2.5, "end": 5.8, "text": " Mitochondria make ATP."}
            ]
        }),
    )
}

fn status(code: u16, message: &str) -> Reply {
    Reply::json(
        code,
        &json!({"error": {"message": message, "type": "invalid_request_error"}}),
    )
}

fn assert_unavailable(error: &DomainError) {
    assert!(
        matches!(
            error,
            DomainError::Unavailable {
                service: "transcription",
                ..
            }
        ),
        "{error:?}"
    );
}

/// The message of a `Validation` error on `file`.
fn file_validation(error: &DomainError) -> &str {
    match error {
        DomainError::Validation { field, message } if field == "file" => message,
        other => panic!("expected a validation error on file, got {other:?}"),
    }
}

/// The recording in the `file` field of `request`.
fn sent_file(request: &Recorded) -> fake_server::Field {
    request
        .field("file")
        .unwrap_or_else(|| panic!("no file field in {:?}", request.multipart()))
}

/// Durations of the fixtures as `ffprobe -show_entries format=duration` gives them (ffmpeg
/// 5.1). `lecture-live.webm` has none recorded: its value is the end of its last packet
/// (`-show_entries packet=pts_time,duration_time`: 5.199 + 0.020).
const FFPROBE_DURATIONS: [(&str, AudioFormat, f64); 10] = [
    ("lecture.mp3", AudioFormat::Mp3, 6.060_408),
    ("lecture.wav", AudioFormat::Wav, 5.0),
    ("lecture.m4a", AudioFormat::M4a, 7.0),
    ("lecture.aac", AudioFormat::Aac, 4.101_722),
    ("lecture.ogg", AudioFormat::Ogg, 6.506_5),
    ("lecture-vorbis.ogg", AudioFormat::Ogg, 5.5),
    ("lecture.webm", AudioFormat::Webm, 7.508),
    ("lecture.flac", AudioFormat::Flac, 3.0),
    ("lecture-vorbis.webm", AudioFormat::Webm, 4.532),
    ("lecture-live.webm", AudioFormat::Webm, 5.219),
];

#[test]
fn every_fixtures_duration_is_read_from_the_file_as_ffprobe_reads_it() {
    for (name, format, expected) in FFPROBE_DURATIONS {
        let info =
            probe_recording(&fixture(name), format).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(
            (info.duration_seconds - expected).abs() < 0.1,
            "{name}: {} s, ffprobe says {expected} s",
            info.duration_seconds
        );
        assert_eq!(info.format, format, "{name}");
    }
}

#[test]
fn codecs_are_told_apart() {
    let codec = |name, format| probe_recording(&fixture(name), format).unwrap().codec;
    assert_eq!(codec("lecture.mp3", AudioFormat::Mp3), AudioCodec::Mp3);
    assert_eq!(codec("lecture.wav", AudioFormat::Wav), AudioCodec::Pcm);
    assert_eq!(codec("lecture.m4a", AudioFormat::M4a), AudioCodec::Aac);
    assert_eq!(codec("lecture.aac", AudioFormat::Aac), AudioCodec::Aac);
    assert_eq!(codec("lecture.ogg", AudioFormat::Ogg), AudioCodec::Opus);
    assert_eq!(
        codec("lecture-vorbis.ogg", AudioFormat::Ogg),
        AudioCodec::Vorbis
    );
    assert_eq!(codec("lecture.webm", AudioFormat::Webm), AudioCodec::Opus);
    assert_eq!(codec("lecture.flac", AudioFormat::Flac), AudioCodec::Flac);
}

#[test]
fn a_wrong_format_hint_does_not_mislead_the_reader() {
    let info = probe_recording(&fixture("lecture.wav"), AudioFormat::Mp3).unwrap();
    assert_eq!(info.format, AudioFormat::Wav);
    assert_eq!(info.sample_rate, Some(8_000));
    assert_eq!(info.channels, Some(1));
}

#[test]
fn a_recording_cut_short_is_read_up_to_where_it_ends() {
    let bytes = fixture("lecture.mp3");
    let half = probe_recording(&bytes[..bytes.len() / 2], AudioFormat::Mp3).unwrap();
    assert!(
        (half.duration_seconds - 3.0).abs() < 0.2,
        "{}",
        half.duration_seconds
    );
}

#[tokio::test]
async fn two_500s_then_a_200_give_the_transcript_after_3_requests() {
    let server = FakeServer::start(|n, _| {
        if n < 2 {
            status(500, "overloaded")
        } else {
            verbose_answer()
        }
    })
    .await;
    let transcript = transcriber(&server)
        .transcribe(lecture_mp3())
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 3);
    assert_eq!(
        transcript.text,
        "Cells are the unit of life. Mitochondria make ATP."
    );
    let segments: Vec<(f64, f64, &str)> = transcript
        .segments
        .iter()
        .map(|s| (s.start_seconds, s.end_seconds, s.text.as_str()))
        .collect();
    assert_eq!(
        segments,
        [
            (0.0, 2.5, "Cells are the unit of life."),
            (2.5, 5.8, "Mitochondria make ATP.")
        ]
    );
    assert_eq!(transcript.language.as_deref(), Some("english"));
    // The recording's own length, not the server's 6.02.
    let duration = transcript.duration_seconds.unwrap();
    assert!((duration - 6.060_408).abs() < 0.1, "{duration}");
    assert!((duration - 6.02).abs() > f64::EPSILON);
}

#[tokio::test]
async fn a_server_that_keeps_failing_is_unavailable_after_the_retries() {
    let server = FakeServer::start(|_, _| status(503, "down")).await;
    let transcriber = OpenAiTranscriber::new(OpenAiTranscriberConfig {
        max_retries: 2,
        ..config(&server)
    })
    .unwrap();
    let error = transcriber.transcribe(lecture_mp3()).await.unwrap_err();
    assert_unavailable(&error);
    assert!(error.to_string().contains("after 3 attempts"), "{error}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried() {
    let server = FakeServer::start(|n, _| {
        if n == 0 {
            Reply::Http {
                status: 429,
                headers: vec![("retry-after", "0".to_owned())],
                body: json!({"error": {"message": "slow down"}}).to_string(),
            }
        } else {
            verbose_answer()
        }
    })
    .await;
    let transcript = transcriber(&server)
        .transcribe(lecture_mp3())
        .await
        .unwrap();
    assert_eq!(transcript.segments.len(), 2);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_is_left_to_the_caller() {
    let server = FakeServer::start(|_, _| Reply::Http {
        status: 503,
        headers: vec![("retry-after", "120".to_owned())],
        body: String::new(),
    })
    .await;
    let error = transcriber(&server)
        .transcribe(lecture_mp3())
        .await
        .unwrap_err();
    assert_unavailable(&error);
    assert!(error.to_string().contains("120 s"), "{error}");
    assert_eq!(
        server.requests().len(),
        1,
        "no retry when the wait is too long"
    );
}

#[tokio::test]
async fn a_400_is_the_recordings_fault_and_is_not_retried() {
    let server =
        FakeServer::start(|_, _| status(400, "Invalid file format. Supported formats: flac, mp3"))
            .await;
    let error = transcriber(&server)
        .transcribe(lecture_mp3())
        .await
        .unwrap_err();
    assert_eq!(
        file_validation(&error),
        "the transcription service could not read the recording: Invalid file format. \
         Supported formats: flac, mp3"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn statuses_413_415_and_422_are_the_recordings_fault_too() {
    for code in [413, 415, 422] {
        let server = FakeServer::start(move |_, _| status(code, "cannot use this file")).await;
        let error = transcriber(&server)
            .transcribe(lecture_mp3())
            .await
            .unwrap_err();
        assert!(
            file_validation(&error).ends_with("could not read the recording: cannot use this file"),
            "{code}: {error}"
        );
        assert_eq!(server.requests().len(), 1, "{code}");
    }
}

#[tokio::test]
async fn a_401_is_a_configuration_error_not_retried_and_the_key_stays_hidden() {
    let server =
        FakeServer::start(|_, _| status(401, "Incorrect API key provided: sk-secret-123")).await;
    let transcriber = OpenAiTranscriber::new(OpenAiTranscriberConfig {
        api_key: Some("sk-secret-123".into()),
        ..config(&server)
    })
    .unwrap();
    let error = transcriber.transcribe(lecture_mp3()).await.unwrap_err();
    assert!(matches!(error, DomainError::Internal { .. }), "{error:?}");
    let message = error.to_string();
    assert!(
        message.contains(transcriber.endpoint().as_str()),
        "{message}"
    );
    assert!(message.contains("401"), "{message}");
    assert!(!message.contains("sk-secret-123"), "{message}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_404_is_a_configuration_error_naming_the_endpoint() {
    let server = FakeServer::start(|_, _| status(404, "no such route")).await;
    let transcriber = transcriber(&server);
    let error = transcriber.transcribe(lecture_mp3()).await.unwrap_err();
    assert!(matches!(error, DomainError::Internal { .. }), "{error:?}");
    assert!(
        error.to_string().contains("/v1/audio/transcriptions"),
        "{error}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_form_carries_the_recording_the_model_and_the_options() {
    let server = FakeServer::start(|_, _| verbose_answer()).await;
    let transcriber = OpenAiTranscriber::new(OpenAiTranscriberConfig {
        model: "whisper-large-v3".into(),
        language: Some("de".into()),
        ..config(&server)
    })
    .unwrap();
    let bytes = fixture("lecture.m4a");
    let transcript = transcriber
        .transcribe(AudioInput {
            bytes: bytes.clone(),
            format: AudioFormat::M4a,
            language: Some("fr".into()),
        })
        .await
        .unwrap();
    // The language asked for wins over the one the server detected.
    assert_eq!(transcript.language.as_deref(), Some("fr"));

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v1/audio/transcriptions");
    assert!(
        request
            .header("content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary="),
        "{:?}",
        request.header("content-type")
    );
    assert_eq!(request.header("authorization"), None, "no key, no header");
    let text = |name: &str| request.field(name).map(|f| f.text());
    assert_eq!(text("model").as_deref(), Some("whisper-large-v3"));
    assert_eq!(text("response_format").as_deref(), Some("verbose_json"));
    assert_eq!(
        text("timestamp_granularities[]").as_deref(),
        Some("segment")
    );
    // The recording's own language wins over the configured one.
    assert_eq!(text("language").as_deref(), Some("fr"));
    let file = sent_file(request);
    assert_eq!(file.file_name.as_deref(), Some("audio.m4a"));
    assert_eq!(file.content_type.as_deref(), Some("audio/mp4"));
    assert!(file.data == bytes, "the bytes are sent as they are");
}

#[tokio::test]
async fn each_format_is_named_with_its_extension() {
    let server = FakeServer::start(|_, _| verbose_answer()).await;
    let transcriber = transcriber(&server);
    for (name, format, file_name, media_type) in [
        ("lecture.mp3", AudioFormat::Mp3, "audio.mp3", "audio/mpeg"),
        ("lecture.wav", AudioFormat::Wav, "audio.wav", "audio/wav"),
        ("lecture.aac", AudioFormat::Aac, "audio.aac", "audio/aac"),
        ("lecture.ogg", AudioFormat::Ogg, "audio.ogg", "audio/ogg"),
        (
            "lecture.webm",
            AudioFormat::Webm,
            "audio.webm",
            "audio/webm",
        ),
        (
            "lecture.flac",
            AudioFormat::Flac,
            "audio.flac",
            "audio/flac",
        ),
    ] {
        transcriber
            .transcribe(AudioInput {
                bytes: fixture(name),
                format,
                language: None,
            })
            .await
            .unwrap();
        let request = server.requests().pop().unwrap();
        let file = sent_file(&request);
        assert_eq!(file.file_name.as_deref(), Some(file_name), "{name}");
        assert_eq!(file.content_type.as_deref(), Some(media_type), "{name}");
        assert_eq!(request.field("language"), None, "{name}: no language known");
    }
}

#[tokio::test]
async fn the_api_key_is_sent_as_a_bearer_token() {
    let server = FakeServer::start(|_, _| verbose_answer()).await;
    let transcriber = OpenAiTranscriber::new(OpenAiTranscriberConfig {
        api_key: Some("sk-test".into()),
        ..config(&server)
    })
    .unwrap();
    transcriber.transcribe(lecture_mp3()).await.unwrap();
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer sk-test")
    );
    assert!(!format!("{transcriber:?}").contains("sk-test"));
}

#[tokio::test]
async fn a_plain_text_answer_gives_one_segment_over_the_whole_recording() {
    let server =
        FakeServer::start(|_, _| Reply::json(200, &json!({"text": " Just the text. "}))).await;
    let transcript = transcriber(&server)
        .transcribe(AudioInput {
            bytes: fixture("lecture.wav"),
            format: AudioFormat::Wav,
            language: None,
        })
        .await
        .unwrap();
    assert_eq!(transcript.text, "Just the text.");
    assert_eq!(transcript.language, None);
    assert_eq!(transcript.duration_seconds, Some(5.0));
    assert_eq!(transcript.segments.len(), 1);
    let segment = &transcript.segments[0];
    assert_eq!((segment.start_seconds, segment.end_seconds), (0.0, 5.0));
    assert_eq!(segment.text, "Just the text.");
}

#[tokio::test]
async fn an_answer_that_is_not_json_is_an_internal_error() {
    let server = FakeServer::start(|_, _| Reply::Http {
        status: 200,
        headers: Vec::new(),
        body: "<html>proxy login</html>".into(),
    })
    .await;
    let error = transcriber(&server)
        .transcribe(lecture_mp3())
        .await
        .unwrap_err();
    assert!(matches!(error, DomainError::Internal { .. }), "{error:?}");
}

#[tokio::test]
async fn random_bytes_are_refused_before_anything_is_sent() {
    let server = FakeServer::start(|_, _| verbose_answer()).await;
    // Seeded noise (a 64-bit linear congruential generator).
    let mut state = 0x2024_0501_u64;
    let bytes: Vec<u8> = (0..8192)
        .map(|_| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (state >> 56) as u8
        })
        .collect();
    for format in AudioFormat::ALL {
        let error = transcriber(&server)
            .transcribe(AudioInput {
                bytes: bytes.clone(),
                format,
                language: None,
            })
            .await
            .unwrap_err();
        assert!(
            file_validation(&error).starts_with("the recording could not be read: "),
            "{format:?}: {error}"
        );
    }
    assert!(server.requests().is_empty());
}

/// An answer for part `n` of a split recording: one segment from 0.25 s to 0.75 s.
fn part_answer(n: usize) -> Reply {
    Reply::json(
        200,
        &json!({
            "text": format!("part {n}"),
            "language": "english",
            "duration": 1.0,
            "segments": [{"start": 0.25, "end": 0.75, "text": format!("part {n}")}]
        }),
    )
}

/// Sends `name` with parts of at most `max_part_bytes` and checks what the server received:
/// several parts, each fitting and each a readable recording of `part_format`, whose
/// segments come back shifted by the lengths of the parts before. Returns the parts' infos.
async fn check_split(
    name: &str,
    format: AudioFormat,
    max_part_bytes: usize,
    part_format: AudioFormat,
) -> Vec<RecordingInfo> {
    let server = FakeServer::start(|n, _| part_answer(n)).await;
    let transcriber = OpenAiTranscriber::new(OpenAiTranscriberConfig {
        max_part_bytes,
        ..config(&server)
    })
    .unwrap();
    let bytes = fixture(name);
    let whole = probe_recording(&bytes, format).unwrap();
    let transcript = transcriber
        .transcribe(AudioInput {
            bytes,
            format,
            language: None,
        })
        .await
        .unwrap();

    let requests = server.requests();
    assert!(requests.len() >= 3, "{name}: {} requests", requests.len());
    let mut infos = Vec::new();
    for (index, request) in requests.iter().enumerate() {
        let file = sent_file(request);
        assert!(
            file.data.len() <= max_part_bytes,
            "{name} part {index}: {} bytes",
            file.data.len()
        );
        assert_eq!(
            file.file_name,
            Some(format!("audio.{}", part_format.extension())),
            "{name} part {index}"
        );
        assert_eq!(
            file.content_type.as_deref(),
            Some(part_format.mime_type()),
            "{name} part {index}"
        );
        let info = probe_recording(&file.data, part_format)
            .unwrap_or_else(|e| panic!("{name} part {index} cannot be read: {e}"));
        assert_eq!(info.format, part_format, "{name} part {index}");
        infos.push(info);
    }

    let expected_text: Vec<String> = (0..requests.len()).map(|n| format!("part {n}")).collect();
    assert_eq!(transcript.text, expected_text.join(" "));
    assert_eq!(transcript.segments.len(), requests.len());
    let mut part_start = 0.0;
    for (index, (segment, info)) in transcript.segments.iter().zip(&infos).enumerate() {
        assert_eq!(segment.text, format!("part {index}"));
        assert!(
            (segment.start_seconds - (part_start + 0.25)).abs() < 0.1,
            "{name} part {index}: segment at {} s, the part starts at {part_start} s",
            segment.start_seconds
        );
        assert!(
            (segment.end_seconds - segment.start_seconds - 0.5).abs() < 1e-9,
            "{name} part {index}"
        );
        part_start += info.duration_seconds;
    }
    assert!(
        (part_start - whole.duration_seconds).abs() < 0.1,
        "{name}: the parts last {part_start} s, the recording {} s",
        whole.duration_seconds
    );
    assert_eq!(transcript.duration_seconds, Some(whole.duration_seconds));
    infos
}

#[tokio::test]
async fn a_large_mp3_is_sent_in_parts_cut_between_frames() {
    let infos = check_split("lecture.mp3", AudioFormat::Mp3, 6_000, AudioFormat::Mp3).await;
    assert!(infos.iter().all(|i| i.codec == AudioCodec::Mp3));
}

#[tokio::test]
async fn a_large_wav_is_sent_in_parts_each_with_its_own_header() {
    let infos = check_split("lecture.wav", AudioFormat::Wav, 20_000, AudioFormat::Wav).await;
    for info in infos {
        assert_eq!(info.codec, AudioCodec::Pcm);
        assert_eq!(info.sample_rate, Some(8_000));
        assert_eq!(info.channels, Some(1));
    }
}

#[tokio::test]
async fn a_large_adts_aac_is_sent_in_parts_of_aac() {
    check_split("lecture.aac", AudioFormat::Aac, 4_096, AudioFormat::Aac).await;
}

#[tokio::test]
async fn a_large_flac_is_sent_as_pcm_wav_parts() {
    let infos = check_split("lecture.flac", AudioFormat::Flac, 16_000, AudioFormat::Wav).await;
    assert!(infos.iter().all(|i| i.channels == Some(1)));
}

#[tokio::test]
async fn a_large_ogg_vorbis_is_sent_as_pcm_wav_parts() {
    // Under the file's 8 KB, so it is split; decoded, each part holds about 0.2 s.
    check_split(
        "lecture-vorbis.ogg",
        AudioFormat::Ogg,
        7_000,
        AudioFormat::Wav,
    )
    .await;
}

#[tokio::test]
async fn a_large_opus_recording_is_refused_with_a_request_for_another_format() {
    let server = FakeServer::start(|_, _| verbose_answer()).await;
    let transcriber = OpenAiTranscriber::new(OpenAiTranscriberConfig {
        max_part_bytes: 8_192,
        ..config(&server)
    })
    .unwrap();
    for (name, format) in [
        ("lecture.ogg", AudioFormat::Ogg),
        ("lecture.webm", AudioFormat::Webm),
    ] {
        let error = transcriber
            .transcribe(AudioInput {
                bytes: fixture(name),
                format,
                language: None,
            })
            .await
            .unwrap_err();
        let message = file_validation(&error);
        assert!(
            message.contains("too long to send in one piece")
                && message.contains("MP3, M4A or WAV"),
            "{name}: {message}"
        );
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn a_part_that_fails_fails_the_whole_transcription() {
    let server = FakeServer::start(|n, _| {
        if n == 1 {
            status(400, "bad part")
        } else {
            part_answer(n)
        }
    })
    .await;
    let transcriber = OpenAiTranscriber::new(OpenAiTranscriberConfig {
        max_part_bytes: 6_000,
        ..config(&server)
    })
    .unwrap();
    let error = transcriber.transcribe(lecture_mp3()).await.unwrap_err();
    assert!(file_validation(&error).ends_with("bad part"), "{error}");
    assert_eq!(
        server.requests().len(),
        2,
        "no part is sent after a refusal"
    );
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    // A port that was just free: nothing listens on it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let transcriber = OpenAiTranscriber::new(OpenAiTranscriberConfig {
        retry_base_delay: Duration::from_millis(1),
        max_retries: 1,
        ..OpenAiTranscriberConfig::new(base_url)
    })
    .unwrap();
    let error = transcriber.transcribe(lecture_mp3()).await.unwrap_err();
    assert_unavailable(&error);
    assert!(error.to_string().contains("cannot connect"), "{error}");
}

#[tokio::test]
async fn a_server_that_never_answers_is_unavailable() {
    let server = FakeServer::start(|_, _| Reply::Silence).await;
    let transcriber = OpenAiTranscriber::new(OpenAiTranscriberConfig {
        timeout: Duration::from_millis(300),
        max_retries: 1,
        ..config(&server)
    })
    .unwrap();
    let error = transcriber.transcribe(lecture_mp3()).await.unwrap_err();
    assert_unavailable(&error);
    assert!(error.to_string().contains("no answer"), "{error}");
    assert_eq!(server.requests().len(), 2, "a timeout is retried");
}
