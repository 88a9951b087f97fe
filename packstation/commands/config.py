"""`packstation config show`: the effective configuration, with where each value came from.

For warehouse IT checking a bench: the sources in the order they apply (defaults < site file < this
bench's section of it < user file < environment < flags), every setting with its value and its source,
what was reported while reading them (unknown keys with the nearest known one, unreadable files, bad
values), the site's minimum version and whether this bench meets it. The API token is never printed:
only whether there is one and where it comes from. ``--json`` gives the same as one JSON object.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from packstation import __version__

TOKEN_SHOWN = "[REDACTED]"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "action", nargs="?", default="show", choices=["show"], help="show the effective configuration"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of text")


def describe(args: argparse.Namespace) -> dict[str, Any]:
    """The effective configuration as data: settings (value and source), sources, problems, token."""
    from packstation.adapters.config import ConfigError, TokenStore, effective_from_args, version_too_old
    from packstation.adapters.logs import redact

    problems: list[str] = []

    def left_out(exc: ConfigError) -> None:
        problems.extend(str(exc).splitlines())

    effective = effective_from_args(args, on_problem=left_out)
    values = effective.config.to_json()
    token_source = TokenStore().source()
    minimum = effective.min_version
    return {
        "version": __version__,
        "station_id": effective.config.station_id,
        "sources": ["built-in defaults", *effective.sources],
        "settings": {key: {"value": values[key], "source": effective.origins[key]} for key in sorted(values)},
        "api_token": {"value": TOKEN_SHOWN if token_source else None, "source": token_source},
        "site_file": str(effective.site_file) if effective.site_file else None,
        "min_version": minimum or None,
        "version_ok": not (minimum and version_too_old(__version__, minimum)),
        # redacted: a warning quoting a mistyped value must not carry a token pasted in the wrong place
        "warnings": [redact(note) for note in effective.notes],
        "problems": [redact(problem) for problem in problems],
    }


def _text(value: Any) -> str:
    return value if isinstance(value, str) and value else json.dumps(value)  # "" shown as ""


def format_text(info: dict[str, Any]) -> list[str]:
    lines = [
        f"packstation {info['version']} on station {info['station_id']!r}",
        f"Site file: {info['site_file']}",
        "Sources, lowest first: " + " < ".join(info["sources"]),
        "",
    ]
    width = max(len(key) for key in info["settings"])
    for key, entry in info["settings"].items():
        lines.append(f"{key:<{width}}  {_text(entry['value'])}    ({entry['source']})")
    token = info["api_token"]
    shown = f"{token['value']}    ({token['source']})" if token["value"] else "not set"
    lines.append(f"{'api_token':<{width}}  {shown}")
    if info["min_version"]:
        verdict = "ok" if info["version_ok"] else f"TOO OLD: update to {info['min_version']} or later"
        lines.append(f"\nMinimum version (site file): {info['min_version']}; this bench: {verdict}")
    for title, key in (("Warnings", "warnings"), ("Settings left out (bad values)", "problems")):
        if info[key]:
            lines += ["", f"{title}:"] + [f"  {line}" for line in info[key]]
    return lines


def run(args: argparse.Namespace) -> int:
    info = describe(args)
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        print("\n".join(format_text(info)))
    return 1 if info["problems"] else 0
