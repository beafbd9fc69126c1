//! The OpenAI-compatible chat client against a fake server on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fake_server;

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fake_server::{FakeServer, Gate, Recorded, Reply};
use serde_json::{Value, json};
use sophie_ai::{OpenAiChat, OpenAiChatConfig, StructuredOutput};
use sophie_domain::DomainError;
use sophie_domain::ports::{
    ChatRole, GenerationRequest, LanguageModel, PromptMessage, TextSink, TokenUsage,
};

const KEY: &str = "sk-test-secret-0042";

/// A configuration with waits short enough for tests.
fn config(server: &FakeServer) -> OpenAiChatConfig {
    OpenAiChatConfig {
        api_key: Some(KEY.to_owned()),
        retry_base_delay: Duration::from_millis(1),
        retry_max_delay: Duration::from_millis(50),
        timeout: Duration::from_secs(10),
        ..OpenAiChatConfig::new(&server.base_url, "test-chat")
    }
}

fn chat(server: &FakeServer) -> OpenAiChat {
    OpenAiChat::new(config(server)).unwrap()
}

fn schema() -> Value {
    json!({
        "type": "object",
        "properties": {
            "answer": {"type": "string", "minLength": 1},
            "confidence": {"type": "integer"}
        },
        "required": ["answer", "confidence"],
        "additionalProperties": false
    })
}

fn request(json_schema: Option<Value>) -> GenerationRequest {
    GenerationRequest {
        messages: vec![
            PromptMessage {
                role: ChatRole::System,
                content: "You answer questions.".to_owned(),
            },
            PromptMessage {
                role: ChatRole::User,
                content: "What is 2 + 2?".to_owned(),
            },
        ],
        json_schema,
        temperature: Some(0.5),
        max_tokens: Some(200),
    }
}

/// An OpenAI-shaped chat completion.
fn completion(content: &str, prompt_tokens: u32, completion_tokens: u32) -> Reply {
    Reply::json(
        200,
        &json!({
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1,
            "model": "test-chat-0613",
            "choices": [{
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop"
            }],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens
            }
        }),
    )
}

const GOOD: &str = r#"{"answer": "4", "confidence": 9}"#;

fn status(code: u16, message: &str) -> Reply {
    Reply::json(
        code,
        &json!({"error": {"message": message, "type": "invalid_request_error"}}),
    )
}

fn format_type(request: &Recorded) -> Value {
    request.body["response_format"]["type"].clone()
}

fn system_prompt(request: &Recorded) -> String {
    request.body["messages"][0]["content"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn assert_unavailable(error: &DomainError) {
    assert!(
        matches!(
            error,
            DomainError::Unavailable {
                service: "language model",
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
async fn a_structured_answer_is_asked_for_with_the_schema_and_checked() {
    let server = FakeServer::start(|_, _| completion(GOOD, 20, 7)).await;
    let response = chat(&server)
        .generate(request(Some(schema())))
        .await
        .unwrap();

    assert_eq!(response.json, Some(json!({"answer": "4", "confidence": 9})));
    assert_eq!(response.text, GOOD);
    assert_eq!(response.model, "test-chat-0613", "the model that answered");
    assert_eq!(
        response.usage,
        TokenUsage {
            prompt_tokens: 20,
            completion_tokens: 7
        }
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let sent = &requests[0];
    assert_eq!(sent.method, "POST");
    assert_eq!(sent.path, "/v1/chat/completions");
    assert_eq!(sent.body["model"], "test-chat");
    assert_eq!(sent.body["temperature"], 0.5);
    assert_eq!(sent.body["max_tokens"], 200);
    assert_eq!(
        sent.body["response_format"],
        json!({
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": schema(), "strict": true}
        })
    );
    assert_eq!(
        sent.body["messages"],
        json!([
            {"role": "system", "content": "You answer questions."},
            {"role": "user", "content": "What is 2 + 2?"}
        ]),
        "the messages are sent as they are in the strict mode"
    );
}

#[tokio::test]
async fn a_text_request_sends_no_response_format() {
    let server = FakeServer::start(|_, _| completion("Four.", 5, 1)).await;
    let response = chat(&server).generate(request(None)).await.unwrap();
    assert_eq!(response.text, "Four.");
    assert_eq!(response.json, None);
    let sent = &server.requests()[0];
    assert!(sent.body.get("response_format").is_none(), "{}", sent.body);
}

#[tokio::test]
async fn a_server_refusing_json_schema_is_asked_in_json_mode_from_then_on() {
    let server = FakeServer::start(|n, _| {
        if n == 0 {
            status(
                400,
                "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.",
            )
        } else {
            completion(GOOD, 10, 3)
        }
    })
    .await;
    let chat = chat(&server);
    assert_eq!(chat.structured_mode(), StructuredOutput::JsonSchema);

    let response = chat.generate(request(Some(schema()))).await.unwrap();

    assert_eq!(response.json.unwrap()["answer"], "4");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(format_type(&requests[0]), "json_schema");
    assert_eq!(format_type(&requests[1]), "json_object");
    let system = system_prompt(&requests[1]);
    assert!(system.starts_with("You answer questions."), "{system}");
    assert!(system.contains("Answer with JSON only"), "{system}");
    assert!(
        system.contains(&schema().to_string()),
        "the schema is given in the prompt: {system}"
    );
    assert_eq!(chat.structured_mode(), StructuredOutput::JsonObject);

    chat.generate(request(Some(schema()))).await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "no second try of json_schema");
    assert_eq!(format_type(&requests[2]), "json_object");
}

#[tokio::test]
async fn a_server_refusing_both_formats_gets_the_schema_in_the_prompt() {
    let server = FakeServer::start(|n, _| match n {
        0 => status(400, "response_format is not supported"),
        1 => status(422, "json_object: unknown variant"),
        _ => completion(
            "Sure! Here is the answer:\n```json\n{\"answer\": \"4\", \"confidence\": 8}\n```",
            4,
            4,
        ),
    })
    .await;
    let chat = chat(&server);
    let response = chat.generate(request(Some(schema()))).await.unwrap();
    assert_eq!(response.json.unwrap()["confidence"], 8);
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    assert!(requests[2].body.get("response_format").is_none());
    assert!(system_prompt(&requests[2]).contains(&schema().to_string()));
    assert_eq!(chat.structured_mode(), StructuredOutput::Prompted);
    assert_eq!(
        response.usage,
        TokenUsage {
            prompt_tokens: 4,
            completion_tokens: 4
        },
        "refused requests cost nothing"
    );
}

#[tokio::test]
async fn a_server_that_ignores_the_format_and_answers_prose_is_asked_in_json_mode() {
    let server = FakeServer::start(|n, _| {
        if n == 0 {
            completion("The answer is four.", 10, 5)
        } else {
            completion(GOOD, 12, 6)
        }
    })
    .await;
    let chat = chat(&server);
    let response = chat.generate(request(Some(schema()))).await.unwrap();
    assert_eq!(response.json.unwrap()["answer"], "4");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(format_type(&requests[1]), "json_object");
    assert_eq!(
        response.usage,
        TokenUsage {
            prompt_tokens: 22,
            completion_tokens: 11
        }
    );
    assert_eq!(chat.structured_mode(), StructuredOutput::JsonObject);
}

#[tokio::test]
async fn invalid_json_is_sent_back_with_its_error_and_the_repair_is_used() {
    let broken = r#"{"answer": "4", "confidence": "#;
    let server = FakeServer::start(move |n, _| {
        if n == 0 {
            completion(broken, 30, 10)
        } else {
            completion(GOOD, 45, 8)
        }
    })
    .await;
    let chat = chat(&server);
    let response = chat.generate(request(Some(schema()))).await.unwrap();

    assert_eq!(response.json.unwrap()["confidence"], 9);
    assert_eq!(
        response.usage,
        TokenUsage {
            prompt_tokens: 75,
            completion_tokens: 18
        },
        "usage summed over both requests"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        format_type(&requests[1]),
        "json_schema",
        "a repair keeps the mode"
    );
    let messages = requests[1].body["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[2]["role"], "assistant");
    assert_eq!(messages[2]["content"], broken);
    assert_eq!(messages[3]["role"], "user");
    let repair = messages[3]["content"].as_str().unwrap();
    assert!(
        repair.starts_with("Your answer was not valid: it is not valid JSON: "),
        "{repair}"
    );
    assert!(
        repair.ends_with("Answer again with JSON only matching the schema."),
        "{repair}"
    );
    assert_eq!(chat.structured_mode(), StructuredOutput::JsonSchema);
}

#[tokio::test]
async fn an_answer_breaking_the_schema_twice_is_internal_naming_the_error() {
    let server =
        FakeServer::start(|_, _| completion(r#"{"answer": "4", "confidence": "high"}"#, 1, 1))
            .await;
    let error = chat(&server)
        .generate(request(Some(schema())))
        .await
        .unwrap_err();
    assert_internal(&error);
    let message = error.to_string();
    assert!(
        message.contains("$.confidence: expected an integer, found a string"),
        "{message}"
    );
    let requests = server.requests();
    assert_eq!(requests.len(), 2, "one repair round only");
    let repair = requests[1].body["messages"][3]["content"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        repair.contains(
            "it does not match the schema: $.confidence: expected an integer, found a string"
        ),
        "{repair}"
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_retried() {
    let server = FakeServer::start(|n, _| {
        if n == 0 {
            Reply::Http {
                status: 429,
                headers: vec![("retry-after", "0".to_owned())],
                body: json!({"error": {"message": "rate limited"}}).to_string(),
            }
        } else {
            completion(GOOD, 1, 1)
        }
    })
    .await;
    let response = chat(&server)
        .generate(request(Some(schema())))
        .await
        .unwrap();
    assert!(response.json.is_some());
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_retry_after_longer_than_allowed_is_left_to_the_caller() {
    let server = FakeServer::start(|_, _| Reply::Http {
        status: 429,
        headers: vec![("retry-after", "120".to_owned())],
        body: String::new(),
    })
    .await;
    let error = chat(&server).generate(request(None)).await.unwrap_err();
    assert_unavailable(&error);
    assert!(error.to_string().contains("120 s"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_server_that_keeps_failing_is_unavailable_after_the_retries() {
    let server = FakeServer::start(|n, _| {
        if n % 2 == 0 {
            status(500, "model crashed")
        } else {
            status(503, "loading model")
        }
    })
    .await;
    let chat = OpenAiChat::new(OpenAiChatConfig {
        max_retries: 2,
        ..config(&server)
    })
    .unwrap();
    let error = chat.generate(request(Some(schema()))).await.unwrap_err();
    assert_unavailable(&error);
    assert!(error.to_string().contains("after 3 attempts"), "{error}");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_silent_server_times_out_as_unavailable() {
    let server = FakeServer::start(|_, _| Reply::Silence).await;
    let chat = OpenAiChat::new(OpenAiChatConfig {
        timeout: Duration::from_millis(200),
        max_retries: 1,
        ..config(&server)
    })
    .unwrap();
    let error = chat.generate(request(None)).await.unwrap_err();
    assert_unavailable(&error);
    assert!(error.to_string().contains("no answer from"), "{error}");
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn the_key_is_sent_as_bearer_and_never_shown_in_errors() {
    let server =
        FakeServer::start(|_, _| status(401, &format!("Incorrect API key provided: {KEY}"))).await;
    let error = chat(&server)
        .generate(request(Some(schema())))
        .await
        .unwrap_err();
    assert_internal(&error);
    let message = error.to_string();
    assert!(!message.contains(KEY), "{message}");
    assert!(
        message.contains("Incorrect API key provided: <hidden>"),
        "{message}"
    );
    assert!(
        message.contains(&format!("{}/v1/chat/completions", server.base_url)),
        "the endpoint is named: {message}"
    );
    assert!(!format!("{error:?}").contains(KEY));
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "a 401 is not retried");
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
}

#[tokio::test]
async fn other_refusals_are_internal_and_not_retried_nor_taken_for_format_refusals() {
    let server =
        FakeServer::start(|_, _| status(400, "maximum context length is 8192 tokens")).await;
    let chat = chat(&server);
    let error = chat.generate(request(Some(schema()))).await.unwrap_err();
    assert_internal(&error);
    assert!(
        error.to_string().contains("maximum context length"),
        "{error}"
    );
    assert_eq!(server.requests().len(), 1);
    assert_eq!(chat.structured_mode(), StructuredOutput::JsonSchema);
}

#[tokio::test]
async fn a_mode_set_in_the_configuration_is_kept() {
    let server =
        FakeServer::start(|_, _| status(400, "response_format json_schema unsupported")).await;
    let chat = OpenAiChat::new(OpenAiChatConfig {
        structured: StructuredOutput::JsonSchema,
        ..config(&server)
    })
    .unwrap();
    let error = chat.generate(request(Some(schema()))).await.unwrap_err();
    assert_internal(&error);
    assert_eq!(server.requests().len(), 1, "no fallback");

    let server = FakeServer::start(|_, _| completion(GOOD, 1, 1)).await;
    let chat = OpenAiChat::new(OpenAiChatConfig {
        structured: StructuredOutput::Prompted,
        ..config(&server)
    })
    .unwrap();
    chat.generate(request(Some(schema()))).await.unwrap();
    let sent = &server.requests()[0];
    assert!(sent.body.get("response_format").is_none());
    assert!(system_prompt(sent).contains("Answer with JSON only"));
}

#[tokio::test]
async fn answers_are_read_whatever_servers_leave_out() {
    let server = FakeServer::start(|_, _| {
        Reply::json(
            200,
            &json!({
                "choices": [{
                    "message": {"content": [
                        {"type": "text", "text": "{\"answer\": \"4\", "},
                        {"type": "text", "text": "\"confidence\": 7}"}
                    ]},
                    "finish_reason": ""
                }]
            }),
        )
    })
    .await;
    let response = chat(&server)
        .generate(request(Some(schema())))
        .await
        .unwrap();
    assert_eq!(response.json.unwrap()["confidence"], 7);
    assert_eq!(response.usage, TokenUsage::default());
    assert_eq!(response.model, "test-chat", "the configured model");
}

#[tokio::test]
async fn a_declined_request_is_internal() {
    let server = FakeServer::start(|_, _| {
        Reply::json(
            200,
            &json!({"choices": [{
                "message": {"content": null, "refusal": "I can't help with that."},
                "finish_reason": "stop"
            }]}),
        )
    })
    .await;
    let error = chat(&server)
        .generate(request(Some(schema())))
        .await
        .unwrap_err();
    assert_internal(&error);
    assert!(error.to_string().contains("declined"), "{error}");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn configurations_are_checked() {
    let error = OpenAiChat::new(OpenAiChatConfig::new("localhost:8080", "m")).unwrap_err();
    assert!(
        matches!(&error, DomainError::Validation { field, .. } if field == "LLM_URL"),
        "{error:?}"
    );
    let error = OpenAiChat::new(OpenAiChatConfig::new("http://localhost:8080", "  ")).unwrap_err();
    assert!(
        matches!(&error, DomainError::Validation { field, .. } if field == "LLM_MODEL"),
        "{error:?}"
    );
    let config = OpenAiChatConfig::new("http://h", "m");
    assert_eq!(config.timeout, Duration::from_secs(60));
    assert_eq!(config.max_retries, 3);
    assert_eq!(config.structured, StructuredOutput::Auto);
}

/// The events of a streamed chat completion whose content is written in `pieces`, with the
/// usage chunk OpenAI sends last when `stream_options.include_usage` is asked for.
fn chunks(pieces: &[&str], usage: Option<(u32, u32)>) -> Vec<String> {
    let mut data: Vec<String> = pieces
        .iter()
        .map(|piece| {
            json!({
                "id": "chatcmpl-1",
                "object": "chat.completion.chunk",
                "model": "test-chat-0613",
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": null}]
            })
            .to_string()
        })
        .collect();
    data.push(json!({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}).to_string());
    if let Some((prompt, completion)) = usage {
        data.push(
            json!({"choices": [], "usage": {"prompt_tokens": prompt, "completion_tokens": completion}})
                .to_string(),
        );
    }
    data.push("[DONE]".to_owned());
    data
}

/// The pieces a sink received, each with whether the server had passed its gate by then.
type Received = Arc<Mutex<Vec<(String, bool)>>>;

/// A sink that keeps the pieces, opening `gate` at the first and noting whether the server
/// had already written what follows it.
fn recording_sink(gate: Option<Arc<Gate>>) -> (TextSink, Received) {
    let pieces = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&pieces);
    let sink: TextSink = Arc::new(move |piece: &str| {
        let passed = gate
            .as_ref()
            .is_some_and(|gate| gate.passed.load(Ordering::SeqCst));
        kept.lock().unwrap().push((piece.to_owned(), passed));
        if let Some(gate) = &gate {
            gate.open.notify_one();
        }
    });
    (sink, pieces)
}

#[tokio::test]
async fn a_streamed_answer_reaches_the_sink_while_the_model_is_still_writing() {
    let gate = Arc::new(Gate::default());
    let served = Arc::clone(&gate);
    let server = FakeServer::start(move |_, _| Reply::Events {
        data: chunks(
            &[r#"{"answer": ""#, "4", r#"", "confidence": 9}"#],
            Some((20, 7)),
        ),
        gated: 1,
        gate: Some(Arc::clone(&served)),
    })
    .await;
    let (sink, pieces) = recording_sink(Some(Arc::clone(&gate)));

    let response = chat(&server)
        .generate_streaming(request(Some(schema())), sink)
        .await
        .unwrap();

    let pieces = pieces.lock().unwrap().clone();
    assert_eq!(pieces.len(), 3, "{pieces:?}");
    assert!(
        !pieces[0].1,
        "the first piece was passed on only after the whole answer was written"
    );
    let joined: String = pieces.iter().map(|(piece, _)| piece.as_str()).collect();
    assert_eq!(joined, response.text);
    assert_eq!(response.json, Some(json!({"answer": "4", "confidence": 9})));
    assert_eq!(response.model, "test-chat-0613");
    assert_eq!(
        response.usage,
        TokenUsage {
            prompt_tokens: 20,
            completion_tokens: 7
        }
    );
    let sent = &server.requests()[0];
    assert_eq!(sent.body["stream"], true);
    assert_eq!(sent.body["stream_options"], json!({"include_usage": true}));
    assert_eq!(sent.body["response_format"]["type"], "json_schema");
}

#[tokio::test]
async fn a_stream_without_usage_is_counted_by_estimate() {
    let server = FakeServer::start(|_, _| Reply::Events {
        data: chunks(&["Four", " it is."], None),
        gated: 0,
        gate: None,
    })
    .await;
    let (sink, pieces) = recording_sink(None);
    let response = chat(&server)
        .generate_streaming(request(None), sink)
        .await
        .unwrap();
    assert_eq!(response.text, "Four it is.");
    assert_eq!(pieces.lock().unwrap().len(), 2);
    // "You answer questions." and "What is 2 + 2?" are 35 bytes; the answer 11.
    assert_eq!(
        response.usage,
        TokenUsage {
            prompt_tokens: 9,
            completion_tokens: 3
        }
    );
}

#[tokio::test]
async fn a_server_that_does_not_stream_has_its_answer_passed_on_whole() {
    let server = FakeServer::start(|_, _| completion(GOOD, 20, 7)).await;
    let (sink, pieces) = recording_sink(None);
    let response = chat(&server)
        .generate_streaming(request(Some(schema())), sink)
        .await
        .unwrap();
    assert_eq!(response.json, Some(json!({"answer": "4", "confidence": 9})));
    let pieces = pieces.lock().unwrap().clone();
    assert_eq!(pieces.len(), 1);
    assert_eq!(pieces[0].0, GOOD);
}

#[tokio::test]
async fn a_stream_that_breaks_before_its_first_words_is_retried_and_after_them_is_not() {
    // The first stream ends without a word and without finishing; the retry's stream works.
    let server = FakeServer::start(|number, _| Reply::Events {
        data: if number == 0 {
            vec![json!({"choices": [{"index": 0, "delta": {"role": "assistant"}}]}).to_string()]
        } else {
            chunks(&["Four."], Some((5, 1)))
        },
        gated: 0,
        gate: None,
    })
    .await;
    let (sink, pieces) = recording_sink(None);
    let response = chat(&server)
        .generate_streaming(request(None), sink)
        .await
        .unwrap();
    assert_eq!(response.text, "Four.");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(pieces.lock().unwrap().len(), 1);

    // Words, then the connection closes before the answer is finished: the words were shown,
    // so the request is not sent again.
    let server = FakeServer::start(|_, _| Reply::Events {
        data: vec![
            json!({"choices": [{"index": 0, "delta": {"content": "Fo"}}]}).to_string(),
            json!({"error": {"message": "model crashed"}}).to_string(),
        ],
        gated: 0,
        gate: None,
    })
    .await;
    let (sink, pieces) = recording_sink(None);
    let error = chat(&server)
        .generate_streaming(request(None), sink)
        .await
        .unwrap_err();
    assert_unavailable(&error);
    assert!(error.to_string().contains("model crashed"), "{error}");
    assert_eq!(server.requests().len(), 1, "not retried");
    assert_eq!(pieces.lock().unwrap().len(), 1);
}
