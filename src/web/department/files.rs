//! The department's downloads: its template of the year, the original and the
//! annotated copy of its own submissions, its own reports. Which file is served is
//! always found from the store or the reports' index, never from a path in the URL.

use std::path::PathBuf;

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use super::names::attachment;
use super::{department_of, submission_id};
use crate::config::Config;
use crate::domain::FiscalYear;
use crate::mail::receipts::{self, XLSX_TYPE};
use crate::report::index::{read_index, IndexedFile, ReportIndex};
use crate::store::HistoryEntry;
use crate::web::auth::Signed;
use crate::web::on_store;
use crate::web::page::Refusal;

/// A file to download: its bytes under a (Japanese) name.
pub fn download(name: &str, content_type: &str, bytes: Vec<u8>) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    let fixed = [
        (header::CONTENT_TYPE, content_type.to_string()),
        (header::CONTENT_DISPOSITION, attachment(name)),
        (header::CACHE_CONTROL, "private, no-store".to_string()),
    ];
    for (name, value) in fixed {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

/// The content type a file is sent with, by its extension.
pub fn content_type_of(name: &str) -> &'static str {
    let lower = name.to_lowercase();
    match lower.rsplit_once('.').map(|(_, e)| e) {
        Some("xlsx") => XLSX_TYPE,
        Some("xlsm") => "application/vnd.ms-excel.sheet.macroEnabled.12",
        Some("xls") => "application/vnd.ms-excel",
        Some("ods") => "application/vnd.oasis.opendocument.spreadsheet",
        Some("pdf") => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// `GET /{city}/template`: the department's pre-filled template of the year.
pub async fn template(signed: Signed) -> Result<Response, Refusal> {
    let department = department_of(&signed)?.to_string();
    let (name, bytes) = on_store(&signed.app, move |app, store| {
        let config = app.config();
        let Some(department) = config.department(&department) else {
            anyhow::bail!("部「{department}」は設定にありません");
        };
        let created = app.build_time().timestamp();
        crate::template::department_template(config, &app.plan()?, store, department, created)
    })
    .await?;
    Ok(download(&name, XLSX_TYPE, bytes))
}

/// The department's own version `id` (404 for any other, or none).
async fn own_submission(signed: &Signed, id: &str) -> Result<HistoryEntry, Refusal> {
    let department = department_of(signed)?.to_string();
    let id = submission_id(id)?;
    let found = on_store(&signed.app, move |app, store| {
        store.department_submission(&app.config().city.code, &department, id)
    })
    .await?;
    found.ok_or_else(Refusal::not_found)
}

/// `GET /{city}/submissions/{id}/original`: the bytes as received.
pub async fn original(
    signed: Signed,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    send_original(&own_submission(&signed, &id).await?).await
}

/// `GET /{city}/submissions/{id}/annotated`: the copy its receipt attached.
pub async fn annotated(
    signed: Signed,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, Refusal> {
    let entry = own_submission(&signed, &id).await?;
    send_annotated(signed.app.config(), &entry).await
}

/// A version's original bytes as received, under its file name (whoever may see it
/// was decided by the caller).
pub async fn send_original(entry: &HistoryEntry) -> Result<Response, Refusal> {
    let bytes = read_file(PathBuf::from(&entry.archived_path)).await?;
    Ok(download(
        &entry.file_name,
        content_type_of(&entry.file_name),
        bytes,
    ))
}

/// A version's annotated copy (`_要修正.xlsx`); 404 when its receipt attached none.
pub async fn send_annotated(config: &Config, entry: &HistoryEntry) -> Result<Response, Refusal> {
    let path = receipts::annotated_path(config, &entry.sha256);
    if !path.is_file() {
        return Err(Refusal::not_found());
    }
    let bytes = read_file(path).await?;
    Ok(download(
        &receipts::annotated_name(&entry.file_name),
        XLSX_TYPE,
        bytes,
    ))
}

/// The year a path names (`2020`) with its reports' index; 404 when the text is no
/// year or the reports folder has no index for it. Every page that serves a report
/// file starts here, and serves only a name this index lists.
pub fn indexed_year(signed: &Signed, year: &str) -> Result<(FiscalYear, ReportIndex), Refusal> {
    let year = year
        .parse::<i32>()
        .ok()
        .filter(|y| (1900..=9999).contains(y))
        .map(FiscalYear)
        .ok_or_else(Refusal::not_found)?;
    let index = read_index(&signed.app.config().paths.reports, year);
    Ok((year, index.ok_or_else(Refusal::not_found)?))
}

/// `GET /{city}/reports/{year}/{file}`: one of the department's own reports, when the
/// year's index lists a file of that name as its own.
pub async fn report(
    signed: Signed,
    Path((_, year, file)): Path<(String, String, String)>,
) -> Result<Response, Refusal> {
    let department = department_of(&signed)?;
    send_listed(&signed, &year, &file, |f| {
        f.department.as_deref() == Some(department)
    })
    .await
}

/// Sends the report file `name` of the year a path names, when the year's index lists
/// it and `whose` accepts its entry; 404 otherwise. The path on disk is the index's
/// name, never one taken from the request.
pub async fn send_listed(
    signed: &Signed,
    year: &str,
    name: &str,
    whose: impl Fn(&IndexedFile) -> bool,
) -> Result<Response, Refusal> {
    let (year, index) = indexed_year(signed, year)?;
    let listed = index.file(name).filter(|f| whose(f));
    let name = listed.ok_or_else(Refusal::not_found)?.file_name.as_str();
    let folder = signed.app.config().paths.reports.join(year.to_string());
    let bytes = read_file(folder.join(name)).await?;
    Ok(download(name, content_type_of(name), bytes))
}

/// A file's bytes, read on a blocking thread; one that is gone is 404.
pub async fn read_file(path: PathBuf) -> Result<Vec<u8>, Refusal> {
    let read = tokio::task::spawn_blocking(move || std::fs::read(&path)).await;
    match read {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(error)) if error.kind() == std::io::ErrorKind::NotFound => Err(Refusal::not_found()),
        Ok(Err(error)) => Err(anyhow::Error::from(error)
            .context("ファイルを読めません")
            .into()),
        Err(error) => Err(anyhow::Error::from(error).into()),
    }
}
