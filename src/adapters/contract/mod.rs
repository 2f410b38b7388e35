//! Port contracts: one suite per port, run against every adapter (the memory ones here;
//! Kubernetes, MongoDB, Memcached, Redis and LDAP adapters call the same functions).

mod datastore;
mod identity;
mod services;
mod stores;

pub use datastore::datastore_browser_contract;
pub use identity::{geolocation_contract, oauth_provider_contract};
pub use services::{closed_port, service_url, unique_prefix};
pub use stores::*;

use crate::domain::apps::{App, AppLaunchSpec, AppRef, Engine};
use crate::domain::desktop::{
    DesktopCookies, DesktopOwner, DesktopPhase, DesktopSpec, PosixAccount, RemovalScope, UserSecret,
};
use crate::domain::identity::UserId;
use crate::domain::owner_names::DesktopName;
use crate::domain::secret::Secret;
use crate::ports::orchestrator::{ApplicationRuntime, DesktopOrchestrator, OrchestratorError, ProgressSink};
use crate::ports::user_secrets::UserSecretStore;
use async_trait::async_trait;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

/// Records progress messages.
#[derive(Default)]
pub struct RecordedProgress(pub Mutex<Vec<String>>);

#[async_trait]
impl ProgressSink for RecordedProgress {
    async fn publish(&self, message: &str) {
        self.0.lock().unwrap().push(message.to_owned());
    }
}

/// A fresh progress recorder, shared the way the domain hands it to an orchestrator.
pub fn progress() -> Arc<RecordedProgress> {
    Arc::new(RecordedProgress::default())
}

/// An owner for contract tests.
pub fn owner(userid: &str) -> DesktopOwner {
    DesktopOwner {
        userid: UserId::parse(userid).unwrap(),
        provider: "planet".into(),
        providertype: "ldap".into(),
        name: format!("{userid} name"),
    }
}

/// A desktop spec for contract tests.
pub fn spec(userid: &str) -> DesktopSpec {
    DesktopSpec {
        name: DesktopName::for_owner(&owner(userid), userid),
        owner: owner(userid),
        labels: BTreeMap::from([("shipcrew".to_owned(), "true".to_owned())]),
        env: vec![("LANG".into(), "C.UTF-8".into())],
        vnc_password: Secret::new("vncpassword0001"),
        cookies: DesktopCookies {
            xauth_key: Secret::new("aa"),
            pulseaudio_cookie: Secret::new("bb"),
            broadcast_cookie: Secret::new("cc"),
        },
        execute_class: "default".into(),
        posix: PosixAccount {
            uid: userid.into(),
            gid: userid.into(),
            uid_number: 4096,
            gid_number: 4096,
            home_directory: format!("/home/{userid}"),
            login_shell: "/bin/bash".into(),
            gecos: userid.into(),
            groups: Vec::new(),
        },
        websocketrouting: "http_origin".into(),
        now: 1_000,
    }
}

pub(super) fn app() -> App {
    let image = serde_json::json!({"RepoTags": ["abcdesktopio/xterm.d:3.0"], "Id": "sha256:1",
        "Config": {"Labels": {"oc.launch": "xterm.XTerm", "oc.name": "xterm", "oc.icon": "xterm.svg"}}});
    App::from_image(&image, "abcdesktop").unwrap()
}

/// The orchestrator contract: secrets, create/find/resume, idempotent create, apps, removal.
pub async fn orchestrator_contract<O: DesktopOrchestrator + ApplicationRuntime + UserSecretStore>(orchestrator: &O) {
    let fry = owner("fry");
    let secrets = vec![UserSecret {
        files: Default::default(),
        kind: "localaccount".into(),
        data: BTreeMap::from([("uid".to_owned(), "fry".to_owned())]),
    }];
    orchestrator.prepare_user_resources(&fry, &secrets).await.unwrap();
    assert_eq!(
        orchestrator.read_user_secret(&fry, "localaccount").await.unwrap(),
        Some(secrets[0].clone())
    );
    assert!(orchestrator.find_desktop(&fry).await.unwrap().is_none());
    // A logout without a desktop takes the user's secrets, and only theirs; a secret of
    // bytes (a keytab) is one too.
    let mut keytab = UserSecret {
        files: BTreeMap::from([("keytab".to_owned(), vec![5, 2, 0xff])]),
        kind: "kerberos".into(),
        data: BTreeMap::new(),
    };
    let leela = owner("leela");
    orchestrator.prepare_user_resources(&leela, &secrets).await.unwrap();
    orchestrator
        .prepare_user_resources(&fry, std::slice::from_ref(&keytab))
        .await
        .unwrap();
    keytab = orchestrator.read_user_secret(&fry, "kerberos").await.unwrap().unwrap();
    assert_eq!(keytab.files["keytab"], [5, 2, 0xff]);
    orchestrator.remove_user_resources(&fry).await.unwrap();
    assert!(orchestrator.list_user_secret_types(&fry).await.unwrap().is_empty());
    assert!(
        orchestrator
            .read_user_secret(&leela, "localaccount")
            .await
            .unwrap()
            .is_some()
    );
    orchestrator.prepare_user_resources(&fry, &secrets).await.unwrap();

    let recorded = progress();
    let created = orchestrator
        .create_desktop(&spec("fry"), recorded.clone())
        .await
        .unwrap();
    assert_eq!(created.phase, DesktopPhase::Running);
    assert!(
        created.unreachable_reason().is_none(),
        "a new desktop has an address and a VNC password"
    );
    assert_eq!(
        created.vnc_password.as_ref().map(Secret::expose),
        Some("vncpassword0001")
    );
    assert!(!recorded.0.lock().unwrap().is_empty(), "progress is published");
    let again = orchestrator.create_desktop(&spec("fry"), progress()).await.unwrap();
    assert_eq!(again.name, created.name, "create is idempotent on the name");
    assert_eq!(orchestrator.list_desktops().await.unwrap().len(), 1);
    assert!(
        orchestrator.prepull_image(&app().id, None).await.unwrap(),
        "a pre-pull starts on the nodes desktops run on"
    );
    assert_eq!(
        orchestrator.list_desktops().await.unwrap().len(),
        1,
        "a pull is not a desktop"
    );
    let types = orchestrator.list_user_secret_types(&fry).await.unwrap();
    assert!(
        types.iter().any(|t| t.ends_with("/vnc")) && types.iter().any(|t| t.ends_with("/localaccount")),
        "{types:?}"
    );

    let found = orchestrator.find_desktop(&fry).await.unwrap().expect("found");
    assert_eq!(found.name, created.name);
    assert!(
        orchestrator.find_desktop(&owner("leela")).await.unwrap().is_none(),
        "other users do not see it"
    );
    let resumed = orchestrator.resume_desktop(&found, 2_000).await.unwrap();
    assert_eq!(resumed.last_login, Some(2_000));

    let spec_app = AppLaunchSpec {
        name: "fry-xterm-00001".into(),
        app: app(),
        env: vec![("APP".into(), "/usr/bin/xterm".into())],
        engine: Engine::EphemeralContainer,
        posix: spec("fry").posix,
    };
    let launched = orchestrator.launch_application(&found, &spec_app).await.unwrap();
    assert_eq!(launched.container_id, "fry-xterm-00001");
    // An application starts asynchronously: wait (bounded) until it runs.
    let mut apps = Vec::new();
    for _ in 0..100 {
        apps = orchestrator.list_applications(&found).await.unwrap();
        if apps.first().is_some_and(|a| a.status == "Running") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].status, "Running");
    let app_ref = AppRef {
        podname: apps[0].podname.clone(),
        containerid: apps[0].id.clone(),
    };
    // Ownership is the user id and the provider; the display name may come back normalised.
    let recorded = orchestrator
        .owner_of(&app_ref.podname)
        .await
        .unwrap()
        .expect("an owner");
    assert_eq!((&recorded.userid, &recorded.provider), (&fry.userid, &fry.provider));
    assert_eq!(
        orchestrator.application_env(&found, &app_ref).await.unwrap().get("APP"),
        Some(&Some("/usr/bin/xterm".to_owned()))
    );
    assert!(
        !orchestrator
            .application_logs(&found, &app_ref)
            .await
            .unwrap()
            .is_empty()
    );
    // Kubernetes cannot stop an ephemeral container; an adapter may answer false, but
    // when it says it removed one, the application is gone.
    orchestrator.stop_application(&found, &app_ref).await.unwrap();
    if orchestrator.remove_application(&found, &app_ref).await.unwrap() {
        assert!(
            orchestrator
                .list_applications(&found)
                .await
                .unwrap()
                .iter()
                .all(|a| a.id != app_ref.containerid)
        );
    }
    let missing = AppRef {
        podname: found.name.clone(),
        containerid: "nope".into(),
    };
    assert!(matches!(
        orchestrator.application_logs(&found, &missing).await,
        Err(OrchestratorError::NotFound(_))
    ));

    orchestrator
        .remove_desktop(&found, RemovalScope::Everything)
        .await
        .unwrap();
    assert!(orchestrator.find_desktop(&fry).await.unwrap().is_none());
    assert!(
        orchestrator
            .read_user_secret(&fry, "localaccount")
            .await
            .unwrap()
            .is_none(),
        "full removal deletes secrets"
    );
    // A removed desktop may linger while it terminates; one that never existed is NotFound.
    let never = crate::domain::desktop::Desktop {
        name: "nobody-00000".into(),
        ..found.clone()
    };
    assert!(matches!(
        orchestrator.remove_desktop(&never, RemovalScope::PodOnly).await,
        Err(OrchestratorError::NotFound(_))
    ));
}

/// Two owners forced onto one desktop name (a clash no name function can rule out for a
/// name taken by hand): neither can adopt, read or delete the other's desktop or secrets.
/// Same user id under another provider is another owner too. Needs an empty backend.
pub async fn owner_collision_contract<O: DesktopOrchestrator + UserSecretStore>(orchestrator: &O) {
    let victim = spec("victim");
    let account = vec![UserSecret {
        files: Default::default(),
        kind: "localaccount".into(),
        data: BTreeMap::from([("uid".to_owned(), "victim".to_owned())]),
    }];
    orchestrator
        .prepare_user_resources(&victim.owner, &account)
        .await
        .unwrap();
    let created = orchestrator.create_desktop(&victim, progress()).await.unwrap();
    let mut intruder = spec("intruder");
    intruder.name = victim.name.clone();
    intruder.vnc_password = Secret::new("intruderpass001");
    let mut namesake = spec("victim");
    namesake.owner.provider = "corp".into();
    namesake.vnc_password = Secret::new("namesakepass001");
    for clash in [&intruder, &namesake] {
        let outcome = orchestrator.create_desktop(clash, progress()).await;
        assert!(
            matches!(outcome, Err(OrchestratorError::OwnerMismatch(_))),
            "a foreign desktop is never adopted: {outcome:?}"
        );
        assert!(
            orchestrator.find_desktop(&clash.owner).await.unwrap().is_none(),
            "nor found for the other owner"
        );
        assert!(
            orchestrator
                .read_user_secret(&clash.owner, "vnc")
                .await
                .unwrap()
                .is_none(),
            "nor its VNC secret"
        );
    }
    let kept = orchestrator
        .find_desktop(&victim.owner)
        .await
        .unwrap()
        .expect("the owner keeps the desktop");
    assert_eq!(kept.name, created.name);
    assert_eq!(
        kept.vnc_password.as_ref().map(Secret::expose),
        Some("vncpassword0001"),
        "with the owner's password, not overwritten"
    );
    let secrets = vec![UserSecret {
        files: Default::default(),
        kind: "posixaccount".into(),
        data: BTreeMap::from([("uidNumber".to_owned(), "1002".to_owned())]),
    }];
    orchestrator
        .prepare_user_resources(&namesake.owner, &secrets)
        .await
        .unwrap();
    assert!(
        orchestrator
            .read_user_secret(&victim.owner, "posixaccount")
            .await
            .unwrap()
            .is_none(),
        "the namesake's secrets are its own"
    );
}
