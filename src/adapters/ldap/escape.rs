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
}
