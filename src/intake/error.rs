//! hakusho's own failures while taking a file in, told apart from the file's problems.
//!
//! What is wrong with a file is the submitter's, and never an error here: it becomes
//! a finding, and the file is sent back (差戻し) with its reasons. An [`IntakeError`]
//! is hakusho's own (the reader could not start, the machine was too busy to read in
//! time, the archive or the store failed): the file is not recorded, no receipt is
//! queued, and it is read again at the next run.

use crate::texts;

/// Why hakusho could not take a file in. Never the file's fault.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// The reader child could not be found, started or waited for: the installation's
    /// problem, which every file would meet alike.
    #[error(transparent)]
    Reader(anyhow::Error),
    /// The reader child ran past the wall clock while within its CPU time: the
    /// machine was busy. The same file may well be read next time.
    #[error("{}", texts::intake::reader_timed_out(*seconds))]
    TimedOut {
        /// The wall-clock limit.
        seconds: u64,
    },
    /// Keeping the file or its answer failed: the archive, the store, the receipt.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_keeps_its_cause_for_the_log() {
        let cause = anyhow::anyhow!("disk full").context("書き込めません");
        let error = IntakeError::from(cause);
        assert_eq!(format!("{error:#}"), "書き込めません: disk full");
        let chained = anyhow::Error::from(error);
        assert_eq!(format!("{chained:#}"), "書き込めません: disk full");
    }

    #[test]
    fn a_timeout_is_told_in_japanese() {
        let error = IntakeError::TimedOut { seconds: 120 };
        assert_eq!(error.to_string(), texts::intake::reader_timed_out(120));
    }
}
