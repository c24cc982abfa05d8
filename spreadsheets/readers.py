"""Reading tables (表格) from .xlsx and .csv files, row by row, without loading the whole file.

``open_table`` gives the header and an iterator of data rows with their row numbers as the
clerk sees them in Excel (the header is row 1). .xlsx files are read with openpyxl in read-only
mode, .csv files as UTF-8 with or without a byte-order mark.
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.errors import SoregError

SUPPORTED = (".xlsx", ".csv")


@dataclass
class Table:
    """A header (stripped text), the data rows as (row number, values), and an estimate of
    how many data rows there are (None if the file does not say)."""

    header: list[str]
    rows: Iterator[tuple[int, tuple[Any, ...]]]
    estimated_rows: int | None


def _header(values: tuple[Any, ...] | list[Any]) -> list[str]:
    return ["" if v is None else str(v).strip() for v in values]


def _numbered(rows: Iterator, first: int = 2) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for number, values in enumerate(rows, start=first):
        if any(v not in (None, "") and str(v).strip() for v in values):
            yield number, tuple(values)


@contextmanager
def _xlsx(path: Path) -> Iterator[Table]:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError) as exc:
        raise SoregError(f"无法读取 Excel 文件 {path.name}：文件已损坏或不是 .xlsx 格式（{exc.__class__.__name__}）。",
                         field="文件") from exc
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise SoregError(f"文件 {path.name} 的第一个工作表是空的，第 1 行应为表头。", field="文件")
        total = sheet.max_row - 1 if sheet.max_row else None
        yield Table(_header(header), _numbered(rows), total)
    finally:
        book.close()


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))


def _decoded_rows(reader: Iterator[list[str]], path: Path) -> Iterator[tuple[str, ...]]:
    number = 0  # records read so far: the failing one is number + 1 (decoding runs ahead a little)
    try:
        for row in reader:
            number += 1
            yield tuple(row)
    except UnicodeDecodeError as exc:
        raise SoregError(
            f"文件 {path.name} 第 {number + 1} 行附近不是 UTF-8 编码，请在 Excel 中另存为“CSV UTF-8（逗号分隔）”后再导入。",
            field="文件",
        ) from exc
    except csv.Error as exc:
        raise SoregError(f"文件 {path.name} 第 {number + 1} 行附近的 CSV 格式有误（{exc}）。", field="文件") from exc


@contextmanager
def _csv(path: Path) -> Iterator[Table]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = _decoded_rows(csv.reader(fh), path)
        header = next(rows, None)
        if header is None:
            raise SoregError(f"文件 {path.name} 是空的，第 1 行应为表头。", field="文件")
        yield Table(_header(header), _numbered(rows), max(_count_lines(path) - 1, 0))


@contextmanager
def open_table(path: Path | str) -> Iterator[Table]:
    """Open a .xlsx or .csv file for reading row by row; closes it on exit."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise SoregError(f"不支持的文件类型“{path.suffix or '无扩展名'}”，请使用 .xlsx 或 .csv 文件。", field="文件")
    if not path.is_file():
        raise SoregError(f"找不到文件 {path}。", field="文件")
    opener = _xlsx if suffix == ".xlsx" else _csv
    with opener(path) as table:
        yield table
