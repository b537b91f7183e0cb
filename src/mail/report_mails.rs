//! The report mails of a build and the keys they are queued under.

use crate::archive::sha256_hex;
use crate::config::Config;
use crate::mail::compose::{compose, WHOLE};
use crate::mail::Outgoing;
use crate::report::{self, Built, ReportFile};
use std::path::Path;

/// The report mails of a build, each under its key ([`report_key`]): `run --once`
/// queues them, `preview-send` shows those not queued before.
pub fn keyed_report_mails(
    config: &Config,
    built: &Built,
    reports: &[ReportFile],
    dir: &Path,
) -> anyhow::Result<Vec<(String, Outgoing)>> {
    compose(config, built, reports, dir)?
        .into_iter()
        .map(|(audience, outgoing)| Ok((report_key(built, &audience, &outgoing)?, outgoing)))
        .collect()
}

/// What a report mail is keyed by: its year and audience, and a digest of what it
/// carries, never when the run happened: the inputs its reports were built from (a
/// department's own part of the datasets for a department's mail, so that another
/// department's change does not mail it again), the publication month on the covers,
/// the files attached and the problems told. A run repeated or resumed with the same
/// inputs queues nothing new; one with changed inputs, or one where a report that
/// failed before is built now, sends the new mail.
fn report_key(built: &Built, audience: &str, outgoing: &Outgoing) -> anyhow::Result<String> {
    let inputs = match audience {
        WHOLE => built.summary_inputs_sha256.clone(),
        department => {
            let own = built.datasets.for_department(department);
            sha256_hex(report::export::to_json(&own)?.as_bytes())
        }
    };
    let published = &built.datasets.published;
    let mut carried = format!("{inputs}\n{published}\n{}", built.problems.join("\n"));
    for attachment in &outgoing.attachments {
        carried.push_str(&format!("\n{}", attachment.file_name));
    }
    let year = built.datasets.fiscal_year;
    Ok(format!(
        "report:{year}:{}:{audience}",
        sha256_hex(carried.as_bytes())
    ))
}
