//! Sections of the data backends: MongoDB (`mongodburl`, `mongodb.*`), the cache
//! (`memcacheserver`, `redisurl`, `cache.*`) and MaxMind's databases (`maxmind.*`).

use serde::Deserialize;

/// `mongodb.*`: timeouts and names of the MongoDB datastore.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MongoConfig {
    /// Longest wait for a usable server, seconds.
    pub server_selection_timeout_seconds: u64,
    /// Longest wait for a TCP connection, seconds.
    pub connect_timeout_seconds: u64,
    /// Longest wait for the answer to any one operation, seconds (pyos had none).
    pub operation_timeout_seconds: u64,
    /// Prefix of every database name; empty keeps pyos's names (`fail2ban`, `profiles`…).
    pub database_prefix: String,
    /// The provider that owns the profile documents pyos wrote (they carry no provider);
    /// unset, they are not read, since one user id may exist under several providers.
    pub pyos_profiles_provider: Option<String>,
    /// Where login history is written: `pyos` (a collection per user, `loginHistory.<userid>`)
    /// or `shared` (`deskplane.loginHistory`, one indexed collection; pyos's are still read).
    pub login_history: String,
    /// How a replica checks bans: `mirror` (a copy of the fail2ban collections kept by a
    /// change stream, so a login makes no round trip; another replica's new ban holds here
    /// once its change arrives, milliseconds later) or `query` (one lookup per check, as pyos).
    pub ban_checks: String,
}

impl Default for MongoConfig {
    fn default() -> Self {
        Self {
            server_selection_timeout_seconds: 3,
            connect_timeout_seconds: 3,
            operation_timeout_seconds: 5,
            database_prefix: String::new(),
            pyos_profiles_provider: None,
            login_history: "pyos".into(),
            ban_checks: "mirror".into(),
        }
    }
}

/// `cache.*`: the Memcached or Redis cache.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct CacheConfig {
    /// Longest wait for any one cache command, seconds (pyos: 2).
    pub timeout_seconds: u64,
    /// Prefix of every key, so several deployments can share one server.
    pub key_prefix: String,
}

impl Default for CacheConfig {
    fn default() -> Self {
        Self {
            timeout_seconds: 2,
            key_prefix: String::new(),
        }
    }
}

/// `maxmind.*`: the databases of `backends.geolocation = "maxmind"` (pyos's fixed paths
/// by default).
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MaxMindConfig {
    /// GeoLite2 (or GeoIP2) City database.
    pub city_database: std::path::PathBuf,
    /// GeoLite2 ASN database; absent file: no AS numbers.
    pub asn_database: Option<std::path::PathBuf>,
}

impl Default for MaxMindConfig {
    fn default() -> Self {
        Self {
            city_database: "/usr/share/geolite2/GeoLite2-City.mmdb".into(),
            asn_database: Some("/usr/share/geolite2/GeoLite2-ASN.mmdb".into()),
        }
    }
}

/// Where memcached listens: `memcacheserver` as `host:port`, or `host` with `memcacheport`.
pub fn memcached_address(server: &str, port: u16) -> String {
    let has_port = server
        .rsplit_once(':')
        .is_some_and(|(host, port)| !host.is_empty() && !host.ends_with(':') && port.parse::<u16>().is_ok());
    if has_port && (!server.contains('[') || server.contains("]:")) {
        server.to_owned()
    } else if server.contains(':') && !server.starts_with('[') {
        format!("[{server}]:{port}")
    } else {
        format!("{server}:{port}")
    }
}

#[cfg(test)]
mod tests {
    use super::memcached_address;

    #[test]
    fn memcached_addresses_take_the_port_when_they_have_none() {
        assert_eq!(memcached_address("memcached", 11211), "memcached:11211");
        assert_eq!(memcached_address("127.0.0.1:4000", 11211), "127.0.0.1:4000");
        assert_eq!(memcached_address("[::1]:4000", 11211), "[::1]:4000");
        assert_eq!(memcached_address("[::1]", 11211), "[::1]:11211");
        assert_eq!(memcached_address("::1", 11211), "[::1]:11211");
    }
}
