//! `deskplane config import`: abcdesktop's own od.config 4.4 (the golden input) becomes
//! TOML that `config check` accepts and a server starts on, offering the `planet` LDAP
//! provider and the anonymous one; the output is held by a golden file
//! (`UPDATE_GOLDEN=1` writes it anew), and `OD_CONFIG_PATH` names the input as in pyos.

mod common;

use common::{TestServer, keys_dir};
use reqwest::StatusCode;
use serde_json::json;
use std::process::Command;

const BINARY: &str = env!("CARGO_BIN_EXE_deskplane");
const OD_CONFIG: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/fixtures/config/od.config.4.4");
const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/od.config.4.4.toml");

fn service(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run scripts/test.sh"))
}

/// Imports the fixture into a temp file; returns the file and what was said on stderr.
fn import(dir: &std::path::Path) -> (std::path::PathBuf, String) {
    let output_file = dir.join("imported.toml");
    let output = Command::new(BINARY)
        .args(["config", "import", OD_CONFIG, "--output"])
        .arg(&output_file)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    (output_file, stderr)
}

#[test]
fn the_fixture_imports_as_the_golden_file_and_passes_config_check() {
    let dir = tempfile::tempdir().unwrap();
    let (file, stderr) = import(dir.path());
    let imported = std::fs::read_to_string(&file).unwrap();
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN, &imported).unwrap();
    }
    assert_eq!(
        imported,
        std::fs::read_to_string(GOLDEN).unwrap(),
        "the import changed; UPDATE_GOLDEN=1 writes it anew"
    );
    // Every key left out is said on stderr and commented in the file, with its reason.
    for line in stderr.lines().filter(|l| l.starts_with("left out: ")) {
        let said = line.trim_start_matches("left out: ");
        assert!(imported.contains(&format!("# - {said}\n")), "{said} is not commented");
    }
    for key in ["ldapconfig: merged into", "logging:", "controllers.DesktopController:"] {
        assert!(stderr.contains(key), "{key} in {stderr}");
    }
    let check = Command::new(BINARY)
        .args(["config", "check"])
        .arg(&file)
        .env("MONGODB_URL", service("MONGODB_URL"))
        .env("MEMCACHESERVER", service("MEMCACHESERVER"))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(check.status.success(), "{said}");
    assert!(!said.contains("warning"), "{said}");
}

#[test]
fn od_config_path_names_the_input_when_no_file_is_given() {
    let output = Command::new(BINARY)
        .args(["config", "import"])
        .env("OD_CONFIG_PATH", OD_CONFIG)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        std::fs::read_to_string(GOLDEN).unwrap()
    );
    let missing = Command::new(BINARY)
        .args(["config", "import"])
        .env("OD_CONFIG_PATH", "/nonexistent/od.config")
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/od.config"));
}

#[test]
fn a_file_that_is_not_python_literals_is_refused_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("od.config");
    std::fs::write(
        &bad,
        "[global]\nfail2ban : { 'enable': True }\nlanguage : __import__('os')\n",
    )
    .unwrap();
    let output = Command::new(BINARY)
        .args(["config", "import"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(said.contains("line 3: language:"), "{said}");
    assert!(output.stdout.is_empty());
}

/// The server started on the imported file (backends set to memory, keys from the test's
/// folder, LDAP pointed at the test slapd) offers `planet` and the anonymous provider, and
/// Fry logs in through `planet` with the rules od.config gives him.
#[tokio::test]
async fn a_server_on_the_imported_file_logs_fry_in_through_planet() {
    let dir = tempfile::tempdir().unwrap();
    let (file, _) = import(dir.path());
    let env = vec![
        ("DESKPLANE__backends__orchestrator".to_owned(), "memory".to_owned()),
        ("DESKPLANE__backends__datastore".to_owned(), "memory".to_owned()),
        ("DESKPLANE__backends__cache".to_owned(), "memory".to_owned()),
        (
            "DESKPLANE__authmanagers__explicit__providers__planet__servers".to_owned(),
            format!("[\"{}\"]", service("LDAP_URL")),
        ),
    ];
    let mut config = deskplane::config::load(Some(&file), env).unwrap().config;
    config.keys.directory = Some(keys_dir().to_path_buf());
    config.jwt_token_user.jwtuserprivatekeyfile = None;
    config.jwt_token_user.jwtuserpublickeyfile = None;
    config.jwt_token_desktop.jwtdesktopprivatekeyfile = None;
    config.jwt_token_desktop.jwtdesktoppublickeyfile = None;
    config.jwt_token_desktop.payloaddesktoppublickeyfile = None;
    let server = TestServer::with(config).await;
    let offered = server
        .post_json("/auth/getauthconfig", None, json!({}), StatusCode::OK)
        .await;
    let mut providers: Vec<String> = offered["managers"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|manager| manager["providers"].as_array().cloned().unwrap_or_default())
        .map(|provider| provider["name"].as_str().unwrap().to_owned())
        .collect();
    providers.sort();
    assert_eq!(providers, ["anonymous", "planet"]);
    let token = server.login_fry().await;
    let labels = server
        .post_json("/auth/labels", Some(&token), json!({}), StatusCode::OK)
        .await;
    let labels = labels.to_string();
    for label in ["labeltrue", "shipcrew"] {
        assert!(labels.contains(label), "{label} in {labels}");
    }
    assert!(!labels.contains("adminstaff"), "{labels}");
    server.stop().await;
}

/// Issue 11 item 3: the shipped `config/kubernetes.toml` holds every `desktop` key od.config
/// 4.4 sets, with od.config's value, compared key by key (at any depth) with what the
/// importer makes of the fixture. The shipped file may add deskplane's own keys.
#[test]
fn the_shipped_kubernetes_config_holds_od_config_4_4_desktop_keys() {
    let golden: toml::Table = std::fs::read_to_string(GOLDEN).unwrap().parse().unwrap();
    let shipped: toml::Table = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/kubernetes.toml"))
        .unwrap()
        .parse()
        .unwrap();
    fn differences(path: &str, od: &toml::Value, ours: Option<&toml::Value>, found: &mut Vec<String>) {
        match (od, ours) {
            (toml::Value::Table(od), Some(toml::Value::Table(ours))) if !od.is_empty() => {
                for (key, value) in od {
                    differences(&format!("{path}.{key}"), value, ours.get(key), found);
                }
            }
            (od, Some(ours)) if od == ours => {}
            (od, ours) => found.push(format!("{path}: od.config {od:?}, shipped {ours:?}")),
        }
    }
    let mut found = Vec::new();
    for section in ["desktop", "dock", "front"] {
        differences(section, &golden[section], shipped.get(section), &mut found);
    }
    assert!(found.is_empty(), "{found:#?}");
}
