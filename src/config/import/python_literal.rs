//! Python literals as CherryPy reads od.config values: dicts, lists, tuples, strings (with
//! `u`/`r`/`b` prefixes, escapes, triple quotes and adjacent concatenation), numbers,
//! `True`, `False`, `None`, and `#` comments. Anything else (a call, a name, an operator)
//! is an error naming the offset, because CherryPy would not read it as a literal either.

use serde_json::{Map, Number, Value};
use thiserror::Error;

/// Why a value is not a Python literal.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("{message} at character {offset}")]
pub struct LiteralError {
    /// What was expected or found.
    pub message: String,
    /// Character offset in the value.
    pub offset: usize,
}

/// Reads `text` as one Python literal (`None` becomes JSON null).
///
/// # Errors
/// [`LiteralError`] for anything that is not a literal, or text after it.
pub fn parse(text: &str) -> Result<Value, LiteralError> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
    };
    let value = parser.value()?;
    parser.skip_blank();
    if parser.at < parser.chars.len() {
        return Err(parser.error("text after the value"));
    }
    Ok(value)
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn error(&self, message: &str) -> LiteralError {
        LiteralError {
            message: message.to_owned(),
            offset: self.at,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    /// Skips white space, line continuations and comments.
    fn skip_blank(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() || (c == '\\' && self.chars.get(self.at + 1) == Some(&'\n')) {
                self.at += 1;
            } else if c == '#' {
                while self.peek().is_some_and(|c| c != '\n') {
                    self.at += 1;
                }
            } else {
                break;
            }
        }
    }

    fn value(&mut self) -> Result<Value, LiteralError> {
        self.skip_blank();
        match self.peek() {
            Some('{') => self.dict(),
            Some('[') => self.sequence(']'),
            Some('(') => self.sequence(')'),
            Some(c) if c == '\'' || c == '"' || self.string_prefix_length() > 0 => self.strings(),
            Some(c) if c.is_ascii_digit() || c == '-' || c == '+' || c == '.' => self.number(),
            Some(c) if c.is_alphabetic() || c == '_' => self.name(),
            Some(_) => Err(self.error("not a Python literal")),
            None => Err(self.error("a value is missing")),
        }
    }

    fn dict(&mut self) -> Result<Value, LiteralError> {
        self.at += 1;
        let mut map = Map::new();
        loop {
            self.skip_blank();
            if self.peek() == Some('}') {
                self.at += 1;
                return Ok(Value::Object(map));
            }
            let key = match self.value()? {
                Value::String(key) => key,
                Value::Number(number) => number.to_string(),
                Value::Bool(flag) => if flag { "True" } else { "False" }.to_owned(),
                _ => return Err(self.error("a dict key must be a string or a number")),
            };
            self.skip_blank();
            if self.peek() != Some(':') {
                return Err(self.error("':' expected after a dict key"));
            }
            self.at += 1;
            let value = self.value()?;
            map.insert(key, value);
            if !self.separator('}')? {
                self.at += 1;
                return Ok(Value::Object(map));
            }
        }
    }

    /// A list or a tuple; `(x)` without a comma is `x` itself, as in Python.
    fn sequence(&mut self, close: char) -> Result<Value, LiteralError> {
        self.at += 1;
        let mut items = Vec::new();
        let mut commas = 0;
        loop {
            self.skip_blank();
            if self.peek() == Some(close) {
                self.at += 1;
                break;
            }
            items.push(self.value()?);
            if self.separator(close)? {
                commas += 1;
            } else {
                self.at += 1;
                break;
            }
        }
        if close == ')' && items.len() == 1 && commas == 0 {
            return Ok(items.remove(0));
        }
        Ok(Value::Array(items))
    }

    /// After an item: true for a comma (more may follow), false when `close` is next.
    fn separator(&mut self, close: char) -> Result<bool, LiteralError> {
        self.skip_blank();
        match self.peek() {
            Some(',') => {
                self.at += 1;
                Ok(true)
            }
            Some(c) if c == close => Ok(false),
            _ => Err(self.error(&format!("',' or '{close}' expected"))),
        }
    }

    fn string_prefix_length(&self) -> usize {
        let mut length = 0;
        while length < 2 && self.chars.get(self.at + length).is_some_and(|c| "uUrRbB".contains(*c)) {
            length += 1;
        }
        let quoted = self
            .chars
            .get(self.at + length)
            .is_some_and(|c| *c == '\'' || *c == '"');
        if quoted { length } else { 0 }
    }

    /// One or more adjacent string literals, concatenated.
    fn strings(&mut self) -> Result<Value, LiteralError> {
        let mut text = String::new();
        loop {
            text.push_str(&self.string()?);
            self.skip_blank();
            let next_is_string = matches!(self.peek(), Some('\'' | '"')) || self.string_prefix_length() > 0;
            if !next_is_string {
                return Ok(Value::String(text));
            }
        }
    }

    fn string(&mut self) -> Result<String, LiteralError> {
        let prefix = self.string_prefix_length();
        let raw = self.chars[self.at..self.at + prefix]
            .iter()
            .any(|c| *c == 'r' || *c == 'R');
        self.at += prefix;
        let quote = self.chars[self.at];
        let triple = self.chars.get(self.at + 1) == Some(&quote) && self.chars.get(self.at + 2) == Some(&quote);
        self.at += if triple { 3 } else { 1 };
        let mut text = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            if c == quote && (!triple || self.chars[self.at..].starts_with(&[quote, quote, quote])) {
                self.at += if triple { 3 } else { 1 };
                return Ok(text);
            }
            if c == '\n' && !triple {
                return Err(self.error("end of line in a string"));
            }
            self.at += 1;
            if c != '\\' {
                text.push(c);
                continue;
            }
            let Some(escaped) = self.peek() else {
                return Err(self.error("unterminated string"));
            };
            self.at += 1;
            if raw {
                text.push('\\');
                text.push(escaped);
                continue;
            }
            match escaped {
                '\n' => {}
                'n' => text.push('\n'),
                't' => text.push('\t'),
                'r' => text.push('\r'),
                '0' => text.push('\0'),
                '\\' | '\'' | '"' => text.push(escaped),
                'x' => text.push(self.code_point(2)?),
                'u' => text.push(self.code_point(4)?),
                'U' => text.push(self.code_point(8)?),
                // Python keeps an unknown escape as written.
                other => {
                    text.push('\\');
                    text.push(other);
                }
            }
        }
    }

    fn code_point(&mut self, digits: usize) -> Result<char, LiteralError> {
        let hex: String = self
            .chars
            .get(self.at..self.at + digits)
            .unwrap_or_default()
            .iter()
            .collect();
        self.at += digits;
        u32::from_str_radix(&hex, 16)
            .ok()
            .and_then(char::from_u32)
            .ok_or_else(|| self.error("bad escape"))
    }

    fn number(&mut self) -> Result<Value, LiteralError> {
        let start = self.at;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || "+-._".contains(c))
        {
            // A sign only starts the number or follows an exponent.
            let c = self.chars[self.at];
            if (c == '+' || c == '-') && self.at > start && !matches!(self.chars[self.at - 1], 'e' | 'E') {
                break;
            }
            self.at += 1;
        }
        let text: String = self.chars[start..self.at].iter().filter(|c| **c != '_').collect();
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text.strip_prefix('+').unwrap_or(&text)),
        };
        let integer = match digits.get(..2) {
            Some("0x" | "0X") => i64::from_str_radix(&digits[2..], 16).ok(),
            Some("0o" | "0O") => i64::from_str_radix(&digits[2..], 8).ok(),
            Some("0b" | "0B") => i64::from_str_radix(&digits[2..], 2).ok(),
            _ => digits.parse::<i64>().ok(),
        };
        if let Some(integer) = integer {
            return Ok(Value::Number(Number::from(if negative { -integer } else { integer })));
        }
        text.parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(Value::Number)
            .ok_or_else(|| LiteralError {
                message: format!("not a number: {text}"),
                offset: start,
            })
    }

    fn name(&mut self) -> Result<Value, LiteralError> {
        let start = self.at;
        while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
            self.at += 1;
        }
        let name: String = self.chars[start..self.at].iter().collect();
        match name.as_str() {
            "True" => Ok(Value::Bool(true)),
            "False" => Ok(Value::Bool(false)),
            "None" => Ok(Value::Null),
            _ => Err(LiteralError {
                message: format!("{name} is a name, not a literal"),
                offset: start,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse;
    use serde_json::json;

    #[test]
    fn od_config_values_read_as_python_reads_them() {
        assert_eq!(
            parse("{ 'exp': 360, 'k' : u'v', \"t\": True, 'n': None, 'f': -1.5e3, }").unwrap(),
            json!({"exp": 360, "k": "v", "t": true, "n": null, "f": -1500.0})
        );
        assert_eq!(parse("None  # use a empty dir ").unwrap(), json!(null));
        assert_eq!(parse("[ 'a', # one\n 'b' ]").unwrap(), json!(["a", "b"]));
        assert_eq!(parse("('a', 'b')").unwrap(), json!(["a", "b"]));
        assert_eq!(parse("('a')").unwrap(), json!("a"));
        assert_eq!(parse("()").unwrap(), json!([]));
        assert_eq!(parse("'a' \"b\"").unwrap(), json!("ab"));
        assert_eq!(parse("0x1F").unwrap(), json!(31));
        assert_eq!(parse("1_000").unwrap(), json!(1000));
    }

    #[test]
    fn escapes_and_line_continuations_inside_strings() {
        assert_eq!(
            parse("'echo \"$LOGNAME ALL\" && \\\nchmod 440'").unwrap(),
            json!("echo \"$LOGNAME ALL\" && chmod 440")
        );
        assert_eq!(parse(r"'a\tb\x41\u00e9\q'").unwrap(), json!("a\tbAé\\q"));
        assert_eq!(parse(r"r'C:\new'").unwrap(), json!("C:\\new"));
        assert_eq!(parse("'''one\ntwo'''").unwrap(), json!("one\ntwo"));
        assert_eq!(parse(r"'it\'s'").unwrap(), json!("it's"));
    }

    #[test]
    fn what_is_not_a_literal_is_refused_with_its_place() {
        for bad in [
            "os.system('x')",
            "{'a': 1",
            "{'a' 1}",
            "'open",
            "[1 2]",
            "1 2",
            "",
            "{['a']: 1}",
            "'a\nb'",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
        assert_eq!(parse("[1, x]").unwrap_err().offset, 4);
    }
}
