//! What intake tells a submitter about a file: each finding's message, the guard's and
//! the reader's refusals, and hakusho's own failures while reading. The sheet and the
//! cell are not in these texts: a [`Finding`](crate::domain::Finding) carries them and
//! prints them in front (`シート「目標指標」 F7: …`).

use std::fmt::Display;

// The workbook itself.

/// The template version cell names a version this hakusho does not read.
pub fn unknown_template_version(found: &str, supported: impl Display) -> String {
    format!("テンプレート版「{found}」のブックは読めません(読める版: {supported})。版{supported}の提出用ブックに記入し直してください(このブックのほかのシートは読んでいません)")
}

/// The department named is not one of the city's.
pub fn unknown_department(name: &str, known: &[&str]) -> String {
    format!(
        "部名「{name}」は登録されていません(登録済み: {})",
        known.join("、")
    )
}

/// The workbook is for another fiscal year than the one being taken in.
pub fn other_fiscal_year(found: impl Display, expected: impl Display) -> String {
    format!("{found}のブックです。いま受け付けているのは{expected}分です")
}

/// The workbook is for a fiscal year outside the plan period.
pub fn fiscal_year_outside_plan(
    found: impl Display,
    plan: &str,
    first: impl Display,
    last: impl Display,
    expected: impl Display,
) -> String {
    format!("{found}のブックです。{found}は計画期間の外です({plan}の計画期間は{first}から{last}まで)。いま受け付けているのは{expected}分です")
}

/// The department named is one of the city's, but every row is another's: the
/// workbook of that department, renamed.
pub fn workbook_of_another_department(named: &str, owner: &str) -> String {
    format!("部名は「{named}」ですが、表の行はすべて{owner}の担当です。{named}の提出用ブックに記入してください(この部名のまま{owner}のブックは提出できません)")
}

/// An uploaded workbook of another department than the one signed in.
pub fn workbook_not_the_uploaders(named: &str, signed_in: &str) -> String {
    format!("このブックは{named}の提出用ですが、{signed_in}としてログインしています。{signed_in}の提出用ブックを提出してください({named}のブックは{named}の担当者が提出します)")
}

/// An uploaded file that cannot be the signed-in department's submission, though its
/// workbook does not name another department (bytes that are not its own).
pub fn not_the_uploaders_file(signed_in: &str) -> String {
    format!("このファイルは{signed_in}の提出として受け付けられません。提出のページのテンプレートを使った{signed_in}の提出用ブックを提出してください")
}

/// A workbook of a year whose collection (受付) the planning division closed.
pub fn collection_closed(year: crate::domain::FiscalYear) -> String {
    format!("{year}の提出の受付は終了しました。企画経営課にお問い合わせください")
}

/// A row (indicator, policy, item, KPI) of another department's.
pub fn row_of_another_department(what: &str, id: &str, owner: &str, department: &str) -> String {
    format!("{what}「{id}」は{owner}の担当です。{department}の提出には含められません")
}

/// A row that the plan does not have.
pub fn row_not_in_plan(what: &str, id: &str) -> String {
    format!("{what}「{id}」は計画にありません。行を追加せずに記入してください")
}

/// A sheet of the submission workbook is missing.
pub fn missing_sheet(sheet: &str) -> String {
    format!("シート「{sheet}」がありません。hakusho が配布した提出用ブックに記入してください")
}

/// A sheet the submitter added: it is not read.
pub fn extra_sheet(sheet: &str) -> String {
    format!("シート「{sheet}」は読み取りません(追加されたシートの内容は集計されません)")
}

/// A column heading was moved or changed.
pub fn wrong_heading(expected: &str, found: &str) -> String {
    format!("見出しは「{expected}」のはずですが「{found}」でした。列を動かしたり挿入したりせずに記入してください")
}

/// A heading carries another fiscal year than the workbook's year cell: another
/// year's workbook with its year typed over.
pub fn heading_of_another_year(found: &str, expected: &str) -> String {
    format!("見出しの年度が「{found}」です(「{expected}」のはず)。{ANOTHER_YEARS_WORKBOOK}")
}

/// What every [`heading_of_another_year`] says of the workbook: it is said once.
pub const ANOTHER_YEARS_WORKBOOK: &str = "ほかの年度の提出用ブックの年度だけを書き換えたようです。いま受け付けている年度の提出用ブックに記入してください";

/// Rows the plan gives the department were deleted.
pub fn deleted_rows(rows: &[String]) -> String {
    format!(
        "行が削除されています: {}。配布されたブックの行を消さずに記入してください",
        rows.join("、")
    )
}

/// Rows added below the last priority project row.
pub fn too_many_projects(rows: usize) -> String {
    format!("主要事業は ①…⑩ の {rows} 行に記入します。⑩ より下の行は読みません。行を追加せず、{rows} 件に絞って ①…⑩ に書いてください")
}

// Cells.

/// A required field is empty.
pub fn not_filled_in(label: &str) -> String {
    format!("「{label}」が記入されていません")
}

/// A field that must be a number is not one.
pub fn not_a_number(label: &str, found: &str) -> String {
    format!("「{label}」は数値で記入してください(「{found}」と記入されています)")
}

/// A number cell in a row of `%`: the percentage itself, or Excel's form of a
/// percentage (35.6% kept as 0.356) whose format did not come through.
pub fn percent_as_fraction(value: f64) -> String {
    let itself = crate::domain::format_quantity(value, "%");
    let hundredfold = crate::domain::format_quantity(value * 100.0, "%");
    // The likelier reading as the example: below 1, Excel's form of a percentage.
    let example = if value.abs() < 1.0 {
        &hundredfold
    } else {
        &itself
    };
    format!("数値のセルに {value} が入っています。Excel では「35.6%」と入力すると 0.356 として保存され、書式は読み取れないため、{itself} か {hundredfold} か決められません。「{example}」のように「%」を付けて文字で記入してください(先頭に「'」を付けると文字になります)")
}

/// A formula that failed (`#DIV/0!`).
pub fn error_value(error: impl Display) -> String {
    format!("セルがエラー値({error})になっています。数式を値に直してください")
}

/// A text longer than a cell holds.
pub fn text_too_long(chars: usize, max: usize) -> String {
    format!(
        "文字数が多すぎます({chars} 字。1 つのセルに入るのは {max} 字まで)。文章を短くしてください"
    )
}

/// No priority project at all.
pub const NO_PROJECT: &str = "主要事業が一つも記入されていません";

/// A project row with indicators or targets but no title.
pub const PROJECT_WITHOUT_TITLE: &str = "目標指標や目標だけがあり、主要事業名がありません";

/// The year's achieved value of an indicator is empty.
pub const NO_ACHIEVED_VALUE: &str = "達成値が記入されていません";

/// A KPI's actual value is empty.
pub const NO_KPI_ACTUAL: &str = "実績値が記入されていません(値がないときは「—」)";

/// The year's figure is `—` (no value) and the note says nothing of why.
pub const NO_VALUE_WITHOUT_REASON: &str =
    "「—」(値なし)と記入されていますが、理由が「説明・注記」にありません。値が出ない理由を記入してください";

/// The year's figure typed as a range: printed as typed, judged as its number.
pub fn bounded_figure(typed: &str, judged: &str) -> String {
    format!("「{typed}」は範囲を表す値です。白書にはこのまま載り、達成状況は {judged} として判定されます。その年度の値そのものがわかれば記入してください")
}

/// A planned value of an indicator changed without a reason.
pub fn planned_value_changed(planned: &str, found: &str) -> String {
    format!("計画の値「{planned}」が「{found}」に変わっています。直したときは「変更理由」に理由を記入してください")
}

/// A planned value of a KPI changed without a note.
pub fn planned_kpi_value_changed(planned: &str, found: &str) -> String {
    format!("計画の値「{planned}」が「{found}」に変わっています。直したときは「説明・注記」に理由を記入してください")
}

/// A number was expected in the year's value.
pub fn number_expected(found: &str) -> String {
    format!("数値を期待しましたが「{found}」でした。値が出ないときは「—」と記入し、「説明・注記」に理由を書いてください")
}

/// The year's value moved from a last one of 0: no share to compare, any move is told.
pub fn moved_from_zero(compared: &str, before: &str, now: &str) -> String {
    format!("{compared}「{before}」から「{now}」へ変わっています(前回は 0 のため増減率は出せません)。誤りでなければ理由を「説明・注記」に記入してください")
}

/// The year's value moved further from the last one than is plausible.
///
/// `compared` names the figure compared with and its year ([`last_year_figure`],
/// [`earlier_year_figure`], [`plan_figure`]).
pub fn implausible_change(compared: &str, before: &str, now: &str, percent: f64) -> String {
    format!("{compared}「{before}」から「{now}」へ {percent:+.0}% 変わっています。誤りでなければ理由を「説明・注記」に記入してください")
}

/// The figure of last year's accepted submission: `前年度（令和2年度）の実績`.
pub fn last_year_figure(year: impl Display) -> String {
    format!("前年度（{year}）の実績")
}

/// The figure of an earlier year's accepted submission (none for last year): `令和元年度の実績`.
pub fn earlier_year_figure(year: impl Display) -> String {
    format!("{year}の実績（前年度の提出はありません）")
}

/// A figure of the plan's columns, when no earlier submission has one: `中期（令和元年度）の値`.
pub fn plan_figure(column: &str, year: impl Display) -> String {
    format!("{column}（{year}）の値")
}

/// A negative figure where the indicator cannot be negative.
pub fn negative_figure(found: &str) -> String {
    format!("「{found}」はマイナスの値です。この指標は負の値になりません(計画の値はすべて 0 以上です)。増減ではなく、その年度の値そのものを「▲」「△」「-」を付けずに記入してください")
}

/// A figure marked as not final (速報値, 見込み, 暫定値, 推計値, 概数, 概算, 予定, 集計中,
/// 未確定, 仮).
pub fn provisional_figure(found: &str, label: &str, printed: &str) -> String {
    let what = match label {
        "予定" | "集計中" | "未確定" | "仮" => format!("{label}の値"),
        _ => label.to_string(),
    };
    format!("「{found}」は{what}です。このまま白書に「{printed}」と載ります。確定値が出ていれば確定値を記入してください")
}

/// A provisional word not standing alone as a mark (`203,000件 （速報値、令和3年3月末時点）`):
/// `example` is the figure in its form, `kpi` whether the sheet is 総合戦略KPI (it has no
/// 観測時点 column).
pub fn misplaced_mark(found: &str, label: &str, example: &str, kpi: bool) -> String {
    let when = match kpi {
        true => "時点などの説明は「説明・注記」の列に記入してください",
        false => "時点は「観測時点」の列に、その他の説明は「説明・注記」の列に記入してください",
    };
    format!("「{found}」は{label}の注記の書き方が読み取れません。{label}などの注記は「{example}（{label}）」のように、数値のあとの括弧に注記の語だけを記入してください。{when}")
}

/// Text glued after a figure that is no unit (`2.9e5`, `0x47A5E`, `5人減`): `tail` is
/// that text, `example` a figure in the row's form.
pub fn unreadable_figure(found: &str, tail: &str, example: &str) -> String {
    format!("「{found}」は数値のあとの「{tail}」が読めないため、数値として受け付けられません。数字と桁区切りの「,」で「{example}」のように記入してください。増減や説明は「説明・注記」に書いてください")
}

/// Decimals in a row of whole numbers, not three (three may be a thousands separator:
/// [`decimal_point`]).
pub fn decimals_in_whole_row(found: &str, read: &str) -> String {
    format!("「{found}」は小数の {read} として読みました。この指標の計画の値はすべて整数です。小数でよいか確かめてください")
}

/// More figures in one cell than the row holds: `12 345` reads as 12 and 345.
pub fn several_figures(found: &str, figures: &[String], expected: usize) -> String {
    format!(
        "「{found}」から数値が {} つ({})読み取れます。このセルには数値を {expected} つ記入してください。桁区切りは「,」で、年度や注記は括弧で書いてください(例: 12,345人 (令和3年度))",
        figures.len(),
        figures.join("、")
    )
}

/// A cell with fewer figures than its row holds in every cell (`11` where the plan
/// prints `8施設 98事業者`).
pub fn too_few_figures(found: &str, figures: usize, expected: usize, unit: &str) -> String {
    format!(
        "「{found}」から読み取れる数値は {figures} つですが、この指標は 1 つのセルに数値を {expected} つ記入します(単位「{unit}」の順に、空白で区切って。例: 8施設 98事業者)。一つの数値では、どの単位の値か分かりません"
    )
}
/// `12.345` in a row of whole numbers: read as a decimal, perhaps meant as 12,345.
pub fn decimal_point(found: &str, read: &str, separated: &str) -> String {
    format!("「{found}」は小数の {read} として読みました。この指標の計画の値はすべて整数です。桁区切りのつもりなら「,」で記入してください(例: {separated})")
}

/// A value written in another unit than the indicator's.
pub fn other_unit(declared: &str, found: &str) -> String {
    format!("単位は「{declared}」のはずですが「{found}」と記入されています。数値は「{declared}」で記入してください(単位を付けずに数値だけでも読めます)")
}

/// A KPI's figure and the same year's figure of the basic-plan indicator it is differ:
/// `kpi_column` and `plan_column` are the two columns' headings, `plan_cell` the
/// indicator's cell (`I5`).
pub fn same_fact_differs(
    kpi_column: &str,
    kpi_figure: &str,
    plan_cell: &str,
    indicator_id: &str,
    plan_column: &str,
    plan_figure: &str,
) -> String {
    format!("{kpi_column}「{kpi_figure}」が目標指標 {plan_cell}({indicator_id})の{plan_column}「{plan_figure}」と違います。同じ指標の同じ年度の値です。どちらかを直してください")
}

/// A policy's progress is empty.
pub fn no_policy_progress(code: &str, name: &str) -> String {
    format!("施策「{code} {name}」の取り組み状況が記入されていません")
}

/// An action-plan item the department leads has no progress.
pub fn no_item_progress(id: &str) -> String {
    format!("個別課題 {id} の取組状況等が記入されていません(主担当の部)")
}

// Characters the report fonts lack.

/// Characters that will print as 〓 (each described, e.g. `「髙」(U+9AD9)`).
pub fn unprintable(described: &[String]) -> String {
    format!(
        "{} は報告書のフォントにない字のため、報告書では「〓」と印刷されます。ほかの字で書けるなら書き換えてください",
        described.join("、")
    )
}

/// The same, in the file name.
pub fn unprintable_in_file_name(described: &[String]) -> String {
    format!("ファイル名の{}", unprintable(described))
}

/// Cells past the ones named with such characters.
pub fn more_unprintable_cells(more: usize) -> String {
    format!("ほかに {more} 個のセルにも、報告書のフォントにない字があります(報告書では「〓」と印刷されます)")
}

// Chinese forms typed for Japanese characters (实 for 実).

/// One Chinese form and its Japanese counterparts: 「发」(簡体字) and `発髪`.
pub struct ChineseForm<'a> {
    /// The character as typed.
    pub found: char,
    /// 簡体字 or 繁体字.
    pub kind: &'a str,
    /// The Japanese characters it may stand for, the usual one first.
    pub japanese: &'a str,
}

/// A cell with characters that are Chinese forms of Japanese ones.
pub fn chinese_forms(forms: &[ChineseForm]) -> String {
    match forms {
        [form] => format!(
            "「{}」は日本語の文字ではありません({})。{}の誤りではありませんか",
            form.found,
            form.kind,
            alternatives(form.japanese)
        ),
        _ => {
            let each: Vec<String> = forms
                .iter()
                .map(|f| format!("「{}」({})は{}", f.found, f.kind, alternatives(f.japanese)))
                .collect();
            format!(
                "日本語の文字ではない字があります。{}の誤りではありませんか",
                each.join("、")
            )
        }
    }
}

/// The same, in the file name.
pub fn chinese_forms_in_file_name(forms: &[ChineseForm]) -> String {
    format!("ファイル名の{}", chinese_forms(forms))
}

/// Cells past the ones named with such characters.
pub fn more_chinese_form_cells(more: usize) -> String {
    format!(
        "ほかに {more} 個のセルにも、日本語の文字ではない中国語の字体(簡体字・繁体字)があります"
    )
}

/// `「発」か「髪」`.
fn alternatives(japanese: &str) -> String {
    let quoted: Vec<String> = japanese.chars().map(|c| format!("「{c}」")).collect();
    quoted.join("か")
}

// Opening the file.

/// A file over the size limit.
pub fn file_too_large(size: u64, limit: u64) -> String {
    format!("ファイルが大きすぎます({size} バイト、上限 {limit} バイト)")
}

/// The file's metadata could not be read.
pub fn no_file_information(error: impl Display) -> String {
    format!("ファイルの情報を読めません({error})")
}

/// Not a regular file (a folder, a FIFO, a device…).
pub fn not_a_regular_file(kind: &str) -> String {
    format!("通常のファイルではないため読みません(種類: {kind})")
}

/// Reading the file failed.
pub fn file_unreadable(error: impl Display) -> String {
    format!("ファイルを読めません({error})")
}

/// Opening the file failed for another reason than the ones below.
pub fn file_unopenable(error: impl Display) -> String {
    format!("ファイルを開けません({error})")
}

/// A symbolic link is never followed.
pub const SYMBOLIC_LINK: &str =
    "シンボリックリンクは受け付けません。ファイルそのものを置いてください";

/// hakusho may not read the file.
pub const NO_PERMISSION: &str =
    "ファイルを読む権限がありません。hakusho が読めるようにファイルの権限を直してください";

/// The file vanished between listing and reading.
pub const VANISHED: &str = "ファイルがありません(読む前に消されました)";

/// What kind of thing a path is: words for [`not_a_regular_file`].
pub mod kind {
    /// A symbolic link.
    pub const SYMLINK: &str = "シンボリックリンク";
    /// A folder.
    pub const FOLDER: &str = "フォルダー";
    /// A named pipe.
    pub const FIFO: &str = "FIFO";
    /// A socket.
    pub const SOCKET: &str = "ソケット";
    /// A block or character device.
    pub const DEVICE: &str = "デバイス";
    /// A regular file.
    pub const FILE: &str = "ファイル";
    /// Anything else.
    pub const UNKNOWN: &str = "不明";
}

// The guard's refusals (before the workbook is opened).

/// An encrypted workbook.
pub const PASSWORD_PROTECTED: &str =
    "パスワードで保護されたブックは読めません。パスワードを外して保存し直してから提出してください";

/// A zip that cannot be read.
pub fn broken_zip(error: impl Display) -> String {
    format!("ZIP 形式が壊れています。ファイルが途中で切れていないか確かめてください({error})")
}

/// A zip of too many entries.
pub fn too_many_entries(count: usize) -> String {
    format!("ZIP の項目が多すぎます({count} 個)")
}

/// A zip entry whose header cannot be read.
pub fn unreadable_entry(index: usize, error: impl Display) -> String {
    format!("ZIP の項目 {index} を読めません({error})")
}

/// A zip whose entries expand to too much.
pub fn expanded_too_large(expanded: u64, limit: u64) -> String {
    format!("展開後の大きさが上限を超えます({expanded} バイト、上限 {limit} バイト)")
}

/// One entry compressed beyond any real workbook (a zip bomb).
pub fn over_compressed(name: &str, ratio: u64, size: u64) -> String {
    format!("ZIP の項目「{name}」が異常に圧縮されています({ratio} 倍、展開後 {size} バイト)")
}

/// One entry too large once expanded.
pub fn entry_too_large(name: &str, size: u64, limit: u64) -> String {
    format!("ZIP の項目「{name}」が大きすぎます(展開後 {size} バイト、上限 {limit} バイト)")
}

/// One entry that fails to decompress.
pub fn entry_undecompressable(name: &str, error: impl Display) -> String {
    format!("ZIP の項目「{name}」を展開できません({error})")
}

/// A worksheet whose cells reach too far (`name` is the entry of the zip).
pub fn sheet_reaches_too_far(name: &str, reach: (u32, u32), limit: (u32, u32)) -> String {
    format!(
        "シートが大きすぎます(「{name}」に {} 行目・{} 列目までの範囲があります。上限は {} 行・{} 列)。不要な行や列を削除してください",
        reach.0, reach.1, limit.0, limit.1
    )
}

/// A note, not a refusal: macros are never run.
pub const MACROS_IGNORED: &str = "マクロ(VBA)が含まれていますが、実行せずに無視しました";

// The reader child's refusals.

/// The guard's refusal, as the reader reports it.
pub fn unopenable_because(reason: impl Display) -> String {
    format!("このファイルは開けません: {reason}")
}

/// calamine could not open the file as a workbook.
pub fn not_a_workbook(cause: &str) -> String {
    format!("Excel/ODS のブックとして開けません({cause})。xlsx, xlsm, xls, xlsb, ods のいずれかで提出してください")
}

/// A data sheet with a value past the rows and columns read (1-based).
pub fn sheet_too_large(sheet: &str, at: (u32, u32), limit: (u32, u32)) -> String {
    format!(
        "シート「{sheet}」が大きすぎます({} 行目・{} 列目に値があります。読み取れるのは {} 行・{} 列まで)。不要な行や列を削除してから提出してください",
        at.0, at.1, limit.0, limit.1
    )
}

/// The reader ran out of memory.
pub fn needs_too_much_memory(megabytes: u64) -> String {
    format!("ファイルが大きすぎて読めません(読み取りに {megabytes} MB を超えるメモリーが必要でした)。不要なシート・行・列を削除して保存し直してから提出してください")
}

/// The reader ran out of CPU time.
pub fn reading_too_slow(seconds: u64) -> String {
    format!("ファイルの読み取りが時間内に終わりませんでした(上限 {seconds} 秒)。ファイルが壊れているか、大きすぎます。保存し直してから提出してください")
}

/// The reader crashed on the file.
pub const BROKEN_FILE: &str =
    "ファイルが壊れています(読み取りの途中で失敗しました)。Excel で開いて保存し直してから提出してください";

// hakusho's own failures (an operator reads these, in the log and the run's output).

/// The machine was too busy to read the file in time: not the file's fault.
pub fn reader_timed_out(seconds: u64) -> String {
    format!("ファイルの読み取りが {seconds} 秒で終わりませんでした(マシンが混み合っています)。後でもう一度読み取ります")
}

/// The reader child could not be started.
pub fn reader_not_started(program: impl Display) -> String {
    format!("読み取り用のプロセス {program} を起動できません")
}

/// The reader child could not be waited for.
pub const READER_NOT_WAITED: &str = "読み取り用のプロセスを待てません";

/// This program's own path is unknown.
pub const OWN_PATH_UNKNOWN: &str = "このプログラムの場所がわかりません";

/// The binary to start as the reader is not found beside a test binary.
pub const READER_NOT_FOUND: &str =
    "読み取り用のプログラム hakusho が見つかりません(HAKUSHO_READER で場所を指定できます)";

/// The inbox folder cannot be listed.
pub fn inbox_unreadable(folder: impl Display) -> String {
    format!("受付フォルダー {folder} を読めません")
}

#[cfg(test)]
mod tests;
