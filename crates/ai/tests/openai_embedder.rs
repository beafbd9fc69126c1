//! The OpenAI-compatible embedder against a fake server on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fake_server;

use std::time::Duration;

use fake_server::{FakeServer, Recorded, Reply};
use serde_json::{Value, json};
use sophie_ai::{OpenAiEmbedder, OpenAiEmbedderConfig};
use sophie_domain::DomainError;
use sophie_domain::ports::Embedder;

/// A configuration with waits short enough for tests.
fn config(server: &FakeServer) -> OpenAiEmbedderConfig {
    OpenAiEmbedderConfig {
        retry_base_delay: Duration::from_millis(1),
        retry_max_delay: Duration::from_millis(50),
        timeout: Duration::from_secs(10),
        ..OpenAiEmbedderConfig::new(&server.base_url, "test-embed")
    }
}

fn embedder(server: &FakeServer) -> OpenAiEmbedder {
    OpenAiEmbedder::new(config(server)).unwrap()
}

fn texts(count: usize) -> Vec<String> {
    (0..count).map(|i| format!("text {i}")).collect()
}

/// The number in "text <n>".
fn number_of(text: &str) -> f32 {
    text.trim_start_matches("text ").parse().unwrap()
}

/// An OpenAI-shaped answer giving each input `[n, 1, 0]`, where n is the number in its text,
/// listed in reverse index order.
fn reversed_answer(request: &Recorded) -> Value {
    let data: Vec<Value> = request
        .inputs()
        .iter()
        .enumerate()
        .rev()
        .map(|(index, text)| {
            json!({"object": "embedding", "index": index, "embedding": [number_of(text), 1.0, 0.0]})
        })
        .collect();
    json!({
        "object": "list",
        "data": data,
        "model": "test-embed",
        "usage": {"prompt_tokens": 3, "total_tokens": 3}
    })
}

fn ok(request: &Recorded) -> Reply {
    Reply::json(200, &reversed_answer(request))
}

fn status(code: u16, message: &str) -> Reply {
    Reply::json(
        code,
        &json!({"error": {"message": message, "type": "test"}}),
    )
}

fn assert_unavailable(error: &DomainError) {
    assert!(
        matches!(
            error,
            DomainError::Unavailable {
                service: "embeddings",
                ..
            }
        ),
        "{error:?}"
    );
}

fn assert_internal(error: &DomainError) {
    assert!(matches!(error, DomainError::Internal { .. }), "{error:?}");
}

#[tokio::test]
async fn batches_of_150_texts_take_3_requests_and_keep_their_order() {
    let server = FakeServer::start(|_, request| ok(request)).await;
    let embedder = embedder(&server);
    assert_eq!(
        embedder.dimensions(),
        0,
        "nothing learned before the first call"
    );

    let vectors = embedder.embed(texts(150)).await.unwrap();

    assert_eq!(vectors.len(), 150);
    for (i, vector) in vectors.iter().enumerate() {
        assert_eq!(vector, &vec![i as f32, 1.0, 0.0]);
    }
    let requests = server.requests();
    let sizes: Vec<usize> = requests.iter().map(|r| r.inputs().len()).collect();
    assert_eq!(sizes, [64, 64, 22]);
    for request in &requests {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/v1/embeddings");
        assert_eq!(request.body["model"], "test-embed");
        assert_eq!(request.header("content-type"), Some("application/json"));
    }
    assert_eq!(requests[2].inputs()[0], "text 128");
    assert_eq!(embedder.dimensions(), 3, "learned from the answer");
}

#[tokio::test]
async fn the_batch_size_is_configurable() {
    let server = FakeServer::start(|_, request| ok(request)).await;
    let embedder = OpenAiEmbedder::new(OpenAiEmbedderConfig {
        batch_size: 2,
        ..config(&server)
    })
    .unwrap();
    let vectors = embedder.embed(texts(5)).await.unwrap();
    assert_eq!(
        vectors.iter().map(|v| v[0]).collect::<Vec<_>>(),
        [0.0, 1.0, 2.0, 3.0, 4.0]
    );
    let sizes: Vec<usize> = server.requests().iter().map(|r| r.inputs().len()).collect();
    assert_eq!(sizes, [2, 2, 1]);
}

#[tokio::test]
async fn a_429_is_retried() {
    let server = FakeServer::start(|n, request| {
        if n == 0 {
            Reply::Http {
                status: 429,
                headers: vec![("retry-after", "0".to_owned())],
                body: json!({"error": {"message": "slow down"}}).to_string(),
            }
        } else {
            ok(request)
        }
    })
    .await;
    let vectors = embedder(&server).embed(texts(2)).await.unwrap();
    assert_eq!(vectors, [vec![0.0, 1.0, 0.0], vec![1.0, 1.0, 0.0]]);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_429_asking_for_a_longer_wait_than_allowed_is_left_to_the_caller() {
    let server = FakeServer::start(|_, _| Reply::Http {
        status: 429,
        headers: vec![("retry-after", "120".to_owned())],
        body: String::new(),
    })
    .await;
    let error = embedder(&server).embed(texts(1)).await.unwrap_err();
    assert_unavailable(&error);
    assert!(error.to_string().contains("120 s"), "{error}");
    assert_eq!(
        server.requests().len(),
        1,
        "no retry when the wait is too long"
    );
}

#[tokio::test]
async fn three_500s_then_a_200_succeed_with_3_retries() {
    let server = FakeServer::start(|n, request| {
        if n < 3 {
            status(500, "overloaded")
        } else {
            ok(request)
        }
    })
    .await;
    let embedder = OpenAiEmbedder::new(OpenAiEmbedderConfig {
        max_retries: 3,
        ..config(&server)
    })
    .unwrap();
    let vectors = embedder.embed(texts(3)).await.unwrap();
    assert_eq!(vectors.len(), 3);
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn a_server_that_keeps_failing_is_unavailable() {
    let server = FakeServer::start(|n, _| {
        if n % 2 == 0 {
            status(500, "model crashed")
        } else {
            status(503, "loading model")
        }
    })
    .await;
    let error = embedder(&server).embed(texts(3)).await.unwrap_err();
    assert_unavailable(&error);
    assert!(error.to_string().contains("503"), "{error}");
    assert!(error.to_string().contains("loading model"), "{error}");
    assert_eq!(
        server.requests().len(),
        4,
        "the first attempt and 3 retries"
    );
}

#[tokio::test]
async fn a_401_is_not_retried() {
    let server = FakeServer::start(|_, _| status(401, "Invalid API key")).await;
    let embedder = OpenAiEmbedder::new(OpenAiEmbedderConfig {
        api_key: Some("sk-wrong".to_owned()),
        ..config(&server)
    })
    .unwrap();
    let error = embedder.embed(texts(1)).await.unwrap_err();
    assert_internal(&error);
    assert!(error.to_string().contains("401"), "{error}");
    assert!(error.to_string().contains("Invalid API key"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn other_refusals_keep_the_servers_message_in_its_own_shape() {
    let server = FakeServer::start(|_, _| {
        Reply::json(
            404,
            &json!({"error": "model \"test-embed\" not found, try pulling it first"}),
        )
    })
    .await;
    let error = embedder(&server).embed(texts(1)).await.unwrap_err();
    assert_internal(&error);
    assert!(
        error.to_string().contains("not found, try pulling it"),
        "{error}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_api_key_is_sent_as_a_bearer_token() {
    let server = FakeServer::start(|_, request| ok(request)).await;
    let with_key = OpenAiEmbedder::new(OpenAiEmbedderConfig {
        api_key: Some("sk-test-123".to_owned()),
        ..config(&server)
    })
    .unwrap();
    with_key.embed(texts(1)).await.unwrap();
    embedder(&server).embed(texts(1)).await.unwrap();

    let requests = server.requests();
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer sk-test-123")
    );
    assert_eq!(requests[1].header("authorization"), None);
}

#[tokio::test]
async fn vectors_of_different_lengths_in_one_answer_are_an_error() {
    let server = FakeServer::start(|_, _| {
        Reply::json(
            200,
            &json!({"data": [
                {"index": 0, "embedding": [0.1, 0.2, 0.3]},
                {"index": 1, "embedding": [0.1, 0.2]}
            ]}),
        )
    })
    .await;
    let error = embedder(&server).embed(texts(2)).await.unwrap_err();
    assert_internal(&error);
    assert_eq!(
        server.requests().len(),
        1,
        "a malformed answer is not retried"
    );
}

#[tokio::test]
async fn a_length_other_than_the_configured_one_is_an_error() {
    let server = FakeServer::start(|_, request| ok(request)).await;
    let embedder = OpenAiEmbedder::new(OpenAiEmbedderConfig {
        dimensions: Some(768),
        ..config(&server)
    })
    .unwrap();
    assert_eq!(embedder.dimensions(), 768);
    let error = embedder.embed(texts(1)).await.unwrap_err();
    assert_internal(&error);
    assert!(error.to_string().contains("768"), "{error}");
}

#[tokio::test]
async fn a_length_that_changes_after_the_first_answer_is_an_error() {
    let server = FakeServer::start(|n, _| {
        let embedding = if n == 0 {
            json!([1.0, 0.0])
        } else {
            json!([1.0, 0.0, 0.0])
        };
        Reply::json(
            200,
            &json!({"data": [{"index": 0, "embedding": embedding}]}),
        )
    })
    .await;
    let embedder = embedder(&server);
    assert_eq!(embedder.embed(texts(1)).await.unwrap(), [vec![1.0, 0.0]]);
    assert_eq!(embedder.dimensions(), 2);
    let error = embedder.embed(texts(1)).await.unwrap_err();
    assert_internal(&error);
    assert_eq!(embedder.dimensions(), 2);
}

#[tokio::test]
async fn malformed_answers_are_internal_errors() {
    let answers = [
        "not json".to_owned(),
        json!({"data": [{"index": 0, "embedding": [1.0]}]}).to_string(),
        json!({"data": [{"index": 0, "embedding": [1.0]}, {"index": 0, "embedding": [2.0]}]})
            .to_string(),
        json!({"data": [{"index": 0, "embedding": [1.0]}, {"index": 2, "embedding": [2.0]}]})
            .to_string(),
        json!({"data": [{"index": 0, "embedding": []}, {"index": 1, "embedding": []}]}).to_string(),
        json!({"data": [{"index": 0, "embedding": "AAAA"}, {"index": 1, "embedding": "AAAA"}]})
            .to_string(),
        json!({"object": "list"}).to_string(),
    ];
    for answer in answers {
        let body = answer.clone();
        let server = FakeServer::start(move |_, _| Reply::Http {
            status: 200,
            headers: Vec::new(),
            body: body.clone(),
        })
        .await;
        let error = embedder(&server).embed(texts(2)).await.unwrap_err();
        assert_internal(&error);
        assert_eq!(server.requests().len(), 1, "{answer}");
    }
}

#[tokio::test]
async fn answers_without_index_or_with_extra_fields_are_read_in_order() {
    // The shape of servers that list vectors in order and add fields of their own.
    let server = FakeServer::start(|_, request| {
        let data: Vec<Value> = request
            .inputs()
            .iter()
            .map(|text| json!({"embedding": [number_of(text), 2.0], "extra": {"x": 1}}))
            .collect();
        Reply::json(
            200,
            &json!({"data": data, "model": null, "usage": null, "id": 7}),
        )
    })
    .await;
    let embedder = OpenAiEmbedder::new(OpenAiEmbedderConfig {
        base_url: format!("{}/v1/", server.base_url),
        ..config(&server)
    })
    .unwrap();
    let vectors = embedder.embed(texts(3)).await.unwrap();
    assert_eq!(vectors, [vec![0.0, 2.0], vec![1.0, 2.0], vec![2.0, 2.0]]);
    assert_eq!(server.requests()[0].path, "/v1/embeddings");
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable() {
    // A port that was just free: nothing listens on it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let embedder = OpenAiEmbedder::new(OpenAiEmbedderConfig {
        retry_base_delay: Duration::from_millis(1),
        max_retries: 1,
        ..OpenAiEmbedderConfig::new(base_url, "test-embed")
    })
    .unwrap();
    let error = embedder.embed(texts(1)).await.unwrap_err();
    assert_unavailable(&error);
    assert!(error.to_string().contains("cannot connect"), "{error}");
}

#[tokio::test]
async fn a_server_that_never_answers_is_unavailable() {
    let server = FakeServer::start(|_, _| Reply::Silence).await;
    let embedder = OpenAiEmbedder::new(OpenAiEmbedderConfig {
        timeout: Duration::from_millis(200),
        max_retries: 1,
        ..config(&server)
    })
    .unwrap();
    let error = embedder.embed(texts(1)).await.unwrap_err();
    assert_unavailable(&error);
    assert!(error.to_string().contains("no answer"), "{error}");
    assert_eq!(server.requests().len(), 2, "a timeout is retried");
}

#[tokio::test]
async fn blank_texts_are_refused_before_anything_is_sent() {
    let server = FakeServer::start(|_, request| ok(request)).await;
    let embedder = embedder(&server);
    let error = embedder
        .embed(vec!["text 0".to_owned(), "  \n".to_owned()])
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DomainError::Validation { field, .. } if field == "texts[1]"),
        "{error:?}"
    );
    assert!(embedder.embed(Vec::new()).await.unwrap().is_empty());
    assert!(server.requests().is_empty());
}

#[test]
fn impossible_configurations_are_refused() {
    let base = OpenAiEmbedderConfig::new("http://127.0.0.1:1", "m");
    let cases = [
        (
            "base_url",
            OpenAiEmbedderConfig {
                base_url: "127.0.0.1:1".into(),
                ..base.clone()
            },
        ),
        (
            "model",
            OpenAiEmbedderConfig {
                model: "  ".into(),
                ..base.clone()
            },
        ),
        (
            "batch_size",
            OpenAiEmbedderConfig {
                batch_size: 0,
                ..base.clone()
            },
        ),
        (
            "dimensions",
            OpenAiEmbedderConfig {
                dimensions: Some(0),
                ..base.clone()
            },
        ),
    ];
    for (expected, config) in cases {
        let error = OpenAiEmbedder::new(config).unwrap_err();
        assert!(
            matches!(&error, DomainError::Validation { field, .. } if field == expected),
            "{expected}: {error:?}"
        );
    }
    let embedder = OpenAiEmbedder::new(base).unwrap();
    assert_eq!(embedder.model(), "m");
    assert_eq!(
        embedder.endpoint().as_str(),
        "http://127.0.0.1:1/v1/embeddings"
    );
}

#[test]
fn the_defaults_are_documented_ones() {
    let config = OpenAiEmbedderConfig::new("http://localhost:11434", "nomic-embed-text");
    assert_eq!(config.batch_size, 64);
    assert_eq!(config.timeout, Duration::from_secs(30));
    assert_eq!(config.max_retries, 3);
    assert_eq!(config.dimensions, None);
    assert_eq!(config.api_key, None);
}
