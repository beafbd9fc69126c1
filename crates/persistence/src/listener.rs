//! Wakes idle workers on PostgreSQL's notifications.
//!
//! A trigger on `background_jobs` runs `pg_notify('sophie_jobs', '')` when a job is inserted
//! and when one becomes `PENDING` again (released, rescued, failed with a retry time). A
//! [`JobListener`] holds one connection of its own, outside the pool, that `LISTEN`s on that
//! channel, and wakes every waiter on each notification. When the connection drops it
//! reconnects with a growing pause, and wakes the waiters once it listens again, since jobs
//! may have come meanwhile. While it is not listening the waiters are simply not woken: the
//! worker's poll interval is the fallback.

use std::future::poll_fn;
use std::pin::pin;
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio_postgres::{AsyncMessage, Config, NoTls};

/// The channel the trigger of migration `2026-12-05-000011_job_notify` notifies.
pub(crate) const CHANNEL: &str = "sophie_jobs";

/// The first pause before reconnecting; it doubles at each failure in a row, up to
/// [`MAX_PAUSE`].
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const MAX_PAUSE: Duration = Duration::from_secs(30);

/// How long the connection may stay silent before TCP keepalives probe it, so a server gone
/// without a word (a cut network) is noticed within minutes rather than hours.
const KEEPALIVE_IDLE: Duration = Duration::from_secs(30);

/// One `LISTEN` connection, started on first use, that wakes the waiters of [`Self::notified`].
pub(crate) struct JobListener {
    url: String,
    connect_timeout: Duration,
    wake: Arc<Notify>,
    listening: Arc<watch::Sender<bool>>,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for JobListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobListener")
            .field("listening", &*self.listening.borrow())
            .finish_non_exhaustive()
    }
}

impl JobListener {
    /// A listener of the database at `url`, not started.
    pub(crate) fn new(url: &str, connect_timeout: Duration) -> Self {
        Self {
            url: url.to_owned(),
            connect_timeout,
            wake: Arc::new(Notify::new()),
            listening: Arc::new(watch::Sender::new(false)),
            task: Mutex::new(None),
        }
    }

    /// Starts listening, once; later calls do nothing while it runs (it ends only with the
    /// runtime it was started on). Must be called within a Tokio runtime.
    pub(crate) fn start(&self) {
        let mut task = self.task.lock().unwrap_or_else(PoisonError::into_inner);
        if task.as_ref().is_none_or(JoinHandle::is_finished) {
            *task = Some(tokio::spawn(listen_forever(
                self.url.clone(),
                self.connect_timeout,
                Arc::clone(&self.wake),
                Arc::clone(&self.listening),
            )));
        }
    }

    /// What waiters wait on: it is woken by every notification from the time it is created,
    /// even before it is first polled.
    pub(crate) fn wake(&self) -> &Notify {
        &self.wake
    }

    /// Resolves once the connection listens (at once if it already does).
    pub(crate) async fn listening(&self) {
        let mut listening = self.listening.subscribe();
        // The sender lives as long as `self`, so this cannot fail while it is awaited.
        let _ = listening.wait_for(|&now| now).await;
    }
}

impl Drop for JobListener {
    fn drop(&mut self) {
        let task = self.task.get_mut().unwrap_or_else(PoisonError::into_inner);
        if let Some(task) = task.take() {
            task.abort();
        }
    }
}

/// Listens, reconnecting with a growing pause, until aborted.
async fn listen_forever(
    url: String,
    connect_timeout: Duration,
    wake: Arc<Notify>,
    listening: Arc<watch::Sender<bool>>,
) {
    let mut pause = FIRST_PAUSE;
    loop {
        let ended = listen_once(&url, connect_timeout, &wake, &listening).await;
        let was_listening = listening.send_replace(false);
        if was_listening {
            pause = FIRST_PAUSE;
        }
        match ended {
            Ok(()) => tracing::warn!("the job listener's connection closed; reconnecting"),
            Err(error) => tracing::warn!(
                %error,
                pause_ms = pause.as_millis(),
                "the job listener lost its connection or cannot connect; retrying"
            ),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(MAX_PAUSE);
    }
}

/// Connects, listens, and wakes the waiters at each notification until the connection ends.
async fn listen_once(
    url: &str,
    connect_timeout: Duration,
    wake: &Notify,
    listening: &watch::Sender<bool>,
) -> Result<(), String> {
    let mut config = Config::from_str(url).map_err(|e| format!("bad database URL: {e}"))?;
    config
        .connect_timeout(connect_timeout)
        .keepalives(true)
        .keepalives_idle(KEEPALIVE_IDLE)
        .application_name("sophie job listener");
    let (client, mut connection) = tokio::time::timeout(connect_timeout, config.connect(NoTls))
        .await
        .map_err(|_| format!("no answer within {} ms", connect_timeout.as_millis()))?
        .map_err(|e| e.to_string())?;

    // The connection must be driven for the LISTEN to be answered.
    {
        let statement = format!("LISTEN {CHANNEL}");
        let mut listen = pin!(client.batch_execute(&statement));
        loop {
            tokio::select! {
                done = &mut listen => {
                    done.map_err(|e| e.to_string())?;
                    break;
                }
                message = poll_fn(|cx| connection.poll_message(cx)) => match message {
                    Some(Ok(AsyncMessage::Notification(_))) => wake.notify_waiters(),
                    Some(Ok(_)) => {}
                    Some(Err(error)) => return Err(error.to_string()),
                    None => return Err("the connection closed before LISTEN".to_owned()),
                },
            }
        }
    }
    // Jobs may have come while nobody listened. Woken before `listening` says so, so that a
    // waiter who saw it listening is woken only by notifications.
    wake.notify_waiters();
    listening.send_replace(true);
    tracing::debug!(channel = CHANNEL, "the job listener listens");

    loop {
        match poll_fn(|cx| connection.poll_message(cx)).await {
            Some(Ok(AsyncMessage::Notification(_))) => wake.notify_waiters(),
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(error.to_string()),
            // The client is dropped only here: dropping it would end the connection.
            None => return Ok(()),
        }
    }
}
