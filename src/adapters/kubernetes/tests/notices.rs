//! What a desktop is told and waits for (orchestration.md §8.6, §9.3), on the double: the
//! 4.x readiness stages run the supervisor and process checks of the shipped config before
//! the ports; an application pod that is OOM-killed or fails is deleted and its owner's
//! desktop is told, through `occall`, once.

use super::*;
use crate::ports::{ApplicationRuntime, DesktopOrchestrator};
use serde_json::json;

#[tokio::test]
async fn the_readiness_stages_check_services_processes_then_ports() {
    let (_orchestrator, double, desktop, progress) =
        fry_desktop_with(DoubleSettings::default(), shipped_settings("abcdesktop").pod).await;
    let messages = progress.0.lock().unwrap().join("\n");
    assert!(
        messages.contains("c.Desktop services [xserver, novnc, spawner-service, plasmashell] are started"),
        "{messages}"
    );
    assert!(
        messages.contains("c.Waiting for desktop process kwin_x11"),
        "{messages}"
    );
    let commands: Vec<String> = double
        .cluster
        .runtime
        .execs(&desktop.name)
        .into_iter()
        .map(|(_, command)| command.join(" "))
        .collect();
    let position = |prefix: &str| commands.iter().position(|c| c.starts_with(prefix));
    let (services, processes, ports) = (
        position("/usr/bin/supervisorctl status xserver"),
        position("/usr/bin/pidof plasmashell"),
        position("/composer/node/wait-port/node_modules/.bin/wait-port"),
    );
    assert!(
        services.is_some() && services < processes && processes < ports,
        "{commands:?}"
    );
}

#[tokio::test]
async fn an_oom_killed_application_is_removed_and_its_desktop_told_once() {
    let (orchestrator, double, desktop) = fry_desktop_on_double(shipped_settings("abcdesktop").pod).await;
    let orchestrator = orchestrator.with_watcher(Duration::from_secs(600), no_metrics(), None);
    orchestrator
        .launch_application(&desktop, &fry_2048(crate::domain::apps::Engine::PodApplication))
        .await
        .unwrap();
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> =
        kube::Api::namespaced(client_for(&double).await, "abcdesktop");
    let running = within(5, || async {
        pods.get("fry-2048-00001")
            .await
            .unwrap()
            .status
            .and_then(|s| s.phase)
            .as_deref()
            == Some("Running")
    })
    .await;
    assert!(running);
    let killed = json!({"status": {"containerStatuses": [{"name": "fry-2048-00001", "image": "abcdesktopio/2048.d:3.0",
        "ready": false, "restartCount": 0, "imageID": "", "state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]}});
    pods.patch("fry-2048-00001", &Default::default(), &kube::api::Patch::Merge(killed))
        .await
        .unwrap();
    let notices = || {
        double
            .cluster
            .runtime
            .execs(&desktop.name)
            .into_iter()
            .filter(|(_, command)| command.iter().any(|part| part.contains("occall")))
            .collect::<Vec<_>>()
    };
    assert!(
        within(5, || async { !notices().is_empty() }).await,
        "the desktop was told"
    );
    let (container, command) = notices().remove(0);
    assert_eq!(container, "x-graphical");
    assert_eq!(command[2], "container");
    let notice: serde_json::Value = serde_json::from_str(&command[3]).unwrap();
    assert_eq!(notice, json!({"message": "fry-2048-00001", "name": "OOMKilled"}));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(notices().len(), 1, "told once");
}

/// `desktop.overwrite_environment_variable_for_application` runs in the desktop with the
/// engine's type, and its JSON answer overrides and extends the application's environment.
#[tokio::test]
async fn the_override_command_answers_the_applications_environment() {
    let settings = DoubleSettings {
        exec_scripts: vec![(
            "/composer/appenv.sh".into(),
            0,
            r#"[{"LANG": "fr_FR.UTF-8"}, {"APP_THEME": "dark"}]"#.into(),
        )],
        ..DoubleSettings::default()
    };
    let mut pod = shipped_settings("abcdesktop").pod;
    pod.app_env_command = Some(vec!["/composer/appenv.sh".into()]);
    let (orchestrator, double, desktop, _) = fry_desktop_with(settings, pod).await;
    let mut launch = fry_2048(crate::domain::apps::Engine::PodApplication);
    launch.env = vec![("LANG".into(), "en_US.UTF-8".into()), ("DISPLAY".into(), ":0.0".into())];
    orchestrator.launch_application(&desktop, &launch).await.unwrap();
    let pod = orchestrator.describe_desktop("fry-2048-00001").await.unwrap().unwrap();
    assert_eq!(
        pod["spec"]["containers"][0]["env"],
        json!([{"name": "LANG", "value": "fr_FR.UTF-8"}, {"name": "DISPLAY", "value": ":0.0"}, {"name": "APP_THEME", "value": "dark"}])
    );
    let asked: Vec<Vec<String>> = double
        .cluster
        .runtime
        .execs(&desktop.name)
        .into_iter()
        .map(|(_, command)| command)
        .filter(|command| command[0] == "/composer/appenv.sh")
        .collect();
    assert_eq!(asked, [vec!["/composer/appenv.sh", "--type", "pod_application"]]);
}

/// Resource usage reads files with `cat` in the graphical container, in an application
/// pod of the desktop's owner, and never in another owner's pod.
#[tokio::test]
async fn files_are_read_in_the_desktop_and_its_own_applications_only() {
    let settings = DoubleSettings {
        exec_scripts: vec![("cat".into(), 0, "52428800\n".into())],
        ..DoubleSettings::default()
    };
    let (orchestrator, double, desktop, _) = fry_desktop_with(settings, shipped_settings("abcdesktop").pod).await;
    let read = orchestrator
        .read_desktop_file(&desktop, None, "/sys/fs/cgroup/memory.current")
        .await
        .unwrap();
    assert_eq!(read.as_deref(), Some("52428800\n"));
    orchestrator
        .launch_application(&desktop, &fry_2048(crate::domain::apps::Engine::PodApplication))
        .await
        .unwrap();
    assert!(
        within(5, || async {
            orchestrator
                .read_desktop_file(&desktop, Some("fry-2048-00001".into()), "/sys/fs/cgroup/memory.current")
                .await
                .is_ok_and(|r| r.is_some())
        })
        .await
    );
    let pods: kube::Api<k8s_openapi::api::core::v1::Pod> =
        kube::Api::namespaced(client_for(&double).await, "abcdesktop");
    let foreign: k8s_openapi::api::core::v1::Pod = serde_json::from_value(json!({
        "metadata": {"name": "leela-app-00001", "labels": {"type": "pod_application"},
                     "annotations": {"deskplane.io/userid": "leela", "deskplane.io/provider": "planet"}},
        "spec": {"containers": [{"name": "leela-app-00001", "image": "x"}]}}))
    .unwrap();
    pods.create(&Default::default(), &foreign).await.unwrap();
    let refused = orchestrator
        .read_desktop_file(&desktop, Some("leela-app-00001".into()), "/etc/shadow")
        .await;
    assert!(
        matches!(refused, Err(crate::ports::OrchestratorError::NotFound(_))),
        "{refused:?}"
    );
    let asked: Vec<String> = double
        .cluster
        .runtime
        .execs("leela-app-00001")
        .into_iter()
        .map(|(_, command)| command.join(" "))
        .collect();
    assert!(asked.is_empty(), "nothing ran in another owner's pod: {asked:?}");
}
