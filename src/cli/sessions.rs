//! `hakusho sessions`: the city's live portal sessions, and revoking them (a lost
//! laptop, a person who left): by address, or all of them.

use super::print::tokyo_time;
use crate::app::App;
use crate::domain::{printable, stamp};
use crate::web::auth::{normalize_address, Role};

/// What `sessions` does besides listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Revoke {
    /// Nothing: the list.
    Nothing,
    /// Every live session of this address.
    Address(String),
    /// Every live session of the city.
    All,
}

/// Lists the live sessions, or revokes those asked for and says how many.
pub(super) async fn sessions(app: &App, revoke: Revoke) -> anyhow::Result<()> {
    let config = app.config();
    let (code, now) = (&config.city.code, stamp(app.now()));
    let mut store = app.store().lock().await?;
    let address = match &revoke {
        Revoke::Nothing => return list(app, &store.live_web_sessions(code, &now)?),
        Revoke::All => None,
        Revoke::Address(typed) => Some(normalize_address(typed).ok_or_else(|| {
            anyhow::anyhow!(
                "「{}」はメールアドレスとして読めません(例: kikaku-bu@mitaka.example)",
                printable(typed)
            )
        })?),
    };
    let revoked = store.revoke_web_sessions(code, address.as_deref(), &now)?;
    let whose = address.map_or("すべての人".to_string(), |a| a);
    println!(
        "{} の {whose} のセッションを {revoked} 件終了しました。",
        config.city.name
    );
    Ok(())
}

/// One line per live session: who, as what, since when, until when.
fn list(app: &App, sessions: &[crate::store::WebSession]) -> anyhow::Result<()> {
    let config = app.config();
    println!(
        "{} のサインイン中のセッション: {} 件",
        config.city.name,
        sessions.len()
    );
    for session in sessions {
        let role = Role::of(config, &session.address)
            .map_or("(設定にないアドレス)".to_string(), |r| r.label());
        println!(
            "  {} {} {}: {} から {} まで",
            &session.id_sha256[..8.min(session.id_sha256.len())],
            printable(&session.address),
            role,
            tokyo_time(&session.created_at),
            tokyo_time(&session.expires_at)
        );
    }
    Ok(())
}
