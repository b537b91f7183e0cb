//! The service: the whole run, the schedule that repeats it, the inbox watcher.

pub mod jobs;
pub mod run;
pub mod schedule;
pub mod serve;
pub mod turn;
pub mod watch;
