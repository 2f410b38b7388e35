//! Time and randomness, injected so the domain stays deterministic under test.
//!
//! These two ports are synchronous on purpose: reading the clock or the OS random source
//! never waits on I/O, and an `async` signature would only add an allocation per call.

/// Seconds since the Unix epoch, the unit of every timestamp in the domain.
pub type UnixSeconds = i64;

/// The wall clock.
#[cfg_attr(test, mockall::automock)]
pub trait Clock: Send + Sync {
    /// Returns the current time in whole seconds since the Unix epoch. Never fails.
    fn now(&self) -> UnixSeconds;
}

/// A source of unpredictable values (session ids, VNC passwords, cookies).
#[cfg_attr(test, mockall::automock)]
pub trait Randomness: Send + Sync {
    /// Returns `len` random characters from `[A-Za-z0-9]`. Never fails.
    fn alphanumeric(&self, len: usize) -> String;
    /// Returns `bytes` random bytes rendered as lowercase hex (`2 * bytes` characters). Never fails.
    fn hex(&self, bytes: usize) -> String;
    /// Returns a random (version 4) UUID in its 36-character hyphenated form. Never fails.
    fn uuid_v4(&self) -> String;
}
