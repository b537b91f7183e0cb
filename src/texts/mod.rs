//! The texts people read, from one place: the mail texts of `templates/mail/*.txt`
//! (rendered here), and in the submodules the texts written in code: intake's
//! findings and refusals ([`intake`]), the verdict on a file ([`verdict`]), the
//! receipt's explanations ([`receipt`]), why a message was not sent ([`delivery`]).
//! Each submodule tests every text it holds.
//!
//! A mail template is a `件名:` line, a blank line, the body. Placeholders are
//! `{{name}}`; one the caller does not supply is an error, so a typo in a template
//! never reaches a department as a raw `{{…}}`.

pub mod delivery;
pub mod intake;
pub mod receipt;
pub mod report;
pub mod verdict;
pub mod workbook;

pub use verdict::Verdict;

/// A fiscal year outside the plan period, given on the command line.
pub fn year_outside_plan_period(
    year: impl std::fmt::Display,
    plan: &str,
    first: impl std::fmt::Display,
    last: impl std::fmt::Display,
) -> String {
    format!("{year}は計画期間の外です({plan}の計画期間は{first}から{last}まで)。計画期間内の年度を指定してください")
}

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, Context};

/// A rendered subject and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject: the first line, after `件名:`.
    pub subject: String,
    /// The rest, without the blank lines after the subject.
    pub body: String,
}

/// Values for the placeholders.
pub type Values = BTreeMap<&'static str, String>;

/// Loads `templates/mail/<name>.txt` and fills it in.
pub fn render_file(templates: &Path, name: &str, values: &Values) -> anyhow::Result<Rendered> {
    let path = templates.join("mail").join(format!("{name}.txt"));
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the mail template {}", path.display()))?;
    render(&text, values).with_context(|| format!("in the mail template {}", path.display()))
}

/// Fills in a template text.
pub fn render(template: &str, values: &Values) -> anyhow::Result<Rendered> {
    let filled = substitute(template, values)?;
    let (first, body) = filled.split_once('\n').unwrap_or((&filled, ""));
    let Some(subject) = first.strip_prefix("件名:") else {
        bail!("the first line must start with 件名:");
    };
    Ok(Rendered {
        subject: subject.trim().to_string(),
        body: body.trim_start_matches('\n').to_string(),
    })
}

/// Fills `{{name}}` placeholders from `values`; an unknown or unclosed placeholder is an error.
pub fn substitute(template: &str, values: &Values) -> anyhow::Result<String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| anyhow!("unclosed {{{{ placeholder"))?;
        let key = after[..end].trim();
        let value = values
            .get(key)
            .ok_or_else(|| anyhow!("unknown placeholder {{{{{key}}}}}"))?;
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Whether a text has a character of Japanese script (kana or kanji): the tests of
/// the submodules check every text with it.
#[cfg(test)]
pub(crate) fn is_japanese(text: &str) -> bool {
    text.chars()
        .any(|c| matches!(c, '\u{3040}'..='\u{30ff}' | '\u{4e00}'..='\u{9fff}'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values() -> Values {
        Values::from([
            ("department", "企画部".to_string()),
            ("city", "三鷹市".to_string()),
        ])
    }

    #[test]
    fn fills_in_subject_and_body() {
        let rendered = render(
            "件名: 【{{city}}】報告({{department}})\n\n{{department}} ご担当者様\n",
            &values(),
        )
        .unwrap();
        assert_eq!(rendered.subject, "【三鷹市】報告(企画部)");
        assert_eq!(rendered.body, "企画部 ご担当者様\n");
    }

    #[test]
    fn an_unknown_placeholder_is_an_error() {
        let err = render("件名: x\n\n{{departmnet}}", &values()).unwrap_err();
        assert_eq!(err.to_string(), "unknown placeholder {{departmnet}}");
    }

    #[test]
    fn a_template_without_subject_is_an_error() {
        assert!(render("本文のみ", &values()).is_err());
    }

    #[test]
    fn the_shipped_templates_render() {
        let templates = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let values: Values = [
            "city",
            "fiscal_year",
            "department",
            "file_name",
            "indicator_count",
            "attachments",
            "built_at",
            "status_lines",
            "problems",
        ]
        .into_iter()
        .map(|k| (k, format!("<{k}>")))
        .collect();
        for name in ["department_report", "manager_summary"] {
            let rendered = render_file(&templates, name, &values).unwrap();
            assert!(rendered.subject.contains("<fiscal_year>"), "{name}");
            assert!(!rendered.body.contains("{{"), "{name}");
        }
    }
}
