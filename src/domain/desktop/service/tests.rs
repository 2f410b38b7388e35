use super::*;
use crate::domain::desktop::GcRequest;
use crate::domain::history::DesktopEventType;
use crate::domain::progress::STOP_MARKER;
use crate::domain::tokens::DesktopClaims;
use crate::ports::DesktopHistory;
use crate::ports::cache::Cache;
use crate::ports::orchestrator::MockDesktopOrchestrator;
use crate::testkit::{desktop_kit, desktop_kit_with, identity, memory_orchestrator, slow_memory_orchestrator};

pub(super) fn facts() -> RequestFacts {
    let mut facts = RequestFacts::from_ip("192.0.2.10".parse().unwrap());
    facts.headers = vec![
        ("origin".into(), "http://desk.example.org:30443".into()),
        ("user-agent".into(), "Mozilla/5.0 (X11; Linux x86_64)".into()),
    ];
    facts
}

/// The pending progress message of `who`, read from the cache as `getmessageinfo` does.
async fn progress_of(kit: &crate::testkit::DesktopKit, who: &crate::domain::identity::Identity) -> Option<String> {
    let key = format!("progress/{}", crate::domain::owner_names::cache_key(&who.owner()));
    kit.cache.get(&key).await.unwrap()
}

pub(super) async fn events(kit: &crate::testkit::DesktopKit, userid: &str) -> Vec<DesktopEventType> {
    kit.history
        .list_for(&identity(userid).userid)
        .await
        .unwrap()
        .iter()
        .map(|e| e.eventtype)
        .collect()
}

#[tokio::test]
async fn a_cold_start_creates_and_a_second_launch_resumes_the_same_desktop() {
    let orchestrator = memory_orchestrator();
    let kit = desktop_kit(orchestrator.clone());
    kit.sign_in("fry").await;
    kit.sign_in("leela").await;
    let fry = identity("fry");
    let first = kit
        .service
        .launch(&fry, &facts(), &LaunchRequest::default())
        .await
        .unwrap();
    assert_eq!(
        first.target_ip, "desk.example.org",
        "http_origin routing uses the Origin host"
    );
    assert_eq!(first.websockettcpport, 6081);
    assert_eq!(first.expire_in, 240);
    assert_eq!(first.vncpassword.expose().len(), 15);
    let claims: DesktopClaims = serde_json::from_str(&first.authorization).unwrap();
    assert_eq!(claims.hash, "sealed:10.244.0.10");
    assert_eq!(progress_of(&kit, &fry).await.as_deref(), Some(STOP_MARKER));

    kit.clock.set(10_500);
    let second = kit
        .service
        .launch(&fry, &facts(), &LaunchRequest::default())
        .await
        .unwrap();
    assert_eq!(second.vncpassword, first.vncpassword, "the running desktop is reused");
    assert_eq!(orchestrator.list_desktops().await.unwrap().len(), 1);
    assert_eq!(orchestrator.list_desktops().await.unwrap()[0].last_login, Some(10_500));
    assert_eq!(
        events(&kit, "fry").await,
        [DesktopEventType::Start, DesktopEventType::Resume]
    );
}

#[tokio::test]
async fn a_desktop_with_other_unique_labels_is_replaced() {
    let orchestrator = memory_orchestrator();
    let kit = desktop_kit(orchestrator.clone());
    kit.sign_in("fry").await;
    kit.sign_in("leela").await;
    let mut fry = identity("fry");
    fry.labels.insert("executeclassname".into(), "bronze".into());
    kit.service
        .launch(&fry, &facts(), &LaunchRequest::default())
        .await
        .unwrap();
    fry.labels.insert("executeclassname".into(), "gold".into());
    kit.service
        .launch(&fry, &facts(), &LaunchRequest::default())
        .await
        .unwrap();
    let desktops = orchestrator.list_desktops().await.unwrap();
    assert_eq!(desktops.len(), 1);
    assert_eq!(
        desktops[0].labels.get("executeclassname").map(String::as_str),
        Some("gold")
    );
    assert_eq!(
        events(&kit, "fry").await,
        [DesktopEventType::Start, DesktopEventType::Start]
    );
}

#[tokio::test]
async fn the_desktop_environment_carries_the_request_and_the_labels() {
    let orchestrator = memory_orchestrator();
    let kit = desktop_kit(orchestrator.clone());
    kit.sign_in("fry").await;
    kit.sign_in("leela").await;
    let mut fry = identity("fry");
    fry.labels.insert("shipcrew".into(), "true".into());
    kit.service
        .launch(
            &fry,
            &facts(),
            &LaunchRequest {
                locale: Some("fr_FR".into()),
            },
        )
        .await
        .unwrap();
    let name = &orchestrator.list_desktops().await.unwrap()[0].name;
    let pod = orchestrator.describe_desktop(name).await.unwrap().unwrap();
    let env: Vec<(String, String)> = pod["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let names: Vec<&str> = env.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(names[0], "X11LISTEN", "envlocal comes first");
    assert!(env.contains(&("LANG".into(), "fr_FR.UTF-8".into())));
    assert!(env.contains(&("ABCDESKTOP_WEBCLIENT_SOURCEIPADDR".into(), "192.0.2.10".into())));
    assert!(env.contains(&("ABCDESKTOP_WEBCLIENT_USERAGENT_OS_FAMILY".into(), "Linux".into())));
    assert!(env.contains(&("ABCDESKTOP_LABEL_shipcrew".into(), "true".into())));
}

#[tokio::test]
async fn a_failed_creation_is_reported_and_the_progress_still_stops() {
    let mut orchestrator = MockDesktopOrchestrator::new();
    orchestrator.expect_find_desktop().returning(|_| Ok(None));
    orchestrator.expect_create_desktop().returning(|_, _| {
        Err(OrchestratorError::StartFailed(
            "e.Your pod does not start, status is Pending reason is ErrImagePull".into(),
        ))
    });
    let kit = desktop_kit_with(Arc::new(orchestrator), memory_orchestrator());
    let fry = kit.sign_in("fry").await;
    let error = kit
        .service
        .launch(&identity("fry"), &facts(), &LaunchRequest::default())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, DesktopError::CreationFailed(text) if text.contains("ErrImagePull")),
        "{error}"
    );
    assert_eq!(progress_of(&kit, &fry).await.as_deref(), Some(STOP_MARKER));
}

/// A replica that finds the user's desktop still Pending (another replica is starting it)
/// joins that start: it neither resumes nor deletes it (pyos deleted it, failing the other
/// replica's launch with "your pod was deleted while it was starting").
#[tokio::test]
async fn a_desktop_still_starting_elsewhere_is_joined_not_replaced() {
    let simulation = memory_orchestrator();
    let kit = desktop_kit(simulation.clone());
    let fry = kit.sign_in("fry").await;
    let running = kit
        .service
        .launch(&fry, &facts(), &LaunchRequest::default())
        .await
        .unwrap();
    let mut starting = simulation.find_desktop(&fry.owner()).await.unwrap().unwrap();
    starting.phase = crate::domain::desktop::DesktopPhase::Pending;
    let mut orchestrator = MockDesktopOrchestrator::new();
    orchestrator
        .expect_find_desktop()
        .returning(move |_| Ok(Some(starting.clone())));
    orchestrator.expect_resume_desktop().never();
    orchestrator.expect_remove_desktop().never();
    let adopted = simulation.clone();
    orchestrator.expect_create_desktop().times(1).returning(move |spec, _| {
        let found = futures::executor::block_on(adopted.find_desktop(&spec.owner));
        found.map(|d| d.expect("the simulation holds the desktop"))
    });
    let kit = desktop_kit_with(Arc::new(orchestrator), simulation);
    kit.sign_in("fry").await;
    let joined = kit
        .service
        .launch(&fry, &facts(), &LaunchRequest::default())
        .await
        .unwrap();
    assert_eq!(joined.target_ip, running.target_ip);
}

/// Counts creates, then hands every call to a slow-starting simulation: without the
/// per-user launch lock, concurrent launches would all find no desktop and all create.
struct CountingCreates {
    inner: Arc<dyn DesktopOrchestrator>,
    creates: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl DesktopOrchestrator for CountingCreates {
    async fn find_desktop(
        &self,
        owner: &crate::domain::desktop::DesktopOwner,
    ) -> Result<Option<Desktop>, OrchestratorError> {
        self.inner.find_desktop(owner).await
    }
    async fn create_desktop(
        &self,
        spec: &crate::domain::desktop::DesktopSpec,
        progress: Arc<dyn crate::ports::orchestrator::ProgressSink>,
    ) -> Result<Desktop, OrchestratorError> {
        self.creates.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        self.inner.create_desktop(spec, progress).await
    }
    async fn resume_desktop(&self, desktop: &Desktop, now: i64) -> Result<Desktop, OrchestratorError> {
        self.inner.resume_desktop(desktop, now).await
    }
    async fn remove_desktop(&self, desktop: &Desktop, scope: RemovalScope) -> Result<(), OrchestratorError> {
        self.inner.remove_desktop(desktop, scope).await
    }
    async fn list_desktops(&self) -> Result<Vec<Desktop>, OrchestratorError> {
        self.inner.list_desktops().await
    }
    async fn get_desktop(&self, name: &str) -> Result<Option<Desktop>, OrchestratorError> {
        self.inner.get_desktop(name).await
    }
    async fn describe_desktop(&self, name: &str) -> Result<Option<serde_json::Value>, OrchestratorError> {
        self.inner.describe_desktop(name).await
    }
    async fn desktop_logs(&self, desktop: &Desktop) -> Result<String, OrchestratorError> {
        self.inner.desktop_logs(desktop).await
    }
    async fn count_connections(&self, desktop: &Desktop) -> Result<u32, OrchestratorError> {
        self.inner.count_connections(desktop).await
    }
    async fn read_desktop_file(
        &self,
        desktop: &Desktop,
        container: Option<String>,
        path: &str,
    ) -> Result<Option<String>, OrchestratorError> {
        self.inner.read_desktop_file(desktop, container, path).await
    }
}

#[tokio::test]
async fn concurrent_launches_of_one_user_make_one_desktop() {
    let counting = Arc::new(CountingCreates {
        inner: slow_memory_orchestrator(std::time::Duration::from_millis(50)),
        creates: Default::default(),
    });
    let kit = desktop_kit(counting.clone());
    let fry = kit.sign_in("fry").await;
    let launches: Vec<_> = (0..8)
        .map(|_| {
            let (service, fry) = (kit.service.clone(), fry.clone());
            tokio::spawn(async move {
                service
                    .launch(&fry, &facts(), &LaunchRequest::default())
                    .await
                    .map(|d| d.vncpassword)
            })
        })
        .collect();
    let mut passwords = Vec::new();
    for launch in launches {
        passwords.push(launch.await.unwrap().unwrap());
    }
    assert_eq!(
        counting.creates.load(std::sync::atomic::Ordering::SeqCst),
        1,
        "the lock lets one launch create; the others find its desktop"
    );
    assert!(
        passwords.windows(2).all(|w| w[0] == w[1]),
        "every launch got the same desktop"
    );
    assert_eq!(counting.list_desktops().await.unwrap().len(), 1);
}

#[tokio::test]
async fn launches_over_the_cap_or_the_user_rate_are_refused_with_a_delay() {
    let kit = crate::testkit::desktop_kit_shaped(
        slow_memory_orchestrator(std::time::Duration::from_millis(200)),
        memory_orchestrator(),
        |service, clock| {
            service.with_concurrent_launch_cap(1).with_user_launch_limit(Arc::new(
                crate::domain::rate_limit::RateLimiter::new(2, Vec::new(), clock),
            ))
        },
    );
    let service = kit.service.clone();
    let fry = kit.sign_in("fry").await;
    let leela = kit.sign_in("leela").await;
    let (here, request) = (facts(), LaunchRequest::default());
    let (first, second) = tokio::join!(service.launch(&fry, &here, &request), async {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        service.launch(&leela, &facts(), &LaunchRequest::default()).await
    });
    first.unwrap();
    assert!(
        matches!(second, Err(DesktopError::RateLimited(limited)) if limited.retry_after == 5),
        "one launch at a time: the second waits for no one, it is told to retry"
    );
    service.launch(&fry, &facts(), &LaunchRequest::default()).await.unwrap();
    let third = service.launch(&fry, &facts(), &LaunchRequest::default()).await;
    assert!(
        matches!(third, Err(DesktopError::RateLimited(_))),
        "two launches a minute for fry"
    );
    service
        .launch(&leela, &facts(), &LaunchRequest::default())
        .await
        .expect("leela has her own count");
}

mod removal;
