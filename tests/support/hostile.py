"""Writes the hostile corpus for tests/hostile.rs into the folder given as argv[1],
from the sample workbook given as argv[2]. Python's zlib makes the large members
quickly; nothing here is committed.

- bomb.xlsx: 1.6 MB that expands to 2 GiB (one worksheet of spaces)
- million_rows.xlsx: a valid workbook whose 目標指標 sheet has 1,000,000 rows
- truncated.xlsx: the first half of the sample
- pdf_renamed.xlsx: a PDF with an .xlsx name
- macro.xlsm: the sample with a VBA project added
- encrypted.xlsx: the sample encrypted with a password (when msoffcrypto-tool is installed)
"""

import io
import pathlib
import sys
import zipfile
import zlib

out = pathlib.Path(sys.argv[1])
sample = pathlib.Path(sys.argv[2]).read_bytes()
out.mkdir(parents=True, exist_ok=True)


def bomb():
    with zipfile.ZipFile(out / "bomb.xlsx", "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b" " * (64 * 1024 * 1024)
            for _ in range(32):
                member.write(chunk)


def rewrite(target, change):
    """Copies the sample zip member by member, letting `change` replace or add members."""
    source = zipfile.ZipFile(io.BytesIO(sample))
    with zipfile.ZipFile(out / target, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            data = change(info.filename, source.read(info.filename))
            z.writestr(info.filename, data)
        for name, data in change(None, None) or []:
            z.writestr(name, data)


def million_rows():
    def change(name, data):
        if name is None:
            return []
        if not name.startswith("xl/worksheets/sheet5.xml"):  # 目標指標 is the fifth sheet
            return data
        head, _, tail = data.decode("utf-8").partition("</sheetData>")
        rows = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(100, 1_000_001))
        return (head + rows + "</sheetData>" + tail).encode("utf-8")
    rewrite("million_rows.xlsx", change)


def macro():
    def change(name, data):
        if name is None:
            return [("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"Attribute VB_Name = \"Module1\"" * 10)]
        return data
    rewrite("macro.xlsm", change)


def encrypted():
    try:
        import msoffcrypto
        from msoffcrypto.format.ooxml import OOXMLFile
    except ImportError:
        return
    plain = io.BytesIO(sample)
    with open(out / "encrypted.xlsx", "wb") as f:
        OOXMLFile(plain).encrypt("himitsu", f)


bomb()
million_rows()
macro()
encrypted()
(out / "truncated.xlsx").write_bytes(sample[: len(sample) // 2])
(out / "pdf_renamed.xlsx").write_bytes(b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
