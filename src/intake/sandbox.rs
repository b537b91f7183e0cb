//! Untrusted workbooks are parsed in a child process, never in the service itself.
//!
//! calamine allocates the whole rectangle a sheet claims (one far cell in an xlsx,
//! xls, xlsb or ods asks for gigabytes), and it can panic or abort on a broken file.
//! No scan before it can promise to read a file exactly as calamine will, so the
//! parse runs in a child: the same binary, started as `hakusho read-untrusted`, with
//! no environment (no secret reaches it), its data segment, CPU time and file writes
//! limited by `setrlimit`, the file's bytes on its standard input and a bounded JSON
//! answer on its standard output. Whatever the child does — runs out of memory,
//! panics, aborts, spins — the parent gets an [`Answer`] it can tell the submitter
//! (「ファイルが大きすぎて読めません」, 「ファイルが壊れています」) and goes on.
//!
//! The child hands back only what intake reads: the sheet names and the non-empty
//! cells of the data sheets, each text capped at Excel's 32,767 characters, within
//! [`MAX_ROWS`] × [`MAX_COLUMNS`].

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use calamine::{open_workbook_auto_from_rs, Data, Range, Reader};
use serde::{Deserialize, Serialize};

use super::guard::{inspect, Limits};
use super::IntakeError;
use crate::texts::intake as texts;
use crate::workbook::layout::{INDICATOR_SHEET, KPI_SHEET};

/// The first argument that makes the binary a reader child instead of the CLI.
pub const CHILD_ARGUMENT: &str = "read-untrusted";

/// The furthest row (0-based, exclusive) a data sheet may use. A department's
/// workbook has a few hundred rows; this leaves room and bounds what the parent holds.
pub const MAX_ROWS: u32 = 5_000;
/// The furthest column (exclusive) a data sheet may use.
pub const MAX_COLUMNS: u32 = 100;
/// The most characters an Excel cell holds; a longer text is cut and reported.
pub const MAX_CELL_CHARS: usize = 32_767;

/// What the child may use. Memory is the data segment (heap and anonymous maps).
const MEMORY_BYTES: u64 = 384 * 1024 * 1024;
const CPU_SECONDS: u64 = 20;
/// The wall clock is a backstop far past the CPU limit: on a loaded machine a good
/// file can take long to read, so running out of it is not the file's fault (see
/// [`parse_isolated`]).
const WALL_SECONDS: u64 = 120;
/// The largest answer the parent reads; a real workbook's is a few hundred KB.
const MAX_ANSWER_BYTES: u64 = 32 * 1024 * 1024;
const MAX_ERROR_OUTPUT: u64 = 16 * 1024;
/// Sheet names kept from a workbook, and the characters kept of each.
const MAX_SHEET_NAMES: usize = 256;
const MAX_SHEET_NAME_CHARS: usize = 64;

/// The child's answer: the cells intake needs, or why the file cannot be read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Answer {
    /// The workbook's sheets, as far as intake needs them.
    Parsed(ParsedWorkbook),
    /// The file is not a workbook we can read; the reason is for the submitter.
    Refused(String),
}

/// The parts of a workbook intake reads.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ParsedWorkbook {
    /// Every sheet's name, in workbook order.
    pub sheet_names: Vec<String>,
    /// The sheets asked for that could be read.
    pub sheets: Vec<ParsedSheet>,
    /// Things the guard noticed that do not stop the file (a macro, …).
    pub notes: Vec<String>,
    /// Texts longer than a cell may hold, cut to [`MAX_CELL_CHARS`].
    pub too_long: Vec<LongText>,
}

/// One sheet's non-empty cells, at their absolute positions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedSheet {
    /// The sheet's name.
    pub name: String,
    /// Its non-empty cells, row by row.
    pub cells: Vec<ParsedCell>,
}

/// A non-empty cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParsedCell {
    /// The 0-based row.
    pub row: u32,
    /// The 0-based column.
    pub column: u32,
    /// What the cell holds.
    pub value: CellValue,
}

/// A cell's value, as calamine read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum CellValue {
    /// A whole number.
    Int(i64),
    /// A number with a fraction (or stored as one).
    Float(f64),
    /// A string.
    Text(String),
    /// TRUE or FALSE.
    Bool(bool),
    /// A date serial; `duration` when the cell is formatted as elapsed time.
    Date {
        /// Days since 1899-12-30, the fraction being the time of day.
        serial: f64,
        /// The cell is formatted as elapsed time, not as a date.
        duration: bool,
    },
    /// A date written as ISO 8601 text (`2021-04-30`).
    DateIso(String),
    /// A duration written as ISO 8601 text (`PT1H`).
    DurationIso(String),
    /// A formula error such as `#DIV/0!`.
    Error(String),
}

/// A text cut to fit a cell.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LongText {
    /// The sheet.
    pub sheet: String,
    /// The 0-based row.
    pub row: u32,
    /// The 0-based column.
    pub column: u32,
    /// How many characters the cell had.
    pub chars: usize,
}

impl ParsedSheet {
    /// The sheet as calamine's range, which the intake checks read.
    pub fn to_range(&self) -> Range<Data> {
        let cells = self
            .cells
            .iter()
            .filter(|c| c.row < MAX_ROWS && c.column < MAX_COLUMNS)
            .map(|c| calamine::Cell::new((c.row, c.column), c.value.to_data()))
            .collect();
        Range::from_sparse(cells)
    }
}

impl CellValue {
    fn from_data(data: &Data) -> Option<CellValue> {
        Some(match data {
            Data::Empty => return None,
            Data::Int(n) => CellValue::Int(*n),
            // JSON has no NaN or infinity: such a value is kept as the text it reads as.
            Data::Float(x) if !x.is_finite() => CellValue::Text(x.to_string()),
            Data::Float(x) => CellValue::Float(*x),
            Data::String(s) => CellValue::Text(s.clone()),
            Data::Bool(b) => CellValue::Bool(*b),
            Data::DateTime(d) => CellValue::Date {
                serial: d.as_f64(),
                duration: d.is_duration(),
            },
            Data::DateTimeIso(s) => CellValue::DateIso(s.clone()),
            Data::DurationIso(s) => CellValue::DurationIso(s.clone()),
            Data::Error(e) => CellValue::Error(format!("{e:?}")),
        })
    }

    fn to_data(&self) -> Data {
        use calamine::{CellErrorType as E, ExcelDateTime, ExcelDateTimeType};
        match self {
            CellValue::Int(n) => Data::Int(*n),
            CellValue::Float(x) => Data::Float(*x),
            CellValue::Text(s) => Data::String(s.clone()),
            CellValue::Bool(b) => Data::Bool(*b),
            CellValue::Date { serial, duration } => {
                let kind = if *duration {
                    ExcelDateTimeType::TimeDelta
                } else {
                    ExcelDateTimeType::DateTime
                };
                Data::DateTime(ExcelDateTime::new(*serial, kind, false))
            }
            CellValue::DateIso(s) => Data::DateTimeIso(s.clone()),
            CellValue::DurationIso(s) => Data::DurationIso(s.clone()),
            CellValue::Error(name) => Data::Error(match name.as_str() {
                "Div0" => E::Div0,
                "NA" => E::NA,
                "Name" => E::Name,
                "Null" => E::Null,
                "Num" => E::Num,
                "Ref" => E::Ref,
                "GettingData" => E::GettingData,
                _ => E::Value,
            }),
        }
    }
}

/// Parses a workbook in this process: the guard, then calamine, then the cells of
/// `wanted` sheets. Only the child (and tests on trusted files) call this directly.
pub fn parse_in_process(bytes: &[u8], wanted: &[&str]) -> Answer {
    let inspection = inspect(bytes, &Limits::default());
    if let Some(reason) = inspection.refusal {
        return Answer::Refused(texts::unopenable_because(reason));
    }
    let mut workbook = match open_workbook_auto_from_rs(Cursor::new(bytes)) {
        Ok(workbook) => workbook,
        Err(e) => return Answer::Refused(unopenable(&e.to_string())),
    };
    let all_names = workbook.sheet_names();
    let mut parsed = ParsedWorkbook {
        sheet_names: shown_sheet_names(&all_names, wanted),
        notes: inspection.notes,
        ..ParsedWorkbook::default()
    };
    for name in wanted {
        if !all_names.iter().any(|n| n == name) {
            continue;
        }
        // A sheet calamine cannot read counts as missing; the reader says so.
        let Ok(range) = workbook.worksheet_range(name) else {
            continue;
        };
        match sheet_cells(name, &range, &mut parsed.too_long) {
            Ok(mut sheet) => {
                // Only where figures are due: reading the formulas parses the sheet
                // again, and an uncalculated formula in a text cell misleads no one.
                if [INDICATOR_SHEET, KPI_SHEET].contains(name) {
                    if let Ok(formulas) = workbook.worksheet_formula(name) {
                        add_uncalculated_formulas(&mut sheet, &formulas);
                    }
                }
                parsed.sheets.push(sheet);
            }
            Err(refusal) => return Answer::Refused(refusal),
        }
    }
    Answer::Parsed(parsed)
}

/// The sheet names handed back: the wanted ones wherever they stand, then the first
/// others, each cut short, so that a workbook of thousands of sheets stays small.
fn shown_sheet_names(all: &[String], wanted: &[&str]) -> Vec<String> {
    let (mut names, others): (Vec<&String>, Vec<&String>) =
        all.iter().partition(|n| wanted.contains(&n.as_str()));
    names.extend(others.into_iter().take(MAX_SHEET_NAMES));
    names
        .into_iter()
        .map(|n| n.chars().take(MAX_SHEET_NAME_CHARS).collect())
        .collect()
}

/// The non-empty cells of a sheet, refusing one that reaches past the limits.
fn sheet_cells(
    name: &str,
    range: &Range<Data>,
    too_long: &mut Vec<LongText>,
) -> Result<ParsedSheet, String> {
    let (top, left) = range.start().unwrap_or((0, 0));
    let mut cells = Vec::new();
    for (r, c, data) in range.used_cells() {
        let (row, column) = (top + r as u32, left + c as u32);
        let Some(mut value) = CellValue::from_data(data) else {
            continue;
        };
        if row >= MAX_ROWS || column >= MAX_COLUMNS {
            return Err(too_far(name, row, column));
        }
        if let CellValue::Text(text) = &mut value {
            let chars = text.chars().count();
            if chars > MAX_CELL_CHARS {
                *text = text.chars().take(MAX_CELL_CHARS).collect();
                too_long.push(LongText {
                    sheet: name.to_string(),
                    row,
                    column,
                    chars,
                });
            }
        }
        cells.push(ParsedCell { row, column, value });
    }
    Ok(ParsedSheet {
        name: name.to_string(),
        cells,
    })
}

/// A formula whose result the file does not hold (written by a program, never opened
/// in Excel or LibreOffice) would read as an empty cell, and be told as "not filled
/// in": it is handed back as its formula text (`=200000+2850`), which intake quotes.
fn add_uncalculated_formulas(sheet: &mut ParsedSheet, formulas: &Range<String>) {
    let (top, left) = formulas.start().unwrap_or((0, 0));
    let valued: std::collections::HashSet<(u32, u32)> =
        sheet.cells.iter().map(|c| (c.row, c.column)).collect();
    for (r, c, formula) in formulas.used_cells() {
        let (row, column) = (top + r as u32, left + c as u32);
        if formula.is_empty() || valued.contains(&(row, column)) {
            continue;
        }
        if row < MAX_ROWS && column < MAX_COLUMNS {
            let text: String = formula.chars().take(MAX_CELL_CHARS).collect();
            let value = CellValue::Text(format!("={}", text.trim_start_matches('=')));
            sheet.cells.push(ParsedCell { row, column, value });
        }
    }
}

fn too_far(sheet: &str, row: u32, column: u32) -> String {
    texts::sheet_too_large(sheet, (row + 1, column + 1), (MAX_ROWS, MAX_COLUMNS))
}

/// Explains an unopenable file; a password-protected workbook is a common case.
fn unopenable(cause: &str) -> String {
    let lower = cause.to_lowercase();
    if lower.contains("encrypt") || lower.contains("password") {
        return texts::PASSWORD_PROTECTED.to_string();
    }
    let cause: String = cause.chars().take(200).collect();
    texts::not_a_workbook(&cause)
}

/// Parses a workbook in a child process with limits, and explains what went wrong
/// when the child did not answer. An error is hakusho's own (the reader program
/// cannot be started, the machine too busy to read in time), never the file's.
pub fn parse_isolated(bytes: &[u8], wanted: &[&str]) -> Result<Answer, IntakeError> {
    let program = reader_program().map_err(IntakeError::Reader)?;
    let mut command = Command::new(&program);
    let parent = std::process::id() as libc::pid_t;
    // SAFETY: the closure runs in the forked child before exec and only calls prctl
    // and getppid, which are async-signal-safe, and allocates nothing.
    unsafe {
        std::os::unix::process::CommandExt::pre_exec(&mut command, move || die_with_parent(parent));
    }
    let mut child = command
        .arg(CHILD_ARGUMENT)
        .args(wanted)
        .env_clear()
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| texts::reader_not_started(program.display()))
        .map_err(IntakeError::Reader)?;
    let (mut stdin, stdout, stderr) = (
        child.stdin.take().expect("piped"),
        child.stdout.take().expect("piped"),
        child.stderr.take().expect("piped"),
    );
    std::thread::scope(|scope| {
        // The child may stop reading (it died): a failed write is not our error.
        scope.spawn(move || {
            let _ = stdin.write_all(bytes);
        });
        let (closed, answered) = std::sync::mpsc::channel();
        let answer = scope.spawn(move || {
            let answer = read_capped(stdout, MAX_ANSWER_BYTES);
            let _ = closed.send(());
            answer
        });
        let errors = scope.spawn(|| read_capped(stderr, MAX_ERROR_OUTPUT));
        let limit = Duration::from_secs(WALL_SECONDS);
        let ended =
            wait_with_deadline(&mut child, &answered, limit).map_err(IntakeError::Reader)?;
        let (answer, overflowed) = answer.join().expect("reader thread");
        let (errors, _) = errors.join().expect("reader thread");
        // Not a verdict on the file (its CPU time was within the limit): an error, so
        // the file is not recorded and is read again later.
        if matches!(ended, Ended::TimedOut) {
            return Err(IntakeError::TimedOut {
                seconds: WALL_SECONDS,
            });
        }
        Ok(interpret(ended, &answer, overflowed, &errors))
    })
}

/// In the forked child: the kernel kills it when its parent dies (a `kill -9` of
/// serve would otherwise leave a reader running for its whole time limit, owned by
/// init). A parent that died before the request took effect is seen by `getppid`.
fn die_with_parent(parent: libc::pid_t) -> std::io::Result<()> {
    let signal = libc::SIGKILL as libc::c_ulong;
    // SAFETY: prctl with PR_SET_PDEATHSIG takes plain integers and touches no memory.
    if unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, signal, 0, 0, 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: getppid has no preconditions.
    if unsafe { libc::getppid() } != parent {
        return Err(std::io::Error::from_raw_os_error(libc::ESRCH));
    }
    Ok(())
}

/// How the child ended.
enum Ended {
    Exited(ExitStatus),
    TimedOut,
}

/// Waits for the child until `limit`: first for its answer to end (its standard output
/// closes as it exits, so a reader of a few milliseconds is not kept waiting by a
/// polling interval), then for its exit; kills it when the time is up.
fn wait_with_deadline(
    child: &mut Child,
    answered: &std::sync::mpsc::Receiver<()>,
    limit: Duration,
) -> anyhow::Result<Ended> {
    let deadline = Instant::now() + limit;
    let ended_in_time = !matches!(
        answered.recv_timeout(limit),
        Err(std::sync::mpsc::RecvTimeoutError::Timeout)
    );
    while ended_in_time && Instant::now() < deadline {
        if let Some(status) = child.try_wait().context(texts::READER_NOT_WAITED)? {
            return Ok(Ended::Exited(status));
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    let _ = child.kill();
    let _ = child.wait();
    Ok(Ended::TimedOut)
}

/// Reads at most `cap` bytes and drains the rest, so the writer never blocks.
fn read_capped(mut from: impl Read, cap: u64) -> (Vec<u8>, bool) {
    let mut kept = Vec::new();
    let _ = (&mut from).take(cap).read_to_end(&mut kept);
    let rest = std::io::copy(&mut from, &mut std::io::sink()).unwrap_or(0);
    (kept, rest > 0)
}

/// Turns the child's end into an answer for the submitter; the cause goes to the log.
fn interpret(ended: Ended, answer: &[u8], overflowed: bool, errors: &[u8]) -> Answer {
    use std::os::unix::process::ExitStatusExt;
    let errors = String::from_utf8_lossy(errors);
    let status = match ended {
        Ended::TimedOut => return Answer::Refused(too_slow()),
        Ended::Exited(status) => status,
    };
    if status.success() && !overflowed {
        if let Ok(answer) = serde_json::from_slice::<Answer>(answer) {
            return answer;
        }
    }
    tracing::warn!(status = %status, overflowed, stderr = %errors.escape_debug(), "読み取り用のプロセスが失敗しました");
    let out_of_memory =
        errors.contains("memory allocation") || errors.contains("capacity overflow");
    match status.signal() {
        _ if overflowed => Answer::Refused(too_large()),
        _ if out_of_memory => Answer::Refused(too_large()),
        Some(libc::SIGXCPU) | Some(libc::SIGKILL) => Answer::Refused(too_slow()),
        _ => Answer::Refused(broken()),
    }
}

fn too_large() -> String {
    texts::needs_too_much_memory(MEMORY_BYTES / 1024 / 1024)
}

fn too_slow() -> String {
    texts::reading_too_slow(CPU_SECONDS)
}

fn broken() -> String {
    texts::BROKEN_FILE.to_string()
}

/// The program to start as the reader child: `HAKUSHO_READER` when set, else this
/// binary, whatever it is named (through /proc/self/exe, which still works after an
/// upgrade replaced the file). Tests and benches run from `target/<profile>/deps/`;
/// cargo builds the `hakusho` binary beside that folder, so that one is used.
fn reader_program() -> anyhow::Result<PathBuf> {
    if let Some(path) = std::env::var_os("HAKUSHO_READER") {
        return Ok(PathBuf::from(path));
    }
    let exe = std::env::current_exe().context(texts::OWN_PATH_UNKNOWN)?;
    let folder = exe.parent();
    if folder
        .and_then(Path::file_name)
        .is_some_and(|name| name == "deps")
    {
        let beside = folder.and_then(Path::parent).map(|dir| dir.join("hakusho"));
        return match beside {
            Some(path) if path.is_file() => Ok(path),
            _ => anyhow::bail!(texts::READER_NOT_FOUND),
        };
    }
    let own = Path::new("/proc/self/exe");
    Ok(if own.exists() { own.to_path_buf() } else { exe })
}

/// The reader child: limits itself, reads the file from standard input, and writes
/// its answer as JSON. The arguments after [`CHILD_ARGUMENT`] name the sheets wanted.
pub fn child_main(wanted: &[String]) -> std::process::ExitCode {
    if let Err(e) = limit_resources() {
        eprintln!("setrlimit: {e}");
        return std::process::ExitCode::from(3);
    }
    let mut bytes = Vec::new();
    let max = Limits::default().max_file_bytes + 1;
    if let Err(e) = std::io::stdin().take(max).read_to_end(&mut bytes) {
        eprintln!("stdin: {e}");
        return std::process::ExitCode::from(3);
    }
    let wanted: Vec<&str> = wanted.iter().map(String::as_str).collect();
    let answer = parse_in_process(&bytes, &wanted);
    let mut out = std::io::stdout().lock();
    let written = serde_json::to_writer(&mut out, &answer)
        .map_err(std::io::Error::from)
        .and_then(|()| out.flush());
    match written {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stdout: {e}");
            std::process::ExitCode::from(3)
        }
    }
}

/// Memory, CPU time, no files written, no core dumps.
fn limit_resources() -> std::io::Result<()> {
    set_limit(libc::RLIMIT_DATA, MEMORY_BYTES)?;
    set_limit(libc::RLIMIT_CPU, CPU_SECONDS)?;
    set_limit(libc::RLIMIT_FSIZE, 0)?;
    set_limit(libc::RLIMIT_CORE, 0)
}

fn set_limit(resource: libc::__rlimit_resource_t, value: u64) -> std::io::Result<()> {
    let limit = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: setrlimit only reads the struct we pass; it has no other effect on memory.
    if unsafe { libc::setrlimit(resource, &limit) } == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wanted_sheets_are_handed_back_however_many_others_stand_before_them() {
        let mut all: Vec<String> = (0..1000).map(|i| format!("余分{i}")).collect();
        all.push("目標指標".to_string());
        let shown = shown_sheet_names(&all, &["目標指標"]);
        assert_eq!(shown[0], "目標指標");
        assert_eq!(shown.len(), 1 + MAX_SHEET_NAMES);
    }

    #[test]
    fn a_value_json_cannot_carry_is_kept_as_its_text() {
        for (value, text) in [(f64::NAN, "NaN"), (f64::INFINITY, "inf")] {
            let cell = CellValue::from_data(&Data::Float(value)).unwrap();
            assert_eq!(cell, CellValue::Text(text.to_string()));
            let answer = Answer::Parsed(ParsedWorkbook {
                sheets: vec![ParsedSheet {
                    name: "目標指標".to_string(),
                    cells: vec![ParsedCell {
                        row: 1,
                        column: 1,
                        value: cell,
                    }],
                }],
                ..ParsedWorkbook::default()
            });
            let json = serde_json::to_vec(&answer).unwrap();
            assert_eq!(serde_json::from_slice::<Answer>(&json).unwrap(), answer);
        }
    }
}
