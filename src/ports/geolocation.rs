//! IP geolocation and autonomous-system lookups (MaxMind GeoLite2 in production).

use async_trait::async_trait;
use serde::Serialize;
use std::net::IpAddr;
use thiserror::Error;

/// Where an address is, in pyos's location shape (every key present, null when unknown).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub struct Location {
    /// Active Directory site, when known.
    pub site: Option<String>,
    /// Subnet the address belongs to, when known.
    pub subnet: Option<String>,
    /// The address looked up.
    #[serde(rename = "ipAddr")]
    pub ip_addr: Option<String>,
    /// Country name in English.
    pub country: Option<String>,
    /// ISO 3166 country code.
    pub country_code: Option<String>,
    /// `[latitude, longitude]`.
    pub location: Option<[f64; 2]>,
    /// IANA time zone.
    pub timezone: Option<String>,
    /// Active Directory site object DN.
    #[serde(rename = "siteObject")]
    pub site_object: Option<String>,
    /// Origin autonomous system number.
    pub autonomous_system_number: Option<u32>,
    /// Origin autonomous system organisation.
    pub autonomous_system_organization: Option<String>,
    /// Which database answered.
    pub datasource: Option<String>,
}

/// Errors a geolocation backend may return.
#[derive(Debug, Error)]
pub enum GeoError {
    /// The database could not be read.
    #[error("geolocation database unavailable: {0}")]
    Unavailable(String),
}

/// Geolocation and ASN lookups.
#[cfg_attr(test, mockall::automock)]
#[async_trait]
pub trait Geolocation: Send + Sync {
    /// Returns the location of `ip`, or `None` when the database knows nothing of it.
    ///
    /// # Errors
    /// [`GeoError::Unavailable`] when the database cannot be read.
    async fn locate(&self, ip: IpAddr) -> Result<Option<Location>, GeoError>;
    /// Returns the origin AS number of `ip`, or `None` when unknown.
    ///
    /// # Errors
    /// [`GeoError::Unavailable`] when the database cannot be read.
    async fn asn(&self, ip: IpAddr) -> Result<Option<u32>, GeoError>;
}
