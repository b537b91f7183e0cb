//! The states the store keeps, as enums written by their name.
//!
//! A stored name that the code does not know (a row written by a newer version, or by
//! hand) is an error that says which state and which name, never a silent default.

use std::str::FromStr;

use crate::domain::Severity;

/// A state kept in the store under a stable name.
pub trait StoredName: Sized + Copy + 'static {
    /// What the state is, in the operator's words (for [`UnknownState`]).
    const KIND: &'static str;
    /// Every value, so that a name can be looked up.
    const ALL: &'static [Self];

    /// The name written to the store.
    fn as_str(self) -> &'static str;

    /// The value stored under `name`.
    fn from_name(name: &str) -> Result<Self, UnknownState> {
        Self::ALL
            .iter()
            .copied()
            .find(|value| value.as_str() == name)
            .ok_or_else(|| UnknownState {
                kind: Self::KIND,
                name: name.to_string(),
                known: Self::ALL.iter().map(|value| value.as_str()).collect(),
            })
    }
}

/// A stored name the code does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("データベースに不明な{kind}「{name}」があります(読める値: {})", .known.join(", "))]
pub struct UnknownState {
    /// Which state (提出の状態, 配送の状態, …).
    pub kind: &'static str,
    /// The name found.
    pub name: String,
    /// The names the code knows.
    pub known: Vec<&'static str>,
}

/// Whether a submission was accepted (its content stored) or sent back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionStatus {
    /// 受理: the content is stored and counts.
    Accepted,
    /// 差戻し: only the findings are stored.
    Rejected,
}

/// Where one recipient's copy of a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryState {
    /// Waiting for its next attempt.
    Pending,
    /// Claimed by a sender under a lease.
    Sending,
    /// Accepted by the mail server.
    Sent,
    /// Given up on (undeliverable) until an operator requeues it.
    Failed,
}

/// How a finished scheduled run ended; a failed run's reason is kept beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// The run did its work.
    Succeeded,
    /// The run stopped on an error.
    Failed,
}

impl StoredName for SubmissionStatus {
    const KIND: &'static str = "提出の状態";
    const ALL: &'static [Self] = &[Self::Accepted, Self::Rejected];

    fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Rejected => "rejected",
        }
    }
}

impl StoredName for DeliveryState {
    const KIND: &'static str = "配送の状態";
    const ALL: &'static [Self] = &[Self::Pending, Self::Sending, Self::Sent, Self::Failed];

    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
        }
    }
}

impl StoredName for RunOutcome {
    const KIND: &'static str = "実行の結果";
    const ALL: &'static [Self] = &[Self::Succeeded, Self::Failed];

    fn as_str(self) -> &'static str {
        match self {
            Self::Succeeded => "ok",
            Self::Failed => "failed",
        }
    }
}

impl StoredName for Severity {
    const KIND: &'static str = "指摘の重さ";
    const ALL: &'static [Self] = &[Self::Error, Self::Warning];

    fn as_str(self) -> &'static str {
        self.key()
    }
}

/// `FromStr` and `Display` by the stored name, for the store's own enums.
macro_rules! by_name {
    ($($state:ty),*) => {$(
        impl FromStr for $state {
            type Err = UnknownState;

            fn from_str(name: &str) -> Result<Self, UnknownState> {
                Self::from_name(name)
            }
        }

        impl std::fmt::Display for $state {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    )*};
}

by_name!(SubmissionStatus, DeliveryState, RunOutcome);

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trips<T: StoredName + PartialEq + std::fmt::Debug>() {
        for value in T::ALL {
            assert_eq!(T::from_name(value.as_str()), Ok(*value));
        }
        let names: std::collections::HashSet<_> = T::ALL.iter().map(|v| v.as_str()).collect();
        assert_eq!(names.len(), T::ALL.len(), "{} names are distinct", T::KIND);
    }

    #[test]
    fn every_state_reads_back_from_its_name() {
        round_trips::<SubmissionStatus>();
        round_trips::<DeliveryState>();
        round_trips::<RunOutcome>();
        round_trips::<Severity>();
        assert_eq!("sending".parse(), Ok(DeliveryState::Sending));
        assert_eq!(RunOutcome::Failed.to_string(), "failed");
    }

    /// The class "a name the code does not know": other words, other case, the old
    /// `failed: …` outcome, empty, padded — each an error naming the state and the name.
    #[test]
    fn an_unknown_name_is_an_error_that_names_it() {
        for name in [
            "",
            "Accepted",
            "ok ",
            "failed: 接続できません",
            "done",
            "送信済み",
        ] {
            let error = name.parse::<RunOutcome>().unwrap_err();
            assert_eq!(error.name, name);
            assert_eq!(
                error.to_string(),
                format!("データベースに不明な実行の結果「{name}」があります(読める値: ok, failed)")
            );
        }
        assert!("Accepted".parse::<SubmissionStatus>().is_err());
        assert!("bounced".parse::<DeliveryState>().is_err());
        assert!(Severity::from_name("info").is_err());
    }
}
