use super::*;
use crate::domain::identity::UserId;
use proptest::prelude::*;
use std::collections::HashSet;

fn owner(provider: &str, userid: &str) -> DesktopOwner {
    DesktopOwner {
        userid: UserId::parse(userid).unwrap(),
        provider: provider.into(),
        providertype: "ldap".into(),
        name: "whoever".into(),
    }
}

/// Every id pair the December security review found sharing a name, plus provider clashes.
const LOOKALIKES: [(&str, &str); 8] = [
    ("planet", "a b"),
    ("planet", "a_b"),
    ("planet", "a.b"),
    ("planet", "A-B"),
    ("planet", "a-b"),
    ("corp", "a-b"),
    ("planet", "Fry"),
    ("planet", "fry"),
];

#[test]
fn lookalike_ids_get_distinct_names_of_every_kind() {
    let owners: Vec<DesktopOwner> = LOOKALIKES.iter().map(|(p, u)| owner(p, u)).collect();
    let desktops: HashSet<_> = owners.iter().map(|o| DesktopName::for_owner(o, "balloon")).collect();
    let secrets: HashSet<_> = owners.iter().map(|o| SecretName::new("vnc", o)).collect();
    let homes: HashSet<_> = owners.iter().map(home_folder).collect();
    let claims: HashSet<_> = owners.iter().map(home_claim_name).collect();
    assert_eq!(desktops.len(), owners.len());
    assert_eq!(secrets.len(), owners.len());
    assert_eq!(homes.len(), owners.len());
    assert_eq!(claims.len(), owners.len());
}

#[test]
fn long_ids_sharing_a_prefix_are_not_cut_into_one_name() {
    let common = "x".repeat(60);
    let a = owner("planet", &format!("{common}aaaaa"));
    let b = owner("planet", &format!("{common}bbbbb"));
    assert_ne!(SecretName::new("ldif", &a), SecretName::new("ldif", &b));
    assert_ne!(DesktopName::for_owner(&a, "u"), DesktopName::for_owner(&b, "u"));
}

#[test]
fn provider_and_userid_boundaries_cannot_be_shifted() {
    // Concatenating without lengths would make these one owner.
    assert_ne!(
        DesktopName::for_owner(&owner("ab", "c"), "u"),
        DesktopName::for_owner(&owner("a", "bc"), "u")
    );
}

#[test]
fn a_user_cannot_take_the_hashed_selector_of_another() {
    let victim = selector_value("a b");
    assert!(
        looks_hashed(&victim),
        "ids that are not label values are hashed: {victim}"
    );
    let impostor = selector_value(&victim);
    assert_ne!(impostor, victim, "an id spelling a hashed value is hashed again");
    assert_eq!(
        selector_value("fry"),
        "fry",
        "ordinary ids stay readable, as pyos's labels"
    );
}

#[test]
fn names_fit_kubernetes_syntax() {
    let long = owner("planet", &"Ω".repeat(80));
    let desktop = DesktopName::for_owner(&long, &"z".repeat(40));
    assert!(desktop.as_str().len() <= 63, "a pod host name is a DNS label");
    assert!(is_dns_label(desktop.as_str()), "{desktop}");
    let unreadable = DesktopName::for_owner(&long, "???");
    assert!(is_dns_label(unreadable.as_str()), "{unreadable}");
    assert!(is_dns_label(&home_folder(&long)));
    let secret = SecretName::new("posixaccount", &long);
    // Secret names are DNS subdomains: 253 characters, no per-label limit in Kubernetes.
    assert!(
        secret.as_str().len() <= 253 && is_dns_label(&secret.as_str()[..63]),
        "{secret}"
    );
    let value = selector_value(&"é".repeat(100));
    assert_eq!(label_value(&value), value);
    assert!(value.len() <= 63);
}

fn is_dns_label(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 63
        && text
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !text.starts_with('-')
        && !text.ends_with('-')
}

/// Adversarial ids: case and punctuation variants, unicode, 256-byte ids, hashed shapes.
fn adversarial_id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ._@-]{1,12}",
        "\\PC{1,40}",
        "[ab]{250,256}",
        "h[a-z2-7]{52}",
        Just("a b".to_owned()),
        Just("a_b".to_owned()),
    ]
    .prop_filter("a valid user id", |id| UserId::parse(id).is_ok())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_name_is_injective_over_owners(
        p1 in "[a-zA-Z_-]{1,6}", u1 in adversarial_id(),
        p2 in "[a-zA-Z_-]{1,6}", u2 in adversarial_id(),
    ) {
        let (a, b) = (owner(&p1, &u1), owner(&p2, &u2));
        let same = p1 == p2 && u1 == u2;
        prop_assert_eq!(same, DesktopName::for_owner(&a, &u1) == DesktopName::for_owner(&b, &u1));
        prop_assert_eq!(same, SecretName::new("vnc", &a) == SecretName::new("vnc", &b));
        prop_assert_eq!(same, home_folder(&a) == home_folder(&b));
        prop_assert_eq!(u1 == u2, selector_value(&u1) == selector_value(&u2));
        prop_assert_eq!(p1 == p2, selector_value(&p1) == selector_value(&p2));
    }

    #[test]
    fn an_id_cannot_select_another_ids_hashed_value(u1 in adversarial_id(), u2 in adversarial_id()) {
        // Whatever u2 is, using u1's selector value as a user id never yields u1's value.
        prop_assume!(u1 != u2);
        let hashed = selector_value(&u1);
        if looks_hashed(&hashed) {
            prop_assert_ne!(selector_value(&hashed), hashed.clone());
        }
        prop_assert_ne!(selector_value(&u2), selector_value(&u1));
    }
}

#[test]
fn base32_matches_rfc4648() {
    assert_eq!(base32(b"foobar"), "mzxw6ytboi");
    assert_eq!(base32(&[0u8; 32]).len(), DIGEST_LEN);
}
