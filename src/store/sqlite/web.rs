//! Sign-in links and sessions on SQLite.

use rusqlite::{params, OptionalExtension, TransactionBehavior};

use super::SqliteStore;
use crate::store::{NewSignInLink, NewWebSession, WebSession, WebSessions};

/// The columns [`read_session`] reads, in its order.
const SESSION_COLUMNS: &str = "id_sha256, address, csrf, created_at, expires_at";

impl WebSessions for SqliteStore {
    fn insert_sign_in_link(&mut self, link: &NewSignInLink) -> anyhow::Result<()> {
        self.connection.execute(
            "INSERT INTO sign_in_links
             (token_sha256, city_code, address, client, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                link.token_sha256,
                link.city_code,
                link.address,
                link.client,
                link.created_at,
                link.expires_at
            ],
        )?;
        Ok(())
    }

    fn sign_in_links_since(
        &self,
        city_code: &str,
        address: &str,
        since: &str,
    ) -> anyhow::Result<i64> {
        Ok(self.connection.query_row(
            "SELECT COUNT(*) FROM sign_in_links
             WHERE city_code = ?1 AND address = ?2 AND created_at >= ?3",
            params![city_code, address, since],
            |r| r.get(0),
        )?)
    }

    fn sign_in_link_usable(
        &self,
        city_code: &str,
        token_sha256: &str,
        now: &str,
    ) -> anyhow::Result<bool> {
        let found: Option<i64> = self
            .connection
            .query_row(
                "SELECT 1 FROM sign_in_links
                 WHERE token_sha256 = ?1 AND city_code = ?2 AND used_at IS NULL
                   AND expires_at > ?3",
                params![token_sha256, city_code, now],
                |r| r.get(0),
            )
            .optional()?;
        Ok(found.is_some())
    }

    fn redeem_sign_in_link(
        &mut self,
        token_sha256: &str,
        now: &str,
        session: &NewWebSession,
    ) -> anyhow::Result<Option<String>> {
        let tx = self
            .connection
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let address: Option<String> = tx
            .query_row(
                "UPDATE sign_in_links SET used_at = ?3
                 WHERE token_sha256 = ?1 AND city_code = ?2 AND used_at IS NULL
                   AND expires_at > ?3
                 RETURNING address",
                params![token_sha256, session.city_code, now],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(address) = &address {
            insert_session(&tx, session, address)?;
        }
        tx.commit()?;
        Ok(address)
    }

    fn insert_web_session(&mut self, session: &NewWebSession, address: &str) -> anyhow::Result<()> {
        insert_session(&self.connection, session, address)
    }

    fn web_session(
        &self,
        city_code: &str,
        id_sha256: &str,
        now: &str,
    ) -> anyhow::Result<Option<WebSession>> {
        Ok(self
            .connection
            .query_row(
                &format!(
                    "SELECT {SESSION_COLUMNS} FROM web_sessions
                     WHERE id_sha256 = ?1 AND city_code = ?2 AND revoked_at IS NULL
                       AND expires_at > ?3"
                ),
                params![id_sha256, city_code, now],
                read_session,
            )
            .optional()?)
    }

    fn live_web_sessions(&self, city_code: &str, now: &str) -> anyhow::Result<Vec<WebSession>> {
        let mut statement = self.connection.prepare(&format!(
            "SELECT {SESSION_COLUMNS} FROM web_sessions
             WHERE city_code = ?1 AND revoked_at IS NULL AND expires_at > ?2
             ORDER BY created_at, id_sha256"
        ))?;
        let rows = statement.query_map(params![city_code, now], read_session)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn revoke_web_session(
        &mut self,
        city_code: &str,
        id_sha256: &str,
        now: &str,
    ) -> anyhow::Result<bool> {
        let changed = self.connection.execute(
            "UPDATE web_sessions SET revoked_at = ?3
             WHERE id_sha256 = ?1 AND city_code = ?2 AND revoked_at IS NULL",
            params![id_sha256, city_code, now],
        )?;
        Ok(changed == 1)
    }

    fn revoke_web_sessions(
        &mut self,
        city_code: &str,
        address: Option<&str>,
        now: &str,
    ) -> anyhow::Result<usize> {
        Ok(self.connection.execute(
            "UPDATE web_sessions SET revoked_at = ?3
             WHERE city_code = ?1 AND (?2 IS NULL OR address = ?2) AND revoked_at IS NULL
               AND expires_at > ?3",
            params![city_code, address, now],
        )?)
    }
}

fn insert_session(
    connection: &rusqlite::Connection,
    session: &NewWebSession,
    address: &str,
) -> anyhow::Result<()> {
    connection.execute(
        "INSERT INTO web_sessions (id_sha256, city_code, address, csrf, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            session.id_sha256,
            session.city_code,
            address,
            session.csrf,
            session.created_at,
            session.expires_at
        ],
    )?;
    Ok(())
}

fn read_session(r: &rusqlite::Row) -> rusqlite::Result<WebSession> {
    Ok(WebSession {
        id_sha256: r.get(0)?,
        address: r.get(1)?,
        csrf: r.get(2)?,
        created_at: r.get(3)?,
        expires_at: r.get(4)?,
    })
}
