"""Registry import (登记库导入) against careless and damaged files: refused characters, formula
cells, huge error reports, Chinese encodings."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select
from test_registry_import import HEADER, code, good_row, write_csv

from models.errors import SoregError
from models.registry import Organization
from spreadsheets.registry_import import REPORT_LIMIT, ImportRejected, import_registry


def organizations(store) -> list[Organization]:
    with store.read() as session:
        return list(session.scalars(select(Organization).order_by(Organization.name)))


@pytest.mark.parametrize(("char", "said"), [
    ("\x00", "控制字符（U+0000）"),
    ("\x1b", "控制字符（U+001B）"),
    ("\r", "应为一行"),
    ("\n", "应为一行"),
    ("\u202e", "不可见的格式字符（U+202E）"),
    ("\u200b", "不可见的格式字符（U+200B）"),
    ("\u200d", "不可见的格式字符（U+200D）"),
])
def test_control_bidi_and_invisible_characters_are_refused_with_row_and_column(store, tmp_path, char, said):
    name_row, address_row = good_row(1), good_row(2)
    name_row[0] = f"上海市长宁区{char}博雅书画协会"
    address_row[6] = f"上海市长宁区天山路{char}1号"
    paths = [write_csv(tmp_path / "c.csv", [good_row(3), name_row, address_row])]
    if char not in "\x00\x1b":  # XML, so .xlsx, cannot hold these two at all
        book = Workbook()
        for row in (HEADER, good_row(3), name_row, address_row):
            book.active.append(row)
        book.save(tmp_path / "c.xlsx")
        paths.append(tmp_path / "c.xlsx")
    for path in paths:
        with pytest.raises(ImportRejected) as excinfo:
            import_registry(store, path, actor="admin")
        problems = excinfo.value.problems
        assert [(p.row, p.column) for p in problems] == [(3, "名称"), (4, "住所")], path
        assert all(said in p.reason for p in problems)
        assert organizations(store) == []


def _with_cached_value(path: Path, cell: str, value: str) -> None:
    """Give the formula cell ``cell`` a cached number, as Excel does when it saves."""
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    sheet, n = re.subn(rf'(<c r="{cell}"[^>]*>)(<f>[^<]*</f>)<v\s*/>', rf"\1\2<v>{value}</v>", sheet)
    assert n == 1
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_a_formula_cell_without_a_computed_value_refuses_the_file_naming_the_cell(store, tmp_path):
    book = Workbook(write_only=True)  # openpyxl writes formulas without their results
    sheet = book.create_sheet()
    sheet.append(HEADER)
    sheet.append(good_row(1))
    formula_row = good_row(2)
    formula_row[0] = '="上海市长宁区"&"二号文化中心"'
    formula_row[5] = "=DATE(2015,6,1)"
    sheet.append(formula_row)
    book.save(tmp_path / "f.xlsx")
    with pytest.raises(ImportRejected) as excinfo:
        import_registry(store, tmp_path / "f.xlsx", actor="admin")
    problems = [(p.row, p.column, p.reason) for p in excinfo.value.problems]
    assert [(r, c) for r, c, _ in problems] == [(3, "名称"), (3, "成立日期")]
    assert "单元格 A3 是公式，但文件中没有它的计算结果" in problems[0][2]
    assert "单元格 F3 是公式" in problems[1][2]
    assert organizations(store) == []


def test_a_formula_cell_is_read_by_its_cached_value(store, tmp_path):
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(HEADER)
    row = good_row(2)
    row[11] = '=IF(1>0,"5A","")'
    row[6] = "=1+1"  # 住所 computed as a number: read as its value, not as the formula
    sheet.append(row)
    text_row = good_row(3)
    text_row[9] = "=不是公式的文字"  # a text cell that merely starts with “=”
    sheet.append(text_row)
    book.save(tmp_path / "v.xlsx")
    with zipfile.ZipFile(tmp_path / "v.xlsx") as archive:  # make the text cell a real text cell
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>不是公式的文字</f>" in sheet_xml
    _with_cached_value(tmp_path / "v.xlsx", "G2", "2")
    with zipfile.ZipFile(tmp_path / "v.xlsx") as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts["xl/worksheets/sheet1.xml"] = parts["xl/worksheets/sheet1.xml"].decode().replace(
        '<c r="L2"><f>IF(1&gt;0,"5A","")</f><v /></c>', '<c r="L2" t="str"><f>IF(1&gt;0,"5A","")</f><v>5A</v></c>').replace(
        '<c r="J3"><f>不是公式的文字</f><v /></c>', '<c r="J3" t="inlineStr"><is><t>=不是公式的文字</t></is></c>').encode()
    with zipfile.ZipFile(tmp_path / "v.xlsx", "w") as target:
        for name, data in parts.items():
            target.writestr(name, data)
    summary = import_registry(store, tmp_path / "v.xlsx", actor="admin")
    assert summary.added == 2
    by_name = {o.name: o for o in organizations(store)}
    assert by_name[row[0]].rating == "5A" and by_name[row[0]].address == "2"
    assert by_name[text_row[0]].sponsor == "=不是公式的文字"


def test_the_error_report_lists_the_first_thousand_problems_and_counts_them_all(store, tmp_path):
    rows = [["上海市长宁区坏行文化中心", "公司"] + [""] * 10 for _ in range(3000)]
    with pytest.raises(ImportRejected) as excinfo:
        import_registry(store, write_csv(tmp_path / "bad.csv", rows), actor="admin")
    error = excinfo.value
    assert error.total == 3000 and len(error.problems) == REPORT_LIMIT
    assert [p.row for p in error.problems] == list(range(2, 2 + REPORT_LIMIT))  # the first ones, in order
    message = str(error)
    assert message.startswith("文件 bad.csv 有 3000 处错误，未导入任何数据（以下列出前 1000 处）：")
    assert message.count("\n") == REPORT_LIMIT and len(message.encode()) < 200_000


def _encoded_csv(path: Path, rows: list[list[str]], encoding: str) -> Path:
    lines = [",".join(HEADER)] + [",".join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def test_gbk_and_gb18030_files_are_read_and_the_encoding_is_named(store, tmp_path):
    gbk = [good_row(1), good_row(2)]
    summary = import_registry(store, _encoded_csv(tmp_path / "gbk.csv", gbk, "gbk"), actor="admin")
    assert (summary.added, summary.encoding) == (2, "GB18030")
    assert str(summary) == "新增 2，更新 0，未变 0（文件编码：GB18030）"
    extension_b = good_row(3)
    extension_b[8] = "王𠈌"  # a person's name in CJK Extension B: GB18030 only, not GBK
    summary = import_registry(store, _encoded_csv(tmp_path / "gb18030.csv", [extension_b], "gb18030"), actor="admin")
    assert (summary.added, summary.encoding) == (1, "GB18030")
    assert {o.name for o in organizations(store)} == {good_row(n)[0] for n in (1, 2, 3)}
    assert [o.legal_representative for o in organizations(store) if o.name == extension_b[0]] == ["王𠈌"]


def test_a_file_in_neither_utf8_nor_gb18030_is_refused_naming_what_it_looks_like(store, tmp_path):
    path = tmp_path / "big5.csv"
    path.write_bytes("名稱,組織類型\n上海市長寧區博雅書畫協會,社會團體\n上海市長寧區仙霞養老服務中心,民辦非企業單位\n".encode("big5"))
    with pytest.raises(SoregError, match="既不是 UTF-8，也不是 GBK/GB18030（看来是 BIG5）"):
        import_registry(store, path, actor="admin")
    assert organizations(store) == []


def test_dates_are_read_as_the_forms_read_them(store, tmp_path):
    rows = [good_row(1), good_row(2)]
    rows[0][5], rows[1][5] = "2015/06/01", "2015年6月1日"
    rows[0][10] = "2027.05.31"
    import_registry(store, write_csv(tmp_path / "d.csv", rows), actor="admin")
    assert {o.established_on for o in organizations(store)} == {date(2015, 6, 1)}
    assert {o.certificate_valid_until for o in organizations(store)} == {date(2027, 5, 31)}


def test_full_width_letters_in_a_credit_code_are_read_as_ascii(store, tmp_path):
    row = good_row(4)
    row[2] = code(4, "民办非企业单位").translate({c: c + 0xFEE0 for c in range(0x21, 0x7F)})
    import_registry(store, write_csv(tmp_path / "w.csv", [row]), actor="admin")
    with store.read() as session:
        assert session.scalar(select(func.count()).where(Organization.credit_code == code(4, "民办非企业单位"))) == 1
