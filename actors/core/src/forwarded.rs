//! Which address a request comes from, behind trusted reverse proxies.
//!
//! `X-Forwarded-For` lists the addresses a request passed through, each
//! proxy appending the peer it heard from. Only proxies the hall trusts
//! (`[limits] trusted_proxies`: single addresses or CIDR ranges) may speak
//! for a client: read from the right, skip every trusted hop, and the first
//! address left is the client (the rule of nginx's `real_ip_recursive on`).
//! Anything a client wrote further left is not believed.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One entry of `trusted_proxies`: `"10.0.0.7"` or `"10.0.0.0/8"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyRange(pub IpNet);

impl ProxyRange {
    /// Whether `addr` is in the range.
    pub fn contains(&self, addr: &IpAddr) -> bool {
        self.0.contains(addr)
    }
}

impl FromStr for ProxyRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(net) = s.parse::<IpNet>() {
            return Ok(Self(net.trunc()));
        }
        s.parse::<IpAddr>()
            .map(|a| Self(IpNet::from(a)))
            .map_err(|_| {
                format!(
                    "{s:?} is not an IP address or CIDR range like \"10.0.0.0/8\" (不是有效的IP地址或网段)"
                )
            })
    }
}

impl fmt::Display for ProxyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for ProxyRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ProxyRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// The client behind `peer`: `peer` itself unless it is a trusted proxy;
/// else, reading `forwarded` (the `X-Forwarded-For` addresses in header
/// order) from the right, the first address that is not a trusted proxy.
/// When every hop is trusted, the leftmost one.
pub fn client_address(peer: IpAddr, forwarded: &[IpAddr], trusted: &[ProxyRange]) -> IpAddr {
    let is_trusted = |a: &IpAddr| trusted.iter().any(|r| r.contains(a));
    if !is_trusted(&peer) {
        return peer;
    }
    forwarded
        .iter()
        .rev()
        .find(|a| !is_trusted(a))
        .or_else(|| forwarded.first())
        .copied()
        .unwrap_or(peer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn ranges(list: &[&str]) -> Vec<ProxyRange> {
        list.iter().map(|s| s.parse().expect("range")).collect()
    }

    #[test]
    fn a_peer_that_is_not_trusted_is_the_client_whatever_it_claims() {
        let t = ranges(&["127.0.0.1"]);
        assert_eq!(
            client_address(ip("198.51.100.9"), &[ip("1.2.3.4")], &t),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn every_trusted_hop_is_skipped_from_the_right() {
        // phone → CDN (203.0.113.5, not ours) → 10.1.2.3 (LB) → 127.0.0.1 (nginx)
        let t = ranges(&["127.0.0.1", "10.0.0.0/8"]);
        let xff = [ip("192.0.2.77"), ip("203.0.113.5"), ip("10.1.2.3")];
        assert_eq!(client_address(ip("127.0.0.1"), &xff, &t), ip("203.0.113.5"));
        // A forged leftmost entry is never read while an untrusted hop follows it.
        let t2 = ranges(&["127.0.0.1", "10.0.0.0/8", "203.0.113.0/24"]);
        assert_eq!(client_address(ip("127.0.0.1"), &xff, &t2), ip("192.0.2.77"));
    }

    #[test]
    fn all_trusted_or_no_header() {
        let t = ranges(&["10.0.0.0/8"]);
        assert_eq!(client_address(ip("10.0.0.1"), &[], &t), ip("10.0.0.1"));
        assert_eq!(
            client_address(ip("10.0.0.1"), &[ip("10.9.9.9"), ip("10.0.0.2")], &t),
            ip("10.9.9.9")
        );
    }

    #[test]
    fn ranges_parse_single_addresses_cidr_and_ipv6_and_refuse_the_rest() {
        assert!(ranges(&["::1"])[0].contains(&ip("::1")));
        assert!(ranges(&["fd00::/8"])[0].contains(&ip("fd12::1")));
        // A host address with a prefix names its network.
        assert_eq!(ranges(&["10.1.2.3/8"])[0].to_string(), "10.0.0.0/8");
        for bad in ["10.0.0.0/33", "localhost", "", "10.0.0"] {
            let e = bad.parse::<ProxyRange>().expect_err(bad);
            assert!(e.contains("CIDR"), "{e}");
        }
    }

    proptest! {
        /// The answer is the peer or one of the forwarded addresses, and it is
        /// never a trusted hop while an untrusted one exists.
        #[test]
        fn the_client_is_a_listed_address_and_untrusted_when_it_can_be(
            peer in any::<[u8; 4]>(),
            hops in proptest::collection::vec(any::<[u8; 4]>(), 0..6),
        ) {
            let t = ranges(&["10.0.0.0/8", "127.0.0.1"]);
            let peer = IpAddr::from(peer);
            let hops: Vec<IpAddr> = hops.into_iter().map(IpAddr::from).collect();
            let got = client_address(peer, &hops, &t);
            prop_assert!(got == peer || hops.contains(&got));
            let trusted = |a: &IpAddr| t.iter().any(|r| r.contains(a));
            if trusted(&peer) && hops.iter().any(|a| !trusted(a)) {
                prop_assert!(!trusted(&got));
            }
        }
    }
}
