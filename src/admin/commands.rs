//! The commands of `deskplane admin` and what each asks the manager API.

use super::client::{Admin, AdminError};
use super::table;
use clap::{Args, Subcommand, ValueEnum};
use reqwest::Method;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// `deskplane admin [--url URL] [--api-key KEY] [--json] COMMAND`.
#[derive(Debug, Args)]
pub struct AdminArgs {
    /// The server (`http://host:port`).
    #[arg(long, env = "DESKPLANE_URL", default_value = "http://127.0.0.1:8000")]
    pub url: String,
    /// The manager API key (`X-API-Key`), when the server asks for one.
    #[arg(long, env = "DESKPLANE_API_KEY", hide_env_values = true)]
    pub api_key: Option<String>,
    /// Print the server's JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: AdminCommand,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Whether the manager API answers (and takes the key).
    Health,
    /// The application catalog.
    Images {
        #[command(subcommand)]
        action: ImagesCommand,
    },
    /// Users' desktops.
    Desktops {
        #[command(subcommand)]
        action: DesktopsCommand,
    },
    /// Banned addresses and logins.
    Bans {
        #[command(subcommand)]
        action: BansCommand,
    },
    /// Users' histories.
    Users {
        #[command(subcommand)]
        action: super::users::UsersCommand,
    },
    /// Remove idle desktops now.
    Gc {
        /// Desktops idle this long (seconds) are removed.
        #[arg(long)]
        expirein: Option<u64>,
        /// Remove them even if a user is connected.
        #[arg(long)]
        force: bool,
    },
}

/// `images …`.
#[derive(Debug, Subcommand)]
pub enum ImagesCommand {
    /// Every application of the catalog.
    List,
    /// Add applications from `docker inspect` JSON files, or folders of them.
    Add {
        /// Files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Remove one application by its id (image name).
    Rm {
        /// The application's id.
        id: String,
    },
}

/// `desktops …`.
#[derive(Debug, Subcommand)]
pub enum DesktopsCommand {
    /// Every desktop.
    List,
    /// One desktop's description.
    Show {
        /// The desktop's name.
        name: String,
    },
    /// Remove one desktop.
    Rm {
        /// The desktop's name.
        name: String,
    },
}

/// `bans …`.
#[derive(Debug, Subcommand)]
pub enum BansCommand {
    /// Every counted value of a collection.
    List {
        /// `ipaddr` or `login`.
        collection: BanCollectionArg,
    },
    /// Ban a value now.
    Add {
        /// `ipaddr` or `login`.
        collection: BanCollectionArg,
        /// The address or login.
        value: String,
    },
    /// Lift a ban.
    Rm {
        /// `ipaddr` or `login`.
        collection: BanCollectionArg,
        /// The address or login.
        value: String,
    },
}

/// A fail2ban collection.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BanCollectionArg {
    /// Client addresses.
    Ipaddr,
    /// Logins.
    Login,
}

impl BanCollectionArg {
    fn path(self) -> &'static str {
        match self {
            Self::Ipaddr => "ipaddr",
            Self::Login => "login",
        }
    }
}

/// A path segment, escaped (logins may hold spaces and `/`).
fn segment(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// `value[key]` as a table cell (`-` when absent).
pub(super) fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Null) | None => "-".into(),
        Some(other) => other.to_string(),
    }
}

/// Prints an answer as the server's JSON (`--json`) or as a human reads it.
struct Printer {
    json: bool,
}

impl Printer {
    fn show(&self, answer: &Value, human: impl FnOnce(&Value) -> String) {
        if self.json {
            println!("{answer}");
        } else {
            print!("{}", human(answer));
        }
    }
}

/// Runs the command and prints what it answered.
///
/// # Errors
/// [`AdminError`] as the server or the files say.
pub async fn execute(admin: &Admin, args: &AdminArgs) -> Result<(), AdminError> {
    let print = Printer { json: args.json };
    match &args.command {
        AdminCommand::Health => {
            let answer = admin.call(Method::GET, "healtz", None).await?;
            print.show(&answer, |_| "ok\n".into());
        }
        AdminCommand::Images { action } => images(admin, action, &print).await?,
        AdminCommand::Users { action } => {
            let answer = super::users::fetch(admin, action).await?;
            print.show(&answer, super::users::render);
        }
        AdminCommand::Desktops { action } => {
            let answer = match action {
                DesktopsCommand::List => admin.call(Method::GET, "desktop", None).await?,
                DesktopsCommand::Show { name } => {
                    admin
                        .call(Method::GET, &format!("desktop/{}", segment(name)), None)
                        .await?
                }
                DesktopsCommand::Rm { name } => {
                    admin
                        .call(Method::DELETE, &format!("desktop/{}", segment(name)), None)
                        .await?
                }
            };
            print.show(&answer, |answer| match action {
                DesktopsCommand::List => {
                    let rows: Vec<Vec<String>> = answer
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|d| {
                            vec![
                                text(d, "name"),
                                text(d, "userid"),
                                text(d, "provider"),
                                text(d, "status"),
                                text(d, "nodehostname"),
                            ]
                        })
                        .collect();
                    table::render(&["NAME", "USER", "PROVIDER", "STATUS", "NODE"], &rows)
                }
                DesktopsCommand::Show { .. } => {
                    format!("{}\n", serde_json::to_string_pretty(answer).unwrap_or_default())
                }
                DesktopsCommand::Rm { name } => format!("removed {name}\n"),
            });
        }
        AdminCommand::Bans { action } => {
            let answer = match action {
                BansCommand::List { collection } => {
                    admin
                        .call(Method::GET, &format!("ban/{}", collection.path()), None)
                        .await?
                }
                BansCommand::Add { collection, value } => {
                    admin
                        .call(
                            Method::POST,
                            &format!("ban/{}/{}", collection.path(), segment(value)),
                            None,
                        )
                        .await?
                }
                BansCommand::Rm { collection, value } => {
                    admin
                        .call(
                            Method::DELETE,
                            &format!("ban/{}/{}", collection.path(), segment(value)),
                            None,
                        )
                        .await?
                }
            };
            print.show(&answer, |answer| match action {
                BansCommand::List { .. } => {
                    let rows: Vec<Vec<String>> = answer
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|b| vec![text(b, "id"), text(b, "count"), text(b, "isban"), text(b, "date")])
                        .collect();
                    table::render(&["VALUE", "FAILURES", "BANNED", "LAST"], &rows)
                }
                BansCommand::Add { value, .. } => format!("banned {value}\n"),
                BansCommand::Rm { value, .. } => format!("lifted {value}\n"),
            });
        }
        AdminCommand::Gc { expirein, force } => {
            let mut query = Vec::new();
            if let Some(seconds) = expirein {
                query.push(format!("expirein={seconds}"));
            }
            if *force {
                query.push("force=true".into());
            }
            let path = if query.is_empty() {
                "garbagecollector".to_owned()
            } else {
                format!("garbagecollector?{}", query.join("&"))
            };
            eprintln!("collecting idle desktops…");
            let answer = admin.call(Method::GET, &path, None).await?;
            print.show(&answer, |answer| {
                let removed = answer.as_array().map_or(0, Vec::len);
                format!("removed {removed} desktop(s)\n")
            });
        }
    }
    Ok(())
}

async fn images(admin: &Admin, action: &ImagesCommand, print: &Printer) -> Result<(), AdminError> {
    match action {
        ImagesCommand::List => {
            let answer = admin.call(Method::GET, "images", None).await?;
            print.show(&answer, |answer| {
                let rows: Vec<Vec<String>> = answer
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(id, app)| vec![id.clone(), text(app, "displayname"), text(app, "execmode")])
                    .collect();
                table::render(&["ID", "NAME", "EXECMODE"], &rows)
            });
        }
        ImagesCommand::Add { paths } => {
            let files = json_files(paths)?;
            let mut added = Vec::new();
            for (index, file) in files.iter().enumerate() {
                let text = std::fs::read_to_string(file)
                    .map_err(|e| AdminError::Local(format!("cannot read {}: {e}", file.display())))?;
                let image: Value = serde_json::from_str(&text)
                    .map_err(|e| AdminError::Local(format!("{} is not JSON: {e}", file.display())))?;
                let answer = admin.call(Method::POST, "image", Some(&image)).await?;
                eprintln!("[{}/{}] {}", index + 1, files.len(), file.display());
                added.push(answer);
            }
            let answer = Value::Array(added);
            print.show(&answer, |answer| {
                format!("added {} image(s)\n", answer.as_array().map_or(0, Vec::len))
            });
        }
        ImagesCommand::Rm { id } => {
            let answer = admin
                .call(Method::DELETE, &format!("image/{}", segment(id)), None)
                .await?;
            print.show(&answer, |_| format!("removed {id}\n"));
        }
    }
    Ok(())
}

/// The `.json` files of `paths`: files as given, folders' `.json` files in name order.
fn json_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, AdminError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| AdminError::Local(format!("cannot read {}: {e}", path.display())))?;
            let mut found: Vec<PathBuf> = entries
                .filter_map(Result::ok)
                .map(|entry| entry.path())
                .filter(|file| file.extension().and_then(|e| e.to_str()) == Some("json"))
                .collect();
            found.sort();
            files.extend(found);
        } else {
            files.push(Path::new(path).to_path_buf());
        }
    }
    if files.is_empty() {
        return Err(AdminError::Local("no .json file to add".into()));
    }
    Ok(files)
}
