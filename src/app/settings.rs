//! Small translations of config sections into the services' settings.

use super::BootError;
use crate::adapters::jwt::JwtKeyFiles;
use crate::adapters::maxmind::MaxMindGeolocation;
use crate::adapters::memory::{MemoryGeolocation, NetworkLocation};
use crate::config::{Config, Problem};
use crate::domain::rules::parse_network;
use crate::http::KeyInfo;
use crate::ports::{Geolocation, Location};
use serde_json::{Map, Value, json};
use std::sync::Arc;

pub(super) fn key_files(config: &Config) -> Result<JwtKeyFiles, BootError> {
    let generated = config.keys.directory.as_deref().map(JwtKeyFiles::in_directory);
    let pick = |explicit: &Option<std::path::PathBuf>, key: &str, from_dir: fn(&JwtKeyFiles) -> &std::path::PathBuf| {
        explicit
            .clone()
            .or_else(|| generated.as_ref().map(|g| from_dir(g).clone()))
            .ok_or_else(|| BootError::Config(vec![Problem::new(key, "required unless keys.directory is set")]))
    };
    Ok(JwtKeyFiles {
        user_private: pick(
            &config.jwt_token_user.jwtuserprivatekeyfile,
            "jwt_token_user.jwtuserprivatekeyfile",
            |g| &g.user_private,
        )?,
        user_public: pick(
            &config.jwt_token_user.jwtuserpublickeyfile,
            "jwt_token_user.jwtuserpublickeyfile",
            |g| &g.user_public,
        )?,
        desktop_private: pick(
            &config.jwt_token_desktop.jwtdesktopprivatekeyfile,
            "jwt_token_desktop.jwtdesktopprivatekeyfile",
            |g| &g.desktop_private,
        )?,
        payload_public: pick(
            &config.jwt_token_desktop.payloaddesktoppublickeyfile,
            "jwt_token_desktop.payloaddesktoppublickeyfile",
            |g| &g.payload_public,
        )?,
    })
}

pub(super) fn text_pairs(map: &Map<String, Value>) -> Vec<(String, String)> {
    map.iter()
        .map(|(k, v)| (k.clone(), v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
        .collect()
}

/// The geolocation backend: MaxMind's databases, or the table in the config.
pub(super) fn geolocation_of(config: &Config) -> Result<Arc<dyn Geolocation>, BootError> {
    if config.backends.geolocation == "maxmind" {
        let maxmind = &config.maxmind;
        // An ASN file that is not there only costs the AS numbers (pyos's behaviour).
        let asn = maxmind.asn_database.as_deref().filter(|path| path.is_file());
        let databases = MaxMindGeolocation::open(&maxmind.city_database, asn)
            .map_err(|e| BootError::Config(vec![Problem::new("maxmind.city_database", e.to_string())]))?;
        return Ok(Arc::new(databases));
    }
    Ok(Arc::new(memory_geolocation_of(config)))
}

fn memory_geolocation_of(config: &Config) -> MemoryGeolocation {
    MemoryGeolocation::new(
        config
            .memory
            .geolocation
            .iter()
            .filter_map(|g| {
                Some(NetworkLocation {
                    network: parse_network(&g.network)?,
                    location: Location {
                        country: g.country.clone(),
                        country_code: g.country_code.clone(),
                        timezone: g.timezone.clone(),
                        location: g.location,
                        autonomous_system_number: g.autonomous_system_number,
                        autonomous_system_organization: g.autonomous_system_organization.clone(),
                        datasource: Some("memory".into()),
                        ..Location::default()
                    },
                })
            })
            .collect(),
    )
}

pub(super) fn keyinfo_of(config: &Config) -> KeyInfo {
    let mut classes = config.executeclasses.clone();
    classes.entry("default").or_insert_with(|| json!({}));
    KeyInfo {
        colors: json!(config.desktop.defaultbackgroundcolors),
        menuconfig: config.front.menuconfig.clone(),
        geolocation: config.geolocation.clone(),
        zoom: json!(config.desktop.zoom),
        tipsinfo: config.tipsinfo.clone(),
        welcomeinfo: config.welcomeinfo.clone(),
        imagenotificationconfig: config.front.imagenotification.clone(),
        executeclasses: if config.desktop.features_permissions.iter().any(|p| p == "read") {
            Value::Object(classes)
        } else {
            Value::Null
        },
    }
}

/// The connection cap: the configured one, or three quarters of this process's soft
/// open-file limit (read from `/proc/self/limits` on Linux), at most 10,000, so that
/// accepting always stops before the descriptors run out.
pub(super) fn connection_cap(configured: usize) -> usize {
    if configured > 0 {
        return configured;
    }
    let soft_limit = std::fs::read_to_string("/proc/self/limits").ok().and_then(|text| {
        text.lines()
            .find(|line| line.starts_with("Max open files"))
            .and_then(|line| line.split_whitespace().nth(3))
            .and_then(|soft| soft.parse::<usize>().ok())
    });
    soft_limit.map_or(10_000, |limit| (limit / 4 * 3).clamp(16, 10_000))
}
