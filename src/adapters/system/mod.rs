//! The operating system's clock, random source and processes.

mod credentials;
mod process;

pub use credentials::SystemCredentialTools;
pub use process::ProcessWebhooks;

use crate::ports::clock::{Clock, Randomness, UnixSeconds};
use rand::Rng;
use rand::distributions::Alphanumeric;
use std::time::{SystemTime, UNIX_EPOCH};

/// The system wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> UnixSeconds {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }
}

/// A cryptographically secure generator (ChaCha, seeded from the OS, per thread).
#[derive(Debug, Default, Clone, Copy)]
pub struct OsRandom;

impl Randomness for OsRandom {
    fn alphanumeric(&self, len: usize) -> String {
        rand::thread_rng()
            .sample_iter(&Alphanumeric)
            .take(len)
            .map(char::from)
            .collect()
    }

    fn hex(&self, bytes: usize) -> String {
        let mut rng = rand::thread_rng();
        (0..bytes).map(|_| format!("{:02x}", rng.r#gen::<u8>())).collect()
    }

    fn uuid_v4(&self) -> String {
        let mut bytes: [u8; 16] = rand::thread_rng().r#gen();
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        format!(
            "{}-{}-{}-{}-{}",
            &hex[0..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..32]
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_values_have_the_promised_shape() {
        let random = OsRandom;
        let password = random.alphanumeric(15);
        assert_eq!(password.len(), 15);
        assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_eq!(random.hex(15).len(), 30);
        let uuid = random.uuid_v4();
        assert_eq!(uuid.len(), 36);
        assert_eq!(&uuid[14..15], "4");
        assert_ne!(random.uuid_v4(), uuid);
    }

    #[test]
    fn the_clock_reads_unix_seconds_from_the_system_clock() {
        // Compared with the standard library's own reading, so a machine with a wrong
        // clock still passes, and a clock in milliseconds or a constant does not.
        let before = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let read = SystemClock.now();
        let after = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        assert!((before..=after).contains(&read), "{before} <= {read} <= {after}");
    }
}
