//! The desktop pod built from the shipped config, against a checked-in manifest.

use super::*;
use serde_json::{Value, json};

#[test]
fn the_desktop_pod_matches_the_golden_manifest() {
    let manifest = desktop_pod(&shipped_settings("abcdesktop").pod, &fry_spec(), "abcdesktop").unwrap();
    let pod = assert_golden(&manifest, "desktop-pod-fry.json");
    let names: Vec<String> = pod.spec.unwrap().containers.iter().map(|c| c.name.clone()).collect();
    assert_eq!(
        names,
        ["x-graphical", "s-sound", "f-filer"],
        "printer is disabled in the config"
    );
}

#[test]
fn the_golden_manifest_carries_labels_env_order_and_security() {
    let manifest = desktop_pod(&shipped_settings("abcdesktop").pod, &fry_spec(), "abcdesktop").unwrap();
    let labels = &manifest["metadata"]["labels"];
    assert_eq!(labels["type"], "x11server");
    assert_eq!(labels["access_userid"], "fry");
    assert_eq!(labels["access_username"], "philip_j._fry");
    assert_eq!(labels["ship-crew"], "true");
    assert_eq!(labels["service_graphical"], "6081");
    assert_eq!(labels["service_spawner"], "29786");
    assert!(labels.get("service_printer").is_none());
    let graphical = &manifest["spec"]["containers"][0];
    let env: Vec<&str> = graphical["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(env[0], "LANG", "the domain's environment comes first, in order");
    assert_eq!(
        &env[env.len() - 4..],
        ["NODE_NAME", "POD_NAME", "POD_NAMESPACE", "POD_IP"],
        "downward API last"
    );
    assert_eq!(graphical["securityContext"]["runAsUser"], 1003);
    assert_eq!(
        graphical["securityContext"]["supplementalGroups"],
        json!([1002, 21478]),
        "the primary group, then the directory's"
    );
    assert_eq!(
        graphical["resources"]["limits"]["cpu"], "4000m",
        "the default execute class"
    );
    let init = manifest["spec"]["initContainers"][0]["command"][2].as_str().unwrap();
    assert!(
        init.starts_with("echo \"$LOGNAME ALL=(ALL:ALL) ALL\" > /etc/sudoers.d/$LOGNAME && chmod 440"),
        "od.config 4.4's sudoers rule: {init}"
    );
    assert!(init.ends_with("chmod 750 ~ && chown 1003:1002 ~"), "{init}");
    for kind in ["init", "ephemeral_container", "pod_application", "printerfile"] {
        assert!(
            labels.get(format!("service_{kind}")).is_some(),
            "service_{kind}: {labels}"
        );
    }
    for kind in ["graphical", "spawner", "webshell", "sound", "filer", "init"] {
        let name = format!("ABCDESKTOP_SERVICE_{kind}");
        assert!(
            graphical["env"]
                .as_array()
                .unwrap()
                .iter()
                .any(|e| e["name"] == name.as_str()),
            "{name}"
        );
    }
    let class = graphical["env"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "ABCDESKTOP_EXECUTE_CLASS")
        .unwrap();
    let class: Value = serde_json::from_str(class["value"].as_str().unwrap()).unwrap();
    assert_eq!(class["resources"]["limits"]["cpu"], "4000m", "the class as JSON");
    let mounts: Vec<&str> = graphical["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert!(
        mounts.contains(&"home") && mounts.contains(&"vnc") && mounts.contains(&"extrausers"),
        "{mounts:?}"
    );
}
