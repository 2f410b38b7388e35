//! Work that runs beside the API for the life of the server: the scheduled garbage
//! collector, on the replica holding the lease only, and the catalog follower.

use crate::domain::apps::CatalogService;
use crate::domain::desktop::{DesktopService, GcRequest};
use crate::domain::request::RequestFacts;
use crate::ports::{LeaderElection, Metrics};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// Background tasks, stopped when dropped.
#[derive(Default)]
pub struct BackgroundTasks(Vec<JoinHandle<()>>);

impl BackgroundTasks {
    /// Adds a task.
    pub fn push(&mut self, task: JoinHandle<()>) {
        self.0.push(task);
    }
}

impl Drop for BackgroundTasks {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Keeps this replica's catalog in step with the store's changes.
pub fn catalog_follower(catalog: Arc<CatalogService>) -> JoinHandle<()> {
    tokio::spawn(async move { catalog.follow_changes().await })
}

/// Every `interval`, if this replica holds the lease, collects idle desktops.
pub fn scheduled_garbage_collection(
    desktops: Arc<DesktopService>,
    leader: Arc<dyn LeaderElection>,
    interval: Duration,
    request: GcRequest,
    metrics: Arc<dyn Metrics>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let facts = RequestFacts::from_ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let mut ticks = tokio::time::interval(interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let held = leader.hold().await;
            metrics.leader(matches!(held, Ok(true)));
            match held {
                Ok(true) => match desktops.collect_garbage(&request, &facts).await {
                    Ok(removed) if !removed.is_empty() => {
                        tracing::info!(?removed, "scheduled garbage collection removed desktops")
                    }
                    Ok(_) => {}
                    Err(error) => tracing::warn!(%error, "scheduled garbage collection failed"),
                },
                Ok(false) => tracing::debug!("another replica holds the garbage collector lease"),
                Err(error) => tracing::warn!(%error, "cannot reach the lease; skipping this garbage collection"),
            }
        }
    })
}
