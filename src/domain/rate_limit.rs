//! Per-address rate limits on what costs the most and needs no credentials: anonymous
//! logins (an RSA signature and a set of secrets each) and desktop creations.
//!
//! A fixed one-minute window per client address (IPv6 per /64, as bans), kept in this
//! replica's memory: the limit is per replica, which is what protects a replica's CPU and
//! memory. Addresses in the exempt networks (loopback by default, so the quick start and
//! the benchmarks are not throttled) are never limited. The map is swept when it grows, so
//! the limiter itself stays bounded whatever the number of addresses.

use crate::domain::request::address_key;
use crate::ports::clock::{Clock, UnixSeconds};
use ipnet::IpNet;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// Length of a counting window, seconds.
const WINDOW: i64 = 60;
/// Entries kept before expired windows are swept.
const SWEEP_AT: usize = 10_000;

/// A request over the limit: when the caller may try again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many requests, retry in {retry_after} s")]
pub struct RateLimited {
    /// Seconds until the window ends (`Retry-After`).
    pub retry_after: u64,
}

/// One limit: at most `per_minute` events per client address and minute.
pub struct RateLimiter {
    per_minute: u32,
    exempt: Vec<IpNet>,
    clock: Arc<dyn Clock>,
    windows: Mutex<HashMap<String, (UnixSeconds, u32)>>,
}

impl RateLimiter {
    /// A limiter of `per_minute` events (0: unlimited) per address outside `exempt`.
    pub fn new(per_minute: u32, exempt: Vec<IpNet>, clock: Arc<dyn Clock>) -> Self {
        Self {
            per_minute,
            exempt,
            clock,
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one event from `ip`.
    ///
    /// # Errors
    /// [`RateLimited`] when `ip` already had `per_minute` events in this window.
    pub fn check(&self, ip: IpAddr) -> Result<(), RateLimited> {
        let ip = ip.to_canonical();
        if self.exempt.iter().any(|net| net.contains(&ip)) {
            return Ok(());
        }
        self.check_key(&address_key(ip, 64))
    }

    /// Counts one event of `key` (a user, say: no network is exempt).
    ///
    /// # Errors
    /// [`RateLimited`] when `key` already had `per_minute` events in this window.
    pub fn check_key(&self, key: &str) -> Result<(), RateLimited> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let now = self.clock.now();
        let mut windows = self.windows.lock().unwrap_or_else(PoisonError::into_inner);
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, (start, _)| now - *start < WINDOW);
        }
        let (start, count) = windows.entry(key.to_owned()).or_insert((now, 0));
        if now - *start >= WINDOW {
            (*start, *count) = (now, 0);
        }
        if *count >= self.per_minute {
            let retry_after = u64::try_from(*start + WINDOW - now).unwrap_or(1).max(1);
            return Err(RateLimited { retry_after });
        }
        *count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::HandClock;

    fn limiter(clock: Arc<HandClock>) -> RateLimiter {
        RateLimiter::new(3, vec!["127.0.0.0/8".parse().unwrap()], clock)
    }

    #[test]
    fn an_address_gets_its_quota_per_window_then_a_retry_time() {
        let clock = HandClock::at(1_000);
        let limits = limiter(clock.clone());
        let ip: IpAddr = "203.0.113.5".parse().unwrap();
        for _ in 0..3 {
            limits.check(ip).unwrap();
        }
        clock.set(1_020);
        assert_eq!(limits.check(ip), Err(RateLimited { retry_after: 40 }));
        assert!(limits.check("203.0.113.6".parse().unwrap()).is_ok(), "per address");
        clock.set(1_060);
        assert!(limits.check(ip).is_ok(), "a new window");
    }

    #[test]
    fn exempt_networks_and_a_zero_limit_are_never_limited() {
        let clock = HandClock::at(1_000);
        let limits = limiter(clock.clone());
        for _ in 0..10 {
            limits.check("127.0.0.1".parse().unwrap()).unwrap();
            limits.check("::ffff:127.0.0.1".parse().unwrap()).unwrap();
        }
        let off = RateLimiter::new(0, vec![], clock);
        for _ in 0..10 {
            off.check("203.0.113.5".parse().unwrap()).unwrap();
        }
    }

    #[test]
    fn ipv6_neighbours_share_a_quota() {
        let limits = limiter(HandClock::at(1_000));
        for last in 1..=3 {
            limits.check(format!("2001:db8::{last}").parse().unwrap()).unwrap();
        }
        assert!(limits.check("2001:db8::ffff".parse().unwrap()).is_err());
    }
}
