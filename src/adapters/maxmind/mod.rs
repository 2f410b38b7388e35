//! The geolocation port on MaxMind's GeoLite2 (or GeoIP2) City and ASN databases, as
//! pyos's public-Internet locator (auth.md §10.1). Both files are read into memory at
//! boot; a lookup is a walk of an in-memory tree (microseconds), so it runs inline.

use crate::ports::geolocation::{GeoError, Geolocation, Location};
use async_trait::async_trait;
use maxminddb::Reader;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::Path;

/// The parts of a City record deskplane reads.
#[derive(Debug, Default, Deserialize)]
struct CityRecord {
    #[serde(default)]
    country: CountryRecord,
    #[serde(default)]
    location: LocationRecord,
}

#[derive(Debug, Default, Deserialize)]
struct CountryRecord {
    iso_code: Option<String>,
    #[serde(default)]
    names: BTreeMap<String, String>,
}

#[derive(Debug, Default, Deserialize)]
struct LocationRecord {
    latitude: Option<f64>,
    longitude: Option<f64>,
    time_zone: Option<String>,
}

/// The parts of an ASN record deskplane reads.
#[derive(Debug, Default, Deserialize)]
struct AsnRecord {
    autonomous_system_number: Option<u32>,
    autonomous_system_organization: Option<String>,
}

/// The City and ASN databases.
pub struct MaxMindGeolocation {
    city: Reader<Vec<u8>>,
    asn: Option<Reader<Vec<u8>>>,
}

impl MaxMindGeolocation {
    /// Reads the City database and, when given, the ASN database.
    ///
    /// # Errors
    /// [`GeoError::Unavailable`] naming the file that cannot be read.
    pub fn open(city: &Path, asn: Option<&Path>) -> Result<Self, GeoError> {
        let open = |path: &Path| {
            Reader::open_readfile(path)
                .map_err(|e| GeoError::Unavailable(format!("cannot read {}: {e}", path.display())))
        };
        Ok(Self {
            city: open(city)?,
            asn: asn.map(open).transpose()?,
        })
    }

    fn asn_record(&self, ip: IpAddr) -> Result<Option<AsnRecord>, GeoError> {
        let Some(asn) = &self.asn else { return Ok(None) };
        asn.lookup(ip)
            .and_then(|found| found.decode::<AsnRecord>())
            .map_err(|e| GeoError::Unavailable(format!("ASN lookup: {e}")))
    }
}

/// pyos located public unicast addresses only; private, loopback and link-local ones
/// have no place on the Internet's map.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

#[async_trait]
impl Geolocation for MaxMindGeolocation {
    async fn locate(&self, ip: IpAddr) -> Result<Option<Location>, GeoError> {
        if !is_public(ip) {
            return Ok(None);
        }
        let city: Option<CityRecord> = self
            .city
            .lookup(ip)
            .and_then(|found| found.decode())
            .map_err(|e| GeoError::Unavailable(format!("City lookup: {e}")))?;
        let asn = self.asn_record(ip)?;
        if city.is_none() && asn.is_none() {
            return Ok(None);
        }
        let city = city.unwrap_or_default();
        let asn = asn.unwrap_or_default();
        let location = match (city.location.latitude, city.location.longitude) {
            (Some(latitude), Some(longitude)) => Some([latitude, longitude]),
            _ => None,
        };
        Ok(Some(Location {
            ip_addr: Some(ip.to_string()),
            country: city.country.names.get("en").cloned(),
            country_code: city.country.iso_code,
            location,
            timezone: city.location.time_zone,
            autonomous_system_number: asn.autonomous_system_number,
            autonomous_system_organization: asn.autonomous_system_organization,
            datasource: Some("GeoLite2".into()),
            ..Location::default()
        }))
    }

    async fn asn(&self, ip: IpAddr) -> Result<Option<u32>, GeoError> {
        if !is_public(ip) {
            return Ok(None);
        }
        Ok(self.asn_record(ip)?.and_then(|record| record.autonomous_system_number))
    }
}

#[cfg(test)]
mod tests;
