//! The fault test: no write that sophie acknowledged is lost, and no fault answers 500.
//!
//! It starts a private PostgreSQL cluster (initdb in a temporary directory, on a free loopback
//! port; as the `postgres` user when run as root), with `commit_delay` so that each commit
//! waits before its flush as on a slow disk, and two `sophie serve` processes on it. Eight
//! students write through both servers (notes created, edited and deleted; courses created and
//! renamed; flashcard sets created and their cards edited) while PostgreSQL is restarted,
//! crashed (`pg_ctl stop -m immediate`, up again after 3 s) and one server is killed with
//! SIGKILL and started again. Then every acknowledged write is checked through the API and in
//! SQL, and the run is reported: writes acknowledged, writes lost, answers by status, and the
//! recovery time after each fault, and how many 503s went to requests sent and answered while
//! PostgreSQL was up (from both servers being ready after a fault to the next fault). It also
//! holds what an operator relies on: no answer is a 500, every 503 carries `Retry-After`, no
//! request goes unanswered, `/readyz` answers 503 while PostgreSQL is down, and both servers
//! exit 0 on SIGTERM.
//!
//! Before writes waited for PostgreSQL to confirm their commit, each 20-second run lost 5 to
//! 12 acknowledged writes (notes and courses created, notes and courses edited).
//!
//! `CHAOS_SECONDS` (default 20) sets how long the students write and `CHAOS_CRASHES` (default
//! 2) how many crashes happen; `just chaos` runs the long version and prints the report.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout,
    reason = "a failing expectation is the test failing; the report is printed"
)]

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

const STUDENTS: usize = 8;

// ---------------------------------------------------------------------------------------------
// The private cluster

/// A PostgreSQL cluster of this test's own, stopped and removed when dropped.
struct Cluster {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

fn find_bin_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("PG_BIN") {
        return PathBuf::from(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if dir.join("initdb").exists() {
            return dir;
        }
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    versions.sort();
    versions
        .into_iter()
        .rev()
        .map(|v| v.join("bin"))
        .find(|bin| bin.join("initdb").exists())
        .expect(
            "the fault test needs PostgreSQL's server programs (initdb, pg_ctl): install \
             PostgreSQL (bash scripts/ensure-postgres.sh) or set PG_BIN",
        )
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0")
}

impl Cluster {
    fn start() -> Self {
        let bin = find_bin_dir();
        let dir = std::env::temp_dir().join(format!("sophie-chaos-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let as_postgres = is_root();
        if as_postgres {
            // PostgreSQL refuses to run as root.
            let status = Command::new("chown")
                .args(["-R", "postgres:", dir.to_str().unwrap()])
                .status()
                .unwrap();
            assert!(
                status.success(),
                "chown the cluster's directory to postgres"
            );
        }
        let cluster = Self {
            dir,
            bin,
            port: free_port(),
            as_postgres,
        };
        cluster.run(
            "initdb",
            &[
                "-D",
                cluster.data().to_str().unwrap(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "--no-sync",
            ],
        );
        cluster.pg_ctl(&["start", "-w", "-t", "60"]);
        cluster
    }

    fn data(&self) -> PathBuf {
        self.dir.join("data")
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let out = command.args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{program} {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn pg_ctl(&self, args: &[&str]) {
        // Each commit waits 20 ms before its WAL flush, as on a slow disk; PostgreSQL still
        // confirms a commit only after the flush. Messages in English, whatever the machine's
        // locale, as sophie recognises a shutdown by its message.
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c commit_delay=20000 \
             -c commit_siblings=0 -c max_connections=100 -c lc_messages=C",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("postgres.log");
        let data = self.data();
        let mut all = vec![
            "-D",
            data.to_str().unwrap(),
            "-l",
            log.to_str().unwrap(),
            "-o",
            &options,
        ];
        all.extend_from_slice(args);
        self.run("pg_ctl", &all);
    }

    fn restart_fast(&self) {
        self.pg_ctl(&["restart", "-m", "fast", "-w", "-t", "60"]);
    }

    fn crash(&self) {
        self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
    }

    fn start_again(&self) {
        self.pg_ctl(&["start", "-w", "-t", "60"]);
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let pg_ctl = self.bin.join("pg_ctl");
        let mut command = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&pg_ctl);
            c
        } else {
            Command::new(&pg_ctl)
        };
        let _ = command
            .args(["-D", self.data().to_str().unwrap_or_default()])
            .args(["stop", "-m", "immediate"])
            .output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------------------------
// The servers

/// A running `sophie serve`; killed when dropped.
struct Serve {
    child: Child,
    base: String,
}

impl Serve {
    fn start(database_url: &str, log: &Path) -> Self {
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_sophie"))
            .arg("serve")
            .env("HOST", "127.0.0.1")
            .env("PORT", "0")
            .env("DATABASE_URL", database_url)
            .env("DATABASE_WAIT_TIMEOUT_MS", "2000")
            .env("DATABASE_CONNECT_TIMEOUT_MS", "1000")
            .env("LOG_LEVEL", "warn")
            .env("HTTP_WORKERS", "2")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("start sophie serve");
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("sophie listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        // Keep reading so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in reader.lines() {});
        Self { child, base }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then whether it exited 0.
    fn stop(mut self) -> bool {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// What the students were told

/// A value the server acknowledged, and the values of later attempts whose outcome is unknown
/// (no answer, or an error after which the write may or may not have applied).
#[derive(Clone, Debug, Default)]
struct Written {
    /// The student who wrote it.
    owner: usize,
    acked: Option<String>,
    maybe: Vec<String>,
}

impl Written {
    fn allows(&self, value: &str) -> bool {
        self.acked.as_deref() == Some(value) || self.maybe.iter().any(|m| m == value)
    }
}

#[derive(Default)]
struct Ledger {
    /// note id -> its content, or [`DELETED`].
    notes: HashMap<String, Written>,
    courses: HashMap<String, Written>,
    /// (set id, card id) -> the card's answer.
    cards: HashMap<(String, String), Written>,
}

const DELETED: &str = "\u{0}deleted";
const NO_ANSWER: &str = "no answer in 5 s";
const UNAVAILABLE_WHILE_UP: &str = "503 sent and answered while PostgreSQL was up";

#[derive(Default)]
struct Answers {
    by_status: BTreeMap<String, u64>,
}

impl Answers {
    fn count(&mut self, key: impl Into<String>) {
        *self.by_status.entry(key.into()).or_default() += 1;
    }

    /// The writes answered 2xx: every request the students send is a write.
    fn acknowledged(&self) -> u64 {
        self.by_status
            .iter()
            .filter(|(status, _)| {
                status
                    .parse::<u16>()
                    .is_ok_and(|code| (200..300).contains(&code))
            })
            .map(|(_, n)| n)
            .sum()
    }
}

enum Outcome {
    Acked(Value),
    /// Not applied for sure: a 4xx, or a 503 before anything was sent to the database cannot
    /// be told apart from one after, so 503 counts as maybe.
    Refused,
    Maybe,
}

struct Student {
    http: Client,
    token: String,
    servers: Arc<RwLock<Vec<String>>>,
    answers: Arc<Mutex<Answers>>,
    /// False from the moment PostgreSQL is stopped until both servers are ready again.
    database_up: Arc<AtomicBool>,
    turn: usize,
}

impl Student {
    async fn call(&mut self, method: Method, path: &str, body: Option<Value>) -> Outcome {
        self.turn += 1;
        let up_when_sent = AtomicBool::load(&self.database_up, Ordering::Relaxed);
        let base = {
            let servers = self.servers.read().unwrap();
            servers[self.turn % servers.len()].clone()
        };
        let mut request = self
            .http
            .request(method, format!("{base}{path}"))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        match request.send().await {
            Err(error) => {
                let key = if error.is_connect() {
                    "refused connection (server down)"
                } else if error.is_timeout() {
                    NO_ANSWER
                } else {
                    "connection dropped"
                };
                self.answers.lock().unwrap().count(key);
                tokio::time::sleep(Duration::from_millis(100)).await;
                if error.is_connect() {
                    Outcome::Refused
                } else {
                    Outcome::Maybe
                }
            }
            Ok(response) => {
                let status = response.status();
                if status == StatusCode::SERVICE_UNAVAILABLE
                    && !response.headers().contains_key("retry-after")
                {
                    self.answers
                        .lock()
                        .unwrap()
                        .count("503 without Retry-After");
                }
                if status == StatusCode::SERVICE_UNAVAILABLE
                    && up_when_sent
                    && AtomicBool::load(&self.database_up, Ordering::Relaxed)
                {
                    self.answers.lock().unwrap().count(UNAVAILABLE_WHILE_UP);
                }
                self.answers.lock().unwrap().count(status.as_str());
                let text = response.text().await.unwrap_or_default();
                if status == StatusCode::SERVICE_UNAVAILABLE {
                    // As a client honouring Retry-After would, if less patiently.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                if status.is_success() {
                    Outcome::Acked(serde_json::from_str(&text).unwrap_or(Value::Null))
                } else if status.is_client_error() {
                    Outcome::Refused
                } else {
                    Outcome::Maybe
                }
            }
        }
    }
}

fn record(
    ledger: &Mutex<Ledger>,
    owner: usize,
    pick: impl FnOnce(&mut Ledger) -> &mut Written,
    value: String,
    outcome: &Outcome,
) {
    let mut ledger = ledger.lock().unwrap();
    let written = pick(&mut ledger);
    written.owner = owner;
    match outcome {
        Outcome::Acked(_) => {
            written.acked = Some(value);
            written.maybe.clear();
        }
        Outcome::Maybe => written.maybe.push(value),
        Outcome::Refused => {}
    }
}

async fn write_until(mut student: Student, id: usize, ledger: Arc<Mutex<Ledger>>, until: Instant) {
    let mut notes: Vec<String> = Vec::new();
    let mut courses: Vec<String> = Vec::new();
    let mut cards: Vec<(String, String)> = Vec::new();
    let mut n = 0_u64;
    while Instant::now() < until {
        n += 1;
        let value = format!("student {id}, write {n}");
        match n % 10 {
            // Creating a note without a course, and editing one: single statements.
            0 | 1 | 2 | 5 => {
                let body = json!({ "title": "Lecture", "content": value, "tags": ["chaos"] });
                if let Outcome::Acked(note) = student
                    .call(Method::POST, "/api/v1/notes", Some(body))
                    .await
                {
                    let note_id = note["id"].as_str().unwrap().to_owned();
                    record(
                        &ledger,
                        id,
                        |l| l.notes.entry(note_id.clone()).or_default(),
                        value,
                        &Outcome::Acked(Value::Null),
                    );
                    notes.push(note_id);
                }
            }
            3 | 6 if !notes.is_empty() => {
                let note_id = notes[(n as usize) % notes.len()].clone();
                let body = json!({ "content": value });
                let outcome = student
                    .call(
                        Method::PATCH,
                        &format!("/api/v1/notes/{note_id}"),
                        Some(body),
                    )
                    .await;
                record(
                    &ledger,
                    id,
                    |l| l.notes.entry(note_id).or_default(),
                    value,
                    &outcome,
                );
            }
            4 => {
                let body = json!({ "name": value });
                if let Outcome::Acked(course) = student
                    .call(Method::POST, "/api/v1/courses", Some(body))
                    .await
                {
                    let course_id = course["id"].as_str().unwrap().to_owned();
                    record(
                        &ledger,
                        id,
                        |l| l.courses.entry(course_id.clone()).or_default(),
                        value,
                        &Outcome::Acked(Value::Null),
                    );
                    courses.push(course_id);
                }
            }
            7 if !courses.is_empty() => {
                let course_id = courses[(n as usize) % courses.len()].clone();
                let outcome = student
                    .call(
                        Method::PATCH,
                        &format!("/api/v1/courses/{course_id}"),
                        Some(json!({ "name": value })),
                    )
                    .await;
                record(
                    &ledger,
                    id,
                    |l| l.courses.entry(course_id).or_default(),
                    value,
                    &outcome,
                );
            }
            9 if n % 20 == 9 => {
                let body = json!({
                    "title": "Cells", "difficulty": "MEDIUM",
                    "flashcards": [
                        { "question": "What is a cell?", "answer": value },
                        { "question": "What is a nucleus?", "answer": value },
                    ],
                });
                if let Outcome::Acked(set) = student
                    .call(Method::POST, "/api/v1/flashcard-sets", Some(body))
                    .await
                {
                    let set_id = set["id"].as_str().unwrap().to_owned();
                    for card in set["flashcards"].as_array().unwrap() {
                        let key = (set_id.clone(), card["id"].as_str().unwrap().to_owned());
                        record(
                            &ledger,
                            id,
                            |l| l.cards.entry(key.clone()).or_default(),
                            value.clone(),
                            &Outcome::Acked(Value::Null),
                        );
                        cards.push(key);
                    }
                }
            }
            9 if !cards.is_empty() => {
                let (set_id, card_id) = cards[(n as usize) % cards.len()].clone();
                let outcome = student
                    .call(
                        Method::PATCH,
                        &format!("/api/v1/flashcard-sets/{set_id}/flashcards/{card_id}"),
                        Some(json!({ "answer": value })),
                    )
                    .await;
                record(
                    &ledger,
                    id,
                    |l| l.cards.entry((set_id, card_id)).or_default(),
                    value,
                    &outcome,
                );
            }
            8 if notes.len() > 4 => {
                // Deleting a note: it must stay gone.
                let note_id = notes.remove(0);
                let outcome = student
                    .call(Method::DELETE, &format!("/api/v1/notes/{note_id}"), None)
                    .await;
                record(
                    &ledger,
                    id,
                    |l| l.notes.entry(note_id).or_default(),
                    DELETED.to_owned(),
                    &outcome,
                );
            }
            _ => {}
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Faults and recovery

async fn ready(http: &Client, base: &str) -> bool {
    http.get(format!("{base}/readyz"))
        .send()
        .await
        .is_ok_and(|r| r.status() == StatusCode::OK)
}

/// What `/readyz` answered while PostgreSQL was down: each answer's status, and the slowest.
#[derive(Default)]
struct ReadinessWhileDown {
    statuses: BTreeMap<String, u64>,
    slowest: Duration,
}

/// Asks every server whether it is ready, every 50 ms for `during`.
async fn probe_readiness(
    http: &Client,
    servers: &RwLock<Vec<String>>,
    during: Duration,
    into: &mut ReadinessWhileDown,
) {
    let until = Instant::now() + during;
    let bases = servers.read().unwrap().clone();
    while Instant::now() < until {
        for base in &bases {
            let asked = Instant::now();
            let status = match http.get(format!("{base}/readyz")).send().await {
                Ok(response) => response.status().as_str().to_owned(),
                Err(_) => "no answer".to_owned(),
            };
            into.slowest = into.slowest.max(asked.elapsed());
            *into.statuses.entry(status).or_default() += 1;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How long until every server answers /readyz with 200.
async fn recovery(http: &Client, servers: &RwLock<Vec<String>>, since: Instant) -> Duration {
    let bases = servers.read().unwrap().clone();
    for base in bases {
        while !ready(http, &base).await {
            assert!(
                since.elapsed() < Duration::from_secs(60),
                "{base} did not recover in 60 s"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    since.elapsed()
}

#[derive(Clone, Copy, Debug)]
enum Fault {
    Restart,
    Crash,
    KillServe,
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// Verification

struct Lost {
    through_api: Vec<String>,
    in_sql: Vec<String>,
}

async fn verify(http: &Client, base: &str, tokens: &[String], ledger: &Ledger, url: &str) -> Lost {
    let mut lost = Lost {
        through_api: Vec::new(),
        in_sql: Vec::new(),
    };
    // In SQL: the rows as PostgreSQL has them.
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        value: String,
    }
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    let table = async |conn: &mut AsyncPgConnection, sql: &str| -> HashMap<String, String> {
        diesel::sql_query(sql)
            .load::<Row>(conn)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.id, r.value))
            .collect()
    };
    let notes = table(
        &mut conn,
        "SELECT id::text AS id, content AS value FROM notes",
    )
    .await;
    let courses = table(
        &mut conn,
        "SELECT id::text AS id, name AS value FROM courses",
    )
    .await;
    let cards = table(
        &mut conn,
        "SELECT id::text AS id, answer AS value FROM flashcards",
    )
    .await;
    let check =
        |what: &str, id: &str, written: &Written, found: Option<&str>, into: &mut Vec<String>| {
            if written.acked.is_none() {
                return;
            }
            let ok = match found {
                None => written.allows(DELETED),
                Some(value) => written.allows(value),
            };
            if !ok {
                into.push(format!(
                    "{what} {id}: acknowledged {:?}, found {found:?}",
                    written.acked
                ));
            }
        };
    for (id, written) in &ledger.notes {
        check(
            "note",
            id,
            written,
            notes.get(id).map(String::as_str),
            &mut lost.in_sql,
        );
    }
    for (id, written) in &ledger.courses {
        check(
            "course",
            id,
            written,
            courses.get(id).map(String::as_str),
            &mut lost.in_sql,
        );
    }
    for ((_, id), written) in &ledger.cards {
        check(
            "card",
            id,
            written,
            cards.get(id).map(String::as_str),
            &mut lost.in_sql,
        );
    }

    // Through the API: what each student reads back, as the owner. Students own disjoint
    // rows, so the first token that sees a row is its owner's; others answer 404.
    let get = async |owner: usize, path: String| -> Option<Value> {
        let response = http
            .get(format!("{base}{path}"))
            .bearer_auth(&tokens[owner])
            .send()
            .await
            .unwrap();
        match response.status() {
            StatusCode::OK => Some(response.json().await.unwrap()),
            StatusCode::NOT_FOUND => None,
            other => panic!("GET {path} answered {other} after the faults"),
        }
    };
    let field = |body: Option<Value>, name: &str| {
        body.map(|b| b[name].as_str().unwrap_or_default().to_owned())
    };
    for (id, written) in &ledger.notes {
        let found = field(
            get(written.owner, format!("/api/v1/notes/{id}")).await,
            "content",
        );
        check("note", id, written, found.as_deref(), &mut lost.through_api);
    }
    for (id, written) in &ledger.courses {
        let found = field(
            get(written.owner, format!("/api/v1/courses/{id}")).await,
            "name",
        );
        check(
            "course",
            id,
            written,
            found.as_deref(),
            &mut lost.through_api,
        );
    }
    let mut sets: HashMap<&str, Vec<(&str, &Written)>> = HashMap::new();
    for ((set, card), written) in &ledger.cards {
        sets.entry(set).or_default().push((card, written));
    }
    for (set, set_cards) in sets {
        let owner = set_cards[0].1.owner;
        let body = get(owner, format!("/api/v1/flashcard-sets/{set}")).await;
        let answers: HashMap<String, String> = body
            .iter()
            .flat_map(|b| b["flashcards"].as_array().cloned().unwrap_or_default())
            .map(|card| {
                (
                    card["id"].as_str().unwrap().to_owned(),
                    card["answer"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        for (card, written) in set_cards {
            check(
                "card",
                card,
                written,
                answers.get(card).map(String::as_str),
                &mut lost.through_api,
            );
        }
    }
    lost
}

// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_restarts_crashes_and_a_killed_server() {
    let seconds = env_number("CHAOS_SECONDS", 20);
    let crashes = env_number("CHAOS_CRASHES", 2);
    let cluster = Cluster::start();
    let log = cluster.dir.join("sophie.log");
    let url = cluster.url();

    // Both servers start together: the migrations run once, under the advisory lock.
    let (first, second) = std::thread::scope(|s| {
        let a = s.spawn(|| Serve::start(&url, &log));
        let b = s.spawn(|| Serve::start(&url, &log));
        (a.join().unwrap(), b.join().unwrap())
    });
    let mut serves = vec![first, second];
    let servers = Arc::new(RwLock::new(
        serves.iter().map(|s| s.base.clone()).collect::<Vec<_>>(),
    ));
    let http = Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let answers = Arc::new(Mutex::new(Answers::default()));
    let database_up = Arc::new(AtomicBool::new(true));
    let ledger = Arc::new(Mutex::new(Ledger::default()));

    let mut tokens = Vec::new();
    for i in 0..STUDENTS {
        let body: Value = http
            .post(format!("{}/api/v1/auth/sign-up", serves[i % 2].base))
            .json(&json!({ "name": format!("Student {i}"), "email": format!("student{i}@example.com"), "password": "correct horse battery" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        tokens.push(body["token"].as_str().unwrap().to_owned());
    }

    let started = Instant::now();
    let until = started + Duration::from_secs(seconds);
    let writers: Vec<_> = tokens
        .iter()
        .enumerate()
        .map(|(i, token)| {
            let student = Student {
                http: http.clone(),
                token: token.clone(),
                servers: servers.clone(),
                answers: answers.clone(),
                database_up: database_up.clone(),
                turn: i,
            };
            tokio::spawn(write_until(student, i, ledger.clone(), until))
        })
        .collect();

    // Faults spread over the run, the last one well before its end.
    let mut faults = vec![Fault::Restart, Fault::Crash, Fault::KillServe];
    faults.extend((1..crashes).map(|_| Fault::Crash));
    let gap = Duration::from_secs(seconds) / u32::try_from(faults.len() + 1).unwrap();
    let mut recoveries = Vec::new();
    let mut down = ReadinessWhileDown::default();
    for (i, fault) in faults.iter().enumerate() {
        tokio::time::sleep_until((started + gap * u32::try_from(i + 1).unwrap()).into()).await;
        let back = match fault {
            Fault::Restart => {
                database_up.store(false, Ordering::Relaxed);
                tokio::task::block_in_place(|| cluster.restart_fast());
                Instant::now()
            }
            Fault::Crash => {
                database_up.store(false, Ordering::Relaxed);
                tokio::task::block_in_place(|| cluster.crash());
                probe_readiness(&http, &servers, Duration::from_secs(3), &mut down).await;
                tokio::task::block_in_place(|| cluster.start_again());
                Instant::now()
            }
            Fault::KillServe => {
                serves[1].kill();
                tokio::time::sleep(Duration::from_secs(1)).await;
                let restarted = tokio::task::block_in_place(|| Serve::start(&url, &log));
                servers.write().unwrap()[1] = restarted.base.clone();
                serves[1] = restarted;
                Instant::now()
            }
        };
        recoveries.push((*fault, recovery(&http, &servers, back).await));
        database_up.store(true, Ordering::Relaxed);
    }
    for writer in writers {
        writer.await.unwrap();
    }

    let ledger = std::mem::take(&mut *ledger.lock().unwrap());
    let lost = verify(&http, &serves[0].base, &tokens, &ledger, &url).await;
    let answers = std::mem::take(&mut *answers.lock().unwrap());
    let exits: Vec<bool> = serves.into_iter().map(Serve::stop).collect();

    println!("== fault test: {STUDENTS} students, {seconds} s, two servers");
    println!("writes acknowledged: {}", answers.acknowledged());
    println!(
        "writes lost: {} through the API, {} in SQL",
        lost.through_api.len(),
        lost.in_sql.len()
    );
    for line in lost.through_api.iter().chain(&lost.in_sql) {
        println!("  lost: {line}");
    }
    println!("answers by status:");
    for (status, count) in &answers.by_status {
        println!("  {status}: {count}");
    }
    println!(
        "{UNAVAILABLE_WHILE_UP}: {}",
        answers
            .by_status
            .get(UNAVAILABLE_WHILE_UP)
            .copied()
            .unwrap_or(0)
    );
    println!("recovery after each fault (until both servers are ready):");
    for (fault, took) in &recoveries {
        println!("  {fault:?}: {} ms", took.as_millis());
    }
    println!(
        "/readyz while PostgreSQL was down: {:?}, the slowest answer in {} ms",
        down.statuses,
        down.slowest.as_millis()
    );
    println!("servers exited 0 on SIGTERM: {exits:?}");

    assert!(
        answers.acknowledged() > 100,
        "the students wrote too little to prove anything"
    );
    assert!(
        lost.through_api.is_empty() && lost.in_sql.is_empty(),
        "acknowledged writes were lost: {:?}",
        lost.through_api
            .iter()
            .chain(&lost.in_sql)
            .collect::<Vec<_>>()
    );
    let errors: u64 = answers
        .by_status
        .iter()
        .filter(|(status, _)| {
            status
                .parse::<u16>()
                .is_ok_and(|code| code >= 500 && code != 503)
        })
        .map(|(_, n)| n)
        .sum();
    assert_eq!(
        errors, 0,
        "server errors other than 503: {:?}",
        answers.by_status
    );
    assert!(
        !answers.by_status.contains_key("503 without Retry-After"),
        "every 503 says when to retry: {:?}",
        answers.by_status
    );
    assert!(
        !answers.by_status.contains_key(NO_ANSWER),
        "a request hung: {:?}",
        answers.by_status
    );
    assert!(
        down.statuses.keys().all(|status| status == "503") && !down.statuses.is_empty(),
        "/readyz answers 503 while PostgreSQL is down: {:?}",
        down.statuses
    );
    assert!(
        exits.iter().all(|ok| *ok),
        "a server did not exit 0 on SIGTERM"
    );
}
