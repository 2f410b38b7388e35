//! Adapters: one folder per backend, each implementing ports from [`crate::ports`].

pub mod jwt;
pub mod kubernetes;
pub mod ldap;
pub mod maxmind;
pub mod memcached;
pub mod memory;
pub mod mongo;
pub mod oauth2;
pub mod prometheus;
pub mod redis;
pub mod system;

#[cfg(test)]
pub mod contract;
