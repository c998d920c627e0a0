//! The demo's HTTP client: one request per loopback connection to the
//! server's own HTTP port, as any outside client would make it (hyper's
//! client connection; no TLS, no pool — the server is on 127.0.0.1).

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::TcpStream;

/// How long one request may take, connect to last byte.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Answers larger than this are not read (the demo reads small JSON).
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("HTTP exchange failed: {0}")]
    Exchange(#[from] hyper::Error),
    #[error("bad request built: {0}")]
    Request(#[from] hyper::http::Error),
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("answer body over {MAX_BODY} bytes")]
    TooLarge,
}

/// An answer: its status and its body as JSON (`Value::Null` when the body
/// is not JSON), and a `Retry-After` in seconds if it carried one.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub body: Value,
    pub retry_after_s: Option<u64>,
}

/// A client of the server's HTTP port.
#[derive(Debug, Clone)]
pub struct LocalHttp {
    addr: SocketAddr,
}

/// Credentials a request carries.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    /// HTTP Basic `user:password` (a kiosk's or evaluator's device
    /// credentials).
    Basic(String),
}

impl LocalHttp {
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr }
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Result<Answer, HttpError> {
        self.send(Method::GET, path, None, &Auth::None).await
    }

    /// `GET path` with credentials (an evaluator tablet's HTTP Basic).
    pub async fn get_with(&self, path: &str, auth: &Auth) -> Result<Answer, HttpError> {
        self.send(Method::GET, path, None, auth).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value, auth: &Auth) -> Result<Answer, HttpError> {
        self.send(Method::POST, path, Some(body.to_string()), auth)
            .await
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        auth: &Auth,
    ) -> Result<Answer, HttpError> {
        tokio::time::timeout(REQUEST_TIMEOUT, self.exchange(method, path, body, auth))
            .await
            .map_err(|_| HttpError::Timeout(REQUEST_TIMEOUT))?
    }

    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        auth: &Auth,
    ) -> Result<Answer, HttpError> {
        let stream = TcpStream::connect(self.addr)
            .await
            .map_err(|source| HttpError::Connect {
                addr: self.addr,
                source,
            })?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        let driver = tokio::spawn(async move {
            // The connection ends with the exchange; its error is the
            // request's, reported there.
            let _ = conn.await;
        });
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.addr.to_string());
        if body.is_some() {
            req = req.header(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        }
        if let Auth::Basic(userpass) = auth {
            use base64::Engine;
            let token = base64::engine::general_purpose::STANDARD.encode(userpass);
            req = req.header(AUTHORIZATION, format!("Basic {token}"));
        }
        let req = req.body(Full::new(Bytes::from(body.unwrap_or_default())))?;
        let res = sender.send_request(req).await?;
        let status = res.status();
        let retry_after_s = res
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let limited = http_body_util::Limited::new(res.into_body(), MAX_BODY);
        let bytes = limited
            .collect()
            .await
            .map_err(|_| HttpError::TooLarge)?
            .to_bytes();
        driver.abort();
        Ok(Answer {
            status,
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            retry_after_s,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A real request against a real (tiny) HTTP server on loopback.
    #[tokio::test]
    async fn posts_json_with_basic_auth_and_reads_the_answer() {
        use axum::routing::post;
        let app = axum::Router::new().route(
            "/echo",
            post(|headers: axum::http::HeaderMap, body: String| async move {
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string();
                (
                    [("retry-after", "7")],
                    axum::Json(serde_json::json!({"auth": auth, "body": body})),
                )
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        let http = LocalHttp::new(addr);
        let a = http
            .post(
                "/echo",
                &serde_json::json!({"x": 1}),
                &Auth::Basic("K1:pw".into()),
            )
            .await
            .unwrap();
        assert_eq!(a.status, StatusCode::OK);
        assert_eq!(a.retry_after_s, Some(7));
        assert_eq!(a.body["auth"], "Basic SzE6cHc=");
        assert_eq!(a.body["body"], "{\"x\":1}");
        let e = LocalHttp::new("127.0.0.1:1".parse().unwrap())
            .get("/")
            .await
            .unwrap_err();
        assert!(matches!(e, HttpError::Connect { .. }), "{e}");
    }
}
