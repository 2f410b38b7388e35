//! A simulated cluster: desktops get an address, a VNC password and logs; applications are
//! containers with states, logs and environments. Nothing runs, but every port contract
//! holds, so the whole user journey works with no external service.

mod applications;
mod desktops;
mod secrets;

use crate::domain::apps::Engine;
use crate::domain::desktop::{Desktop, DesktopOwner, UserSecret};
use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

/// Knobs of the simulation.
#[derive(Debug, Clone)]
pub struct SimulationSettings {
    /// Namespace used in secret types (`<namespace>/vnc`).
    pub namespace: String,
    /// How long a desktop takes to start.
    pub start_delay: Duration,
    /// First address handed to desktops; later ones count up.
    pub first_address: Ipv4Addr,
    /// Node name reported for every desktop.
    pub node: String,
    /// Most users whose secrets are kept; past it, the oldest users without a desktop
    /// lose theirs (their next launch asks them to log in again). Anonymous logins are
    /// free, so without this cap they could fill the quick start's memory.
    pub max_secret_owners: usize,
}

impl Default for SimulationSettings {
    fn default() -> Self {
        Self {
            namespace: "abcdesktop".into(),
            start_delay: Duration::ZERO,
            first_address: Ipv4Addr::new(10, 244, 0, 10),
            node: "memory-node".into(),
            max_secret_owners: 100_000,
        }
    }
}

/// The simulated orchestrator (both the desktop and the application port).
pub struct MemoryOrchestrator {
    settings: SimulationSettings,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    desktops: BTreeMap<String, SimDesktop>,
    secrets: BTreeMap<(String, String), BTreeMap<String, UserSecret>>,
    /// Owners of `secrets`, oldest first.
    secret_order: std::collections::VecDeque<(String, String)>,
    app_pods: BTreeMap<String, SimApp>,
    next_address: u32,
    next_container: u64,
}

struct SimDesktop {
    desktop: Desktop,
    vnc_password: crate::domain::secret::Secret,
    env: Vec<(String, String)>,
    apps: Vec<SimApp>,
    logs: Vec<String>,
}

#[derive(Clone)]
struct SimApp {
    name: String,
    owner: DesktopOwner,
    image: String,
    status: String,
    container_id: String,
    env: Vec<(String, String)>,
    logs: Vec<String>,
    engine: Engine,
}

fn owner_key(owner: &DesktopOwner) -> (String, String) {
    (owner.userid.to_string(), owner.provider.clone())
}

impl MemoryOrchestrator {
    /// Builds an empty simulated cluster.
    pub fn new(settings: SimulationSettings) -> Self {
        Self {
            settings,
            state: Mutex::new(State::default()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// The secrets of `owner`, made room for under `cap` owners.
    fn secrets_of(&mut self, owner: (String, String), cap: usize) -> &mut BTreeMap<String, UserSecret> {
        if !self.secrets.contains_key(&owner) {
            let mut kept = std::collections::VecDeque::new();
            while self.secrets.len() >= cap.max(1) {
                let Some(oldest) = self.secret_order.pop_front() else {
                    break;
                };
                let has_desktop = self.desktops.values().any(|d| owner_key(&d.desktop.owner) == oldest);
                if has_desktop {
                    kept.push_back(oldest);
                } else {
                    self.secrets.remove(&oldest);
                }
            }
            // Owners kept for their desktop go back to the front, in their order; the
            // queue itself is never copied (a copy per new owner made logins O(n)).
            while let Some(owner_with_desktop) = kept.pop_back() {
                self.secret_order.push_front(owner_with_desktop);
            }
            self.secret_order.push_back(owner.clone());
        }
        self.secrets.entry(owner).or_default()
    }

    fn allocate_address(&mut self, first: Ipv4Addr) -> String {
        let address = Ipv4Addr::from(u32::from(first).wrapping_add(self.next_address));
        self.next_address = self.next_address.wrapping_add(1);
        address.to_string()
    }

    fn allocate_container_id(&mut self) -> String {
        self.next_container += 1;
        format!("memory://{:012x}", self.next_container)
    }
}

#[cfg(test)]
mod tests;
