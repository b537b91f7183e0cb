//! Every intake text, rendered with sample values: Japanese, fully filled in, and
//! naming what it is about (the value found, the label, the sheet, the limit).

use super::*;
use crate::texts::is_japanese;

/// Checks one text: Japanese, no placeholder left, every sample value named.
fn check(text: impl AsRef<str>, named: &[&str]) {
    let text = text.as_ref();
    assert!(is_japanese(text), "not Japanese: {text}");
    assert!(
        !text.contains('{') && !text.contains('}'),
        "unfilled: {text}"
    );
    for value in named {
        assert!(text.contains(value), "{text} does not name {value}");
    }
}

#[test]
fn the_workbook_texts() {
    check(unknown_template_version("0.9", 3), &["「0.9」", "3"]);
    check(
        unknown_department("企画室", &["企画部", "総務部"]),
        &["「企画室」", "企画部、総務部"],
    );
    check(
        other_fiscal_year("令和元年度", "令和2年度"),
        &["令和元年度", "令和2年度"],
    );
    let another = row_of_another_department("指標ID", "1-1-1", "総務部", "企画部");
    check(another, &["指標ID「1-1-1」", "総務部", "企画部"]);
    check(row_not_in_plan("KPI", "K9"), &["KPI「K9」"]);
    let uploaded = workbook_not_the_uploaders("総務部", "企画部");
    check(uploaded, &["総務部の提出用", "企画部としてログイン"]);
    check(missing_sheet("目標指標"), &["シート「目標指標」"]);
    check(extra_sheet("メモ"), &["シート「メモ」"]);
    check(wrong_heading("指標ID", "番号"), &["「指標ID」", "「番号」"]);
    let rows = [
        "1-1-1「転入者数」".to_string(),
        "1-1-2「出生数」".to_string(),
    ];
    check(deleted_rows(&rows), &["1-1-1「転入者数」、1-1-2「出生数」"]);
    check(too_many_projects(10), &["10 行", "10 件"]);
}

#[test]
fn the_cell_texts() {
    check(not_filled_in("職員数"), &["「職員数」"]);
    check(not_a_number("予算額", "未定"), &["「予算額」", "「未定」"]);
    check(error_value("DIV/0!"), &["DIV/0!"]);
    check(text_too_long(40000, 32767), &["40000 字", "32767 字"]);
    check(NO_PROJECT, &["主要事業"]);
    check(PROJECT_WITHOUT_TITLE, &["主要事業名"]);
    check(NO_ACHIEVED_VALUE, &["達成値"]);
    check(NO_KPI_ACTUAL, &["実績値"]);
}

#[test]
fn the_value_texts() {
    let changed = planned_value_changed("120件", "130件");
    check(changed, &["「120件」", "「130件」", "「変更理由」"]);
    let changed = planned_kpi_value_changed("50%", "55%");
    check(changed, &["「50%」", "「55%」", "「説明・注記」"]);
    check(number_expected("未定"), &["「未定」"]);
    let compared = last_year_figure(crate::domain::FiscalYear(2020));
    assert_eq!(compared, "前年度（令和2年度）の実績");
    let moved = implausible_change(&compared, "100件", "250件", 150.0);
    check(
        moved,
        &["前年度（令和2年度）の実績「100件」", "「250件」", "+150%"],
    );
    let planned = plan_figure("中期", crate::domain::FiscalYear(2019));
    assert_eq!(planned, "中期（令和元年度）の値");
    let older = earlier_year_figure(crate::domain::FiscalYear(2019));
    assert_eq!(older, "令和元年度の実績（前年度の提出はありません）");
    check(other_unit("件", "12人"), &["「件」", "「12人」"]);
    check(
        no_policy_progress("1-1", "子育て支援"),
        &["「1-1 子育て支援」"],
    );
    check(no_item_progress("A-3"), &["A-3"]);
}

#[test]
fn the_typed_figure_texts() {
    check(negative_figure("▲5"), &["「▲5」", "マイナス"]);
    let provisional = provisional_figure("265人（速報値）", "速報値", "265人 (速報値)");
    check(
        provisional,
        &[
            "「265人（速報値）」は速報値",
            "「265人 (速報値)」",
            "確定値",
        ],
    );
    let several = several_figures("12 345", &["12".to_string(), "345".to_string()], 1);
    check(several, &["「12 345」", "2 つ(12、345)", "数値を 1 つ"]);
    check(
        too_few_figures("11", 1, 2, "施設・事業者"),
        &["「11」", "1 つですが", "数値を 2 つ", "「施設・事業者」"],
    );
    check(
        decimal_point("12.345", "12.345", "12,345"),
        &["「12.345」", "小数の 12.345", "例: 12,345"],
    );
}

#[test]
fn the_font_texts() {
    let described = ["「髙」(U+9AD9)".to_string()];
    check(unprintable(&described), &["「髙」(U+9AD9)", "「〓」"]);
    check(
        unprintable_in_file_name(&described),
        &["ファイル名", "「髙」(U+9AD9)"],
    );
    check(more_unprintable_cells(7), &["7 個"]);
}

#[test]
fn the_file_texts() {
    check(file_too_large(30, 20), &["30 バイト", "上限 20 バイト"]);
    check(no_file_information("I/O error"), &["I/O error"]);
    check(not_a_regular_file(kind::FIFO), &["FIFO"]);
    check(file_unreadable("I/O error"), &["I/O error"]);
    check(file_unopenable("I/O error"), &["I/O error"]);
    check(SYMBOLIC_LINK, &["シンボリックリンク"]);
    check(NO_PERMISSION, &["権限"]);
    check(VANISHED, &["ファイル"]);
    use kind::*;
    for word in [SYMLINK, FOLDER, SOCKET, DEVICE, FILE, UNKNOWN] {
        check(word, &[]);
    }
}

#[test]
fn the_guard_texts() {
    let sheet = "xl/worksheets/sheet1.xml";
    check(PASSWORD_PROTECTED, &["パスワード"]);
    check(broken_zip("invalid header"), &["invalid header"]);
    check(too_many_entries(3), &["3 個"]);
    check(unreadable_entry(4, "bad"), &["項目 4", "bad"]);
    check(
        expanded_too_large(1200, 1000),
        &["1200 バイト", "上限 1000 バイト"],
    );
    check(
        over_compressed(sheet, 900, 1 << 30),
        &["「xl/worksheets/sheet1.xml」", "900 倍"],
    );
    check(
        entry_too_large(sheet, 70, 64),
        &["「xl/worksheets/sheet1.xml」", "70 バイト", "64 バイト"],
    );
    check(
        entry_undecompressable(sheet, "bad"),
        &["「xl/worksheets/sheet1.xml」", "bad"],
    );
    let far = sheet_reaches_too_far(sheet, (1000000, 10), (100000, 200));
    check(
        far,
        &[
            "「xl/worksheets/sheet1.xml」",
            "1000000 行目・10 列目",
            "100000 行・200 列",
        ],
    );
    check(MACROS_IGNORED, &["マクロ"]);
}

#[test]
fn the_reader_texts() {
    check(
        unopenable_because("ZIP の項目が多すぎます(3 個)"),
        &["ZIP の項目が多すぎます(3 個)"],
    );
    check(not_a_workbook("invalid file"), &["invalid file", "xlsx"]);
    let large = sheet_too_large("目標指標", (5001, 3), (5000, 100));
    check(
        large,
        &["シート「目標指標」", "5001 行目・3 列目", "5000 行・100 列"],
    );
    check(needs_too_much_memory(384), &["384 MB"]);
    check(reading_too_slow(20), &["20 秒"]);
    check(BROKEN_FILE, &["壊れています"]);
}

#[test]
fn the_texts_of_hakushos_own_failures() {
    check(reader_timed_out(120), &["120 秒"]);
    check(
        reader_not_started("/usr/bin/hakusho"),
        &["/usr/bin/hakusho"],
    );
    check(READER_NOT_WAITED, &["プロセス"]);
    check(OWN_PATH_UNKNOWN, &["プログラム"]);
    check(READER_NOT_FOUND, &["HAKUSHO_READER"]);
    check(inbox_unreadable("/srv/inbox"), &["/srv/inbox"]);
}

#[test]
fn the_chinese_form_texts() {
    let shi = ChineseForm {
        found: '实',
        kind: "簡体字",
        japanese: "実",
    };
    let fa = ChineseForm {
        found: '发',
        kind: "簡体字",
        japanese: "発髪",
    };
    assert_eq!(
        chinese_forms(&[shi]),
        "「实」は日本語の文字ではありません(簡体字)。「実」の誤りではありませんか"
    );
    let shi = ChineseForm {
        found: '实',
        kind: "簡体字",
        japanese: "実",
    };
    assert_eq!(
        chinese_forms(&[shi, fa]),
        "日本語の文字ではない字があります。「实」(簡体字)は「実」、「发」(簡体字)は「発」か「髪」の誤りではありませんか"
    );
    let shuo = ChineseForm {
        found: '說',
        kind: "繁体字",
        japanese: "説",
    };
    check(
        chinese_forms_in_file_name(&[shuo]),
        &["ファイル名", "「說」", "「説」"],
    );
    check(more_chinese_form_cells(3), &["3 個"]);
}

#[test]
fn the_same_fact_text() {
    assert_eq!(
        same_fact_differs("実績値(令和2年度)", "270人", "I3", "1-1.2", "達成値(令和2年度)", "260人"),
        "実績値(令和2年度)「270人」が目標指標 I3(1-1.2)の達成値(令和2年度)「260人」と違います。同じ指標の同じ年度の値です。どちらかを直してください"
    );
}
