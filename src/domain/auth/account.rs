//! The POSIX account a user's desktop runs as, and the secrets written at login.

use crate::domain::desktop::{PosixAccount, PosixGroup, UserSecret};
use crate::domain::naming::safe_uid;
use crate::domain::secret::Secret;
use serde_json::{Map, Value};
use sha_crypt::{ROUNDS_DEFAULT, Sha512Params, sha512_crypt_b64};
use std::collections::BTreeMap;

/// The "balloon" account used when the directory gives no POSIX account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PosixDefaults {
    /// Default login name (`desktop.username`).
    pub username: String,
    /// Default group name (`desktop.groupname`).
    pub groupname: String,
    /// Default uid number (`desktop.userid`).
    pub uid_number: u32,
    /// Default gid number (`desktop.groupid`).
    pub gid_number: u32,
    /// Root of home directories (`desktop.homerootdirectory`).
    pub home_root: String,
    /// Login shell.
    pub shell: String,
    /// System groups every account is a member of (`desktop.account_groups`).
    pub account_groups: Vec<AccountGroup>,
}

/// A system group of the desktop image the account joins (`sudo`, `lpadmin`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountGroup {
    /// Name.
    pub name: String,
    /// gid number.
    pub gid: u32,
}

/// Builds the POSIX account from user info: the directory's `posix` map when present,
/// else the balloon numbers with a login name derived from the user.
pub fn posix_account_from(user: &Map<String, Value>, defaults: &PosixDefaults) -> PosixAccount {
    let text = |map: &Map<String, Value>, key: &str| map.get(key).and_then(scalar_text);
    let posix = user.get("posix").and_then(Value::as_object);
    let uid = posix
        .and_then(|p| text(p, "uid"))
        .or_else(|| text(user, "uid"))
        .or_else(|| text(user, "userid"))
        .and_then(|u| safe_uid(&u))
        .unwrap_or_else(|| defaults.username.clone());
    let number = |key: &str, default: u32| {
        posix
            .and_then(|p| p.get(key))
            .and_then(|v| v.as_u64().or_else(|| v.as_str()?.parse().ok()))
            .and_then(|n| u32::try_from(n).ok())
            .unwrap_or(default)
    };
    PosixAccount {
        gid: posix
            .and_then(|p| text(p, "gid"))
            .unwrap_or_else(|| uid.clone())
            .to_lowercase(),
        uid_number: number("uidNumber", defaults.uid_number),
        gid_number: number("gidNumber", defaults.gid_number),
        home_directory: posix
            .and_then(|p| text(p, "homeDirectory"))
            .unwrap_or_else(|| format!("{}/{uid}", defaults.home_root.trim_end_matches('/'))),
        login_shell: posix
            .and_then(|p| text(p, "loginShell"))
            .unwrap_or_else(|| defaults.shell.clone()),
        gecos: text(user, "name").unwrap_or_else(|| uid.clone()),
        uid,
        groups: posix.map(posix_groups_of).unwrap_or_default(),
    }
}

/// `posix.groups`: group entries (`cn`, `gidNumber`, `memberUid`), or the JSON text of
/// them a `posixaccount` secret holds. Entries without a name or a numeric id are dropped.
fn posix_groups_of(posix: &Map<String, Value>) -> Vec<PosixGroup> {
    let entries = match posix.get("groups") {
        Some(Value::Array(entries)) => entries.clone(),
        Some(Value::String(json)) => serde_json::from_str(json).unwrap_or_default(),
        _ => Vec::new(),
    };
    entries
        .iter()
        .filter_map(|entry| {
            let entry = entry.as_object()?;
            let gid_number = entry
                .get("gidNumber")
                .and_then(|v| v.as_u64().or_else(|| scalar_text(v)?.parse().ok()))
                .and_then(|n| u32::try_from(n).ok())?;
            let members = match entry.get("memberUid") {
                Some(Value::Array(items)) => items.iter().filter_map(scalar_text).collect(),
                Some(other) => scalar_text(other).into_iter().collect(),
                None => Vec::new(),
            };
            Some(PosixGroup {
                cn: entry.get("cn").and_then(scalar_text)?,
                gid_number,
                members,
            })
        })
        .collect()
}

fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Array(items) => items.first().and_then(scalar_text),
        _ => None,
    }
}

/// The shadow form of a password: SHA-512-crypt (`$6$`, 5000 rounds, as pyos) with `salt`.
pub fn shadow_hash(password: &Secret, salt: &str) -> Option<String> {
    let params = Sha512Params::new(ROUNDS_DEFAULT).ok()?;
    let hash = sha512_crypt_b64(password.expose().as_bytes(), salt.as_bytes(), &params).ok()?;
    Some(format!("$6${salt}${hash}"))
}

/// The secrets pyos writes at login: `ldif` (the user info, for `whoami`), `localaccount`
/// (the passwd, shadow, group and gshadow files and the raw account fields) and
/// `posixaccount`. `shadow` is the user's hashed password; without one (anonymous, OAuth)
/// the account is locked (`!`) instead of getting pyos's well-known default password.
pub fn user_secrets(
    user: &Map<String, Value>,
    posix: &PosixAccount,
    shadow: Option<String>,
    account_groups: &[AccountGroup],
) -> Vec<UserSecret> {
    let ldif = user
        .iter()
        .filter(|(key, _)| key.as_str() != "posix")
        .map(|(key, value)| {
            (
                key.clone(),
                value.as_str().map_or_else(|| value.to_string(), str::to_owned),
            )
        })
        .collect();
    let passwd = format!(
        "{}:x:{}:{}:{}:{}:{}\n",
        posix.uid, posix.uid_number, posix.gid_number, posix.gecos, posix.home_directory, posix.login_shell
    );
    let mut group = format!("{}:x:{}:{}\n", posix.gid, posix.gid_number, posix.uid);
    // 19080 is pyos's fixed "last change" day; the aging fields never expire the account.
    let shadow_line = format!(
        "{}:{}:19080:0:99999:7:::\n",
        posix.uid,
        shadow.as_deref().unwrap_or("!")
    );
    let mut gshadow = format!("{}:!::{}\n", posix.gid, posix.uid);
    for extra in &posix.groups {
        let members = extra.members.join(",");
        group.push_str(&format!("{}:x:{}:{members}\n", extra.cn, extra.gid_number));
        gshadow.push_str(&format!("{}:!::{members}\n", extra.cn));
    }
    // A group the account already has (by name or number) is not listed twice.
    let taken = |name: &str, gid: u32| {
        name == posix.gid || gid == posix.gid_number || posix.groups.iter().any(|g| g.cn == name || g.gid_number == gid)
    };
    for system in account_groups.iter().filter(|g| !taken(&g.name, g.gid)) {
        group.push_str(&format!("{}:x:{}:{}\n", system.name, system.gid, posix.uid));
        gshadow.push_str(&format!("{}:!::{}\n", system.name, posix.uid));
    }
    let mut localaccount = account_fields(posix);
    localaccount.insert("passwd".into(), passwd);
    localaccount.insert("group".into(), group);
    localaccount.insert("shadow".into(), shadow_line);
    localaccount.insert("gshadow".into(), gshadow);
    if let Some(hash) = shadow {
        localaccount.insert("sha512".into(), hash);
    }
    vec![
        UserSecret {
            files: Default::default(),
            kind: "ldif".into(),
            data: ldif,
        },
        UserSecret {
            files: Default::default(),
            kind: "localaccount".into(),
            data: localaccount,
        },
        UserSecret {
            files: Default::default(),
            kind: "posixaccount".into(),
            data: account_fields(posix),
        },
    ]
}

fn account_fields(posix: &PosixAccount) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::from([
        ("uid".to_owned(), posix.uid.clone()),
        ("gid".to_owned(), posix.gid.clone()),
        ("uidNumber".to_owned(), posix.uid_number.to_string()),
        ("gidNumber".to_owned(), posix.gid_number.to_string()),
        ("homeDirectory".to_owned(), posix.home_directory.clone()),
        ("loginShell".to_owned(), posix.login_shell.clone()),
        ("gecos".to_owned(), posix.gecos.clone()),
    ]);
    if !posix.groups.is_empty() {
        fields.insert(
            "groups".into(),
            serde_json::to_string(&posix.groups).unwrap_or_default(),
        );
    }
    fields
}

/// Reads a POSIX account back from the fields of a `localaccount` or `posixaccount` secret.
pub fn posix_account_from_secret(data: &BTreeMap<String, String>, defaults: &PosixDefaults) -> PosixAccount {
    let as_value: Map<String, Value> = data
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let mut user = Map::new();
    user.insert("name".into(), as_value.get("gecos").cloned().unwrap_or(Value::Null));
    user.insert("posix".into(), Value::Object(as_value));
    posix_account_from(&user, defaults)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::posix_defaults;
    use serde_json::json;

    #[test]
    fn directory_posix_accounts_win_over_the_balloon() {
        let user = json!({"userid": "fry", "name": "Philip J. Fry",
            "posix": {"uid": "fry", "uidNumber": "1003", "gidNumber": 1001, "homeDirectory": "/home/fry", "loginShell": "/bin/zsh"}});
        let posix = posix_account_from(user.as_object().unwrap(), &posix_defaults());
        assert_eq!(
            (posix.uid.as_str(), posix.uid_number, posix.gid_number),
            ("fry", 1003, 1001)
        );
        assert_eq!(posix.login_shell, "/bin/zsh");
        let hash = shadow_hash(&Secret::new("fry"), "saltsaltsalt1234").unwrap();
        assert!(
            sha_crypt::sha512_check("fry", &hash).is_ok(),
            "a valid $6$ hash of the password"
        );
        let secrets = user_secrets(user.as_object().unwrap(), &posix, Some(hash.clone()), &[]);
        assert_eq!(secrets[1].data["shadow"], format!("fry:{hash}:19080:0:99999:7:::\n"));
        assert_eq!(secrets[1].data["gshadow"], "fry:!::fry\n");
        let kinds: Vec<_> = secrets.iter().map(|s| s.kind.as_str()).collect();
        assert_eq!(kinds, ["ldif", "localaccount", "posixaccount"]);
        assert_eq!(
            secrets[1].data["passwd"],
            "fry:x:1003:1001:Philip J. Fry:/home/fry:/bin/zsh\n"
        );
        let back = posix_account_from_secret(&secrets[2].data, &posix_defaults());
        assert_eq!(back, posix);
    }

    #[test]
    fn users_without_posix_get_the_balloon_numbers() {
        let user = json!({"userid": "5f0c…-uuid", "name": "Anonymous"});
        let posix = posix_account_from(user.as_object().unwrap(), &posix_defaults());
        assert_eq!((posix.uid_number, posix.gid_number), (4096, 4096));
        assert_eq!(posix.home_directory, format!("/home/{}", posix.uid));
        let secrets = user_secrets(user.as_object().unwrap(), &posix, None, &[]);
        assert!(
            secrets[1].data["shadow"].contains(":!:"),
            "no password: the account is locked, not the balloon default"
        );
        assert!(!secrets[1].data.contains_key("sha512"));
    }

    /// pyos's templates put every account in `sudo` and `lpadmin`; a group the account
    /// already has is not listed again.
    #[test]
    fn accounts_join_the_configured_system_groups() {
        let user = json!({"userid": "fry", "name": "Philip J. Fry"});
        let mut posix = posix_account_from(user.as_object().unwrap(), &posix_defaults());
        posix.gid = "sudo".into();
        let groups = [
            AccountGroup {
                name: "sudo".into(),
                gid: 27,
            },
            AccountGroup {
                name: "lpadmin".into(),
                gid: 101,
            },
        ];
        let secrets = user_secrets(user.as_object().unwrap(), &posix, None, &groups);
        assert_eq!(
            secrets[1].data["group"],
            format!("sudo:x:4096:{0}\nlpadmin:x:101:{0}\n", posix.uid)
        );
        assert_eq!(
            secrets[1].data["gshadow"],
            format!("sudo:!::{0}\nlpadmin:!::{0}\n", posix.uid)
        );
        assert!(secrets[1].data["shadow"].contains(":!:"), "still locked");
    }
}
