//! Active Directory's domain controller locator (`query_dcs`, auth.md §4.6.1): the DNS SRV
//! records `_ldap._tcp.<domain_fqdn>` name the domain's controllers. They are read when
//! first needed and again once `dcs_list_maxage` has passed (pyos read them once, at
//! start); when DNS does not answer, the last list read is kept and DNS is asked again
//! only after [`RETRY_AFTER`], so logins do not each wait for a DNS server that is down.

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::proto::rr::RData;
use rand::seq::SliceRandom;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long a failed lookup is not tried again (at most `dcs_list_maxage`).
pub const RETRY_AFTER: Duration = Duration::from_secs(60);

/// Where a domain's controllers are looked up.
#[derive(Debug, Clone)]
pub struct DcLocator {
    /// `domain_fqdn`.
    pub domain_fqdn: String,
    /// The DNS server to ask (`dns_server`, `host:port`); the system's when `None`.
    pub dns_server: Option<SocketAddr>,
    /// How long a list read is used (`dcs_list_maxage`).
    pub max_age: Duration,
}

/// The controllers read last, and when DNS is to be asked again.
pub struct Controllers {
    locator: DcLocator,
    resolver: TokioResolver,
    read: Mutex<Option<(Instant, Vec<String>)>>,
}

/// When the list read at `at` (or the failure at `at`) is to be looked up again.
fn due(at: Instant, wait: Duration) -> bool {
    at.elapsed() >= wait
}

impl Controllers {
    /// A locator for `locator.domain_fqdn`; nothing is asked until the first connection.
    ///
    /// # Errors
    /// A message when the system's resolver configuration cannot be read.
    pub fn new(locator: DcLocator) -> Result<Self, String> {
        let builder = match locator.dns_server {
            Some(server) => {
                let mut name_server = NameServerConfig::udp_and_tcp(server.ip());
                for connection in &mut name_server.connections {
                    connection.port = server.port();
                }
                TokioResolver::builder_with_config(
                    ResolverConfig::from_parts(None, Vec::new(), vec![name_server]),
                    Default::default(),
                )
            }
            None => TokioResolver::builder_tokio().map_err(|e| format!("DNS resolver: {e}"))?,
        };
        let mut builder = builder;
        // A login may wait for this lookup: a DNS server that does not answer costs at
        // most two seconds, once per RETRY_AFTER.
        builder.options_mut().timeout = Duration::from_secs(1);
        builder.options_mut().attempts = 2;
        let resolver = builder.build().map_err(|e| format!("DNS resolver: {e}"))?;
        Ok(Self {
            locator,
            resolver,
            read: Mutex::new(None),
        })
    }

    /// `ldap://host:port` of each controller: by priority, shuffled within one priority.
    /// Empty when DNS never answered.
    pub async fn urls(&self) -> Vec<String> {
        let mut read = self.read.lock().await;
        // `read` holds when the next lookup is due: a success waits `dcs_list_maxage`, a
        // failure `RETRY_AFTER` (the instant is set back so that `max_age` ends then).
        let stale = read.as_ref().is_none_or(|(at, _)| due(*at, self.locator.max_age));
        if stale {
            match self.lookup().await {
                Ok(urls) => *read = Some((Instant::now(), urls)),
                Err(error) => {
                    tracing::warn!(%error, domain = %self.locator.domain_fqdn, "domain controllers not found in DNS; keeping the last list");
                    let retry = RETRY_AFTER.min(self.locator.max_age);
                    let at = Instant::now()
                        .checked_sub(self.locator.max_age.saturating_sub(retry))
                        .unwrap_or_else(Instant::now);
                    let kept = read.take().map(|(_, urls)| urls).unwrap_or_default();
                    *read = Some((at, kept));
                }
            }
        }
        read.as_ref().map(|(_, urls)| urls.clone()).unwrap_or_default()
    }

    /// Asks DNS again now (`manager/updateactivedirectorysite`) and returns the list then
    /// held: the new one, or the last one when DNS does not answer.
    pub async fn refresh(&self) -> Vec<String> {
        let mut read = self.read.lock().await;
        match self.lookup().await {
            Ok(urls) => *read = Some((Instant::now(), urls)),
            Err(error) => {
                tracing::warn!(%error, domain = %self.locator.domain_fqdn, "domain controllers not found in DNS; keeping the last list");
            }
        }
        read.as_ref().map(|(_, urls)| urls.clone()).unwrap_or_default()
    }

    async fn lookup(&self) -> Result<Vec<String>, String> {
        let name = format!("_ldap._tcp.{}.", self.locator.domain_fqdn.trim_end_matches('.'));
        let answer = self
            .resolver
            .srv_lookup(name.as_str())
            .await
            .map_err(|e| e.to_string())?;
        let mut records: Vec<(u16, String)> = answer
            .answers()
            .iter()
            .filter_map(|record| match &record.data {
                RData::SRV(srv) => {
                    let host = srv.target.to_utf8();
                    Some((
                        srv.priority,
                        format!("ldap://{}:{}", host.trim_end_matches('.'), srv.port),
                    ))
                }
                _ => None,
            })
            .collect();
        records.shuffle(&mut rand::thread_rng());
        records.sort_by_key(|(priority, _)| *priority);
        Ok(records.into_iter().map(|(_, url)| url).collect())
    }
}
