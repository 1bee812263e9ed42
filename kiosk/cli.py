"""Command line: parses arguments and wires objects; no decisions live here.

Subcommands: run (the default), validate, schema, render, report, pin, and for curators
new, captions, proof and preview. Every subcommand that
reads a show takes --exhibits, --assets and --config.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from kiosk.errors import UsageError
from kiosk.show.paths import ShowPaths

HOME = Path(__file__).resolve().parent.parent  # the folder that holds run_kiosk.py

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = text.lower().replace("×", "x").split("x")
        size = int(w), int(h)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a size like 1920x1080") from None
    if not (16 <= size[0] <= 16384 and 16 <= size[1] <= 16384):
        raise argparse.ArgumentTypeError(f"`{text}` is out of range")
    return size


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a number of seconds") from None
    if not 0 <= value < 10**9:
        raise argparse.ArgumentTypeError(f"`{text}` is out of range")
    return value


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"`{text}` is not a date like 2025-06-01") from None


def _item_ref(text: str) -> tuple[str, str]:
    exhibit, sep, item = text.rpartition(":")
    if not sep or not exhibit or not item:
        raise argparse.ArgumentTypeError(f"`{text}` is not an item like 01-festival:3")
    return exhibit, item


def _preview_ref(text: str) -> tuple[str, str]:
    return _item_ref(text) if ":" in text else (text, "")


def _show_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("show")
    group.add_argument("--exhibits", type=Path, metavar="DIR",
                       help="folder of exhibit manifests (default: exhibits/ beside run_kiosk.py)")
    group.add_argument("--assets", type=Path, metavar="DIR",
                       help="folder of media (default: assets/ beside the exhibits folder)")
    group.add_argument("--config", type=Path, metavar="FILE",
                       help="settings file (default: config/kiosk.yaml beside run_kiosk.py)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="run_kiosk.py",
        description="Exhibition kiosk: plays the exhibits fullscreen, in a loop.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser("run", help="play the show (the default)")
    _show_flags(run)
    run.add_argument("--windowed", action="store_true", help="a window instead of fullscreen")
    run.add_argument("--size", type=_size, metavar="WxH", help="window or screen size")
    run.add_argument("--run-for", type=_seconds, metavar="SECONDS",
                     help="exit (code 0) after this many seconds")
    run.add_argument("--status-file", type=Path, metavar="PATH",
                     help="write the status JSON here")

    validate = sub.add_parser("validate", help="check the show and settings, list all problems")
    _show_flags(validate)

    sub.add_parser("schema", help="print the JSON Schema of exhibit manifests")

    render = sub.add_parser("render", help="write the frame shown at a moment to a PNG")
    _show_flags(render)
    render.add_argument("--at", type=_seconds, metavar="SECONDS",
                        help="seconds from the start of the show (with --item: from the "
                             "item's start)")
    render.add_argument("--item", type=_item_ref, metavar="EXHIBIT:N",
                        help="the item to show: `01-festival:3`, or `01-festival:2.4` for a "
                             "sequence's fourth photo")
    render.add_argument("--lang", metavar="CODE",
                        help="the language visitors chose (default: the default language)")
    render.add_argument("--out", type=Path, required=True, metavar="FILE", help="PNG to write")
    render.add_argument("--size", type=_size, metavar="WxH", help="frame size (default 1920x1080)")
    render.add_argument("--date", type=_day, metavar="YYYY-MM-DD",
                        help="the day the show is seen on, for exhibit dates (default: today)")

    report = sub.add_parser("report", help="proof of play: what was shown, how long, touches")
    report.add_argument("--since", metavar="YYYY-MM-DD", help="from this day on")
    report.add_argument("--db", type=Path, metavar="FILE",
                        help="the proof-of-play database (default: the kiosk's state folder)")

    new = sub.add_parser("new", help="start an exhibit from a folder of photos and clips")
    _show_flags(new)
    new.add_argument("name", metavar="NAME", help="the exhibit's file name, without .yaml")
    new.add_argument("--from", dest="source", type=Path, required=True, metavar="FOLDER",
                     help="the folder of photos and clips to start from")

    captions = sub.add_parser("captions", help="the show's texts through a spreadsheet")
    captions_sub = captions.add_subparsers(dest="captions_command", metavar="ACTION",
                                           required=True)
    export = captions_sub.add_parser("export", help="write every text to a CSV or XLSX sheet")
    _show_flags(export)
    export.add_argument("--out", type=Path, required=True, metavar="FILE",
                        help="the sheet to write: FILE.csv or FILE.xlsx")
    import_ = captions_sub.add_parser("import", help="write a sheet's edited texts back")
    _show_flags(import_)
    import_.add_argument("sheet", type=Path, metavar="FILE", help="the edited .csv or .xlsx")

    proof = sub.add_parser("proof", help="every slide in every language, as a PDF and HTML "
                                         "page to approve")
    _show_flags(proof)
    proof.add_argument("--out", type=Path, required=True, metavar="FILE.pdf",
                       help="the PDF to write; the HTML page goes beside it (FILE.html)")
    proof.add_argument("--size", type=_size, metavar="WxH",
                       help="slide size (default 960x540)")
    proof.add_argument("--lang", action="append", metavar="CODE",
                       help="only this language (repeat for several; default: all offered)")

    preview = sub.add_parser("preview", help="play in a window from an item, with its "
                                             "file:line and warnings; re-reads at each save")
    _show_flags(preview)
    preview.add_argument("start", nargs="?", type=_preview_ref, metavar="EXHIBIT[:N]",
                         help="where to start: `01-festival` or `01-festival:3`")
    preview.add_argument("--size", type=_size, metavar="WxH",
                         help="window size (default 1280x720)")

    pin = sub.add_parser("pin", help="print the hash of a staff PIN for config/kiosk.yaml")
    pin.add_argument("pin", nargs="?", help="the PIN (asked for when left out)")
    return parser


def show_paths(args: argparse.Namespace, home: Path) -> ShowPaths:
    """Resolve the shared flags: never relative to the current directory by default."""
    exhibits = args.exhibits if args.exhibits is not None else home / "exhibits"
    assets = args.assets if args.assets is not None else exhibits.parent / "assets"
    if args.config is not None:
        config: Path | None = args.config
        if not args.config.is_file():
            raise UsageError(f"the settings file {args.config} does not exist")
    else:
        default = home / "config" / "kiosk.yaml"
        config = default if default.is_file() else None
    if not exhibits.is_dir():
        raise UsageError(f"the exhibits folder {exhibits} does not exist")
    return ShowPaths(exhibits.resolve(), assets.resolve(), config)


def main(argv: Sequence[str] | None = None, home: Path = HOME) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    commands = {"run", "validate", "schema", "render", "report", "pin", "new", "captions",
                "proof", "preview", "-h", "--help"}
    if not args_list or args_list[0] not in commands:
        args_list.insert(0, "run")  # no subcommand means `run`
    args = build_parser().parse_args(args_list)
    try:
        if args.command == "schema":
            from kiosk.show.schema import manifest_schema

            print(json.dumps(manifest_schema(), indent=2, ensure_ascii=False))
            return EXIT_OK
        if args.command == "report":
            from kiosk.operations.proof_of_play import default_db_path, report_command

            return report_command(args.db or default_db_path(), args.since)
        if args.command == "pin":
            from kiosk.visitor.staff_pin import pin_command

            return pin_command(args.pin)
        paths = show_paths(args, home)
        if args.command == "validate":
            from kiosk.show.validate import validate_command

            return validate_command(paths)
        if args.command == "new":
            from kiosk.curator.new_exhibit import new_command

            return new_command(paths, args.name, args.source)
        if args.command == "captions":
            from kiosk.curator.captions import export_command, import_command

            if args.captions_command == "export":
                return export_command(paths, args.out)
            return import_command(paths, args.sheet)
        if args.command == "preview":
            from kiosk.curator.preview import preview_command

            return preview_command(paths, args.start, args.size)
        if args.command == "proof":
            from kiosk.curator.proof import proof_command

            return proof_command(paths, args.out, args.size, args.lang)
        if args.command == "render":
            from kiosk.render.still_frames import render_command

            if args.at is None and args.item is None:
                raise UsageError("render needs --at SECONDS or --item EXHIBIT:N")
            return render_command(paths, at_s=args.at, out=args.out, size=args.size,
                                  language=args.lang, item=args.item, day=args.date)
        from kiosk.app import run_command

        return run_command(paths, windowed=args.windowed, size=args.size,
                           run_for_s=args.run_for, status_file=args.status_file)
    except UsageError as exc:
        print(f"run_kiosk.py: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:
        return int(exc.code or 0) if isinstance(exc.code, int) else EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_OK
