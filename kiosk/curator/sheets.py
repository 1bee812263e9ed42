"""Spreadsheets on disk: CSV (UTF-8 with a BOM, so Excel shows every script) and XLSX.

Reading tells a problem with the sheet's own row and column: spreadsheet programs save
CSV in the computer's legacy encoding or with `;` between cells, depending on the country.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from kiosk.errors import KioskError, Problem

SHEET_SUFFIXES = (".csv", ".xlsx")
MAX_SHEET_BYTES = 32 * 1024 * 1024


class SheetError(KioskError):
    """The spreadsheet cannot be read; carries the positioned problem."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Sheet:
    shown: str  # the file as named in messages
    header: list[str]
    rows: list[list[str]]  # data rows: sheet row number = index + 2
    letters: bool  # columns are named by letter (XLSX) rather than number

    def column(self, index: int) -> str:
        """How the spreadsheet program names column `index` (from 0)."""
        if not self.letters:
            return str(index + 1)
        name, n = "", index + 1
        while n:
            n, rest = divmod(n - 1, 26)
            name = chr(65 + rest) + name
        return name


def write_sheet(path: Path, header: list[str], rows: list[list[str]]) -> None:
    if path.suffix.lower() == ".xlsx":
        _write_xlsx(path, header, rows)
        return
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _write_xlsx(path: Path, header: list[str], rows: list[list[str]]) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.worksheet import Worksheet

    book = Workbook()
    sheet = book.active
    assert isinstance(sheet, Worksheet)  # a new workbook opens on one empty worksheet
    sheet.title = "captions"
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for r, row in enumerate(rows, 2):
        for c, value in enumerate(row, 1):
            cell = sheet.cell(row=r, column=c, value=value)
            cell.data_type = "s"  # a caption starting with `=` is text, not a formula
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for c, name in enumerate(header, 1):
        sheet.column_dimensions[get_column_letter(c)].width = 40 if ":" in name else 14
    sheet.freeze_panes = "D2"
    book.save(path)


def read_sheet(path: Path, shown: str) -> Sheet:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SheetError(Problem(shown, 1, 1, "error",
                                 f"cannot read the file: {exc.strerror or exc}")) from None
    if len(data) > MAX_SHEET_BYTES:
        raise SheetError(Problem(shown, 1, 1, "error", "the file is far too large for a "
                                                       "caption sheet"))
    if path.suffix.lower() == ".xlsx" or data.startswith(b"PK\x03\x04"):
        if path.suffix.lower() != ".xlsx":
            raise SheetError(Problem(shown, 1, 1, "error", "this is an Excel workbook, not CSV",
                                     "name it .xlsx, or save it as CSV UTF-8"))
        return _read_xlsx(data, shown)
    return _read_csv(data, shown)


def _delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data: bytes, shown: str) -> Sheet:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            good = data[:exc.start].decode("utf-8", errors="replace")
            delimiter = _delimiter(good.split("\n", 1)[0])
            rows = list(csv.reader(io.StringIO(good), delimiter=delimiter)) or [[]]
            row = len(rows) + (1 if good.endswith("\n") else 0)
            col = 1 if good.endswith("\n") else max(len(rows[-1]), 1)
            raise SheetError(Problem(
                shown, row, col, "error",
                f"the file is not UTF-8 (byte 0x{data[exc.start]:02x}); it was saved in "
                "another encoding",
                "save it as \"CSV UTF-8\" (Excel) or choose UTF-8 when saving, then import "
                "again")) from None
    delimiter = _delimiter(text.split("\n", 1)[0])
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    if not rows:
        raise SheetError(Problem(shown, 1, 1, "error", "the sheet is empty",
                                 "export it with `captions export` first"))
    return Sheet(shown, rows[0], rows[1:], letters=False)


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_xlsx(data: bytes, shown: str) -> Sheet:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise SheetError(Problem(shown, 1, 1, "error", f"cannot open the workbook ({exc})",
                                 "save it again as .xlsx")) from None
    try:
        rows = [[_cell_text(v) for v in row] for row in book.worksheets[0].iter_rows(
            values_only=True)]
    finally:
        book.close()
    if not rows:
        raise SheetError(Problem(shown, 1, 1, "error", "the sheet is empty",
                                 "export it with `captions export` first"))
    return Sheet(shown, rows[0], rows[1:], letters=True)
