//! The sample data as a city would print it: no mark of the text extraction it was
//! transcribed from. Every text of `data/` (the TOML values, not their comments, and
//! through them the sample workbooks) is read for the kinds of slip the seed
//! carried: a space between two Japanese characters (「ボランティア、 防災」), between a
//! figure and its unit or a Japanese word and a figure (「205 人」, 「令和 2 年」,
//! 「(注 1)」), a Latin word of lower-case letters inside Japanese text (「滞納処分 of
//! 早期着手」), and a Chinese or older form of a Japanese character (搜 for 捜, 实 for 実).

mod common;

use std::path::{Path, PathBuf};

use common::repo;
use hakusho::domain::jis::{japanese_counterpart, usual_japanese_form};

/// Kana, kanji, CJK punctuation (、。「」) and full-width forms (（）：).
fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303f}' | '\u{3040}'..='\u{30ff}' | '\u{3400}'..='\u{4dbf}'
        | '\u{4e00}'..='\u{9fff}' | '\u{ff01}'..='\u{ff60}')
        && c != '\u{3000}'
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\u{3000}'
}

fn is_circled(c: char) -> bool {
    ('\u{2460}'..='\u{2473}').contains(&c)
}

/// The slips in one text, each described with the characters around it.
fn slips(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut found = spaces(&chars);
    found.extend(latin_words(&chars));
    found.extend(chinese_forms(text));
    found
}

/// A run of spaces between two characters that Japanese text never separates.
fn spaces(chars: &[char]) -> Vec<String> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !is_space(chars[i]) || i == 0 {
            i += 1;
            continue;
        }
        let end = (i..chars.len())
            .find(|&j| !is_space(chars[j]))
            .unwrap_or(chars.len());
        if let (Some(&before), Some(&after)) = (chars.get(i - 1), chars.get(end)) {
            if separates_wrongly(&chars[..i], before, after) {
                found.push(format!("space in 「{}」", context(chars, i, end)));
            }
        }
        i = end;
    }
    found
}

/// Whether a space between `before` and `after` is the extraction's: between two
/// Japanese characters, a figure and its unit, a Japanese word and a figure (unless the
/// word before is itself a figure with its unit: 「8施設 98事業者」 lists two), or two
/// circled numbers. A numbered label and its title (「第Ⅱ編 各論」) are separated.
fn separates_wrongly(head: &[char], before: char, after: char) -> bool {
    let digit = |c: char| c.is_ascii_digit();
    let word_start = head.iter().rposition(|c| is_space(*c)).map_or(0, |p| p + 1);
    let figure_before = head.get(word_start).is_some_and(|c| digit(*c));
    (is_japanese(before) && is_japanese(after) && !ends_with_numbered_label(head))
        || (digit(before) && is_japanese(after))
        || (is_japanese(before) && digit(after) && !figure_before)
        || (is_circled(before) && is_circled(after))
}

/// Whether the text ends with a numbered label that a title follows after a space, as
/// the seed prints it: 「第Ⅱ編 各論」, 「第1章 …」 (at most four characters of number).
fn ends_with_numbered_label(head: &[char]) -> bool {
    let tail = &head[head.len().saturating_sub(6)..];
    let Some(start) = tail.iter().rposition(|c| *c == '第') else {
        return false;
    };
    let label = &tail[start..];
    label.len() >= 3 && label.last().is_some_and(|c| "編章部節".contains(*c))
}

/// A word of lower-case Latin letters with Japanese text on both sides: 「処分 of 早期」.
fn latin_words(chars: &[char]) -> Vec<String> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_lowercase() {
            i += 1;
            continue;
        }
        let start = (0..i)
            .rev()
            .find(|&j| !chars[j].is_ascii_alphabetic())
            .map_or(0, |j| j + 1);
        let end = (i..chars.len())
            .find(|&j| !chars[j].is_ascii_alphabetic())
            .unwrap_or(chars.len());
        let all_lower = chars[start..end].iter().all(char::is_ascii_lowercase);
        if all_lower && japanese_beside(chars, start, end) {
            found.push(format!("Latin word in 「{}」", context(chars, start, end)));
        }
        i = end;
    }
    found
}

/// Whether the nearest characters past any spaces on both sides are Japanese.
fn japanese_beside(chars: &[char], start: usize, end: usize) -> bool {
    let left = chars[..start].iter().rev().find(|c| !is_space(**c));
    let right = chars[end..].iter().find(|c| !is_space(**c));
    left.is_some_and(|c| is_japanese(*c)) && right.is_some_and(|c| is_japanese(*c))
}

/// A Chinese form outside JIS (实) or an older or Chinese form inside it (搜).
fn chinese_forms(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for c in text.chars() {
        let usual = japanese_counterpart(c)
            .and_then(|p| p.japanese.chars().next())
            .or_else(|| usual_japanese_form(c));
        if let Some(usual) = usual {
            found.push(format!("「{c}」 for 「{usual}」"));
        }
    }
    found
}

fn context(chars: &[char], start: usize, end: usize) -> String {
    let from = start.saturating_sub(6);
    let to = (end + 6).min(chars.len());
    chars[from..to].iter().collect()
}

/// Every string of a TOML document, with where it is (comments are not values).
fn toml_strings(value: &toml::Value, at: &str, out: &mut Vec<(String, String)>) {
    match value {
        toml::Value::String(s) => out.push((at.to_string(), s.clone())),
        toml::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                toml_strings(item, &format!("{at}[{i}]"), out);
            }
        }
        toml::Value::Table(table) => {
            for (key, item) in table {
                toml_strings(item, &format!("{at}.{key}"), out);
            }
        }
        _ => {}
    }
}

fn files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    found.sort();
    found
}

/// Every text of the sample data: the TOML of the seed, the plan and the
/// configuration. The sample workbooks are written from them (`cargo run --example
/// build_samples`, which `tests/samples.rs` holds to them) with labels of their own
/// (「1-1 国際化の推進」, 「企画部 令和2年度 提出用ブック」), so they are read through these.
fn sample_texts() -> Vec<(String, String)> {
    let data = repo().join("data");
    let mut texts = Vec::new();
    let tomls = [data.join("seed/fy2020"), data.join("plan"), data.clone()];
    for path in tomls.iter().flat_map(|dir| files(dir, "toml")) {
        let value: toml::Value = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        toml_strings(&value, &path.display().to_string(), &mut texts);
    }
    texts
}

#[test]
fn the_sample_data_has_no_mark_of_the_extraction() {
    let texts = sample_texts();
    assert!(texts.len() > 1000, "read {} texts", texts.len());
    let found: Vec<String> = texts
        .iter()
        .flat_map(|(at, text)| slips(text).into_iter().map(move |s| format!("{at}: {s}")))
        .collect();
    assert!(
        found.is_empty(),
        "{} slips:\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn each_kind_of_slip_is_found() {
    let slipped = [
        "通訳・翻訳ボランティア、 防災ボランティア登録者数",
        "学童保育所待機 児童数",
        "学童保育所待機\u{3000}児童数",
        "205 人",
        "令和 2 年度",
        "209人 (注 1)",
        "4件(①②③ ④)",
        "滞納処分 of 早期着手",
        "滞納処分of早期着手",
        "推進 and 特に",
        "ネット公売、搜索等",
        "工事实施後",
        "實施",
    ];
    for text in slipped {
        assert!(!slips(text).is_empty(), "{text} is not found");
    }
}

#[test]
fn what_japanese_print_writes_so_is_no_slip() {
    let fine = [
        "8施設 98事業者",
        "11施設 101事業者",
        "326事業所 (平成21年)",
        "4,372人 (198人)",
        "① 現年課税分未納者に対しても",
        "市内街路灯のLED化の推進",
        "今後到来するSociety5.0社会",
        "三鷹市公共施設の温室効果ガス総排出量(t-CO2)(注)",
        "\u{3000}黄色のセル … 記入するところです。",
        "見直し前25m²→見直し後20m²",
        "ホームページやTwitter、YouTubeを最大限活用",
        "捜索",
    ];
    for text in fine {
        assert_eq!(slips(text), Vec::<String>::new(), "{text}");
    }
}
