//! Who sends a request, for the per-client rate limit: the peer's IP address.
//!
//! Behind a reverse proxy on the same machine every request comes from 127.0.0.1 or
//! ::1; then the last address of `X-Forwarded-For` (the one the proxy itself added) is
//! the client. A header from any other peer is ignored: a client could write anything
//! in it. A proxy on another machine makes every request one client's (its address):
//! put the proxy on the machine hakusho runs on.
//!
//! An IPv6 client counts by its /64 network: one machine is given a whole /64 and may
//! pick any address in it, so counting single addresses would not limit it at all.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

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
        let client = match forwarded.and_then(|a| a.parse::<IpAddr>().ok()) {
            Some(address) if peer.is_loopback() => address,
            _ => peer,
        };
        Ok(Client(counted_as(client)))
    }
}

/// The address a client counts as: an IPv4 address itself, an IPv6 address its /64
/// network (an IPv4 address written as IPv6 is the IPv4 address).
fn counted_as(address: IpAddr) -> String {
    match address {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let network = Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{network}/64")
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ipv6_client_counts_by_its_network_and_an_ipv4_one_by_its_address() {
        let counted = |a: &str| counted_as(a.parse().unwrap());
        assert_eq!(counted("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(counted("2001:db8:1:2:ffff:1:2:3"), "2001:db8:1:2::/64");
        assert_ne!(counted("2001:db8:1:3::1"), counted("2001:db8:1:2::1"));
        assert_eq!(counted("::ffff:192.0.2.7"), "192.0.2.7");
        assert_eq!(counted("192.0.2.7"), "192.0.2.7");
        assert_ne!(counted("192.0.2.8"), counted("192.0.2.7"));
    }
}
