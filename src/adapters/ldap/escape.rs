//! Escaping user input for LDAP: a login goes into a bind DN (RFC 4514) and into search
//! filters (RFC 4515), and each place has its own special characters.

/// `value` escaped as one RDN attribute value (RFC 4514 §2.4).
pub fn dn_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len() + 4);
    let last = value.chars().count().saturating_sub(1);
    for (index, character) in value.chars().enumerate() {
        let leading = index == 0 && (character == ' ' || character == '#');
        let trailing = index == last && character == ' ';
        match character {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' | '=' => {
                escaped.push('\\');
                escaped.push(character);
            }
            '\0' => escaped.push_str("\\00"),
            _ if leading || trailing => {
                escaped.push('\\');
                escaped.push(character);
            }
            _ => escaped.push(character),
        }
    }
    escaped
}

/// `value` escaped as a filter assertion value (RFC 4515 §3).
pub fn filter_value(value: &str) -> String {
    ldap3::ldap_escape(value).into_owned()
}

/// `template` with each `%s` replaced, in order, by the next of `values` (already
/// escaped), as pyos's `filter % (a, b)`; a `%s` past the last value is left empty.
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut filled = String::with_capacity(template.len() + 16);
    let mut values = values.iter();
    let mut parts = template.split("%s");
    if let Some(first) = parts.next() {
        filled.push_str(first);
    }
    for part in parts {
        filled.push_str(values.next().copied().unwrap_or_default());
        filled.push_str(part);
    }
    filled
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_cannot_add_rdns_or_filter_terms() {
        assert_eq!(dn_value("Philip J. Fry"), "Philip J. Fry");
        assert_eq!(dn_value("fry,ou=admins"), "fry\\,ou\\=admins");
        assert_eq!(dn_value(" #lead trail "), "\\ #lead trail\\ ");
        assert_eq!(dn_value("#hash"), "\\#hash");
        assert_eq!(dn_value("a+b\"c\\d<e>f;g\0"), "a\\+b\\\"c\\\\d\\<e\\>f\\;g\\00");
        assert_eq!(filter_value("*)(uid=*"), "\\2a\\29\\28uid=\\2a");
        assert_eq!(filter_value("fry"), "fry");
    }

    #[test]
    fn templates_take_their_values_in_order() {
        assert_eq!(
            fill("(&(!(gidNumber=%s))(memberUid=%s))", &["1002", "fry"]),
            "(&(!(gidNumber=1002))(memberUid=fry))"
        );
        assert_eq!(fill("(cn=%s)", &[]), "(cn=)");
        assert_eq!(fill("(objectClass=*)", &["x"]), "(objectClass=*)");
    }
}
