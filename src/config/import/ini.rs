//! The CherryPy INI dialect of od.config, read as Python's `configparser` reads it for
//! CherryPy: `[section]` headers, `key : value` or `key = value` options (the first `:` or
//! `=` splits; key case kept), values continued on more-indented lines (each stripped and
//! joined with a newline), full-line `#` and `;` comments skipped even inside a value, and
//! `%%` unescaped to `%` (basic interpolation).

use thiserror::Error;

/// One option: its section, key, raw value text and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IniOption {
    /// Section name (`global` for od.config's keys).
    pub section: String,
    /// Key as written (`desktop.pod`, `auth.logmein`).
    pub key: String,
    /// Value text, continuation lines included.
    pub value: String,
    /// 1-based line number of the key.
    pub line: usize,
}

/// Why the file is not in the dialect.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum IniError {
    /// A line that is neither a section, an option, a comment nor a continuation.
    #[error("line {line}: not a [section], key: value or indented continuation: {text}")]
    Stray {
        /// 1-based line number.
        line: usize,
        /// The line.
        text: String,
    },
    /// `%(name)s` interpolation, which the importer does not resolve.
    #[error("line {line}: %(name)s interpolation is not supported; write the value out")]
    Interpolation {
        /// 1-based line number of the key.
        line: usize,
    },
}

/// Reads every option of `text`, in file order.
///
/// # Errors
/// [`IniError`] naming the line.
pub fn parse(text: &str) -> Result<Vec<IniOption>, IniError> {
    let mut options: Vec<IniOption> = Vec::new();
    let mut section: Option<String> = None;
    // The indentation of the current option's key line, while a value may continue.
    let mut open_indent: Option<usize> = None;
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        let stripped = raw.trim();
        if stripped.starts_with('#') || stripped.starts_with(';') {
            continue;
        }
        if stripped.is_empty() {
            if let Some(option) = options.last_mut().filter(|_| open_indent.is_some()) {
                option.value.push('\n');
            }
            continue;
        }
        let indent = raw.len() - raw.trim_start().len();
        if let (Some(key_indent), Some(option)) = (open_indent, options.last_mut())
            && indent > key_indent
        {
            option.value.push('\n');
            option.value.push_str(stripped);
            continue;
        }
        if stripped.starts_with('[') && stripped.ends_with(']') {
            section = Some(stripped[1..stripped.len() - 1].trim().to_owned());
            open_indent = None;
            continue;
        }
        let split = stripped.find([':', '=']);
        let (Some(section), Some(split)) = (section.as_ref(), split) else {
            return Err(IniError::Stray {
                line,
                text: stripped.to_owned(),
            });
        };
        options.push(IniOption {
            section: section.clone(),
            key: stripped[..split].trim().to_owned(),
            value: stripped[split + 1..].trim().to_owned(),
            line,
        });
        open_indent = Some(indent);
    }
    for option in &mut options {
        option.value = option.value.trim_end().to_owned();
        if option.value.replace("%%", "").contains("%(") {
            return Err(IniError::Interpolation { line: option.line });
        }
        option.value = option.value.replace("%%", "%");
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_continue_on_indented_lines_and_comments_vanish() {
        let text = "# head\n[global]\nexp : 360\nmap: {\n  'a': 1,\n# inside\n\n\t'b': '%%s' }\nother = x:y\n";
        let options = parse(text).unwrap();
        let pairs: Vec<(&str, &str)> = options.iter().map(|o| (o.key.as_str(), o.value.as_str())).collect();
        assert_eq!(
            pairs,
            [("exp", "360"), ("map", "{\n'a': 1,\n\n'b': '%s' }"), ("other", "x:y")]
        );
        assert_eq!((options[1].line, options[1].section.as_str()), (4, "global"));
    }

    #[test]
    fn stray_lines_and_interpolation_are_refused() {
        assert_eq!(
            parse("key: 1\n"),
            Err(IniError::Stray {
                line: 1,
                text: "key: 1".into()
            })
        );
        assert!(matches!(
            parse("[global]\na: 1\n}\n"),
            Err(IniError::Stray { line: 3, .. })
        ));
        assert_eq!(parse("[global]\na: '%%(b)s'\n").unwrap()[0].value, "'%(b)s'");
        assert_eq!(
            parse("[global]\na: '%(b)s'\n"),
            Err(IniError::Interpolation { line: 2 })
        );
    }
}
