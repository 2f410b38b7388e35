//! Watch streams: newline-delimited JSON events, as the API server sends them.

use super::resources::Resource;
use super::selectors::Selector;
use super::store::{Change, Cluster};
use bytes::Bytes;
use futures::Stream;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};
use tokio::time::Instant;

/// What a watch asks for.
pub struct WatchRequest {
    /// Resource.
    pub resource: Resource,
    /// Namespace, or all.
    pub namespace: Option<String>,
    /// Label selector.
    pub labels: Selector,
    /// Field selector.
    pub fields: Selector,
    /// Resume after this resource version (`None` or 0: start with the current objects).
    pub since: Option<u64>,
    /// When the stream ends.
    pub timeout: Duration,
    /// Send BOOKMARK events.
    pub bookmarks: bool,
}

/// Counts a watch as open from its start until its stream is dropped.
struct OpenWatch(Arc<Cluster>);

impl OpenWatch {
    fn new(cluster: Arc<Cluster>) -> Self {
        cluster.open_watches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Self(cluster)
    }
}

impl Drop for OpenWatch {
    fn drop(&mut self) {
        self.0.open_watches.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

struct WatchState {
    _open: OpenWatch,
    cluster: Arc<Cluster>,
    request: WatchRequest,
    receiver: broadcast::Receiver<Change>,
    pending: VecDeque<Bytes>,
    last_sent: u64,
    // Timers made once per watch, not once per event received.
    deadline: std::pin::Pin<Box<tokio::time::Sleep>>,
    next_bookmark: std::pin::Pin<Box<tokio::time::Sleep>>,
    finished: bool,
}

const BOOKMARK_EVERY: Duration = Duration::from_secs(2);

/// One event line. `object` is already JSON text: nothing is cloned or serialised twice.
fn line_of(kind: &str, object: &str) -> Bytes {
    Bytes::from(format!("{{\"type\":\"{kind}\",\"object\":{object}}}\n"))
}

fn line(kind: &str, object: &Value) -> Bytes {
    line_of(kind, &object.to_string())
}

impl WatchState {
    fn wanted(&self, change: &Change) -> bool {
        change.revision > self.last_sent
            && change.resource == self.request.resource.plural
            && (self.request.namespace.is_none() || change.namespace == self.request.namespace)
            && Cluster::selects(&change.object, &self.request.labels, &self.request.fields)
    }

    fn push(&mut self, change: &Change) {
        if self.wanted(change) {
            self.pending.push_back(line_of(change.kind, change.text()));
            self.last_sent = change.revision;
        }
    }
}

/// Starts a watch. The first events replay the current objects (as ADDED) or the changes
/// since `since`; a `since` older than the kept history yields one ERROR event with a 410.
pub fn stream(cluster: Arc<Cluster>, request: WatchRequest) -> impl Stream<Item = Result<Bytes, Infallible>> + Send {
    let receiver = cluster.subscribe();
    let now = Instant::now();
    let mut state = WatchState {
        _open: OpenWatch::new(cluster.clone()),
        cluster: cluster.clone(),
        deadline: Box::pin(tokio::time::sleep_until(now + request.timeout)),
        next_bookmark: Box::pin(tokio::time::sleep_until(now + BOOKMARK_EVERY)),
        receiver,
        pending: VecDeque::new(),
        last_sent: 0,
        finished: false,
        request,
    };
    match state.request.since.filter(|rv| *rv > 0) {
        Some(since) => match cluster.changes_since(since) {
            Ok(changes) => {
                state.last_sent = since;
                for change in &changes {
                    state.push(change);
                }
            }
            Err(status) => {
                state.pending.push_back(line("ERROR", &status.to_json()));
                state.finished = true;
            }
        },
        None => {
            let (items, revision) = cluster.list(
                &state.request.resource,
                state.request.namespace.as_deref(),
                &state.request.labels,
                &state.request.fields,
            );
            for item in &items {
                state.pending.push_back(line("ADDED", item));
            }
            state.last_sent = revision;
        }
    }
    futures::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(bytes) = state.pending.pop_front() {
                return Some((Ok(bytes), state));
            }
            if state.finished {
                return None;
            }
            tokio::select! {
                received = state.receiver.recv() => match received {
                    Ok(change) => state.push(&change),
                    // A watcher that falls behind is closed, like an API server does; the
                    // client resumes from its last resource version.
                    Err(RecvError::Lagged(_) | RecvError::Closed) => return None,
                },
                () = &mut state.deadline => return None,
                () = &mut state.next_bookmark, if state.request.bookmarks => {
                    state.next_bookmark.as_mut().reset(Instant::now() + BOOKMARK_EVERY);
                    let revision = state.cluster.revision().max(state.last_sent);
                    let resource = state.request.resource;
                    let bookmark = json!({"kind": resource.kind, "apiVersion": resource.api_version,
                                          "metadata": {"resourceVersion": revision.to_string()}});
                    state.pending.push_back(line("BOOKMARK", &bookmark));
                }
            }
        }
    })
}
