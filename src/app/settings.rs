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
        zoom: zoom_value(config.desktop.zoom),
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

/// `desktop.zoom` as pyos answered it: a whole number is an integer (`1`, not `1.0`).
fn zoom_value(zoom: f64) -> serde_json::Value {
    if zoom.fract() == 0.0 && zoom.abs() < 1e15 {
        json!(zoom as i64)
    } else {
        json!(zoom)
    }
}

/// A dock entry with the base64 of its `icon` file as `icondata`, read once at start as
/// pyos did (the front end shows a broken image without it). An entry that has its
/// `icondata` keeps it; an icon that is not a plain file name in `dir`, or cannot be read,
/// leaves it null (logged).
pub(super) fn with_icon_data(entry: &serde_json::Value, dir: &std::path::Path) -> serde_json::Value {
    use base64::Engine as _;
    let mut entry = entry.clone();
    if entry.get("icondata").is_some_and(|data| !data.is_null()) {
        return entry;
    }
    let Some(icon) = entry.get("icon").and_then(serde_json::Value::as_str) else {
        return entry;
    };
    if icon.is_empty() || icon.contains(['/', '\\']) || icon == ".." {
        tracing::warn!(icon, "a dock icon must be a file name; its icondata stays null");
        return entry;
    }
    let path = dir.join(icon);
    match std::fs::read(&path) {
        Ok(bytes) => entry["icondata"] = json!(base64::engine::general_purpose::STANDARD.encode(bytes)),
        Err(error) => tracing::warn!(%error, path = %path.display(), "dock icon not read; its icondata stays null"),
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dock_icons_are_read_from_their_folder_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("shell.svg"), "<svg/>").unwrap();
        let read = with_icon_data(&json!({"icon": "shell.svg"}), dir.path());
        assert_eq!(read["icondata"], "PHN2Zy8+");
        let kept = with_icon_data(&json!({"icon": "shell.svg", "icondata": "given"}), dir.path());
        assert_eq!(kept["icondata"], "given");
        for outside in ["../shell.svg", "/etc/passwd", "..", "missing.svg"] {
            let entry = with_icon_data(&json!({"icon": outside}), dir.path());
            assert!(entry.get("icondata").is_none(), "{outside}");
        }
        assert_eq!(zoom_value(1.0), json!(1));
        assert_eq!(zoom_value(1.5), json!(1.5));
    }
}
