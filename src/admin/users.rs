//! `deskplane admin users show USER [--provider NAME]`: one user's logins and desktop
//! events, from `GET /API/manager/user/<userid>`.

use super::client::{Admin, AdminError};
use super::commands::text as cell;
use super::table;
use clap::Subcommand;
use reqwest::Method;
use serde_json::Value;

/// `users …`.
#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// A user's logins and desktop history, oldest first.
    Show {
        /// The user id.
        userid: String,
        /// Only this provider's user of that id.
        #[arg(long)]
        provider: Option<String>,
        /// The last this many records of each kind (1 to 10000; default 100).
        #[arg(long)]
        limit: Option<u32>,
    },
}

/// The request path of `command`.
pub fn path(command: &UsersCommand) -> String {
    let UsersCommand::Show {
        userid,
        provider,
        limit,
    } = command;
    let mut query = form_urlencoded::Serializer::new(String::new());
    query.append_pair("userid", userid);
    if let Some(provider) = provider {
        query.append_pair("provider", provider);
    }
    if let Some(limit) = limit {
        query.append_pair("limit", &limit.to_string());
    }
    format!("user?{}", query.finish())
}

/// Asks the server and returns its answer.
///
/// # Errors
/// [`AdminError`] as the server says.
pub async fn fetch(admin: &Admin, command: &UsersCommand) -> Result<Value, AdminError> {
    admin.call(Method::GET, &path(command), None).await
}

fn when(value: &Value) -> String {
    value["date"]
        .as_i64()
        .map_or_else(|| "-".into(), crate::domain::time::iso8601)
}

/// The two tables a human reads.
pub fn render(answer: &Value) -> String {
    let rows = |key: &str, columns: &dyn Fn(&Value) -> Vec<String>| -> Vec<Vec<String>> {
        answer[key].as_array().into_iter().flatten().map(columns).collect()
    };
    let logins = rows("logins", &|l| {
        vec![when(l), cell(l, "provider"), cell(l, "ipaddr"), cell(l, "useragent")]
    });
    let desktops = rows("desktops", &|d| {
        vec![
            when(d),
            cell(d, "eventtype"),
            cell(d, "desktop_id"),
            cell(d, "node"),
            cell(d, "ipaddr"),
        ]
    });
    format!(
        "logins of {user}\n{}\ndesktops of {user}\n{}",
        table::render(&["DATE", "PROVIDER", "ADDRESS", "USER AGENT"], &logins),
        table::render(&["DATE", "EVENT", "DESKTOP", "NODE", "ADDRESS"], &desktops),
        user = cell(answer, "userid"),
    )
}
