//! `sophie serve --demo` tells a newcomer how to sign in at the address it really listens on.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

#[test]
fn the_demo_instructions_name_the_address_it_listens_on() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_sophie"))
        .args(["serve", "--demo"])
        .env_remove("DATABASE_URL")
        .env("HOST", "127.0.0.1")
        .env("PORT", "0")
        .env("LOG_LEVEL", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let address = first
        .strip_prefix("sophie listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {first:?}"))
        .to_owned();
    assert!(!address.ends_with(":0"), "a real port: {address}");
    let instructions: Vec<String> = lines.take(3).map(Result::unwrap).collect();
    let _ = child.kill();
    let _ = child.wait();
    let text = instructions.join("\n");
    assert!(
        text.contains(&format!("{address}/api/v1/auth/sign-in")),
        "{text}"
    );
    assert!(!text.contains("HOST:PORT"), "{text}");
}
