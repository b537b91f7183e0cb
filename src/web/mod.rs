//! The department portal, served by `hakusho serve` beside its jobs (issue 14).
//!
//! Server-rendered pages in Japanese (maud), the style sheet and script embedded
//! ([`assets`]), a sign-in by a one-time link sent by mail ([`auth`]). Every path
//! starts with the city's code (`/132047/signin`): one listener serves every city that
//! names its address in `[web] listen`. The store is used from blocking threads
//! ([`on_store`]), on the city's shared connection, never from a task itself.

pub mod assets;
pub mod auth;
pub mod client;
pub mod console;
pub mod department;
pub mod jobs;
pub mod ops;
pub mod overview;
pub mod page;
pub mod summary;
pub mod testing;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::html;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::app::App;
use crate::mail::{DeliveryBell, DeliveryBells};
use crate::store::Store;
use auth::{Limits, Signed};
use jobs::Jobs;
use page::{html_page, layout, see_other, Refusal};

/// The portal's state: the cities it serves by code, their delivery bells, the rate
/// limits. Clones share everything.
#[derive(Clone)]
pub struct Web {
    inner: Arc<Inner>,
}

struct Inner {
    cities: BTreeMap<String, App>,
    bells: DeliveryBells,
    limits: Limits,
    jobs: Option<Arc<dyn Jobs>>,
}

impl Web {
    /// The portal of these cities, ringing these bells (a city without one is not rung).
    pub fn new(apps: impl IntoIterator<Item = App>, bells: DeliveryBells) -> Web {
        Web::with_jobs(apps, bells, None)
    }

    /// The same, with the daemon's jobs (run now, its heartbeat) when it serves them.
    pub fn with_jobs(
        apps: impl IntoIterator<Item = App>,
        bells: DeliveryBells,
        jobs: Option<Arc<dyn Jobs>>,
    ) -> Web {
        let cities = apps
            .into_iter()
            .map(|app| (app.config().city.code.clone(), app))
            .collect();
        Web {
            inner: Arc::new(Inner {
                cities,
                bells,
                limits: Limits::default(),
                jobs,
            }),
        }
    }

    /// The city with this code, if the portal serves it.
    pub fn city(&self, code: &str) -> Option<&App> {
        self.inner.cities.get(code)
    }

    /// Every city served, by code.
    pub fn cities(&self) -> impl Iterator<Item = &App> {
        self.inner.cities.values()
    }

    /// Wakes the city's delivery worker (a mail was queued).
    pub fn ring(&self, code: &str) {
        if let Some(bell) = self.inner.bells.get(code) {
            bell.ring();
        }
    }

    /// The city's bell, if it has one.
    pub fn bell(&self, code: &str) -> Option<&DeliveryBell> {
        self.inner.bells.get(code)
    }

    /// The daemon's jobs, when the portal is served by `hakusho serve`.
    pub fn jobs(&self) -> Option<&Arc<dyn Jobs>> {
        self.inner.jobs.as_ref()
    }

    /// The rate limits of this process.
    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }
}

/// Every route of the portal, with the headers every answer carries.
pub fn router(web: Web) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/assets/{file}", get(assets::asset))
        .route("/{city}", get(city_slash))
        .route("/{city}/", get(city_home))
        .merge(auth::signin::routes())
        .merge(overview::routes())
        .merge(console::routes())
        .merge(summary::routes())
        .merge(ops::routes())
        .merge(department::routes())
        .fallback(not_found)
        .layer(axum::middleware::from_fn(page::finish))
        .with_state(web)
}

/// Runs `work` on the city's store in a blocking thread (SQLite and the PostgreSQL
/// client block), waiting for the shared connection like the daemon's other tasks.
pub async fn on_store<T: Send + 'static>(
    app: &App,
    work: impl FnOnce(&App, &mut Store) -> anyhow::Result<T> + Send + 'static,
) -> anyhow::Result<T> {
    let app = app.clone();
    tokio::task::spawn_blocking(move || {
        let mut store = app.store().blocking_lock()?;
        work(&app, &mut store)
    })
    .await
    .context("保存先の処理が途中で止まりました")?
}

/// Binds every distinct `[web] listen` of the cities and serves each address's cities
/// there; no city with `[web]`, no listener. A listener that cannot be bound stops
/// start-up with the address in the message.
pub async fn start(
    apps: &[App],
    bells: &DeliveryBells,
    jobs: Option<Arc<dyn Jobs>>,
) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let mut by_address: BTreeMap<SocketAddr, Vec<App>> = BTreeMap::new();
    for app in apps {
        if let Some(address) = app.config().web.as_ref().and_then(|w| w.listen_address()) {
            by_address.entry(address).or_default().push(app.clone());
        }
    }
    let mut servers = Vec::new();
    for (address, apps) in by_address {
        take_in_left_uploads(&apps, bells).await?;
        let listener = TcpListener::bind(address).await.with_context(|| {
            format!("ページのアドレス {address} で待ち受けられません(web.listen)。ほかのプログラムが使っていないか、アドレスが正しいか確かめてください")
        })?;
        let codes: Vec<String> = apps.iter().map(|a| a.config().city.code.clone()).collect();
        // The bound address: `listen = "127.0.0.1:0"` takes a free port, told here.
        let bound = listener.local_addr().unwrap_or(address);
        tracing::info!(address = %bound, cities = ?codes, "ページを開きました: http://{bound}/");
        let web = Web::with_jobs(apps.clone(), bells.clone(), jobs.clone());
        servers.push(serve_on(listener, web));
        servers.push(tokio::spawn(look_for_left_uploads(apps, bells.clone())));
    }
    Ok(servers)
}

/// Every minute, the uploads a replica sharing the archive left when it died: taken
/// in by a live one, as a run is taken over, not only at the next start.
async fn look_for_left_uploads(apps: Vec<App>, bells: DeliveryBells) {
    let minute = std::time::Duration::from_secs(60);
    let mut interval = tokio::time::interval_at(tokio::time::Instant::now() + minute, minute);
    loop {
        interval.tick().await;
        if let Err(error) = take_in_left_uploads(&apps, &bells).await {
            tracing::error!("残っていたアップロードを取り込めません: {error:#}");
        }
    }
}

/// Takes in the uploads a stopped daemon left staged, before the portal listens: their
/// senders saw no answer, their receipts go out now (the bell is rung).
async fn take_in_left_uploads(apps: &[App], bells: &DeliveryBells) -> anyhow::Result<()> {
    for app in apps {
        let city = app.clone();
        let taken = tokio::task::spawn_blocking(move || department::upload::take_in_left(&city))
            .await
            .context("残っていたアップロードの取り込みが途中で止まりました")??;
        if taken > 0 {
            tracing::info!(city = %app.config().city.code, taken, "uploads left staged were taken in");
            if let Some(bell) = bells.get(&app.config().city.code) {
                bell.ring();
            }
        }
    }
    Ok(())
}

/// Serves the portal on a bound listener, with each connection's peer address known
/// (the per-client rate limit). Ends when the task is aborted.
pub fn serve_on(listener: TcpListener, web: Web) -> JoinHandle<()> {
    let service = router(web).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        if let Err(error) = axum::serve(listener, service).await {
            tracing::error!("ページの待ち受けが止まりました: {error}");
        }
    })
}

/// `GET /`: the one city's page, or the list of cities.
async fn home(State(web): State<Web>) -> Response {
    let cities: Vec<&App> = web.cities().collect();
    if let [only] = cities.as_slice() {
        return see_other(&format!("/{}/", only.config().city.code));
    }
    let main = html! {
        p { "市区町村を選んでください。" }
        ul { @for app in &cities {
            li { a href={ "/" (app.config().city.code) "/" } { (app.config().city.name) } }
        } }
    };
    html_page(
        axum::http::StatusCode::OK,
        layout("白書 提出窓口", None, None, main),
    )
}

/// `GET /{city}`: the same with its slash (the cookies' path ends with one).
async fn city_slash(State(web): State<Web>, Path(code): Path<String>) -> Response {
    match web.city(&code) {
        Some(_) => see_other(&format!("/{code}/")),
        None => Refusal::not_found().into_response(),
    }
}

/// `GET /{city}/`: the role's page when signed in (the extractor sends anyone else
/// to the sign-in page).
async fn city_home(signed: Signed) -> Response {
    see_other(&signed.role.home(signed.city_code()))
}

/// Any other path.
async fn not_found() -> Refusal {
    Refusal::not_found()
}
