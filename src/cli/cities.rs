//! The commands that act on every city of a deployment (or on the one `--city` names):
//! `run --once`, one city after the other, and `serve`, every city in one process.
//! Cities on one store share one connection and the fonts' coverage.

use std::path::PathBuf;

use super::refused::{refused_if_any, Refused};
use crate::app::{check_city, App, Needs, OpenMode, Shared, StoreHandle};
use crate::config::{DeployedCity, Deployment};
use crate::domain::Clock;
use crate::store::StoreLocation;

/// The applications of some cities, each checked for `needs`; cities on one store
/// share its handle.
pub(crate) struct Cities {
    stores: Vec<StoreHandle>,
    shared: Shared,
    mode: OpenMode,
}

impl Cities {
    /// No city yet; stores opened as `mode` says.
    pub(crate) fn new(mode: OpenMode) -> Cities {
        Cities {
            stores: Vec::new(),
            shared: Shared::default(),
            mode,
        }
    }

    /// The application of one city, checked for `needs`.
    pub(crate) fn app(
        &mut self,
        city: &DeployedCity,
        needs: Needs,
        clock: &Clock,
    ) -> anyhow::Result<App> {
        let config = check_city(city, needs, clock)?;
        let store = self.store(config.store_location());
        Ok(App::sharing(
            config,
            clock.clone(),
            store,
            self.shared.clone(),
        ))
    }

    /// The one handle of a store location.
    fn store(&mut self, location: StoreLocation) -> StoreHandle {
        if let Some(known) = self.stores.iter().find(|s| *s.location() == location) {
            return known.clone();
        }
        let handle = StoreHandle::new(location, self.mode);
        self.stores.push(handle.clone());
        handle
    }
}

/// `run --once` on each city, one after the other, each summary under the city's name.
/// A city whose configuration or run fails does not stop the others; the exit status
/// is the worst: 2 when one failed, 1 when a file was sent back.
pub(super) async fn run_each(
    deployment: &Deployment,
    wanted: Option<&str>,
    out: Option<PathBuf>,
    clock: Clock,
) -> anyhow::Result<()> {
    let needs = super::needs_of(&super::Command::Run {
        once: true,
        out: out.clone(),
    });
    let mut cities = Cities::new(OpenMode::Writable);
    let (mut failed, mut sent_back) = (Vec::new(), 0);
    for city in deployment.select(wanted)? {
        let label = format!("{} ({})", city.config.city.name, city.config.city.code);
        println!("== {label} ==");
        // Each city's reports in a folder of its own under --out: the names collide.
        let out = out.as_ref().map(|o| o.join(&city.config.city.code));
        let result = match cities.app(city, needs, &clock) {
            Ok(app) => super::run::run(&app, true, out).await,
            Err(error) => Err(error),
        };
        match result {
            Ok(()) => {}
            Err(error) => match error.downcast_ref::<Refused>() {
                Some(Refused::SentBack(n)) => sent_back += n,
                _ => {
                    eprintln!("hakusho: {label}: {}", crate::logging::error_text(&error));
                    failed.push(label);
                }
            },
        }
    }
    if !failed.is_empty() {
        anyhow::bail!(
            "{} の都市の実行に失敗しました: {}",
            failed.len(),
            failed.join("、")
        );
    }
    refused_if_any(sent_back, Refused::SentBack)
}

/// `serve` for every city (or the one `--city` names) in one process. Every city is
/// checked before anything starts: a city that cannot run stops start-up.
pub(super) async fn serve_all(
    deployment: &Deployment,
    wanted: Option<&str>,
    clock: Clock,
) -> anyhow::Result<()> {
    let mut cities = Cities::new(OpenMode::Writable);
    let apps = deployment
        .select(wanted)?
        .into_iter()
        .map(|city| cities.app(city, Needs::WHOLE_RUN, &clock))
        .collect::<anyhow::Result<Vec<_>>>()?;
    crate::daemon::serve::serve_cities(apps).await
}
