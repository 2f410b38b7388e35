//! User secrets as Kubernetes Secrets `auth-<kind>-<user hint>-<owner digest>` of type
//! `<namespace>/<kind>`, annotated with their exact owner; every read and write checks it.

use super::KubernetesOrchestrator;
use super::errors::from_kube;
use super::names::{is_owned_by, owner_annotation_map, selector_value};
use crate::domain::desktop::{DesktopOwner, UserSecret};
use crate::domain::owner_names::SecretName;
use crate::ports::orchestrator::OrchestratorError;
use crate::ports::user_secrets::UserSecretStore;
use async_trait::async_trait;
use k8s_openapi::ByteString;
use k8s_openapi::api::core::v1::Secret;
use kube::api::{ListParams, Patch, PatchParams, PostParams};
use serde_json::json;
use std::collections::BTreeMap;

/// The owner's label selector (`access_userid=<u>,access_provider=<p>`).
pub fn owner_selector(owner: &DesktopOwner) -> String {
    format!(
        "access_userid={},access_provider={}",
        selector_value(owner.userid.as_str()),
        selector_value(&owner.provider)
    )
}

impl KubernetesOrchestrator {
    /// Creates the secret, or patches its data when it exists (existing keys are kept).
    pub(super) async fn write_secret(
        &self,
        owner: &DesktopOwner,
        secret: &UserSecret,
    ) -> Result<(), OrchestratorError> {
        let name = SecretName::new(&secret.kind, owner).to_string();
        let access_type = match secret.kind.as_str() {
            "ldif" | "localaccount" | "posixaccount" | "vnc" => secret.kind.as_str(),
            _ => "auth",
        };
        let data: BTreeMap<String, ByteString> = secret
            .data
            .iter()
            .map(|(k, v)| (k.clone(), ByteString(v.as_bytes().to_vec())))
            .chain(secret.files.iter().map(|(k, v)| (k.clone(), ByteString(v.clone()))))
            .collect();
        let body: Secret = serde_json::from_value(json!({
            "metadata": {"name": name, "labels": {"access_provider": selector_value(&owner.provider),
                "access_userid": selector_value(owner.userid.as_str()), "access_type": access_type},
                "annotations": owner_annotation_map(owner)},
            "type": format!("{}/{}", self.settings.namespace, secret.kind),
        }))
        .map_err(|e| OrchestratorError::Unexpected(e.into()))?;
        let body = Secret {
            data: Some(data.clone()),
            ..body
        };
        match self.secrets().create(&PostParams::default(), &body).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(status)) if status.code == 409 => {
                // Only the owner's own secret is updated; the resource version makes sure
                // the secret checked is the one patched.
                let existing = self.secrets().get(&name).await.map_err(|e| from_kube(e, &name))?;
                if !is_owned_by(existing.metadata.annotations.as_ref(), owner) {
                    return Err(OrchestratorError::OwnerMismatch(name));
                }
                let patch = Patch::Strategic(
                    json!({"metadata": {"resourceVersion": existing.metadata.resource_version},
                                                    "data": data}),
                );
                self.secrets()
                    .patch(&name, &PatchParams::default(), &patch)
                    .await
                    .map_err(|e| from_kube(e, &name))?;
                Ok(())
            }
            Err(error) => Err(from_kube(error, &name)),
        }
    }
}

#[async_trait]
impl UserSecretStore for KubernetesOrchestrator {
    async fn prepare_user_resources(
        &self,
        owner: &DesktopOwner,
        secrets: &[UserSecret],
    ) -> Result<(), OrchestratorError> {
        for secret in secrets {
            self.write_secret(owner, secret).await?;
        }
        Ok(())
    }

    async fn read_user_secret(
        &self,
        owner: &DesktopOwner,
        kind: &str,
    ) -> Result<Option<UserSecret>, OrchestratorError> {
        let name = SecretName::new(kind, owner).to_string();
        let secret = self.secrets().get_opt(&name).await.map_err(|e| from_kube(e, &name))?;
        if let Some(found) = &secret
            && !is_owned_by(found.metadata.annotations.as_ref(), owner)
        {
            return Err(OrchestratorError::OwnerMismatch(name));
        }
        Ok(secret.map(|s| {
            // Text entries are data, the others (a keytab) files.
            let (mut data, mut files) = (BTreeMap::new(), BTreeMap::new());
            for (key, value) in s.data.unwrap_or_default() {
                match String::from_utf8(value.0) {
                    Ok(text) => {
                        data.insert(key, text);
                    }
                    Err(bytes) => {
                        files.insert(key, bytes.into_bytes());
                    }
                }
            }
            UserSecret {
                kind: kind.to_owned(),
                data,
                files,
            }
        }))
    }

    async fn list_user_secret_types(&self, owner: &DesktopOwner) -> Result<Vec<String>, OrchestratorError> {
        let list = self
            .secrets()
            .list(&ListParams::default().labels(&owner_selector(owner)))
            .await
            .map_err(|e| from_kube(e, "secrets"))?;
        Ok(list
            .items
            .into_iter()
            .filter(|s| is_owned_by(s.metadata.annotations.as_ref(), owner))
            .filter(|s| s.data.as_ref().is_some_and(|d| !d.is_empty()))
            .filter_map(|s| s.type_)
            .collect())
    }

    async fn remove_user_resources(&self, owner: &DesktopOwner) -> Result<(), OrchestratorError> {
        let selector = owner_selector(owner);
        self.delete_owned(self.secrets(), &selector, owner).await?;
        let configmaps: kube::Api<k8s_openapi::api::core::v1::ConfigMap> =
            kube::Api::namespaced(self.client.clone(), &self.settings.namespace);
        self.delete_owned(configmaps, &selector, owner).await
    }
}
