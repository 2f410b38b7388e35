//! HTTPS for the double, as an API server serves it: a CA made at start (never written to
//! disk except into the kubeconfig, like a cluster's `certificate-authority-data`) and a
//! serving certificate it signs for the loopback names. Clients verify it like a real
//! cluster's, and kubectl only sends its bearer token over TLS.

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::IpAddr;
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

/// The double's certificate authority and the acceptor serving with its certificate.
#[derive(Clone)]
pub struct ServingTls {
    /// The CA certificate, PEM, for clients to trust.
    pub ca_pem: String,
    /// Completes the server side of each handshake.
    pub acceptor: TlsAcceptor,
}

fn failed(what: &str, error: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::other(format!("{what}: {error}"))
}

/// Makes a fresh CA and a serving certificate for `localhost`, `127.0.0.1`, `::1` and the
/// listening address.
pub fn serving_tls(listen: IpAddr) -> std::io::Result<ServingTls> {
    let ca_key = KeyPair::generate().map_err(|e| failed("CA key", e))?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(|e| failed("CA", e))?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "deskplane-kube-double-ca");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).map_err(|e| failed("CA", e))?;
    let issuer = Issuer::new(ca_params, ca_key);

    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
    if !listen.is_unspecified() && !names.contains(&listen.to_string()) {
        names.push(listen.to_string());
    }
    let serving_key = KeyPair::generate().map_err(|e| failed("serving key", e))?;
    let mut params = CertificateParams::new(names).map_err(|e| failed("serving certificate", e))?;
    params.distinguished_name.push(DnType::CommonName, "kube-apiserver");
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    let serving = params
        .signed_by(&serving_key, &issuer)
        .map_err(|e| failed("serving certificate", e))?;

    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| failed("TLS versions", e))?
        .with_no_client_auth()
        .with_single_cert(
            vec![CertificateDer::from(serving.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(serving_key.serialize_der())),
        )
        .map_err(|e| failed("TLS configuration", e))?;
    // HTTP/1.1 only: the watch and exec (websocket upgrade) paths are HTTP/1.1 here, and
    // clients fall back to it when the server offers no h2.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(ServingTls {
        ca_pem: ca_cert.pem(),
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}
