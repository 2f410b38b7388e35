//! Nested group membership (`recursive_search`, auth.md §4.6.4): the groups of a user's
//! groups, and theirs. Active Directory answers it in one search with the in-chain
//! matching rule (`LDAP_MATCHING_RULE_IN_CHAIN`); other servers do not have the rule, so
//! there the groups' own `memberOf` are followed, level by level, with bounds.

use super::{LdapDirectory, escape};
use crate::ports::directory::{DirectoryEntry, DirectoryError};
use ldap3::Scope;
use std::collections::BTreeSet;

/// `supportedCapabilities` value of an Active Directory server (LDAP_CAP_ACTIVE_DIRECTORY_OID).
const ACTIVE_DIRECTORY_CAPABILITY: &str = "1.2.840.113556.1.4.800";
/// The in-chain matching rule.
const IN_CHAIN: &str = "1.2.840.113556.1.4.1941";
/// Most levels of nesting followed where the server has no in-chain rule.
const MAX_DEPTH: usize = 10;
/// Most groups collected for one user.
const MAX_GROUPS: usize = 1_000;

impl LdapDirectory {
    /// Adds to `user`'s `memberOf` every group it is in through other groups.
    pub(super) async fn add_nested_groups(&self, user: &mut DirectoryEntry) -> Result<(), DirectoryError> {
        let attribute = self.settings.memberof_attribute.clone();
        let direct: Vec<String> = user.values(&attribute).to_vec();
        let all = if self.has_in_chain_rule().await? {
            self.groups_in_chain(&user.dn).await?
        } else {
            self.groups_level_by_level(&direct).await?
        };
        let mut seen: BTreeSet<String> = direct.iter().map(|dn| dn.to_lowercase()).collect();
        let values = user.attributes.entry(attribute).or_default();
        for group in all {
            if seen.insert(group.to_lowercase()) {
                values.push(group);
            }
        }
        Ok(())
    }

    /// Whether the server is Active Directory (asked once, then remembered).
    async fn has_in_chain_rule(&self) -> Result<bool, DirectoryError> {
        if let Some(known) = self.in_chain.get() {
            return Ok(*known);
        }
        let root = self
            .service_search("", Scope::Base, "(objectClass=*)", vec!["supportedCapabilities"])
            .await?;
        let supported = root.first().is_some_and(|dse| {
            dse.values("supportedCapabilities")
                .iter()
                .any(|c| c == ACTIVE_DIRECTORY_CAPABILITY)
        });
        Ok(*self.in_chain.get_or_init(|| supported))
    }

    async fn groups_in_chain(&self, user_dn: &str) -> Result<Vec<String>, DirectoryError> {
        let filter = format!("(member:{IN_CHAIN}:={})", escape::filter_value(user_dn));
        let groups = self
            .service_search(&self.settings.groups_ou, Scope::Subtree, &filter, vec!["1.1"])
            .await?;
        Ok(groups.into_iter().map(|group| group.dn).collect())
    }

    /// The groups of `direct`'s groups, breadth first, each read once.
    async fn groups_level_by_level(&self, direct: &[String]) -> Result<Vec<String>, DirectoryError> {
        let attribute = self.settings.memberof_attribute.as_str();
        let mut seen: BTreeSet<String> = direct.iter().map(|dn| dn.to_lowercase()).collect();
        let mut found = Vec::new();
        let mut level: Vec<String> = direct.to_vec();
        for _ in 0..MAX_DEPTH {
            let mut next = Vec::new();
            for group in &level {
                let entries = self
                    .service_search(group, Scope::Base, "(objectClass=*)", vec![attribute])
                    .await?;
                for parent in entries.iter().flat_map(|entry| entry.values(attribute)) {
                    if seen.len() < MAX_GROUPS && seen.insert(parent.to_lowercase()) {
                        found.push(parent.clone());
                        next.push(parent.clone());
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            level = next;
        }
        Ok(found)
    }
}
