//! The security pipeline around every handler (api.md §4–5).

pub mod body;
pub mod client_address;
pub mod gate;
