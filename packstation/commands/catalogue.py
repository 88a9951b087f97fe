"""`packstation catalogue import FILE | lookup CODE | export`: the station's product catalogue.

The catalogue maps product barcodes (EAN-13, UPC-A, EAN-8, ITF-14/GTIN-14, internal codes) to SKUs; it
comes from the merchant's ERP/WMS export (README "Product catalogue"). An import checks the whole file
first and changes nothing when any row is bad, listing each bad line; ``--merge`` adds and updates
rows instead of replacing the imported ones (rows learned at the bench are kept either way). A running
station reads the catalogue row by row as items are scanned, so the import applies at once.
"""

from __future__ import annotations

import argparse
import sys
import time

from packstation.commands import UserFacingError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="catalogue_action", metavar="ACTION", required=True)
    load = actions.add_parser("import", help="import a CSV (with a header row) or JSON-lines file")
    load.add_argument("file", metavar="FILE", help="the catalogue file ('-' for stdin)")
    mode = load.add_mutually_exclusive_group()
    mode.add_argument("--replace", action="store_true", help="the file is the whole catalogue (the default)")
    mode.add_argument("--merge", action="store_true", help="add and update rows, remove none")
    find = actions.add_parser("lookup", help="show the SKU a barcode means")
    find.add_argument("code", metavar="CODE", help="a barcode as scanned (EAN, UPC, GTIN-14 ...)")
    out = actions.add_parser("export", help="write the catalogue as CSV")
    out.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of the screen")
    from packstation.cli import add_common_options

    for action in (load, find, out):  # --data-dir etc. after the action too, as people type them
        add_common_options(action, default=argparse.SUPPRESS)


def read_file(name: str) -> bytes:
    from pathlib import Path

    try:
        return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
    except OSError as exc:
        raise UserFacingError(f"cannot read the catalogue file {name}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    from packstation.adapters.config import config_from_args
    from packstation.commands.outbox import open_store

    config = config_from_args(args)
    action = args.catalogue_action
    if action == "import":
        return _import(args, config)
    store = open_store(config)
    try:
        if action == "lookup":
            return _lookup(store, args.code)
        return _export(store, args.output)
    finally:
        store.close()


def _import(args: argparse.Namespace, config: object) -> int:
    from packstation.commands.outbox import open_store
    from packstation.services.catalogue_import import CatalogueImportError, import_catalogue

    data = read_file(args.file)
    store = open_store(config)
    try:
        done = import_catalogue(store, data, source=args.file, merge=bool(args.merge))
    except CatalogueImportError as exc:
        raise UserFacingError(str(exc), exit_status=1) from None
    finally:
        store.close()
    print(done.sentence())
    return 0


def _lookup(store: object, code: str) -> int:
    from packstation.domain.item_codes import barcode_key

    row = store.catalogue.row(code)  # type: ignore[attr-defined]
    if row is None:
        print(f"{code}: not in the catalogue (looked up as {barcode_key(code)})")
        return 1
    parts = [f"{code} -> {row['sku']}"]
    if row["name"]:
        parts.append(str(row["name"]))
    if int(row["units"]) > 1:
        parts.append(f"case of {row['units']}")
    if row["weight_g"] is not None:
        parts.append(f"{row['weight_g']:g} g")
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(float(row["updated_at"])))
    source = f"learned by {row['learned_by']}" if row["source"] == "learned" else row["source"]
    parts.append(f"{source}, {when}")
    print(", ".join(parts))
    return 0


def _export(store: object, output: str | None) -> int:
    from pathlib import Path

    from packstation.domain.catalogue import export_csv

    text = export_csv(store.catalogue.all())  # type: ignore[attr-defined]
    if output:
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise UserFacingError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
    return 0
