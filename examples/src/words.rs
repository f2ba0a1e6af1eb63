//! Splitting console input: commands separated by `;`, words split on spaces with `"…"` and
//! `'…'` quoting, and `--flag value` options checked against what a command accepts.

use std::collections::BTreeMap;

/// Splits a line into commands at `;` outside quotes.
pub fn commands(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (None, ';') => {
                out.push(std::mem::take(&mut current));
                continue;
            }
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            _ => {}
        }
        current.push(c);
    }
    out.push(current);
    out.into_iter()
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
        .collect()
}

/// Splits one command into words. An unterminated quote is an error.
pub fn words(command: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => current.push(c),
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                in_word = true;
            }
            None if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            None => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return Err("a quote is not closed".into());
    }
    if in_word {
        out.push(current);
    }
    Ok(out)
}

/// A command's arguments: positional words and `--name value` / `--switch` options.
#[derive(Debug, Default)]
pub struct Args {
    pub positional: Vec<String>,
    options: BTreeMap<String, Option<String>>,
}

impl Args {
    /// Parses `words`; `valued` options take the next word, `switches` take none. Anything
    /// else starting with `--` is refused.
    pub fn parse(words: &[String], valued: &[&str], switches: &[&str]) -> Result<Args, String> {
        let mut args = Args::default();
        let mut i = 0;
        while i < words.len() {
            let word = &words[i];
            if let Some(name) = word.strip_prefix("--") {
                if valued.contains(&name) {
                    let value = words
                        .get(i + 1)
                        .ok_or_else(|| format!("--{name} needs a value"))?;
                    args.options.insert(name.to_owned(), Some(value.clone()));
                    i += 2;
                    continue;
                }
                if switches.contains(&name) {
                    args.options.insert(name.to_owned(), None);
                    i += 1;
                    continue;
                }
                let known: Vec<&str> = valued.iter().chain(switches).copied().collect();
                let near: Vec<String> = crate::suggest::nearest(name, known)
                    .into_iter()
                    .map(|n| format!("--{n}"))
                    .collect();
                let near: Vec<&str> = near.iter().map(String::as_str).collect();
                return Err(format!(
                    "unknown option --{name}{}",
                    crate::suggest::did_you_mean(&near)
                ));
            }
            args.positional.push(word.clone());
            i += 1;
        }
        Ok(args)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.options.get(name).and_then(|v| v.as_deref())
    }

    pub fn has(&self, name: &str) -> bool {
        self.options.contains_key(name)
    }

    /// The positional word at `i`, or an error naming what was expected.
    pub fn at(&self, i: usize, what: &str) -> Result<&str, String> {
        self.positional
            .get(i)
            .map(String::as_str)
            .ok_or_else(|| format!("missing {what}"))
    }

    /// Positional words from `i` on, joined with spaces (free text such as a reason).
    pub fn rest(&self, i: usize) -> String {
        self.positional
            .get(i..)
            .map(|w| w.join(" "))
            .unwrap_or_default()
    }

    /// Fails when more than `n` positional words were given.
    pub fn at_most(&self, n: usize) -> Result<(), String> {
        if self.positional.len() > n {
            return Err(format!("unexpected {:?}", self.positional[n]));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting() {
        assert_eq!(commands("a; b 'c;d' ;; e"), vec!["a", "b 'c;d'", "e"]);
        assert_eq!(
            words(r#"user ban 5 "two words" x"#).unwrap(),
            vec!["user", "ban", "5", "two words", "x"]
        );
        assert_eq!(words("say ''").unwrap(), vec!["say", ""]);
        assert!(words("bad \"quote").is_err());
        let w: Vec<String> = ["x", "--max", "5", "--all", "y"].map(String::from).to_vec();
        let a = Args::parse(&w, &["max"], &["all"]).unwrap();
        assert_eq!(
            (a.value("max"), a.has("all"), a.positional.len()),
            (Some("5"), true, 2)
        );
        assert!(Args::parse(&w, &[], &["all"]).is_err());
        let w: Vec<String> = ["--stauts", "paid"].map(String::from).to_vec();
        assert_eq!(
            Args::parse(&w, &["status", "user"], &[]).unwrap_err(),
            "unknown option --stauts; did you mean \"--status\"?"
        );
        let w: Vec<String> = ["--max"].map(String::from).to_vec();
        assert!(Args::parse(&w, &["max"], &[]).is_err());
    }
}
