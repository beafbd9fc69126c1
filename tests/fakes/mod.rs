//! Outside services faked on 127.0.0.1 for the end-to-end tests: a web server of routes, and
//! what YouTube and a transcription server answer, each counting the connections it gets.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

pub mod oidc;

/// A request as the fake received it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// The path and query.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The value of query parameter `name`.
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        query.split('&').find_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            (key == name).then(|| value.to_owned())
        })
    }
}

/// An answer: status, headers, body; or a wait for `gate` first.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub gate: Option<Arc<Notify>>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            status,
            headers: vec![("content-type".to_owned(), content_type.to_owned())],
            body: body.into(),
            gate: None,
        }
    }

    pub fn html(body: &str) -> Self {
        Self::new(200, "text/html; charset=utf-8", body)
    }

    pub fn json(status: u16, body: &serde_json::Value) -> Self {
        Self::new(status, "application/json", body.to_string())
    }

    pub fn redirect(location: &str) -> Self {
        Self {
            status: 302,
            headers: vec![("location".to_owned(), location.to_owned())],
            body: Vec::new(),
            gate: None,
        }
    }

    pub fn status(status: u16) -> Self {
        Self::new(status, "text/plain", format!("status {status}"))
    }

    /// The same answer, sent once `gate` is notified.
    pub fn after(mut self, gate: Arc<Notify>) -> Self {
        self.gate = Some(gate);
        self
    }
}

type Handler = dyn Fn(&Request, usize) -> Response + Send + Sync;

/// A fake HTTP/1.1 server on 127.0.0.1.
pub struct Fake {
    pub base: String,
    pub port: u16,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Fake {
    /// Serves every request with `handler`, given the request and how many requests to the
    /// same path came before it.
    pub async fn start(
        handler: impl Fn(&Request, usize) -> Response + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (counted, recorded) = (connections.clone(), requests.clone());
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(stream, handler.clone(), recorded.clone()));
            }
        });
        Self {
            base: format!("http://127.0.0.1:{port}"),
            port,
            connections,
            requests,
        }
    }

    /// How many connections it accepted.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The requests it received, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(mut stream: TcpStream, handler: Arc<Handler>, recorded: Arc<Mutex<Vec<Request>>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let earlier = {
        let mut all = recorded.lock().unwrap();
        let earlier = all.iter().filter(|r| r.path() == request.path()).count();
        all.push(request.clone());
        earlier
    };
    let response = handler(&request, earlier);
    if let Some(gate) = &response.gate {
        gate.notified().await;
    }
    let mut head = format!(
        "HTTP/1.1 {} Fake\r\ncontent-length: {}\r\nconnection: close\r\n",
        response.status,
        response.body.len()
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&response.body).await;
    let _ = stream.shutdown().await;
}

async fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = vec![0_u8; 16 * 1024];
    let header_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let read = tokio::time::timeout(Duration::from_secs(30), stream.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let target = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buffer.len() < header_end + length {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    Some(Request {
        method,
        target,
        headers,
        body: buffer[header_end..header_end + length].to_vec(),
    })
}

/// A fake YouTube: the watch page with its key, the player's answer, and caption tracks.
/// `videos` maps a video id to its title and captions (timedtext XML), or `None` for a video
/// without captions; other ids are unplayable.
pub async fn youtube(videos: BTreeMap<&'static str, (&'static str, Option<&'static str>)>) -> Fake {
    let videos = Arc::new(videos);
    let base = Arc::new(Mutex::new(String::new()));
    let shared_base = base.clone();
    let fake = Fake::start(move |request, _| {
        let base = shared_base.lock().unwrap().clone();
        match (request.method.as_str(), request.path()) {
            ("GET", "/watch") => Response::html(
                r#"<html><head><title>Video - YouTube</title><script>ytcfg.set({"INNERTUBE_API_KEY":"fake-key","INNERTUBE_CLIENT_NAME":"WEB"});</script></head><body></body></html>"#,
            ),
            ("POST", "/youtubei/v1/player") => {
                let body: serde_json::Value =
                    serde_json::from_slice(&request.body).unwrap_or_default();
                let id = body["videoId"].as_str().unwrap_or_default().to_owned();
                let Some((title, captions)) = videos.get(id.as_str()) else {
                    return Response::json(
                        200,
                        &serde_json::json!({"playabilityStatus": {"status": "ERROR", "reason": "Video unavailable"}}),
                    );
                };
                let mut player = serde_json::json!({
                    "playabilityStatus": {"status": "OK"},
                    "videoDetails": {"videoId": id, "title": title, "lengthSeconds": "95"},
                });
                if captions.is_some() {
                    player["captions"] = serde_json::json!({
                        "playerCaptionsTracklistRenderer": {"captionTracks": [{
                            "baseUrl": format!("{base}/api/timedtext?v={id}&lang=en&fmt=srv3"),
                            "languageCode": "en",
                            "name": {"simpleText": "English"},
                        }]}
                    });
                }
                Response::json(200, &player)
            }
            ("GET", "/api/timedtext") => {
                let id = request.query("v").unwrap_or_default();
                match videos.get(id.as_str()).and_then(|(_, captions)| *captions) {
                    Some(xml) => Response::new(200, "text/xml; charset=UTF-8", xml),
                    None => Response::status(404),
                }
            }
            _ => Response::status(404),
        }
    })
    .await;
    *base.lock().unwrap() = fake.base.clone();
    fake
}

/// A fake OpenAI-compatible transcription server that fails its first `failures` requests
/// with 500, then answers `segments` (start, end, text) as `verbose_json`.
pub async fn transcriber(failures: usize, segments: Vec<(f64, f64, &'static str)>) -> Fake {
    Fake::start(move |request, earlier| {
        if request.path() != "/v1/audio/transcriptions" {
            return Response::status(404);
        }
        if earlier < failures {
            return Response::json(500, &serde_json::json!({"error": {"message": "model loading"}}));
        }
        let text: Vec<&str> = segments.iter().map(|s| s.2).collect();
        Response::json(
            200,
            &serde_json::json!({
                "text": text.join(" "),
                "language": "english",
                "duration": 999.0,
                "segments": segments
                    .iter()
                    .map(|(start, end, text)| serde_json::json!({"start": start, "end": end, "text": text}))
                    .collect::<Vec<_>>(),
            }),
        )
    })
    .await
}

/// An OpenAI-compatible chat model that answers any question with the first sentence of the
/// first passage it is given, citing it: streamed as server-sent events in pieces of a few
/// characters when the request asks for `stream`, at once otherwise.
pub async fn model() -> Fake {
    Fake::start(|request, _| {
        if request.path() != "/v1/chat/completions" {
            return Response::status(404);
        }
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let asked = body["messages"]
            .as_array()
            .and_then(|messages| messages.last())
            .and_then(|message| message["content"].as_str())
            .unwrap_or_default();
        let passage = asked
            .split_once("<passage id=\"0\"")
            .and_then(|(_, rest)| rest.split_once(">\n"))
            .and_then(|(_, rest)| rest.split_once("\n</passage>"))
            .map_or("", |(text, _)| text);
        let sentence = passage
            .split_inclusive('.')
            .next()
            .unwrap_or(passage)
            .trim();
        let answer = serde_json::json!({
            "answer": format!("Your notes say: {sentence} [1]"),
            "citations": [{"passage": 0, "quote": sentence}],
        })
        .to_string();
        if body["stream"] != true {
            return Response::json(
                200,
                &serde_json::json!({
                    "model": "fake-model",
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": answer},
                                 "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 100, "completion_tokens": 20},
                }),
            );
        }
        let mut events = String::new();
        let characters: Vec<char> = answer.chars().collect();
        for piece in characters.chunks(8) {
            let piece: String = piece.iter().collect();
            let chunk = serde_json::json!({
                "model": "fake-model",
                "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": null}],
            });
            events.push_str(&format!("data: {chunk}\n\n"));
        }
        let last = serde_json::json!({
            "model": "fake-model",
            "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 20},
        });
        events.push_str(&format!("data: {last}\n\ndata: [DONE]\n\n"));
        Response::new(200, "text/event-stream", events)
    })
    .await
}
