//! Intake on real workbooks: the sample submissions, every rule a submitter can break
//! (each message checked), numbers and dates typed as such, and workbooks re-saved
//! by LibreOffice in every format it writes.

mod common;

use std::path::PathBuf;

use common::grid::{Cell, Grid};
use common::{convert_with_libreoffice, repo};
use hakusho::config::Config;
use hakusho::domain::Severity;
use hakusho::intake::{read_submission, Reading};
use hakusho::plan::Plan;
use hakusho::report::Coverage;

fn config() -> Config {
    Config::load(&repo().join("data/hakusho.toml")).unwrap()
}

fn plan() -> Plan {
    Plan::load(&repo().join("data/plan")).unwrap()
}

fn sample(department: &str) -> PathBuf {
    repo().join(format!("data/inbox/令和2年度_{department}.xlsx"))
}

fn read(bytes: &[u8]) -> Reading {
    let config = config();
    read_submission(bytes, &config, &plan(), coverage(&config))
}

/// The report fonts' coverage, read once for the whole test program (IPAmj明朝 is 46 MB).
fn coverage(config: &Config) -> &'static Coverage {
    static COVERAGE: std::sync::OnceLock<Coverage> = std::sync::OnceLock::new();
    COVERAGE.get_or_init(|| Coverage::for_config(config).unwrap())
}

fn messages(reading: &Reading) -> Vec<String> {
    reading.findings.iter().map(ToString::to_string).collect()
}

/// The 企画部 sample with a change applied, read back.
fn edited(change: impl FnOnce(&mut Grid)) -> Reading {
    let mut grid = Grid::read(&sample("企画部"));
    change(&mut grid);
    read(&grid.to_xlsx())
}

fn assert_has(reading: &Reading, expected: &str) {
    let found = messages(reading);
    assert!(
        found.iter().any(|m| m == expected),
        "expected {expected}\nfound {found:#?}"
    );
}

#[test]
fn every_sample_submission_is_accepted_with_all_its_parts() {
    let mut totals = [0; 5];
    for department in common::DEPARTMENTS {
        let reading = read(&std::fs::read(sample(department)).unwrap());
        assert!(
            reading.is_acceptable(),
            "{department}: {:#?}",
            messages(&reading)
        );
        let content = reading.content.unwrap();
        assert_eq!(content.department, department);
        let counts = [
            content.indicators.len(),
            content.progress.len(),
            content.action_items.len(),
            content.kpis.len(),
            content.projects.len(),
        ];
        for (total, n) in totals.iter_mut().zip(counts) {
            *total += n;
        }
    }
    // 68 indicators, 34 policies, 82 items (+6 rows of co-owners), 13 KPIs, 56 projects.
    assert_eq!(totals, [68, 34, 88, 13, 56]);
}

#[test]
fn a_figure_typed_as_a_number_and_a_date_typed_as_a_date_read_as_printed() {
    let reading = edited(|g| {
        g.set("目標指標", "J2", Cell::Number(202850.0)).set(
            "目標指標",
            "K2",
            Cell::Date(2021, 3, 31),
        );
    });
    assert!(reading.is_acceptable(), "{:#?}", messages(&reading));
    let entry = &reading.content.unwrap().indicators[0];
    assert_eq!(
        entry.indicator.observations[3].printed,
        "202,850件 (2021年3月31日)"
    );
    assert_eq!(entry.indicator.observations[3].value(), Some(202850.0));
    assert_eq!(entry.observed_at, "2021年3月31日");
}

#[test]
fn full_width_digits_read_like_half_width_ones() {
    let reading = edited(|g| {
        g.text("目標指標", "J2", "２０２，８５０件");
    });
    assert!(reading.is_acceptable(), "{:#?}", messages(&reading));
    assert_eq!(
        reading.content.unwrap().indicators[0]
            .indicator
            .observations[3]
            .value(),
        Some(202850.0)
    );
}

#[test]
fn another_template_department_or_year_is_refused_at_its_cell() {
    let reading = edited(|g| {
        g.text("提出情報", "B2", "1")
            .text("提出情報", "B3", "企画課")
            .text("提出情報", "B4", "令和3年度");
    });
    assert_has(&reading, "[エラー] シート「提出情報」 B2: テンプレート版「1」のブックは読めません(読める版: 3)。版3の提出用ブックに記入し直してください(このブックのほかのシートは読んでいません)");
    assert!(messages(&reading).iter().any(|m| m.starts_with("[エラー] シート「提出情報」 B3: 部名「企画課」は登録されていません(登録済み: 企画部、総務部")));
    assert_has(&reading, "[エラー] シート「提出情報」 B4: 令和3年度のブックです。いま受け付けているのは令和2年度分です");
}

#[test]
fn a_row_of_another_department_is_refused_and_a_deleted_row_is_missed() {
    let reading = edited(|g| {
        g.text("目標指標", "A2", "2-2.1");
    });
    assert_has(&reading, "[エラー] シート「目標指標」 A2: 指標ID「2-2.1」は生活環境部の担当です。企画部の提出には含められません");
    assert_has(&reading, "[エラー] シート「目標指標」 行が削除されています: 1-1.1「英語版ホームページのアクセス件数」。配布されたブックの行を消さずに記入してください");
    let reading = edited(|g| {
        g.text("アクションプラン", "A2", "9-(9)");
    });
    assert_has(&reading, "[エラー] シート「アクションプラン」 A2: 個別課題「9-(9)」は計画にありません。行を追加せずに記入してください");
}

#[test]
fn missing_required_cells_are_errors() {
    let reading = edited(|g| {
        g.text("目標指標", "J2", "")
            .text("取組状況", "C2", "")
            .text("総合戦略KPI", "G2", "");
    });
    assert!(!reading.is_acceptable());
    assert_has(
        &reading,
        "[エラー] シート「目標指標」 J2: 達成値が記入されていません",
    );
    assert_has(&reading, "[エラー] シート「取組状況」 C2: 施策「1-1 国際化の推進」の取り組み状況が記入されていません");
    assert_has(
        &reading,
        "[エラー] シート「総合戦略KPI」 G2: 実績値が記入されていません(値がないときは「—」)",
    );
}

#[test]
fn words_where_a_figure_is_due_and_another_unit_are_errors() {
    let reading = edited(|g| {
        g.text("目標指標", "J2", "未定");
    });
    assert_has(&reading, "[エラー] シート「目標指標」 J2: 数値を期待しましたが「未定」でした。値が出ないときは「—」と記入し、「説明・注記」に理由を書いてください");
    let reading = edited(|g| {
        g.text("目標指標", "J2", "202,850人");
    });
    assert!(!reading.is_acceptable(), "another unit is another number");
    assert_has(
        &reading,
        "[エラー] シート「目標指標」 J2: 単位は「件」のはずですが「202,850人」と記入されています。数値は「件」で記入してください(単位を付けずに数値だけでも読めます)",
    );
}

#[test]
fn an_implausible_move_asks_for_a_note_and_the_note_answers_it() {
    let warning = "[注意] シート「目標指標」 J7: 中期（平成30年度）の値「2,740,984件」から「4,976,176件」へ +82% 変わっています。誤りでなければ理由を「説明・注記」に記入してください";
    // The sample carries the white paper's explanation in N7; without it, the move is questioned.
    assert!(!messages(&edited(|_| {})).contains(&warning.to_string()));
    assert_has(
        &edited(|g| {
            g.set("目標指標", "N7", Cell::Empty);
        }),
        warning,
    );
    let reading = edited(|g| {
        g.text(
            "目標指標",
            "N7",
            "新型コロナウイルス感染症に関する情報へのアクセスが集中したため",
        );
    });
    assert!(!messages(&reading).contains(&warning.to_string()));
}

#[test]
fn a_changed_target_needs_a_reason() {
    let reading = edited(|g| {
        g.text("目標指標", "L2", "500,000件");
    });
    assert_has(&reading, "[エラー] シート「目標指標」 L2: 計画の値「400,000件」が「500,000件」に変わっています。直したときは「変更理由」に理由を記入してください");
    let reading = edited(|g| {
        g.text("目標指標", "L2", "500,000件")
            .text("目標指標", "M2", "令和3年度の計画改定による");
    });
    assert!(reading.is_acceptable(), "{:#?}", messages(&reading));
    assert_eq!(
        reading.content.unwrap().indicators[0]
            .indicator
            .observations[4]
            .printed,
        "500,000件"
    );
}

#[test]
fn reordered_columns_are_named_by_their_header_cells() {
    let reading = edited(|g| {
        g.swap_columns("目標指標", 3, 4);
    });
    assert_has(&reading, "[エラー] シート「目標指標」 D1: 見出しは「指標名」のはずですが「単位」でした。列を動かしたり挿入したりせずに記入してください");
    assert_has(&reading, "[エラー] シート「目標指標」 E1: 見出しは「単位」のはずですが「指標名」でした。列を動かしたり挿入したりせずに記入してください");
}

#[test]
fn an_extra_sheet_is_ignored_with_a_warning_and_a_missing_one_refuses_the_file() {
    let reading = edited(|g| {
        g.add_sheet("メモ", vec![vec![Cell::Text("下書き".into())]]);
    });
    assert!(reading.is_acceptable());
    assert_has(
        &reading,
        "[注意] シート「メモ」は読み取りません(追加されたシートの内容は集計されません)",
    );
    let reading = edited(|g| {
        g.drop_sheet("取組状況");
    });
    assert!(reading.content.is_none());
    assert_has(
        &reading,
        "[エラー] シート「取組状況」がありません。hakusho が配布した提出用ブックに記入してください",
    );
}

#[test]
fn a_formula_that_failed_is_named_by_its_cell() {
    let dir = tempfile::tempdir().unwrap();
    let mut grid = Grid::read(&sample("企画部"));
    grid.set(
        "目標指標",
        "J2",
        Cell::Formula("=1/0".into(), "#DIV/0!".into()),
    );
    let source = dir.path().join("企画部.xlsx");
    std::fs::write(&source, grid.to_xlsx()).unwrap();
    // As written, and as LibreOffice saves it again.
    let resaved = convert_with_libreoffice(&source, "xlsx", dir.path());
    for path in [source, resaved] {
        let reading = read(&std::fs::read(&path).unwrap());
        assert!(!reading.is_acceptable());
        assert_has(&reading, "[エラー] シート「目標指標」 J2: セルがエラー値(#DIV/0!)になっています。数式を値に直してください");
    }
}

/// LibreOffice re-saves the sample as xlsx, ods and xls; each reads as the original.
#[test]
fn workbooks_re_saved_by_libreoffice_read_the_same() {
    let source = sample("生活環境部");
    let original = read(&std::fs::read(&source).unwrap()).content.unwrap();
    let dir = tempfile::tempdir().unwrap();
    for format in ["xlsx", "ods", "xls"] {
        let converted = convert_with_libreoffice(&source, format, dir.path());
        let reading = read(&std::fs::read(&converted).unwrap());
        assert!(!reading.has_errors(), "{format}: {:#?}", messages(&reading));
        assert_eq!(reading.content.unwrap(), original, "{format}");
    }
}

#[test]
fn warnings_accept_and_errors_reject() {
    let reading = edited(|_| {});
    assert!(reading.is_acceptable());
    assert!(reading
        .findings
        .iter()
        .all(|f| f.severity == Severity::Warning));
}

/// The findings about characters that print as 〓 (the sample has warnings of its own).
fn geta_findings(reading: &Reading) -> Vec<String> {
    messages(reading)
        .into_iter()
        .filter(|m| m.contains("〓"))
        .collect()
}

/// The configured fonts without the system's: what a city without IPAmj明朝 has.
fn configured_fonts_only() -> Coverage {
    let mut config = config();
    config.report.system_fonts.clear();
    Coverage::for_config(&config).unwrap()
}

/// The 企画部 sample with the submitter and one narrative changed, read with `fonts`.
fn with_texts(submitter: &str, narrative: &str, fonts: &Coverage) -> Reading {
    let mut grid = Grid::read(&sample("企画部"));
    let row = grid.row_of("提出情報", 0, "記入者");
    grid.text("提出情報", &format!("B{row}"), submitter)
        .text("取組状況", "C2", narrative);
    read_submission(&grid.to_xlsx(), &config(), &plan(), fonts)
}

#[test]
fn a_character_no_report_font_has_is_a_warning_at_its_cell_saying_it_prints_as_geta() {
    let fonts = configured_fonts_only();
    let reading = with_texts("𠮷田 花子", "多文化共生😀を進めた\u{E000}。\u{7}", &fonts);
    // Only warnings: the file is accepted and the reports print 〓 in their place.
    assert!(reading.is_acceptable(), "{:#?}", messages(&reading));
    let row = Grid::read(&sample("企画部")).row_of("提出情報", 0, "記入者");
    assert_has(&reading, &format!("[注意] シート「提出情報」 B{row}: 「𠮷」(U+20BB7) は報告書のフォントにない字のため、報告書では「〓」と印刷されます。ほかの字で書けるなら書き換えてください"));
    assert_has(&reading, "[注意] シート「取組状況」 C2: 「😀」(U+1F600)、外字(私用領域の文字) U+E000、制御文字 U+0007 は報告書のフォントにない字のため、報告書では「〓」と印刷されます。ほかの字で書けるなら書き換えてください");
    assert_eq!(
        geta_findings(&reading).len(),
        2,
        "{:#?}",
        messages(&reading)
    );
}

#[test]
fn characters_the_fonts_have_and_variation_selectors_are_not_findings() {
    let fonts = configured_fonts_only();
    // 髙﨑 (IBM extensions), 实 (the fallback font), 葛󠄀 (an ideographic variation sequence).
    let reading = with_texts("髙﨑 葛\u{E0100}", "工事实施設計　①〜⑩\n改行", &fonts);
    assert!(
        geta_findings(&reading).is_empty(),
        "{:#?}",
        messages(&reading)
    );
}

#[test]
fn a_name_kanji_prints_when_the_system_has_ipamj_mincho() {
    if hakusho::report::find_system_font("ipamjm.ttf").is_none() {
        eprintln!("IPAmj明朝 (fonts-ipamj-mincho) is not installed: skipped");
        return;
    }
    let reading = with_texts("𠮷田 花子", "𠮷野で説明会を開いた", coverage(&config()));
    assert!(
        geta_findings(&reading).is_empty(),
        "{:#?}",
        messages(&reading)
    );
}

#[test]
fn many_cells_with_unprintable_characters_are_named_up_to_fifty_then_counted() {
    let mut grid = Grid::read(&sample("企画部"));
    for row in 2..=81 {
        grid.text("主要事業", &format!("H{row}"), "😀");
    }
    let reading = read_submission(
        &grid.to_xlsx(),
        &config(),
        &plan(),
        &configured_fonts_only(),
    );
    let named = messages(&reading)
        .iter()
        .filter(|m| m.contains("「😀」(U+1F600)"))
        .count();
    assert_eq!(named, 50);
    assert_has(&reading, "[注意] ほかに 30 個のセルにも、報告書のフォントにない字があります(報告書では「〓」と印刷されます)");
}

/// A project written below ⑩ in 主要事業, whether ①…⑩ are all used or not, and
/// however many and however long, is an error named at the first such row: the
/// booklet and the newsletter have room for ten.
#[test]
fn priority_projects_below_the_tenth_row_are_refused_at_the_first_of_them() {
    for (fill_all, extra) in [(true, 1), (false, 1), (true, 40)] {
        let reading = edited(|grid| {
            if fill_all {
                for row in 2..=11 {
                    grid.text("主要事業", &format!("B{row}"), &format!("事業{row}"));
                }
            }
            for i in 0..extra {
                let row = 12 + i;
                grid.text("主要事業", &format!("B{row}"), &"長い事業名".repeat(100));
            }
        });
        assert!(!reading.is_acceptable(), "{extra} extra rows accepted");
        assert!(
            messages(&reading).iter().any(|m| m.starts_with(
                "[エラー] シート「主要事業」 B12: 主要事業は ①…⑩ の 10 行に記入します"
            )),
            "{:#?}",
            messages(&reading)
        );
    }
}

/// A workbook uploaded by a department, read as intake reads an upload.
fn read_upload(bytes: &[u8], department: &str) -> Reading {
    let (config, plan) = (config(), plan());
    let intake = hakusho::intake::Intake {
        config: &config,
        plan: &plan,
        fonts: coverage(&config),
        earlier: &hakusho::store::NO_EARLIER_FIGURES,
        upload: Some(hakusho::intake::Upload {
            department,
            uploaded_by: "kikaku-bu@mitaka.example",
        }),
    };
    hakusho::intake::read_submission_with(bytes, intake)
}

/// The class "a department uploads another's workbook": every other sample, uploaded
/// as 企画部, is sent back with one error at the department's cell naming both; its
/// own is accepted as from the inbox.
#[test]
fn an_upload_of_another_departments_workbook_is_sent_back_naming_both() {
    let own = std::fs::read(sample("企画部")).unwrap();
    assert!(read_upload(&own, "企画部").is_acceptable());
    for other in common::DEPARTMENTS.iter().filter(|d| **d != "企画部") {
        let reading = read_upload(&std::fs::read(sample(other)).unwrap(), "企画部");
        assert!(!reading.is_acceptable(), "{other}");
        let errors: Vec<_> = reading
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "one error, not one per cell: {errors:?}");
        assert_eq!(errors[0].sheet.as_deref(), Some("提出情報"), "{other}");
        let message = &errors[0].message;
        assert!(message.contains(&format!("{other}の提出用")), "{message}");
        assert!(message.contains("企画部としてログイン"), "{message}");
        // The inbox takes the same workbook as its department's.
        assert!(
            read(&std::fs::read(sample(other)).unwrap()).is_acceptable(),
            "{other}"
        );
    }
}
