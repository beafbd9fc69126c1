//! The real program, started for a test: `sophie serve` on an ephemeral port against a fresh
//! PostgreSQL database, driven over HTTP.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use reqwest::{Client, Method, Response};
use serde_json::{Value, json};
use sophie_persistence::testing::TestDatabase;

/// A running `sophie serve` and the database behind it. Both stop when it is dropped.
pub struct Server {
    child: Child,
    /// Where uploaded files go; removed with the server.
    pub blobs: tempfile::TempDir,
    pub base: String,
    /// The database behind it; `None` when it serves from memory.
    pub db: Option<TestDatabase>,
    pub http: Client,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Starts the binary on port 0 against a fresh database and waits for the address it
    /// prints.
    pub async fn start() -> Self {
        Self::start_on(Some(TestDatabase::new().await)).await
    }

    /// Starts the binary on the in-memory storage.
    pub async fn start_in_memory() -> Self {
        Self::start_on(None).await
    }

    async fn start_on(db: Option<TestDatabase>) -> Self {
        Self::start_with(db, &[]).await
    }

    /// Starts the binary on `db` (memory if `None`) with extra environment variables.
    pub async fn start_with(db: Option<TestDatabase>, env: &[(&str, &str)]) -> Self {
        let blobs = tempfile::tempdir().expect("a blob directory");
        let mut command = Command::new(env!("CARGO_BIN_EXE_sophie"));
        command.env_remove("DATABASE_URL");
        if let Some(db) = &db {
            command.env("DATABASE_URL", db.url());
        }
        command.env("BLOB_DIR", blobs.path());
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command
            .arg("serve")
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .env("LOG_LEVEL", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start sophie");
        let stdout = child.stdout.take().expect("stdout");
        let line = tokio::task::spawn_blocking(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            reader.read_line(&mut line).map(|_| line)
        });
        let line = tokio::time::timeout(Duration::from_secs(60), line)
            .await
            .expect("sophie printed its address in time")
            .unwrap()
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("sophie listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        Self {
            child,
            blobs,
            base,
            db,
            http: Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .unwrap(),
        }
    }

    /// A request to `path` (under the server), with `token` as bearer if given.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Response {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("the server answers")
    }

    /// Calls and expects `status`; returns the JSON body (Null when empty).
    pub async fn expect(
        &self,
        status: u16,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Value {
        let response = self.call(method.clone(), path, token, body).await;
        let got = response.status().as_u16();
        let text = response.text().await.unwrap();
        assert_eq!(got, status, "{method} {path} answered {got}: {text}");
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        }
    }

    /// Uploads the fixture `tests/fixtures/{name}`; returns the document as answered (202).
    pub async fn upload(&self, token: &str, name: &str) -> Value {
        let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
        let response = self
            .http
            .post(format!("{}/api/v1/documents", self.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        let body: Value = response.json().await.unwrap();
        assert_eq!(status, 202, "uploading {name}: {body}");
        body
    }

    /// Imports `bytes` as the file `file_name` through `POST /flashcard-sets/import` (into
    /// `course`, if given); returns the status and the body.
    pub async fn import_cards(
        &self,
        token: &str,
        file_name: &str,
        bytes: Vec<u8>,
        course: Option<&str>,
    ) -> (u16, Value) {
        let mut form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned()),
        );
        if let Some(course) = course {
            form = form.text("courseId", course.to_owned());
        }
        let response = self
            .http
            .post(format!("{}/api/v1/flashcard-sets/import", self.base))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .await
            .expect("the server answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap())
    }

    /// Imports a flashcard package (`POST /flashcard-sets/import`), which is answered 202
    /// with a `DECK` import running in the background; polls the import until it ends (at
    /// most 60 s) and returns it.
    pub async fn import_package(
        &self,
        token: &str,
        file_name: &str,
        bytes: Vec<u8>,
        course: Option<&str>,
    ) -> Value {
        let (status, started) = self.import_cards(token, file_name, bytes, course).await;
        assert_eq!(status, 202, "{started}");
        assert_eq!(
            (&started["source"], &started["status"]),
            (&json!("DECK"), &json!("PENDING")),
            "{started}"
        );
        let path = format!("/api/v1/import-jobs/{}", started["id"].as_str().unwrap());
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        loop {
            let import = self
                .expect(200, Method::GET, &path, Some(token), None)
                .await;
            if ["COMPLETED", "FAILED", "CANCELLED"].contains(&import["status"].as_str().unwrap()) {
                return import;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the import is still {import}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Polls the document until it is `READY` or `FAILED` (at most `within`); returns it.
    pub async fn processed(&self, token: &str, id: &str, within: Duration) -> Value {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let document = self
                .expect(
                    200,
                    Method::GET,
                    &format!("/api/v1/documents/{id}"),
                    Some(token),
                    None,
                )
                .await;
            if document["status"] == "READY" || document["status"] == "FAILED" {
                return document;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the document is still {} after {within:?}",
                document["status"]
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Signs a new student up; returns their id and token.
    pub async fn sign_up(&self, name: &str, email: &str) -> (String, String) {
        let body = self
            .expect(
                201,
                Method::POST,
                "/api/v1/auth/sign-up",
                None,
                Some(json!({ "name": name, "email": email, "password": "correct horse battery" })),
            )
            .await;
        (
            body["user"]["id"].as_str().unwrap().to_owned(),
            body["token"].as_str().unwrap().to_owned(),
        )
    }

    /// Runs `sql` (a single count) against the server's database.
    #[expect(
        clippy::disallowed_methods,
        reason = "a read in a test: no commit to wait for"
    )]
    pub async fn count(&self, sql: &str) -> i64 {
        use diesel_async::RunQueryDsl;
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut conn = self
            .db
            .as_ref()
            .expect("a server on PostgreSQL")
            .connection()
            .await;
        diesel::sql_query(sql)
            .get_result::<Count>(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
            .n
    }
}
