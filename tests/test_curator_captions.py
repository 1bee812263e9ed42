"""`captions export` / `captions import`: translators edit a spreadsheet, the curator's
manifests change only where a cell changed."""

from __future__ import annotations

import csv
import difflib
import shutil
from pathlib import Path

import pytest

from kiosk.cli import main
from tests.conftest import ROOT

CONFIG = str(ROOT / "config" / "kiosk.yaml")  # offers en, ru, az, zh, ar; en is the default


@pytest.fixture
def show(tmp_path: Path) -> Path:
    """A copy of the demo show's manifests (comments, `|` blocks, quotes and all)."""
    shutil.copytree(ROOT / "exhibits", tmp_path / "exhibits")
    return tmp_path / "exhibits"


def captions(capsys, show: Path, *args: str) -> tuple[int, str]:
    code = main(["captions", *args, "--exhibits", str(show), "--config", CONFIG])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out + err


def snapshot(show: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(show.glob("*.yaml"))}


def read_csv(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8-sig",
              delimiter: str = ",") -> Path:
    # Like a spreadsheet program, a legacy encoding writes `?` for letters it lacks.
    with open(path, "w", encoding=encoding, errors="replace", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


def set_cell(rows: list[list[str]], exhibit: str, item: str, column: str, text: str) -> int:
    """Sets a cell; returns its sheet row number (the header is row 1)."""
    col = rows[0].index(column)
    for n, row in enumerate(rows):
        if row[0] == exhibit and row[1] == item:
            row[col] = text
            return n + 1
    raise AssertionError(f"no row {exhibit}:{item}")


def changed_lines(before: bytes, after: bytes) -> list[str]:
    diff = difflib.unified_diff(before.decode().splitlines(), after.decode().splitlines(),
                                lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_round_trip_without_edits_leaves_every_byte(show: Path, tmp_path: Path, capsys,
                                                    suffix: str):
    """Guards: a re-dump that re-indents, re-quotes or drops the curator's comments."""
    before = snapshot(show)
    sheet = tmp_path / f"captions{suffix}"
    assert captions(capsys, show, "export", "--out", str(sheet))[0] == 0
    code, out = captions(capsys, show, "import", str(sheet))
    assert code == 0, out
    assert "0 texts changed in 0 files" in out
    assert snapshot(show) == before


def test_one_edited_cell_changes_exactly_one_line_csv(show: Path, tmp_path: Path, capsys):
    """Guards: an import that rewrites the file, or touches texts nobody edited."""
    before = snapshot(show)
    sheet = tmp_path / "c.csv"
    captions(capsys, show, "export", "--out", str(sheet))
    rows = read_csv(sheet)
    set_cell(rows, "02-clippings", "1", "caption:ru", "Первая полоса, исправленная.")
    code, out = captions(capsys, show, "import", str(write_csv(sheet, rows)))
    assert code == 0, out
    after = snapshot(show)
    assert [n for n in after if after[n] != before[n]] == ["02-clippings.yaml"]
    assert changed_lines(before["02-clippings.yaml"], after["02-clippings.yaml"]) == [
        "-      ru: Первая полоса праздничного выпуска о двадцатом Фестивале маяка. "
        "Приблизьте, чтобы прочитать.",
        "+      ru: Первая полоса, исправленная."]


def test_one_edited_cell_in_xlsx_and_a_line_of_a_block_text(show: Path, tmp_path: Path,
                                                             capsys):
    """Guards: a `|` block re-written as one quoted line when one paragraph changes."""
    from openpyxl import load_workbook

    before = snapshot(show)
    sheet = tmp_path / "c.xlsx"
    captions(capsys, show, "export", "--out", str(sheet))
    book = load_workbook(sheet)
    ws = book.active
    header = [c.value for c in ws[1]]
    col = header.index("body:en") + 1
    for row in ws.iter_rows(min_row=2):
        if row[0].value == "01-festival" and row[1].value == "1":
            cell = row[col - 1]
            cell.value = cell.value.replace("Touch the screen to explore.", "Touch to explore.")
    book.save(sheet)
    code, out = captions(capsys, show, "import", str(sheet))
    assert code == 0, out
    after = snapshot(show)
    assert changed_lines(before["01-festival.yaml"], after["01-festival.yaml"]) == [
        "-        Touch the screen to explore.", "+        Touch to explore."]


def test_new_translation_and_new_field_are_added_as_curators_write_them(
        show: Path, tmp_path: Path, capsys):
    """Guards: a plain `credit:` that cannot take a translation; a missing field dropped."""
    sheet = tmp_path / "c.csv"
    captions(capsys, show, "export", "--out", str(sheet))
    rows = read_csv(sheet)
    set_cell(rows, "02-clippings", "2", "source:ru", "Бюллетень гавани")
    set_cell(rows, "03-night", "1", "source:en", "Harbour archive")
    code, out = captions(capsys, show, "import", str(write_csv(sheet, rows)))
    assert code == 0, out
    clippings = (show / "02-clippings.yaml").read_text(encoding="utf-8")
    assert "    source:\n      en: Harbour Bulletin\n      ru: Бюллетень гавани\n" in clippings
    night = (show / "03-night.yaml").read_text(encoding="utf-8")
    assert "      ar: demo/video/lighthouse.ar.srt\n    source: Harbour archive\n" in night
    code = main(["validate", "--exhibits", str(show), "--config", CONFIG,
                 "--assets", str(ROOT / "assets")])
    assert code == 0, capsys.readouterr().out


def test_a_language_joins_the_others_and_an_empty_cell_deletes_nothing(
        show: Path, tmp_path: Path, capsys):
    """Guards: a new translation written as a second `caption:`; a cleared cell erasing
    the curator's text."""
    (show / "05-extra.yaml").write_text("""title: Extra
items:
  - card: Opening hours   # shown at the door too
    body:
      en: Open every day.  # check with the town hall
""", encoding="utf-8")
    sheet = tmp_path / "c.csv"
    captions(capsys, show, "export", "--out", str(sheet))
    rows = read_csv(sheet)
    set_cell(rows, "05-extra", "1", "body:ru", "Открыто каждый день.")
    set_cell(rows, "05-extra", "1", "card:en", "")  # cleared: keeps "Opening hours"
    code, out = captions(capsys, show, "import", str(write_csv(sheet, rows)))
    assert code == 0, out
    assert (show / "05-extra.yaml").read_text(encoding="utf-8") == """title: Extra
items:
  - card: Opening hours   # shown at the door too
    body:
      en: Open every day.  # check with the town hall
      ru: Открыто каждый день.
"""


def test_every_mistake_is_reported_by_row_and_column_and_nothing_is_written(
        show: Path, tmp_path: Path, capsys):
    """Guards: a half-applied import, or errors that do not say where in the sheet."""
    before = snapshot(show)
    sheet = tmp_path / "c.csv"
    captions(capsys, show, "export", "--out", str(sheet))
    rows = read_csv(sheet)
    good = set_cell(rows, "02-clippings", "1", "caption:en", "A fine new caption.")
    wrong = set_cell(rows, "02-clippings", "2", "caption:ru", "The programme of the festival")
    rows.append(["05-missing", "1", "x.jpg"] + [""] * (len(rows[0]) - 3))
    rows.append(["02-clippings", "9", ""] + [""] * (len(rows[0]) - 3))
    rows[0].append("captoin:ru")
    code, out = captions(capsys, show, "import", str(write_csv(sheet, rows)))
    assert code == 1
    assert snapshot(show) == before
    assert good  # that row was fine: still not written, since others are wrong
    n = len(rows)
    assert f"c.csv:1:{len(rows[0])}: error: column {len(rows[0])} `captoin:ru` is not a column" \
        in out and "did you mean `caption`?" in out
    # The header problem stops the import before rows are looked at; fix it and retry.
    rows[0].pop()
    code, out = captions(capsys, show, "import", str(write_csv(sheet, rows)))
    assert code == 1 and snapshot(show) == before
    ru = rows[0].index("caption:ru") + 1
    assert (f"c.csv:{wrong}:{ru}: error: row {wrong}, column {ru}: this `ru` text is written "
            "in Latin letters; Russian is written in Cyrillic") in out
    assert f"c.csv:{n - 1}:1: error: row {n - 1}, column 1: there is no exhibit `05-missing`" \
        in out
    assert f"c.csv:{n}:2: error: row {n}, column 2: `02-clippings` has no item `9`" in out
    assert "3 problems; nothing was written" in out


def test_sheet_saved_in_another_encoding_is_refused_where_it_goes_wrong(
        show: Path, tmp_path: Path, capsys):
    """Guards: a sheet saved as Windows-1251 or re-opened as Latin-1 writing mojibake."""
    before = snapshot(show)
    sheet = tmp_path / "c.csv"
    captions(capsys, show, "export", "--out", str(sheet))
    rows = read_csv(sheet)
    row = set_cell(rows, "02-clippings", "1", "caption:ru", "Новая подпись")
    write_csv(sheet, rows, encoding="cp1251")
    code, out = captions(capsys, show, "import", str(sheet))
    assert code == 1 and snapshot(show) == before
    # The first Cyrillic letter: row 2 (the first exhibit), column 5 (`title:ru`).
    assert "c.csv:2:5: error: the file is not UTF-8 (byte 0xd4)" in out
    # The same text opened as Latin-1 and saved as UTF-8: valid UTF-8, garbled letters.
    garbled = "".join(bytes([b]).decode("cp1252", errors="ignore") or chr(b)
                      for b in "Новая подпись".encode())  # as Excel on Windows reads it
    set_cell(rows, "02-clippings", "1", "caption:ru", garbled)
    write_csv(sheet, rows)
    code, out = captions(capsys, show, "import", str(sheet))
    assert code == 1 and snapshot(show) == before
    col = rows[0].index("caption:ru") + 1
    assert f"c.csv:{row}:{col}: error: row {row}, column {col}: this text was garbled" in out


def test_semicolon_sheet_and_formula_like_text_import(show: Path, tmp_path: Path, capsys):
    """Guards: European Excel's `;` CSV unreadable; `=` captions turned into formulas."""
    sheet = tmp_path / "c.csv"
    captions(capsys, show, "export", "--out", str(sheet))
    rows = read_csv(sheet)
    set_cell(rows, "02-clippings", "1", "credit:en", "=Town archive")
    code, out = captions(capsys, show, "import", str(write_csv(sheet, rows, delimiter=";")))
    assert code == 0, out
    assert "    credit: =Town archive\n" in (show / "02-clippings.yaml").read_text("utf-8")
    xlsx = tmp_path / "c.xlsx"
    captions(capsys, show, "export", "--out", str(xlsx))
    before = snapshot(show)
    code, out = captions(capsys, show, "import", str(xlsx))
    assert code == 0 and "0 texts changed" in out and snapshot(show) == before
