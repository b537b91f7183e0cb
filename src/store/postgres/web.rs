//! Sign-in links and sessions on PostgreSQL: the same statements as SQLite's. The
//! link is used by one conditional UPDATE: of two replicas redeeming it at once, the
//! second waits for the first's row lock, re-reads `used_at` and changes nothing.

use postgres::types::ToSql;
use postgres::Row;

use super::PostgresStore;
use crate::store::{NewSignInLink, NewWebSession, WebSession, WebSessions};

/// The columns [`read_session`] reads, in its order.
const SESSION_COLUMNS: &str = "id_sha256, address, csrf, created_at, expires_at";

const INSERT_SESSION: &str =
    "INSERT INTO web_sessions (id_sha256, city_code, address, csrf, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6)";

impl WebSessions for PostgresStore {
    fn insert_sign_in_link(&mut self, link: &NewSignInLink) -> anyhow::Result<()> {
        self.changed(
            "INSERT INTO sign_in_links
             (token_sha256, city_code, address, client, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &link.token_sha256,
                &link.city_code,
                &link.address,
                &link.client,
                &link.created_at,
                &link.expires_at,
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
        self.run(|client| {
            let row = client.query_one(
                "SELECT COUNT(*) FROM sign_in_links
                 WHERE city_code = $1 AND address = $2 AND created_at >= $3",
                &[&city_code, &address, &since],
            )?;
            Ok(row.try_get(0)?)
        })
    }

    fn sign_in_link_usable(
        &self,
        city_code: &str,
        token_sha256: &str,
        now: &str,
    ) -> anyhow::Result<bool> {
        self.run(|client| {
            let row = client.query_opt(
                "SELECT 1 FROM sign_in_links
                 WHERE token_sha256 = $1 AND city_code = $2 AND used_at IS NULL
                   AND expires_at > $3",
                &[&token_sha256, &city_code, &now],
            )?;
            Ok(row.is_some())
        })
    }

    fn redeem_sign_in_link(
        &mut self,
        token_sha256: &str,
        now: &str,
        session: &NewWebSession,
    ) -> anyhow::Result<Option<String>> {
        self.run(|client| {
            let mut tx = client.transaction()?;
            let used = tx.query_opt(
                "UPDATE sign_in_links SET used_at = $3
                 WHERE token_sha256 = $1 AND city_code = $2 AND used_at IS NULL
                   AND expires_at > $3
                 RETURNING address",
                &[&token_sha256, &session.city_code, &now],
            )?;
            let address: Option<String> = used.map(|r| r.try_get(0)).transpose()?;
            if let Some(address) = &address {
                tx.execute(INSERT_SESSION, &session_params(session, address))?;
            }
            tx.commit()?;
            Ok(address)
        })
    }

    fn insert_web_session(&mut self, session: &NewWebSession, address: &str) -> anyhow::Result<()> {
        self.changed(INSERT_SESSION, &session_params(session, &address))?;
        Ok(())
    }

    fn web_session(
        &self,
        city_code: &str,
        id_sha256: &str,
        now: &str,
    ) -> anyhow::Result<Option<WebSession>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM web_sessions
             WHERE id_sha256 = $1 AND city_code = $2 AND revoked_at IS NULL AND expires_at > $3"
        );
        let found = self.sessions(&sql, &[&id_sha256, &city_code, &now])?;
        Ok(found.into_iter().next())
    }

    fn live_web_sessions(&self, city_code: &str, now: &str) -> anyhow::Result<Vec<WebSession>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM web_sessions
             WHERE city_code = $1 AND revoked_at IS NULL AND expires_at > $2
             ORDER BY created_at, id_sha256"
        );
        self.sessions(&sql, &[&city_code, &now])
    }

    fn revoke_web_session(
        &mut self,
        city_code: &str,
        id_sha256: &str,
        now: &str,
    ) -> anyhow::Result<bool> {
        let changed = self.changed(
            "UPDATE web_sessions SET revoked_at = $3
             WHERE id_sha256 = $1 AND city_code = $2 AND revoked_at IS NULL",
            &[&id_sha256, &city_code, &now],
        )?;
        Ok(changed == 1)
    }

    fn revoke_web_sessions(
        &mut self,
        city_code: &str,
        address: Option<&str>,
        now: &str,
    ) -> anyhow::Result<usize> {
        let changed = self.changed(
            "UPDATE web_sessions SET revoked_at = $3
             WHERE city_code = $1 AND ($2::text IS NULL OR address = $2) AND revoked_at IS NULL
               AND expires_at > $3",
            &[&city_code, &address, &now],
        )?;
        Ok(usize::try_from(changed)?)
    }
}

impl PostgresStore {
    /// The sessions a query selects.
    fn sessions(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> anyhow::Result<Vec<WebSession>> {
        self.run(|client| {
            client
                .query(sql, params)?
                .iter()
                .map(read_session)
                .collect()
        })
    }
}

fn session_params<'a>(
    session: &'a NewWebSession,
    address: &'a (dyn ToSql + Sync),
) -> [&'a (dyn ToSql + Sync); 6] {
    [
        &session.id_sha256,
        &session.city_code,
        address,
        &session.csrf,
        &session.created_at,
        &session.expires_at,
    ]
}

fn read_session(r: &Row) -> anyhow::Result<WebSession> {
    Ok(WebSession {
        id_sha256: r.try_get(0)?,
        address: r.try_get(1)?,
        csrf: r.try_get(2)?,
        created_at: r.try_get(3)?,
        expires_at: r.try_get(4)?,
    })
}
