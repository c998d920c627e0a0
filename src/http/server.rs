//! The HTTP listener: hyper's HTTP/1.1 server under the axum router, with
//! the limits that `axum::serve` does not offer.
//!
//! - At most `max_connections` connections are served at once. A connection
//!   accepted beyond that is closed at once (the kernel's backlog and the
//!   client's retry absorb a burst) rather than served with ever less
//!   memory per client. Upgraded WebSocket streams leave this count and
//!   are capped by their own limit (`ws::WsLimits`).
//! - A client must send a request's complete header within
//!   `header_read_timeout` (10 s) of the connection opening or of the
//!   previous answer, so a connection that sends nothing, or drips a header
//!   byte by byte, is closed instead of holding a slot. The time to answer
//!   is bounded separately by the router's timeout.
//! - Shutdown: when `shutdown` turns true the listener is closed, idle
//!   keep-alive connections are closed, requests in flight are answered
//!   and their connections then closed; `serve` returns once all are done,
//!   or after `drain` at the latest.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tower::ServiceExt;
use tracing::{debug, error, warn};

#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
    /// How long shutdown waits for connections to finish.
    pub drain: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: 4096,
            header_read_timeout: Duration::from_secs(10),
            drain: Duration::from_secs(3),
        }
    }
}

/// The router for one connection, telling handlers the peer's address
/// (`ConnectInfo<SocketAddr>`, for the per-source rate limit).
fn with_peer(
    app: &Router,
    peer: std::net::SocketAddr,
) -> tower::util::MapRequest<Router, impl FnMut(Request<Incoming>) -> Request<Incoming> + Clone> {
    app.clone().map_request(move |mut req: Request<Incoming>| {
        req.extensions_mut().insert(ConnectInfo(peer));
        req
    })
}

/// Serves `app` on `listener` until `shutdown` turns true (or its sender
/// is dropped), then drains.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: Limits,
    mut shutdown: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let mut last_refusal_logged: Option<tokio::time::Instant> = None;
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = super::stopping(&mut shutdown) => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of file descriptors and the like: wait instead of spinning.
                error!(error = %e, "accepting an HTTP connection failed");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            drop(stream);
            let now = tokio::time::Instant::now();
            if last_refusal_logged.is_none_or(|t| now.duration_since(t) > Duration::from_secs(10)) {
                warn!(
                    max = limits.max_connections,
                    "HTTP connection limit reached; closing new connections"
                );
                last_refusal_logged = Some(now);
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let conn = builder
            .serve_connection(
                TokioIo::new(stream),
                TowerToHyperService::new(with_peer(&app, peer)),
            )
            .with_upgrades();
        let mut stop = shutdown.clone();
        tokio::spawn(async move {
            tokio::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => r,
                _ = super::stopping(&mut stop) => {
                    conn.as_mut().graceful_shutdown();
                    conn.as_mut().await
                }
            };
            if let Err(e) = result {
                debug!(%peer, error = %e, "HTTP connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(limits.drain, slots.acquire_many(all))
        .await
        .is_err()
    {
        warn!(
            open = limits.max_connections - slots.available_permits(),
            "HTTP connections still open at the end of the shutdown grace period"
        );
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    async fn start(
        app: Router,
        limits: Limits,
    ) -> (
        std::net::SocketAddr,
        watch::Sender<bool>,
        tokio::task::JoinHandle<()>,
    ) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = watch::channel(false);
        let task = tokio::spawn(serve(listener, app, limits, rx));
        (addr, tx, task)
    }

    /// Reads until the peer closes; Err if it does not within `limit`.
    async fn read_to_close(s: &mut TcpStream, limit: Duration) -> Result<Vec<u8>, ()> {
        let mut out = Vec::new();
        let read = async {
            let mut buf = [0u8; 1024];
            loop {
                match s.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => out.extend_from_slice(&buf[..n]),
                }
            }
        };
        tokio::time::timeout(limit, read).await.map_err(|_| ())?;
        Ok(out)
    }

    fn hello() -> Router {
        Router::new().route("/", get(|| async { "hello" }))
    }

    #[tokio::test]
    async fn a_slow_or_silent_client_is_closed_after_the_header_timeout() {
        let limits = Limits {
            header_read_timeout: Duration::from_millis(300),
            ..Limits::default()
        };
        let (addr, _stop, _task) = start(hello(), limits).await;
        // Silent.
        let mut silent = TcpStream::connect(addr).await.unwrap();
        // A header dripped byte by byte, never finished.
        let mut slow = TcpStream::connect(addr).await.unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let started = std::time::Instant::now();
        read_to_close(&mut silent, Duration::from_secs(5))
            .await
            .expect("silent connection not closed");
        read_to_close(&mut slow, Duration::from_secs(5))
            .await
            .expect("slow connection not closed");
        assert!(started.elapsed() >= Duration::from_millis(250));
        // A prompt client is served.
        let mut ok = TcpStream::connect(addr).await.unwrap();
        ok.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let answer = read_to_close(&mut ok, Duration::from_secs(5))
            .await
            .unwrap();
        assert!(
            answer.starts_with(b"HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&answer)
        );
    }

    #[tokio::test]
    async fn connections_beyond_the_limit_are_closed() {
        let limits = Limits {
            max_connections: 2,
            ..Limits::default()
        };
        let (addr, _stop, _task) = start(hello(), limits).await;
        let mut held = Vec::new();
        for _ in 0..2 {
            let mut s = TcpStream::connect(addr).await.unwrap();
            // One answered request proves the connection holds a slot.
            s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
                .await
                .unwrap();
            let mut buf = [0u8; 256];
            let n = s.read(&mut buf).await.unwrap();
            assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
            held.push(s);
        }
        let mut third = TcpStream::connect(addr).await.unwrap();
        let _ = third.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
        let answer = read_to_close(&mut third, Duration::from_secs(5))
            .await
            .expect("third connection not closed");
        assert!(answer.is_empty(), "third connection was served");
        // A slot freed is a slot for the next client.
        drop(held.pop());
        let mut again = None;
        for _ in 0..50 {
            let mut s = TcpStream::connect(addr).await.unwrap();
            let _ = s
                .write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .await;
            let answer = read_to_close(&mut s, Duration::from_secs(5)).await.unwrap();
            if answer.starts_with(b"HTTP/1.1 200") {
                again = Some(answer);
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(again.is_some(), "freed slot not reused");
    }

    #[tokio::test]
    async fn shutdown_answers_requests_in_flight_and_closes_idle_connections() {
        let app = hello().route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "done"
            }),
        );
        let (addr, stop, task) = start(app, Limits::default()).await;
        let mut idle = TcpStream::connect(addr).await.unwrap();
        idle.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 256];
        let n = idle.read(&mut buf).await.unwrap();
        assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
        let mut busy = TcpStream::connect(addr).await.unwrap();
        busy.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(50)).await;
        stop.send(true).unwrap();
        let answer = read_to_close(&mut busy, Duration::from_secs(5))
            .await
            .unwrap();
        let text = String::from_utf8_lossy(&answer);
        assert!(
            text.starts_with("HTTP/1.1 200") && text.ends_with("done"),
            "{text}"
        );
        read_to_close(&mut idle, Duration::from_secs(5))
            .await
            .expect("idle keep-alive connection not closed");
        tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("serve did not return")
            .unwrap();
        assert!(TcpStream::connect(addr).await.is_err(), "still listening");
    }
}
