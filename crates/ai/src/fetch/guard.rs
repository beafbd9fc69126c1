//! The address rule of the web fetcher: which IP addresses sophie refuses to reach on a
//! student's behalf, and why. Only global unicast addresses pass.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

const LOOPBACK: &str = "a loopback address (this server itself)";
const PRIVATE: &str = "an address in a private network";
const LINK_LOCAL: &str = "a link-local address";
const METADATA: &str = "a cloud metadata address";
const SHARED: &str = "an address in a carrier-grade NAT network";
const MULTICAST: &str = "a multicast address";
const UNSPECIFIED: &str = "an unspecified address";
const BROADCAST: &str = "the broadcast address";
const BENCHMARKING: &str = "an address reserved for benchmarking";
const DOCUMENTATION: &str = "an address reserved for documentation";
const RESERVED: &str = "a reserved address";
const PROTOCOL: &str = "an address reserved for protocol assignments";
const SITE_LOCAL: &str = "a site-local address";
const DISCARD: &str = "a discard-only address";

/// The cloud metadata services' IPv4 addresses (AWS, GCP, Azure and others at
/// 169.254.169.254; Alibaba at 100.100.100.200), named before the ranges that hold them.
const V4_METADATA: [Ipv4Addr; 2] = [
    Ipv4Addr::new(169, 254, 169, 254),
    Ipv4Addr::new(100, 100, 100, 200),
];

/// AWS's IPv6 metadata service, inside the private range fc00::/7.
const V6_METADATA: Ipv6Addr = Ipv6Addr::new(0xfd00, 0x0ec2, 0, 0, 0, 0, 0, 0x0254);

/// The refused IPv4 ranges: network, prefix length, reason. Checked in order.
const V4_RANGES: [([u8; 4], u32, &str); 15] = [
    ([0, 0, 0, 0], 8, UNSPECIFIED),
    ([10, 0, 0, 0], 8, PRIVATE),
    ([100, 64, 0, 0], 10, SHARED),
    ([127, 0, 0, 0], 8, LOOPBACK),
    ([169, 254, 0, 0], 16, LINK_LOCAL),
    ([172, 16, 0, 0], 12, PRIVATE),
    ([192, 0, 0, 0], 24, PROTOCOL),
    ([192, 0, 2, 0], 24, DOCUMENTATION),
    // The deprecated 6to4 relay anycast prefix (RFC 7526).
    ([192, 88, 99, 0], 24, RESERVED),
    ([192, 168, 0, 0], 16, PRIVATE),
    ([198, 18, 0, 0], 15, BENCHMARKING),
    ([198, 51, 100, 0], 24, DOCUMENTATION),
    ([203, 0, 113, 0], 24, DOCUMENTATION),
    ([224, 0, 0, 0], 4, MULTICAST),
    ([240, 0, 0, 0], 4, RESERVED),
];

/// The refused IPv6 ranges that hold no IPv4 address: network, prefix length, reason.
/// Checked in order, after the metadata address, `::`, `::1` and the ranges that embed an
/// IPv4 address.
const V6_RANGES: [(Ipv6Addr, u32, &str); 10] = [
    // Local-use IPv4/IPv6 translation (RFC 8215): inside one operator's network.
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, PRIVATE),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, DISCARD),
    (Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0), 48, BENCHMARKING),
    // IETF protocol assignments, Teredo (2001::/32) included.
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, PROTOCOL),
    (
        Ipv6Addr::new(0x2001, 0x0db8, 0, 0, 0, 0, 0, 0),
        32,
        DOCUMENTATION,
    ),
    (
        Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0),
        20,
        DOCUMENTATION,
    ),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, PRIVATE),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, LINK_LOCAL),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, SITE_LOCAL),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, MULTICAST),
];

/// Why sophie refuses to connect to `ip` on a student's behalf, in words that complete
/// "`<ip>` is ...", or `None` when `ip` is a global unicast address it may reach.
///
/// Refused: loopback (127.0.0.0/8, `::1`); private networks (10.0.0.0/8, 172.16.0.0/12,
/// 192.168.0.0/16, fc00::/7, 64:ff9b:1::/48); cloud metadata addresses (169.254.169.254,
/// 100.100.100.200, fd00:ec2::254), named before the ranges that hold them; link-local
/// (169.254.0.0/16, fe80::/10); carrier-grade NAT (100.64.0.0/10); multicast (224.0.0.0/4,
/// ff00::/8); unspecified (0.0.0.0/8, `::`); broadcast (255.255.255.255); benchmarking
/// (198.18.0.0/15, 2001:2::/48); documentation (192.0.2.0/24, 198.51.100.0/24,
/// 203.0.113.0/24, 2001:db8::/32, 3fff::/20); reserved (240.0.0.0/4, 192.88.99.0/24 and every
/// IPv6 address outside 2000::/3); IETF protocol assignments (192.0.0.0/24, 2001::/23);
/// site-local (fec0::/10); discard-only (100::/64).
///
/// IPv6 addresses that carry an IPv4 address are judged by that IPv4 address: IPv4-mapped
/// (`::ffff:a.b.c.d`), IPv4-translated (`::ffff:0:a.b.c.d`), IPv4-compatible (`::a.b.c.d`),
/// NAT64 (`64:ff9b::a.b.c.d`) and 6to4 (`2002:AABB:CCDD::/48`).
#[must_use]
pub fn refusal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(ip) => refusal_v4(ip),
        IpAddr::V6(ip) => refusal_v6(ip),
    }
}

fn refusal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    if V4_METADATA.contains(&ip) {
        return Some(METADATA);
    }
    if ip == Ipv4Addr::BROADCAST {
        return Some(BROADCAST);
    }
    V4_RANGES
        .iter()
        .find(|(network, prefix, _)| in_v4(ip, Ipv4Addr::from(*network), *prefix))
        .map(|(_, _, reason)| *reason)
}

fn refusal_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if ip == V6_METADATA {
        return Some(METADATA);
    }
    if ip.is_unspecified() {
        return Some(UNSPECIFIED);
    }
    if ip.is_loopback() {
        return Some(LOOPBACK);
    }
    if let Some(inner) = embedded_v4(ip) {
        return refusal_v4(inner);
    }
    if let Some((_, _, reason)) = V6_RANGES
        .iter()
        .find(|(network, prefix, _)| in_v6(ip, *network, *prefix))
    {
        return Some(reason);
    }
    // Global unicast is 2000::/3; everything else is reserved by IANA.
    if in_v6(ip, Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3) {
        None
    } else {
        Some(RESERVED)
    }
}

/// The IPv4 address inside an IPv4-mapped, IPv4-translated, IPv4-compatible, NAT64 or 6to4
/// address. `::` and `::1` are taken out before.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(ip);
    // Truncation intended: the low 32 bits are the IPv4 address.
    let low = Ipv4Addr::from(bits as u32);
    let carries_low = [
        (Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96), // mapped
        (Ipv6Addr::new(0, 0, 0, 0, 0xffff, 0, 0, 0), 96), // translated
        (Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96), // NAT64
        (Ipv6Addr::UNSPECIFIED, 96),                      // compatible
    ];
    if carries_low
        .iter()
        .any(|(network, prefix)| in_v6(ip, *network, *prefix))
    {
        return Some(low);
    }
    if in_v6(ip, Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16) {
        // 6to4: the IPv4 address follows the 16-bit prefix.
        return Some(Ipv4Addr::from((bits >> 80) as u32));
    }
    None
}

fn in_v4(ip: Ipv4Addr, network: Ipv4Addr, prefix: u32) -> bool {
    let mask = u32::MAX.checked_shl(32 - prefix).unwrap_or(0);
    u32::from(ip) & mask == u32::from(network) & mask
}

fn in_v6(ip: Ipv6Addr, network: Ipv6Addr, prefix: u32) -> bool {
    let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
    u128::from(ip) & mask == u128::from(network) & mask
}
