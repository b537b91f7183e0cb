//! Who sends a request, for the per-client rate limit: the peer's IP address.
//!
//! Behind a reverse proxy on the same machine every request comes from 127.0.0.1 or
//! ::1; then the last address of `X-Forwarded-For` (the one the proxy itself added) is
//! the client. A header from any other peer is ignored: a client could write anything
//! in it. A proxy on another machine makes every request one client's (its address):
//! put the proxy on the machine hakusho runs on.

use std::convert::Infallible;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

/// The client's address as text (`unknown` when the server was started without
/// connection info).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Client(pub String);

impl<S: Send + Sync> FromRequestParts<S> for Client {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Client, Infallible> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip());
        let Some(peer) = peer else {
            return Ok(Client("unknown".to_string()));
        };
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .rfind(|v| v.parse::<std::net::IpAddr>().is_ok());
        Ok(Client(match forwarded {
            Some(address) if peer.is_loopback() => address.to_string(),
            _ => peer.to_string(),
        }))
    }
}
