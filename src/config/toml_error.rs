//! A TOML error told in Japanese with its line and key, never with a secret's value.
//!
//! toml's own message quotes the offending source line. For a line like
//! `password = "…"` that line is the secret, so the message here is built from the
//! line number, the key and the error's text only, and any value written under a
//! secret-looking key is blanked out of that text as well.

/// Words that make a key (or a line) look as if it holds a secret.
const SECRET_WORDS: [&str; 7] = [
    "pass",
    "secret",
    "token",
    "credential",
    "private",
    "apikey",
    "api_key",
];

/// Whether a key or a line of the configuration looks as if it holds a secret.
pub fn looks_secret(text: &str) -> bool {
    let lower = text.to_lowercase();
    SECRET_WORDS.iter().any(|word| lower.contains(word))
}

/// The error as one Japanese line: `12 行目 (mail.smtp.password): …`.
pub fn describe(error: &toml::de::Error, text: &str) -> String {
    let Some(span) = error.span() else {
        return redact(&translate(error.message()), text);
    };
    let line_index = text[..span.start.min(text.len())].matches('\n').count();
    let key = key_at(text, line_index);
    let line = text.lines().nth(line_index).unwrap_or("");
    let message = if looks_secret(line) || key.as_deref().is_some_and(looks_secret) {
        secret_line_message(error.message())
    } else {
        redact(&translate(error.message()), text)
    };
    match key {
        Some(key) => format!("{} 行目 ({key}): {message}", line_index + 1),
        None => format!("{} 行目: {message}", line_index + 1),
    }
}

/// What is said about an error on a line that may hold a secret: never its value.
fn secret_line_message(message: &str) -> String {
    if message.starts_with("unknown field") {
        "このキーは書けません。パスワードは設定ファイルに書かず、mail.smtp.password_env で名前を示す環境変数から読みます(値は表示しません)".to_string()
    } else {
        "この行を読めません(秘密の値かもしれないため、内容は表示しません)".to_string()
    }
}

/// The dotted key of the line `line_index`: the table it is in and the key it sets.
fn key_at(text: &str, line_index: usize) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let line = lines.get(line_index).copied().unwrap_or("");
    if let Some(header) = table_name(line) {
        return Some(header);
    }
    let table = lines[..line_index.min(lines.len())]
        .iter()
        .rev()
        .find_map(|line| table_name(line));
    let own = line
        .split_once('=')
        .map(|(key, _)| key.trim().trim_matches('"').to_string())
        .filter(|key| !key.is_empty() && !key.starts_with('#'));
    match (table, own) {
        (Some(table), Some(own)) => Some(format!("{table}.{own}")),
        (table, own) => own.or(table),
    }
}

/// `mail.smtp` for a `[mail.smtp]` line, `departments` for `[[departments]]`.
fn table_name(line: &str) -> Option<String> {
    let line = line.trim();
    let inner = line.strip_prefix('[')?;
    let end = inner.find(']')?;
    Some(inner[..end].trim_matches(['[', ']', ' ']).to_string())
}

/// toml's and serde's English messages in Japanese; ours (already Japanese) as they are.
fn translate(message: &str) -> String {
    let message = message.trim();
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (key, expected) = split_expected(rest);
        return format!("知らないキー {key} です{expected}");
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        let (value, expected) = split_expected(rest);
        return format!("{value} は書ける値ではありません{expected}");
    }
    if let Some(key) = message.strip_prefix("missing field ") {
        return format!("キー {key} がありません");
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        return format!("値の種類が違います ({rest})");
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        return format!("値が正しくありません ({rest})");
    }
    if message.starts_with("duplicate key") {
        return format!("同じキーが二度書かれています ({message})");
    }
    if message.is_ascii() {
        return format!("TOML として読めません ({message})");
    }
    message.to_string()
}

/// `` `x`, expected one of `a`, `b` `` → (`` `x` ``, `(書けるもの: `a`, `b`)`).
fn split_expected(rest: &str) -> (&str, String) {
    match rest.split_once(", expected ") {
        Some((found, expected)) => {
            let expected = expected.strip_prefix("one of ").unwrap_or(expected);
            (found, format!("(書けるもの: {expected})"))
        }
        None => (rest, String::new()),
    }
}

/// `message` with every value written under a secret-looking key blanked out, in
/// case a message quotes one (a type error quotes the value it found).
fn redact(message: &str, text: &str) -> String {
    let mut out = message.to_string();
    for line in text.lines() {
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if !looks_secret(key) {
            continue;
        }
        let value = written_value(value);
        if value.chars().count() >= 3 {
            out = out.replace(value, "***");
        }
    }
    out
}

/// The value of `= …` as written: inside its quotes, or up to a comment.
fn written_value(after_equals: &str) -> &str {
    let value = after_equals.trim();
    for quote in ['"', '\''] {
        if let Some(inner) = value.strip_prefix(quote) {
            return inner.split(quote).next().unwrap_or(inner);
        }
    }
    value.split('#').next().unwrap_or(value).trim()
}
