//! `auth/buildsecret` (auth.md §5.5): a user signed in through a provider that names an
//! explicit provider in `explicitproviderapproval` (an OAuth or anonymous provider, say)
//! proves that provider's password for the same user id and becomes its user, with its
//! directory secrets and a new token.
//!
//! pyos then looked desktops up by user id alone (`authproviderneverchange` forced off), so
//! the upgraded user kept the desktop of the first provider. Here a desktop belongs to
//! (provider, user id): the upgraded identity gets the explicit provider's desktop, never
//! one started under another provider by whoever held that user id there.

use super::error::LoginError;
use super::login::LoginRequest;
use super::provider::ManagerKind;
use super::session::{AuthFlowError, AuthSuccess, SessionService};
use crate::domain::identity::Identity;
use crate::domain::request::RequestFacts;
use crate::domain::secret::Secret;

impl SessionService {
    /// Logs `current` in again through the explicit provider its provider approves, with
    /// `password`. Wrong passwords count for the address and the login as any login's do.
    ///
    /// # Errors
    /// [`LoginError::Denied`] when the caller's provider approves no explicit provider (or
    /// names one that is not an explicit provider); otherwise those of
    /// [`SessionService::authenticate`].
    pub async fn build_secret(
        &self,
        current: &Identity,
        password: Secret,
        facts: &RequestFacts,
    ) -> Result<AuthSuccess, AuthFlowError> {
        let managers = self.login_service().managers();
        let approval = managers
            .providers()
            .find(|provider| provider.name == current.provider)
            .and_then(|provider| provider.explicit_approval.clone())
            .ok_or_else(|| {
                LoginError::Denied(format!(
                    "provider {} does not allow an explicit provider approval",
                    current.provider
                ))
            })?;
        let target_is_explicit = managers
            .providers()
            .any(|provider| provider.name == approval && provider.manager == ManagerKind::Explicit);
        if !target_is_explicit {
            return Err(LoginError::Denied(format!("{approval} is not an explicit provider")).into());
        }
        let request = LoginRequest {
            manager: Some(ManagerKind::Explicit.name().into()),
            provider: Some(approval),
            userid: Some(current.userid.to_string()),
            password: Some(password),
            ..LoginRequest::default()
        };
        self.authenticate(&request, facts).await
    }
}
