//! Names derived from users and applications (pods, containers, secrets).
//!
//! pyos normalised with Unicode `isalnum`, which lets `é` into names Kubernetes rejects;
//! deskplane keeps only ASCII letters and digits (auth.md open question 9).

/// Replaces every character that is not an ASCII letter, digit or `-` by `-`, drops one
/// leading and one trailing `-`, and lowercases (pyos `normalize_name`).
pub fn normalize_name(text: &str) -> String {
    let replaced: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let trimmed = replaced.strip_prefix('-').unwrap_or(&replaced);
    trimmed.strip_suffix('-').unwrap_or(trimmed).to_owned()
}

/// [`normalize_name`] cut to 62 characters (pyos `dns-name`), then trimmed of a trailing `-`
/// the cut may leave, so the result is always a valid DNS label.
pub fn dns_name(text: &str) -> String {
    let normalized = normalize_name(text);
    let cut: String = normalized.chars().take(62).collect();
    cut.trim_matches('-').to_owned()
}

/// A Linux user name from arbitrary text (pyos `safe_uid`): starts at the first letter or
/// digit, keeps letters, digits and `-`, lowercase, at most 31 characters. `None` when the
/// text has no letter or digit.
pub fn safe_uid(text: &str) -> Option<String> {
    let start = text.find(|c: char| c.is_ascii_alphanumeric())?;
    let uid: String = text[start..]
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .map(|c| c.to_ascii_lowercase())
        .take(31)
        .collect();
    Some(uid)
}

/// Whether `text` is a Kubernetes object name (RFC 1123 subdomain): 1–253 characters of
/// lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit, no
/// empty dot-separated part. Every name a client sends that reaches an orchestrator API
/// path is checked with this first, so `../x`, `pod/log` or `pod?dryRun=All` never
/// become another API path.
pub fn is_object_name(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 253
        && text.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        })
}

/// The short form of an image name: after the last `/`, before the first `:`, `.` → `-`.
pub fn image_short_name(image: &str) -> String {
    let last = image.rsplit('/').next().unwrap_or(image);
    let untagged = last.split(':').next().unwrap_or(last);
    untagged.replace('.', "-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_match_pyos_for_ascii_input() {
        assert_eq!(normalize_name("x-planet-fry"), "x-planet-fry");
        assert_eq!(normalize_name("Philip J. Fry"), "philip-j--fry");
        assert_eq!(normalize_name("-fry-"), "fry");
        assert_eq!(normalize_name("--fry--"), "-fry-");
        assert_eq!(
            dns_name("Philip J. Fry-2048-alpine-0ece1"),
            "philip-j--fry-2048-alpine-0ece1"
        );
        assert_eq!(dns_name(&"a".repeat(70)).len(), 62);
        assert_eq!(dns_name(&format!("{}-{}", "a".repeat(61), "bcd")), "a".repeat(61));
    }

    #[test]
    fn non_ascii_letters_never_reach_a_name() {
        assert_eq!(normalize_name("Zoé"), "zo");
        assert_eq!(safe_uid("  Émile Zola"), Some("milezola".to_owned()));
    }

    #[test]
    fn safe_uids_are_linux_user_names() {
        assert_eq!(safe_uid("Philip J. Fry"), Some("philipjfry".to_owned()));
        assert_eq!(safe_uid("__fry__"), Some("fry".to_owned()));
        assert_eq!(safe_uid("???"), None);
        assert_eq!(safe_uid(&"a".repeat(40)).map(|u| u.len()), Some(31));
    }

    #[test]
    fn object_names_refuse_paths_queries_and_junk() {
        for good in ["fry-1f2e3", "a", "x.y-z", &"a".repeat(253)] {
            assert!(is_object_name(good), "{good}");
        }
        for bad in [
            "",
            " ",
            "../x",
            "../../kube-system/pods/x",
            "pod/log",
            "pod?dryRun=All",
            "pod#x",
            "Fry",
            "a\0b",
            "a\r\nb",
            "-a",
            "a-",
            "a..b",
            ".a",
            &"a".repeat(254),
        ] {
            assert!(!is_object_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn image_short_names() {
        assert_eq!(image_short_name("abcdesktopio/firefox.d:3.0"), "firefox-d");
        assert_eq!(image_short_name("ghcr.io/abcdesktopio/oc.user:4.4"), "oc-user");
    }
}
