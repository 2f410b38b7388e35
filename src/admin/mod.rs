//! `deskplane admin`: the operator's command line over the manager API (`/API/manager`),
//! for a server running anywhere. It speaks only HTTP: the API key and the caller's
//! network decide what it may do, as for the abcdesktop console.
//!
//! Exit codes: 0 done, 1 refused or failed (the server's message is printed), 2 usage.

mod client;
mod commands;
mod table;
mod users;

pub use commands::{AdminArgs, AdminCommand, BanCollectionArg, BansCommand, DesktopsCommand, ImagesCommand};
pub use users::UsersCommand;

use std::process::ExitCode;

/// Runs one admin command and prints its result (JSON with `--json`, tables otherwise).
pub async fn run(args: AdminArgs) -> ExitCode {
    let client = match client::Admin::new(&args.url, args.api_key.clone()) {
        Ok(client) => client,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(2);
        }
    };
    match commands::execute(&client, &args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(1)
        }
    }
}
