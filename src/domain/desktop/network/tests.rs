use super::*;
use serde_json::json;

fn rules(encode: bool) -> NetworkRules {
    NetworkRules {
        rules: json!({
            "default": {"annotations": {"k8s.v1.cni.cncf.io/networks": "default-net"}},
            "shipcrew": {
                "annotations": {"k8s.v1.cni.cncf.io/networks": "crew-net"},
                "internal_dns": {"nameservers": ["10.0.0.53"]},
                "webhook": {
                    "create": ["/usr/bin/fw open --user {{ userid }} --ip {{ ipAddr }}", "notify 'desktop {{ name }} up'"],
                    "destroy": "/usr/bin/fw close --ip={{ ipAddr }}"
                }
            },
            "adminstaff": {"annotations": {"k8s.v1.cni.cncf.io/networks": "admin-net"}}
        })
        .as_object()
        .cloned()
        .unwrap(),
        encode_values: encode,
        extra_values: json!({"site": "paris & co"}).as_object().cloned().unwrap(),
    }
}

fn labels(names: &[&str]) -> BTreeMap<String, String> {
    names.iter().map(|n| ((*n).to_owned(), "true".to_owned())).collect()
}

fn values(userid: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        ("userid".to_owned(), userid.to_owned()),
        ("ipAddr".to_owned(), "10.1.2.3".to_owned()),
        ("name".to_owned(), "fry-1f2e3".to_owned()),
    ])
}

#[test]
fn the_first_configured_rule_of_the_users_labels_merges_over_default() {
    let rules = rules(false);
    assert_eq!(
        rules.select(&labels(&[]))["annotations"]["k8s.v1.cni.cncf.io/networks"],
        "default-net"
    );
    let both = rules.select(&labels(&["adminstaff", "shipcrew"]));
    assert_eq!(
        both["annotations"]["k8s.v1.cni.cncf.io/networks"], "crew-net",
        "config order decides, not label order"
    );
    assert!(both.contains_key("internal_dns"));
}

#[test]
fn each_argument_is_rendered_alone_so_values_cannot_inject() {
    let hooks = rules(false).webhooks(&labels(&["shipcrew"]), &values("x; rm -rf / --force"));
    assert_eq!(
        hooks.create[0],
        [
            "/usr/bin/fw",
            "open",
            "--user",
            "x; rm -rf / --force",
            "--ip",
            "10.1.2.3"
        ]
    );
    assert_eq!(hooks.create[1], ["notify", "desktop fry-1f2e3 up"]);
    assert_eq!(hooks.destroy, [vec!["/usr/bin/fw", "close", "--ip=10.1.2.3"]]);
    assert_eq!(
        rules(false).webhooks(&labels(&["adminstaff"]), &values("fry")),
        Webhooks::default()
    );
}

#[test]
fn values_are_url_encoded_when_asked_and_extra_values_are_not() {
    let mut rules = rules(true);
    rules.rules["shipcrew"]["webhook"]["create"] = json!("hook {{ userid }} {{ site }}");
    let hooks = rules.webhooks(&labels(&["shipcrew"]), &values("Philip J. Fry&x=1"));
    assert_eq!(hooks.create[0], ["hook", "Philip+J.+Fry%26x%3D1", "paris & co"]);
}

#[test]
fn at_most_sixteen_create_commands_run() {
    let mut rules = rules(false);
    rules.rules["shipcrew"]["webhook"]["create"] = json!(vec!["true"; 40]);
    assert_eq!(
        rules.webhooks(&labels(&["shipcrew"]), &values("fry")).create.len(),
        MAX_CREATE_COMMANDS
    );
}

#[test]
fn command_lines_split_like_a_shell_without_one() {
    assert_eq!(
        split_words(r#"a 'b c' "d \"e\" \n" f\ g $(x);y"#).unwrap(),
        ["a", "b c", "d \"e\" \\n", "f g", "$(x);y"]
    );
    assert_eq!(split_words("  ").unwrap(), Vec::<String>::new());
    assert_eq!(split_words("''").unwrap(), [""]);
    assert!(split_words("a 'b").is_err());
    assert_eq!(split_words("x {{ user id }}y z").unwrap(), ["x", "{{ user id }}y", "z"]);
}

/// Through the desktop service on memory adapters: each user's create commands carry
/// their own desktop, and a removal runs the destroy commands kept for that desktop only.
#[tokio::test]
async fn each_desktop_runs_its_own_commands_and_its_removal_its_own_destroy() {
    use crate::domain::desktop::LaunchRequest;
    use crate::domain::request::RequestFacts;
    use crate::testkit::{MemoryCache, RecordedWebhooks, desktop_kit_shaped, memory_orchestrator};
    use std::sync::Arc;
    let runner = Arc::new(RecordedWebhooks::default());
    let mut rules = rules(false);
    rules.rules =
        json!({"default": {"webhook": {"create": "fw open {{ id }} {{ userid }}", "destroy": "fw close {{ id }}"}}})
            .as_object()
            .cloned()
            .unwrap();
    let hooks = NetworkHooks::new(
        rules,
        runner.clone(),
        Arc::new(MemoryCache::default()),
        std::time::Duration::from_secs(5),
    );
    let orchestrator = memory_orchestrator();
    let kit = desktop_kit_shaped(orchestrator.clone(), orchestrator, |service, _| {
        service.with_network_hooks(hooks)
    });
    let facts = RequestFacts::from_ip("192.0.2.1".parse().unwrap());
    let (fry, leela) = (kit.sign_in("fry").await, kit.sign_in("leela").await);
    for who in [&fry, &leela] {
        kit.service
            .launch(who, &facts, &LaunchRequest::default())
            .await
            .unwrap();
    }
    let mut names = Vec::new();
    for who in [&fry, &leela] {
        names.push(kit.service.find(who).await.unwrap().unwrap().name);
    }
    let ran = || runner.ran();
    for _ in 0..100 {
        if ran().len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let mut created = ran();
    created.sort();
    let mut expected = vec![
        vec!["fw".to_owned(), "open".into(), names[0].clone(), "fry".into()],
        vec!["fw".to_owned(), "open".into(), names[1].clone(), "leela".into()],
    ];
    expected.sort();
    assert_eq!(created, expected);
    assert!(kit.service.remove_for(&leela, &facts).await.unwrap());
    for _ in 0..100 {
        if ran().len() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(ran()[2], ["fw", "close", names[1].as_str()]);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(ran().len(), 3, "fry's destroy stays kept for fry's desktop");
}
