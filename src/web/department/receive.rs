//! `POST /{city}/upload`: a department's file, read within the guard's size limit and
//! taken in by [`super::upload`]; the answer is a 303 to its submission's page, as soon
//! as it is recorded (no report is built and no mail waited for: the delivery worker is
//! rung and sends the receipt on its own). An upload that made no new submission (a
//! workbook of another department, refused unrecorded; the department's own bytes sent
//! again) is answered by a page of [`super::answers`].

use std::sync::OnceLock;

use anyhow::Context;
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::Response;
use tokio::sync::Semaphore;

use super::{answers, department_of, upload};
use crate::domain::printable;
use crate::intake::{FileReport, Outcome};
use crate::mail::receipts::Answered;
use crate::web::auth::{check_csrf, Signed};
use crate::web::page::{see_other, Refusal};
use crate::web::Web;

/// The largest file taken: the inbox's guard's (`Limits::default().max_file_bytes`).
pub const MAX_FILE_BYTES: u64 = crate::intake::MAX_FILE_BYTES;

/// The largest request body: the file and the form's own few fields and boundaries.
pub const BODY_LIMIT: usize = MAX_FILE_BYTES as usize + 64 * 1024;

/// The longest CSRF token read (they are 64 characters).
const MAX_TOKEN_BYTES: usize = 256;

/// A file as the form sent it.
struct SentFile {
    name: String,
    bytes: Vec<u8>,
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
    let sent = read_form(multipart).await?;
    check_csrf(&signed, &sent.csrf)?;
    let file = sent.file.ok_or_else(|| Refusal::bad_request(NO_FILE))?;
    if file.bytes.is_empty() {
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

/// The form's fields; a body that runs past the limit (chunked, or longer than it
/// said) is refused as it is read.
async fn read_form(mut multipart: Multipart) -> Result<SentForm, Refusal> {
    let mut sent = SentForm::default();
    while let Some(field) = multipart.next_field().await.map_err(refused)? {
        match field.name() {
            Some("csrf") => sent.csrf = read_text(field, MAX_TOKEN_BYTES).await?,
            // A second file would be silently dropped: the clerk is told instead.
            Some("file") if sent.file.is_some() => return Err(Refusal::bad_request(TWO_FILES)),
            Some("file") => sent.file = Some(read_file(field).await?),
            _ => drop(read_bytes(field, BODY_LIMIT).await?),
        }
    }
    Ok(sent)
}

async fn read_file(field: Field<'_>) -> Result<SentFile, Refusal> {
    let name = field.file_name().unwrap_or_default().to_string();
    let bytes = read_bytes(field, MAX_FILE_BYTES as usize).await?;
    Ok(SentFile { name, bytes })
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

/// How many uploads are read at once in this process: each reader child may use
/// hundreds of MB, so fifty clerks uploading together wait for a place rather than
/// exhaust the machine (the machine's cores, at least 2 and at most 8).
fn places() -> &'static Semaphore {
    static PLACES: OnceLock<Semaphore> = OnceLock::new();
    PLACES.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Semaphore::new(cores.clamp(2, 8))
    })
}

/// Stages the file and takes it in, on a blocking thread with a store connection of
/// its own (the daemon's other work goes on beside it), once a place is free.
async fn take_in(signed: &Signed, department: &str, file: SentFile) -> Result<Answered, Refusal> {
    let _place = places()
        .acquire()
        .await
        .context("アップロードの順番待ちが閉じられました")?;
    let app = signed.app.clone();
    let (department, address) = (department.to_string(), signed.address.clone());
    let taken = tokio::task::spawn_blocking(move || -> anyhow::Result<Answered> {
        let config = app.config();
        let staged = upload::stage(config, &file.name, &file.bytes, &department, &address)?;
        Ok(upload::take_in(&app, &staged)?)
    })
    .await
    .context("アップロードの取り込みが途中で止まりました")?;
    Ok(taken?)
}

/// One line for the operator per upload, as the inbox logs each file (names escaped).
fn log_taken_in(signed: &Signed, department: &str, answered: &Answered) {
    let report = &answered.report;
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
