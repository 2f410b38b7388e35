use super::*;
use serde_json::json;

struct Directory(Vec<&'static str>);

#[async_trait]
impl MembershipLookup for Directory {
    async fn is_member_of(&self, group_dn: &str) -> bool {
        self.0.contains(&group_dn)
    }
}

fn facts(ip: &str) -> RequestFacts {
    let mut facts = RequestFacts::from_ip(ip.parse().unwrap());
    facts.headers = vec![("x-site".into(), "paris".into()), ("user-agent".into(), "test".into())];
    facts.forwarded_for = vec!["192.0.2.7".parse().unwrap()];
    facts.real_ip = Some("198.51.100.9".parse().unwrap());
    facts
}

async fn labels_for(rules: Value, input: &RuleInput<'_>) -> Labels {
    let mut labels = Labels::new();
    RuleSet::parse(&rules)
        .expect("valid rules")
        .apply(input, &mut labels)
        .await;
    labels
}

fn input<'a>(facts: &'a RequestFacts, user: &'a Map<String, Value>, roles: &'a [String]) -> RuleInput<'a> {
    RuleInput {
        facts,
        user,
        roles,
        asn: Some(3215),
        geolocation: None,
        membership: None,
    }
}

#[tokio::test]
async fn every_condition_kind_produces_its_label() {
    let facts = facts("10.1.2.3");
    let user = json!({"primaryGroupID": "513", "mail": "fry@planetexpress.com"})
        .as_object()
        .unwrap()
        .clone();
    let roles = vec!["cn=ship_crew,ou=groups,dc=planetexpress,dc=com".to_owned()];
    let rules = json!({
        "net": {"conditions": [{"network": "10.0.0.0/8", "expected": true}], "expected": true, "label": "tennetwork"},
        "net-list": {"conditions": [{"network-client-ip": ["192.168.0.0/16", "10.1.2.3"], "expected": true}], "expected": true, "label": "exact"},
        "xff": {"conditions": [{"network-x-forwarded-for": "192.0.2.0/24", "expected": true}], "expected": true, "label": "viaproxy"},
        "xri": {"conditions": [{"network-x-real-ip": "198.51.100.0/24", "expected": true}], "expected": true, "label": "realip"},
        "hdr": {"conditions": [{"httpheader": {"X-Site": "paris"}, "expected": true}], "expected": true, "label": "paris"},
        "exists": {"conditions": [{"existhttpheader": ["user-agent"], "expected": true}], "expected": true, "label": "browser"},
        "member": {"conditions": [{"memberOf": "CN=ship_crew", "expected": true}], "expected": true, "label": "ship-crew"},
        "bool": {"conditions": [{"boolean": true, "expected": true}], "expected": true, "label": "always", "load": "silver"},
        "asn": {"conditions": [{"asnumber": ["3215", "12322"], "expected": true}], "expected": true, "label": "orange"},
        "pgid": {"conditions": [{"primarygroupid": 513, "expected": true}], "expected": true, "label": "domainusers"},
        "attr": {"conditions": [{"attribut": {"attribut": "mail", "equal": "fry@planetexpress.com"}, "expected": true}], "expected": true, "label": "mailfry"}
    });
    let labels = labels_for(rules, &input(&facts, &user, &roles)).await;
    let names: Vec<&str> = labels.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "always",
            "browser",
            "domainusers",
            "exact",
            "mailfry",
            "orange",
            "paris",
            "realip",
            "ship-crew",
            "tennetwork",
            "viaproxy"
        ]
    );
    assert_eq!(labels["always"], "silver");
    assert_eq!(labels["tennetwork"], "true");
}

#[tokio::test]
async fn conditions_are_and_ed_and_tests_inside_one_condition_are_or_ed() {
    let facts = facts("10.1.2.3");
    let user = Map::new();
    let rules = json!({
        "both": {"conditions": [{"network": "10.0.0.0/8", "expected": true}, {"boolean": false, "expected": true}], "expected": true, "label": "both"},
        "either": {"conditions": [{"network": "172.16.0.0/12", "boolean": true, "expected": true}], "expected": true, "label": "either"},
        "negated": {"conditions": [{"network": "172.16.0.0/12", "expected": true}], "expected": false, "label": "outside"},
        "empty": {"conditions": [], "expected": true, "label": "empty"}
    });
    let labels = labels_for(rules, &input(&facts, &user, &[])).await;
    assert!(!labels.contains_key("both"));
    assert!(labels.contains_key("either"));
    assert!(labels.contains_key("outside"));
    assert!(!labels.contains_key("empty"));
}

#[tokio::test]
async fn later_rules_overwrite_earlier_labels() {
    let facts = facts("10.1.2.3");
    let user = Map::new();
    let rules = json!({
        "first": {"conditions": [{"boolean": true, "expected": true}], "expected": true, "label": "executeclassname", "load": "bronze"},
        "second": {"conditions": [{"boolean": true, "expected": true}], "expected": true, "label": "executeclassname", "load": "gold"}
    });
    assert_eq!(
        labels_for(rules, &input(&facts, &user, &[])).await["executeclassname"],
        "gold"
    );
}

#[tokio::test]
async fn member_of_is_a_case_insensitive_prefix_and_falls_back_to_the_directory() {
    let facts = facts("10.1.2.3");
    let user = Map::new();
    let rules =
        json!({"m": {"conditions": [{"memberOf": "cn=admin", "expected": true}], "expected": true, "label": "admin"}});
    let roles = vec!["CN=admin_staff,ou=groups".to_owned()];
    assert!(
        labels_for(rules.clone(), &input(&facts, &user, &roles))
            .await
            .contains_key("admin")
    );
    // No roles: the directory answers.
    let directory = Directory(vec!["cn=admin"]);
    let mut with_directory = input(&facts, &user, &[]);
    with_directory.membership = Some(&directory);
    assert!(labels_for(rules.clone(), &with_directory).await.contains_key("admin"));
    // No roles and no directory (anonymous, OAuth): simply false, where pyos 4.x crashed the rule.
    assert!(labels_for(rules, &input(&facts, &user, &[])).await.is_empty());
}

#[tokio::test]
async fn geolocation_uses_the_position_sent_at_login() {
    let facts = facts("10.1.2.3");
    let user = Map::new();
    let paris = json!({"latitude": 48.8566, "longitude": 2.3522});
    let rules = json!({"g": {"conditions": [{"geolocation": {"latitude": 48.86, "longitude": 2.35, "accuracy": 5000}, "expected": true}], "expected": true, "label": "paris"}});
    let mut located = input(&facts, &user, &[]);
    located.geolocation = Some(&paris);
    assert!(labels_for(rules.clone(), &located).await.contains_key("paris"));
    assert!(labels_for(rules, &input(&facts, &user, &[])).await.is_empty());
}

#[tokio::test]
async fn attribute_tests_accept_startwith_alone() {
    let facts = facts("10.1.2.3");
    let user = json!({"mail": "fry@planetexpress.com"}).as_object().unwrap().clone();
    let rules = json!({"a": {"conditions": [{"attribut": {"attribut": "mail", "startwith": "fry@"}, "expected": true}], "expected": true, "label": "fry"}});
    assert!(labels_for(rules, &input(&facts, &user, &[])).await.contains_key("fry"));
}

#[test]
fn malformed_rules_are_refused_with_the_rule_name() {
    let cases = [
        json!({"r": {"conditions": {}, "expected": true}}),
        json!({"r": {"conditions": [], "expected": "true"}}),
        json!({"r": {"conditions": [{"boolean": "true", "expected": true}], "expected": true}}),
        json!({"r": {"conditions": [{"network": "10.0.0.0/33", "expected": true}], "expected": true}}),
        json!({"r": {"conditions": [{"nework": "10.0.0.0/8", "expected": true}], "expected": true}}),
        json!({"r": {"conditions": [{"boolean": true}], "expected": true}}),
        json!({"r": {"conditions": [], "expected": true, "label": "bad label"}}),
        json!({"r": {"conditions": [], "expected": true, "lable": "x"}}),
    ];
    for case in cases {
        let error = RuleSet::parse(&case).expect_err(&case.to_string());
        assert_eq!(error.rule, "r", "{case}");
    }
}
