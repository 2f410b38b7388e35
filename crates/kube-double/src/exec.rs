//! `pods/<name>/exec` over a websocket with the `v4.channel.k8s.io` protocol: scripted
//! commands answer on channel 1 (stdout), then channel 3 carries the status with the exit
//! code, as the API server relays it from the kubelet.

use super::store::{Cluster, PODS};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use std::sync::Arc;
use warp::filters::ws::{Message, WebSocket};

/// What the exec request asked for.
pub struct ExecRequest {
    /// Namespace.
    pub namespace: String,
    /// Pod.
    pub pod: String,
    /// Container.
    pub container: Option<String>,
    /// Command and arguments.
    pub command: Vec<String>,
}

fn status(code: i32, message: &str) -> Value {
    if code == 0 {
        json!({"metadata": {}, "status": "Success"})
    } else {
        json!({"metadata": {}, "status": "Failure", "message": message, "reason": "NonZeroExitCode",
               "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]}})
    }
}

/// Runs the scripted command and closes the socket.
pub async fn run(cluster: Arc<Cluster>, request: ExecRequest, socket: WebSocket) {
    let (mut sink, mut incoming) = socket.split();
    let pod = cluster.get(&PODS, Some(&request.namespace), &request.pod).ok();
    let running = pod
        .as_ref()
        .and_then(|p| p.pointer("/status/phase"))
        .and_then(Value::as_str)
        == Some("Running");
    let container_known = pod.as_ref().is_some_and(|p| {
        request.container.as_ref().is_none_or(|c| {
            p.pointer("/spec/containers")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .any(|x| x["name"] == *c)
        })
    });
    cluster.runtime.record_exec(
        &request.pod,
        request.container.as_deref().unwrap_or_default(),
        &request.command,
    );
    let (code, stdout) = if !running || !container_known {
        (-1, String::new())
    } else {
        let program = request.command.first().cloned().unwrap_or_default();
        cluster
            .settings
            .exec_scripts
            .iter()
            .find(|(name, _, _)| *name == program)
            .map_or((0, String::new()), |(_, code, out)| (*code, out.clone()))
    };
    if !stdout.is_empty() {
        let mut frame = vec![1u8];
        frame.extend_from_slice(stdout.as_bytes());
        let _ = sink.send(Message::binary(frame)).await;
    }
    let message = if running {
        format!("command terminated with non-zero exit code: {code}")
    } else {
        "pod is not running".into()
    };
    let mut frame = vec![3u8];
    frame.extend_from_slice(
        status(if running && container_known { code } else { 1 }, &message)
            .to_string()
            .as_bytes(),
    );
    let _ = sink.send(Message::binary(frame)).await;
    // A normal closure (1000), as the API server sends: clients treat a close without a
    // code (1005) as a broken stream.
    let _ = sink.send(Message::close_with(1000u16, "")).await;
    // Drain until the client closes, so it reads everything sent.
    while let Some(Ok(_)) = incoming.next().await {}
}
