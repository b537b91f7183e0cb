//! The portal's sign-in in the store: one-time links and the sessions they open
//! (migration 0009). Only hashes of the secrets are kept (see `web::auth`).

/// A sign-in link about to be recorded (its mail is queued beside it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSignInLink {
    /// The city it signs in to.
    pub city_code: String,
    /// The SHA-256 (hex) of the token the mail carries.
    pub token_sha256: String,
    /// The address it was asked for (lower case), the one the session will carry.
    pub address: String,
    /// Who asked for it (the client's address), for the operator.
    pub client: String,
    /// When it was asked for (UTC stamp).
    pub created_at: String,
    /// When it stops working (UTC stamp).
    pub expires_at: String,
}

/// A session about to be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebSession {
    /// The city it is signed in to.
    pub city_code: String,
    /// The SHA-256 (hex) of the id the cookie carries.
    pub id_sha256: String,
    /// The token every form of the session must carry.
    pub csrf: String,
    /// When it was opened (UTC stamp).
    pub created_at: String,
    /// When it ends (UTC stamp).
    pub expires_at: String,
}

/// A session as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    /// The SHA-256 (hex) of its id: how the operator names one (its first characters).
    pub id_sha256: String,
    /// Who signed in (lower case).
    pub address: String,
    /// The token every form of the session must carry.
    pub csrf: String,
    /// When it was opened.
    pub created_at: String,
    /// When it ends.
    pub expires_at: String,
}

/// Sign-in links and sessions. Every method keeps to its city: a link or a session of
/// one city never opens another's.
pub trait WebSessions {
    /// Records a sign-in link.
    fn insert_sign_in_link(&mut self, link: &NewSignInLink) -> anyhow::Result<()>;

    /// How many links were asked for this address since `since`: the cap on mails
    /// that holds across replicas (each replica's own counter does not).
    fn sign_in_links_since(
        &self,
        city_code: &str,
        address: &str,
        since: &str,
    ) -> anyhow::Result<i64>;

    /// Whether the link could be used now: the city's, unused and not expired at `now`.
    /// Only read (the confirm page shows its button only then); using it is
    /// [`WebSessions::redeem_sign_in_link`], which checks all again.
    fn sign_in_link_usable(
        &self,
        city_code: &str,
        token_sha256: &str,
        now: &str,
    ) -> anyhow::Result<bool>;

    /// Uses the link once and opens `session` for its address, in one transaction:
    /// one conditional UPDATE marks the link used only when it is the city's, unused
    /// and not expired at `now`. `None` (and no session) otherwise.
    fn redeem_sign_in_link(
        &mut self,
        token_sha256: &str,
        now: &str,
        session: &NewWebSession,
    ) -> anyhow::Result<Option<String>>;

    /// Opens a session for an address directly (the tests' sign-in; the portal opens
    /// them only through [`WebSessions::redeem_sign_in_link`]).
    fn insert_web_session(&mut self, session: &NewWebSession, address: &str) -> anyhow::Result<()>;

    /// The live session with this id hash: the city's, not revoked, not expired at `now`.
    fn web_session(
        &self,
        city_code: &str,
        id_sha256: &str,
        now: &str,
    ) -> anyhow::Result<Option<WebSession>>;

    /// Every live session of the city at `now`, oldest first.
    fn live_web_sessions(&self, city_code: &str, now: &str) -> anyhow::Result<Vec<WebSession>>;

    /// Revokes the session with this id hash (sign-out); `true` when it was live.
    fn revoke_web_session(
        &mut self,
        city_code: &str,
        id_sha256: &str,
        now: &str,
    ) -> anyhow::Result<bool>;

    /// Revokes every live session of the city, or only those of `address`; how many.
    fn revoke_web_sessions(
        &mut self,
        city_code: &str,
        address: Option<&str>,
        now: &str,
    ) -> anyhow::Result<usize>;
}
