//! Every odd cell form of the seed white paper, read as the reports need it: the
//! printed form kept, the figure, unit, year, notes and references read out.

mod common;

use hakusho::domain::{Bound, Observation, ObservationKind};

/// (cell as printed, kind, first figure, its unit, observed year, annotations)
type Case = (
    &'static str,
    ObservationKind,
    Option<f64>,
    &'static str,
    Option<i32>,
    &'static [&'static str],
);

const M: ObservationKind = ObservationKind::Measured;
const Q: ObservationKind = ObservationKind::Qualitative;

const CASES: &[Case] = &[
    ("34,677件", M, Some(34677.0), "件", None, &[]),
    ("2,274,948件", M, Some(2274948.0), "件", None, &[]),
    ("144ha", M, Some(144.0), "ha", None, &[]),
    ("38.8%", M, Some(38.8), "%", None, &[]),
    ("1.16", M, Some(1.16), "", None, &[]),
    (
        "326事業所 (平成21年)",
        M,
        Some(326.0),
        "事業所",
        Some(2009),
        &[],
    ),
    (
        "146,539百万円 (平成20年)",
        M,
        Some(146539.0),
        "百万円",
        Some(2008),
        &[],
    ),
    ("12,587 (令和元年度)", M, Some(12587.0), "", Some(2019), &[]),
    ("209 人 (注 1)", M, Some(209.0), "人", None, &["注1"]),
    ("1.16 (平成 26 年)", M, Some(1.16), "", Some(2014), &[]),
    ("1.11 (令和元年)", M, Some(1.11), "", Some(2019), &[]),
    ("1.43 (令和 4 年)", M, Some(1.43), "", Some(2022), &[]),
    (
        "57,640 人 (平成 24 年度)",
        M,
        Some(57640.0),
        "人",
        Some(2012),
        &[],
    ),
    ("20.0% (令和 4 年度)", M, Some(20.0), "%", Some(2022), &[]),
    ("32.00% (注2)", M, Some(32.0), "%", None, &["注2"]),
    ("8施設 98事業者", M, Some(8.0), "施設", None, &[]),
    ("4,372人 (198人)", M, Some(4372.0), "人", None, &[]),
    ("1件 (⑤)", M, Some(1.0), "件", None, &["⑤"]),
    ("4件(①②③ ④)", M, Some(4.0), "件", None, &["①②③④"]),
    ("2件 (④※⑤)", M, Some(2.0), "件", None, &["④※⑤"]),
    ("225 件", M, Some(225.0), "件", None, &[]),
    ("0 m ³", M, Some(0.0), "m³", None, &[]),
    ("4住区", M, Some(4.0), "住区", None, &[]),
    ("80台以下", M, Some(80.0), "台", None, &[]),
    ("同左", ObservationKind::SameAsLeft, None, "", None, &[]),
    ("—", ObservationKind::NotAvailable, None, "", None, &[]),
    ("-", ObservationKind::NotAvailable, None, "", None, &[]),
    ("維持", Q, None, "", None, &[]),
    ("都市計画決定", Q, None, "", None, &[]),
    ("充実・発展", Q, None, "", None, &[]),
    ("概ね5%を超えないこと", Q, None, "", None, &[]),
    (
        "概ね80%台を維持(特殊要因による場合にあっても90%台前半に抑制)",
        Q,
        None,
        "",
        None,
        &[],
    ),
    ("３４，６７７件", M, Some(34677.0), "件", None, &[]),
];

#[test]
fn every_odd_cell_form_of_the_seed_reads_as_expected() {
    for (text, kind, value, unit, year, notes) in CASES {
        let o = Observation::parse(text);
        assert_eq!(o.printed, *text, "printed form kept");
        assert_eq!(o.kind, *kind, "{text}");
        assert_eq!(o.value(), *value, "{text}");
        assert_eq!(o.unit().unwrap_or(""), *unit, "{text}");
        assert_eq!(o.observed_year, *year, "{text}");
        assert_eq!(o.annotations, *notes, "{text}");
    }
    assert_eq!(
        Observation::parse("4,372人 (198人)")
            .sub_value
            .unwrap()
            .value,
        198.0
    );
    assert_eq!(
        Observation::parse("8施設 98事業者").quantities[1].value,
        98.0
    );
    assert_eq!(Observation::parse("80台以下").bound, Some(Bound::AtMost));
}

/// Every cell of the transcribed white paper parses, keeps its printed form, and is a
/// figure exactly when it starts with one.
#[test]
fn every_cell_of_the_seed_tables_reads() {
    let mut cells = 0;
    for (_, name, row) in common::sample_indicators() {
        for text in row {
            let o = Observation::parse(&text);
            assert_eq!(o.printed, text.trim(), "{name}");
            let starts_with_digit = hakusho::domain::japanese::fold_width(&text)
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit());
            assert_eq!(
                o.kind == ObservationKind::Measured,
                starts_with_digit,
                "{name}: {text}"
            );
            cells += 1;
        }
    }
    assert_eq!(cells, 68 * 5);
}
