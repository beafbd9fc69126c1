//! A small S3-compatible server for tests, on loopback: one bucket, objects in memory, and the
//! part of the S3 API that [`ObjectBlobStore::s3`](crate::ObjectBlobStore::s3) uses: `PUT`,
//! `GET`, `HEAD` and `DELETE` of an object (path-style, `/{bucket}/{key}`), `ListObjectsV2`
//! (`GET /{bucket}?list-type=2&prefix=...`, followed page by page) and the bulk
//! `DeleteObjects` (`POST /{bucket}?delete`).
//!
//! Every request must be signed with AWS Signature Version 4 by [`FakeS3::ACCESS_KEY_ID`] and
//! [`FakeS3::SECRET_ACCESS_KEY`] for [`FakeS3::REGION`]: the server recomputes the signature
//! and the payload's SHA-256, and answers 403 to an unsigned or wrongly signed request, as S3
//! does. What it does not implement (ranges, conditional requests, multipart uploads,
//! delimiters, ...) it answers `501 NotImplemented` rather than pretending.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};

use actix_web::dev::ServerHandle;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::{DateTime, SecondsFormat, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use quick_xml::escape::{escape, unescape};
use quick_xml::events::Event;
use ring::{digest, hmac};

use crate::blobs::S3Settings;

/// The query characters SigV4 leaves as they are; everything else is `%XX`.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');
/// Keys per page of a listing: few, so that a client must follow the continuation tokens.
const PAGE: usize = 2;
/// The largest body accepted.
const BODY_LIMIT: usize = 256 * 1024 * 1024;

/// An object as the server holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeObject {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The `Content-Type` it was stored with, if any.
    pub content_type: Option<String>,
    last_modified: DateTime<Utc>,
}

impl FakeObject {
    /// The quoted entity tag S3 gives a single-part object: a digest of its bytes.
    fn etag(&self) -> String {
        format!(
            "\"{}\"",
            &hex(digest::digest(&digest::SHA256, &self.bytes).as_ref())[..32]
        )
    }
}

#[derive(Debug)]
struct Bucket {
    objects: Mutex<BTreeMap<String, FakeObject>>,
}

impl Bucket {
    fn objects(&self) -> MutexGuard<'_, BTreeMap<String, FakeObject>> {
        self.objects
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A running fake S3 server; it stops when dropped.
#[derive(Debug)]
pub struct FakeS3 {
    endpoint: String,
    bucket: Arc<Bucket>,
    server: ServerHandle,
}

impl Drop for FakeS3 {
    fn drop(&mut self) {
        // The stop command is sent at once; waiting for it to finish is not needed.
        drop(self.server.stop(false));
    }
}

impl FakeS3 {
    /// The only bucket.
    pub const BUCKET: &'static str = "sophie-test";
    /// The access key id requests must be signed with.
    pub const ACCESS_KEY_ID: &'static str = "FAKES3ACCESSKEY";
    /// The secret requests must be signed with.
    pub const SECRET_ACCESS_KEY: &'static str = "fake-s3-secret-access-key";
    /// The region requests must be signed for.
    pub const REGION: &'static str = "us-east-1";

    /// Starts a server on 127.0.0.1, on a free port.
    ///
    /// # Panics
    ///
    /// When no port can be bound.
    pub async fn start() -> Self {
        let bucket = Arc::new(Bucket {
            objects: Mutex::new(BTreeMap::new()),
        });
        let shared = web::Data::from(bucket.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .app_data(web::PayloadConfig::new(BODY_LIMIT))
                .default_service(web::to(answer))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("bind the fake S3 server to a free port");
        let endpoint = format!("http://{}", server.addrs()[0]);
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        Self {
            endpoint,
            bucket,
            server: handle,
        }
    }

    /// The server's URL, `http://127.0.0.1:{port}`.
    #[must_use]
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Settings that reach this server's bucket, path-style, with the right keys.
    #[must_use]
    pub fn settings(&self) -> S3Settings {
        let mut settings =
            S3Settings::new(Self::BUCKET, Self::ACCESS_KEY_ID, Self::SECRET_ACCESS_KEY);
        settings.endpoint = Some(self.endpoint.clone());
        settings.region = Self::REGION.to_owned();
        settings
    }

    /// Every key held, in order.
    #[must_use]
    pub fn keys(&self) -> Vec<String> {
        self.bucket.objects().keys().cloned().collect()
    }

    /// The object under `key`, if any.
    #[must_use]
    pub fn object(&self, key: &str) -> Option<FakeObject> {
        self.bucket.objects().get(key).cloned()
    }
}

/// An S3 error answer.
struct Refusal {
    status: StatusCode,
    code: &'static str,
    message: String,
}

fn refuse(status: StatusCode, code: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        status,
        code,
        message: message.into(),
    }
}

fn not_implemented(what: impl Into<String>) -> Refusal {
    refuse(
        StatusCode::NOT_IMPLEMENTED,
        "NotImplemented",
        format!("the fake S3 server does not implement {}", what.into()),
    )
}

async fn answer(request: HttpRequest, body: web::Bytes, bucket: web::Data<Bucket>) -> HttpResponse {
    match serve(&request, &body, &bucket) {
        Ok(response) => response,
        Err(refusal) => HttpResponse::build(refusal.status)
            .content_type("application/xml")
            .body(format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code>\
                 <Message>{}</Message><Resource>{}</Resource></Error>",
                refusal.code,
                escape(refusal.message.as_str()),
                escape(request.uri().path()),
            )),
    }
}

fn serve(request: &HttpRequest, body: &[u8], bucket: &Bucket) -> Result<HttpResponse, Refusal> {
    verify_signature(request, body)?;
    let path = request.uri().path();
    let (name, key) = path
        .strip_prefix('/')
        .unwrap_or(path)
        .split_once('/')
        .unwrap_or((path.trim_start_matches('/'), ""));
    let name = decode(name)?;
    let key = decode(key)?;
    if name != FakeS3::BUCKET {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "NoSuchBucket",
            format!("there is no bucket {name:?}"),
        ));
    }
    let query: Vec<(String, String)> = form_urlencoded::parse(request.query_string().as_bytes())
        .into_owned()
        .collect();
    let method = request.method();
    if key.is_empty() {
        if *method == Method::GET && has(&query, "list-type", Some("2")) {
            return list(&query, bucket);
        }
        if *method == Method::POST && has(&query, "delete", None) {
            return delete_objects(body, bucket);
        }
        return Err(not_implemented(format!(
            "{method} on the bucket with {:?}",
            request.query_string()
        )));
    }
    if !query.is_empty() {
        return Err(not_implemented(format!(
            "{method} on an object with {:?}",
            request.query_string()
        )));
    }
    for unsupported in [
        "range",
        "if-match",
        "if-none-match",
        "if-modified-since",
        "if-unmodified-since",
        "x-amz-copy-source",
    ] {
        if request.headers().contains_key(unsupported) {
            return Err(not_implemented(format!("the {unsupported} header")));
        }
    }
    match *method {
        Method::PUT => put(request, body, key, bucket),
        Method::GET | Method::HEAD => get(&key, bucket),
        Method::DELETE => {
            // Deleting what is not there succeeds, as in S3.
            bucket.objects().remove(&key);
            Ok(HttpResponse::NoContent().finish())
        }
        _ => Err(not_implemented(format!("{method} on an object"))),
    }
}

fn has(query: &[(String, String)], name: &str, value: Option<&str>) -> bool {
    query
        .iter()
        .any(|(k, v)| k == name && value.is_none_or(|value| v == value))
}

fn decode(raw: &str) -> Result<String, Refusal> {
    percent_decode_str(raw)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            refuse(
                StatusCode::BAD_REQUEST,
                "InvalidURI",
                "the path is not UTF-8",
            )
        })
}

fn header_text<'a>(request: &'a HttpRequest, name: &str) -> Option<&'a str> {
    request.headers().get(name).and_then(|v| v.to_str().ok())
}

fn put(
    request: &HttpRequest,
    body: &[u8],
    key: String,
    bucket: &Bucket,
) -> Result<HttpResponse, Refusal> {
    // S3 needs the length up front: a chunked upload without it is refused.
    if !request.headers().contains_key(header::CONTENT_LENGTH) {
        return Err(refuse(
            StatusCode::LENGTH_REQUIRED,
            "MissingContentLength",
            "a PUT must say its Content-Length",
        ));
    }
    let object = FakeObject {
        bytes: body.to_vec(),
        content_type: header_text(request, "content-type").map(str::to_owned),
        last_modified: Utc::now(),
    };
    let etag = object.etag();
    bucket.objects().insert(key, object);
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, etag))
        .finish())
}

fn get(key: &str, bucket: &Bucket) -> Result<HttpResponse, Refusal> {
    let Some(object) = bucket.objects().get(key).cloned() else {
        return Err(refuse(
            StatusCode::NOT_FOUND,
            "NoSuchKey",
            format!("no object under {key:?}"),
        ));
    };
    let mut response = HttpResponse::Ok();
    response
        .insert_header((header::ETAG, object.etag()))
        .insert_header((
            header::LAST_MODIFIED,
            object
                .last_modified
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string(),
        ));
    if let Some(content_type) = &object.content_type {
        response.insert_header((header::CONTENT_TYPE, content_type.as_str()));
    }
    Ok(response.body(object.bytes))
}

/// `ListObjectsV2`, [`PAGE`] keys at a time, the continuation token being the last key given.
fn list(query: &[(String, String)], bucket: &Bucket) -> Result<HttpResponse, Refusal> {
    let mut prefix = String::new();
    let mut after = String::new();
    let mut limit = PAGE;
    for (name, value) in query {
        match name.as_str() {
            "list-type" => {}
            "prefix" => prefix.clone_from(value),
            "continuation-token" | "start-after" => {
                if *value > after {
                    after.clone_from(value);
                }
            }
            "max-keys" => {
                limit = value
                    .parse::<usize>()
                    .map_err(|_| refuse(StatusCode::BAD_REQUEST, "InvalidArgument", "max-keys"))?
                    .min(PAGE);
            }
            other => return Err(not_implemented(format!("listing with {other:?}"))),
        }
    }
    let objects = bucket.objects();
    let mut matching = objects
        .iter()
        .filter(|(key, _)| key.starts_with(&prefix) && **key > after);
    let page: Vec<(&String, &FakeObject)> = matching.by_ref().take(limit).collect();
    let truncated = matching.next().is_some();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
         <Name>{}</Name><Prefix>{}</Prefix><KeyCount>{}</KeyCount><MaxKeys>{limit}</MaxKeys>\
         <IsTruncated>{truncated}</IsTruncated>",
        FakeS3::BUCKET,
        escape(prefix.as_str()),
        page.len(),
    );
    for (key, object) in &page {
        let _ = write!(
            xml,
            "<Contents><Key>{}</Key><LastModified>{}</LastModified><ETag>{}</ETag>\
             <Size>{}</Size><StorageClass>STANDARD</StorageClass></Contents>",
            escape(key.as_str()),
            object
                .last_modified
                .to_rfc3339_opts(SecondsFormat::Millis, true),
            escape(object.etag()),
            object.bytes.len(),
        );
    }
    if let (true, Some((last, _))) = (truncated, page.last()) {
        let _ = write!(
            xml,
            "<NextContinuationToken>{}</NextContinuationToken>",
            escape(last.as_str())
        );
    }
    xml.push_str("</ListBucketResult>");
    Ok(HttpResponse::Ok().content_type("application/xml").body(xml))
}

/// `DeleteObjects`: the keys of the XML body are removed, each reported deleted (whether it
/// was there or not, as S3 does) unless the body asks to be quiet.
fn delete_objects(body: &[u8], bucket: &Bucket) -> Result<HttpResponse, Refusal> {
    let malformed = |what: String| refuse(StatusCode::BAD_REQUEST, "MalformedXML", what);
    let mut reader = quick_xml::Reader::from_reader(body);
    let mut keys = Vec::new();
    let mut quiet = false;
    let mut text: Option<String> = None;
    loop {
        match reader.read_event().map_err(|e| malformed(e.to_string()))? {
            Event::Start(start) if matches!(start.local_name().as_ref(), b"Key" | b"Quiet") => {
                text = Some(String::new());
            }
            Event::Text(raw) => {
                if let Some(text) = &mut text {
                    text.push_str(&String::from_utf8_lossy(&raw));
                }
            }
            Event::GeneralRef(reference) => {
                if let Some(text) = &mut text {
                    let _ = write!(text, "&{};", String::from_utf8_lossy(&reference));
                }
            }
            Event::End(end) => {
                let name = end.local_name();
                if let Some(raw) = text.take() {
                    let value = unescape(&raw)
                        .map_err(|e| malformed(e.to_string()))?
                        .into_owned();
                    match name.as_ref() {
                        b"Key" => keys.push(value),
                        _ => quiet = value == "true",
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if keys.is_empty() {
        return Err(malformed("no key to delete".to_owned()));
    }
    let mut xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                   <DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
        .to_owned();
    let mut objects = bucket.objects();
    for key in keys {
        objects.remove(&key);
        if !quiet {
            let _ = write!(
                xml,
                "<Deleted><Key>{}</Key></Deleted>",
                escape(key.as_str())
            );
        }
    }
    xml.push_str("</DeleteResult>");
    Ok(HttpResponse::Ok().content_type("application/xml").body(xml))
}

/// Checks the request's AWS Signature Version 4 (in the `Authorization` header) and its
/// payload hash.
fn verify_signature(request: &HttpRequest, body: &[u8]) -> Result<(), Refusal> {
    let denied = |message: &str| refuse(StatusCode::FORBIDDEN, "AccessDenied", message);
    let Some(authorization) = header_text(request, "authorization") else {
        return Err(denied("the request is not signed"));
    };
    let Some(fields) = authorization.strip_prefix("AWS4-HMAC-SHA256 ") else {
        return Err(denied("only AWS4-HMAC-SHA256 signatures are accepted"));
    };
    let field = |name: &str| {
        fields
            .split(',')
            .filter_map(|part| part.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
            .ok_or_else(|| {
                refuse(
                    StatusCode::BAD_REQUEST,
                    "AuthorizationHeaderMalformed",
                    format!("the Authorization header has no {name}"),
                )
            })
    };
    let (credential, signed_headers, signature) = (
        field("Credential")?,
        field("SignedHeaders")?,
        field("Signature")?,
    );
    let scope: Vec<&str> = credential.split('/').collect();
    let [key_id, day, region, "s3", "aws4_request"] = scope.as_slice() else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "AuthorizationHeaderMalformed",
            format!("the credential scope {credential:?} is not key/date/region/s3/aws4_request"),
        ));
    };
    if *key_id != FakeS3::ACCESS_KEY_ID {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "InvalidAccessKeyId",
            format!("no access key {key_id:?}"),
        ));
    }
    if *region != FakeS3::REGION {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "AuthorizationHeaderMalformed",
            format!("the region is {:?}, not {region:?}", FakeS3::REGION),
        ));
    }
    let Some(date) = header_text(request, "x-amz-date") else {
        return Err(denied("the request has no x-amz-date"));
    };
    let Some(payload_hash) = header_text(request, "x-amz-content-sha256") else {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "InvalidRequest",
            "the request has no x-amz-content-sha256",
        ));
    };
    if payload_hash.starts_with("STREAMING-") {
        return Err(not_implemented("streaming signatures"));
    }
    if payload_hash != "UNSIGNED-PAYLOAD"
        && payload_hash != hex(digest::digest(&digest::SHA256, body).as_ref())
    {
        return Err(refuse(
            StatusCode::BAD_REQUEST,
            "XAmzContentSHA256Mismatch",
            "the body does not have the SHA-256 the request gives",
        ));
    }

    let mut canonical_headers = String::new();
    for name in signed_headers.split(';') {
        let values: Vec<String> = request
            .headers()
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .map(|v| v.split_whitespace().collect::<Vec<_>>().join(" "))
            .collect();
        if values.is_empty() {
            return Err(denied(&format!("the signed header {name} is missing")));
        }
        let _ = writeln!(canonical_headers, "{name}:{}", values.join(","));
    }
    let mut query: Vec<(String, String)> =
        form_urlencoded::parse(request.query_string().as_bytes())
            .map(|(k, v)| {
                (
                    utf8_percent_encode(&k, UNRESERVED).to_string(),
                    utf8_percent_encode(&v, UNRESERVED).to_string(),
                )
            })
            .collect();
    query.sort_unstable();
    let query: Vec<String> = query.into_iter().map(|(k, v)| format!("{k}={v}")).collect();
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{payload_hash}",
        request.method(),
        request.uri().path(),
        query.join("&"),
    );
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{day}/{region}/s3/aws4_request\n{}",
        hex(digest::digest(&digest::SHA256, canonical_request.as_bytes()).as_ref())
    );
    let mut key = format!("AWS4{}", FakeS3::SECRET_ACCESS_KEY).into_bytes();
    for part in [*day, *region, "s3", "aws4_request"] {
        key = sign(&key, part.as_bytes());
    }
    if hex(&sign(&key, string_to_sign.as_bytes())) != signature {
        return Err(refuse(
            StatusCode::FORBIDDEN,
            "SignatureDoesNotMatch",
            "the signature is not the one the secret key gives",
        ));
    }
    Ok(())
}

fn sign(key: &[u8], message: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), message)
        .as_ref()
        .to_vec()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}
