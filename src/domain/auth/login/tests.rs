use super::*;
use crate::domain::acl::Acl;
use crate::domain::auth::{Manager, ManagerKind, ProviderDisplay};
use crate::domain::rules::RuleSet;
use crate::domain::tokens::RoleReduction;
use crate::testkit::{CountingRandom, HandClock, posix_defaults};
use crate::testkit::{MemoryDirectory, MemoryDirectoryUser, MemoryGeolocation};
use std::collections::BTreeMap;

pub(super) fn provider(name: &str, manager: ManagerKind, method: ProviderMethod, rules: serde_json::Value) -> Provider {
    Provider {
        name: name.into(),
        manager,
        providertype: match &method {
            ProviderMethod::Anonymous { .. } => "anonymous".into(),
            _ => "ldap".into(),
        },
        display: ProviderDisplay {
            displayname: format!("{name} display"),
            ..Default::default()
        },
        showclientdata: true,
        default: false,
        acl: Acl::permit_all(),
        rules: RuleSet::parse(&rules).unwrap(),
        roles: RoleReduction::CommonName,
        explicit_approval: None,
        method,
    }
}

fn planet() -> Arc<dyn Directory> {
    let fry = DirectoryEntry {
        dn: "cn=Philip J. Fry,ou=people,dc=planetexpress,dc=com".into(),
        attributes: BTreeMap::from([
            ("uid".to_owned(), vec!["fry".to_owned()]),
            ("cn".to_owned(), vec!["Philip J. Fry".to_owned()]),
            (
                "objectClass".to_owned(),
                vec!["inetOrgPerson".to_owned(), "posixAccount".to_owned()],
            ),
            ("uidNumber".to_owned(), vec!["1003".to_owned()]),
            ("gidNumber".to_owned(), vec!["1002".to_owned()]),
            ("homeDirectory".to_owned(), vec!["/home/fry".to_owned()]),
            (
                "memberOf".to_owned(),
                vec!["cn=ship_crew,ou=people,dc=planetexpress,dc=com".to_owned()],
            ),
        ]),
    };
    Arc::new(MemoryDirectory::new(
        vec![MemoryDirectoryUser {
            login: "fry".into(),
            password: Secret::new("fry"),
            entry: fry,
        }],
        vec![],
    ))
}

fn directory_method() -> ProviderMethod {
    ProviderMethod::Directory {
        directory: planet(),
        domain: None,
        userid_attribute: "uid".into(),
        name_attribute: "cn".into(),
        memberof_attribute: "memberOf".into(),
        join_attribute: None,
    }
}

fn anonymous_method(allow_caller_userid: bool) -> ProviderMethod {
    ProviderMethod::Anonymous {
        uid: "anonymous".into(),
        username: "Anonymous".into(),
        allow_caller_userid,
    }
}

pub(super) fn service(managers: Vec<Manager>) -> LoginService {
    LoginService::new(
        Arc::new(AuthManagers::new(managers)),
        Arc::new(MemoryGeolocation::default()),
        Arc::new(CountingRandom::default()),
        HandClock::at(1_000),
        posix_defaults(),
    )
}

fn standard() -> LoginService {
    let crew_rule = serde_json::json!({"crew": {"conditions": [{"memberOf": "cn=ship_crew", "expected": true}], "expected": true, "label": "ship-crew"}});
    let net_rule = serde_json::json!({"home": {"conditions": [{"network": "10.0.0.0/8", "expected": true}], "expected": true, "label": "tennetwork"}});
    service(vec![
        Manager {
            kind: ManagerKind::Explicit,
            providers: vec![provider("planet", ManagerKind::Explicit, directory_method(), crew_rule)],
            show_domains: true,
            rules: RuleSet::default(),
        },
        Manager {
            kind: ManagerKind::Implicit,
            providers: vec![provider(
                "anonymous",
                ManagerKind::Implicit,
                anonymous_method(false),
                net_rule,
            )],
            show_domains: false,
            rules: RuleSet::default(),
        },
    ])
}

fn request(provider: &str, userid: Option<&str>, password: Option<&str>) -> LoginRequest {
    LoginRequest {
        provider: Some(provider.into()),
        userid: userid.map(str::to_owned),
        password: password.map(Secret::new),
        ..Default::default()
    }
}

fn facts() -> RequestFacts {
    RequestFacts::from_ip("10.1.2.3".parse().unwrap())
}

#[tokio::test]
async fn anonymous_users_get_a_server_chosen_id() {
    let outcome = standard()
        .login(&request("anonymous", None, None), &facts())
        .await
        .unwrap();
    assert_eq!(outcome.identity.userid.as_str(), "00000000-0000-4000-8000-000000000000");
    assert_eq!(outcome.identity.providertype, "anonymous");
    assert_eq!(outcome.identity.name, "Anonymous");
    assert_eq!(
        outcome.identity.labels.get("ipsource").map(String::as_str),
        Some("10.1.2.3")
    );
    assert_eq!(
        outcome.identity.labels.get("tennetwork").map(String::as_str),
        Some("true")
    );
}

#[tokio::test]
async fn a_caller_chosen_anonymous_id_is_ignored_unless_allowed() {
    // pyos let an anonymous caller name any user id and so reattach to that user's desktop.
    let outcome = standard()
        .login(&request("anonymous", Some("fry"), None), &facts())
        .await
        .unwrap();
    assert_ne!(outcome.identity.userid.as_str(), "fry");
    let allowing = service(vec![Manager {
        kind: ManagerKind::Implicit,
        providers: vec![provider(
            "anonymous",
            ManagerKind::Implicit,
            anonymous_method(true),
            serde_json::json!({}),
        )],
        show_domains: false,
        rules: RuleSet::default(),
    }]);
    assert_eq!(
        allowing
            .login(&request("anonymous", Some("kiosk-1"), None), &facts())
            .await
            .unwrap()
            .identity
            .userid
            .as_str(),
        "kiosk-1"
    );
    assert!(matches!(
        allowing
            .login(&request("anonymous", Some("-bad"), None), &facts())
            .await,
        Err(LoginError::Rejected(_))
    ));
}

#[tokio::test]
async fn directory_logins_carry_posix_roles_and_labels() {
    let outcome = standard()
        .login(&request("planet", Some("fry"), Some("fry")), &facts())
        .await
        .unwrap();
    let identity = &outcome.identity;
    assert_eq!(
        (identity.userid.as_str(), identity.name.as_str()),
        ("fry", "Philip J. Fry")
    );
    assert_eq!(identity.roles, ["ship_crew"]);
    assert_eq!(
        identity.labels.get("ship-crew").map(String::as_str),
        Some("true"),
        "labels with '-' are kept"
    );
    let posix = outcome.secrets.iter().find(|s| s.kind == "posixaccount").unwrap();
    assert_eq!(posix.data["uidNumber"], "1003");
    let local = outcome.secrets.iter().find(|s| s.kind == "localaccount").unwrap();
    let hash = local.data["sha512"].clone();
    assert!(
        sha_crypt::sha512_check("fry", &hash).is_ok(),
        "the desktop account gets the directory password, hashed"
    );
    assert!(local.data["shadow"].starts_with(&format!("fry:{hash}:")));
    assert_eq!(outcome.provider_display, "planet display");
}

#[tokio::test]
async fn wrong_passwords_and_empty_passwords_are_refused() {
    let logins = standard();
    assert!(matches!(
        logins
            .login(&request("planet", Some("fry"), Some("bender")), &facts())
            .await,
        Err(LoginError::InvalidCredentials)
    ));
    assert!(matches!(
        logins
            .login(&request("planet", Some("nobody"), Some("x")), &facts())
            .await,
        Err(LoginError::InvalidCredentials)
    ));
    assert!(matches!(
        logins.login(&request("planet", Some("fry"), Some("")), &facts()).await,
        Err(LoginError::Rejected(_))
    ));
    assert!(matches!(
        logins.login(&request("planet", Some("fry"), None), &facts()).await,
        Err(LoginError::Rejected(_))
    ));
}

#[tokio::test]
async fn managers_and_providers_are_resolved_as_pyos_does() {
    let logins = standard();
    let mut by_manager = request("planet", Some("fry"), Some("fry"));
    by_manager.manager = Some("explicit".into());
    assert!(logins.login(&by_manager, &facts()).await.is_ok());
    by_manager.manager = Some("nosuch".into());
    assert!(matches!(
        logins.login(&by_manager, &facts()).await,
        Err(LoginError::UnknownManager(_))
    ));
    assert!(matches!(
        logins.login(&request("google", None, None), &facts()).await,
        Err(LoginError::ManagerNotFound { .. })
    ));
    // Case-insensitive search finds the manager, the exact lookup then refuses the spelling.
    assert!(matches!(
        logins
            .login(&request("Planet", Some("fry"), Some("fry")), &facts())
            .await,
        Err(LoginError::UnknownProvider(_))
    ));
    let no_provider = LoginRequest {
        userid: Some("fry".into()),
        password: Some(Secret::new("fry")),
        ..Default::default()
    };
    assert!(matches!(
        logins.login(&no_provider, &facts()).await,
        Err(LoginError::NoProvider(_))
    ));
    let explicit_only = LoginRequest {
        manager: Some("explicit".into()),
        ..no_provider
    };
    assert_eq!(
        logins.login(&explicit_only, &facts()).await.unwrap().identity.provider,
        "planet",
        "the only explicit provider is chosen"
    );
}

#[tokio::test]
async fn a_provider_acl_can_refuse_everyone() {
    let mut closed = provider(
        "anonymous",
        ManagerKind::Implicit,
        anonymous_method(false),
        serde_json::json!({}),
    );
    closed.acl = Acl::deny_all();
    let logins = service(vec![Manager {
        kind: ManagerKind::Implicit,
        providers: vec![closed],
        show_domains: false,
        rules: RuleSet::default(),
    }]);
    assert!(matches!(
        logins.login(&request("anonymous", None, None), &facts()).await,
        Err(LoginError::Denied(_))
    ));
}

/// The planet directory, with POSIX groups: the primary one (gid 1002) and ship_crew.
struct WithPosixGroups(Arc<dyn Directory>);

#[async_trait]
impl Directory for WithPosixGroups {
    async fn authenticate(&self, login: &str, password: &Secret) -> Result<DirectoryEntry, DirectoryError> {
        self.0.authenticate(login, password).await
    }
    async fn find_user(&self, login: &str) -> Result<Option<DirectoryEntry>, DirectoryError> {
        self.0.find_user(login).await
    }
    async fn is_member_of(&self, user: &DirectoryEntry, group_dn: &str) -> Result<bool, DirectoryError> {
        self.0.is_member_of(user, group_dn).await
    }
    async fn posix_groups(&self, user: &DirectoryEntry) -> Result<Vec<DirectoryEntry>, DirectoryError> {
        assert_eq!(user.first("uid"), Some("fry"));
        let group = |cn: &str, gid: &str, members: &[&str]| DirectoryEntry {
            dn: format!("cn={cn},ou=groups,dc=planetexpress,dc=com"),
            attributes: BTreeMap::from([
                ("cn".to_owned(), vec![cn.to_owned()]),
                ("gidNumber".to_owned(), vec![gid.to_owned()]),
                (
                    "memberUid".to_owned(),
                    members.iter().map(|m| (*m).to_owned()).collect(),
                ),
            ]),
        };
        Ok(vec![
            group("planet_express", "1002", &[]),
            group("ship_crew", "21478", &["fry", "bender", "leela"]),
        ])
    }
}

#[tokio::test]
async fn directory_posix_groups_reach_the_account_files_and_the_secret() {
    let method = ProviderMethod::Directory {
        directory: Arc::new(WithPosixGroups(planet())),
        domain: None,
        userid_attribute: "uid".into(),
        name_attribute: "cn".into(),
        memberof_attribute: "memberOf".into(),
        join_attribute: None,
    };
    let login = service(vec![Manager {
        kind: ManagerKind::Explicit,
        providers: vec![provider("planet", ManagerKind::Explicit, method, serde_json::json!({}))],
        show_domains: true,
        rules: RuleSet::default(),
    }]);
    let outcome = login
        .login(&request("planet", Some("fry"), Some("fry")), &facts())
        .await
        .unwrap();
    let local = outcome.secrets.iter().find(|s| s.kind == "localaccount").unwrap();
    assert_eq!(
        local.data["group"], "planet_express:x:1002:fry\nship_crew:x:21478:fry,bender,leela\n",
        "the primary group by its directory name, then the others"
    );
    assert_eq!(
        local.data["gshadow"],
        "planet_express:!::fry\nship_crew:!::fry,bender,leela\n"
    );
    let posix = outcome.secrets.iter().find(|s| s.kind == "posixaccount").unwrap();
    let account = crate::domain::auth::posix_account_from_secret(&posix.data, &posix_defaults());
    assert_eq!(account.gid, "planet_express");
    assert_eq!(
        account.groups.iter().map(|g| g.gid_number).collect::<Vec<_>>(),
        [21478],
        "the groups survive the secret, as the pod reads them back"
    );
}
