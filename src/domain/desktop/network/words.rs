//! Splitting a command line into arguments as a POSIX shell would, without running one:
//! blanks separate words, single quotes keep everything, double quotes keep all but `\"`
//! and `\\`, a backslash outside quotes keeps the next character. Nothing else of the
//! shell (variables, `;`, pipes) exists here: those characters are plain text. A
//! `{{ placeholder }}` is kept whole, blanks included, for the renderer.

/// Why a command line cannot be split.
#[derive(Debug, PartialEq, Eq)]
pub struct UnclosedQuote;

/// The words of `line`.
///
/// # Errors
/// [`UnclosedQuote`] when a quote is opened and never closed.
pub fn split_words(line: &str) -> Result<Vec<String>, UnclosedQuote> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                in_word = true;
                word.push('{');
                let mut previous = ' ';
                for inner in chars.by_ref() {
                    word.push(inner);
                    if previous == '}' && inner == '}' {
                        break;
                    }
                    previous = inner;
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(inner) => word.push(inner),
                        None => return Err(UnclosedQuote),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(escaped @ ('"' | '\\')) => word.push(escaped),
                            Some(other) => {
                                word.push('\\');
                                word.push(other);
                            }
                            None => return Err(UnclosedQuote),
                        },
                        Some(inner) => word.push(inner),
                        None => return Err(UnclosedQuote),
                    }
                }
            }
            '\\' => {
                in_word = true;
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            }
            other => {
                in_word = true;
                word.push(other);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}
