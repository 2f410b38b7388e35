//! Configured identity providers.

use crate::domain::acl::Acl;
use crate::domain::rules::RuleSet;
use crate::domain::tokens::RoleReduction;
use crate::ports::{Directory, OAuthProvider};
use std::sync::Arc;

/// The four pyos manager families.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagerKind {
    /// OAuth2 providers.
    External,
    /// LDAP and Active Directory providers.
    Explicit,
    /// The metadirectory provider.
    MetaExplicit,
    /// Anonymous and header/certificate-trusting providers.
    Implicit,
}

impl ManagerKind {
    /// Parses a manager name.
    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "external" => Some(Self::External),
            "explicit" => Some(Self::Explicit),
            "metaexplicit" => Some(Self::MetaExplicit),
            "implicit" => Some(Self::Implicit),
            _ => None,
        }
    }
    /// The manager name.
    pub fn name(self) -> &'static str {
        match self {
            Self::External => "external",
            Self::Explicit => "explicit",
            Self::MetaExplicit => "metaexplicit",
            Self::Implicit => "implicit",
        }
    }
}

/// How a provider looks on the login page.
#[derive(Debug, Clone, Default)]
pub struct ProviderDisplay {
    /// Display name (also used in the success message).
    pub displayname: String,
    /// Caption.
    pub caption: String,
    /// Icon path.
    pub icon: Option<String>,
    /// Button background colour.
    pub backgroundcolor: Option<String>,
    /// Button text colour.
    pub textcolor: Option<String>,
    /// Where the login button leads (implicit providers).
    pub dialog_url: Option<String>,
}

/// How a provider authenticates.
#[derive(Clone)]
pub enum ProviderMethod {
    /// The server names an anonymous user.
    Anonymous {
        /// POSIX login name of anonymous users.
        uid: String,
        /// Display name of anonymous users.
        username: String,
        /// When true, a `userid` sent by the caller becomes the identity (pyos's default,
        /// an impersonation risk). Off unless the operator turns it on.
        allow_caller_userid: bool,
    },
    /// Bind to a directory with the user's password.
    Directory {
        /// The directory.
        directory: Arc<dyn Directory>,
        /// NetBIOS domain (Active Directory providers).
        domain: Option<String>,
        /// Attribute giving the user id (`uid`; AD `sAMAccountName`).
        userid_attribute: String,
        /// Attribute giving the display name (`cn`; AD `name`).
        name_attribute: String,
        /// Attribute listing group DNs (`memberOf`).
        memberof_attribute: String,
        /// Metadirectory providers: the attribute naming the account's home account as
        /// `DOMAIN\\sAMAccountName` (`join_key_ldapattribut`).
        join_attribute: Option<String>,
    },
    /// OAuth2 authorization code with PKCE.
    OAuth {
        /// The client.
        client: Arc<dyn OAuthProvider>,
        /// pyos's `userinfomap`.
        userinfomap: Option<serde_json::Map<String, serde_json::Value>>,
    },
}

/// One configured provider.
#[derive(Clone)]
pub struct Provider {
    /// Name (config key).
    pub name: String,
    /// Its manager.
    pub manager: ManagerKind,
    /// Provider type written into tokens (`anonymous`, `ldap`, `activedirectory`, `oauth`…).
    pub providertype: String,
    /// Login-page look.
    pub display: ProviderDisplay,
    /// Listed by `getauthconfig`.
    pub showclientdata: bool,
    /// Default provider of its manager.
    pub default: bool,
    /// Who may log in (evaluated before labels exist, so only `all` entries match).
    pub acl: Acl,
    /// Label rules.
    pub rules: RuleSet,
    /// How roles are shrunk for the token.
    pub roles: RoleReduction,
    /// The explicit provider whose password upgrades this provider's users
    /// (`auth/buildsecret`), if any.
    pub explicit_approval: Option<String>,
    /// How it authenticates.
    pub method: ProviderMethod,
}
