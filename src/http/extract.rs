//! axum's extractors with our error shape: a bad path parameter, query
//! string or WebSocket handshake is answered `{"error":{"code","message"}}`
//! and counted like every other refused input, instead of axum's plain text.

use axum::extract::ws::WebSocketUpgrade;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::ApiError;

/// `axum::extract::Path`, refusing with 400 `bad_path`.
pub struct Path<T>(pub T);

impl<S, T> FromRequestParts<S> for Path<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(v)) => Ok(Path(v)),
            Err(e) => Err(ApiError::new(
                e.status(),
                "bad_path",
                format!("路径参数错误 / invalid path: {}", e.body_text()),
            )),
        }
    }
}

/// `axum::extract::Query`, refusing with 400 `bad_query`.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
            Err(e) => Err(ApiError::new(
                e.status(),
                "bad_query",
                format!("查询参数错误 / invalid query string: {}", e.body_text()),
            )),
        }
    }
}

/// `WebSocketUpgrade`, refusing a request that is not a valid WebSocket
/// handshake with `bad_websocket_upgrade` (400, or 405 for a non-GET).
pub struct WsUpgrade(pub WebSocketUpgrade);

impl<S> FromRequestParts<S> for WsUpgrade
where
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match WebSocketUpgrade::from_request_parts(parts, state).await {
            Ok(ws) => Ok(WsUpgrade(ws)),
            Err(e) => Err(ApiError::new(
                e.status(),
                "bad_websocket_upgrade",
                format!(
                    "this address takes a WebSocket connection (此地址仅接受WebSocket连接): {}",
                    e.body_text()
                ),
            )),
        }
    }
}

/// The peer's address, when the server put one in the request
/// (`server::with_peer`); None in in-process tests.
pub struct Peer(pub Option<std::net::SocketAddr>);

impl<S: Send + Sync> FromRequestParts<S> for Peer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Peer(
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0),
        ))
    }
}
