//! Uploaded files in an S3-compatible bucket, through the real program: `sophie serve` on
//! PostgreSQL with `S3_*` pointing at a fake S3 server that checks every request's signature.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod server;

use std::process::Command;
use std::time::Duration;

use reqwest::Method;
use sophie_persistence::testing::TestDatabase;
use sophie_persistence::testing::s3::FakeS3;

use server::Server;

const PREFIX: &str = "sophie-e2e";

#[tokio::test]
async fn on_s3_an_upload_is_kept_in_the_bucket_served_back_and_removed_with_its_document() {
    let s3 = FakeS3::start().await;
    let server = Server::start_with(
        Some(TestDatabase::new().await),
        &[
            ("S3_BUCKET", FakeS3::BUCKET),
            ("S3_ENDPOINT", s3.endpoint()),
            ("S3_REGION", FakeS3::REGION),
            ("S3_ACCESS_KEY_ID", FakeS3::ACCESS_KEY_ID),
            ("S3_SECRET_ACCESS_KEY", FakeS3::SECRET_ACCESS_KEY),
            ("S3_PREFIX", PREFIX),
        ],
    )
    .await;
    let (user, token) = server.sign_up("Ada", "ada@example.com").await;
    let fixture = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/lecture.pdf"
    ))
    .unwrap();

    let id = server.upload(&token, "lecture.pdf").await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // The worker read the file back from the bucket to process it.
    let document = server.processed(&token, &id, Duration::from_secs(60)).await;
    assert_eq!(document["status"], "READY", "{document}");

    // The bytes are in the bucket, under the prefix and the student's folder, with their type;
    // nothing went to the local directory.
    let keys = s3.keys();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys[0].starts_with(&format!("{PREFIX}/users/{user}/documents/")),
        "{keys:?}"
    );
    let object = s3.object(&keys[0]).unwrap();
    assert_eq!(object.bytes, fixture);
    assert_eq!(object.content_type.as_deref(), Some("application/pdf"));
    assert!(
        std::fs::read_dir(server.blobs.path())
            .unwrap()
            .next()
            .is_none(),
        "BLOB_DIR stays empty"
    );

    // The download is the very file.
    let download = server
        .call(
            Method::GET,
            &format!("/api/v1/documents/{id}/file"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(download.status().as_u16(), 200);
    assert_eq!(download.bytes().await.unwrap().as_ref(), fixture.as_slice());

    // Deleting the document deletes the object.
    server
        .expect(
            204,
            Method::DELETE,
            &format!("/api/v1/documents/{id}"),
            Some(&token),
            None,
        )
        .await;
    assert!(s3.keys().is_empty(), "{:?}", s3.keys());
}

#[test]
fn a_bucket_without_its_secret_key_is_refused_at_start_naming_the_variable() {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sophie"));
    // Without DATABASE_URL a worker would stop anyway, but with another message: the test
    // cannot hang on a program that starts.
    for name in [
        "DATABASE_URL",
        "S3_ENDPOINT",
        "S3_REGION",
        "S3_SECRET_ACCESS_KEY",
        "S3_SESSION_TOKEN",
        "S3_VIRTUAL_HOSTED",
        "S3_PREFIX",
    ] {
        command.env_remove(name);
    }
    let output = command
        .arg("worker")
        .env("S3_BUCKET", "notes")
        .env("S3_ACCESS_KEY_ID", "id")
        .output()
        .expect("run sophie");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(stderr.contains("S3_SECRET_ACCESS_KEY"), "{stderr}");
}
