//! hakusho: from the departments' planning workbooks to the city's white paper.
//!
//! # Layout
//!
//! One module per stage of the pipeline, in the order data flows through them:
//!
//! - [`config`]: the TOML file that names the city, departments, paths, mail and schedules.
//! - [`domain`]: fiscal years, 和暦, indicator cells (`34,677件`, `326事業所 (平成21年)`).
//! - [`plan`]: the plan's reference data (policies, indicators, KPIs, action-plan items, owners).
//! - [`workbook`]: the submission workbook: layout, content, writer (templates, annotated copies).
//! - [`template`]: department templates pre-filled from the plan and the store.
//! - [`intake`]: opens inbox files (calamine), guards against hostile zips, parses, archives.
//! - [`store`]: SQLite with the migrations in `migrations/`; every submission version kept.
//! - [`consolidate`]: the white-paper and 各部の運営方針と目標 datasets, checked and traced.
//! - [`export`]: the datasets as plain tables (xlsx) and JSON.
//! - [`report`]: the xlsx (rust_xlsxwriter) and PDF (printpdf) reports.
//! - [`receipt`]: the answer to each file taken in, with an annotated copy when sent back.
//! - [`mail`]: messages from `templates/`, built and sent by lettre (outbox folder or SMTP).
//! - [`outbox`]: every message written to the store first, then delivered with retries.
//! - [`notices`]: reminders before the deadline, the escalation after it, the weekly digest.
//! - [`job`]: the whole run: ingest, report, mail; called once or by the schedule.
//! - [`schedule`]: the daemon: cron jobs (Asia/Tokyo) run through a ledger, the delivery worker.
//! - [`watch`]: the inbox watcher that takes a dropped file in within seconds.
//! - [`cli`]: the `hakusho` command line; [`logging`] keeps each log event on one line.

pub mod cli;
pub mod config;
pub mod consolidate;
pub mod domain;
pub mod export;
pub mod intake;
pub mod job;
pub mod logging;
pub mod mail;
pub mod notices;
pub mod outbox;
pub mod plan;
pub mod receipt;
pub mod report;
pub mod schedule;
pub mod store;
pub mod template;
pub mod watch;
pub mod workbook;
