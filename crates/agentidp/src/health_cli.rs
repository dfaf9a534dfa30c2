//! The binary's `healthcheck` subcommand: asks a running server's `/health` and exits 0 or 1,
//! so a container's HEALTHCHECK needs no curl in the image.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

/// The URL checked when none is given: `/health` on the configured bind address, with an
/// unspecified address (0.0.0.0, ::) replaced by loopback.
pub fn default_url(bind: SocketAddr) -> String {
    let ip = match bind.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    format!("http://{}/health", SocketAddr::new(ip, bind.port()))
}

/// Whether `url` answers 200 within `timeout`; `Err` says why not.
pub async fn check(url: &str, timeout: Duration) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(timeout)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))?;
    let response = client
        .get(url)
        .send()
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("{url} answered {}", response.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unspecified_bind_address_is_checked_on_loopback() {
        let any: SocketAddr = "0.0.0.0:3000".parse().expect("an address");
        assert_eq!(default_url(any), "http://127.0.0.1:3000/health");
        let v6: SocketAddr = "[::]:8080".parse().expect("an address");
        assert_eq!(default_url(v6), "http://[::1]:8080/health");
        let given: SocketAddr = "10.0.0.5:3000".parse().expect("an address");
        assert_eq!(default_url(given), "http://10.0.0.5:3000/health");
    }
}
