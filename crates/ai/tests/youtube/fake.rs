//! A fake YouTube on 127.0.0.1: a scripted HTTP/1.1 server that records every request and
//! answers each with what the test's handler returns for it, with any content type.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// The request line's method.
    pub method: String,
    /// The request line's path and query.
    pub target: String,
    /// Header names lower-cased, with their values.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl Recorded {
    /// The path without the query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    /// The query's parameters in order, as written (not percent-decoded).
    pub fn query(&self) -> Vec<(String, String)> {
        self.target
            .split_once('?')
            .map(|(_, query)| {
                query
                    .split('&')
                    .map(|pair| {
                        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
                        (name.to_owned(), value.to_owned())
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The value of query parameter `name`.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v)
    }

    /// The value of header `name` (lower-case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON (`Null` when it is not JSON).
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }
}

/// What to answer.
pub enum Reply {
    /// A status, a content type, extra headers and a body.
    Http {
        status: u16,
        content_type: &'static str,
        headers: Vec<(&'static str, String)>,
        body: String,
    },
    /// Keep the connection open and never answer.
    Silence,
}

impl Reply {
    /// A 200 answer of `content_type`.
    pub fn ok(content_type: &'static str, body: impl Into<String>) -> Self {
        Self::Http {
            status: 200,
            content_type,
            headers: Vec::new(),
            body: body.into(),
        }
    }

    /// A 200 HTML page.
    pub fn html(body: impl Into<String>) -> Self {
        Self::ok("text/html; charset=utf-8", body)
    }

    /// A 200 JSON answer.
    pub fn json(body: &Value) -> Self {
        Self::ok("application/json; charset=UTF-8", body.to_string())
    }

    /// A 200 XML answer.
    pub fn xml(body: impl Into<String>) -> Self {
        Self::ok("text/xml; charset=UTF-8", body)
    }

    /// An answer with `status`, a short HTML body and extra `headers`.
    pub fn status(status: u16, headers: Vec<(&'static str, String)>) -> Self {
        Self::Http {
            status,
            content_type: "text/html; charset=utf-8",
            headers,
            body: format!("<html><body>Error {status}</body></html>"),
        }
    }
}

type Handler = dyn Fn(&Recorded, &str) -> Reply + Send + Sync;

/// A running fake server; it stops with the test's runtime.
pub struct FakeYouTube {
    /// `http://127.0.0.1:<port>`.
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeYouTube {
    /// Starts a server that answers each request with `handler(&request, base_url)`, where
    /// `base_url` is its own address.
    pub async fn start(handler: impl Fn(&Recorded, &str) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = Arc::clone(&requests);
        let base = base_url.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve(
                    stream,
                    Arc::clone(&handler),
                    Arc::clone(&recorded),
                    base.clone(),
                ));
            }
        });
        Self { base_url, requests }
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    /// The requests received so far for `path`.
    pub fn requests_to(&self, path: &str) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.path() == path)
            .collect()
    }
}

async fn serve(
    mut stream: TcpStream,
    handler: Arc<Handler>,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    base_url: String,
) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    recorded.lock().unwrap().push(request.clone());
    match handler(&request, &base_url) {
        Reply::Silence => tokio::time::sleep(Duration::from_secs(60)).await,
        Reply::Http {
            status,
            content_type,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} Fake\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\nconnection: close\r\n",
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
    let target = request_line.next()?.to_owned();
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
    let body = String::from_utf8_lossy(&buffer[header_end..header_end + length]).into_owned();
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}
