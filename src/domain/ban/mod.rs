//! The ban policy (pyos fail2ban), with its defects fixed: failures really accumulate,
//! IPv6 addresses and any login can be banned, and failed logins count.
//!
//! A record counts failures for one IP or login. Each failure adds one and moves the
//! record's date to now; a record older than `ban_expire_after` seconds is forgotten, so the
//! window slides with the last failure (as pyos 4.x intends). A value is banned while its
//! live record's count is at least `fails_before_ban`.

use crate::ports::StoreError;
use crate::ports::ban_store::{BanCollection, BanRecord, BanStore};
use crate::ports::clock::{Clock, UnixSeconds};
use crate::ports::metrics::Metrics;
use ipnet::IpNet;
use serde::Serialize;
use std::net::IpAddr;
use std::sync::Arc;

/// Ban settings (`fail2ban` config section).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BanPolicy {
    /// Master switch for counting and checking.
    pub enabled: bool,
    /// Failures at or above which a value is banned.
    pub fails_before_ban: u32,
    /// Seconds after the last failure at which a record is forgotten (ban duration).
    pub ban_expire_after: i64,
    /// Client networks whose failures are never counted.
    pub protected_networks: Vec<IpNet>,
    /// IPv6 clients are counted per network of this prefix length (default /64): one
    /// subscriber usually holds a whole /64, so per-address bans are trivially dodged.
    pub ipv6_prefix_len: u8,
}

impl BanPolicy {
    /// The record id of a client address: an IPv4 address, or the IPv6 network of
    /// `ipv6_prefix_len` holding it (`2001:db8::/64`).
    pub fn address_key(&self, ip: IpAddr) -> String {
        crate::domain::request::address_key(ip, self.ipv6_prefix_len)
    }

    /// The record id of a manager-route value: addresses map like [`Self::address_key`],
    /// logins like [`login_key`], anything else (a network already written as one) is kept.
    pub fn record_key(&self, collection: BanCollection, id: &str) -> String {
        match (collection, id.parse::<IpAddr>()) {
            (BanCollection::IpAddr, Ok(ip)) => self.address_key(ip),
            (BanCollection::Login, _) => login_key(id),
            _ => id.to_owned(),
        }
    }

    /// Whether a failure from `ip` counts.
    pub fn counts_ip(&self, ip: IpAddr) -> bool {
        self.enabled && !self.protected_networks.iter().any(|net| net.contains(&ip))
    }
    /// Whether `record` is still alive at `now`.
    pub fn is_live(&self, record: &BanRecord, now: UnixSeconds) -> bool {
        now - record.date < self.ban_expire_after
    }
    /// Whether `record` means a ban at `now`.
    pub fn bans(&self, record: &BanRecord, now: UnixSeconds) -> bool {
        self.enabled && self.is_live(record, now) && record.count >= self.fails_before_ban
    }
}

/// The record id of a typed login: trimmed, inner blanks collapsed, lower-cased. A
/// directory finds `Philip J. Fry`, `philip j. fry` and ` Philip  J. Fry` alike, so pyos,
/// counting each spelling apart, let a guesser multiply the threshold by varying case.
pub fn login_key(login: &str) -> String {
    login.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Whether a value may be recorded at all: not empty, at most 256 characters, no control
/// characters. (pyos's whitelist made IPv6 and logins with `@` unbannable.)
pub fn is_bannable_value(value: &str) -> bool {
    !value.is_empty() && value.chars().count() <= 256 && !value.chars().any(char::is_control)
}

/// Details of one value, for the manager `ban` route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BanStatus {
    /// The value.
    pub id: String,
    /// Live failure count.
    pub count: u32,
    /// Date of the last failure, ISO 8601, when there is a live record.
    pub date: Option<String>,
    /// Whether the value is banned now.
    pub isban: bool,
    /// The configured window.
    #[serde(rename = "banexpireAfterSeconds")]
    pub ban_expire_after_seconds: i64,
}

/// Applies the ban policy over a [`BanStore`].
#[derive(Clone)]
pub struct BanService {
    policy: BanPolicy,
    store: Arc<dyn BanStore>,
    clock: Arc<dyn Clock>,
    metrics: Option<Arc<dyn Metrics>>,
}

impl BanService {
    /// Builds the service.
    pub fn new(policy: BanPolicy, store: Arc<dyn BanStore>, clock: Arc<dyn Clock>) -> Self {
        Self {
            policy,
            store,
            clock,
            metrics: None,
        }
    }

    /// Counts bans and failed checks in `metrics`.
    #[must_use]
    pub fn with_metrics(mut self, metrics: Arc<dyn Metrics>) -> Self {
        self.metrics = Some(metrics);
        self
    }

    fn count_ban(&self, collection: BanCollection) {
        if let Some(metrics) = &self.metrics {
            metrics.ban(collection.as_str());
        }
    }

    /// The policy in force.
    pub fn policy(&self) -> &BanPolicy {
        &self.policy
    }

    /// Whether `ip` is banned now. Store errors fail open (logged): a datastore outage must
    /// not lock every user out.
    pub async fn is_ip_banned(&self, ip: IpAddr) -> bool {
        self.is_banned(BanCollection::IpAddr, &self.policy.address_key(ip))
            .await
    }

    /// Whether `login` is banned now (fails open like [`Self::is_ip_banned`]).
    pub async fn is_login_banned(&self, login: &str) -> bool {
        self.is_banned(BanCollection::Login, &login_key(login)).await
    }

    async fn is_banned(&self, collection: BanCollection, id: &str) -> bool {
        if !self.policy.enabled || !is_bannable_value(id) {
            return false;
        }
        match self.store.find(collection, id).await {
            Ok(Some(record)) => self.policy.bans(&record, self.clock.now()),
            Ok(None) => false,
            Err(error) => {
                tracing::warn!(%error, collection = collection.as_str(), "ban check failed; allowing the request");
                if let Some(metrics) = &self.metrics {
                    metrics.backend_error("bans");
                }
                false
            }
        }
    }

    /// Counts one failure for `ip` unless it is protected or counting is off.
    pub async fn record_ip_failure(&self, ip: IpAddr) {
        if self.policy.counts_ip(ip) {
            self.record(BanCollection::IpAddr, &self.policy.address_key(ip), 1)
                .await;
        }
    }

    /// Counts one failure for `login` unless counting is off.
    pub async fn record_login_failure(&self, login: &str) {
        let login = login_key(login);
        if self.policy.enabled && is_bannable_value(&login) {
            self.record(BanCollection::Login, &login, 1).await;
        }
    }

    async fn record(&self, collection: BanCollection, id: &str, by: u32) {
        let now = self.clock.now();
        match self
            .store
            .add_failures(collection, id, by, now, self.policy.ban_expire_after)
            .await
        {
            Ok(record) if record.count >= self.policy.fails_before_ban => {
                tracing::warn!(
                    collection = collection.as_str(),
                    count = record.count,
                    "value is now banned"
                );
                // Counted once, by the failure that reached the threshold.
                if record.count.saturating_sub(by) < self.policy.fails_before_ban {
                    self.count_ban(collection);
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%error, collection = collection.as_str(), "could not record a failure");
                if let Some(metrics) = &self.metrics {
                    metrics.backend_error("bans");
                }
            }
        }
    }

    /// Bans `id` at once (operator action): adds `fails_before_ban` to its count. Works
    /// even when the policy is disabled (the ban is then ignored), as in pyos.
    ///
    /// # Errors
    /// [`StoreError`] from the store; `None` when `id` is not a bannable value.
    pub async fn ban(&self, collection: BanCollection, id: &str) -> Result<Option<BanRecord>, StoreError> {
        if !is_bannable_value(id) {
            return Ok(None);
        }
        let id = &self.policy.record_key(collection, id);
        let now = self.clock.now();
        let record = self
            .store
            .add_failures(
                collection,
                id,
                self.policy.fails_before_ban,
                now,
                self.policy.ban_expire_after,
            )
            .await?;
        self.count_ban(collection);
        Ok(Some(record))
    }

    /// Lifts the ban on `id`; returns whether a record existed.
    ///
    /// # Errors
    /// [`StoreError`] from the store.
    pub async fn unban(&self, collection: BanCollection, id: &str) -> Result<bool, StoreError> {
        self.store
            .remove(collection, &self.policy.record_key(collection, id))
            .await
    }

    /// Forgets every record of a collection; returns how many.
    ///
    /// # Errors
    /// [`StoreError`] from the store.
    pub async fn clear(&self, collection: BanCollection) -> Result<u64, StoreError> {
        self.store.clear(collection).await
    }

    /// Every live record of a collection.
    ///
    /// # Errors
    /// [`StoreError`] from the store.
    pub async fn list(&self, collection: BanCollection) -> Result<Vec<BanStatus>, StoreError> {
        let now = self.clock.now();
        let mut records: Vec<_> = self
            .store
            .list(collection)
            .await?
            .into_iter()
            .filter(|r| self.policy.is_live(r, now))
            .collect();
        records.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(records
            .into_iter()
            .map(|record| self.status_of(&record.id.clone(), Some(record), now))
            .collect())
    }

    /// The status of one value (zero count when unknown or expired).
    ///
    /// # Errors
    /// [`StoreError`] from the store.
    pub async fn status(&self, collection: BanCollection, id: &str) -> Result<BanStatus, StoreError> {
        let now = self.clock.now();
        let record = self
            .store
            .find(collection, &self.policy.record_key(collection, id))
            .await?
            .filter(|r| self.policy.is_live(r, now));
        Ok(self.status_of(id, record, now))
    }

    fn status_of(&self, id: &str, record: Option<BanRecord>, now: UnixSeconds) -> BanStatus {
        BanStatus {
            id: id.to_owned(),
            count: record.as_ref().map_or(0, |r| r.count),
            date: record.as_ref().map(|r| crate::domain::time::iso8601(r.date)),
            isban: record.as_ref().is_some_and(|r| self.policy.bans(r, now)),
            ban_expire_after_seconds: self.policy.ban_expire_after,
        }
    }
}

#[cfg(test)]
mod tests;
