//! `POST /{city}/upload`: a department's file, read within the guard's size limit and
//! taken in by [`super::upload`]; the answer is a 303 to its submission's page, as soon
//! as it is recorded (no report is built and no mail waited for: the delivery worker is
//! rung and sends the receipt on its own). An upload that made no new submission (a
//! workbook of another department, refused unrecorded; the department's own bytes sent
//! again) is answered by a page of [`super::answers`].

use super::upload::Staging;
use super::{answers, department_of, turns};
use crate::domain::{printable, FiscalYear};
use crate::intake::{FileReport, Outcome};
use crate::mail::receipts::Answered;
use crate::web::auth::{check_csrf, Signed};
use crate::web::page::{see_other, Refusal};
use crate::web::Web;
use anyhow::Context;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;

/// The largest file taken: the inbox's guard's (`Limits::default().max_file_bytes`).
pub const MAX_FILE_BYTES: u64 = crate::intake::MAX_FILE_BYTES;

/// The largest request body: the file and the form's own few fields and boundaries.
pub const BODY_LIMIT: usize = MAX_FILE_BYTES as usize + 64 * 1024;

/// The longest CSRF token read (they are 64 characters).
const MAX_TOKEN_BYTES: usize = 256;

/// How much of a file is gathered before it is written to its staging file: the
/// memory one upload in flight holds, however large its file.
const WRITE_BLOCK: usize = 256 * 1024;

/// A file as the form sent it, written to its staging folder as it arrived.
struct SentFile {
    staging: Staging,
}

/// What the form sent: its token and its file.
#[derive(Default)]
struct SentForm {
    csrf: String,
    file: Option<SentFile>,
}

/// The upload: read, checked, taken in, answered (see the module's comment).
pub async fn upload(
    State(web): State<Web>,
    signed: Signed,
    request: Request,
) -> Result<Response, Refusal> {
    let department = department_of(&signed)?.to_string();
    refuse_declared_size(request.headers())?;
    let multipart = Multipart::from_request(request, &web)
        .await
        .map_err(|_| Refusal::bad_request(NOT_A_FORM))?;
    let sent = read_form(multipart, &signed, &department).await?;
    check_csrf(&signed, &sent.csrf)?;
    let file = sent.file.ok_or_else(|| Refusal::bad_request(NO_FILE))?;
    if file.staging.written() == 0 {
        return Err(Refusal::bad_request(EMPTY_FILE));
    }
    let answered = take_in(&signed, &department, file).await?;
    log_taken_in(&signed, &department, &answered);
    web.ring(signed.city_code());
    answer(&signed, &department, &answered).await
}

const NOT_A_FORM: &str = "ファイルの送信フォームとして読めませんでした。提出のページからファイルを選んで送ってください。";
const NO_FILE: &str =
    "ファイルが選ばれていません。提出用ブックを選んでから「提出する」を押してください。";
const TWO_FILES: &str =
    "1回に提出できるファイルは1つです。提出用ブックを1つだけ選んで、もう一度送ってください。";
const EMPTY_FILE: &str =
    "選ばれたファイルは空(0 バイト)です。Excel で保存したブックを選んでください。";

/// A body that says it is larger than the limit is refused before a byte is read.
fn refuse_declared_size(headers: &HeaderMap) -> Result<(), Refusal> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    match declared {
        Some(length) if length > BODY_LIMIT as u64 => Err(too_large()),
        _ => Ok(()),
    }
}

fn too_large() -> Refusal {
    Refusal::too_large(format!(
        "受け付けられるファイルは {} MB までです。",
        MAX_FILE_BYTES / 1024 / 1024
    ))
}

/// The form's fields, the file streamed to its staging folder; a body that runs past
/// the limit (chunked, or longer than it said) is refused as it is read.
async fn read_form(
    mut multipart: Multipart,
    signed: &Signed,
    department: &str,
) -> Result<SentForm, Refusal> {
    let mut sent = SentForm::default();
    while let Some(field) = multipart.next_field().await.map_err(refused)? {
        match field.name() {
            Some("csrf") => sent.csrf = read_text(field, MAX_TOKEN_BYTES).await?,
            // A second file would be silently dropped: the clerk is told instead.
            Some("file") if sent.file.is_some() => return Err(Refusal::bad_request(TWO_FILES)),
            Some("file") => sent.file = Some(read_file(field, signed, department).await?),
            _ => skip_field(field).await?,
        }
    }
    Ok(sent)
}

/// The file field, written to a new staging folder block by block (on blocking
/// threads): at most [`WRITE_BLOCK`] of it is in memory at once.
async fn read_file(
    mut field: Field<'_>,
    signed: &Signed,
    department: &str,
) -> Result<SentFile, Refusal> {
    let name = field.file_name().unwrap_or_default().to_string();
    let (app, department, address) = (
        signed.app.clone(),
        department.to_string(),
        signed.address.clone(),
    );
    let mut staging =
        blocking(move || Staging::begin(app.config(), &name, &department, &address)).await?;
    let mut block = Vec::with_capacity(WRITE_BLOCK);
    let mut received = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(refused)? {
        received += chunk.len() as u64;
        if received > MAX_FILE_BYTES {
            return Err(too_large());
        }
        block.extend_from_slice(&chunk);
        if block.len() >= WRITE_BLOCK {
            staging = write_block(staging, std::mem::take(&mut block)).await?;
        }
    }
    let staging = write_block(staging, block).await?;
    Ok(SentFile { staging })
}

/// Any other field (a second file too) read to its end and dropped as it comes: the
/// body's limit bounds it, and none of it is kept in memory.
async fn skip_field(mut field: Field<'_>) -> Result<(), Refusal> {
    while field.chunk().await.map_err(refused)?.is_some() {}
    Ok(())
}

/// Appends a block to the staging file on a blocking thread.
async fn write_block(mut staging: Staging, block: Vec<u8>) -> Result<Staging, Refusal> {
    if block.is_empty() {
        return Ok(staging);
    }
    blocking(move || staging.write(&block).map(|()| staging)).await
}

/// Runs file work on a blocking thread (the runtime's threads serve requests).
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, Refusal> {
    let done = tokio::task::spawn_blocking(work)
        .await
        .context("アップロードの書き込みが途中で止まりました")?;
    Ok(done?)
}

async fn read_text(field: Field<'_>, max: usize) -> Result<String, Refusal> {
    let bytes = read_bytes(field, max).await?;
    String::from_utf8(bytes).map_err(|_| Refusal::bad_request(NOT_A_FORM))
}

/// A field's bytes, at most `max` of them (413 past that).
async fn read_bytes(mut field: Field<'_>, max: usize) -> Result<Vec<u8>, Refusal> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(refused)? {
        if bytes.len() + chunk.len() > max {
            return Err(too_large());
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A body cut short by the limit is 413; any other unreadable form is 400.
fn refused(error: MultipartError) -> Refusal {
    match error.status() {
        StatusCode::PAYLOAD_TOO_LARGE => too_large(),
        _ => Refusal::bad_request(NOT_A_FORM),
    }
}

/// Stages the file whole and takes it in, on a blocking thread with a store
/// connection of its own (the daemon's other work goes on beside it), once its
/// department's turn and a place are free (see [`turns`]).
async fn take_in(signed: &Signed, department: &str, file: SentFile) -> Result<Answered, Refusal> {
    let _turn = turns::take_turn(signed.city_code(), department)
        .await
        .context("アップロードの順番待ちが閉じられました")?;
    let app = signed.app.clone();
    let taken = tokio::task::spawn_blocking(move || -> anyhow::Result<Answered> {
        let staged = file.staging.finish()?;
        Ok(super::upload::take_in(&app, &staged)?)
    })
    .await
    .context("アップロードの取り込みが途中で止まりました")?;
    Ok(taken?)
}

/// One line for the operator per upload, as the inbox logs each file (names escaped).
fn log_taken_in(signed: &Signed, department: &str, answered: &Answered) {
    let report = &answered.report;
    if let Some(closed) = report.closed {
        return log_closed(signed, department, report, closed.fiscal_year);
    }
    if let (None, Some(content)) = (report.submission_id, &report.content) {
        return log_refused(signed, department, report, &content.department);
    }
    tracing::info!(
        city = %signed.city_code(),
        address = %printable(&signed.address),
        file = %printable(&report.file_name),
        sha256 = %report.sha256,
        verdict = report.verdict().label(),
        findings = report.findings.len(),
        "ページから提出を受け付けました"
    );
}

/// The line for an upload refused unrecorded: the workbook is another department's.
fn log_refused(signed: &Signed, department: &str, report: &FileReport, named: &str) {
    tracing::warn!(
        city = %signed.city_code(),
        address = %printable(&signed.address),
        department,
        named = %printable(named),
        file = %printable(&report.file_name),
        sha256 = %report.sha256,
        "ページからのファイルを記録せずに断りました(ログインした部の提出用ブックではありません)"
    );
}

/// The line for an upload of a year whose collection is closed, refused unrecorded.
fn log_closed(signed: &Signed, department: &str, report: &FileReport, year: FiscalYear) {
    tracing::warn!(
        city = %signed.city_code(),
        address = %printable(&signed.address),
        department,
        fiscal_year = %year,
        file = %printable(&report.file_name),
        sha256 = %report.sha256,
        "ページからのファイルを記録せずに断りました(この年度の受付は終了しています)"
    );
}

/// The submission's page (a 303); for bytes the department sent before, a page naming
/// that submission; for a workbook not its own, the refusal with its findings.
async fn answer(
    signed: &Signed,
    department: &str,
    answered: &Answered,
) -> Result<Response, Refusal> {
    let report = &answered.report;
    match (&report.outcome, report.submission_id) {
        // The intake refuses another department's bytes: these are the department's own.
        (Outcome::AlreadyReceived { .. }, Some(id)) => {
            answers::sent_before(signed, department, id).await
        }
        (_, Some(id)) => Ok(see_other(&format!(
            "/{}/submissions/{id}",
            signed.city_code()
        ))),
        (_, None) if report.closed.is_some() => Ok(answers::closed(signed, report)),
        (_, None) if report.content.is_some() => Ok(answers::refused(signed, report)),
        (_, None) => Err(Refusal::bad_request(
            report
                .findings
                .iter()
                .map(|f| f.message.as_str())
                .collect::<Vec<_>>()
                .join(" "),
        )),
    }
}
