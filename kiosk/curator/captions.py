"""`captions export` and `captions import`: the show's texts through a spreadsheet.

One row per exhibit, item and photo of a sequence; a column per text field and language
(`caption:ru`). Import changes only the texts whose cells differ from the manifest, in
place (see yaml_edit), and writes nothing when any row or cell is wrong. An empty cell
never deletes a text.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from kiosk.curator.languages import garbled, wrong_script
from kiosk.curator.manifest_texts import (
    TEXT_FIELDS,
    Entry,
    UnreadableManifest,
    manifest_entries,
)
from kiosk.curator.sheets import SHEET_SUFFIXES, Sheet, SheetError, read_sheet, write_sheet
from kiosk.curator.yaml_edit import (
    CannotEdit,
    Splice,
    add_field,
    add_language,
    apply,
    plain_to_languages,
    replace_scalar,
)
from kiosk.errors import Problem, count, did_you_mean
from kiosk.show.fields import LANGUAGE_CODE
from kiosk.show.marked_yaml import decode_text

if TYPE_CHECKING:
    from kiosk.show.paths import ShowPaths

ID_COLUMNS = ("exhibit", "item", "file")
_ALWAYS = ("title", "caption")


@dataclass
class Manifest:
    """One manifest as text, and how to write it back with its own encoding."""

    path: Path
    text: str
    bom: bool = False

    @property
    def name(self) -> str:
        return self.path.stem

    def encoded(self, text: str) -> bytes:
        return (b"\xef\xbb\xbf" if self.bom else b"") + text.encode("utf-8")


def read_manifest(path: Path) -> Manifest:
    data = path.read_bytes()
    return Manifest(path, decode_text(data, str(path)), data.startswith(b"\xef\xbb\xbf"))


def _file_cell(entry: Entry) -> str:
    if entry.kind == "exhibit":
        return "(exhibit)"
    if entry.kind == "card":
        return "(card)"
    return entry.file


def columns(manifests: list[Manifest], languages: tuple[str, ...],
            default_language: str) -> list[str]:
    """`field:language` for each field used in the show (title and caption always), in each
    offered language and any other language the manifests are written in."""
    translated: set[str] = set(_ALWAYS)  # fields with a column per language
    used_fields: set[str] = set(_ALWAYS)
    langs = list(languages)
    for manifest in manifests:
        for entry in manifest_entries(manifest.text):
            for name, slot in entry.slots.items():
                if slot.value is not None:
                    used_fields.add(name)
                if isinstance(slot.value, yaml.MappingNode):
                    translated.add(name)
                langs += [lang for lang in slot.texts(default_language) if lang not in langs]
            if entry.kind == "card":
                used_fields.update(("card", "body"))
                translated.update(("card", "body"))
    # A field written as one text everywhere (a date, a photographer) gets one column.
    return [f"{name}:{lang}" for name in TEXT_FIELDS if name in used_fields
            for lang in (langs if name in translated else [default_language])]


def export_table(manifests: list[Manifest], languages: tuple[str, ...],
                 default_language: str) -> tuple[list[str], list[list[str]]]:
    text_columns = columns(manifests, languages, default_language)
    rows: list[list[str]] = []
    for manifest in manifests:
        for entry in manifest_entries(manifest.text):
            texts = {name: slot.texts(default_language) for name, slot in entry.slots.items()}
            row = [manifest.name, entry.item, _file_cell(entry)]
            for column in text_columns:
                name, lang = column.split(":", 1)
                row.append(texts.get(name, {}).get(lang, ""))
            rows.append(row)
    return [*ID_COLUMNS, *text_columns], rows


# -- import ---------------------------------------------------------------------------


@dataclass
class _Change:
    manifest: Manifest
    entry: Entry
    texts: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> lang -> text
    where: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)  # cell


@dataclass
class ImportResult:
    problems: list[Problem]
    new_texts: dict[Path, bytes]  # only the manifests that change
    changed_cells: int = 0


def _normal(cell: str) -> str:
    return cell.replace("\r\n", "\n").replace("\r", "\n").strip()


def _header_problems(sheet: Sheet) -> tuple[dict[str, int], list[tuple[int, str, str]],
                                             list[Problem]]:
    """Where the id columns are, the text columns (index, field, language), problems."""
    problems: list[Problem] = []
    ids: dict[str, int] = {}
    texts: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    known = [*ID_COLUMNS, *(f"{f}:<language>" for f in TEXT_FIELDS)]
    for i, raw in enumerate(sheet.header):
        name = raw.strip()
        where = (sheet.shown, 1, i + 1)
        if not name:
            continue
        if name in seen:
            problems.append(Problem(*where, "error",
                                    f"column {sheet.column(i)} `{name}` repeats column "
                                    f"{sheet.column(seen[name])}", "keep one of them"))
            continue
        seen[name] = i
        if name in ID_COLUMNS:
            ids[name] = i
            continue
        field_name, _, lang = name.partition(":")
        if field_name not in TEXT_FIELDS or not LANGUAGE_CODE.fullmatch(lang):
            hint = did_you_mean(field_name, TEXT_FIELDS) if field_name not in TEXT_FIELDS \
                else "after the field comes a language code: `caption:en`, `caption:pt-BR`"
            problems.append(Problem(*where, "error",
                                    f"column {sheet.column(i)} `{name}` is not a column the "
                                    "kiosk knows", hint if lang or field_name in TEXT_FIELDS
                                    else "columns are " + ", ".join(f"`{k}`" for k in known)))
            continue
        texts.append((i, field_name, lang))
    for required in ("exhibit", "item"):
        if required not in ids:
            problems.append(Problem(sheet.shown, 1, 1, "error",
                                    f"the sheet has no `{required}` column",
                                    "export a fresh sheet with `captions export` and copy the "
                                    "texts into it"))
    return ids, texts, problems


def plan_import(sheet: Sheet, manifests: list[Manifest], default_language: str
                ) -> ImportResult:
    """What an import would change, or every problem that stops it (nothing is written)."""
    ids, text_columns, problems = _header_problems(sheet)
    if problems:
        return ImportResult(problems, {})
    by_name = {m.name: m for m in manifests}
    entries: dict[str, dict[str, Entry]] = {}
    for manifest in manifests:
        try:
            entries[manifest.name] = {e.item: e for e in manifest_entries(manifest.text)}
        except UnreadableManifest as exc:
            problems.append(Problem(str(manifest.path), 1, 1, "error",
                                    f"this manifest cannot be read ({exc})",
                                    "run `validate`, fix it, then import again"))
    seen_rows: dict[tuple[str, str], int] = {}
    changes: dict[tuple[str, str], _Change] = {}
    changed_cells = 0

    def cell(row: list[str], i: int) -> str:
        return row[i] if i < len(row) else ""

    for r, row in enumerate(sheet.rows, 2):
        if not any(c.strip() for c in row):
            continue
        exhibit = cell(row, ids["exhibit"]).strip()
        item = cell(row, ids["item"]).strip()

        def at(i: int, message: str, hint: str = "", r: int = r) -> None:
            problems.append(Problem(sheet.shown, r, i + 1, "error",
                                    f"row {r}, column {sheet.column(i)}: {message}", hint))

        if exhibit not in by_name:
            at(ids["exhibit"], f"there is no exhibit `{exhibit}`",
               did_you_mean(exhibit, by_name) if by_name else "")
            continue
        if exhibit not in entries:
            continue  # its manifest cannot be read: reported above
        entry = entries[exhibit].get(item)
        if entry is None:
            at(ids["item"], f"`{exhibit}` has no item `{item}`",
               "items count from 1 in the order of `items:`; 0 is the exhibit's title")
            continue
        if (exhibit, item) in seen_rows:
            at(ids["item"], f"item {item} of `{exhibit}` is also in row "
                            f"{seen_rows[(exhibit, item)]}", "keep one of the rows")
            continue
        seen_rows[(exhibit, item)] = r
        if "file" in ids:
            file_cell = cell(row, ids["file"]).strip()
            if file_cell and file_cell != _file_cell(entry):
                at(ids["file"], f"item {item} of `{exhibit}` is `{_file_cell(entry)}`, "
                                f"not `{file_cell}`",
                   "the exhibit changed since the export, or rows were moved: export a "
                   "fresh sheet")
                continue
        for i, field_name, lang in text_columns:
            new = _normal(cell(row, i))
            slot = entry.slots.get(field_name)
            current = slot.texts(default_language).get(lang, "") if slot else ""
            if not new or new == current:
                continue
            if field_name not in entry.fields:
                at(i, f"{'the exhibit' if entry.kind == 'exhibit' else 'a ' + entry.kind} "
                      f"has no `{field_name}`", "leave this cell empty")
                continue
            fixed = garbled(new)
            if fixed is not None:
                at(i, f"this text was garbled by a change of encoding (it reads "
                      f"`{fixed[:40]}` in UTF-8)",
                   "open the exported file again with UTF-8, or save as \"CSV UTF-8\"")
                continue
            wrong = wrong_script(new, lang)
            if wrong is not None:
                at(i, wrong + " (pasted into the wrong column?)")
                continue
            change = changes.setdefault((exhibit, item), _Change(by_name[exhibit], entry))
            change.texts.setdefault(field_name, {})[lang] = new
            change.where[(field_name, lang)] = (r, i)
            changed_cells += 1
    if problems:
        return ImportResult(problems, {})
    new_texts = _write_plan(changes, sheet, default_language, problems)
    return ImportResult(problems, {} if problems else new_texts, changed_cells)


def _splices(change: _Change, default_language: str, text: str, done: dict[int, str]
             ) -> list[Splice]:
    """The splices of one row's changes; `done` maps a shared value node to its new text
    (an anchor used by several items) so conflicting rows are caught."""
    out: list[Splice] = []
    for field_name, new_texts in change.texts.items():
        slot = change.entry.slots[field_name]
        value = slot.value
        if value is None:
            out.append(add_field(text, change.entry.node, field_name, new_texts,
                                 default_language, at_start=change.entry.kind == "exhibit"))
        elif isinstance(value, yaml.ScalarNode):
            assert slot.key is not None
            if not value.value.strip():
                raise CannotEdit(f"`{field_name}:` has no text in the manifest; write any "
                                 "text after it, or delete the line, then import again")
            if set(new_texts) == {default_language}:
                new = new_texts[default_language]
                if done.get(id(value), new) != new:
                    raise CannotEdit("this text is shared with another item (`<<: *name`) "
                                     "that another row changes differently")
                done[id(value)] = new
                out.append(replace_scalar(text, slot.key, value, new, in_flow=False))
            else:
                merged = {default_language: value.value.strip(), **new_texts}
                out.append(plain_to_languages(text, slot.key, value, merged))
        elif isinstance(value, yaml.MappingNode):
            present = {k.value: (k, v) for k, v in value.value}
            for lang, new in new_texts.items():
                if lang in present and isinstance(present[lang][1], yaml.ScalarNode):
                    key, node = present[lang]
                    if done.get(id(node), new) != new:
                        raise CannotEdit("this text is shared with another item "
                                         "(`<<: *name`) that another row changes differently")
                    done[id(node)] = new
                    out.append(replace_scalar(text, key, node, new, value.flow_style))
                else:
                    out.append(add_language(text, value, lang, new))
        else:
            raise CannotEdit(f"`{field_name}` is a list in the manifest, not a text")
    return out


def _write_plan(changes: dict[tuple[str, str], _Change], sheet: Sheet, default_language: str,
                problems: list[Problem]) -> dict[Path, bytes]:
    by_file: dict[Path, list[_Change]] = {}
    for change in changes.values():
        by_file.setdefault(change.manifest.path, []).append(change)
    out: dict[Path, bytes] = {}
    for path, file_changes in by_file.items():
        manifest = file_changes[0].manifest
        splices: list[Splice] = []
        done: dict[int, str] = {}
        for change in file_changes:
            try:
                splices += _splices(change, default_language, manifest.text, done)
            except CannotEdit as exc:
                (r, i) = next(iter(change.where.values()))
                problems.append(Problem(sheet.shown, r, i + 1, "error",
                                        f"row {r}: item {change.entry.item} of "
                                        f"`{manifest.name}`: {exc}"))
        if problems:
            continue
        new_text = apply(manifest.text, splices)
        if not _reads_back(manifest, new_text, file_changes, default_language):
            problems.append(Problem(str(path), 1, 1, "error",
                                    "the edited manifest would not read back as the sheet "
                                    "says; nothing was written",
                                    "edit these texts in the manifest by hand"))
            continue
        out[path] = manifest.encoded(new_text)
    return out


def _reads_back(manifest: Manifest, new_text: str, file_changes: list[_Change],
                default_language: str) -> bool:
    """Every text of the edited file is the old one, or the sheet's where it changed."""
    try:
        before = {e.item: e for e in manifest_entries(manifest.text)}
        after = {e.item: e for e in manifest_entries(new_text)}
    except UnreadableManifest:
        return False
    if before.keys() != after.keys():
        return False
    changed = {c.entry.item: c.texts for c in file_changes}
    for item, entry in before.items():
        for name, slot in entry.slots.items():
            expected = dict(slot.texts(default_language))
            expected.update(changed.get(item, {}).get(name, {}))
            got = after[item].slots[name].texts(default_language)
            shared = any(name in c for c in changed.values())  # an anchor may change others
            if got != expected and not (shared and set(got) == set(expected)):
                return False
    return True


# -- the commands ---------------------------------------------------------------------


def _load(paths: ShowPaths) -> tuple[list[Manifest], tuple[str, ...], str]:
    from kiosk.show.loader import manifest_files
    from kiosk.show.settings import load_settings

    exhibits, assets, config = paths.exhibits, paths.assets, paths.config
    langs = load_settings(config, assets).settings.languages
    return [read_manifest(p) for p in manifest_files(exhibits)], langs.offered, langs.default


def export_command(paths: ShowPaths, out: Path) -> int:
    if out.suffix.lower() not in SHEET_SUFFIXES:
        print(f"run_kiosk.py: error: {out} should end in .csv or .xlsx", file=sys.stderr)
        return 2
    manifests, offered, default = _load(paths)
    try:
        header, rows = export_table(manifests, offered, default)
    except UnreadableManifest as exc:
        print(f"run_kiosk.py: error: a manifest cannot be read ({exc}); run `validate`",
              file=sys.stderr)
        return 1
    try:
        write_sheet(out, header, rows)
    except OSError as exc:
        print(f"run_kiosk.py: error: cannot write {out}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    texts = count(len(header) - len(ID_COLUMNS), "text column")
    print(f"{out}: {count(len(rows), 'row')}, {texts}")
    return 0


def import_command(paths: ShowPaths, sheet_path: Path) -> int:
    manifests, _, default = _load(paths)
    try:
        sheet = read_sheet(sheet_path, str(sheet_path))
    except SheetError as exc:
        print(exc.problem)
        print("nothing was written")
        return 1
    result = plan_import(sheet, manifests, default)
    for problem in sorted(result.problems, key=lambda p: (p.line, p.col)):
        print(problem)
    if result.problems:
        print(f"{count(len(result.problems), 'problem')}; nothing was written")
        return 1
    for path, data in result.new_texts.items():
        temp = path.with_name(f".{path.name}.import")
        temp.write_bytes(data)
        os.replace(temp, path)  # a reader never sees half a file
        print(f"{path}: updated")
    print(f"{count(result.changed_cells, 'text')} changed in "
          f"{count(len(result.new_texts), 'file')}")
    return 0
