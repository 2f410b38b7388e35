use super::*;
use crate::ports::clock::MockClock;
use crate::testkit::MemoryBanStore;
use std::sync::atomic::{AtomicI64, Ordering};

/// A clock the test moves by hand.
struct HandClock(AtomicI64);

impl Clock for HandClock {
    fn now(&self) -> UnixSeconds {
        self.0.load(Ordering::SeqCst)
    }
}

fn policy() -> BanPolicy {
    BanPolicy {
        enabled: true,
        fails_before_ban: 3,
        ban_expire_after: 600,
        protected_networks: vec!["10.0.0.0/8".parse().unwrap()],
        ipv6_prefix_len: 64,
    }
}

#[tokio::test]
async fn ipv6_neighbours_share_one_ban_per_prefix() {
    let bans = service(Arc::new(HandClock(AtomicI64::new(1_000))));
    for last in 1..=3 {
        let ip: IpAddr = format!("2001:db8::{last}").parse().unwrap();
        bans.record_ip_failure(ip).await;
    }
    assert!(
        bans.is_ip_banned("2001:db8::99".parse().unwrap()).await,
        "the /64 is banned"
    );
    assert!(
        !bans.is_ip_banned("2001:db8:0:1::1".parse().unwrap()).await,
        "the next /64 is not"
    );
    let status = bans.status(BanCollection::IpAddr, "2001:db8::5").await.unwrap();
    assert_eq!(status.count, 3, "operators look an address up and see its network");
    assert!(
        bans.is_ip_banned("::ffff:203.0.113.1".parse().unwrap()).await
            == bans.is_ip_banned("203.0.113.1".parse().unwrap()).await
    );
}

fn service(clock: Arc<HandClock>) -> BanService {
    BanService::new(policy(), Arc::new(MemoryBanStore::default()), clock)
}

#[tokio::test]
async fn failures_accumulate_until_the_threshold_bans() {
    let clock = Arc::new(HandClock(AtomicI64::new(1_000)));
    let bans = service(clock.clone());
    let ip: IpAddr = "203.0.113.5".parse().unwrap();
    for _ in 0..2 {
        bans.record_ip_failure(ip).await;
    }
    assert!(!bans.is_ip_banned(ip).await, "two failures are under the threshold");
    bans.record_ip_failure(ip).await;
    assert!(
        bans.is_ip_banned(ip).await,
        "the third failure bans (pyos never got past count 1)"
    );
    assert_eq!(
        bans.status(BanCollection::IpAddr, &ip.to_string()).await.unwrap().count,
        3
    );
}

#[tokio::test]
async fn the_window_slides_with_the_last_failure_and_then_expires() {
    let clock = Arc::new(HandClock(AtomicI64::new(1_000)));
    let bans = service(clock.clone());
    bans.record_login_failure("fry").await;
    clock.0.store(1_500, Ordering::SeqCst);
    bans.record_login_failure("fry").await;
    clock.0.store(2_000, Ordering::SeqCst);
    bans.record_login_failure("fry").await;
    assert!(
        bans.is_login_banned("fry").await,
        "500 s apart, all within a sliding 600 s window"
    );
    clock.0.store(2_599, Ordering::SeqCst);
    assert!(bans.is_login_banned("fry").await);
    clock.0.store(2_600, Ordering::SeqCst);
    assert!(
        !bans.is_login_banned("fry").await,
        "the ban ends 600 s after the last failure"
    );
    bans.record_login_failure("fry").await;
    assert_eq!(
        bans.status(BanCollection::Login, "fry").await.unwrap().count,
        1,
        "an expired record starts over"
    );
}

#[tokio::test]
async fn protected_networks_are_never_counted() {
    let clock = Arc::new(HandClock(AtomicI64::new(1_000)));
    let bans = service(clock);
    let inside: IpAddr = "10.2.3.4".parse().unwrap();
    for _ in 0..5 {
        bans.record_ip_failure(inside).await;
    }
    assert!(!bans.is_ip_banned(inside).await);
    assert!(bans.list(BanCollection::IpAddr).await.unwrap().is_empty());
}

#[tokio::test]
async fn ipv6_addresses_and_logins_with_at_signs_can_be_banned() {
    let clock = Arc::new(HandClock(AtomicI64::new(1_000)));
    let bans = service(clock);
    let v6: IpAddr = "2001:db8::7".parse().unwrap();
    bans.ban(BanCollection::IpAddr, &v6.to_string()).await.unwrap();
    bans.ban(BanCollection::Login, "fry@planetexpress.com").await.unwrap();
    assert!(bans.is_ip_banned(v6).await);
    assert!(bans.is_login_banned("fry@planetexpress.com").await);
    assert!(bans.unban(BanCollection::Login, "fry@planetexpress.com").await.unwrap());
    assert!(!bans.is_login_banned("fry@planetexpress.com").await);
}

#[tokio::test]
async fn a_disabled_policy_counts_and_bans_nothing() {
    let mut clock = MockClock::new();
    clock.expect_now().return_const(1_000_i64);
    let store = Arc::new(MemoryBanStore::default());
    let bans = BanService::new(
        BanPolicy {
            enabled: false,
            ..policy()
        },
        store.clone(),
        Arc::new(clock),
    );
    let ip: IpAddr = "203.0.113.5".parse().unwrap();
    for _ in 0..5 {
        bans.record_ip_failure(ip).await;
    }
    assert!(store.list(BanCollection::IpAddr).await.unwrap().is_empty());
    bans.ban(BanCollection::IpAddr, "203.0.113.5").await.unwrap();
    assert!(
        !bans.is_ip_banned(ip).await,
        "operator bans are stored but ignored while disabled"
    );
}

#[tokio::test]
async fn spellings_of_one_login_count_toward_one_ban() {
    let bans = service(Arc::new(HandClock(AtomicI64::new(1_000))));
    for typed in ["Philip J. Fry", "philip j. fry", "  PHILIP   J. FRY "] {
        assert!(!bans.is_login_banned("Philip J. Fry").await);
        bans.record_login_failure(typed).await;
    }
    assert!(
        bans.is_login_banned("philip J. fry").await,
        "three spellings, one account"
    );
    let status = bans.status(BanCollection::Login, "Philip J. Fry").await.unwrap();
    assert_eq!((status.count, status.isban), (3, true));
    assert!(bans.unban(BanCollection::Login, "PHILIP J. FRY").await.unwrap());
    assert!(!bans.is_login_banned("Philip J. Fry").await);
    assert!(!bans.is_login_banned("Bender").await, "other logins stay apart");
}

/// `deskplane_bans_total` counts a value once, when a failure reaches the threshold, and
/// each operator ban; failures past the threshold add nothing.
#[tokio::test]
async fn a_ban_is_counted_once_when_the_threshold_is_reached() {
    let mut metrics = crate::ports::metrics::MockMetrics::new();
    metrics.expect_ban().withf(|c| c == "login").times(2).return_const(());
    let bans = service(Arc::new(HandClock(AtomicI64::new(1_000)))).with_metrics(Arc::new(metrics));
    for _ in 0..6 {
        bans.record_login_failure("fry").await;
    }
    bans.ban(BanCollection::Login, "mallory").await.unwrap();
}
