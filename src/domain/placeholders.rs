//! `{{ name }}` placeholders, as the mustache templates of pyos's config fill them: each
//! name (blanks around it ignored) is replaced by its value, an unknown name by nothing,
//! and an unclosed `{{` is kept as text.

/// `template` with every placeholder replaced by `value(name)`.
pub fn fill(template: &str, mut value: impl FnMut(&str) -> String) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find("}}") else {
            out.push_str(&rest[start..]);
            return out;
        };
        out.push_str(&value(rest[start + 2..start + end].trim()));
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_are_filled_unknown_ones_empty_and_open_braces_kept() {
        let value = |name: &str| if name == "uid" { "fry".to_owned() } else { String::new() };
        assert_eq!(super::fill("/home/{{uid}}/{{ uid }}", value), "/home/fry/fry");
        assert_eq!(super::fill("a{{ nope }}b", value), "ab");
        assert_eq!(super::fill("a {{ uid", value), "a {{ uid");
    }
}
