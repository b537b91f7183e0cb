"""Writes the hostile corpus for tests/hostile.rs into the folder given as argv[1],
from the sample workbook given as argv[2]. Python's zlib makes the large members
quickly; nothing here is committed.

- bomb.xlsx: 1.6 MB that expands to 2 GiB (one worksheet of spaces)
- million_rows.xlsx: a valid workbook whose 目標指標 sheet has 1,000,000 rows
- truncated.xlsx: the first half of the sample
- pdf_renamed.xlsx: a PDF with an .xlsx name
- macro.xlsm: the sample with a VBA project added
- encrypted.xlsx: the sample encrypted with a password (when msoffcrypto-tool is installed)

Far cells, each of which makes calamine allocate gigabytes (they must be refused by
the reader child's limits, however the reference is written or the part is named):
- far_quoted.xlsx: `r='XFD1048576'` in single quotes
- far_tab.xlsx: a tab before `r=`
- far_moved_part.xlsx: the sheet stored outside xl/worksheets/ (the relationships point there)
- far_upper_case.xlsx: the sheet's part name in other letter case
- far_every_sheet.xlsx: one cell at row 100,000, column 200 in each of the 7 data sheets
- far_repeated.ods: a row repeated 50,000 times (under the guard's row limit) with a cell repeated a thousand times
- far_every_sheet.xls: one cell at IV65536 in each sheet (made by LibreOffice, when soffice is there)

Texts no cell can hold:
- long_text.xlsx: a cell of 2,000,000 characters
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


FAR = "<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>"


def with_far_cell(target, row_xml, sheets=("xl/worksheets/sheet5.xml",)):
    def change(name, data):
        if name is None or name not in sheets:
            return data
        head, _, tail = data.decode("utf-8").partition("</sheetData>")
        return (head + row_xml + "</sheetData>" + tail).encode("utf-8")
    rewrite(target, change)


def with_sheet_renamed(target, new_part):
    """Moves 目標指標 to `new_part` (adding a far cell) and points the relationships there."""
    old = "xl/worksheets/sheet5.xml"
    source = zipfile.ZipFile(io.BytesIO(sample))
    with zipfile.ZipFile(out / target, "w", zipfile.ZIP_DEFLATED) as z:
        for info in source.infolist():
            data = source.read(info.filename)
            name = info.filename
            if name == old:
                head, _, tail = data.decode("utf-8").partition("</sheetData>")
                data = (head + FAR + "</sheetData>" + tail).encode("utf-8")
                name = new_part
            elif name in ("xl/_rels/workbook.xml.rels", "[Content_Types].xml"):
                text = data.decode("utf-8")
                text = text.replace("worksheets/sheet5.xml", new_part.removeprefix("xl/"))
                data = text.replace("/" + old, "/" + new_part).encode("utf-8")
            z.writestr(name, data)


def far_every_sheet():
    row = '<row r="100000"><c r="GR100000"><v>1</v></c></row>'
    sheets = tuple(f"xl/worksheets/sheet{i}.xml" for i in range(2, 9))
    with_far_cell("far_every_sheet.xlsx", row, sheets)


def far_xls():
    import shutil
    import subprocess
    import tempfile
    soffice = shutil.which("soffice")
    if not soffice:
        return
    row = '<row r="65536"><c r="IV65536"><v>1</v></c></row>'
    sheets = tuple(f"xl/worksheets/sheet{i}.xml" for i in range(2, 9))
    with_far_cell("far_every_sheet_source.xlsx", row, sheets)
    with tempfile.TemporaryDirectory() as work:
        source = out / "far_every_sheet_source.xlsx"
        subprocess.run([soffice, f"-env:UserInstallation=file://{work}/profile", "--headless",
                        "--convert-to", "xls", "--outdir", work, str(source)],
                       check=True, capture_output=True, timeout=240)
        (pathlib.Path(work) / "far_every_sheet_source.xls").rename(out / "far_every_sheet.xls")
        source.unlink()


def far_ods():
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        '<office:body><office:spreadsheet>'
        + "".join(
            f'<table:table table:name="{name}">'
            '<table:table-row table:number-rows-repeated="50000">'
            '<table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1">'
            '<text:p>1</text:p></table:table-cell></table:table-row></table:table>'
            for name in ["提出情報", "部の運営方針", "主要事業", "目標指標", "取組状況", "アクションプラン", "総合戦略KPI"]
        )
        + "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(out / "far_repeated.ods", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)


def long_text():
    import base64
    import os
    text = base64.b64encode(os.urandom(1_500_000)).decode("ascii")
    row = f'<row r="60"><c r="B60" t="inlineStr"><is><t>{text}</t></is></c></row>'
    with_far_cell("long_text.xlsx", row, ("xl/worksheets/sheet3.xml",))


bomb()
with_far_cell("far_quoted.xlsx", FAR)
with_far_cell("far_tab.xlsx", FAR.replace("<c r=", "<c\tr="))
with_sheet_renamed("far_moved_part.xlsx", "xl/elsewhere/data.xml")
with_sheet_renamed("far_upper_case.xlsx", "xl/Worksheets/SHEET5.xml")
far_every_sheet()
far_ods()
far_xls()
long_text()
million_rows()
macro()
encrypted()
(out / "truncated.xlsx").write_bytes(sample[: len(sample) // 2])
(out / "pdf_renamed.xlsx").write_bytes(b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n")
