//! The safe web fetcher: the address rule, refusals that send nothing, redirects, limits and
//! answers, against small HTTP servers on 127.0.0.1 and a test resolver.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use sophie_ai::{Resolve, SafeFetcher, SafeFetcherConfig, refusal};
use sophie_domain::DomainError;
use sophie_domain::ports::WebFetcher;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const MIB: usize = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// A minimal HTTP/1.1 server on 127.0.0.1 that counts connections and records requests.
// ---------------------------------------------------------------------------------------------

/// A request as the server read it.
#[derive(Clone, Debug)]
struct Request {
    path: String,
    /// Header names lower-cased, with their values.
    headers: Vec<(String, String)>,
}

impl Request {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server answers.
enum Reply {
    /// A status, headers and a body sent with its Content-Length.
    Sized {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// A 200 whose body has no declared length and ends when the connection closes.
    Unsized(Vec<u8>),
    /// Keep the connection open and never answer.
    Silence,
}

impl Reply {
    fn status(status: u16) -> Self {
        Self::Sized {
            status,
            headers: Vec::new(),
            body: format!("status {status}").into_bytes(),
        }
    }

    fn html(body: &str) -> Self {
        Self::Sized {
            status: 200,
            headers: vec![("content-type", "text/html; charset=utf-8".to_owned())],
            body: body.as_bytes().to_vec(),
        }
    }

    fn redirect(location: impl Into<String>) -> Self {
        Self::Sized {
            status: 302,
            headers: vec![("location", location.into())],
            body: Vec::new(),
        }
    }
}

type Handler = dyn Fn(usize, &Request) -> Reply + Send + Sync;

struct Server {
    address: SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<Request>>>,
}

impl Server {
    /// Answers request number `n` (from 0) with `handler(n, &request)`.
    async fn start(handler: impl Fn(usize, &Request) -> Reply + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let (counted, recorded) = (Arc::clone(&connections), Arc::clone(&requests));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                counted.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(stream, Arc::clone(&handler), Arc::clone(&recorded)));
            }
        });
        Self {
            address,
            connections,
            requests,
        }
    }

    /// A server that answers every request with a short HTML page.
    async fn page() -> Self {
        Self::start(|_, _| Reply::html("<p>hello</p>")).await
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    fn port(&self) -> u16 {
        self.address.port()
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(mut stream: TcpStream, handler: Arc<Handler>, recorded: Arc<Mutex<Vec<Request>>>) {
    let Some(request) = read_head(&mut stream).await else {
        return;
    };
    let number = {
        let mut all = recorded.lock().unwrap();
        all.push(request.clone());
        all.len() - 1
    };
    let (head, body) = match handler(number, &request) {
        Reply::Silence => {
            tokio::time::sleep(Duration::from_secs(60)).await;
            return;
        }
        Reply::Sized {
            status,
            headers,
            body,
        } => {
            let mut head = format!(
                "HTTP/1.1 {status} Test\r\ncontent-length: {}\r\nconnection: close\r\n",
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            (head, body)
        }
        Reply::Unsized(body) => (
            "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\nconnection: close\r\n"
                .to_owned(),
            body,
        ),
    };
    let _ = stream.write_all(format!("{head}\r\n").as_bytes()).await;
    let _ = stream.write_all(&body).await;
    let _ = stream.shutdown().await;
}

async fn read_head(stream: &mut TcpStream) -> Option<Request> {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 4096];
    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    }
    let head = String::from_utf8_lossy(&buffer).into_owned();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_owned();
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some(Request { path, headers })
}

/// A port nothing listens on (bound, then released).
async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap().port()
}

// ---------------------------------------------------------------------------------------------
// A resolver the test controls: each name answers its list of answers in turn, the last one
// repeated; every lookup is recorded.
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct TestResolver {
    answers: HashMap<String, Vec<Vec<IpAddr>>>,
    calls: Mutex<Vec<String>>,
}

impl TestResolver {
    fn with(mut self, name: &str, answer: &[&str]) -> Self {
        self.answers
            .entry(name.to_owned())
            .or_default()
            .push(answer.iter().map(|ip| ip.parse().unwrap()).collect());
        self
    }

    fn calls(&self, name: &str) -> usize {
        self.calls
            .lock()
            .unwrap()
            .iter()
            .filter(|n| *n == name)
            .count()
    }
}

#[async_trait]
impl Resolve for TestResolver {
    async fn resolve(&self, host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        let earlier = {
            let mut calls = self.calls.lock().unwrap();
            calls.push(host.to_owned());
            calls.iter().filter(|n| *n == host).count() - 1
        };
        let answers = self
            .answers
            .get(host)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such host"))?;
        let answer = &answers[earlier.min(answers.len() - 1)];
        Ok(answer.iter().map(|ip| SocketAddr::new(*ip, port)).collect())
    }
}

// ---------------------------------------------------------------------------------------------
// Fetchers and assertions.
// ---------------------------------------------------------------------------------------------

/// The defaults with waits short enough for tests, allowing `allow`.
fn config(allow: &[SocketAddr]) -> SafeFetcherConfig {
    SafeFetcherConfig {
        retry_base_delay: Duration::from_millis(1),
        retry_max_delay: Duration::from_millis(50),
        allow: allow.to_vec(),
        ..SafeFetcherConfig::default()
    }
}

/// A fetcher allowed to reach `servers`.
fn fetcher_for(servers: &[&Server]) -> SafeFetcher {
    let allow: Vec<SocketAddr> = servers.iter().map(|s| s.address).collect();
    SafeFetcher::new(config(&allow)).unwrap()
}

/// The message of a `Validation` error on `sourceUrl`, or a panic naming what came instead.
fn refused<T: std::fmt::Debug>(result: Result<T, DomainError>, what: &str) -> String {
    match result {
        Err(DomainError::Validation { field, message }) if field == "sourceUrl" => message,
        other => panic!("{what}: expected a refusal on sourceUrl, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// The address rule.
// ---------------------------------------------------------------------------------------------

fn reason(ip: &str) -> Option<&'static str> {
    refusal(ip.parse().unwrap())
}

/// Asserts that `inside` is refused for `expected` and `outside` is not (or is refused for
/// another reason).
fn boundary(expected: &str, inside: &[&str], outside: &[&str]) {
    for ip in inside {
        let got = reason(ip);
        assert!(
            got.is_some_and(|r| r.contains(expected)),
            "{ip}: expected {expected:?}, got {got:?}"
        );
    }
    for ip in outside {
        let got = reason(ip);
        assert!(
            !got.is_some_and(|r| r.contains(expected)),
            "{ip}: expected not {expected:?}, got {got:?}"
        );
    }
}

#[test]
fn the_rule_refuses_each_ipv4_range_up_to_its_edges() {
    boundary(
        "loopback",
        &["127.0.0.0", "127.0.0.1", "127.255.255.255"],
        &["126.255.255.255", "128.0.0.0"],
    );
    boundary(
        "private network",
        &[
            "10.0.0.0",
            "10.255.255.255",
            "172.16.0.0",
            "172.31.255.255",
            "192.168.0.0",
            "192.168.255.255",
        ],
        &[
            "9.255.255.255",
            "11.0.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.167.255.255",
            "192.169.0.0",
        ],
    );
    boundary(
        "cloud metadata",
        &["169.254.169.254", "100.100.100.200"],
        &["169.254.169.253", "169.254.169.255", "100.100.100.201"],
    );
    boundary(
        "link-local",
        &["169.254.0.0", "169.254.169.253", "169.254.255.255"],
        &["169.253.255.255", "169.255.0.0", "169.254.169.254"],
    );
    boundary(
        "carrier-grade NAT",
        &["100.64.0.0", "100.127.255.255", "100.100.100.199"],
        &["100.63.255.255", "100.128.0.0", "100.100.100.200"],
    );
    boundary(
        "multicast",
        &["224.0.0.0", "239.255.255.255"],
        &["223.255.255.255", "240.0.0.0"],
    );
    boundary("unspecified", &["0.0.0.0", "0.255.255.255"], &["1.0.0.0"]);
    boundary("broadcast", &["255.255.255.255"], &["255.255.255.254"]);
    boundary(
        "benchmarking",
        &["198.18.0.0", "198.19.255.255"],
        &["198.17.255.255", "198.20.0.0"],
    );
    boundary(
        "documentation",
        &[
            "192.0.2.0",
            "192.0.2.255",
            "198.51.100.0",
            "198.51.100.255",
            "203.0.113.0",
            "203.0.113.255",
        ],
        &[
            "192.0.1.255",
            "192.0.3.0",
            "198.51.99.255",
            "198.51.101.0",
            "203.0.112.255",
            "203.0.114.0",
        ],
    );
    boundary(
        "reserved address",
        &["240.0.0.0", "255.255.255.254", "192.88.99.1"],
        &["239.255.255.255", "255.255.255.255", "192.88.98.255"],
    );
    boundary(
        "protocol assignments",
        &["192.0.0.0", "192.0.0.255"],
        &["191.255.255.255", "192.0.1.0"],
    );
    for public in [
        "1.1.1.1",
        "8.8.8.8",
        "93.184.215.14",
        "100.63.255.255",
        "100.128.0.0",
        "172.15.255.255",
        "172.32.0.0",
        "223.255.255.255",
    ] {
        assert_eq!(reason(public), None, "{public}");
    }
}

#[test]
fn the_rule_refuses_each_ipv6_range_up_to_its_edges() {
    boundary("loopback", &["::1"], &["::2", "::"]);
    boundary("unspecified", &["::"], &["::1"]);
    boundary(
        "private network",
        &[
            "fc00::",
            "fd00::1",
            "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "64:ff9b:1::1",
        ],
        &["fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fe00::"],
    );
    boundary(
        "cloud metadata",
        &["fd00:ec2::254"],
        &["fd00:ec2::253", "fd00:ec2::255"],
    );
    boundary(
        "link-local",
        &[
            "fe80::",
            "fe80::1",
            "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ],
        &["fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "fec0::"],
    );
    boundary(
        "site-local",
        &["fec0::", "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
        &["febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ff00::"],
    );
    boundary(
        "multicast",
        &[
            "ff00::",
            "ff02::1",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
        ],
        &["feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"],
    );
    boundary(
        "discard",
        &["100::", "100::ffff:ffff:ffff:ffff"],
        &["100:0:0:1::", "ff::ffff:ffff:ffff:ffff"],
    );
    boundary(
        "documentation",
        &[
            "2001:db8::",
            "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff",
            "3fff::",
            "3fff:fff::1",
        ],
        &["2001:db7:ffff::1", "2001:db9::", "3fff:1000::"],
    );
    boundary(
        "benchmarking",
        &["2001:2::", "2001:2:0:ffff::1"],
        &["2001:1:ffff::1", "2001:2:1::"],
    );
    boundary(
        "protocol assignments",
        &["2001::", "2001:0:1234::1", "2001:1ff:ffff::1"],
        &["2001:200::", "2000:ffff:ffff::1"],
    );
    boundary(
        "reserved address",
        &[
            "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            "4000::",
            "::2:0:0:0",
        ],
        &["2000::", "3ffe:ffff::1"],
    );
    for public in [
        "2000::",
        "2001:200::",
        "2001:4860:4860::8888",
        "2606:4700:4700::1111",
        "2a00:1450:4001::1",
        "3ffe:ffff::1",
    ] {
        assert_eq!(reason(public), None, "{public}");
    }
}

#[test]
fn ipv6_addresses_that_carry_an_ipv4_address_are_judged_by_it() {
    let private = Some("an address in a private network");
    for carrier in [
        "::ffff:10.0.0.1",   // IPv4-mapped
        "::ffff:0:10.0.0.1", // IPv4-translated
        "::10.0.0.1",        // IPv4-compatible
        "64:ff9b::10.0.0.1", // NAT64
        "2002:0a00:0001::",  // 6to4 of 10.0.0.1
        "2002:0a00:0001:ffff::1",
    ] {
        assert_eq!(reason(carrier), private, "{carrier}");
    }
    assert!(reason("::ffff:127.0.0.1").unwrap().contains("loopback"));
    assert!(
        reason("::ffff:169.254.169.254")
            .unwrap()
            .contains("metadata")
    );
    assert!(reason("2002:a9fe:a9fe::").unwrap().contains("metadata"));
    for public in [
        "::ffff:8.8.8.8",
        "::ffff:0:8.8.8.8",
        "::8.8.8.8",
        "64:ff9b::8.8.8.8",
        "2002:0808:0808::1",
    ] {
        assert_eq!(reason(public), None, "{public}");
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration.
// ---------------------------------------------------------------------------------------------

#[test]
fn the_defaults_are_the_documented_limits() {
    let config = SafeFetcherConfig::default();
    assert_eq!(config.max_bytes, 10 * MIB);
    assert_eq!(config.timeout, Duration::from_secs(20));
    assert_eq!(config.max_redirects, 5);
    assert_eq!(config.max_retries, 2);
    assert!(config.allow.is_empty());
}

#[test]
fn only_loopback_addresses_may_be_allowed() {
    for address in ["10.0.0.1:80", "93.184.215.14:443", "[fd00::1]:80"] {
        let config = SafeFetcherConfig {
            allow: vec![address.parse().unwrap()],
            ..SafeFetcherConfig::default()
        };
        match SafeFetcher::new(config) {
            Err(DomainError::Validation { field, .. }) => {
                assert_eq!(field, "IMPORT_FETCH_ALLOW", "{address}");
            }
            other => panic!("{address}: expected a refusal, got {other:?}"),
        }
    }
    for address in ["127.0.0.1:8080", "127.1.2.3:1", "[::1]:8080"] {
        let config = SafeFetcherConfig {
            allow: vec![address.parse().unwrap()],
            ..SafeFetcherConfig::default()
        };
        assert!(SafeFetcher::new(config).is_ok(), "{address}");
    }
}

// ---------------------------------------------------------------------------------------------
// Loopback servers: refused by default, never contacted; fetched when allowed.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_default_fetcher_refuses_a_loopback_server_without_contacting_it() {
    let server = Server::page().await;
    let fetcher = SafeFetcher::new(SafeFetcherConfig::default()).unwrap();
    for url in [
        server.url("/"),
        format!("http://[::1]:{}/", server.port()),
        format!("http://[::ffff:127.0.0.1]:{}/", server.port()),
        format!("http://2130706433:{}/", server.port()),
        format!("http://0x7f.1:{}/", server.port()),
        format!("http://localhost:{}/", server.port()),
    ] {
        let message = refused(fetcher.fetch(url.clone()).await, &url);
        assert!(message.contains("loopback"), "{url}: {message}");
        assert!(
            message.ends_with("sophie fetches only public web addresses"),
            "{message}"
        );
        refused(fetcher.check(url.clone()).await, &url);
    }
    assert_eq!(server.connections(), 0, "the server was contacted");
}

#[tokio::test]
async fn an_allowed_test_address_is_fetched_on_its_port_only() {
    let server = Server::page().await;
    let fetcher = fetcher_for(&[&server]);
    let page = fetcher.fetch(server.url("/page")).await.unwrap();
    assert_eq!(page.url, server.url("/page"));
    assert_eq!(page.bytes, b"<p>hello</p>");
    fetcher.check(server.url("/")).await.unwrap();

    // Another port of the same IP is not allowed.
    let other = Server::page().await;
    refused(fetcher.fetch(other.url("/")).await, "another port");
    assert_eq!(other.connections(), 0);
}

// ---------------------------------------------------------------------------------------------
// Redirects.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn redirects_to_a_loopback_server_that_is_not_allowed_are_refused() {
    let target = Server::page().await;
    let to_ip = format!("http://127.0.0.1:{}/secret", target.port());
    let to_name = format!("http://localhost:{}/secret", target.port());
    let start = Server::start(move |_, request| match request.path.as_str() {
        "/to-ip" => Reply::redirect(to_ip.clone()),
        "/to-name" => Reply::redirect(to_name.clone()),
        "/to-ftp" => Reply::redirect("ftp://example.com/file"),
        "/to-credentials" => Reply::redirect("http://user:secret@example.com/"),
        _ => Reply::status(404),
    })
    .await;
    let fetcher = fetcher_for(&[&start]);
    for path in ["/to-ip", "/to-name"] {
        let message = refused(fetcher.fetch(start.url(path)).await, path);
        assert!(message.contains("loopback"), "{path}: {message}");
    }
    for path in ["/to-ftp", "/to-credentials"] {
        let message = refused(fetcher.fetch(start.url(path)).await, path);
        assert!(message.contains("redirects to"), "{path}: {message}");
    }
    assert_eq!(target.connections(), 0, "the redirect target was contacted");
    assert_eq!(start.requests().len(), 4);
}

#[tokio::test]
async fn a_relative_redirect_is_followed_and_the_final_url_reported() {
    let server = Server::start(|_, request| match request.path.as_str() {
        "/start" => Reply::redirect("/next?x=1"),
        "/next?x=1" => Reply::Sized {
            status: 301,
            headers: vec![("location", "last".to_owned())],
            body: Vec::new(),
        },
        "/last" => Reply::html("arrived"),
        _ => Reply::status(404),
    })
    .await;
    let fetcher = fetcher_for(&[&server]);
    let page = fetcher.fetch(server.url("/start")).await.unwrap();
    assert_eq!(page.url, server.url("/last"));
    assert_eq!(page.bytes, b"arrived");
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/start", "/next?x=1", "/last"]);
}

#[tokio::test]
async fn five_redirects_are_followed_and_a_sixth_is_refused() {
    // `/hop/N` redirects to `/hop/N-1`; `/hop/0` is the page.
    let server = Server::start(|_, request| {
        let left: u32 = request.path.trim_start_matches("/hop/").parse().unwrap();
        if left == 0 {
            Reply::html("end")
        } else {
            Reply::redirect(format!("/hop/{}", left - 1))
        }
    })
    .await;
    let fetcher = fetcher_for(&[&server]);
    let page = fetcher.fetch(server.url("/hop/5")).await.unwrap();
    assert_eq!(page.url, server.url("/hop/0"));
    assert_eq!(server.requests().len(), 6);

    let message = refused(fetcher.fetch(server.url("/hop/6")).await, "six redirects");
    assert!(message.contains("more than 5"), "{message}");
    // The sixth redirect's target is never requested.
    assert_eq!(server.requests().len(), 12);
    let last = server.requests().last().unwrap().path.clone();
    assert_eq!(last, "/hop/1");
}

// ---------------------------------------------------------------------------------------------
// Names and literals: refused by check and fetch with no connection made.
// ---------------------------------------------------------------------------------------------

fn test_resolver() -> TestResolver {
    TestResolver::default()
        .with("ten.test", &["10.0.0.1"])
        .with("home.test", &["192.168.1.1"])
        .with("metadata.test", &["169.254.169.254"])
        .with("ula.test", &["fd00::1"])
        .with("mapped.test", &["::ffff:10.0.0.1"])
        .with("mixed.test", &["93.184.215.14", "10.0.0.1"])
        .with(
            "public.test",
            &["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"],
        )
}

#[tokio::test]
async fn names_that_resolve_to_any_refused_address_are_refused() {
    let resolver = Arc::new(test_resolver());
    let fetcher =
        SafeFetcher::with_resolver(SafeFetcherConfig::default(), resolver.clone()).unwrap();
    for (name, expected) in [
        (
            "ten.test",
            "10.0.0.1, which is an address in a private network",
        ),
        (
            "home.test",
            "192.168.1.1, which is an address in a private network",
        ),
        (
            "metadata.test",
            "169.254.169.254, which is a cloud metadata address",
        ),
        (
            "ula.test",
            "fd00::1, which is an address in a private network",
        ),
        (
            "mapped.test",
            "::ffff:10.0.0.1, which is an address in a private network",
        ),
        (
            "mixed.test",
            "10.0.0.1, which is an address in a private network",
        ),
    ] {
        let url = format!("https://{name}/notes");
        for result in [
            fetcher.check(url.clone()).await,
            fetcher.fetch(url.clone()).await.map(|_| ()),
        ] {
            let message = refused(result, name);
            assert_eq!(
                message,
                format!("{name} resolves to {expected}; sophie fetches only public web addresses")
            );
        }
        // Each decision took one lookup: the fetch was refused before connecting.
        assert_eq!(resolver.calls(name), 2, "{name}");
    }
}

#[tokio::test]
async fn refused_ip_literals_name_the_address_and_why() {
    let resolver = Arc::new(TestResolver::default());
    let fetcher =
        SafeFetcher::with_resolver(SafeFetcherConfig::default(), resolver.clone()).unwrap();
    for (url, expected) in [
        (
            "http://10.0.0.1/",
            "10.0.0.1 is an address in a private network",
        ),
        (
            "http://169.254.169.254/latest/meta-data/",
            "169.254.169.254 is a cloud metadata address",
        ),
        (
            "http://[fd00::1]/",
            "fd00::1 is an address in a private network",
        ),
        (
            "http://[fd00:ec2::254]/",
            "fd00:ec2::254 is a cloud metadata address",
        ),
        ("http://2130706433/", "127.0.0.1 is a loopback address"),
        ("http://0x7f.1/", "127.0.0.1 is a loopback address"),
        ("http://0/", "0.0.0.0 is an unspecified address"),
        ("http://[::]/", ":: is an unspecified address"),
        (
            "http://100.100.100.200/",
            "100.100.100.200 is a cloud metadata address",
        ),
        (
            "https://192.168.0.1:8443/admin",
            "192.168.0.1 is an address in a private network",
        ),
    ] {
        for result in [
            fetcher.check(url.to_owned()).await,
            fetcher.fetch(url.to_owned()).await.map(|_| ()),
        ] {
            let message = refused(result, url);
            assert!(message.starts_with(expected), "{url}: {message}");
        }
    }
    assert!(
        resolver.calls.lock().unwrap().is_empty(),
        "literals are not resolved"
    );
}

#[tokio::test]
async fn other_schemes_credentials_and_non_urls_are_refused() {
    let fetcher =
        SafeFetcher::with_resolver(SafeFetcherConfig::default(), Arc::new(test_resolver()))
            .unwrap();
    for (url, expected) in [
        ("ftp://public.test/file.pdf", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("gopher://public.test/", "only http and https"),
        ("javascript:alert(1)", "only http and https"),
        ("data:text/html,hello", "only http and https"),
        ("http://user:secret@public.test/", "user name or password"),
        ("https://user@public.test/", "user name or password"),
        ("public.test/page", "not a web address"),
        ("", "not a web address"),
        ("http://", "not a web address"),
    ] {
        for result in [
            fetcher.check(url.to_owned()).await,
            fetcher.fetch(url.to_owned()).await.map(|_| ()),
        ] {
            let message = refused(result, url);
            assert!(message.contains(expected), "{url}: {message}");
        }
    }
}

#[tokio::test]
async fn unknown_hosts_are_refused() {
    let fetcher =
        SafeFetcher::with_resolver(SafeFetcherConfig::default(), Arc::new(test_resolver()))
            .unwrap();
    let message = refused(
        fetcher.check("https://nowhere.test/".into()).await,
        "unknown",
    );
    assert!(
        message.contains("nowhere.test cannot be found"),
        "{message}"
    );
    let empty = TestResolver::default().with("empty.test", &[]);
    let fetcher =
        SafeFetcher::with_resolver(SafeFetcherConfig::default(), Arc::new(empty)).unwrap();
    let message = refused(fetcher.check("https://empty.test/".into()).await, "empty");
    assert!(message.contains("no address"), "{message}");
}

#[tokio::test]
async fn a_name_resolving_to_public_addresses_passes_the_check() {
    let resolver = Arc::new(test_resolver());
    let fetcher =
        SafeFetcher::with_resolver(SafeFetcherConfig::default(), resolver.clone()).unwrap();
    // Nothing listens there and nothing is sent: the check only resolves.
    fetcher
        .check("https://public.test/course/notes.pdf".into())
        .await
        .unwrap();
    fetcher.check("http://93.184.215.14/".into()).await.unwrap();
    fetcher
        .check("http://[2606:4700:4700::1111]/".into())
        .await
        .unwrap();
    assert_eq!(resolver.calls("public.test"), 1);
}

// ---------------------------------------------------------------------------------------------
// The connection goes through the same check.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn connections_resolve_names_through_the_checked_resolver() {
    let server = Server::page().await;
    let resolver = Arc::new(TestResolver::default().with("importer.test", &["127.0.0.1"]));
    let fetcher = SafeFetcher::with_resolver(config(&[server.address]), resolver.clone()).unwrap();
    let url = format!("http://importer.test:{}/page", server.port());
    let page = fetcher.fetch(url.clone()).await.unwrap();
    assert_eq!(page.url, url);
    assert_eq!(
        server.requests()[0].header("host"),
        Some(&*format!("importer.test:{}", server.port()))
    );
    // Once to check, once when reqwest connected: the name never reached the system resolver.
    assert_eq!(resolver.calls("importer.test"), 2);
}

#[tokio::test]
async fn a_name_that_changes_address_after_the_check_is_refused_at_connection() {
    let server = Server::page().await;
    // The first lookup (the check) gives the allowed server, the next ones another address.
    let resolver = Arc::new(
        TestResolver::default()
            .with("rebind.test", &["127.0.0.1"])
            .with("rebind.test", &["127.0.0.2"]),
    );
    let fetcher = SafeFetcher::with_resolver(config(&[server.address]), resolver.clone()).unwrap();
    let url = format!("http://rebind.test:{}/", server.port());
    let message = refused(fetcher.fetch(url).await, "rebinding");
    assert!(
        message.contains("rebind.test resolves to 127.0.0.2, which is a loopback address"),
        "{message}"
    );
    assert_eq!(resolver.calls("rebind.test"), 2, "refusals are not retried");
    assert_eq!(server.connections(), 0);
}

// ---------------------------------------------------------------------------------------------
// Answers, limits and failures.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn requests_name_sophie_and_prefer_html_then_pdf() {
    let server = Server::page().await;
    fetcher_for(&[&server])
        .fetch(server.url("/"))
        .await
        .unwrap();
    let request = &server.requests()[0];
    assert!(request.header("user-agent").unwrap().starts_with("sophie/"));
    let accept = request.header("accept").unwrap();
    assert!(accept.starts_with("text/html"), "{accept}");
    let pdf = accept.find("application/pdf").unwrap();
    let any = accept.find("*/*").unwrap();
    assert!(pdf < any, "{accept}");
}

#[tokio::test]
async fn the_content_type_is_lowercased_and_text_in_its_charset_made_utf8() {
    let server = Server::start(|_, request| match request.path.as_str() {
        "/latin" => Reply::Sized {
            status: 200,
            headers: vec![(
                "content-type",
                "Text/HTML; Charset=\"ISO-8859-1\"".to_owned(),
            )],
            body: b"caf\xe9".to_vec(),
        },
        "/pdf" => Reply::Sized {
            status: 200,
            headers: vec![("content-type", "application/pdf".to_owned())],
            body: b"%PDF-1.7".to_vec(),
        },
        _ => Reply::Sized {
            status: 200,
            headers: Vec::new(),
            body: b"bare".to_vec(),
        },
    })
    .await;
    let fetcher = fetcher_for(&[&server]);
    let latin = fetcher.fetch(server.url("/latin")).await.unwrap();
    assert_eq!(latin.content_type.as_deref(), Some("text/html"));
    // Read as the charset the server declared, and handed on as UTF-8.
    assert_eq!(latin.charset.as_deref(), Some("utf-8"));
    assert_eq!(latin.bytes, "café".as_bytes());
    let pdf = fetcher.fetch(server.url("/pdf")).await.unwrap();
    assert_eq!(pdf.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(pdf.charset, None);
    let bare = fetcher.fetch(server.url("/bare")).await.unwrap();
    assert_eq!((bare.content_type, bare.charset), (None, None));
}

#[tokio::test]
async fn bodies_larger_than_the_limit_are_refused_with_or_without_a_length() {
    let server = Server::start(|_, request| match request.path.as_str() {
        "/exact" => Reply::Sized {
            status: 200,
            headers: Vec::new(),
            body: vec![b'a'; MIB],
        },
        "/declared" => Reply::Sized {
            status: 200,
            headers: Vec::new(),
            body: vec![b'a'; MIB + 1],
        },
        "/streamed-exact" => Reply::Unsized(vec![b'a'; MIB]),
        _ => Reply::Unsized(vec![b'a'; 3 * MIB]),
    })
    .await;
    let fetcher = SafeFetcher::new(SafeFetcherConfig {
        max_bytes: MIB,
        ..config(&[server.address])
    })
    .unwrap();
    assert_eq!(
        fetcher
            .fetch(server.url("/exact"))
            .await
            .unwrap()
            .bytes
            .len(),
        MIB
    );
    assert_eq!(
        fetcher
            .fetch(server.url("/streamed-exact"))
            .await
            .unwrap()
            .bytes
            .len(),
        MIB
    );
    for path in ["/declared", "/streamed"] {
        match fetcher.fetch(server.url(path)).await {
            Err(DomainError::TooLarge { field, message }) => {
                assert_eq!(field, "sourceUrl");
                assert!(message.contains("1 MiB"), "{path}: {message}");
            }
            other => panic!("{path}: expected TooLarge, got {other:?}"),
        }
    }
    // A body too large is not retried.
    assert_eq!(server.requests().len(), 4);
}

#[tokio::test]
async fn missing_pages_are_not_found() {
    let server =
        Server::start(|_, request| Reply::status(if request.path == "/gone" { 410 } else { 404 }))
            .await;
    let fetcher = fetcher_for(&[&server]);
    for path in ["/missing", "/gone"] {
        match fetcher.fetch(server.url(path)).await {
            Err(DomainError::NotFound { entity }) => assert_eq!(entity, "web page"),
            other => panic!("{path}: expected NotFound, got {other:?}"),
        }
    }
    assert_eq!(server.requests().len(), 2, "not retried");
}

#[tokio::test]
async fn client_errors_are_refusals_naming_the_status() {
    let server = Server::start(|_, request| {
        Reply::status(if request.path == "/teapot" { 418 } else { 403 })
    })
    .await;
    let fetcher = fetcher_for(&[&server]);
    let message = refused(fetcher.fetch(server.url("/private")).await, "403");
    assert_eq!(message, "the page answered 403 Forbidden");
    let message = refused(fetcher.fetch(server.url("/teapot")).await, "418");
    assert!(message.contains("418"), "{message}");
    assert_eq!(server.requests().len(), 2, "not retried");
}

#[tokio::test]
async fn server_errors_are_retried_before_the_page_is_fetched() {
    let server = Server::start(|n, _| match n {
        0 => Reply::status(503),
        1 => Reply::Sized {
            status: 429,
            headers: vec![("retry-after", "0".to_owned())],
            body: Vec::new(),
        },
        _ => Reply::html("finally"),
    })
    .await;
    let page = fetcher_for(&[&server])
        .fetch(server.url("/"))
        .await
        .unwrap();
    assert_eq!(page.bytes, b"finally");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_server_that_keeps_failing_is_unavailable_after_the_retries() {
    let server = Server::start(|_, _| Reply::status(503)).await;
    match fetcher_for(&[&server]).fetch(server.url("/")).await {
        Err(DomainError::Unavailable { service, message }) => {
            assert_eq!(service, "web");
            assert!(message.contains("503"), "{message}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
    assert_eq!(server.requests().len(), 3, "one attempt and two retries");
}

#[tokio::test]
async fn a_connection_that_fails_is_unavailable_after_the_retries() {
    let address: SocketAddr = format!("127.0.0.1:{}", closed_port().await)
        .parse()
        .unwrap();
    let fetcher = SafeFetcher::new(config(&[address])).unwrap();
    match fetcher.fetch(format!("http://{address}/")).await {
        Err(DomainError::Unavailable { service, message }) => {
            assert_eq!(service, "web");
            assert!(message.contains("after 3 attempts"), "{message}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_fetch_that_takes_too_long_is_unavailable() {
    let server = Server::start(|_, _| Reply::Silence).await;
    let fetcher = SafeFetcher::new(SafeFetcherConfig {
        timeout: Duration::from_millis(300),
        ..config(&[server.address])
    })
    .unwrap();
    match fetcher.fetch(server.url("/")).await {
        Err(DomainError::Unavailable { service, message }) => {
            assert_eq!(service, "web");
            assert_eq!(message, "no answer within 300 ms");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}
