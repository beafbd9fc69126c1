//! A scripted HTTP/1.1 server on 127.0.0.1 for the client tests: it records every request
//! and answers each with what the test's handler returns for it.

// Each test file uses a different part of it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The request line's method.
    pub method: String,
    /// The request line's path and query.
    pub path: String,
    /// Header names lower-cased, with their values.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON (`Null` when it is not JSON).
    pub body: Value,
    /// The body's bytes as received.
    pub raw_body: Vec<u8>,
}

/// One field of a `multipart/form-data` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// Its `name`.
    pub name: String,
    /// Its `filename`, for a file.
    pub file_name: Option<String>,
    /// Its `Content-Type`, when given.
    pub content_type: Option<String>,
    /// Its content.
    pub data: Vec<u8>,
}

impl Field {
    /// The content as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.data).into_owned()
    }
}

impl Recorded {
    /// The value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The fields of a `multipart/form-data` body, in order; empty for any other body.
    pub fn multipart(&self) -> Vec<Field> {
        let Some(boundary) = self
            .header("content-type")
            .filter(|t| t.starts_with("multipart/form-data"))
            .and_then(|t| {
                t.split(';')
                    .find_map(|p| p.trim().strip_prefix("boundary="))
            })
        else {
            return Vec::new();
        };
        let delimiter = format!("--{}", boundary.trim_matches('"')).into_bytes();
        let mut fields = Vec::new();
        // Each part sits between "--boundary\r\n" and "\r\n--boundary".
        let mut rest = match find(&self.raw_body, &delimiter) {
            Some(at) => &self.raw_body[at + delimiter.len()..],
            None => return fields,
        };
        while let Some(after) = rest.strip_prefix(b"\r\n") {
            let Some(end) = find(after, &[b"\r\n".as_slice(), &delimiter].concat()) else {
                break;
            };
            let part = &after[..end];
            rest = &after[end + 2 + delimiter.len()..];
            let Some(head_end) = find(part, b"\r\n\r\n") else {
                continue;
            };
            let head = String::from_utf8_lossy(&part[..head_end]);
            let mut field = Field {
                name: String::new(),
                file_name: None,
                content_type: None,
                data: part[head_end + 4..].to_vec(),
            };
            for line in head.split("\r\n") {
                let Some((name, value)) = line.split_once(':') else {
                    continue;
                };
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-type" => field.content_type = Some(value.trim().to_owned()),
                    "content-disposition" => {
                        for item in value.split(';').map(str::trim) {
                            if let Some(v) = item.strip_prefix("name=") {
                                field.name = v.trim_matches('"').to_owned();
                            } else if let Some(v) = item.strip_prefix("filename=") {
                                field.file_name = Some(v.trim_matches('"').to_owned());
                            }
                        }
                    }
                    _ => {}
                }
            }
            fields.push(field);
        }
        fields
    }

    /// The multipart field `name`, the first if it is repeated.
    pub fn field(&self, name: &str) -> Option<Field> {
        self.multipart().into_iter().find(|f| f.name == name)
    }

    /// The texts of an embeddings request.
    pub fn inputs(&self) -> Vec<String> {
        self.body["input"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|i| i.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// What to answer.
pub enum Reply {
    /// A status, extra headers and a body.
    Http {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Keep the connection open and never answer.
    Silence,
    /// `200` with `text/event-stream`: each event's `data` written on its own, the body
    /// ended by closing the connection. After the first `gated` events the server waits for
    /// `gate` to open (at most 10 s) before writing the rest.
    Events {
        data: Vec<String>,
        gated: usize,
        gate: Option<Arc<Gate>>,
    },
}

/// Holds a streamed reply back until the client opens it.
#[derive(Default)]
pub struct Gate {
    /// Opened by the test (`notify_one`, which also opens a gate not yet waited at).
    pub open: Notify,
    /// Set once the server has written what follows the gate.
    pub passed: std::sync::atomic::AtomicBool,
}

impl Reply {
    /// A JSON answer.
    pub fn json(status: u16, body: &Value) -> Self {
        Self::Http {
            status,
            headers: Vec::new(),
            body: body.to_string(),
        }
    }
}

type Handler = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

/// A running fake server; it stops with the test's runtime.
pub struct FakeServer {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeServer {
    /// Starts a server that answers request number `n` (from 0, in arrival order) with
    /// `handler(n, &request)`.
    pub async fn start(
        handler: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = Arc::clone(&requests);
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let handler = Arc::clone(&handler);
                let recorded = Arc::clone(&recorded);
                tokio::spawn(serve(stream, handler, recorded));
            }
        });
        Self { base_url, requests }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(mut stream: TcpStream, handler: Arc<Handler>, recorded: Arc<Mutex<Vec<Recorded>>>) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let number = {
        let mut all = recorded.lock().unwrap();
        all.push(request.clone());
        all.len() - 1
    };
    match handler(number, &request) {
        Reply::Silence => tokio::time::sleep(Duration::from_secs(60)).await,
        Reply::Events { data, gated, gate } => {
            let head = "HTTP/1.1 200 Fake\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n";
            let _ = stream.write_all(head.as_bytes()).await;
            for (index, data) in data.iter().enumerate() {
                if index == gated
                    && let Some(gate) = &gate
                {
                    let _ =
                        tokio::time::timeout(Duration::from_secs(10), gate.open.notified()).await;
                    gate.passed.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                let _ = stream
                    .write_all(format!("data: {data}\n\n").as_bytes())
                    .await;
                let _ = stream.flush().await;
            }
            let _ = stream.shutdown().await;
        }
        Reply::Http {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} Fake\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
    }
}

async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 8192];
    let header_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
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
    let raw_body = buffer[header_end..header_end + length].to_vec();
    let body = serde_json::from_slice(&raw_body).unwrap_or(Value::Null);
    Some(Recorded {
        method,
        path,
        headers,
        body,
        raw_body,
    })
}

/// Where `needle` first occurs in `haystack`.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
