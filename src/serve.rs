//! `sophie serve`: picks the storage, wires the API, serves until SIGTERM or Ctrl-C.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{App, HttpServer};
use sophie_api::AppState;
use sophie_persistence::{Database, DatabaseConfig, PostgresStore};
use tracing::Span;
use tracing_actix_web::{DefaultRootSpanBuilder, RootSpanBuilder, TracingLogger};

use crate::config::Config;
use crate::demo;
use crate::wiring::{self, Wiring};

/// The request spans of the default builder, but a calendar feed's path (which holds its
/// token, as good as a password for the feed) is logged as its route, and the sign-in
/// callback without its query (the provider's code and the flow's state).
struct KeepSecretsOut;

/// Where the calendar feeds are served; the rest of their path is the token.
const FEED_PATH: &str = "/api/v1/calendar/feed/";
/// Where the provider sends the browser back with a code.
const CALLBACK_PATH: &str = "/api/v1/auth/oidc/callback";

impl RootSpanBuilder for KeepSecretsOut {
    fn on_request_start(request: &ServiceRequest) -> Span {
        if request.path().starts_with(FEED_PATH) {
            tracing::info_span!(
                "HTTP request",
                http.method = %request.method(),
                http.route = "/api/v1/calendar/feed/{token}.ics",
                http.target = "/api/v1/calendar/feed/{token}.ics",
                http.status_code = tracing::field::Empty,
                otel.status_code = tracing::field::Empty,
                exception.message = tracing::field::Empty,
            )
        } else if request.path() == CALLBACK_PATH {
            tracing::info_span!(
                "HTTP request",
                http.method = %request.method(),
                http.route = CALLBACK_PATH,
                http.target = CALLBACK_PATH,
                http.status_code = tracing::field::Empty,
                otel.status_code = tracing::field::Empty,
                exception.message = tracing::field::Empty,
            )
        } else {
            tracing_actix_web::root_span!(request)
        }
    }

    fn on_request_end<B: MessageBody>(
        span: Span,
        outcome: &Result<ServiceResponse<B>, actix_web::Error>,
    ) {
        DefaultRootSpanBuilder::on_request_end(span, outcome);
    }
}

/// The application state on the storage the configuration names.
///
/// # Errors
///
/// When the storage cannot start or the hasher cannot start.
pub async fn state(config: &Config) -> Result<AppState, String> {
    Wiring::from_config(config).await?.app_state(config)
}

/// The state one HTTP worker serves with. On PostgreSQL each worker has its own share of the
/// connections: a connection's I/O runs on the thread that opened it, so a worker that only
/// uses its own never waits on another thread to be woken. Everything else (the rate limits,
/// the hasher, the in-memory store) is shared.
fn worker_state(shared: &AppState, database: Option<&DatabaseConfig>) -> AppState {
    let Some(database) = database else {
        return shared.clone();
    };
    match Database::connect_lazy(database) {
        Ok(pool) => shared.on_repositories(
            PostgresStore::new(pool.clone()).repositories(),
            wiring::readiness(pool),
        ),
        Err(error) => {
            tracing::error!(%error, "cannot build this worker's pool; sharing the common one");
            shared.clone()
        }
    }
}

/// How many connections each of `workers` workers may hold, an even share of the configured
/// maximum, at least one; and its even share of the search memory.
fn per_worker(database: &DatabaseConfig, workers: usize) -> DatabaseConfig {
    DatabaseConfig {
        max_connections: (database.max_connections / workers.max(1)).max(1),
        search_memory: database.search_memory / workers.max(1),
        ..database.clone()
    }
}

/// Serves the API until the process is asked to stop; in-flight requests are finished first.
///
/// # Errors
///
/// When the storage cannot start or the address cannot be bound.
#[allow(
    clippy::print_stdout,
    reason = "the listening address is the program's output"
)]
pub async fn serve(config: Config, with_demo: bool) -> Result<(), String> {
    let wiring = Wiring::from_config(&config).await?;
    let state = wiring.app_state(&config)?;
    // The in-memory queue lives in this process: only a worker here can run its jobs.
    let embedded = if config.embedded_worker || wiring.in_memory {
        Some(wiring.worker(&config)?)
    } else {
        tracing::info!("EMBEDDED_WORKER=false: jobs wait for a `sophie worker`");
        None
    };
    let demo_state = with_demo.then(|| state.clone());
    let workers = config.workers.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    let database = config.database.as_ref().map(|d| per_worker(d, workers));
    let listener = std::net::TcpListener::bind((config.host, config.port))
        .map_err(|e| format!("cannot listen on {}:{}: {e}", config.host, config.port))?;
    let closer = listener
        .try_clone()
        .map_err(|e| format!("cannot share the listening socket: {e}"))?;
    let server = HttpServer::new(move || {
        let state = worker_state(&state, database.as_ref());
        App::new()
            .wrap(TracingLogger::<KeepSecretsOut>::new())
            .configure(move |cfg| sophie_api::configure(cfg, state))
    })
    .workers(workers)
    .disable_signals()
    .listen(listener)
    .map_err(|e| format!("cannot listen on {}:{}: {e}", config.host, config.port))?
    .shutdown_timeout(30);
    let addresses = server.addrs();
    for address in &addresses {
        println!("sophie listening on http://{address}");
        tracing::info!(%address, docs = %format!("http://{address}/api/docs"), "listening");
    }
    // Seeded once the address is known, so the instructions name the one it listens on.
    if let (Some(state), Some(address)) = (demo_state, addresses.first()) {
        demo::seed_and_print(&state, &format!("http://{address}")).await?;
    }
    let (stopping, stop) = tokio::sync::watch::channel(false);
    let worker = embedded.map(|worker| {
        tracing::info!(worker = worker.id(), "running a worker in this process");
        let mut stop = stop.clone();
        tokio::spawn(worker.run(async move {
            let _ = stop.wait_for(|stopping| *stopping).await;
        }))
    });
    let server = server.run();
    tokio::spawn(stop_on_signal(server.handle(), closer, stopping));
    server
        .await
        .map_err(|e| format!("the server stopped: {e}"))?;
    if let Some(worker) = worker {
        match worker.await {
            Ok(report) => tracing::info!(?report, "the worker stopped"),
            Err(error) => tracing::error!(%error, "the worker ended abnormally"),
        }
    }
    tracing::info!("stopped");
    Ok(())
}

/// `sophie worker`: runs jobs until SIGTERM or Ctrl-C, then stops claiming, lets running
/// jobs finish (or puts them back) within the deadline, and returns.
///
/// # Errors
///
/// Without `DATABASE_URL` (an in-memory queue belongs to its `serve` process), or when the
/// storage cannot start.
pub async fn work(config: Config) -> Result<(), String> {
    if config.database.is_none() {
        return Err(
            "`sophie worker` shares the job queue in PostgreSQL: set DATABASE_URL \
                    (without it, `sophie serve` runs the jobs itself)"
                .to_owned(),
        );
    }
    let wiring = Wiring::from_config(&config).await?;
    let worker = wiring.worker(&config)?;
    tracing::info!(worker = worker.id(), "worker started");
    let report = worker.run(stop_signal()).await;
    tracing::info!(?report, "worker stopped");
    Ok(())
}

/// On SIGTERM or Ctrl-C: refuse new connections at once, let the workers take up the
/// connections already handed to them, then finish every request in flight (30 s at most).
///
/// actix's own stop tells the accept thread and the workers at the same moment: a connection
/// accepted in that instant is queued to a worker that is stopping, which drops it, and the
/// client sees its request reset. A refused connection, by contrast, is safe to retry.
async fn stop_on_signal(
    handle: actix_web::dev::ServerHandle,
    listener: std::net::TcpListener,
    worker: tokio::sync::watch::Sender<bool>,
) {
    stop_signal().await;
    // The embedded worker stops claiming now and finishes its jobs while requests drain.
    let _ = worker.send(true);
    tracing::info!("stopping: new connections are refused, requests in flight are finished");
    // The accept thread stops taking connections; what arrives now waits in the backlog.
    handle.pause().await;
    // Answer what waits there, so that shutting the socket down resets nobody, then shut it
    // down: connection attempts are refused from here on, which a client may safely retry.
    turn_away_waiting(&listener);
    if let Err(error) = socket2::SockRef::from(&listener).shutdown(std::net::Shutdown::Read) {
        tracing::warn!(%error, "could not close the listening socket");
    }
    // Connections accepted just before are on their way to a worker: give them the moment it
    // takes to start, so the graceful stop below counts them as in flight.
    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    handle.stop(true).await;
}

/// Accepts every connection waiting in the backlog and answers it 503 with `Retry-After`.
fn turn_away_waiting(listener: &std::net::TcpListener) {
    use std::io::Write as _;
    if listener.set_nonblocking(true).is_err() {
        return;
    }
    let body = r#"{"type":"urn:sophie:problem:unavailable","title":"Service unavailable","status":503,"detail":"sophie is stopping; try again"}"#;
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\n\
         Content-Type: application/problem+json\r\nConnection: close\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    while let Ok((mut stream, _)) = listener.accept() {
        let _ = stream.set_nonblocking(false);
        let _ = stream.write_all(answer.as_bytes());
        // Read what the client sent, so closing does not reset the answer away.
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(50)));
        let _ = std::io::Read::read(&mut stream, &mut [0_u8; 4096]);
    }
}

/// Resolves on SIGTERM or Ctrl-C (SIGINT).
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = terminate.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(max_connections: usize, workers: usize) -> usize {
        let database = DatabaseConfig {
            max_connections,
            ..DatabaseConfig::new(DatabaseConfig::DEFAULT_URL)
        };
        per_worker(&database, workers).max_connections
    }

    #[test]
    fn the_connections_are_shared_evenly_between_workers_at_least_one_each() {
        assert_eq!(share(16, 2), 8);
        assert_eq!(share(16, 3), 5, "never more than the maximum in all");
        assert_eq!(share(3, 4), 1, "every worker can query");
        let database = DatabaseConfig {
            search_memory: 100,
            ..DatabaseConfig::new(DatabaseConfig::DEFAULT_URL)
        };
        assert_eq!(per_worker(&database, 3).search_memory, 33);
        assert_eq!(share(16, 1), 16);
    }
}
