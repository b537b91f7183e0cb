//! `hakusho explain ITEM`: where every value of an indicator, KPI or action-plan item
//! came from, as data ([`Lineage`]): the command prints it ([`Lineage::text`]), the
//! planning division's page shows it as a table with links to each submission.

use super::model::{ActionItem, Cell, Datasets, Indicator, Kpi, Policy, Source, WhitePaper};

/// The lineage of one item: a heading, notes, and one row per value.
#[derive(Debug, Clone, PartialEq)]
pub struct Lineage {
    /// The item's id as the plan writes it (`1-1.1`, `K2-1`, `1-(6)`).
    pub item: String,
    /// What kind of item it is.
    pub kind: ItemKind,
    /// The first line: the item, its name, its policy or goal and its department.
    pub heading: String,
    /// Lines about the item as a whole (its state, the same indicator in the plan,
    /// where 概要 comes from), printed before the rows.
    pub notes: Vec<String>,
    /// Each value and where it came from.
    pub rows: Vec<LineageRow>,
}

/// The three kinds of item `explain` knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// A basic-plan indicator (目標指標).
    Indicator,
    /// A regional-strategy KPI (総合戦略KPI).
    Kpi,
    /// An action-plan item (個別課題).
    ActionItem,
}

/// One value of an item and where it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct LineageRow {
    /// The item's id, as in [`Lineage::item`] (a row stands alone in a table).
    pub item: String,
    /// The fiscal year (starting calendar year) whose submission gave the value: the
    /// year explained, or an earlier year for a figure of the indicator's history.
    pub year: i32,
    /// What the value is (`達成値(令和2年度)`, `2019年度の達成値`, `取組状況等`).
    pub label: String,
    /// The value as printed (empty for a blank cell, and for [`RowKind::Text`]).
    pub value: String,
    /// How the row reads.
    pub kind: RowKind,
    /// The submission, department, file, sheet and cell; `None`: the plan's
    /// reference data.
    pub source: Option<Source>,
}

/// How a row of the lineage reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowKind {
    /// A cell of the table of the year explained (a blank one reads `(空欄)`).
    Cell,
    /// An earlier year's figure of an indicator.
    Earlier,
    /// A text (取組状況等): the row names only where it was read.
    Text,
}

impl Lineage {
    /// The lineage as `hakusho explain` prints it, one line each, two spaces in.
    pub fn text(&self) -> String {
        let mut out = format!("{}\n", self.heading);
        for note in &self.notes {
            out.push_str(&format!("  {note}\n"));
        }
        for row in &self.rows {
            out.push_str(&format!("  {}\n", row.line()));
        }
        out
    }
}

impl LineageRow {
    /// The row as one line of `hakusho explain` (without its indent).
    pub fn line(&self) -> String {
        let from = self.from();
        match self.kind {
            RowKind::Text => format!("{}: {from}", self.label),
            RowKind::Earlier => format!("{}: {} ← {from}", self.label, self.value),
            RowKind::Cell => format!("{}: {} ← {from}", self.label, self.shown_value()),
        }
    }

    /// The value as shown: a blank cell reads `(空欄)`.
    pub fn shown_value(&self) -> &str {
        if self.kind == RowKind::Cell && self.value.is_empty() {
            "(空欄)"
        } else {
            &self.value
        }
    }

    /// Where it came from, in words: `提出#3 企画部.xlsx 目標指標!I2` or the plan.
    pub fn from(&self) -> String {
        self.source
            .as_ref()
            .map_or_else(|| "計画の参照データ".to_string(), Source::describe)
    }
}

/// The lineage of an indicator (`1-1.1`), a KPI (`K2-1`) or an action-plan item
/// (`1-(2)`), or `None` when the dataset has no such item. The id is read as people
/// type it: full-width (`１－１．１`, `Ｋ２－１`), any dash, spaces around it.
pub fn explain(datasets: &Datasets, item: &str) -> Option<Lineage> {
    let item = item_id(item);
    let wp = &datasets.white_paper;
    let year = datasets.fiscal_year;
    if let Some((policy, indicator)) = wp
        .parts
        .iter()
        .flat_map(|p| &p.policies)
        .flat_map(|p| p.indicators.iter().map(move |i| (p, i)))
        .find(|(_, i)| i.id == item)
    {
        return Some(of_indicator(wp, year, policy, indicator));
    }
    let kpis = wp.strategy.goals.iter().flat_map(|g| &g.kpis);
    if let Some(kpi) = kpis.clone().find(|k| k.id == item) {
        return Some(of_kpi(wp, year, kpi));
    }
    let action = wp
        .action_plan
        .groups
        .iter()
        .flat_map(|g| &g.systems)
        .flat_map(|s| &s.items)
        .find(|i| i.id == item)?;
    Some(of_action_item(year, action))
}

/// An id as the plan writes it: half-width, ASCII hyphens, an upper-case `K`, no spaces.
pub fn item_id(typed: &str) -> String {
    crate::domain::japanese::fold_width(typed)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            // ‐ ‑ ‒ – — ― − ー ｰ: the dashes a Japanese keyboard or a copy from Word gives.
            '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30FC}' | '\u{FF70}' => '-',
            'k' => 'K',
            c => c,
        })
        .collect()
}

fn of_indicator(wp: &WhitePaper, year: i32, policy: &Policy, indicator: &Indicator) -> Lineage {
    let heading = format!(
        "指標 {} {}({} {}、{})",
        indicator.id, indicator.name, policy.code, policy.name, policy.department
    );
    let progress = indicator
        .progress
        .map(|p| format!("(進捗 {:.0}%)", p * 100.0))
        .unwrap_or_default();
    let mut rows = cell_rows(&indicator.id, year, &indicator.cells, &wp.period_labels);
    rows.extend(indicator.history.iter().map(|figure| LineageRow {
        item: indicator.id.clone(),
        year: figure.fiscal_year,
        label: format!("{}年度の達成値", figure.fiscal_year),
        value: figure.printed.clone(),
        kind: RowKind::Earlier,
        source: Some(figure.source.clone()),
    }));
    Lineage {
        item: indicator.id.clone(),
        kind: ItemKind::Indicator,
        heading,
        notes: vec![format!("状態: {}{progress}", indicator.status_label)],
        rows,
    }
}

fn of_kpi(wp: &WhitePaper, year: i32, kpi: &Kpi) -> Lineage {
    let heading = format!("総合戦略KPI {} {}({})", kpi.id, kpi.name, kpi.department);
    let notes = kpi
        .plan_indicator
        .iter()
        .map(|id| format!("基本計画の指標 {id} と同じ指標"))
        .collect();
    Lineage {
        item: kpi.id.clone(),
        kind: ItemKind::Kpi,
        heading,
        notes,
        rows: cell_rows(&kpi.id, year, &kpi.cells, &wp.strategy.period_labels),
    }
}

fn of_action_item(year: i32, action: &ActionItem) -> Lineage {
    let heading = format!(
        "個別課題 {}{} {}({})",
        action.id,
        if action.major { " 【主要】" } else { "" },
        action.title,
        action.departments.join("・")
    );
    let mut notes = vec![format!(
        "概要: 計画の参照データ{}",
        if action.sources.is_empty() {
            ""
        } else {
            "(主担当の部の提出で更新されていればその提出)"
        }
    )];
    if action.sources.is_empty() {
        notes.push("取組状況等: 提出なし".to_string());
    }
    let rows = action.sources.iter().map(|source| LineageRow {
        item: action.id.clone(),
        year,
        label: "取組状況等".to_string(),
        value: String::new(),
        kind: RowKind::Text,
        source: Some(source.clone()),
    });
    Lineage {
        item: action.id.clone(),
        kind: ItemKind::ActionItem,
        heading,
        notes,
        rows: rows.collect(),
    }
}

/// One row per column of an indicator's or a KPI's table, under the column's label.
fn cell_rows(item: &str, year: i32, cells: &[Cell], labels: &[String]) -> Vec<LineageRow> {
    cells
        .iter()
        .zip(labels)
        .map(|(cell, label)| LineageRow {
            item: item.to_string(),
            year,
            label: label.clone(),
            value: cell.printed.clone(),
            kind: RowKind::Cell,
            source: cell.source.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{item_id, ItemKind, Lineage, LineageRow, RowKind, Source};

    fn row(label: &str, value: &str, kind: RowKind, source: Option<Source>) -> LineageRow {
        LineageRow {
            item: "1-1.1".into(),
            year: 2020,
            label: label.into(),
            value: value.into(),
            kind,
            source,
        }
    }

    fn source() -> Source {
        Source {
            submission_id: 3,
            department: "企画部".into(),
            file: "令和2年度_企画部.xlsx".into(),
            sheet: "目標指標".into(),
            cell: "J2".into(),
        }
    }

    #[test]
    fn each_kind_of_row_reads_as_the_command_has_always_printed_it() {
        let lineage = Lineage {
            item: "1-1.1".into(),
            kind: ItemKind::Indicator,
            heading: "指標 1-1.1 名前(1-1 施策、企画部)".into(),
            notes: vec!["状態: 達成".into()],
            rows: vec![
                row(
                    "達成値(令和2年度)",
                    "202,850件",
                    RowKind::Cell,
                    Some(source()),
                ),
                row("目標値(令和4年度)", "", RowKind::Cell, None),
                row("2019年度の達成値", "", RowKind::Earlier, Some(source())),
                row("取組状況等", "", RowKind::Text, Some(source())),
            ],
        };
        assert_eq!(
            lineage.text(),
            "指標 1-1.1 名前(1-1 施策、企画部)\n  状態: 達成\n\
             \x20 達成値(令和2年度): 202,850件 ← 提出#3 令和2年度_企画部.xlsx 目標指標!J2\n\
             \x20 目標値(令和4年度): (空欄) ← 計画の参照データ\n\
             \x20 2019年度の達成値:  ← 提出#3 令和2年度_企画部.xlsx 目標指標!J2\n\
             \x20 取組状況等: 提出#3 令和2年度_企画部.xlsx 目標指標!J2\n"
        );
        assert_eq!(lineage.rows[1].shown_value(), "(空欄)");
        assert_eq!(
            lineage.rows[2].shown_value(),
            "",
            "an earlier figure as written"
        );
    }

    #[test]
    fn ids_typed_full_width_with_any_dash_or_spaces_read_as_the_plan_writes_them() {
        for typed in [
            "１－１．１",
            "１-１.１",
            " 1-1.1 ",
            "1ー1.1",
            "1−1.1",
            "1‐1．1",
            "　1-1.1　",
        ] {
            assert_eq!(item_id(typed), "1-1.1", "{typed}");
        }
        for typed in ["Ｋ２－１", "k2-1", "K2ー1"] {
            assert_eq!(item_id(typed), "K2-1", "{typed}");
        }
        assert_eq!(item_id("１－（２）"), "1-(2)");
    }
}
