//! Lookups in MaxMind's own test databases (GeoLite2-City-Test, GeoLite2-ASN-Test), which
//! `scripts/services.sh` extracts from the `maxminddb` source package on PyPI.

use super::MaxMindGeolocation;
use crate::ports::geolocation::{GeoError, Geolocation};
use std::path::PathBuf;

fn databases() -> MaxMindGeolocation {
    let dir = PathBuf::from(crate::adapters::contract::service_url("MMDB_DIR"));
    MaxMindGeolocation::open(
        &dir.join("GeoLite2-City-Test.mmdb"),
        Some(&dir.join("GeoLite2-ASN-Test.mmdb")),
    )
    .unwrap()
}

#[tokio::test]
async fn public_addresses_get_country_place_time_zone_and_network() {
    let maxmind = databases();
    let sweden = maxmind.locate("89.160.20.128".parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(sweden.country.as_deref(), Some("Sweden"));
    assert_eq!(sweden.country_code.as_deref(), Some("SE"));
    assert_eq!(sweden.location, Some([58.4167, 15.6167]));
    assert_eq!(sweden.timezone.as_deref(), Some("Europe/Stockholm"));
    assert_eq!(sweden.autonomous_system_number, Some(29518));
    assert_eq!(sweden.autonomous_system_organization.as_deref(), Some("Bredband2 AB"));
    assert_eq!(sweden.datasource.as_deref(), Some("GeoLite2"));
    assert_eq!(sweden.ip_addr.as_deref(), Some("89.160.20.128"));
    let japan = maxmind.locate("2001:218::1".parse().unwrap()).await.unwrap().unwrap();
    assert_eq!(japan.country_code.as_deref(), Some("JP"));
    assert_eq!(japan.autonomous_system_number, None, "not in the ASN test database");
    assert_eq!(maxmind.asn("1.128.0.1".parse().unwrap()).await.unwrap(), Some(1221));
}

#[tokio::test]
async fn maxmind_honours_the_geolocation_contract() {
    crate::adapters::contract::geolocation_contract(
        &databases(),
        ("89.160.20.128".parse().unwrap(), "SE", 29518),
        "9.9.9.9".parse().unwrap(),
    )
    .await;
}

#[tokio::test]
async fn private_and_unknown_addresses_have_no_location() {
    let maxmind = databases();
    for private in [
        "10.1.2.3",
        "192.168.1.1",
        "127.0.0.1",
        "::1",
        "fd00::1",
        "100.64.0.1",
        "::ffff:10.0.0.1",
    ] {
        let ip = private.parse().unwrap();
        assert_eq!(maxmind.locate(ip).await.unwrap(), None, "{private}");
        assert_eq!(maxmind.asn(ip).await.unwrap(), None, "{private}");
    }
    assert_eq!(maxmind.locate("9.9.9.9".parse().unwrap()).await.unwrap(), None);
}

#[test]
fn a_missing_database_is_named() {
    let missing = PathBuf::from("/nonexistent/GeoLite2-City.mmdb");
    match MaxMindGeolocation::open(&missing, None) {
        Err(GeoError::Unavailable(message)) => {
            assert!(message.contains("/nonexistent/GeoLite2-City.mmdb"), "{message}")
        }
        Ok(_) => panic!("a missing file opened"),
    }
}
