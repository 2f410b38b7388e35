//! The pure core: auth flows, rules → labels, token policy, desktop and application
//! lifecycle, ban policy. No I/O and no framework or backend types: it talks only to the
//! traits in [`crate::ports`].

pub mod accounting;
pub mod acl;
pub mod apps;
pub mod auth;
pub mod ban;
pub mod datastore;
pub mod desktop;
pub mod history;
pub mod identity;
pub mod key_offer;
pub mod labels;
pub mod naming;
pub mod owner_names;
pub mod placeholders;
pub mod profile;
pub mod progress;
pub mod rate_limit;
pub mod replicas;
pub mod request;
pub mod rules;
pub mod secret;
pub mod time;
pub mod tokens;
pub mod user_history;
