use super::{Dropped, import};

fn reasons(dropped: &[Dropped]) -> Vec<String> {
    dropped.iter().map(|d| format!("{}: {}", d.key, d.reason)).collect()
}

#[test]
fn config_refs_merge_their_first_map_over_the_provider_and_leave() {
    let text = "[global]\n\
        authmanagers: { 'explicit': { 'providers': { 'AD': { 'config_ref': 'adconfig', 'enabled': True, 'domain': 'OLD' } } } }\n\
        adconfig: { 'AD': { 'domain': 'CORP', 'servers': ['ldap://dc1'] }, 'ignored': { 'domain': 'X' } }\n";
    let imported = import(text).unwrap();
    let table: toml::Table = imported.toml.parse().unwrap();
    let ad = &table["authmanagers"]["explicit"]["providers"]["AD"];
    assert_eq!(ad["domain"].as_str(), Some("CORP"), "the reference overwrites");
    assert_eq!(ad["enabled"].as_bool(), Some(true));
    assert!(ad.get("config_ref").is_none());
    assert!(table.get("adconfig").is_none());
    assert_eq!(
        reasons(&imported.dropped),
        ["adconfig: merged into authmanagers.explicit.providers.AD (config_ref)"]
    );
}

#[test]
fn renamed_none_unknown_and_unusable_keys() {
    let text = "[global]\n\
        auth.logmein : { 'enable': True, 'network_list': ['10.0.0.0/8'] }\n\
        K8S_CREATE_POD_TIMEOUT_SECONDS: 120\n\
        desktop.homedirectorytype: None  # an empty dir\n\
        desktop.nodeselector: { 'disk': None, 'zone': 'a' }\n\
        stack.mode: 'standalone'\n\
        fail2ban: { 'failsbeforeban': 'five', 'enable': True }\n\
        [/]\n\
        tools.staticdir.on: True\n";
    let imported = import(text).unwrap();
    let table: toml::Table = imported.toml.parse().unwrap();
    assert_eq!(table["logmein"]["enable"].as_bool(), Some(true));
    assert_eq!(
        table["kubernetes"]["create_pod_timeout_seconds"].as_integer(),
        Some(120)
    );
    assert_eq!(table["desktop"]["nodeselector"]["zone"].as_str(), Some("a"));
    assert_eq!(table["fail2ban"]["enable"].as_bool(), Some(true));
    let said = reasons(&imported.dropped);
    for expected in [
        "[/] tools.staticdir.on: pyos reads only the [global] section",
        "desktop.homedirectorytype: None: deskplane's default applies",
        "desktop.nodeselector.disk: None: deskplane's default applies",
        "stack: deskplane has no such key",
    ] {
        assert!(said.contains(&expected.to_owned()), "{expected} not in {said:#?}");
    }
    assert!(
        said.iter()
            .any(|s| s.starts_with("fail2ban.failsbeforeban: deskplane cannot take this value")),
        "{said:#?}"
    );
    for item in &imported.dropped {
        assert!(imported.toml.contains(&format!("# - {}: {}\n", item.key, item.reason)));
    }
    assert!(
        crate::config::load_str(&imported.toml, "t", Vec::new())
            .unwrap()
            .warnings
            .is_empty()
    );
}

#[test]
fn broken_files_name_their_line() {
    let error = import("[global]\nfail2ban : {\n  'enable': Tru }\n").unwrap_err();
    assert_eq!(
        error.to_string(),
        "line 2: fail2ban: Tru is a name, not a literal at character 12"
    );
    assert!(import("fail2ban: {}\n").is_err(), "an option before any section");
}
