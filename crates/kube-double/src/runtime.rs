//! What the double keeps beside the API objects: pod addresses, container logs, the
//! commands exec ran and how often each injected fault has fired. None of it has a resource version or a watch.

use super::Fault;
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

#[derive(Default)]
struct State {
    next_ip: u32,
    logs: BTreeMap<(String, String, String), Vec<String>>,
    fault_uses: BTreeMap<usize, u32>,
    /// The most recent exec commands: (pod, container, command).
    execs: std::collections::VecDeque<(String, String, Vec<String>)>,
}

/// Exec commands remembered (the oldest are forgotten past it).
const EXEC_HISTORY: usize = 1000;

/// The node-side state, under its own lock so log writes never wait on object writes.
#[derive(Default)]
pub struct Runtime {
    state: Mutex<State>,
}

impl Runtime {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Hands out the next pod address (10.42.0.0/16).
    pub fn next_pod_ip(&self) -> String {
        let mut state = self.lock();
        state.next_ip += 1;
        let n = state.next_ip;
        format!("10.42.{}.{}", (n / 250) % 250, n % 250 + 2)
    }

    /// Appends a log line of a container.
    pub fn log(&self, namespace: &str, pod: &str, container: &str, line: String) {
        self.lock()
            .logs
            .entry((namespace.into(), pod.into(), container.into()))
            .or_default()
            .push(line);
    }

    /// The log of a container, `None` when it never ran.
    pub fn logs(&self, namespace: &str, pod: &str, container: &str) -> Option<String> {
        self.lock()
            .logs
            .get(&(namespace.into(), pod.into(), container.into()))
            .map(|lines| lines.join("\n") + "\n")
    }

    /// Remembers an exec command.
    pub fn record_exec(&self, pod: &str, container: &str, command: &[String]) {
        let mut state = self.lock();
        if state.execs.len() == EXEC_HISTORY {
            state.execs.pop_front();
        }
        state
            .execs
            .push_back((pod.to_owned(), container.to_owned(), command.to_vec()));
    }

    /// The exec commands run in `pod`, oldest first: (container, command).
    pub fn execs(&self, pod: &str) -> Vec<(String, Vec<String>)> {
        self.lock()
            .execs
            .iter()
            .filter(|(p, _, _)| p == pod)
            .map(|(_, container, command)| (container.clone(), command.clone()))
            .collect()
    }

    /// The first of `faults` matching this request that still has uses left, counting the use.
    pub fn fault_for(&self, faults: &[Fault], verb: &str, resource: &str) -> Option<u16> {
        let mut state = self.lock();
        let (index, fault) = faults
            .iter()
            .enumerate()
            .find(|(_, f)| (f.verb == "*" || f.verb == verb) && (f.resource == "*" || f.resource == resource))?;
        let used = state.fault_uses.entry(index).or_default();
        if fault.times.is_some_and(|times| *used >= times) {
            return None;
        }
        *used += 1;
        Some(fault.status)
    }
}
