//! Waking idle workers through PostgreSQL: the trigger of migration `000011_job_notify` and
//! the queue's listener. Needs a server (see `sophie_persistence::testing`).
//!
//! Every wait is bounded by [`within`]: a wake-up that never comes fails the test instead of
//! hanging it. Nothing asserts a duration.
#![cfg(feature = "testing")]
#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "a test: a failure should stop it where it happened"
)]

use std::future::{Future, poll_fn};
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use sophie_domain::{JobQueue, NewBackgroundJob};
use sophie_persistence::PostgresJobQueue;
use sophie_persistence::testing::TestDatabase;
use tokio::sync::mpsc;
use tokio_postgres::{AsyncMessage, Client, NoTls};

const PATIENCE: Duration = Duration::from_secs(10);

async fn within<T>(what: &str, future: impl Future<Output = T>) -> T {
    tokio::time::timeout(PATIENCE, future)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Polls `future` once; whether it was ready.
async fn ready_now<F: Future + Unpin>(future: &mut F) -> bool {
    poll_fn(|cx| Poll::Ready(Pin::new(&mut *future).poll(cx).is_ready())).await
}

fn job(kind: &str) -> NewBackgroundJob {
    NewBackgroundJob::new(kind, serde_json::json!({}))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_worker_is_woken_by_a_job_enqueued_elsewhere() {
    let db = TestDatabase::new().await;
    let listening = PostgresJobQueue::new(db.pool());
    within("the listener to listen", listening.listen()).await;

    // Registered before the enqueue: the notification must reach it.
    let mut wait = listening.wait_for_work();
    assert!(!ready_now(&mut wait).await, "woken before any job came");
    let elsewhere = PostgresJobQueue::new(db.pool());
    elsewhere.enqueue(job("import")).await.unwrap();
    within("the wake-up after an enqueue", wait).await;

    // And again: each wait gets the next notification.
    let mut wait = listening.wait_for_work();
    assert!(!ready_now(&mut wait).await);
    elsewhere.enqueue(job("import")).await.unwrap();
    within("the second wake-up", wait).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_listener_reconnects_when_its_connection_is_ended() {
    let db = TestDatabase::new().await;
    let listening = PostgresJobQueue::new(db.pool());
    within("the listener to listen", listening.listen()).await;
    let admin = connect(db.url()).await;
    let listener_pid = "SELECT pid FROM pg_stat_activity \
                        WHERE datname = current_database() \
                          AND application_name = 'sophie job listener' \
                          AND state = 'idle' AND query = 'LISTEN sophie_jobs'";
    let old: i32 = admin.query_one(listener_pid, &[]).await.unwrap().get(0);

    admin
        .execute("SELECT pg_terminate_backend($1)", &[&old])
        .await
        .unwrap();
    within("a new listening connection", async {
        loop {
            let pids: Vec<i32> = admin
                .query(listener_pid, &[])
                .await
                .unwrap()
                .iter()
                .map(|row| row.get(0))
                .collect();
            if pids.iter().any(|&pid| pid != old) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    within("the listener to listen again", listening.listen()).await;

    let mut wait = listening.wait_for_work();
    assert!(!ready_now(&mut wait).await);
    PostgresJobQueue::new(db.pool())
        .enqueue(job("import"))
        .await
        .unwrap();
    within("the wake-up on the new connection", wait).await;
}

/// A plain connection whose notifications on `sophie_jobs` arrive on the receiver, as
/// payloads.
async fn listen_raw(url: &str) -> (Client, mpsc::UnboundedReceiver<String>) {
    let (client, mut connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(message) = poll_fn(|cx| connection.poll_message(cx)).await {
            if let Ok(AsyncMessage::Notification(n)) = message {
                let _ = tx.send(n.payload().to_owned());
            }
        }
    });
    client.batch_execute("LISTEN sophie_jobs").await.unwrap();
    (client, rx)
}

async fn connect(url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// The notifications that come before `marker`, which `client` sends now. Notifications are
/// delivered in commit order, so these are exactly those of the transactions committed
/// before it.
async fn before_marker(
    client: &Client,
    notifications: &mut mpsc::UnboundedReceiver<String>,
    marker: &str,
) -> Vec<String> {
    client
        .execute("SELECT pg_notify('sophie_jobs', $1)", &[&marker])
        .await
        .unwrap();
    let mut seen = Vec::new();
    loop {
        let payload = within("the marker", notifications.recv()).await.unwrap();
        if payload == marker {
            return seen;
        }
        seen.push(payload);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_that_become_runnable_notify_and_other_changes_do_not() {
    let db = TestDatabase::new().await;
    let (_listener, mut notifications) = listen_raw(db.url()).await;
    let marker = connect(db.url()).await;
    let queue = PostgresJobQueue::new(db.pool());
    let lease = Duration::from_secs(300);
    let kinds = vec!["import".to_owned()];

    let queued = queue.enqueue(job("import")).await.unwrap();
    assert_eq!(
        before_marker(&marker, &mut notifications, "m1").await,
        [""],
        "an enqueue did not notify once"
    );

    let claimed = queue
        .claim("w".into(), kinds.clone(), lease)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(claimed.id, queued.id);
    queue
        .heartbeat(claimed.id, "w".into(), lease)
        .await
        .unwrap();
    assert!(
        before_marker(&marker, &mut notifications, "m2")
            .await
            .is_empty(),
        "a claim or a heartbeat notified"
    );

    queue.release(claimed.id, "w".into()).await.unwrap();
    assert_eq!(
        before_marker(&marker, &mut notifications, "m3").await,
        [""],
        "a released job did not notify"
    );

    queue.claim("w".into(), kinds.clone(), lease).await.unwrap();
    // Retried at once, so the last claim below takes it again.
    let retry_at = chrono::Utc::now() - chrono::TimeDelta::seconds(1);
    queue
        .fail(queued.id, "w".into(), "flaky".into(), Some(retry_at))
        .await
        .unwrap();
    assert_eq!(
        before_marker(&marker, &mut notifications, "m4").await,
        [""],
        "a job put back to retry did not notify"
    );

    let done = queue.enqueue(job("sync")).await.unwrap();
    queue
        .claim("w".into(), vec!["sync".to_owned()], Duration::ZERO)
        .await
        .unwrap();
    let _ = before_marker(&marker, &mut notifications, "m5").await;
    let far = chrono::Utc::now() + chrono::TimeDelta::hours(1);
    assert_eq!(queue.rescue_expired(far).await.unwrap().total(), 1);
    assert_eq!(
        before_marker(&marker, &mut notifications, "m6").await,
        [""],
        "a rescued job did not notify"
    );

    queue
        .claim("w".into(), vec!["sync".to_owned()], lease)
        .await
        .unwrap();
    queue
        .complete_batch(vec![done.id], "w".into())
        .await
        .unwrap();
    let again = queue.claim("w".into(), kinds, lease).await.unwrap();
    assert_eq!(again.map(|j| j.id), Some(queued.id));
    queue
        .fail(queued.id, "w".into(), "for good".into(), None)
        .await
        .unwrap();
    assert!(
        before_marker(&marker, &mut notifications, "m7")
            .await
            .is_empty(),
        "a completion or a final failure notified"
    );
}
