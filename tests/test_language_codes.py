"""Language codes as curators write them: country codes, regions."""

from __future__ import annotations

from kiosk.cli import main
from kiosk.show.model import Text
from tests.conftest import ShowDir


def validate(show_dir: ShowDir, capsys) -> list[str]:
    main(["validate", "--exhibits", str(show_dir.exhibits), "--config", str(show_dir.config)])
    return capsys.readouterr().out.splitlines()


def test_country_codes_get_a_did_you_mean_at_their_line(show_dir: ShowDir, capsys):
    """`cn:` got "visitors cannot choose `cn`" and never showed; it is read as `zh`, with
    a warning at the key that says so."""
    show_dir.settings("languages: {offered: [en, zh, ja, uk, ko], default: en}\n")
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n"
                                "    caption:\n      en: Baku\n      cn: 巴库\n"
                                "      jp: バクー\n      ua: Баку\n      kr: 바쿠\n")
    out = "\n".join(validate(show_dir, capsys))
    for line, (bad, good) in enumerate((("cn", "zh"), ("jp", "ja"), ("ua", "uk"),
                                        ("kr", "ko")), start=6):
        assert (f"a.yaml:{line}:7: warning: `{bad}` is a country code, not a language: "
                f"did you mean `{good}`") in out
    assert "cannot choose" not in out and "no translation" not in out


def test_country_code_in_the_offered_languages(show_dir: ShowDir, capsys):
    show_dir.settings("languages: {offered: [en, cn], default: en}\n")
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n"
                                "    caption: {en: Baku, zh: 巴库}\n")
    out = "\n".join(validate(show_dir, capsys))
    assert "kiosk.yaml:1:27: warning: `cn` is a country code" in out
    assert "cannot choose" not in out


def test_a_region_counts_as_its_language(show_dir: ShowDir, capsys):
    """`ar-SA` with `ar` offered: no "visitors cannot choose" warning, and Arabic visitors
    read it."""
    show_dir.settings("languages: {offered: [en, ar], default: en}\n")
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n"
                                "    caption: {en: Baku, ar-SA: باكو}\n")
    out = "\n".join(validate(show_dir, capsys))
    assert "cannot choose" not in out and "no translation" not in out
    text = Text({"en": "Baku", "ar-SA": "باكو"})
    assert text.pick("ar", "en") == ("ar-SA", "باكو")
    assert Text({"ar": "a", "ar-SA": "b"}).get("ar", "en") == "a"
    assert text.get("ru", "en") == "Baku"


def test_capitals_get_the_lowercase_code_suggested(show_dir: ShowDir, capsys):
    show_dir.settings("languages: {offered: [en], default: en}\n")
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n"
                                "    caption: {EN: Baku}\n")
    out = "\n".join(validate(show_dir, capsys))
    assert "`EN` is not a language code (did you mean `en`?)" in out
