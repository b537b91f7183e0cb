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
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, SystemTime};

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use crate::app::App;
use crate::daemon::run::ingest_files;
use crate::daemon::turn::Turn;
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

/// One file-event watcher for every city's inbox: one inotify instance and one thread
/// in the process however many cities (a watcher each would be a thread each, and
/// Linux allows 128 inotify instances per user by default). An event wakes the city
/// whose inbox it is in; one it cannot place wakes every city (a look is cheap).
pub struct InboxEvents {
    watcher: Option<notify::RecommendedWatcher>,
    routes: Routes,
}

/// Each inbox with the channel that wakes its city.
type Routes = Arc<StdMutex<Vec<(PathBuf, mpsc::Sender<()>)>>>;

impl InboxEvents {
    /// The watcher, or none when the system gives no file events (polling then).
    pub fn new() -> InboxEvents {
        let routes: Routes = Arc::default();
        let table = Arc::clone(&routes);
        let watcher = notify::recommended_watcher(move |event| wake(&table, event))
            .map_err(|e| {
                tracing::warn!(
                    "no file events ({}); polling the inbox instead",
                    crate::domain::printable(&e.to_string())
                )
            })
            .ok();
        InboxEvents { watcher, routes }
    }

    /// Watches `inbox`; the receiver is woken when something in it changes.
    pub fn subscribe(&mut self, inbox: &Path) -> mpsc::Receiver<()> {
        let (sender, woken) = mpsc::channel(16);
        lock(&self.routes).push((inbox.to_path_buf(), sender));
        if let Some(watcher) = self.watcher.as_mut() {
            if let Err(e) = watcher.watch(inbox, RecursiveMode::NonRecursive) {
                tracing::warn!(
                    "cannot watch the inbox ({}); polling it instead",
                    crate::domain::printable(&e.to_string())
                );
            }
        }
        woken
    }
}

impl Default for InboxEvents {
    fn default() -> Self {
        InboxEvents::new()
    }
}

fn lock(routes: &Routes) -> std::sync::MutexGuard<'_, Vec<(PathBuf, mpsc::Sender<()>)>> {
    routes.lock().unwrap_or_else(|e| e.into_inner())
}

/// Wakes the cities whose inbox the event touched, or every city when none is named.
fn wake(routes: &Routes, event: notify::Result<notify::Event>) {
    let routes = lock(routes);
    let paths = event.map(|e| e.paths).unwrap_or_default();
    let named = |inbox: &PathBuf| paths.iter().any(|p| p.starts_with(inbox));
    let any_named = routes.iter().any(|(inbox, _)| named(inbox));
    for (inbox, sender) in routes.iter() {
        if !any_named || named(inbox) {
            // Full: a wake-up is pending already.
            let _ = sender.try_send(());
        }
    }
}

/// Watches a city's inbox until the task is dropped, woken by `woken` (from
/// [`InboxEvents`]) or every `inbox_poll_seconds`. `turn` keeps intake from
/// interleaving with the city's scheduled run.
pub async fn watch_inbox(app: App, turn: Turn, mut woken: mpsc::Receiver<()>) {
    let config = app.config();
    // At least a second: 0 would look at the folder in a busy loop.
    let poll = Duration::from_secs(config.paths.inbox_poll_seconds.max(1));
    let settle = Duration::from_millis(700);
    let mut state = InboxState::default();
    loop {
        // Woken by an event: look again soon, to see the file has settled.
        let wait = match tokio::time::timeout(poll, woken.recv()).await {
            Ok(Some(())) => settle,
            // Every sender gone (no watcher): polling alone.
            Ok(None) => poll,
            Err(_) => Duration::ZERO,
        };
        tokio::time::sleep(wait).await;
        for _ in 0..2 {
            if let Err(error) = take_complete(&app, &turn, &mut state).await {
                tracing::error!(
                    "taking in the inbox failed: {}",
                    crate::domain::printable(&format!("{error:#}"))
                );
            }
            tokio::time::sleep(settle).await;
        }
    }
}

async fn take_complete(app: &App, turn: &Turn, state: &mut InboxState) -> anyhow::Result<()> {
    let ready = state.complete(look(&app.config().paths.inbox)?);
    if ready.is_empty() {
        return Ok(());
    }
    let _guard = turn.take().await;
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
