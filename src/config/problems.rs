//! What is wrong with a configuration, gathered rather than stopped at: every
//! problem found is reported at once, each naming its key, in Japanese.

use std::fmt;

use crate::domain::printable;

/// One setting that is wrong or would fail later.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The key in the configuration file: `paths.inbox`, `mail.smtp.timeout_seconds`.
    pub key: String,
    /// What is wrong, in Japanese.
    pub message: String,
}

impl Problem {
    /// A problem with the setting `key`.
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "設定 {}: {}", self.key, self.message)
    }
}

/// The configuration cannot be used: every problem found, one per line. Each line is
/// already [`printable`] (a path may hold any character), so the whole text can be
/// printed as it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct NotReady {
    /// Every problem found, in the order checked.
    pub problems: Vec<Problem>,
}

impl fmt::Display for NotReady {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.problems.as_slice() {
            [one] => write!(f, "{}", printable(&one.to_string())),
            many => {
                write!(f, "設定に {} 件の問題があります:", many.len())?;
                for problem in many {
                    write!(f, "\n  {}", printable(&problem.to_string()))?;
                }
                Ok(())
            }
        }
    }
}

/// `Ok` when nothing was found, else every problem at once.
pub fn all_or_nothing(problems: Vec<Problem>) -> Result<(), NotReady> {
    if problems.is_empty() {
        Ok(())
    } else {
        Err(NotReady { problems })
    }
}
