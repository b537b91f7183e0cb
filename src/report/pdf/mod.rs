//! The PDF reports, on a small layout engine of their own ([`page`], [`text`],
//! [`chart`]): the white paper and the department reports, the manager summary, the
//! booklet and newsletter page of 各部の運営方針と目標, and the whole-city indicator table.

pub(super) mod batch;
pub(crate) mod chart;
pub(super) mod deflate;
pub(super) mod department_plans;
mod footnotes;
mod indicator_table;
pub(super) mod page;
pub(super) mod summary;
pub(super) mod text;
pub(super) mod white_paper;

pub use indicator_table::indicator_document;
