//! Metalogin (auth.md §5.3) over memory directories: a meta-forest account logs its home
//! account in, and every case the meta forest cannot answer falls back to the ordinary login.

use super::tests::{provider, service};
use super::*;
use crate::domain::auth::{Manager, ManagerKind};
use crate::domain::rules::RuleSet;
use crate::testkit::{MemoryDirectory, MemoryDirectoryUser};
use std::collections::BTreeMap;

const ALICE_SID: &str = "S-1-5-21-1-2-3-10001";

fn entry(dn: &str, attributes: &[(&str, &str)]) -> DirectoryEntry {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in attributes {
        map.entry((*name).to_owned()).or_default().push((*value).to_owned());
    }
    DirectoryEntry {
        dn: dn.into(),
        attributes: map,
    }
}

/// The meta forest: `jdoe` (and `broken`, whose join names no domain deskplane serves),
/// and the foreign principal of alice's SID in `trusted`.
struct MetaForest {
    down: bool,
}

#[async_trait]
impl Directory for MetaForest {
    async fn authenticate(&self, _: &str, _: &Secret) -> Result<DirectoryEntry, DirectoryError> {
        Err(DirectoryError::InvalidCredentials)
    }
    async fn find_user(&self, login: &str) -> Result<Option<DirectoryEntry>, DirectoryError> {
        if self.down {
            return Err(DirectoryError::Unavailable("meta forest down".into()));
        }
        Ok(match login {
            "jdoe" => Some(entry(
                "uid=jdoe,ou=meta",
                &[
                    ("sAMAccountName", "jdoe"),
                    ("description", "EXAMPLE\\alice"),
                    ("memberOf", "cn=metausers,ou=groups"),
                    ("telephoneNumber", "555"),
                ],
            )),
            "broken" => Some(entry("uid=broken,ou=meta", &[("description", "OTHER\\bob")])),
            "unjoined" => Some(entry("uid=unjoined,ou=meta", &[("sAMAccountName", "unjoined")])),
            _ => None,
        })
    }
    async fn is_member_of(&self, _: &DirectoryEntry, _: &str) -> Result<bool, DirectoryError> {
        Ok(false)
    }
    async fn foreign_principal_groups(&self, sid: &str) -> Result<Vec<String>, DirectoryError> {
        Ok(if sid == ALICE_SID {
            vec!["cn=trusted,ou=groups".into()]
        } else {
            Vec::new()
        })
    }
}

fn home_domain() -> Arc<dyn Directory> {
    let alice = entry(
        "uid=alice,ou=people",
        &[
            ("sAMAccountName", "alice"),
            ("name", "Alice Example"),
            ("objectSid", ALICE_SID),
            ("memberOf", "cn=developers,ou=groups"),
            ("telephoneNumber", "123"),
        ],
    );
    Arc::new(MemoryDirectory::new(
        vec![MemoryDirectoryUser {
            login: "alice".into(),
            password: Secret::new("password"),
            entry: alice,
        }],
        vec![],
    ))
}

fn active_directory(directory: Arc<dyn Directory>, domain: &str, join: Option<&str>) -> ProviderMethod {
    ProviderMethod::Directory {
        directory,
        domain: Some(domain.into()),
        userid_attribute: "sAMAccountName".into(),
        name_attribute: "name".into(),
        memberof_attribute: "memberOf".into(),
        join_attribute: join.map(str::to_owned),
    }
}

fn label_rule(group: &str, label: &str) -> serde_json::Value {
    serde_json::json!({label: {"conditions": [{"memberOf": group, "expected": true}], "expected": true, "label": label}})
}

fn forest(meta_is_default: bool, down: bool) -> LoginService {
    let mut meta = provider(
        "metadirectory",
        ManagerKind::MetaExplicit,
        active_directory(Arc::new(MetaForest { down }), "META", Some("description")),
        serde_json::json!({
            "meta": {"conditions": [{"memberOf": "cn=metausers", "expected": true}], "expected": true, "label": "metauser"},
            "fsp": {"conditions": [{"memberOf": "cn=trusted", "expected": true}], "expected": true, "label": "trusted"},
        }),
    );
    meta.default = meta_is_default;
    service(vec![
        Manager {
            kind: ManagerKind::MetaExplicit,
            providers: vec![meta],
            show_domains: false,
            rules: RuleSet::default(),
        },
        Manager {
            kind: ManagerKind::Explicit,
            providers: vec![provider(
                "example",
                ManagerKind::Explicit,
                active_directory(home_domain(), "EXAMPLE", None),
                label_rule("cn=developers", "developer"),
            )],
            show_domains: true,
            rules: RuleSet::default(),
        },
    ])
}

fn facts() -> RequestFacts {
    RequestFacts::from_ip("192.0.2.1".parse().unwrap())
}

fn unnamed(manager: Option<&str>, userid: &str, password: &str) -> LoginRequest {
    LoginRequest {
        manager: manager.map(str::to_owned),
        userid: Some(userid.into()),
        password: Some(Secret::new(password)),
        ..Default::default()
    }
}

#[tokio::test]
async fn a_meta_account_logs_its_home_account_in_with_the_labels_of_both_forests() {
    let outcome = forest(true, false)
        .login(&unnamed(None, "jdoe", "password"), &facts())
        .await
        .unwrap();
    let identity = &outcome.identity;
    assert_eq!(
        (identity.userid.as_str(), identity.provider.as_str()),
        ("alice", "example")
    );
    for label in ["developer", "metauser", "trusted"] {
        assert!(identity.labels.contains_key(label), "{label}: {:?}", identity.labels);
    }
    assert!(identity.roles.contains(&"metausers".to_owned()), "{:?}", identity.roles);
    assert!(identity.roles.contains(&"trusted".to_owned()), "{:?}", identity.roles);
    assert_eq!(
        outcome.user_info["telephoneNumber"], "123",
        "the home account's values win"
    );
    assert_eq!(
        outcome.user_info["description"], "EXAMPLE\\alice",
        "the meta account adds its own"
    );
    assert_eq!(outcome.provider_display, "metadirectory display via example display");
}

#[tokio::test]
async fn the_home_domain_checks_the_password() {
    let refused = forest(true, false)
        .login(&unnamed(None, "jdoe", "wrong"), &facts())
        .await;
    assert!(matches!(refused, Err(LoginError::InvalidCredentials)), "{refused:?}");
}

/// No meta account, a forest that does not answer, or an account without a join
/// attribute: the ordinary login, which here picks the only explicit provider.
#[tokio::test]
async fn what_the_meta_forest_cannot_say_falls_back_to_the_ordinary_login() {
    let facts = facts();
    for (service, login) in [
        (forest(true, false), "alice"),
        (forest(true, true), "alice"),
        (forest(false, false), "alice"),
    ] {
        let outcome = service
            .login(&unnamed(Some("explicit"), login, "password"), &facts)
            .await
            .unwrap();
        assert_eq!(outcome.identity.userid.as_str(), "alice");
        assert!(!outcome.identity.labels.contains_key("metauser"));
    }
    let unjoined = forest(true, false)
        .login(&unnamed(Some("explicit"), "unjoined", "password"), &facts)
        .await;
    assert!(matches!(unjoined, Err(LoginError::InvalidCredentials)), "{unjoined:?}");
}

#[tokio::test]
async fn a_join_to_a_domain_without_a_provider_is_refused_by_name() {
    let refused = forest(true, false)
        .login(&unnamed(None, "broken", "password"), &facts())
        .await;
    match refused {
        Err(LoginError::Denied(message)) => assert_eq!(
            message,
            "Can't find a provider for domain=OTHER to authenticate user=bob, check your config file"
        ),
        other => panic!("{other:?}"),
    }
}
