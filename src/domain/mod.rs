//! The planning cycle's vocabulary as types, and the parsing of Japanese cell text.

pub mod clock;
mod figure;
mod finding;
mod fiscal_year;
pub mod japanese;
pub mod jis;
pub mod metrics;
mod observation;
mod printable;
mod publication;
mod reading;
pub mod status;

pub use clock::Clock;
pub use figure::{unreadable_tail, Doubt, Provisional, RowForm, TypedFigure};
pub use finding::{Finding, Severity};
pub use fiscal_year::{ConfigFiscalYear, FiscalYear, FiscalYearError};
pub use observation::{format_quantity, Bound, Observation, ObservationKind, Quantity};
pub use printable::{is_unsafe_in_logs, json_printable, printable};
pub use publication::{year_label as publication_year_label, PublicationMonth};
pub use reading::{is_mark, says_same_as_left, Reading};
pub use status::{Direction, Status};

/// The five columns of an indicator table (目標指標の達成状況).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Period {
    /// 計画策定時: the plan's baseline.
    Baseline,
    /// 前期: the end of the plan's first period.
    Early,
    /// 中期: the end of the plan's middle period.
    Middle,
    /// The fiscal year being reported (達成値).
    Actual,
    /// 目標値: the plan's target.
    Target,
}

impl Period {
    /// The columns in the order the white paper prints them.
    pub const ALL: [Period; 5] = [
        Period::Baseline,
        Period::Early,
        Period::Middle,
        Period::Actual,
        Period::Target,
    ];

    /// The columns that hold observed figures (all but the target), in order.
    pub const OBSERVED: [Period; 4] = [
        Period::Baseline,
        Period::Early,
        Period::Middle,
        Period::Actual,
    ];

    /// The stable name used in the store.
    pub fn key(self) -> &'static str {
        match self {
            Period::Baseline => "baseline",
            Period::Early => "early",
            Period::Middle => "middle",
            Period::Actual => "actual",
            Period::Target => "target",
        }
    }

    /// Reads a name written by [`Period::key`].
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.key() == key)
    }
}

/// One target indicator (目標指標) as a department reported it.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// The policy code: `1-1` for 第1部 第1, `2-4-1` for 第2部 第4-1.
    pub policy_code: String,
    /// 施策名.
    pub policy_name: String,
    /// 主な担当課: the responsible section(s) within the department.
    pub section: String,
    /// 指標名.
    pub name: String,
    /// The unit the department declared for the figures (件, %, 人 …).
    pub unit: String,
    /// The five cells, in [`Period::ALL`] order.
    pub observations: Vec<Observation>,
}

impl Indicator {
    /// The cell for one period.
    pub fn observation(&self, period: Period) -> Option<&Observation> {
        let index = Period::ALL.iter().position(|p| *p == period)?;
        self.observations.get(index)
    }
}

/// A UTC time as the store keeps it; such strings sort in time order.
pub fn stamp(time: chrono::DateTime<chrono::Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}
