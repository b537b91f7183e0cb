//! Chinese character forms typed where Japanese ones were meant (「工事实施」 for
//! 「工事実施」): a warning naming the cell, the character and its Japanese form. They
//! print only with a fallback font, and a reader sees a Chinese text.

use super::cells::Sheet;
use crate::domain::jis::{chinese_forms, Counterpart};
use crate::domain::Finding;
use crate::texts::intake::{self as texts, ChineseForm};

/// At most this many distinct characters are named in one finding.
const CHARACTERS_NAMED: usize = 10;

/// Every text cell of the read sheets with a Chinese form of a Japanese character.
pub fn check_chinese_form_cells<'s>(
    sheets: impl IntoIterator<Item = (&'s str, &'s Sheet)>,
    findings: &mut Vec<Finding>,
) {
    let told = |text: &str| {
        let forms = chinese_forms(text);
        (!forms.is_empty()).then(|| texts::chinese_forms(&described(&forms)))
    };
    let more = super::checks::warn_text_cells(sheets, told, findings);
    if more > 0 {
        findings.push(Finding::file_warning(texts::more_chinese_form_cells(more)));
    }
}

/// A file name with a Chinese form of a Japanese character (it is printed in the reports).
pub fn check_chinese_form_file_name(file_name: &str) -> Option<Finding> {
    let forms = chinese_forms(file_name);
    (!forms.is_empty())
        .then(|| Finding::file_warning(texts::chinese_forms_in_file_name(&described(&forms))))
}

fn described(forms: &[Counterpart]) -> Vec<ChineseForm<'static>> {
    forms
        .iter()
        .take(CHARACTERS_NAMED)
        .map(|form| ChineseForm {
            found: form.found,
            kind: form.kind.label(),
            japanese: form.japanese,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_with_a_chinese_form_is_a_warning_for_the_file() {
        let finding = check_chinese_form_file_name("令和3年度_企画部_实绩.xlsx").unwrap();
        assert_eq!(
            finding.to_string(),
            "[注意] ファイル名の日本語の文字ではない字があります。「实」(簡体字)は「実」、「绩」(簡体字)は「績」の誤りではありませんか"
        );
        assert_eq!(check_chinese_form_file_name("令和3年度_企画部.xlsx"), None);
    }
}
