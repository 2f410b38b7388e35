//! Checks of `backends.*` and of the settings the chosen data backends need.

use super::Problem;
use crate::config::Config;

const DATASTORES: [&str; 2] = ["memory", "mongodb"];
const CACHES: [&str; 3] = ["memory", "memcached", "redis"];

/// Unknown backend names, and a chosen backend without its address.
pub fn check_backends(config: &Config, problems: &mut Vec<Problem>) {
    let backends = &config.backends;
    let mut choose = |key: &str, value: &str, available: &[&str]| {
        if !available.contains(&value) {
            problems.push(Problem::new(
                key,
                format!("unknown backend '{value}' (available: {})", available.join(", ")),
            ));
        }
    };
    choose("backends.datastore", &backends.datastore, &DATASTORES);
    choose("backends.credentials", &backends.credentials, &["system", "memory"]);
    choose("backends.cache", &backends.cache, &CACHES);
    choose("backends.geolocation", &backends.geolocation, &["memory", "maxmind"]);
    choose("backends.bans", &backends.bans, &["datastore", "redis"]);
    if backends.bans == "redis" && backends.cache != "redis" {
        problems.push(Problem::new(
            "backends.bans",
            "\"redis\" keeps bans on the cache's Redis: it needs backends.cache = \"redis\"",
        ));
    }
    if backends.geolocation == "maxmind" && !config.maxmind.city_database.is_file() {
        problems.push(Problem::new(
            "maxmind.city_database",
            format!("{} is not a file", config.maxmind.city_database.display()),
        ));
    }
    let blank = |value: &Option<String>| value.as_deref().is_none_or(|v| v.trim().is_empty());
    if backends.datastore == "mongodb" {
        if blank(&config.mongodburl) {
            problems.push(Problem::new(
                "mongodburl",
                "required by backends.datastore = \"mongodb\" (or set MONGODB_URL)",
            ));
        } else if config
            .mongodburl
            .as_deref()
            .is_some_and(|url| !url.starts_with("mongodb://") && !url.starts_with("mongodb+srv://"))
        {
            problems.push(Problem::new(
                "mongodburl",
                "must start with mongodb:// or mongodb+srv://",
            ));
        }
        let mongodb = &config.mongodb;
        for (key, value) in [
            (
                "mongodb.server_selection_timeout_seconds",
                mongodb.server_selection_timeout_seconds,
            ),
            ("mongodb.connect_timeout_seconds", mongodb.connect_timeout_seconds),
            ("mongodb.operation_timeout_seconds", mongodb.operation_timeout_seconds),
        ] {
            if value == 0 {
                problems.push(Problem::new(key, "must be positive"));
            }
        }
        if !matches!(mongodb.login_history.as_str(), "pyos" | "shared") {
            problems.push(Problem::new(
                "mongodb.login_history",
                format!("unknown layout '{}' (available: pyos, shared)", mongodb.login_history),
            ));
        }
        if !matches!(mongodb.ban_checks.as_str(), "mirror" | "query") {
            problems.push(Problem::new(
                "mongodb.ban_checks",
                format!("unknown way '{}' (available: mirror, query)", mongodb.ban_checks),
            ));
        }
        if mongodb.database_prefix.len() > 32 || mongodb.database_prefix.contains(['/', '\\', '.', ' ', '"', '$']) {
            problems.push(Problem::new(
                "mongodb.database_prefix",
                "at most 32 characters, none of / \\ . space \" $",
            ));
        }
    }
    if backends.cache == "memcached" && blank(&config.memcacheserver) {
        problems.push(Problem::new(
            "memcacheserver",
            "required by backends.cache = \"memcached\" (or set MEMCACHESERVER)",
        ));
    }
    if backends.cache == "redis" {
        if blank(&config.redisurl) {
            problems.push(Problem::new(
                "redisurl",
                "required by backends.cache = \"redis\" (or set REDIS_URL)",
            ));
        } else if config.redisurl.as_deref().is_some_and(|url| {
            !url.starts_with("redis://") && !url.starts_with("rediss://") && !url.starts_with("unix://")
        }) {
            problems.push(Problem::new(
                "redisurl",
                "must start with redis://, rediss:// or unix://",
            ));
        }
    }
    if backends.cache != "memory" {
        if config.cache.timeout_seconds == 0 {
            problems.push(Problem::new("cache.timeout_seconds", "must be positive"));
        }
        if config.cache.key_prefix.len() > 32 {
            problems.push(Problem::new("cache.key_prefix", "at most 32 characters"));
        }
    }
}
