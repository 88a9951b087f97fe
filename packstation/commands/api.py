"""`packstation api METHOD [key=value ...] [--json BODY]`: call one SOM method and print its answer.

For support staff and scripts. Shipments and deliveries in the answer go through the client's models,
so numbers print as numbers and the zero time as absent. Expected failures (bad token, not found,
unreachable host, timeout, non-JSON answer) end as one line on stderr and a non-zero exit status.
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from pathlib import Path
from typing import Any

from packstation.commands import UserFacingError

KNOWN_METHODS = (
    "shipments.create",
    "shipments.bookParcels",
    "shipments.createAndBook",
    "shipments.get",
    "shipments.update",
    "shipments.cancel",
    "shipments.add_parcel",
    "deliveries.bookPickup",
    "deliveries.get",
    "deliveries.cancel",
    "events.registerTrackingNumber",
    "events.publishTrackingEvent",
)

EPILOG = (
    """\
arguments:
  key=value      a string field (for *.get methods: a query parameter)
  key:=JSON      a JSON value: number, true/false, null, list or object (e.g. number_of_parcels:=2)
  --json BODY    the whole request body as a JSON object; @FILE reads it from a file, - from stdin.
                 key=value / key:=JSON arguments are applied on top of it.
  shipments.add_parcel gets site_id from the configuration when not given.

methods:
"""
    + textwrap.fill(", ".join(KNOWN_METHODS), width=96, initial_indent="  ", subsequent_indent="  ")
    + """

examples:
  packstation api shipments.get external_id=ACME12345
  packstation api shipments.bookParcels shipment_id=0f8f70d8-6987-4a99-bdd7-f8dde22a1356
  packstation api shipments.create --json @order.json shipment_value:=19900

The API token comes from PACKSTATION_API_TOKEN, the OS keyring or the token file; never a flag.
Exit status: 0 on success, 1 for any failure (one line on stderr with HTTP status and x-trace-id).
"""
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = EPILOG
    parser.usage = "packstation api [options] METHOD [key=value | key:=JSON ...] [--json BODY]"
    _add_call_options(parser, defaults=True)
    parser.add_argument("method", metavar="METHOD", help="e.g. shipments.get, deliveries.bookPickup")
    # REMAINDER so that --json/--timeout/--compact may also come between or after key=value
    # arguments (plain argparse cannot intermix optionals with a nargs="*" positional).
    parser.add_argument("fields", metavar="key=value", nargs=argparse.REMAINDER, help="request fields")


def _add_call_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    default: dict[str, Any] = {} if defaults else {"default": argparse.SUPPRESS}
    parser.add_argument(
        "--json", dest="json_body", metavar="BODY", help="request body as JSON, @FILE or -", **default
    )
    parser.add_argument(
        "--timeout",
        type=float,
        metavar="SECONDS",
        help="wait this long for an answer (default 15)",
        **({"default": 15.0} if defaults else default),
    )
    parser.add_argument("--compact", action="store_true", help="print JSON on one line", **default)


def split_fields(args: argparse.Namespace) -> list[str]:
    """Pull call options given after METHOD out of the key=value list (updates ``args``)."""
    late = argparse.ArgumentParser(prog="packstation api", add_help=False, exit_on_error=False)
    _add_call_options(late, defaults=False)
    try:
        options, pairs = late.parse_known_args(args.fields)
    except argparse.ArgumentError as exc:
        raise UserFacingError(str(exc)) from None
    for name, value in vars(options).items():
        setattr(args, name, value)
    for pair in pairs:
        if pair.startswith("-"):
            raise UserFacingError(f"unknown option {pair!r} after METHOD (put --api-url etc. before it)")
    return pairs


def build_body(fields: list[str], json_body: str | None) -> dict[str, Any]:
    """The request from ``--json`` and ``key=value`` / ``key:=JSON`` arguments."""
    body: dict[str, Any] = {}
    if json_body is not None:
        text = _read_json_source(json_body)
        try:
            parsed = json.loads(text)
        except ValueError as exc:
            raise UserFacingError(f"--json is not valid JSON: {exc}") from None
        if not isinstance(parsed, dict):
            raise UserFacingError("--json must be a JSON object")
        body.update(parsed)
    for field in fields:
        key, sep, raw = field.partition("=")
        if not sep:
            raise UserFacingError(f"{field!r}: expected key=value or key:=JSON")
        value: Any = raw
        if key.endswith(":"):
            key = key[:-1]
            try:
                value = json.loads(raw)
            except ValueError:
                raise UserFacingError(f"{field!r}: the value after := must be JSON") from None
        if not key:
            raise UserFacingError(f"{field!r}: the key is empty")
        body[key] = value
    return body


def _read_json_source(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    if source.startswith("@"):
        try:
            return Path(source[1:]).expanduser().read_text(encoding="utf-8")
        except OSError as exc:
            raise UserFacingError(f"cannot read {source[1:]}: {exc.strerror or exc}") from None
    return source


def present(doc: dict[str, Any]) -> dict[str, Any]:
    """The answer with shipments/deliveries normalised through the models (numbers as numbers)."""
    from packstation.domain.models import Delivery, Shipment

    out = dict(doc)
    if isinstance(doc.get("shipment"), dict):
        out["shipment"] = Shipment.from_api(doc["shipment"]).to_json()
    if isinstance(doc.get("shipments"), list):
        out["shipments"] = [Shipment.from_api(s).to_json() for s in doc["shipments"]]
    if isinstance(doc.get("delivery"), dict):
        out["delivery"] = Delivery.from_api(doc["delivery"]).to_json()
    return out


def run(args: argparse.Namespace) -> int:
    import asyncio

    import httpx

    from packstation.adapters.config import TokenStore, config_from_args
    from packstation.adapters.som.client import METHOD_NAME, SomClient
    from packstation.adapters.som.errors import SomError
    from packstation.domain.models import ModelError

    method = args.method
    if not METHOD_NAME.match(method):
        raise UserFacingError(f"not a method name: {method!r} (known: {', '.join(KNOWN_METHODS)})")
    body = build_body(split_fields(args), args.json_body)
    config = config_from_args(args)
    token = TokenStore().get()
    if not token:
        from packstation.domain.settings import NO_API_TOKEN

        raise UserFacingError(NO_API_TOKEN)
    if method == "shipments.add_parcel" and not body.get("site_id") and config.site_id:
        body["site_id"] = config.site_id
    if args.timeout <= 0:
        raise UserFacingError("--timeout must be positive")
    timeout = httpx.Timeout(connect=min(3.0, args.timeout), read=args.timeout, write=args.timeout, pool=5.0)

    async def call() -> dict[str, Any]:
        async with SomClient(config.api_url, token, site_id=config.site_id, timeout=timeout) as som:
            return await som.call(method, body)

    try:
        doc = asyncio.run(call())
        shown = present(doc)
    except SomError as exc:
        raise UserFacingError(exc.one_line()) from None
    except ModelError as exc:
        raise UserFacingError(f"{method} | unreadable answer: {exc}") from None
    except (ValueError, httpx.InvalidURL) as exc:  # a bad API URL in the configuration
        raise UserFacingError(f"{method} | {exc}") from None
    indent = None if args.compact else 2
    print(json.dumps(shown, indent=indent, ensure_ascii=False))
    return 0
