//! Token policy: what the user and desktop JWTs carry and how long they live.

use crate::domain::identity::{Caller, Identity, UserId};
use crate::domain::labels::{Labels, is_valid_label_name};
use crate::ports::clock::UnixSeconds;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// Claims of a user token, with pyos's names (`auth`, `user`, `roles`, `exp`, `nbf`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserClaims {
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Not before, seconds since the epoch.
    pub nbf: i64,
    /// How the user authenticated.
    pub auth: AuthClaim,
    /// Who the user is.
    pub user: UserClaim,
    /// Roles as a map role → null (pyos 4.x shape).
    pub roles: BTreeMap<String, Value>,
}

/// The `auth` claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthClaim {
    /// Provider name.
    pub provider: String,
    /// Provider type.
    pub providertype: String,
    /// Public auth data.
    #[serde(default)]
    pub data: AuthData,
}

/// The `auth.data` claim: only the AD domain and the labels.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AuthData {
    /// Active Directory domain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub domain: Option<String>,
    /// Auth labels.
    #[serde(default)]
    pub labels: Labels,
}

/// The `user` claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserClaim {
    /// Display name.
    #[serde(default)]
    pub name: String,
    /// User id.
    #[serde(default)]
    pub userid: String,
}

/// Claims of a desktop token. `nfb` is pyos's misspelling of `nbf`, kept because the
/// router reads it; the standard `nbf` is sent too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DesktopClaims {
    /// Always 0.
    pub key: i64,
    /// Issue time under pyos's misspelt name.
    pub nfb: i64,
    /// Issue time.
    pub nbf: i64,
    /// Sealed desktop address.
    pub hash: String,
    /// Expiry.
    pub exp: i64,
}

/// Lifetimes and clock-skew tolerance of the tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenPolicy {
    /// User token lifetime, seconds.
    pub user_lifetime: i64,
    /// Tolerated clock skew on `exp` and `nbf`, seconds.
    pub leeway: i64,
    /// Desktop token lifetime, seconds.
    pub desktop_lifetime: i64,
}

impl TokenPolicy {
    /// Claims for a fresh user token. Labels with names Kubernetes would refuse are dropped
    /// (config validation already refuses rules that would produce them).
    pub fn user_claims(&self, identity: &Identity, now: UnixSeconds) -> UserClaims {
        let labels = identity
            .labels
            .iter()
            .filter(|(name, _)| is_valid_label_name(name))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        UserClaims {
            exp: now + self.user_lifetime,
            nbf: now,
            auth: AuthClaim {
                provider: identity.provider.clone(),
                providertype: identity.providertype.clone(),
                data: AuthData {
                    domain: identity.domain.clone(),
                    labels,
                },
            },
            user: UserClaim {
                name: identity.name.clone(),
                userid: identity.userid.to_string(),
            },
            roles: identity.roles.iter().map(|role| (role.clone(), Value::Null)).collect(),
        }
    }

    /// Turns verified claims into a caller, checking `exp` and `nbf` against `now` with
    /// the leeway. Expired and not-yet-valid tokens give an anonymous caller, exactly like
    /// forged ones, so a client cannot tell them apart.
    pub fn caller_from(&self, claims: UserClaims, now: UnixSeconds) -> Caller {
        if now > claims.exp + self.leeway || now + self.leeway < claims.nbf || claims.auth.provider.is_empty() {
            return Caller::Anonymous;
        }
        let Ok(userid) = UserId::parse(&claims.user.userid) else {
            return Caller::Unidentified;
        };
        Caller::Identified(Identity {
            provider: claims.auth.provider,
            providertype: claims.auth.providertype,
            domain: claims.auth.data.domain,
            labels: claims.auth.data.labels,
            userid,
            name: claims.user.name,
            roles: claims.roles.into_keys().collect(),
        })
    }

    /// Claims for a desktop token sealing `hash`.
    pub fn desktop_claims(&self, hash: String, now: UnixSeconds) -> DesktopClaims {
        DesktopClaims {
            key: 0,
            nfb: now,
            nbf: now,
            hash,
            exp: now + self.desktop_lifetime,
        }
    }
}

/// How a provider shrinks group DNs before they go into the token (`reduce_roles_for_jwt`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleReduction {
    /// Keep no roles.
    None,
    /// Keep roles as they are.
    Raw,
    /// Keep the first RDN value of each DN when it has more than 2 characters.
    CommonName,
}

impl RoleReduction {
    /// Parses the config value (`none`, `raw`, `cn`).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "none" => Some(Self::None),
            "raw" => Some(Self::Raw),
            "cn" => Some(Self::CommonName),
            _ => None,
        }
    }

    /// Applies the reduction.
    pub fn reduce(self, roles: &[String]) -> Vec<String> {
        match self {
            Self::None => Vec::new(),
            Self::Raw => roles.to_vec(),
            Self::CommonName => roles
                .iter()
                .filter_map(|role| {
                    let first_rdn = role.split(',').next()?;
                    let (_, value) = first_rdn.split_once('=')?;
                    (first_rdn.len() > 2 && !value.is_empty()).then(|| value.to_owned())
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> TokenPolicy {
        TokenPolicy {
            user_lifetime: 360,
            leeway: 20,
            desktop_lifetime: 240,
        }
    }

    fn fry() -> Identity {
        Identity {
            provider: "planet".into(),
            providertype: "ldap".into(),
            domain: None,
            labels: [("ship-crew".to_owned(), "true".to_owned())].into(),
            userid: UserId::parse("fry").unwrap(),
            name: "Philip J. Fry".into(),
            roles: vec!["ship_crew".into()],
        }
    }

    #[test]
    fn user_claims_round_trip_into_the_same_identity() {
        let claims = policy().user_claims(&fry(), 1_000);
        assert_eq!(claims.exp, 1_360);
        assert_eq!(claims.nbf, 1_000);
        assert_eq!(claims.roles.get("ship_crew"), Some(&Value::Null));
        assert_eq!(policy().caller_from(claims, 1_100), Caller::Identified(fry()));
    }

    #[test]
    fn expiry_and_not_before_honour_the_leeway() {
        let claims = policy().user_claims(&fry(), 1_000);
        assert!(matches!(
            policy().caller_from(claims.clone(), 1_380),
            Caller::Identified(_)
        ));
        assert_eq!(policy().caller_from(claims.clone(), 1_381), Caller::Anonymous);
        assert!(matches!(
            policy().caller_from(claims.clone(), 980),
            Caller::Identified(_)
        ));
        assert_eq!(policy().caller_from(claims, 979), Caller::Anonymous);
    }

    #[test]
    fn a_token_without_userid_is_unidentified() {
        let mut claims = policy().user_claims(&fry(), 1_000);
        claims.user.userid = String::new();
        assert_eq!(policy().caller_from(claims, 1_000), Caller::Unidentified);
    }

    #[test]
    fn desktop_claims_keep_the_pyos_misspelling() {
        let claims = policy().desktop_claims("sealed".into(), 50);
        let json = serde_json::to_value(&claims).unwrap();
        assert_eq!(json["nfb"], 50);
        assert_eq!(json["nbf"], 50);
        assert_eq!(json["exp"], 290);
        assert_eq!(json["key"], 0);
    }

    #[test]
    fn roles_are_reduced_to_common_names() {
        let roles = vec![
            "cn=ship_crew,ou=groups,dc=planetexpress,dc=com".to_owned(),
            "x=,dc=a".to_owned(),
            "ab".to_owned(),
        ];
        assert_eq!(RoleReduction::CommonName.reduce(&roles), vec!["ship_crew".to_owned()]);
        assert!(RoleReduction::None.reduce(&roles).is_empty());
        assert_eq!(RoleReduction::Raw.reduce(&roles).len(), 3);
    }
}
