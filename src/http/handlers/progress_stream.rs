//! `GET /API/core/progress`: the caller's launch progress as Server-Sent Events, one event
//! per message, ending after `stopinfo`. It follows the progress key in the shared cache,
//! so it works through any replica, whichever one launches; `getmessageinfo` polling is
//! unchanged beside it (it removes the message it reads; this reads without removing).

use crate::domain::desktop::DesktopOwner;
use crate::domain::progress::{ProgressChannel, STOP_MARKER};
use crate::http::context::Ctx;
use crate::http::error::ApiError;
use futures::{SinkExt as _, Stream, StreamExt as _};
use std::convert::Infallible;
use std::time::{Duration, Instant};
use tokio::sync::broadcast;
use warp::Reply as _;
use warp::reply::Response;
use warp::sse::Event;

/// How often the cache is read for a new message.
const POLL_EVERY: Duration = Duration::from_millis(100);
/// Comment lines that keep proxies from closing a quiet stream.
const HEARTBEAT_EVERY: Duration = Duration::from_secs(15);
/// Longest a stream stays open without reaching `stopinfo`.
const LONGEST: Duration = Duration::from_secs(600);

/// The stream of the caller's progress.
pub async fn progress(ctx: &Ctx) -> Result<Response, ApiError> {
    let owner = ctx.identity()?.owner();
    let channel = ctx.state.desktops.progress().clone();
    // Listening starts before the first read: no write falls between the two.
    let local = ctx.state.progress_writes.subscribe();
    let current = channel
        .peek(&owner)
        .await
        .map_err(|error| ApiError::unavailable("cache", error))?;
    // A launch that already ended left `stopinfo` behind: it is not sent, and only what
    // comes after it counts.
    let first = current
        .clone()
        .filter(|message| message != STOP_MARKER)
        .map(|message| Ok(Event::default().data(message)));
    let events = futures::stream::iter(first).chain(follow(channel, owner, local, current));
    let stream = warp::sse::keep_alive().interval(HEARTBEAT_EVERY).stream(events);
    Ok(warp::sse::reply(stream).into_response())
}

/// Sends every new message after `last` into the stream, until `stopinfo`, a cache
/// failure, [`LONGEST`] or the client going away: this replica's writes as they happen,
/// other replicas' by polling the shared cache when this one is quiet. (A task of its own:
/// warp's event stream must be `Sync`, which the cache port's futures are not.)
fn follow(
    channel: ProgressChannel,
    owner: DesktopOwner,
    mut local: broadcast::Receiver<(String, String)>,
    mut last: Option<String>,
) -> impl Stream<Item = Result<Event, Infallible>> {
    let key = ProgressChannel::key(&owner);
    let (mut events, received) = futures::channel::mpsc::channel::<Result<Event, Infallible>>(64);
    tokio::spawn(async move {
        let started = Instant::now();
        while started.elapsed() < LONGEST && !events.is_closed() {
            let mut fresh = Vec::new();
            // This replica's writes, as they come…
            if let Ok(Ok((written, message))) = tokio::time::timeout(POLL_EVERY, local.recv()).await
                && written == key
            {
                fresh.push(message);
            }
            // …and, once they are all in, the shared cache (another replica's launch).
            while let Ok((written, message)) = local.try_recv() {
                if written == key {
                    fresh.push(message);
                }
            }
            if fresh.is_empty() {
                match channel.peek(&owner).await {
                    Ok(message) => fresh.extend(message),
                    Err(error) => {
                        tracing::warn!(%error, "progress stream ended: the cache cannot be read");
                        return;
                    }
                }
            }
            for message in fresh {
                if last.as_ref() == Some(&message) {
                    continue;
                }
                let done = message == STOP_MARKER;
                last = Some(message.clone());
                if events.send(Ok(Event::default().data(message))).await.is_err() || done {
                    return;
                }
            }
        }
    });
    received
}
