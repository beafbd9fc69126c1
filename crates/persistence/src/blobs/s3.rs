//! Blobs in an S3-compatible bucket (AWS S3, MinIO, Garage, Cloudflare R2, ...).
//!
//! The requests are signed (SigV4) by `object_store` and sent with the reqwest client the rest
//! of the program uses, through [`ReqwestConnector`].

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use http_body_util::BodyExt as _;
use object_store::ObjectStore;
use object_store::aws::AmazonS3Builder;
use object_store::client::{
    HttpClient, HttpConnector, HttpError, HttpErrorKind, HttpRequest, HttpResponse,
    HttpResponseBody, HttpService,
};
use object_store::path::Path;
use object_store::prefix::PrefixStore;
use object_store::{ClientConfigKey, ClientOptions};

/// Where and how to reach an S3-compatible bucket. Its `Debug` shows no key.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Settings {
    /// The bucket's name.
    pub bucket: String,
    /// The server's URL (`http://127.0.0.1:9000`, `https://<account>.r2.cloudflarestorage.com`);
    /// `None` for AWS S3 in [`region`](Self::region). Plain `http` only when it says so.
    pub endpoint: Option<String>,
    /// The region the requests are signed for (`us-east-1` unless the server wants another).
    pub region: String,
    /// The access key's id.
    pub access_key_id: String,
    /// The access key's secret.
    pub secret_access_key: String,
    /// A session token, with temporary credentials.
    pub session_token: Option<String>,
    /// Whether the bucket is addressed as a subdomain (`https://bucket.host/key`) rather than
    /// as the path's first segment (`https://host/bucket/key`, what MinIO and Garage expect).
    pub virtual_hosted: bool,
    /// A folder inside the bucket that holds every key, so that one bucket can be shared.
    pub prefix: Option<String>,
}

impl S3Settings {
    /// The region assumed when none is given.
    pub const DEFAULT_REGION: &'static str = "us-east-1";

    /// `bucket` on AWS S3 in the default region, path-style, with these keys; set the other
    /// fields for another server.
    #[must_use]
    pub fn new(
        bucket: impl Into<String>,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> Self {
        Self {
            bucket: bucket.into(),
            endpoint: None,
            region: Self::DEFAULT_REGION.to_owned(),
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
            virtual_hosted: false,
            prefix: None,
        }
    }

    /// The bucket, folder and server, for logs: never a key.
    #[must_use]
    pub fn description(&self) -> String {
        let prefix = self
            .prefix
            .as_deref()
            .map(|p| format!("/{}", p.trim_matches('/')))
            .unwrap_or_default();
        match &self.endpoint {
            Some(endpoint) => format!("S3 bucket {}{prefix} at {endpoint}", self.bucket),
            None => format!("S3 bucket {}{prefix} in AWS {}", self.bucket, self.region),
        }
    }

    /// Whether the endpoint is plain `http` (a local MinIO, say).
    fn plain_http(&self) -> bool {
        self.endpoint.as_deref().is_some_and(|e| {
            e.get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
        })
    }

    /// The endpoint to give `object_store`: with virtual-hosted addressing it must name the
    /// bucket's own host.
    fn bucket_endpoint(&self) -> Result<Option<String>, String> {
        let Some(endpoint) = &self.endpoint else {
            return Ok(None);
        };
        if !self.virtual_hosted {
            return Ok(Some(endpoint.clone()));
        }
        let mut url = reqwest::Url::parse(endpoint)
            .map_err(|e| format!("the S3 endpoint {endpoint:?} is not a URL: {e}"))?;
        let host = url
            .host_str()
            .ok_or_else(|| format!("the S3 endpoint {endpoint:?} names no host"))?;
        if !host.starts_with(&format!("{}.", self.bucket)) {
            let host = format!("{}.{host}", self.bucket);
            url.set_host(Some(&host))
                .map_err(|e| format!("cannot address the bucket as {host}: {e}"))?;
        }
        Ok(Some(url.as_str().trim_end_matches('/').to_owned()))
    }
}

impl fmt::Debug for S3Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Settings")
            .field("bucket", &self.bucket)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .field("access_key_id", &"<redacted>")
            .field("secret_access_key", &"<redacted>")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("virtual_hosted", &self.virtual_hosted)
            .field("prefix", &self.prefix)
            .finish()
    }
}

/// The store `settings` describe, under its prefix if any.
pub(super) fn store(settings: &S3Settings) -> Result<Arc<dyn ObjectStore>, String> {
    let name = &settings.bucket;
    let allow_http = settings.plain_http();
    let mut builder = AmazonS3Builder::new()
        .with_bucket_name(name)
        .with_region(&settings.region)
        .with_access_key_id(&settings.access_key_id)
        .with_secret_access_key(&settings.secret_access_key)
        .with_virtual_hosted_style_request(settings.virtual_hosted)
        .with_allow_http(allow_http)
        .with_http_connector(ReqwestConnector);
    if let Some(endpoint) = settings.bucket_endpoint()? {
        builder = builder.with_endpoint(endpoint);
    }
    if let Some(token) = &settings.session_token {
        builder = builder.with_token(token);
    }
    let bucket = builder
        .build()
        .map_err(|e| format!("cannot use the S3 bucket {name}: {e}"))?;
    match settings.prefix.as_deref().map(|p| p.trim_matches('/')) {
        None | Some("") => Ok(Arc::new(bucket)),
        Some(prefix) => {
            let prefix = Path::parse(prefix)
                .map_err(|e| format!("the S3 key prefix {prefix:?} is not usable: {e}"))?;
            Ok(Arc::new(PrefixStore::new(bucket, prefix)))
        }
    }
}

/// Makes `object_store`'s HTTP client on reqwest 0.12: the version (and TLS stack) the
/// embeddings client uses, where `object_store`'s own would bring a second one.
#[derive(Debug, Clone, Copy)]
struct ReqwestConnector;

/// How long opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the server may stay silent mid-request.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The longest request: the largest upload over a slow link.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);

impl HttpConnector for ReqwestConnector {
    fn connect(&self, options: &ClientOptions) -> object_store::Result<HttpClient> {
        let allow_http = options
            .get_config_value(&ClientConfigKey::AllowHttp)
            .is_some_and(|v| v == "true");
        let client = reqwest::Client::builder()
            .user_agent(concat!("sophie/", env!("CARGO_PKG_VERSION")))
            .https_only(!allow_http)
            .connect_timeout(CONNECT_TIMEOUT)
            .read_timeout(READ_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| object_store::Error::Generic {
                store: "S3",
                source: Box::new(e),
            })?;
        Ok(HttpClient::new(ReqwestService(client)))
    }
}

#[derive(Debug)]
struct ReqwestService(reqwest::Client);

#[async_trait]
impl HttpService for ReqwestService {
    async fn call(&self, request: HttpRequest) -> Result<HttpResponse, HttpError> {
        let (parts, body) = request.into_parts();
        let url = reqwest::Url::parse(&parts.uri.to_string())
            .map_err(|e| HttpError::new(HttpErrorKind::Request, e))?;
        let mut outgoing = reqwest::Request::new(parts.method, url);
        *outgoing.headers_mut() = parts.headers;
        // One buffer is sent as is (and can be retried by reqwest); several as a stream of
        // known length, so that the server still gets a `Content-Length`.
        *outgoing.body_mut() = Some(match body.as_bytes() {
            Some(bytes) => reqwest::Body::from(bytes.clone()),
            None => reqwest::Body::wrap(body),
        });
        let response = self.0.execute(outgoing).await.map_err(http_error)?;
        let (parts, body) = http::Response::from(response).into_parts();
        Ok(HttpResponse::from_parts(
            parts,
            HttpResponseBody::new(body.map_err(http_error)),
        ))
    }
}

/// The kind `object_store` decides retries by.
fn http_error(error: reqwest::Error) -> HttpError {
    let kind = if error.is_timeout() {
        HttpErrorKind::Timeout
    } else if error.is_connect() {
        HttpErrorKind::Connect
    } else if error.is_decode() {
        HttpErrorKind::Decode
    } else if error.is_body() {
        HttpErrorKind::Interrupted
    } else if error.is_request() {
        HttpErrorKind::Request
    } else {
        HttpErrorKind::Unknown
    };
    HttpError::new(kind, error)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_description_show_no_key() {
        let mut settings = S3Settings::new("notes", "AKIDEXAMPLE", "wJalrXUtnFEMI");
        settings.session_token = Some("FwoGZXIvYXdzE".to_owned());
        settings.endpoint = Some("http://127.0.0.1:9000".to_owned());
        settings.prefix = Some("tenant-a/".to_owned());
        let shown = format!("{settings:?} {}", settings.description());
        for secret in ["AKIDEXAMPLE", "wJalrXUtnFEMI", "FwoGZXIvYXdzE"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert_eq!(
            settings.description(),
            "S3 bucket notes/tenant-a at http://127.0.0.1:9000"
        );
    }

    #[test]
    fn virtual_hosted_addressing_puts_the_bucket_in_the_host() {
        let mut settings = S3Settings::new("notes", "id", "secret");
        settings.endpoint = Some("https://s3.example.com".to_owned());
        assert_eq!(
            settings.bucket_endpoint().unwrap().as_deref(),
            Some("https://s3.example.com")
        );
        settings.virtual_hosted = true;
        assert_eq!(
            settings.bucket_endpoint().unwrap().as_deref(),
            Some("https://notes.s3.example.com")
        );
        settings.endpoint = Some("https://notes.s3.example.com/".to_owned());
        assert_eq!(
            settings.bucket_endpoint().unwrap().as_deref(),
            Some("https://notes.s3.example.com")
        );
    }

    #[test]
    fn plain_http_only_when_the_endpoint_says_so() {
        let mut settings = S3Settings::new("notes", "id", "secret");
        assert!(!settings.plain_http());
        settings.endpoint = Some("HTTP://minio:9000".to_owned());
        assert!(settings.plain_http());
        settings.endpoint = Some("https://minio:9000".to_owned());
        assert!(!settings.plain_http());
    }
}
