//! The secrets of the sign-in: random tokens, their hashes, the cookies that carry
//! them, and the double-submit token of the forms shown before sign-in.

use axum::http::{header, HeaderMap, HeaderValue};

use super::super::page::Refusal;
use crate::config::Config;

/// The cookie that carries the session's id.
pub const SESSION_COOKIE: &str = "hakusho_session";

/// The cookie that carries the token of the forms before sign-in (double submit: the
/// form's field must equal it, which another site can neither read nor set).
pub const FORM_COOKIE: &str = "hakusho_form";

/// A fresh random token: 32 bytes from the operating system, as 64 hex digits.
pub fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| anyhow::anyhow!("乱数を得られません(OS の乱数源): {e}"))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `text` has the shape of a [`random_token`]: what a link or cookie must be
/// before the store is asked about it.
pub fn looks_like_token(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

/// The SHA-256 of a token, as the store keeps it.
pub fn sha256_hex(token: &str) -> String {
    crate::archive::sha256_hex(token.as_bytes())
}

/// Compares two tokens in a time that does not depend on where they differ. An
/// empty token never matches.
pub fn same_token(expected: &str, given: &str) -> bool {
    let (a, b) = (expected.as_bytes(), given.as_bytes());
    if a.is_empty() || a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Every value of the cookie `name` the request carries (a browser may send several).
pub fn cookie_values(headers: &HeaderMap, name: &str) -> Vec<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(key, _)| *key == name)
        .map(|(_, value)| value.trim_matches('"').to_string())
        .collect()
}

/// A `Set-Cookie` value for the city: only its own paths, never readable by scripts,
/// never sent from another site, `Secure` when the portal is reached over https.
/// `max_age` 0 deletes it; `None` keeps it for the browser's session.
pub fn cookie(config: &Config, name: &str, value: &str, max_age: Option<u64>) -> HeaderValue {
    let secure = config.web.as_ref().is_some_and(|w| w.is_https());
    let mut text = format!(
        "{name}={value}; Path=/{}/; HttpOnly; SameSite=Strict",
        config.city.code
    );
    if let Some(seconds) = max_age {
        text.push_str(&format!("; Max-Age={seconds}"));
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The token of a form shown before sign-in: the one the browser's cookie holds, or a
/// new one with the `Set-Cookie` that gives it.
pub fn form_token(
    config: &Config,
    headers: &HeaderMap,
) -> anyhow::Result<(String, Option<HeaderValue>)> {
    let held = cookie_values(headers, FORM_COOKIE)
        .into_iter()
        .find(|v| looks_like_token(v));
    match held {
        Some(token) => Ok((token, None)),
        None => {
            let token = random_token()?;
            let set = cookie(config, FORM_COOKIE, &token, None);
            Ok((token, Some(set)))
        }
    }
}

/// A form sent before sign-in must carry the token its cookie holds: 403 otherwise.
pub fn check_form_token(headers: &HeaderMap, given: &str) -> Result<(), Refusal> {
    let held = cookie_values(headers, FORM_COOKIE);
    if held.iter().any(|token| same_token(token, given)) {
        Ok(())
    } else {
        Err(Refusal::forbidden(super::FORM_EXPIRED))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_fresh_hex_and_compared_whole() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert!(looks_like_token(&a) && looks_like_token(&b));
        assert_ne!(a, b);
        assert!(same_token(&a, &a.clone()));
        assert!(!same_token(&a, &b));
        assert!(!same_token(&a, &a[..63]));
        assert!(!same_token("", ""));
        assert!(!looks_like_token(&a.to_uppercase()));
        assert!(!looks_like_token("../etc/passwd"));
    }

    #[test]
    fn cookies_are_read_by_name_from_every_header() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; hakusho_session=x"),
        );
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("hakusho_session=\"y\""),
        );
        assert_eq!(cookie_values(&headers, SESSION_COOKIE), ["x", "y"]);
        assert!(cookie_values(&headers, "hakusho").is_empty());
    }
}
