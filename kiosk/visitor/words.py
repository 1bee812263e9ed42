"""The few words the kiosk itself says to visitors, in the languages it offers.

A language not listed here falls back to English: a warning a visitor can read in
another language is better than none. Curators' own texts come from the manifests.
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "returning": {
        "en": "Returning to the start in {s} s",
        "ru": "Возврат к началу через {s} с",
        "az": "{s} san sonra başlanğıca qayıdır",
        "de": "Zurück zum Anfang in {s} s",
        "fr": "Retour au début dans {s} s",
        "es": "Volviendo al inicio en {s} s",
        "it": "Ritorno all'inizio tra {s} s",
        "uk": "Повернення на початок через {s} с",
        "tr": "{s} sn içinde başa dönülüyor",
        "zh": "{s} 秒后返回开头",
    },
    "keep_looking": {
        "en": "Keep looking", "ru": "Продолжить", "az": "Davam et", "de": "Weiter ansehen",
        "fr": "Continuer", "es": "Seguir mirando", "it": "Continua", "uk": "Продовжити",
        "tr": "Devam et", "zh": "继续浏览",
    },
}


def say(key: str, language: str, **values: object) -> str:
    """The phrase ``key`` in ``language`` (base language of a tag like ``pt-BR`` too)."""
    phrases = WORDS[key]
    text = phrases.get(language) or phrases.get(language.split("-")[0]) or phrases["en"]
    return text.format(**values)
