"""`validate` as a curator runs it: one line per problem, a summary, the right exit code."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from kiosk.cli import main
from tests.conftest import ROOT, ShowDir, write_image


def run(capsys, *args: str) -> tuple[int, list[str], str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def test_demo_show_is_valid(capsys):
    code, out, _ = run(capsys, "validate")
    assert code == 0, "\n".join(out)
    assert not any(": error:" in line for line in out)
    assert out[-1].endswith(", 0 errors, 0 warnings") or ", 0 errors," in out[-1]


def test_all_problems_in_one_pass(show_dir: ShowDir, capsys):
    show_dir.manifest("a.yaml", "titel: A\nitems:\n  - photo: photos/p0.jpg\n"
                                "    duration: -1s\n  - photo: photos/nope.jpg\n"
                                "  - photo: photos/p1.jpg\n")
    show_dir.manifest("b.yaml", "title: 'B\n")
    show_dir.settings("volume: 300%\n")
    code, out, err = run(capsys, "validate", "--exhibits", str(show_dir.exhibits),
                         "--config", str(show_dir.config))
    assert code == 1 and err == ""
    problems = out[:-1]
    assert len(problems) == 6
    assert any(":1:1: error: unknown key `titel`" in p and "did you mean `title`?" in p
               for p in problems)
    assert any(":4:15: error: `-1s` is negative" in p for p in problems)
    assert any(":5:12: error: file not found: `photos/nope.jpg`" in p for p in problems)
    assert any("b.yaml:1:8: error: this quote is never closed" in p for p in problems)
    assert any("kiosk.yaml:1:9: error: `300%` is out of range" in p for p in problems)
    assert any(":1:1: warning: the exhibit has no `title`" in p for p in problems)
    assert out[-1] == "2 exhibits, 3 items, 5 errors, 1 warning (1 manifest)"


def test_warnings_alone_exit_zero(show_dir: ShowDir, capsys):
    write_image(show_dir.assets / "small.png", 320, 200)
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: small.png\n")
    code, out, _ = run(capsys, "validate", "--exhibits", str(show_dir.exhibits))
    assert code == 0
    assert ":3:5: warning: `small.png` is 320x200, smaller than the 1920x1080 screen" in out[0]
    assert out[-1] == "1 exhibit, 1 item, 0 errors, 1 warning (1 media)"


def test_broken_image_and_missing_glyphs(show_dir: ShowDir, capsys, monkeypatch):
    """On a machine without CJK fonts, `validate` names the script, the languages and the
    package to install, once per script (not once per field)."""
    from kiosk.render.system_fonts import NO_SYSTEM_FONTS
    from kiosk.show import media_checks

    monkeypatch.setattr(media_checks, "SYSTEM_FONTS", NO_SYSTEM_FONTS)
    data = (show_dir.assets / "photos" / "p0.jpg").read_bytes()
    (show_dir.assets / "cut.jpg").write_bytes(data[: len(data) // 2])
    (show_dir.assets / "text.png").write_text("not an image")
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: cut.jpg\n  - photo: text.png\n"
                                "  - card: {en: Welcome, zh: 欢迎, ja: ようこそ}\n"
                                "  - card: {en: Again, zh: 再见, ar: مرحبا}\n")
    show_dir.settings("languages: {offered: [en, zh, ja, ar], default: en}\n")
    code, out, _ = run(capsys, "validate", "--exhibits", str(show_dir.exhibits),
                       "--config", str(show_dir.config))
    assert code == 1
    text = "\n".join(out)
    assert ":3:5: error: `cut.jpg` cannot be shown" in text
    assert ":4:5: error: `text.png` cannot be shown" in text
    assert (":5:5: warning: no font on this machine can draw Chinese/Japanese (CJK) (欢迎再见), "
            "used in the `zh` text (install the Debian package fonts-noto-cjk") in text
    assert text.count("Chinese/Japanese (CJK)") == 1
    assert "Japanese (Hiragana) (ようこそ), used in the `ja` text" in text
    assert "Arabic" not in text  # DejaVu Sans, shipped with the kiosk, draws it


@pytest.mark.parametrize("args", [["validate", "--exhibits", "/nonexistent/folder"],
                                  ["validate", "--config", "/nonexistent.yaml"],
                                  ["validate", "--bogus"], ["render", "--at", "x"]])
def test_usage_errors_exit_2_without_traceback(args):
    out = subprocess.run([sys.executable, str(ROOT / "run_kiosk.py"), *args],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and "error:" in out.stderr


def test_schema_is_json_with_every_item_kind(capsys):
    code, out, _ = run(capsys, "schema")
    schema = json.loads("\n".join(out))
    assert code == 0
    assert set(schema["$defs"]) >= {"photo", "sequence", "video", "card", "defaults", "item"}
    assert "caption" in schema["$defs"]["photo"]["properties"]
    assert schema["$defs"]["photo"]["additionalProperties"] is False
    committed = json.loads((ROOT / "docs" / "manifest.schema.json").read_text())
    assert committed == schema, "run `python run_kiosk.py schema > docs/manifest.schema.json`"


def test_python_dash_m_is_the_same_cli():
    out = subprocess.run([sys.executable, "-m", "kiosk", "validate", "--help"],
                         capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert out.returncode == 0 and "--exhibits DIR" in out.stdout


def test_missing_translations_are_one_warning_per_item_and_counted_by_kind(
        show_dir: ShowDir, capsys):
    """Guards: six languages and four fields gave one warning per field per language, and
    the summary said only "N warnings" with no idea of what most of them were about."""
    show_dir.manifest("a.yaml", """\
title: {en: A, ru: А, zh: 甲, ar: أ}
items:
  - photo: photos/p0.jpg
    title: {en: Boats, ru: Лодки}
    caption: {en: Boats at dawn, ru: Лодки на рассвете}
    credit: {en: Archive}
  - photo: photos/p1.jpg
    caption: {en: Nets, ru: Сети, zh: 渔网, ar: شباك}
""")
    show_dir.settings("languages: {offered: [en, ru, zh, ar], default: en}\n")
    code, out, _ = run(capsys, "validate", "--exhibits", str(show_dir.exhibits),
                       "--config", str(show_dir.config))
    assert code == 0
    warnings = [line for line in out if ": warning: " in line and "no translation" in line]
    assert len(warnings) == 1, out
    assert warnings[0].endswith(
        "a.yaml:3:5: warning: `title`, `caption` have no translation for `ar`, `zh`; "
        "`credit` has none for `ar`, `ru`, `zh` (those visitors see the `en` text)")
    assert out[-1] == "1 exhibit, 2 items, 0 errors, 1 warning (1 translation)"


def test_demo_show_speaks_chinese_and_arabic(capsys):
    """Guards: a demo that offered only European languages, so a curator never saw a
    Chinese or Arabic caption, its fonts or its subtitles before writing their own."""
    from kiosk.show.settings import load_settings

    settings = load_settings(ROOT / "config" / "kiosk.yaml", ROOT / "assets").settings
    assert {"zh", "ar"} <= set(settings.languages.offered)
    code, out, _ = run(capsys, "validate")
    # Every text and clip has both translations, readable subtitles, fonts that draw them.
    assert code == 0 and out == ["4 exhibits, 6 items, 0 errors, 0 warnings"], out
