//! Geolocation from a table of networks in the config.

use crate::ports::geolocation::{GeoError, Geolocation, Location};
use async_trait::async_trait;
use ipnet::IpNet;
use std::net::IpAddr;

/// One network and what is known about it.
#[derive(Debug, Clone)]
pub struct NetworkLocation {
    /// The network.
    pub network: IpNet,
    /// Its location (the looked-up address is filled in on each answer).
    pub location: Location,
}

/// First matching network wins; unknown addresses have no location.
#[derive(Debug, Clone, Default)]
pub struct MemoryGeolocation {
    networks: Vec<NetworkLocation>,
}

impl MemoryGeolocation {
    /// Builds the table.
    pub fn new(networks: Vec<NetworkLocation>) -> Self {
        Self { networks }
    }

    fn find(&self, ip: IpAddr) -> Option<&NetworkLocation> {
        self.networks.iter().find(|n| n.network.contains(&ip))
    }
}

#[async_trait]
impl Geolocation for MemoryGeolocation {
    async fn locate(&self, ip: IpAddr) -> Result<Option<Location>, GeoError> {
        Ok(self.find(ip).map(|n| Location {
            ip_addr: Some(ip.to_string()),
            ..n.location.clone()
        }))
    }

    async fn asn(&self, ip: IpAddr) -> Result<Option<u32>, GeoError> {
        Ok(self.find(ip).and_then(|n| n.location.autonomous_system_number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_memory_table_honours_the_geolocation_contract() {
        let sweden = NetworkLocation {
            network: "89.160.20.0/24".parse().unwrap(),
            location: Location {
                country: Some("Sweden".into()),
                country_code: Some("SE".into()),
                autonomous_system_number: Some(29518),
                ..Location::default()
            },
        };
        crate::adapters::contract::geolocation_contract(
            &MemoryGeolocation::new(vec![sweden]),
            ("89.160.20.128".parse().unwrap(), "SE", 29518),
            "9.9.9.9".parse().unwrap(),
        )
        .await;
    }
}
