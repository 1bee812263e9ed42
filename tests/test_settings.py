"""Settings: a bad key falls back to its default, with the same positioned message."""

from __future__ import annotations

from kiosk.show.settings import Settings, load_settings
from tests.conftest import ROOT, ShowDir


def test_shipped_settings_are_clean_and_fonts_resolve():
    result = load_settings(ROOT / "config" / "kiosk.yaml", ROOT / "assets")
    assert result.problems == []
    s = result.settings
    assert s.languages.offered == ("en", "ru", "az", "zh", "ar") and s.languages.default == "en"
    assert [p.name for p in s.fonts.text] == ["NotoSans-Regular.ttf"]
    assert all(p.is_file() for p in (*s.fonts.text, *s.fonts.heading))


def test_missing_file_gives_defaults():
    result = load_settings(None, ROOT / "assets")
    assert result.problems == [] and result.settings.idle_timeout_s == 60.0
    assert result.settings.fonts.text  # the bundled fonts


def test_bad_keys_fall_back_one_by_one(show_dir: ShowDir):
    path = show_dir.settings("""\
screen:
  fullscreen: maybe
  size: 1280x720
  diagonal: huge
languages:
  offered: [en, ru]
  default: de
idle_timeout: 2s
idel_timeout: 30s
cache_size: 64MB
volume: 150%
fonts:
  text: [nowhere.ttf]
""")
    result = load_settings(path, show_dir.assets, "config/kiosk.yaml")
    s = result.settings
    defaults = Settings()
    assert s.screen.fullscreen is defaults.screen.fullscreen
    assert s.screen.size == (1280, 720)  # the good key beside a bad one still applies
    assert s.screen.diagonal_in == defaults.screen.diagonal_in
    assert s.idle_timeout_s == defaults.idle_timeout_s
    assert s.cache_bytes == 64_000_000
    assert s.volume == 1.0
    assert s.languages.default == "en"  # the default must be offered
    got = {(p.line, p.col): (p.severity, p.message, p.hint) for p in result.problems}
    assert got[(2, 15)][1] == "`maybe` is not yes or no"
    assert got[(4, 13)][0] == "error"
    assert "out of range" in got[(8, 15)][1]
    assert got[(8, 15)][2] == "use between 5s and 60m"  # limits as a curator writes them
    assert got[(9, 1)][2] == "did you mean `idle_timeout`?"
    assert "out of range" in got[(11, 9)][1]
    assert got[(13, 10)][0] == "warning" and "not found" in got[(13, 10)][1]
    assert "no usable font" in got[(13, 9)][1]
    assert any("`de` is not among the offered" in m for _, m, _ in got.values())
    assert all(str(p).startswith("config/kiosk.yaml:") for p in result.problems)


def test_broken_yaml_keeps_all_defaults(show_dir: ShowDir):
    path = show_dir.settings("screen: [\n")
    result = load_settings(path, show_dir.assets)
    (problem,) = result.problems
    assert "defaults" in problem.message and (problem.line, problem.col) == (1, 9)
    assert result.settings.screen == Settings().screen


def test_relative_paths_are_beside_the_settings_file(show_dir: ShowDir):
    path = show_dir.settings("status_file: run/status.json\nlog_file: ''\n")
    s = load_settings(path, show_dir.assets).settings
    assert s.status_file == show_dir.config.parent / "run" / "status.json"
    assert s.log_file is None


def test_pin_hash_round_trip():
    from kiosk.visitor.staff_pin import check_pin, hash_pin

    stored = hash_pin("2468")
    assert "2468" not in stored
    assert check_pin("2468", stored) and not check_pin("2469", stored)
    assert not check_pin("2468", "garbage")




def test_a_file_that_is_not_a_font_is_left_out_with_a_warning(show_dir: ShowDir):
    """Guards: a junk `.ttf` in `fonts` passed the settings and then ended `validate`,
    `render` and the kiosk with a FontError traceback."""
    from kiosk.show.settings import default_fonts

    (show_dir.assets / "broken.ttf").write_text("not a font")
    path = show_dir.settings("fonts:\n  text: [broken.ttf]\n")
    result = load_settings(path, show_dir.assets, "config/kiosk.yaml")
    assert result.settings.fonts == default_fonts()  # the built-in fonts, which work
    messages = [str(p) for p in result.problems]
    assert "config/kiosk.yaml:2:10: warning: `broken.ttf` cannot be read as a font" \
        in "\n".join(messages)


def test_a_pin_hash_others_can_read_is_a_warning_at_its_line(show_dir: ShowDir):
    """Guards the staff lock's last line of defence: a hash readable by every user of the
    machine can be attacked offline. 600 (the documented install) is quiet."""
    import os

    from kiosk.visitor.staff_pin import hash_pin

    config = show_dir.settings("idle_timeout: 1m\nstaff:\n"
                               f"  pin_hash: \"{hash_pin('271828', iterations=1000)}\"\n")
    os.chmod(config, 0o644)
    warned = [p for p in load_settings(config, show_dir.assets).problems
              if "PIN's hash" in p.message]
    assert len(warned) == 1 and warned[0].severity == "warning"
    assert (warned[0].line, warned[0].col) == (3, 13)
    assert "chmod 600" in warned[0].hint
    os.chmod(config, 0o600)
    assert not [p for p in load_settings(config, show_dir.assets).problems
                if "PIN's hash" in p.message]


def test_http_settings_the_endpoint_would_refuse_are_errors_at_their_line(show_dir: ShowDir,
                                                                          capsys):
    """Guards issue 14: `validate` accepted HTTP settings that the kiosk then refused at
    start (no token off loopback, a short token)."""
    from kiosk.cli import main

    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n")
    for text, where, words in [
        ("http:\n  port: 8765\n  host: 0.0.0.0\n", ":3:9: error:", "needs a token"),
        ("http:\n  port: 8765\n  host: 192.168.1.20\n  token: short\n", ":4:10: error:",
         "token is too short"),
    ]:
        path = show_dir.settings(text)
        result = load_settings(path, show_dir.assets)
        assert [str(p) for p in result.problems if where in str(p) and words in str(p)]
        assert result.settings.http.port == 0  # off, as the kiosk would leave it
        code = main(["validate", "--exhibits", str(show_dir.exhibits), "--config", str(path)])
        assert code == 1
        assert any(line.startswith(f"{path}{where}") and words in line
                   for line in capsys.readouterr().out.splitlines())
    fine = show_dir.settings("http:\n  port: 8765\n  host: 0.0.0.0\n  token: "
                             "a-secret-of-twenty-four-c\n")
    assert load_settings(fine, show_dir.assets).problems == []
    loopback = show_dir.settings("http: {port: 8765, host: 127.0.0.1}\n")
    assert load_settings(loopback, show_dir.assets).problems == []


def test_video_decoder_is_read_and_a_misspelt_one_is_an_error_at_its_place(show_dir: ShowDir):
    """Guards the hardware decoding switch: `video.decoder` reaches the settings, and a
    misspelt value is an error at its line and column with the likely word, keeping
    `auto` (the clip still plays)."""
    path = show_dir.settings("video:\n  decoder: V4L2M2M\n")
    result = load_settings(path, show_dir.assets, "config/kiosk.yaml")
    assert result.problems == [] and result.settings.video.decoder == "v4l2m2m"
    assert Settings().video.decoder == "auto"
    path = show_dir.settings("volume: 50%\nvideo:\n  decoder: vapi\n")
    result = load_settings(path, show_dir.assets, "config/kiosk.yaml")
    assert result.settings.video.decoder == "auto" and result.settings.volume == 0.5
    assert [str(p) for p in result.problems] == [
        "config/kiosk.yaml:3:12: error: `vapi` is not one of the choices "
        "(did you mean `vaapi`?)"]
