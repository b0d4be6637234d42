#!/usr/bin/env python3
"""Generates a large .xlsx advisory list, streaming (nothing held in memory):
a header row (名前, メールアドレス, 部署) and ROWS data rows of invented addresses,
names and departments as shared strings (the sharedStrings part written after
the sheet, as Excel does), or as inline strings with --inline.
Usage: gen_workbook.py OUT.xlsx ROWS [--inline]"""
import sys, zipfile

out, rows = sys.argv[1], int(sys.argv[2])
inline = "--inline" in sys.argv[3:]
NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RNS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
depts = ["営業部", "総務部", "開発部", "人事部"]


def cell(ref, text, idx):
    if inline:
        return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'
    return f'<c r="{ref}" t="s"><v>{idx}</v></c>'


# Shared string indexes: 0-2 header, 3-6 departments, then name/address pairs.
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
    z.writestr("[Content_Types].xml",
               '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
               '<Default Extension="xml" ContentType="application/xml"/></Types>')
    z.writestr("_rels/.rels",
               '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               f'<Relationship Id="rId1" Type="{REL}officeDocument" Target="xl/workbook.xml"/></Relationships>')
    z.writestr("xl/workbook.xml", f'<workbook {NS} {RNS}><sheets>'
               '<sheet name="対象者一覧" sheetId="1" r:id="rId1"/></sheets></workbook>')
    with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as w:
        w.write(f'<worksheet {NS}><sheetData>'.encode())
        w.write(('<row r="1">' + cell("A1", "名前", 0) + cell("B1", "メールアドレス", 1) +
                 cell("C1", "部署", 2) + '</row>').encode())
        buf = []
        for i in range(rows):
            r = i + 2
            buf.append(f'<row r="{r}">' + cell(f"A{r}", f"利用者{i}", 7 + 2 * i) +
                       cell(f"B{r}", f"user{i}@example.jp", 8 + 2 * i) +
                       cell(f"C{r}", depts[i % 4], 3 + i % 4) + '</row>')
            if len(buf) == 10000:
                w.write("".join(buf).encode())
                buf = []
        w.write(("".join(buf) + '</sheetData></worksheet>').encode())
    if not inline:
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as w:
            w.write(f'<sst {NS}>'.encode())
            w.write("".join(f"<si><t>{t}</t></si>" for t in ["名前", "メールアドレス", "部署"] + depts).encode())
            buf = []
            for i in range(rows):
                buf.append(f"<si><t>利用者{i}</t></si><si><t>user{i}@example.jp</t></si>")
                if len(buf) == 10000:
                    w.write("".join(buf).encode())
                    buf = []
            w.write(("".join(buf) + "</sst>").encode())
    z.writestr("xl/_rels/workbook.xml.rels",
               '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
               f'<Relationship Id="rId1" Type="{REL}worksheet" Target="worksheets/sheet1.xml"/>' +
               ("" if inline else f'<Relationship Id="rId2" Type="{REL}sharedStrings" Target="sharedStrings.xml"/>') +
               '</Relationships>')
