//! A tiny HTTP/1.1 keep-alive client over a tokio `TcpStream`.
//!
//! Written by hand so that the load generator adds as little of its own
//! cost as possible and depends on no client library: one `write_all` per
//! request (with `Content-Length`), then the status line and headers up to
//! `\r\n\r\n`, then exactly `Content-Length` bytes of body. Chunked bodies
//! are refused (the server answers every API call with a length).

use std::net::SocketAddr;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Largest response head accepted.
const MAX_HEAD: usize = 16 * 1024;
/// Largest response body accepted (`/metrics` is the big one).
const MAX_BODY: usize = 8 * 1024 * 1024;

pub struct Response {
    pub status: u16,
    pub body: BytesMut,
}

impl Response {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub struct HttpClient {
    stream: TcpStream,
    host: String,
    buf: BytesMut,
    /// Header lines sent with every request (`Authorization: …\r\n`).
    headers: String,
}

impl HttpClient {
    pub async fn connect(addr: SocketAddr) -> Result<Self, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("HTTP connect to {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        Ok(Self {
            stream,
            host: addr.to_string(),
            buf: BytesMut::with_capacity(8 * 1024),
            headers: String::new(),
        })
    }

    /// Sends `Authorization: Basic` (RFC 7617) with every request, as a
    /// kiosk proves itself.
    pub fn basic_auth(mut self, user: &str, password: &str) -> Self {
        use base64::Engine;
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        self.headers = format!("Authorization: Basic {token}\r\n");
        self
    }

    /// Sends one request and reads its whole response.
    pub async fn request(
        &mut self,
        method: &str,
        path: &str,
        json: Option<&[u8]>,
    ) -> Result<Response, String> {
        let mut req = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{}",
            self.host, self.headers
        );
        match json {
            Some(body) => {
                req.push_str("Content-Type: application/json\r\n");
                req.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
                let mut bytes = req.into_bytes();
                bytes.extend_from_slice(body);
                self.write(&bytes).await?;
            }
            None => {
                req.push_str("\r\n");
                self.write(req.as_bytes()).await?;
            }
        }
        self.read_response().await
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), String> {
        self.stream
            .write_all(bytes)
            .await
            .map_err(|e| format!("HTTP write: {e}"))
    }

    async fn fill(&mut self) -> Result<(), String> {
        match self.stream.read_buf(&mut self.buf).await {
            Ok(0) => Err("HTTP connection closed by the server".into()),
            Ok(_) => Ok(()),
            Err(e) => Err(format!("HTTP read: {e}")),
        }
    }

    async fn read_response(&mut self) -> Result<Response, String> {
        let head_len = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            if self.buf.len() > MAX_HEAD {
                return Err(format!("HTTP response head over {MAX_HEAD} bytes"));
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_len])
            .map_err(|_| "HTTP response head is not UTF-8".to_string())?;
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap_or_default();
        let status: u16 = status_line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("bad HTTP status line {status_line:?}"))?;
        let mut length = None;
        for line in lines {
            let Some((name, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding")
                && value.eq_ignore_ascii_case("chunked")
            {
                return Err("chunked HTTP responses are not supported by the bench".into());
            }
        }
        let length =
            length.ok_or_else(|| format!("HTTP {status} response without Content-Length"))?;
        if length > MAX_BODY {
            return Err(format!("HTTP body of {length} bytes is too large"));
        }
        while self.buf.len() < head_len + length {
            self.fill().await?;
        }
        let _head = self.buf.split_to(head_len);
        let body = self.buf.split_to(length);
        Ok(Response { status, body })
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
