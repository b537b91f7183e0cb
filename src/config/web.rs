//! `[web]`: the department portal that `hakusho serve` serves beside its jobs.
//!
//! ```toml
//! [web]
//! listen = "127.0.0.1:8080"            # where the portal listens (several cities may share it)
//! base_url = "http://127.0.0.1:8080"   # how people reach it: the links in mail start with it
//! planning = ["企画経営課 <kikaku@mitaka.example>"]   # who signs in as the planning division
//! session_hours = 12                   # how long a sign-in lasts
//! ```
//!
//! Without `[web]` the city has no portal. A `base_url` starting with `https://` marks
//! the session cookie `Secure` (a reverse proxy ends TLS in front of hakusho).

use std::net::SocketAddr;

use serde::Deserialize;

use super::problems::Problem;
use super::ConfigMailbox;

/// The longest sign-in: a month. A longer session is a password that never changes.
pub const MAX_SESSION_HOURS: u64 = 24 * 31;

/// The `[web]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSettings {
    /// The address the portal listens on: `127.0.0.1:8080`.
    pub listen: String,
    /// The address people open, without a trailing `/`: `https://hakusho.mitaka.example`.
    pub base_url: String,
    /// The planning division's addresses: they sign in to the overview of every department.
    #[serde(default)]
    pub planning: Vec<ConfigMailbox>,
    /// How many hours a sign-in lasts (default 12).
    #[serde(default = "default_session_hours")]
    pub session_hours: u64,
}

fn default_session_hours() -> u64 {
    12
}

impl WebSettings {
    /// The listening address, once [`web_problems`] found none.
    pub fn listen_address(&self) -> Option<SocketAddr> {
        self.listen.trim().parse().ok()
    }

    /// The base URL without a trailing `/`: links are `{base}/{city}/…`.
    pub fn base(&self) -> &str {
        self.base_url.trim().trim_end_matches('/')
    }

    /// Whether people reach the portal over https: the cookies are then `Secure`.
    pub fn is_https(&self) -> bool {
        self.base().to_ascii_lowercase().starts_with("https://")
    }
}

/// What is wrong with `[web]`, each problem naming its key.
pub(super) fn web_problems(web: &WebSettings, problems: &mut Vec<Problem>) {
    if web.listen_address().is_none() {
        problems.push(Problem::new(
            "web.listen",
            format!(
                "「{}」は待ち受けるアドレスとして読めません。\"127.0.0.1:8080\" のように IP アドレスとポートで書きます",
                web.listen
            ),
        ));
    }
    if let Some(message) = base_url_problem(web.base()) {
        problems.push(Problem::new("web.base_url", message));
    }
    if web.session_hours == 0 || web.session_hours > MAX_SESSION_HOURS {
        problems.push(Problem::new(
            "web.session_hours",
            format!("1 から {MAX_SESSION_HOURS} 時間の間で書きます"),
        ));
    }
}

/// Why a base URL cannot start the links in mail, if it cannot.
fn base_url_problem(base: &str) -> Option<String> {
    let lower = base.to_ascii_lowercase();
    let Some(rest) = ["http://", "https://"]
        .iter()
        .find_map(|scheme| lower.strip_prefix(scheme))
    else {
        return Some(format!(
            "「{base}」は http:// か https:// で始まる URL で書きます(例: \"https://hakusho.mitaka.example\")"
        ));
    };
    let host = rest.split('/').next().unwrap_or("");
    if host.is_empty() || host.contains('@') {
        return Some(format!(
            "「{base}」にホスト名がありません(利用者名やパスワードは書きません)"
        ));
    }
    if rest.contains(['?', '#', ' ', '"', '<', '>']) {
        return Some(format!(
            "「{base}」に ? # 空白 引用符 は書けません。ホスト名(とパス)だけを書きます"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(listen: &str, base_url: &str, session_hours: u64) -> WebSettings {
        WebSettings {
            listen: listen.to_string(),
            base_url: base_url.to_string(),
            planning: Vec::new(),
            session_hours,
        }
    }

    fn keys(web: &WebSettings) -> Vec<String> {
        let mut problems = Vec::new();
        web_problems(web, &mut problems);
        problems.into_iter().map(|p| p.key).collect()
    }

    #[test]
    fn good_settings_have_no_problem() {
        for base in ["http://127.0.0.1:8080", "https://hakusho.mitaka.example/"] {
            assert!(keys(&settings("127.0.0.1:8080", base, 12)).is_empty());
        }
        assert!(keys(&settings("[::1]:80", "https://a.example/portal", 1)).is_empty());
    }

    #[test]
    fn each_bad_value_is_named_by_its_key() {
        assert_eq!(
            keys(&settings("localhost", "ftp://x", 0)),
            ["web.listen", "web.base_url", "web.session_hours"]
        );
        for base in [
            "",
            "https://",
            "http://user:pw@host",
            "https://a.example/?x=1",
        ] {
            assert_eq!(keys(&settings("127.0.0.1:1", base, 12)), ["web.base_url"]);
        }
        let long = settings("127.0.0.1:1", "http://a", MAX_SESSION_HOURS + 1);
        assert_eq!(keys(&long), ["web.session_hours"]);
    }

    #[test]
    fn https_marks_the_cookies_secure_and_the_slash_is_dropped() {
        let web = settings("127.0.0.1:1", "HTTPS://a.example/", 12);
        assert!(web.is_https());
        assert_eq!(web.base(), "HTTPS://a.example");
        assert!(!settings("127.0.0.1:1", "http://a", 12).is_https());
    }
}
