//! hakusho: from the departments' planning workbooks to the city's white paper.
//!
//! # Layout
//!
//! One module per stage of the pipeline, in the order data flows through them. A
//! module uses only those listed above it (`scripts/shape.py` checks it, and that there is
//! no cycle):
//!
//! - [`domain`]: fiscal years, 和暦, indicator cells (`34,677件`), findings, statuses, the clock.
//! - [`archive`]: bytes kept under their SHA-256 (originals, attachments, content keys).
//! - [`texts`]: the texts people read, from `templates/` (`{{placeholder}}` filled in).
//! - [`plan`]: the plan's reference data (policies, indicators, KPIs, action-plan items, owners).
//! - [`workbook`]: the submission workbook: layout, content, writer (templates, annotated copies).
//! - [`store`]: the store's interface (submissions, plan snapshots, outbox, ledger) and its
//!   SQLite and PostgreSQL implementations (migrations in `migrations/`, `migrations/postgres/`);
//!   every submission version kept.
//! - [`config`]: the TOML file that names the city, departments, paths, mail and schedules,
//!   and where the store is (`[store]`: the SQLite file or a PostgreSQL URL).
//! - [`logging`]: each log event on one line (text or JSON), control characters escaped.
//! - [`template`]: the workbook a department fills in, pre-filled from the plan and the store.
//! - [`consolidate`]: the white-paper and 各部の運営方針と目標 datasets, checked and traced:
//!   the one dataset every report, mail and `status` prints from.
//! - [`report`]: the fonts; the xlsx (rust_xlsxwriter) and PDF (printpdf) reports; plain tables.
//! - [`intake`]: reads a file in a sandboxed child (calamine), checks it, archives and records it.
//! - [`mail`]: the transport (lettre), receipts, the report mails (composed from the consolidated
//!   dataset), notices, and the outbox every message goes through.
//! - [`app`]: the configuration checked for a command before it does anything, and the
//!   context built from it once (clock, store, plan, fonts, mailer) and passed down.
//! - [`web`]: the department portal: pages, sign-in by a mailed link, sessions, CSRF.
//! - [`daemon`]: the whole run, the schedule (a ledger of runs), the inbox watcher.
//! - [`cli`]: the `hakusho` command line, one file per command.

#![warn(missing_docs)]

pub mod app;
pub mod archive;
pub mod cli;
pub mod config;
pub mod consolidate;
pub mod daemon;
pub mod domain;
pub mod intake;
pub mod logging;
pub mod mail;
pub mod plan;
pub mod report;
pub mod store;
pub mod template;
pub mod texts;
pub mod web;
pub mod workbook;
