//! The LDAP directory against the slapd `scripts/services.sh` starts, seeded with the
//! Planet Express directory of `../shared/fixtures/ldap`.

use super::{LdapDirectory, LdapSettings};
use crate::adapters::contract;
use crate::domain::secret::Secret;
use crate::ports::directory::{Directory, DirectoryEntry, DirectoryError};
use std::time::Duration;

const PEOPLE: &str = "ou=people,dc=planetexpress,dc=com";

fn settings(servers: Vec<String>) -> LdapSettings {
    LdapSettings {
        servers,
        users_ou: PEOPLE.into(),
        usercnattr: "cn".into(),
        user_filter: "(&(objectClass=Person)(cn=%s))".into(),
        memberof_attribute: "memberOf".into(),
        groups_ou: "dc=planetexpress,dc=com".into(),
        posix_primary_group_filter: "(&(objectClass=posixGroup)(gidNumber=%s))".into(),
        posix_groups_filter: "(&(objectClass=posixGroup)(!(gidNumber=%s))(memberUid=%s))".into(),
        recursive_groups: false,
        locator: None,
        service_account: Some((
            "cn=admin,dc=planetexpress,dc=com".into(),
            Secret::new("GoodNewsEveryone"),
        )),
        connect_timeout: Duration::from_secs(2),
        operation_timeout: Duration::from_secs(5),
        starttls: false,
        verify_certificates: true,
        ca_file: None,
        active_directory: None,
    }
}

fn planet() -> LdapDirectory {
    LdapDirectory::new(settings(vec![contract::service_url("LDAP_URL")])).unwrap()
}

fn password(text: &str) -> Secret {
    Secret::new(text)
}

#[tokio::test]
async fn fry_binds_and_gets_his_entry() {
    let entry = planet().authenticate("Philip J. Fry", &password("fry")).await.unwrap();
    assert_eq!(entry.dn, format!("cn=Philip J. Fry,{PEOPLE}"));
    assert_eq!(entry.first("uid"), Some("fry"));
    assert_eq!(entry.first("uidNumber"), Some("2042"));
    assert!(entry.values("objectClass").iter().any(|c| c == "posixAccount"));
    assert!(
        entry.first("jpegPhoto").is_some(),
        "binary attributes come back as base64"
    );
    assert!(
        entry.first("userPassword").is_none(),
        "the password hash is never passed on"
    );
}

#[tokio::test]
async fn fry_s_posix_groups_are_those_listing_his_uid() {
    let planet = planet();
    let fry = planet.authenticate("Philip J. Fry", &password("fry")).await.unwrap();
    let groups = planet.posix_groups(&fry).await.unwrap();
    let names: Vec<_> = groups.iter().filter_map(|g| g.first("cn")).collect();
    assert_eq!(names, ["ship_crew"], "not admin_staff, which does not list him");
    assert_eq!(groups[0].first("gidNumber"), Some("21478"));
    assert!(groups[0].values("memberUid").iter().any(|m| m == "fry"));
    let nobody = DirectoryEntry {
        dn: "cn=x".into(),
        attributes: [
            ("uid".to_owned(), vec!["*)(uid=*".to_owned()]),
            ("gidNumber".to_owned(), vec!["999999".to_owned()]),
        ]
        .into(),
    };
    assert!(
        planet.posix_groups(&nobody).await.unwrap().is_empty(),
        "a uid is a filter value, never filter syntax"
    );
}

/// `posixAccountGroup_filter` and `posixGroup_filter` are the operator's: here the
/// supplementary filter leaves `ship_crew` out.
#[tokio::test]
async fn the_posix_group_filters_are_configurable() {
    let mut settings = settings(vec![contract::service_url("LDAP_URL")]);
    settings.posix_groups_filter = "(&(objectClass=posixGroup)(!(gidNumber=%s))(memberUid=%s)(!(cn=ship_crew)))".into();
    let planet = LdapDirectory::new(settings).unwrap();
    let fry = planet.authenticate("Philip J. Fry", &password("fry")).await.unwrap();
    assert!(planet.posix_groups(&fry).await.unwrap().is_empty());
}

#[tokio::test]
async fn wrong_passwords_unknown_users_and_injections_are_refused_alike() {
    let planet = planet();
    for (login, secret) in [
        ("Philip J. Fry", "leela"),
        ("Nibbler", "fry"),
        ("Philip J. Fry,ou=people", "fry"),
        ("*", "fry"),
        ("Philip J. Fry)(cn=*", "fry"),
    ] {
        let refused = planet.authenticate(login, &password(secret)).await;
        assert!(
            matches!(refused, Err(DirectoryError::InvalidCredentials)),
            "{login:?}: {refused:?}"
        );
    }
    let long = planet.authenticate("Philip J. Fry", &password(&"x".repeat(65))).await;
    assert!(matches!(long, Err(DirectoryError::Rejected(_))), "{long:?}");
    let empty = planet.authenticate("Philip J. Fry", &password("")).await;
    assert!(
        matches!(empty, Err(DirectoryError::Rejected(_))),
        "an empty password would be an unauthenticated bind"
    );
}

#[tokio::test]
async fn group_membership_is_read_from_posix_groups() {
    let planet = planet();
    let fry = planet.authenticate("Philip J. Fry", &password("fry")).await.unwrap();
    let crew = format!("cn=ship_crew,{PEOPLE}");
    let staff = format!("cn=admin_staff,{PEOPLE}");
    assert!(planet.is_member_of(&fry, &crew).await.unwrap());
    assert!(!planet.is_member_of(&fry, &staff).await.unwrap());
    assert!(
        !planet.is_member_of(&fry, &format!("cn=nope,{PEOPLE}")).await.unwrap(),
        "a group that does not exist has no members"
    );
    let hermes = planet.authenticate("Hermes Conrad", &password("hermes")).await.unwrap();
    assert!(!planet.is_member_of(&hermes, &crew).await.unwrap());
}

#[tokio::test]
async fn the_service_account_finds_users_without_their_password() {
    let planet = planet();
    let found = planet.find_user("Turanga Leela").await.unwrap().unwrap();
    assert_eq!(found.first("uid"), Some("leela"));
    assert!(planet.find_user("Nibbler").await.unwrap().is_none());
}

#[tokio::test]
async fn a_server_that_is_down_is_skipped_and_all_down_is_unavailable() {
    let down = format!("ldap://127.0.0.1:{}", contract::closed_port());
    let failover = LdapDirectory::new(settings(vec![down.clone(), contract::service_url("LDAP_URL")])).unwrap();
    for _ in 0..4 {
        // Servers are tried in random order: whichever comes first, fry gets in.
        failover.authenticate("Philip J. Fry", &password("fry")).await.unwrap();
    }
    let started = std::time::Instant::now();
    let none = LdapDirectory::new(settings(vec![down]))
        .unwrap()
        .authenticate("Philip J. Fry", &password("fry"))
        .await;
    assert!(matches!(none, Err(DirectoryError::Unavailable(_))), "{none:?}");
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn ldap_honours_the_directory_contract() {
    contract::directory_contract(
        &planet(),
        ("Philip J. Fry", "fry"),
        &format!("cn=ship_crew,{PEOPLE}"),
        &format!("cn=admin_staff,{PEOPLE}"),
    )
    .await;
}

/// The Active Directory-shaped slapd (sAMAccountName, userPrincipalName, memberOf).
fn example_domain() -> LdapDirectory {
    let mut settings = settings(vec![contract::service_url("LDAP_AD_URL")]);
    settings.users_ou = "ou=people,dc=example,dc=org".into();
    settings.service_account = Some(("cn=admin,dc=example,dc=org".into(), Secret::new("admin")));
    settings.active_directory = Some(super::ActiveDirectory {
        domain: "EXAMPLE".into(),
        foreign_base: "cn=ForeignSecurityPrincipals,ou=meta,dc=example,dc=org".into(),
        foreign_filter: "(&(objectClass=foreignSecurityPrincipal)(objectSid=%s))".into(),
    });
    LdapDirectory::new(settings).unwrap()
}

#[tokio::test]
async fn active_directory_logins_by_domain_principal_or_account_name() {
    let domain = example_domain();
    for login in ["EXAMPLE\\alice", "example\\ALICE", "alice@example.org", "alice"] {
        let entry = domain.authenticate(login, &password("password")).await.unwrap();
        assert_eq!(entry.dn, "uid=alice,ou=people,dc=example,dc=org", "{login}");
        assert!(
            entry
                .values("memberOf")
                .iter()
                .any(|group| group.starts_with("cn=admins")),
            "{login}: {entry:?}"
        );
    }
    for (login, secret) in [
        ("OTHER\\alice", "password"),
        ("EXAMPLE\\alice", "wrong"),
        ("EXAMPLE\\", "password"),
        ("EXAMPLE\\*", "password"),
        ("nobody@example.org", "password"),
    ] {
        let refused = domain.authenticate(login, &password(secret)).await;
        assert!(
            matches!(refused, Err(DirectoryError::InvalidCredentials)),
            "{login}: {refused:?}"
        );
    }
}

#[tokio::test]
async fn active_directory_honours_the_directory_contract() {
    contract::directory_contract(
        &example_domain(),
        ("EXAMPLE\\bob", "password"),
        "cn=developers,ou=groups,dc=example,dc=org",
        "cn=admins,ou=groups,dc=example,dc=org",
    )
    .await;
}

/// `ldaps://` and StartTLS verify the server: with the directory's CA they work, with the
/// system's roots (which do not know it) they are refused, and only `tls_require_cert =
/// false` lets an unverified server through.
#[tokio::test]
async fn tls_connections_verify_the_server_certificate() {
    let ca = std::path::PathBuf::from(contract::service_url("LDAP_CA_FILE"));
    let ldaps = contract::service_url("LDAPS_URL");
    let with = |url: &str, starttls: bool, ca_file: Option<std::path::PathBuf>, verify: bool| {
        let mut settings = settings(vec![url.to_owned()]);
        settings.starttls = starttls;
        settings.ca_file = ca_file;
        settings.verify_certificates = verify;
        LdapDirectory::new(settings).unwrap()
    };
    let fry = |directory: LdapDirectory| async move { directory.authenticate("Philip J. Fry", &password("fry")).await };
    fry(with(&ldaps, false, Some(ca.clone()), true)).await.unwrap();
    fry(with(&contract::service_url("LDAP_URL"), true, Some(ca.clone()), true))
        .await
        .unwrap();
    let unknown_ca = fry(with(&ldaps, false, None, true)).await;
    assert!(
        matches!(unknown_ca, Err(DirectoryError::Unavailable(_))),
        "{unknown_ca:?}"
    );
    fry(with(&ldaps, false, None, false)).await.unwrap();
    let mut broken = settings(vec![ldaps]);
    broken.ca_file = Some("/nonexistent/ca.pem".into());
    assert!(
        LdapDirectory::new(broken)
            .err()
            .unwrap()
            .contains("/nonexistent/ca.pem")
    );
}

/// The groups a trusting forest gives a foreign account, found by its SID (auth.md §4.7):
/// alice's principal is in `trusted`; a string that is not a SID finds nothing, filter
/// syntax included.
#[tokio::test]
async fn foreign_principals_are_found_by_sid() {
    let domain = example_domain();
    let alice = domain.authenticate("alice", &password("password")).await.unwrap();
    let sid = alice.first("objectSid").unwrap().to_owned();
    assert_eq!(sid, "S-1-5-21-1-2-3-10001");
    assert_eq!(
        domain.foreign_principal_groups(&sid).await.unwrap(),
        ["cn=trusted,ou=groups,dc=example,dc=org"]
    );
    for not_a_sid in ["S-1-5-21-1-2-3-99999", "*", "S-1-5-21-*)(cn=*", ""] {
        assert!(
            domain.foreign_principal_groups(not_a_sid).await.unwrap().is_empty(),
            "{not_a_sid}"
        );
    }
}

/// `recursive_search`: slapd has no in-chain rule, so the groups' own `memberOf` are
/// followed: bob is in developers, developers in engineering, engineering in staff.
#[tokio::test]
async fn nested_groups_are_followed_when_asked() {
    let groups = |directory: LdapDirectory| async move {
        let bob = directory.authenticate("bob", &password("password")).await.unwrap();
        let mut names: Vec<String> = bob.values("memberOf").iter().map(|dn| dn.to_lowercase()).collect();
        names.sort();
        names
    };
    assert_eq!(
        groups(example_domain()).await,
        ["cn=developers,ou=groups,dc=example,dc=org"]
    );
    let mut settings = example_domain().settings.clone();
    settings.recursive_groups = true;
    settings.groups_ou = "dc=example,dc=org".into();
    assert_eq!(
        groups(LdapDirectory::new(settings).unwrap()).await,
        [
            "cn=developers,ou=groups,dc=example,dc=org",
            "cn=engineering,ou=groups,dc=example,dc=org",
            "cn=staff,ou=groups,dc=example,dc=org",
        ]
    );
}

/// `query_dcs`: the domain's controllers come from its DNS SRV records (dnsmasq, started
/// by `scripts/services.sh`, names the AD-shaped slapd for example.org), before the
/// configured servers; a domain DNS does not know leaves the configured servers.
#[tokio::test]
async fn domain_controllers_are_found_in_dns() {
    let dns_server = Some(contract::service_url("DNS_SERVER").parse().unwrap());
    let with = |domain_fqdn: &str, servers: Vec<String>| {
        let mut settings = example_domain().settings.clone();
        settings.servers = servers;
        settings.locator = Some(super::DcLocator {
            domain_fqdn: domain_fqdn.into(),
            dns_server,
            max_age: Duration::from_secs(60),
        });
        LdapDirectory::new(settings).unwrap()
    };
    let dead = format!("ldap://127.0.0.1:{}", contract::closed_port());
    let found = with("example.org", vec![dead.clone()]);
    let alice = found.authenticate("alice", &password("password")).await.unwrap();
    assert_eq!(alice.dn, "uid=alice,ou=people,dc=example,dc=org");
    let unknown = with("unknown.example", vec![contract::service_url("LDAP_AD_URL")]);
    unknown.authenticate("alice", &password("password")).await.unwrap();
    let nowhere = with("unknown.example", vec![dead]);
    assert!(matches!(
        nowhere.authenticate("alice", &password("password")).await,
        Err(DirectoryError::Unavailable(_))
    ));
}

/// `updateactivedirectorysite`: the controllers are read from DNS again on demand; a
/// directory with configured servers only has nothing to look up.
#[tokio::test]
async fn the_controllers_are_looked_up_again_on_demand() {
    let mut settings = example_domain().settings.clone();
    settings.locator = Some(super::DcLocator {
        domain_fqdn: "example.org".into(),
        dns_server: Some(contract::service_url("DNS_SERVER").parse().unwrap()),
        max_age: Duration::from_secs(3600),
    });
    let located = LdapDirectory::new(settings).unwrap();
    let servers = located.refresh_servers().await.unwrap().expect("a located directory");
    let ad = contract::service_url("LDAP_AD_URL");
    let port = ad.rsplit(':').next().unwrap().to_owned();
    assert!(
        servers.iter().any(|url| url.ends_with(&format!(":{port}"))),
        "{servers:?} names the AD-shaped slapd of the SRV record"
    );
    assert_eq!(example_domain().refresh_servers().await.unwrap(), None);
}

/// A DNS server that does not answer is asked once, not on every login: the configured
/// servers carry on, and the next login does not wait for DNS again.
#[tokio::test]
async fn a_dead_dns_server_is_not_asked_on_every_login() {
    let mut settings = example_domain().settings.clone();
    settings.locator = Some(super::DcLocator {
        domain_fqdn: "example.org".into(),
        dns_server: Some(format!("127.0.0.1:{}", contract::closed_port()).parse().unwrap()),
        max_age: Duration::from_secs(3600),
    });
    let directory = LdapDirectory::new(settings).unwrap();
    directory.authenticate("alice", &password("password")).await.unwrap();
    let started = std::time::Instant::now();
    directory.authenticate("alice", &password("password")).await.unwrap();
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
}
