"""The command line parses as support staff type it."""

from __future__ import annotations

import subprocess
import sys

from packstation import __version__
from packstation.cli import build_parser


def test_shared_options_work_before_and_after_the_subcommand():
    parser = build_parser()
    assert parser.parse_args(["--api-url", "http://x", "api", "shipments.get"]).api_url == "http://x"
    assert parser.parse_args(["api", "--api-url", "http://y", "shipments.get"]).api_url == "http://y"
    assert parser.parse_args(["api", "shipments.get"]).api_url is None


def test_only_the_chosen_subcommand_module_is_imported():
    code = (
        "import sys; from packstation.cli import build_parser; parser = build_parser();"
        "gui = sorted(m for m in sys.modules if m.startswith('packstation.commands.'));"
        "args = parser.parse_args(['catalogue', 'lookup', '123']);"
        "chosen = sorted(m for m in sys.modules if m.startswith('packstation.commands.'));"
        "print(gui, chosen, args.command_module.__name__, args.code)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [
        "[]",
        "['packstation.commands.catalogue']",
        "packstation.commands.catalogue",
        "123",
    ]


def test_a_subcommand_help_still_lists_its_own_options():
    out = subprocess.run(
        [sys.executable, "-m", "packstation", "catalogue", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "import" in out.stdout and "lookup" in out.stdout


def test_version_prints_the_package_version():
    out = subprocess.run(
        [sys.executable, "-m", "packstation", "--version"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    assert out.stdout.strip() == f"packstation {__version__}"


def _option_strings(parser):
    options = set()
    for action in parser._actions:
        options.update(action.option_strings)
        choices = getattr(action, "choices", None)
        for name, sub in choices.items() if isinstance(choices, dict) else ():
            if name != "emulator":  # the emulator's --token is its own fake token, not Ingrid's
                options.update(_option_strings(sub))
    return options


def test_the_api_token_is_never_a_command_line_option():
    options = _option_strings(build_parser(load_all=True))
    assert "--api-url" in options
    assert not [o for o in options if "token" in o]


def test_restart_starts_the_same_packstation_with_the_same_arguments(monkeypatch):
    import subprocess
    import sys

    from packstation.app import restart_argv

    monkeypatch.setattr(sys, "argv", ["/usr/bin/packstation", "--printer", "usb:04b8:0e28"])
    argv = restart_argv()
    assert argv == [sys.executable, "-m", "packstation", "--printer", "usb:04b8:0e28"]
    version = subprocess.run([*argv[:3], "--version"], capture_output=True, text=True, timeout=60)
    assert version.returncode == 0 and version.stdout.startswith("packstation")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    assert restart_argv() == [sys.executable, "--printer", "usb:04b8:0e28"]
