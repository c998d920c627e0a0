//! A minimal HTTP/1.1 client for one thing: POST a JSON notice to
//! `http://host:port/path` and read the status code. One connection per
//! notice (`Connection: close`), a 5 s connect timeout and a 5 s timeout
//! for sending the request and reading the status line. No TLS: the
//! configuration accepts only `http://` (put a local relay in front of an
//! HTTPS gateway).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(5);
/// Most of a response head read before giving up on it.
const MAX_HEAD: usize = 16 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("bad webhook URL: {0}")]
    Url(&'static str),
    #[error("cannot connect: {0}")]
    Connect(std::io::Error),
    #[error("connect timed out")]
    ConnectTimeout,
    #[error("no answer in time")]
    ResponseTimeout,
    #[error("connection failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the answer is not HTTP")]
    BadResponse,
}

/// Where notices go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Host as written (brackets kept for IPv6), for the `Host` header.
    authority: String,
    /// Host for connecting (no brackets).
    host: String,
    port: u16,
    /// Path and query, from `/`.
    path: String,
}

impl Webhook {
    /// `http://host[:port][/path]`.
    pub fn parse(url: &str) -> Result<Self, WebhookError> {
        let rest = url
            .strip_prefix("http://")
            .ok_or(WebhookError::Url("expected http://"))?;
        let (hostport, path) = match rest.find(['/', '?']) {
            Some(i) if rest[i..].starts_with('/') => (&rest[..i], rest[i..].to_string()),
            Some(i) => (&rest[..i], format!("/{}", &rest[i..])),
            None => (rest, "/".to_string()),
        };
        if hostport.contains('@') {
            return Err(WebhookError::Url("user info is not supported"));
        }
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let (h, after) = v6.split_once(']').ok_or(WebhookError::Url("unclosed ["))?;
            let port = match after.strip_prefix(':') {
                Some(p) => p.parse().map_err(|_| WebhookError::Url("bad port"))?,
                None if after.is_empty() => 80,
                None => return Err(WebhookError::Url("bad port")),
            };
            (h.to_string(), port)
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (
                    h.to_string(),
                    p.parse().map_err(|_| WebhookError::Url("bad port"))?,
                ),
                None => (hostport.to_string(), 80),
            }
        };
        if host.is_empty() {
            return Err(WebhookError::Url("no host"));
        }
        if path.bytes().any(|b| b.is_ascii_control() || b == b' ') {
            return Err(WebhookError::Url(
                "spaces or control characters in the path",
            ));
        }
        Ok(Self {
            authority: hostport.to_string(),
            host,
            port,
            path,
        })
    }

    /// `host:port`, for logs (the path may carry a token).
    pub fn endpoint(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// POSTs `body` (JSON) and returns the status code of the answer.
    pub async fn post(&self, body: &[u8], idempotency_key: &str) -> Result<u16, WebhookError> {
        let mut stream = tokio::time::timeout(
            CONNECT_TIMEOUT,
            TcpStream::connect((self.host.as_str(), self.port)),
        )
        .await
        .map_err(|_| WebhookError::ConnectTimeout)?
        .map_err(WebhookError::Connect)?;
        let _ = stream.set_nodelay(true);
        tokio::time::timeout(
            RESPONSE_TIMEOUT,
            self.exchange(&mut stream, body, idempotency_key),
        )
        .await
        .map_err(|_| WebhookError::ResponseTimeout)?
    }

    async fn exchange(
        &self,
        stream: &mut TcpStream,
        body: &[u8],
        idempotency_key: &str,
    ) -> Result<u16, WebhookError> {
        // The key is ours (ticket ids and kinds), but keep header injection
        // impossible whatever it holds.
        let key: String = idempotency_key
            .chars()
            .filter(|c| c.is_ascii_graphic())
            .collect();
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: tingwu\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nIdempotency-Key: {}\r\nConnection: close\r\n\r\n",
            self.path,
            self.authority,
            body.len(),
            key
        );
        let mut request = head.into_bytes();
        request.extend_from_slice(body);
        stream.write_all(&request).await?;
        stream.flush().await?;
        // Read until the end of the status line (the rest is not needed).
        let mut buf = Vec::with_capacity(512);
        let mut chunk = [0u8; 1024];
        loop {
            if let Some(end) = buf.windows(2).position(|w| w == b"\r\n") {
                return parse_status(&buf[..end]);
            }
            if buf.len() > MAX_HEAD {
                return Err(WebhookError::BadResponse);
            }
            let n = stream.read(&mut chunk).await?;
            if n == 0 {
                return Err(WebhookError::BadResponse);
            }
            buf.extend_from_slice(&chunk[..n]);
        }
    }
}

/// `HTTP/1.1 204 No Content` → 204.
fn parse_status(line: &[u8]) -> Result<u16, WebhookError> {
    let line = std::str::from_utf8(line).map_err(|_| WebhookError::BadResponse)?;
    let mut parts = line.split(' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(WebhookError::BadResponse);
    }
    let code = parts.next().unwrap_or_default();
    if code.len() != 3 {
        return Err(WebhookError::BadResponse);
    }
    code.parse().map_err(|_| WebhookError::BadResponse)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::net::TcpListener;

    #[test]
    fn urls_parse() {
        let w = Webhook::parse("http://127.0.0.1:9000/sms").unwrap();
        assert_eq!(
            (w.host.as_str(), w.port, w.path.as_str()),
            ("127.0.0.1", 9000, "/sms")
        );
        assert_eq!(w.endpoint(), "127.0.0.1:9000");
        let w = Webhook::parse("http://gw.example").unwrap();
        assert_eq!(
            (w.host.as_str(), w.port, w.path.as_str()),
            ("gw.example", 80, "/")
        );
        let w = Webhook::parse("http://gw.example?token=x").unwrap();
        assert_eq!(w.path, "/?token=x");
        let w = Webhook::parse("http://[::1]:8081/a/b").unwrap();
        assert_eq!(
            (w.host.as_str(), w.port, w.authority.as_str()),
            ("::1", 8081, "[::1]:8081")
        );
        for bad in [
            "https://x/",
            "http://",
            "http://:80/",
            "http://h:port/",
            "http://u:p@h/",
            "http://h/a b",
            "http://[::1/",
        ] {
            assert!(Webhook::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn status_lines_parse() {
        assert_eq!(parse_status(b"HTTP/1.1 204 No Content").unwrap(), 204);
        assert_eq!(parse_status(b"HTTP/1.0 500").unwrap(), 500);
        assert!(parse_status(b"SSH-2.0-OpenSSH").is_err());
        assert!(parse_status(b"HTTP/1.1 2000 x").is_err());
    }

    #[tokio::test]
    async fn posts_json_and_reads_the_status() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 1024];
            while !String::from_utf8_lossy(&got).contains("{\"a\":1}") {
                let n = s.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                got.extend_from_slice(&buf[..n]);
            }
            s.write_all(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")
                .await
                .unwrap();
            String::from_utf8(got).unwrap()
        });
        let w = Webhook::parse(&format!("http://127.0.0.1:{port}/sms")).unwrap();
        assert_eq!(w.post(b"{\"a\":1}", "t-1/issued").await.unwrap(), 202);
        let request = server.await.unwrap();
        assert!(request.starts_with("POST /sms HTTP/1.1\r\n"), "{request}");
        assert!(request.contains("Content-Length: 7\r\n"), "{request}");
        assert!(
            request.contains("Idempotency-Key: t-1/issued\r\n"),
            "{request}"
        );
    }

    #[tokio::test]
    async fn a_closed_port_is_an_error() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let w = Webhook::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        assert!(matches!(
            w.post(b"{}", "k").await,
            Err(WebhookError::Connect(_))
        ));
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let _hold = tokio::spawn(async move {
            let (s, _) = listener.accept().await.unwrap();
            tokio::time::sleep(Duration::from_secs(30)).await;
            drop(s);
        });
        let w = Webhook::parse(&format!("http://127.0.0.1:{port}/")).unwrap();
        let r = w.post(b"{}", "k").await;
        assert!(matches!(r, Err(WebhookError::ResponseTimeout)), "{r:?}");
    }
}
