//! The `deskplane` binary: parses the command line and wires config → adapters → domain →
//! HTTP through [`deskplane::app`].

use clap::{Parser, Subcommand};
use deskplane::config::{self, Loaded};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "deskplane",
    version,
    about = "A control plane for cloud desktops, compatible with abcdesktop's pyos API"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server (the default).
    Serve {
        /// Configuration file (TOML). Default: $DESKPLANE_CONFIG, else built-in defaults.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Listen address, overriding server.socket_host and server.socket_port.
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Inspect configuration.
    Config {
        #[command(subcommand)]
        action: ConfigAction,
    },
    /// Operate a running server through its manager API.
    Admin(deskplane::admin::AdminArgs),
    /// Print the shell completion script of `deskplane` (bash, zsh, fish, elvish, powershell).
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Subcommand)]
enum ConfigAction {
    /// Validate a configuration and print every problem with its key.
    Check {
        /// File to check. Default: $DESKPLANE_CONFIG, else the built-in defaults.
        file: Option<PathBuf>,
    },
    /// Convert pyos's od.config into deskplane TOML, with a comment for each key left out.
    Import {
        /// The od.config file. Default: $OD_CONFIG_PATH, else `od.config` (as pyos).
        od_config: Option<PathBuf>,
        /// Where to write the TOML. Default: standard output.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

fn config_path(flag: Option<PathBuf>) -> Option<PathBuf> {
    flag.or_else(|| std::env::var_os("DESKPLANE_CONFIG").map(PathBuf::from))
}

fn load(path: Option<PathBuf>) -> Result<Loaded, String> {
    config::load(path.as_deref(), std::env::vars()).map_err(|e| e.to_string())
}

async fn check(file: Option<PathBuf>) -> ExitCode {
    let loaded = match load(config_path(file)) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    let problems = config::check(&loaded.config);
    for problem in &problems {
        eprintln!("error: {problem}");
    }
    if problems.is_empty() {
        // The file is right; now whether the data backends it names answer.
        let unreachable = deskplane::app::unreachable_backends(&loaded.config).await;
        for failure in &unreachable {
            eprintln!("error: {failure}");
        }
        if !unreachable.is_empty() {
            eprintln!("{}: {} backend(s) unreachable", loaded.origin, unreachable.len());
            return ExitCode::from(1);
        }
        eprintln!("{}: ok", loaded.origin);
        ExitCode::SUCCESS
    } else {
        eprintln!("{}: {} problem(s)", loaded.origin, problems.len());
        ExitCode::from(1)
    }
}

fn import(od_config: Option<PathBuf>, output: Option<PathBuf>) -> ExitCode {
    let path = od_config
        .or_else(|| std::env::var_os("OD_CONFIG_PATH").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("od.config"));
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("error: cannot read {}: {error}", path.display());
            return ExitCode::from(2);
        }
    };
    let imported = match config::import(&text) {
        Ok(imported) => imported,
        Err(error) => {
            eprintln!("error: {}: {error}", path.display());
            return ExitCode::from(1);
        }
    };
    for item in &imported.dropped {
        eprintln!("left out: {}: {}", item.key, item.reason);
    }
    match output {
        None => print!("{}", imported.toml),
        Some(output) => {
            if let Err(error) = std::fs::write(&output, &imported.toml) {
                eprintln!("error: cannot write {}: {error}", output.display());
                return ExitCode::from(1);
            }
            eprintln!("{}: written from {}", output.display(), path.display());
        }
    }
    ExitCode::SUCCESS
}

async fn next_signal(kind: tokio::signal::unix::SignalKind) {
    match tokio::signal::unix::signal(kind) {
        Ok(mut signal) => {
            signal.recv().await;
        }
        Err(_) => std::future::pending::<()>().await,
    }
}

/// SIGINT, SIGTERM or SIGQUIT: stop gracefully, as pyos 4.x does.
async fn shutdown_signal() {
    use tokio::signal::unix::SignalKind;
    tokio::select! {
        () = next_signal(SignalKind::interrupt()) => {}
        () = next_signal(SignalKind::terminate()) => {}
        () = next_signal(SignalKind::quit()) => {}
    }
}

async fn serve(config_flag: Option<PathBuf>, listen: Option<SocketAddr>) -> ExitCode {
    let loaded = match load(config_path(config_flag)) {
        Ok(loaded) => loaded,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    let _log_writer = match deskplane::telemetry::init(&loaded.config.logging) {
        Ok(guard) => guard,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    let state = match deskplane::app::build(&loaded.config).await {
        Ok(state) => state,
        Err(error) => {
            tracing::error!("{error}");
            return ExitCode::from(1);
        }
    };
    let server = &loaded.config.server;
    let address = listen.map_or_else(
        || format!("{}:{}", server.socket_host, server.socket_port),
        |a| a.to_string(),
    );
    let listener = match tokio::net::TcpListener::bind(&address).await {
        Ok(listener) => listener,
        Err(error) => {
            tracing::error!(%address, %error, "cannot listen");
            return ExitCode::from(1);
        }
    };
    let mut running = match deskplane::http::start(state, listener) {
        Ok(running) => running,
        Err(error) => {
            tracing::error!(%error, "cannot start the server");
            return ExitCode::from(1);
        }
    };
    tracing::info!(address = %running.addr, config = %loaded.origin, "deskplane is serving /API");
    shutdown_signal().await;
    tracing::warn!("signal received, stopping");
    if let Some(stop) = running.take_shutdown() {
        let _ = stop.send(());
    }
    let grace = Duration::from_secs(server.shutdown_timeout_seconds);
    if tokio::time::timeout(grace, running.wait()).await.is_err() {
        tracing::warn!("in-flight requests did not finish within {grace:?}");
    }
    ExitCode::SUCCESS
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse().command.unwrap_or(Command::Serve {
        config: None,
        listen: None,
    }) {
        Command::Serve { config, listen } => serve(config, listen).await,
        Command::Config {
            action: ConfigAction::Check { file },
        } => check(file).await,
        Command::Config {
            action: ConfigAction::Import { od_config, output },
        } => import(od_config, output),
        Command::Admin(args) => deskplane::admin::run(args).await,
        Command::Completions { shell } => {
            use clap::CommandFactory as _;
            clap_complete::generate(shell, &mut Cli::command(), "deskplane", &mut std::io::stdout());
            ExitCode::SUCCESS
        }
    }
}
