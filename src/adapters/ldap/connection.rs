//! Connecting and binding: servers tried in random order (pyos's failover), a deadline on
//! the connection and on the bind, and the difference between "this password is wrong"
//! (stop: no other server will say otherwise) and "this server is down" (try the next).

use super::LdapSettings;
use crate::ports::directory::DirectoryError;
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError};
use rand::seq::SliceRandom;
use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use std::path::Path;
use std::sync::Arc;

/// What a bind ended with, when a server answered.
pub enum BindOutcome {
    /// Bound: the connection is the user's (or the service account's).
    Bound(Ldap),
    /// The server refused the name or the password.
    Refused,
}

/// Result codes that mean the credentials are wrong, whatever server is asked:
/// invalidCredentials (49), invalidDNSyntax (34), invalidAttributeSyntax (21),
/// inappropriateAuthentication (48).
const REFUSALS: [u32; 4] = [49, 34, 21, 48];

/// The configured servers, as URLs, and the TLS settings they are reached with.
pub struct Servers {
    urls: Vec<String>,
    controllers: Option<super::locator::Controllers>,
    tls: Option<Arc<ClientConfig>>,
}

impl Servers {
    /// Bare host names become `ldap://host` URLs, as pyos accepted them.
    ///
    /// # Errors
    /// A message naming the CA file when it cannot be read or holds no certificate.
    pub fn new(settings: &LdapSettings) -> Result<Self, String> {
        let urls = settings
            .servers
            .iter()
            .map(|server| {
                if server.contains("://") {
                    server.clone()
                } else {
                    format!("ldap://{server}")
                }
            })
            .collect();
        let tls = match &settings.ca_file {
            Some(path) if settings.verify_certificates => Some(client_config(path)?),
            _ => None,
        };
        let controllers = match &settings.locator {
            Some(locator) => Some(super::locator::Controllers::new(locator.clone())?),
            None => None,
        };
        Ok(Self { urls, controllers, tls })
    }

    /// Reads the domain's controllers from DNS again; `None` without `query_dcs`.
    pub async fn refresh_controllers(&self) -> Option<Vec<String>> {
        match &self.controllers {
            Some(controllers) => Some(controllers.refresh().await),
            None => None,
        }
    }

    /// The domain's controllers from DNS first (`query_dcs`), then the configured servers
    /// in random order.
    async fn in_order(&self) -> Vec<String> {
        let mut urls = match &self.controllers {
            Some(controllers) => controllers.urls().await,
            None => Vec::new(),
        };
        let mut configured: Vec<String> = self.urls.iter().filter(|url| !urls.contains(url)).cloned().collect();
        configured.shuffle(&mut rand::thread_rng());
        urls.extend(configured);
        urls
    }

    async fn connect(&self, settings: &LdapSettings, url: &str) -> Result<Ldap, DirectoryError> {
        let mut connection = LdapConnSettings::new()
            .set_conn_timeout(settings.connect_timeout)
            .set_starttls(settings.starttls && url.starts_with("ldap://"))
            .set_no_tls_verify(!settings.verify_certificates);
        if let Some(tls) = &self.tls {
            connection = connection.set_config(tls.clone());
        }
        let (driver, ldap) =
            tokio::time::timeout(settings.connect_timeout, LdapConnAsync::with_settings(connection, url))
                .await
                .map_err(|_| DirectoryError::Unavailable(format!("ldap: {url} did not answer in time")))?
                .map_err(unavailable)?;
        ldap3::drive!(driver);
        Ok(ldap)
    }

    /// Binds as `dn` on the first server that answers.
    ///
    /// # Errors
    /// [`DirectoryError::Unavailable`] when no server answers.
    pub async fn bind(&self, settings: &LdapSettings, dn: &str, password: &str) -> Result<BindOutcome, DirectoryError> {
        let mut last = DirectoryError::Unavailable("ldap: no server is configured".into());
        for url in self.in_order().await {
            let url = url.as_str();
            let mut ldap = match self.connect(settings, url).await {
                Ok(ldap) => ldap,
                Err(error) => {
                    tracing::warn!(server = %url, %error, "LDAP server unavailable; trying the next");
                    last = error;
                    continue;
                }
            };
            match ldap
                .with_timeout(settings.operation_timeout)
                .simple_bind(dn, password)
                .await
            {
                Ok(result) if result.rc == 0 => return Ok(BindOutcome::Bound(ldap)),
                Ok(result) if REFUSALS.contains(&result.rc) => return Ok(BindOutcome::Refused),
                Ok(result) => {
                    // The server's text stays in the log: it may describe the account.
                    tracing::warn!(server = %url, rc = result.rc, text = %result.text, "LDAP bind failed");
                    last = DirectoryError::Unavailable(format!("ldap: bind answered {}", result.rc));
                }
                Err(error) => {
                    tracing::warn!(server = %url, %error, "LDAP bind did not complete; trying the next server");
                    last = unavailable(error);
                }
            }
        }
        Err(last)
    }

    /// A connection for lookups: bound as the service account, else anonymous.
    ///
    /// # Errors
    /// [`DirectoryError::Unavailable`] when no server answers,
    /// [`DirectoryError::Unexpected`] when the service account is refused.
    pub async fn service_connection(&self, settings: &LdapSettings) -> Result<Ldap, DirectoryError> {
        let Some((dn, password)) = &settings.service_account else {
            let mut last = DirectoryError::Unavailable("ldap: no server is configured".into());
            for url in self.in_order().await {
                match self.connect(settings, &url).await {
                    Ok(ldap) => return Ok(ldap),
                    Err(error) => last = error,
                }
            }
            return Err(last);
        };
        match self.bind(settings, dn, password.expose()).await? {
            BindOutcome::Bound(ldap) => Ok(ldap),
            BindOutcome::Refused => Err(DirectoryError::Unexpected(anyhow::anyhow!(
                "ldap: the service account is refused"
            ))),
        }
    }
}

/// A transport failure or timeout: the server may work again later.
pub fn unavailable(error: LdapError) -> DirectoryError {
    DirectoryError::Unavailable(format!("ldap: {error}"))
}

/// A TLS client configuration that trusts the certificates of `ca_file` (PEM) only.
fn client_config(ca_file: &Path) -> Result<Arc<ClientConfig>, String> {
    let name = ca_file.display();
    let mut roots = rustls::RootCertStore::empty();
    let certificates = CertificateDer::pem_file_iter(ca_file).map_err(|e| format!("cannot read {name}: {e}"))?;
    for certificate in certificates {
        let certificate = certificate.map_err(|e| format!("{name}: {e}"))?;
        roots.add(certificate).map_err(|e| format!("{name}: {e}"))?;
    }
    if roots.is_empty() {
        return Err(format!("{name} holds no certificate"));
    }
    let config = ClientConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}
