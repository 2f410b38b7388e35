use super::*;
use crate::config::{ConfigError, load_str};

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

fn shipped() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/deskplane.toml")).unwrap()
}

#[test]
fn the_shipped_config_is_valid() {
    let loaded = load_str(&shipped(), "deskplane.toml", env(&[])).unwrap();
    assert_eq!(check(&loaded.config), Vec::new());
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.config.backends.orchestrator, "memory");
}

#[test]
fn the_kubernetes_example_config_is_valid() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config/kubernetes.toml")).unwrap();
    let loaded = load_str(&text, "kubernetes.toml", env(&[])).unwrap();
    assert_eq!(check(&loaded.config), Vec::new());
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.config.backends.orchestrator, "kubernetes");
    let broken = load_str("[backends]\norchestrator = \"kubernetes\"\n", "k.toml", env(&[])).unwrap();
    assert!(
        check(&broken.config)
            .iter()
            .any(|p| p.key == "desktop.pod.graphical.image"),
        "the adapter needs a graphical image"
    );
}

#[test]
fn every_problem_is_reported_with_its_key() {
    let text = r#"
websocketrouting = "carrier-pigeon"
trusted_proxy_cidr = ["10.0.0.0/8", "nope"]
[fail2ban]
protectednetworks = ["300.0.0.0/8"]
[controllers.ManagerController]
permitip = ["127.0.0.1/33"]
[controllers.Nonsense]
[backends]
cache = "etcd"
[authmanagers.implicit.providers.anonymous.policies.rules.r1]
conditions = [{ network = "10.0.0.0/8" }]
expected = true
"#;
    let loaded = load_str(text, "test.toml", env(&[])).unwrap();
    let keys: Vec<String> = check(&loaded.config).into_iter().map(|p| p.key).collect();
    for expected in [
        "websocketrouting",
        "trusted_proxy_cidr[1]",
        "fail2ban.protectednetworks[0]",
        "controllers.ManagerController.permitip[0]",
        "controllers.Nonsense",
        "backends.cache",
        "jwt_token_user.jwtuserprivatekeyfile",
        "authmanagers.implicit.providers.anonymous.policies.rules",
    ] {
        assert!(keys.iter().any(|k| k == expected), "missing {expected} in {keys:?}");
    }
}

#[test]
fn wrong_types_name_the_key_and_the_source() {
    let error = load_str("[fail2ban]\nfailsbeforeban = \"five\"\n", "test.toml", env(&[])).unwrap_err();
    assert!(
        matches!(&error, ConfigError::Invalid { key, origin, .. } if key == "fail2ban.failsbeforeban" && origin == "test.toml"),
        "{error}"
    );
    let error = load_str("", "test.toml", env(&[("DESKPLANE__server__socket_port", "lots")])).unwrap_err();
    assert!(error.to_string().contains("DESKPLANE__server__socket_port"), "{error}");
    assert!(matches!(
        load_str("[[[", "test.toml", env(&[])),
        Err(ConfigError::Syntax { .. })
    ));
}

#[test]
fn the_environment_overrides_the_file() {
    let loaded = load_str(
        &shipped(),
        "deskplane.toml",
        env(&[
            ("DESKPLANE__fail2ban__enable", "true"),
            ("DESKPLANE__fail2ban__protectednetworks", r#"["192.168.0.0/16"]"#),
            ("DESKPLANE__default_host_url", "http://desk.example.org"),
            ("POD_NAMESPACE", "desktops"),
            ("SERVER_PORT", "9000"),
            ("UNRELATED", "x"),
        ]),
    )
    .unwrap();
    let config = loaded.config;
    assert!(config.fail2ban.enable);
    assert_eq!(config.fail2ban.protectednetworks, ["192.168.0.0/16"]);
    assert_eq!(config.default_host_url.as_deref(), Some("http://desk.example.org"));
    assert_eq!(config.namespace, "desktops");
    assert_eq!(config.server.socket_port, 9000);
}

#[test]
fn unknown_keys_are_warnings() {
    let loaded = load_str("colour = \"blue\"\n[server]\nsocket_prot = 1\n", "test.toml", env(&[])).unwrap();
    assert_eq!(loaded.warnings.len(), 2, "{:?}", loaded.warnings);
    assert!(loaded.warnings.iter().any(|w| w.starts_with("server.socket_prot")));
}

fn shipped_variant(file: &str, pairs: &[(&str, &str)]) -> crate::config::Loaded {
    let path = format!("{}/config/{file}", env!("CARGO_MANIFEST_DIR"));
    crate::config::load(Some(std::path::Path::new(&path)), env(pairs)).unwrap()
}

#[test]
fn the_backend_configs_extend_the_default_and_are_valid_with_their_addresses() {
    let addresses = [
        ("MONGODB_URL", "mongodb://db.example:27017"),
        ("MEMCACHESERVER", "cache.example"),
        ("REDIS_URL", "redis://cache.example:6379/"),
        ("MONGODB_PARAM", "replicaSet=rs0"),
    ];
    let mongodb = shipped_variant("mongodb.toml", &addresses);
    assert_eq!(check(&mongodb.config), Vec::new());
    assert!(mongodb.warnings.is_empty(), "{:?}", mongodb.warnings);
    assert_eq!(
        (
            mongodb.config.backends.datastore.as_str(),
            mongodb.config.backends.cache.as_str()
        ),
        ("mongodb", "memcached")
    );
    assert_eq!(mongodb.config.mongodbparam, "replicaSet=rs0");
    let base = load_str(&shipped(), "deskplane.toml", env(&[])).unwrap().config;
    assert_eq!(
        mongodb.config.language, base.language,
        "the rest comes from deskplane.toml"
    );
    assert_eq!(mongodb.config.backends.orchestrator, "memory");

    let redis = shipped_variant("redis.toml", &addresses);
    assert_eq!(check(&redis.config), Vec::new());
    assert_eq!(
        (
            redis.config.backends.datastore.as_str(),
            redis.config.backends.cache.as_str()
        ),
        ("mongodb", "redis"),
        "two levels of extends"
    );

    let bare = shipped_variant("redis.toml", &[]);
    let keys: Vec<_> = check(&bare.config).into_iter().map(|p| p.key).collect();
    assert_eq!(keys, vec!["mongodburl", "redisurl"]);
}

#[test]
fn addresses_from_the_environment_stay_text() {
    let loaded = load_str("", "x.toml", env(&[("MEMCACHESERVER", "1.5"), ("REDIS_URL", "true")])).unwrap();
    assert_eq!(loaded.config.memcacheserver.as_deref(), Some("1.5"));
    assert_eq!(loaded.config.redisurl.as_deref(), Some("true"));
    let keys: Vec<_> = check(&{
        let mut config = loaded.config;
        config.backends.cache = "redis".into();
        config
    })
    .into_iter()
    .map(|p| p.key)
    .filter(|key| key.contains("url"))
    .collect();
    assert_eq!(keys, vec!["redisurl"], "a URL without its scheme is named");
}

#[test]
fn unknown_data_backends_are_named_with_the_choices() {
    let loaded = load_str(
        "[backends]\ndatastore = \"postgres\"\ncache = \"etcd\"\n",
        "x.toml",
        env(&[]),
    )
    .unwrap();
    let messages: Vec<_> = check(&loaded.config).into_iter().map(|p| p.to_string()).collect();
    assert!(
        messages.iter().any(|m| m.contains("available: memory, mongodb")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("available: memory, memcached, redis")),
        "{messages:?}"
    );
}

#[test]
fn the_ldap_config_keeps_od_configs_planet_provider() {
    let loaded = shipped_variant("ldap.toml", &[]);
    assert_eq!(check(&loaded.config), Vec::new());
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    let (managers, problems, warnings) = crate::config::parse_managers(&loaded.config.authmanagers);
    assert!(problems.is_empty() && warnings.is_empty(), "{problems:?} {warnings:?}");
    let explicit = managers
        .iter()
        .find(|m| m.kind == crate::domain::auth::ManagerKind::Explicit)
        .unwrap();
    let planet = &explicit.providers[0];
    assert_eq!((planet.name.as_str(), planet.directory_backend()), ("planet", "ldap"));
    assert_eq!(planet.ldap.servers, vec!["ldap://127.0.0.1:3890"]);
    let rules = planet.policies.rules.as_ref().unwrap().as_object().unwrap();
    assert_eq!(
        rules.keys().collect::<Vec<_>>(),
        vec!["rule-dummy", "rule-ship", "rule-test"]
    );
    let moved = shipped_variant(
        "ldap.toml",
        &[(
            "DESKPLANE__authmanagers__explicit__providers__planet__servers",
            "[\"ldap://10.0.0.5:389\"]",
        )],
    );
    let (managers, _, _) = crate::config::parse_managers(&moved.config.authmanagers);
    let explicit = managers
        .iter()
        .find(|m| m.kind == crate::domain::auth::ManagerKind::Explicit)
        .unwrap();
    assert_eq!(explicit.providers[0].ldap.servers, vec!["ldap://10.0.0.5:389"]);
}

#[test]
fn an_ldap_provider_without_servers_or_base_is_named() {
    let text = "[authmanagers.explicit.providers.corp]\ndirectory = \"ldap\"\nuser_filter = \"(uid=x)\"\n";
    let loaded = load_str(text, "x.toml", env(&[])).unwrap();
    let keys: Vec<_> = check(&loaded.config).into_iter().map(|p| p.key).collect();
    for key in ["servers", "ldap_basedn", "user_filter"] {
        assert!(
            keys.contains(&format!("authmanagers.explicit.providers.corp.{key}")),
            "{key}: {keys:?}"
        );
    }
}

#[test]
fn unknown_provider_keys_are_still_reported_beside_the_ldap_keys() {
    let text = "[authmanagers.explicit.providers.corp]\nservers = [\"ldap://x\"]\nldap_basedn = \"dc=x\"\nspeling = 1\n\
                serviceaccount = { login = \"cn=a\", pasword = \"x\" }\npolicies = { acl = {}, rulez = {} }\n";
    let loaded = load_str(text, "x.toml", env(&[])).unwrap();
    let (_, problems, warnings) = crate::config::parse_managers(&loaded.config.authmanagers);
    assert!(problems.is_empty(), "{problems:?}");
    for nested in ["corp.speling", "pasword", "policies.rulez"] {
        assert!(warnings.iter().any(|w| w.contains(nested)), "{nested}: {warnings:?}");
    }
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(!warnings.iter().any(|w| w.contains("servers")), "{warnings:?}");
}

#[test]
fn the_oauth_config_has_a_mock_provider_on_one_issuer() {
    let loaded = shipped_variant("oauth.toml", &[]);
    assert_eq!(check(&loaded.config), Vec::new());
    let (managers, problems, warnings) = crate::config::parse_managers(&loaded.config.authmanagers);
    assert!(problems.is_empty() && warnings.is_empty(), "{problems:?} {warnings:?}");
    let external = managers
        .iter()
        .find(|m| m.kind == crate::domain::auth::ManagerKind::External)
        .unwrap();
    let mock = &external.providers[0];
    assert_eq!(mock.oauth.issuer.as_deref(), Some("http://127.0.0.1:8089"));
    assert_eq!(
        mock.oauth.redirect_uri().as_deref(),
        Some("http://localhost:8000/API/auth/oauth?manager=external&provider=mock")
    );
    assert_eq!(mock.oauth.scopes(), vec!["openid", "email", "profile"]);
    let broken = load_str(
        "[authmanagers.external.providers.x]\nclient_id = \"\"\n",
        "x.toml",
        env(&[]),
    )
    .unwrap();
    let (_, problems, _) = crate::config::parse_managers(&broken.config.authmanagers);
    let keys: Vec<_> = problems.into_iter().map(|p| p.key).collect();
    for key in ["client_id", "redirect_uri_prefix", "issuer"] {
        assert!(
            keys.contains(&format!("authmanagers.external.providers.x.{key}")),
            "{key}: {keys:?}"
        );
    }
}

#[test]
fn volume_rules_and_home_folders_are_checked() {
    let text = r#"
[desktop]
appendpathtomounthomevolume = "../elsewhere"
persistentvolume = { spec = {} }
directorytomemoryemptydir = [".cache", "cache", "/etc", ".local/share"]
[desktop.policies.rules.volumes]
ok = [{ type = "nfs", name = "n", server = "s", path = "/p", mountPath = "/mnt/n" }, { type = "webdav", url = "https://dav" }]
crew = { type = "nfs", name = "n", path = "/p", mountPath = "relative" }
windows = { type = "cifs", name = "homedirectory", volumename = "h", unc = "//s/h", mountPath = "/mnt/h" }
share = { type = "cifs", volumename = "h", unc = "//s/h" }
odd = { type = "ftp" }
[desktop.policies.rules.network]
default = false
crew = { webhook = { create = ["fw open {{ ipAddr }}", "fw 'unclosed"], destroy = "" } }
"#;
    let loaded = load_str(text, "test.toml", env(&[])).unwrap();
    let keys: Vec<String> = check(&loaded.config)
        .into_iter()
        .map(|p| p.key)
        .filter(|key| key.starts_with("desktop."))
        .collect();
    assert_eq!(
        keys,
        [
            "desktop.appendpathtomounthomevolume",
            "desktop.directorytomemoryemptydir[1]",
            "desktop.directorytomemoryemptydir[2]",
            "desktop.persistentvolume",
            "desktop.policies.rules.volumes.crew[0].server",
            "desktop.policies.rules.volumes.crew[0].mountPath",
            "desktop.policies.rules.volumes.windows[0].name",
            "desktop.policies.rules.volumes.share[0].mountPath",
            "desktop.policies.rules.volumes.odd[0].type",
            "desktop.policies.rules.network.crew.webhook.create[1]",
            "desktop.policies.rules.network.crew.webhook.destroy[0]",
        ]
    );
}
