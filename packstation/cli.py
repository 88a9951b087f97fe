"""Command line entry point: ``packstation [options]`` starts the GUI; sub-commands do one job each.

Sub-commands live in ``packstation.commands.<module>``; those modules keep heavy imports (Qt, httpx,
escpos) inside ``run`` so that ``packstation --version`` and the CLI tools start fast and never load
Qt unless they need it. Only the chosen sub-command's module is imported at all (``_LazySubcommands``):
the GUI, which has none, imports none of them (they cost ~0.1-0.15 s together).
Every expected failure ends as one clear line on stderr and a non-zero exit status, no traceback.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from typing import Any

from packstation import __version__
from packstation.commands import ExitCode, UserFacingError

# name -> (module under packstation.commands, one-line help)
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "api": ("api", "call one SOM API method and print the answer as JSON"),
    "emulator": ("emulator", "run the SOM API emulator on loopback until interrupted"),
    "prefetch": ("prefetch", "warm the offline cache with a wave of orders"),
    "printers": ("printers", "list the USB printers this station can see, with their URIs"),
    "print-test": ("print_test", "print a label file or the built-in test label"),
    "render": ("render", "draw a label file as a given printer head would print it, into a PNG"),
    "catalogue": ("catalogue", "import, look up or export the product catalogue (barcode -> SKU)"),
    "print-commands": ("print_commands", "print the sheet of command and box-type barcodes"),
    "outbox": ("outbox", "show or drain the queue of API operations"),
    "end-of-day": ("end_of_day", "book the carrier pickups of the day's parcels and print the manifest"),
    "doctor": ("doctor", "check this station before a shift: config, token, API, printer, disk, database"),
    "support-bundle": ("support_bundle", "write a zip of logs, settings (no secrets) and checks for support"),
    "config": ("config", "show the effective configuration and where each value came from"),
    "fleet": ("fleet", "one line per bench: online, outbox, needs attention, printer, version"),
}


def add_common_options(parser: argparse.ArgumentParser, *, default: object = None) -> None:
    """Options shared by the GUI and every sub-command. The API token is deliberately absent:
    it never travels on a command line (it would show in ``ps`` and shell history)."""
    parser.add_argument(
        "--api-url", default=default, help="SOM API base URL (default: stage, or the config file)"
    )
    parser.add_argument("--site-id", default=default, help="Ingrid site id")
    parser.add_argument(
        "--printer", default=default, help="printer URI: usb:VID:PID, tcp://HOST[:PORT], file:PATH, preview"
    )
    parser.add_argument(
        "--data-dir",
        default=default,
        help="folder for the station database (default: the bench's data folder); logs go to the log "
        "folder (PACKSTATION_LOG_DIR)",
    )
    parser.add_argument(
        "--station-id", default=default, help="this bench's name (picks its section of the site file)"
    )


def _load_subcommand(name: str, sub_parser: argparse.ArgumentParser) -> None:
    """Import sub-command ``name``'s module and give its parser the module's own arguments (once)."""
    if sub_parser.get_default("command_module") is not None:
        return
    module = importlib.import_module(f"packstation.commands.{SUBCOMMANDS[name][0]}")
    module.add_arguments(sub_parser)
    sub_parser.set_defaults(command_module=module)


class _LazySubcommands(argparse._SubParsersAction):
    """Sub-parsers whose arguments are added when the sub-command is chosen, by importing its module
    then: argparse calls this action with the sub-command's name before parsing the rest of the line."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: Any = None) -> None:
        name = values[0] if values else None
        if name in SUBCOMMANDS and name in self._name_parser_map:
            _load_subcommand(name, self._name_parser_map[name])
        super().__call__(parser, namespace, values, option_string)


def build_parser(*, load_all: bool = False) -> argparse.ArgumentParser:
    """The command line. ``load_all``: import every sub-command now (tests that inspect every option);
    otherwise only the one on the command line is imported, while parsing."""
    parser = argparse.ArgumentParser(
        prog="packstation",
        description="Packing station for Ingrid SOM: scan an order, pack boxes, print one label per box.",
    )
    parser.add_argument("--version", action="version", version=f"packstation {__version__}")
    add_common_options(parser)
    parser.add_argument(
        "--demo", action="store_true", help="run against the built-in emulator with demo orders"
    )
    parser.add_argument(
        "--replay", metavar="SCRIPT", help="feed the scans of SCRIPT (one per line) as if scanned"
    )
    parser.add_argument(
        "--exit-when-idle", action="store_true", help="quit once the replay is done and the queues are empty"
    )
    parser.register("action", "lazy_parsers", _LazySubcommands)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", action="lazy_parsers")
    for name, (_module_name, help_text) in SUBCOMMANDS.items():
        sub_parser = sub.add_parser(name, help=help_text, description=help_text)
        # SUPPRESS: an option given before the sub-command must not be reset to None by its copy here.
        add_common_options(sub_parser, default=argparse.SUPPRESS)
        if load_all:
            _load_subcommand(name, sub_parser)
    return parser


def start_command_logging(args: argparse.Namespace) -> None:
    """A sub-command logs like the GUI: the log file (and the OS log when configured), the crash hooks
    and the start-up line. A bad setting is left out here: the command itself then says what is wrong."""
    from packstation.adapters.config import effective_from_args
    from packstation.adapters.logs import start_logging

    effective = effective_from_args(args, on_problem=lambda _problem: None)
    start_logging(effective, command=args.command, version=__version__)


def main(argv: list[str] | None = None) -> int:
    # Start-up makes ~200,000 objects that live as long as the process (modules, classes, Qt wrappers)
    # and almost no garbage; the cyclic collector would walk them all several times on the way (~40 ms
    # of full collections before the window is up). It is off until the window's first paint, where
    # app.py turns it on with its policy (services/gc_policy.py); a sub-command gets it back at once.
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        return _main(argv, gc_was_on)
    finally:
        if gc_was_on:
            gc.enable()


def _main(argv: list[str] | None, gc_was_on: bool) -> int:
    from packstation.adapters.config import ConfigError

    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "command_module", None) is not None:
            if gc_was_on:
                gc.enable()
            start_command_logging(args)
            return int(args.command_module.run(args) or 0)
        from packstation.app import run_gui

        return run_gui(args)
    except KeyboardInterrupt:
        return ExitCode.INTERRUPTED
    except UserFacingError as exc:
        print(f"packstation: {exc}", file=sys.stderr)
        return exc.exit_status
    except ConfigError as exc:  # a bad setting: one line per problem, naming source, key and form
        for line in str(exc).splitlines():
            print(f"packstation: {line}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
