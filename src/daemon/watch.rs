//! The inbox watcher: a file dropped in the inbox is taken in, and its receipt sent,
//! within seconds.
//!
//! Only complete files are taken: a file is complete when two looks a moment apart
//! find the same size and modification time (a file written then renamed into the
//! inbox is complete at once; one still being copied keeps growing). notify (inotify
//! on Linux) wakes the watcher as soon as something changes; a poll every few seconds
//! covers folders that send no events (network mounts).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use notify::{RecursiveMode, Watcher};
use tokio::sync::{mpsc, Mutex};

use crate::app::App;
use crate::daemon::run::ingest_files;
use crate::intake::inbox_files;

/// What a file looked like at one look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Look {
    /// The file's size in bytes.
    pub size: u64,
    /// Its modification time, where the file system keeps one.
    pub modified: Option<SystemTime>,
}

/// The files the watcher has seen, and which it has taken in.
#[derive(Debug, Default)]
pub struct InboxState {
    last: HashMap<PathBuf, Look>,
    taken: HashMap<PathBuf, Look>,
}

impl InboxState {
    /// Records a look at the inbox and returns the files that became complete and were
    /// not taken in yet in this form.
    pub fn complete(&mut self, looks: Vec<(PathBuf, Look)>) -> Vec<PathBuf> {
        let mut ready = Vec::new();
        let mut seen = HashMap::new();
        for (path, look) in looks {
            let stable = self.last.get(&path) == Some(&look);
            if stable && self.taken.get(&path) != Some(&look) {
                self.taken.insert(path.clone(), look);
                ready.push(path.clone());
            }
            seen.insert(path, look);
        }
        self.taken.retain(|path, _| seen.contains_key(path));
        self.last = seen;
        ready
    }

    /// Forgets that these files were taken in: their intake failed (a full disk, a
    /// busy store), so the next look offers them again.
    pub fn forget(&mut self, paths: &[PathBuf]) {
        for path in paths {
            self.taken.remove(path);
        }
    }
}

/// Looks at every inbox file once.
pub fn look(inbox: &Path) -> anyhow::Result<Vec<(PathBuf, Look)>> {
    Ok(inbox_files(inbox)?
        .into_iter()
        .filter_map(|path| {
            let meta = std::fs::metadata(&path).ok()?;
            Some((
                path,
                Look {
                    size: meta.len(),
                    modified: meta.modified().ok(),
                },
            ))
        })
        .collect())
}

/// Watches the inbox until the task is dropped. `running` keeps intake from
/// interleaving with a scheduled run.
pub async fn watch_inbox(app: App, running: Arc<Mutex<()>>) {
    let config = app.config();
    let (wake, mut woken) = mpsc::channel::<()>(16);
    // Kept alive for as long as the loop runs; without events, polling still works.
    let _watcher = match notify::recommended_watcher(move |_event| {
        let _ = wake.try_send(());
    }) {
        Ok(mut watcher) => match watcher.watch(&config.paths.inbox, RecursiveMode::NonRecursive) {
            Ok(()) => Some(watcher),
            Err(e) => {
                tracing::warn!(
                    "cannot watch the inbox ({}); polling it instead",
                    crate::domain::printable(&e.to_string())
                );
                None
            }
        },
        Err(e) => {
            tracing::warn!(
                "no file events ({}); polling the inbox instead",
                crate::domain::printable(&e.to_string())
            );
            None
        }
    };
    // At least a second: 0 would look at the folder in a busy loop.
    let poll = Duration::from_secs(config.paths.inbox_poll_seconds.max(1));
    let settle = Duration::from_millis(700);
    let mut state = InboxState::default();
    loop {
        // Woken by an event: look again soon, to see the file has settled.
        let wait = match tokio::time::timeout(poll, woken.recv()).await {
            Ok(_) => settle,
            Err(_) => Duration::ZERO,
        };
        tokio::time::sleep(wait).await;
        for _ in 0..2 {
            if let Err(error) = take_complete(&app, &running, &mut state).await {
                tracing::error!(
                    "taking in the inbox failed: {}",
                    crate::domain::printable(&format!("{error:#}"))
                );
            }
            tokio::time::sleep(settle).await;
        }
    }
}

async fn take_complete(
    app: &App,
    running: &Mutex<()>,
    state: &mut InboxState,
) -> anyhow::Result<()> {
    let ready = state.complete(look(&app.config().paths.inbox)?);
    if ready.is_empty() {
        return Ok(());
    }
    let _guard = running.lock().await;
    // Files taken in before a failure are recognised by their hash when offered again.
    let summary = match ingest_files(app, ready.clone()).await {
        Ok(summary) => summary,
        Err(error) => {
            state.forget(&ready);
            return Err(
                error.context("intake failed; the files will be tried again at the next look")
            );
        }
    };
    for file in &summary.files {
        tracing::info!(file = %crate::domain::printable(&file.file_name), outcome = ?file.outcome, findings = file.findings_total, "taken in from the inbox");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn look(size: u64, seconds: u64) -> Look {
        Look {
            size,
            modified: Some(SystemTime::UNIX_EPOCH + Duration::from_secs(seconds)),
        }
    }

    #[test]
    fn a_file_is_taken_once_it_stops_changing_and_again_only_if_it_changes() {
        let mut state = InboxState::default();
        let path = PathBuf::from("inbox/企画部.xlsx");
        assert!(
            state
                .complete(vec![(path.clone(), look(100, 1))])
                .is_empty(),
            "first sight: maybe still being written"
        );
        assert!(
            state
                .complete(vec![(path.clone(), look(200, 2))])
                .is_empty(),
            "still growing"
        );
        assert_eq!(
            state.complete(vec![(path.clone(), look(200, 2))]),
            std::slice::from_ref(&path),
            "settled"
        );
        assert!(
            state
                .complete(vec![(path.clone(), look(200, 2))])
                .is_empty(),
            "taken already"
        );
        assert!(state
            .complete(vec![(path.clone(), look(300, 3))])
            .is_empty());
        assert_eq!(
            state.complete(vec![(path.clone(), look(300, 3))]),
            [path],
            "replaced by a new version"
        );
    }

    #[test]
    fn a_file_whose_intake_failed_is_offered_again_at_the_next_look() {
        let mut state = InboxState::default();
        let path = PathBuf::from("inbox/企画部.xlsx");
        state.complete(vec![(path.clone(), look(100, 1))]);
        let ready = state.complete(vec![(path.clone(), look(100, 1))]);
        assert_eq!(ready, std::slice::from_ref(&path));
        state.forget(&ready);
        assert_eq!(
            state.complete(vec![(path.clone(), look(100, 1))]),
            [path],
            "tried again though it did not change"
        );
    }
}
