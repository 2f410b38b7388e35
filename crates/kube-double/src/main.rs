//! `deskplane-kube-double`: a Kubernetes API double on HTTPS (a CA made at start), for
//! trying deskplane's Kubernetes path without a cluster. It writes a kubeconfig, CA and
//! token included, for deskplane and kubectl to use.

use clap::Parser;
use deskplane_kube_double::{DoubleSettings, Fault, Latency};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "deskplane-kube-double",
    version,
    about = "A Kubernetes API double speaking the real REST and watch protocols"
)]
struct Cli {
    /// Listen address.
    #[arg(long, default_value = "127.0.0.1:6443")]
    listen: String,
    /// Serve plain HTTP instead of HTTPS (kubectl then sends no token: use --token "").
    #[arg(long)]
    plain_http: bool,
    /// Bearer token clients must send (empty: none needed).
    #[arg(long, default_value = "double-token")]
    token: String,
    /// Namespaces that exist at start (repeatable).
    #[arg(long = "namespace", default_values_t = ["default".to_owned(), "abcdesktop".to_owned()])]
    namespaces: Vec<String>,
    /// Delay of each kubelet step (schedule, pull, start), milliseconds.
    #[arg(long, default_value_t = 200)]
    step_ms: u64,
    /// Images containing this text never pull (repeatable).
    #[arg(long = "never-pull", default_values_t = ["never-pulls".to_owned()])]
    never_pull: Vec<String>,
    /// A label of the node, KEY=VALUE (repeatable); pods selecting other labels are unschedulable.
    #[arg(long = "node-label")]
    node_labels: Vec<String>,
    /// Inject failures: VERB:RESOURCE:STATUS[:TIMES], e.g. create:pods:500:1 (repeatable).
    #[arg(long = "fault")]
    faults: Vec<String>,
    /// Inject latency: VERB:RESOURCE:MILLISECONDS, e.g. list:pods:300 (repeatable).
    #[arg(long = "latency")]
    latencies: Vec<String>,
    /// Script an exec answer: PROGRAM=EXIT[:STDOUT], e.g. /composer/connectcount.sh=0:2
    /// (repeatable; unlisted programs exit 0 with no output).
    #[arg(long = "exec")]
    exec_scripts: Vec<String>,
    /// Write a kubeconfig for this double here (then: KUBECONFIG=<file> deskplane serve …).
    #[arg(long)]
    write_kubeconfig: Option<PathBuf>,
}

fn parse_fault(text: &str) -> Result<Fault, String> {
    match text.split(':').collect::<Vec<_>>().as_slice() {
        [verb, resource, status] | [verb, resource, status, _] => Ok(Fault {
            verb: (*verb).into(),
            resource: (*resource).into(),
            status: status.parse().map_err(|_| format!("--fault {text}: bad status"))?,
            times: text
                .split(':')
                .nth(3)
                .map(|t| t.parse().map_err(|_| format!("--fault {text}: bad count")))
                .transpose()?,
        }),
        _ => Err(format!("--fault {text}: expected VERB:RESOURCE:STATUS[:TIMES]")),
    }
}

fn parse_latency(text: &str) -> Result<Latency, String> {
    match text.split(':').collect::<Vec<_>>().as_slice() {
        [verb, resource, ms] => Ok(Latency {
            verb: (*verb).into(),
            resource: (*resource).into(),
            delay: Duration::from_millis(ms.parse().map_err(|_| format!("--latency {text}: bad milliseconds"))?),
        }),
        _ => Err(format!("--latency {text}: expected VERB:RESOURCE:MILLISECONDS")),
    }
}

fn settings(cli: &Cli) -> Result<DoubleSettings, String> {
    let step = Duration::from_millis(cli.step_ms);
    let mut settings = DoubleSettings {
        tls: !cli.plain_http,
        token: (!cli.token.is_empty()).then(|| cli.token.clone()),
        namespaces: cli.namespaces.clone(),
        schedule_delay: step,
        pull_delay: step,
        start_delay: step,
        never_pull: cli.never_pull.clone(),
        faults: cli.faults.iter().map(|f| parse_fault(f)).collect::<Result<_, _>>()?,
        latencies: cli
            .latencies
            .iter()
            .map(|l| parse_latency(l))
            .collect::<Result<_, _>>()?,
        ..DoubleSettings::default()
    };
    for script in &cli.exec_scripts {
        let (program, answer) = script
            .split_once('=')
            .ok_or_else(|| format!("--exec {script}: expected PROGRAM=EXIT[:STDOUT]"))?;
        let (code, stdout) = answer.split_once(':').unwrap_or((answer, ""));
        let code: i32 = code.parse().map_err(|_| format!("--exec {script}: bad exit code"))?;
        settings.exec_scripts.retain(|(p, _, _)| p != program);
        settings
            .exec_scripts
            .push((program.into(), code, format!("{stdout}\n")));
    }
    for label in &cli.node_labels {
        let (key, value) = label
            .split_once('=')
            .ok_or_else(|| format!("--node-label {label}: expected KEY=VALUE"))?;
        settings.node_labels.push((key.into(), value.into()));
    }
    Ok(settings)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let _ = tracing_subscriber::fmt().with_writer(std::io::stderr).try_init();
    let settings = match settings(&cli) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return std::process::ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(&cli.listen).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", cli.listen);
            return std::process::ExitCode::from(1);
        }
    };
    let server = match deskplane_kube_double::start(settings, listener) {
        Ok(server) => server,
        Err(error) => {
            eprintln!("error: {error}");
            return std::process::ExitCode::from(1);
        }
    };
    if let Some(path) = &cli.write_kubeconfig {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(parent);
        }
        let namespace = cli.namespaces.last().cloned().unwrap_or_else(|| "default".into());
        if let Err(error) = std::fs::write(path, server.kubeconfig(&namespace)) {
            eprintln!("error: cannot write {}: {error}", path.display());
            return std::process::ExitCode::from(1);
        }
    }
    eprintln!(
        "deskplane-kube-double listening on {} (address={})",
        server.url(),
        server.addr
    );
    let _ = tokio::signal::ctrl_c().await;
    std::process::ExitCode::SUCCESS
}
