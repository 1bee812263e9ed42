"""Is this text in the language its column says? Judged by writing system, which is what
goes wrong with spreadsheets: English pasted into the Russian column, a sheet re-saved in
another encoding (`Ð—Ð°ÐºÐ°Ñ‚` for `Закат`)."""

from __future__ import annotations

from kiosk.render.fonts import script_name

_CJK = "Chinese/Japanese (CJK)"
_SCRIPTS: dict[str, tuple[str, frozenset[str]]] = {}


def _add(codes: str, name_by_code: dict[str, str], *scripts: str) -> None:
    for code in codes.split():
        _SCRIPTS[code] = (name_by_code.get(code, code), frozenset(scripts))


_NAMES = {
    "ru": "Russian", "uk": "Ukrainian", "be": "Belarusian", "bg": "Bulgarian",
    "sr": "Serbian", "mk": "Macedonian", "kk": "Kazakh", "ky": "Kyrgyz", "mn": "Mongolian",
    "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "ar": "Arabic", "fa": "Persian",
    "ur": "Urdu", "he": "Hebrew", "hi": "Hindi", "mr": "Marathi", "ne": "Nepali",
    "th": "Thai", "el": "Greek", "hy": "Armenian", "ka": "Georgian", "bn": "Bengali",
    "ta": "Tamil", "am": "Amharic", "en": "English", "de": "German", "fr": "French",
    "es": "Spanish", "it": "Italian", "pt": "Portuguese", "nl": "Dutch", "az": "Azerbaijani",
    "tr": "Turkish", "pl": "Polish", "cs": "Czech", "uz": "Uzbek",
}
_add("ru uk be bg mk kk ky mn tg", _NAMES, "Cyrillic")
_add("sr uz", _NAMES, "Cyrillic", "Latin")
_add("zh", _NAMES, _CJK, "Chinese (Bopomofo)")
_add("ja", _NAMES, _CJK, "Japanese (Hiragana)", "Japanese (Katakana)")
_add("ko", _NAMES, "Korean (Hangul)", _CJK)
_add("ar fa ur ps", _NAMES, "Arabic")
_add("he yi", _NAMES, "Hebrew")
_add("hi mr ne", _NAMES, "Devanagari")
_add("th", _NAMES, "Thai")
_add("el", _NAMES, "Greek")
_add("hy", _NAMES, "Armenian")
_add("ka", _NAMES, "Georgian")
_add("bn", _NAMES, "Bengali")
_add("ta", _NAMES, "Tamil")
_add("am", _NAMES, "Ethiopic (Amharic)")
_add("en de fr es it pt nl az tr pl cs sv da no nb nn fi et lv lt ro hu sk sl hr bs id ms "
     "vi sq is ga cy ca eu gl mt sw tl af", _NAMES, "Latin")

MIN_LETTERS = 3  # "OK", "Nr" and initials say nothing about the language


def wrong_script(text: str, language: str) -> str | None:
    """Why `text` cannot be in `language`, or None when it may be (or we cannot tell)."""
    known = _SCRIPTS.get(language.split("-")[0].lower())
    if known is None:
        return None
    name, expected = known
    scripts = [script_name(ch) for ch in text if ch.isalpha()]
    if len(scripts) < MIN_LETTERS or any(s in expected for s in scripts):
        return None
    found = max(set(scripts), key=scripts.count)
    written = f"{found} letters" if not found.startswith("Unicode") else "other characters"
    return (f"this `{language}` text is written in {written}; {name} is written in "
            + " or ".join(sorted(expected)))


def garbled(text: str) -> str | None:
    """The text as it was before a wrong encoding garbled it, or None when it is not.

    UTF-8 read as Windows-1252 (Excel's default on Western systems, where the five bytes
    1252 leaves undefined become control characters) or as Latin-1, then saved again."""
    if text.isascii():
        return None
    data = bytearray()
    for ch in text:
        try:
            data += ch.encode("cp1252")
        except UnicodeEncodeError:
            if ord(ch) > 0xFF:
                return None
            data.append(ord(ch))
    try:
        fixed = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return fixed if fixed != text else None
