"""`packstation prefetch ORDER_ID ... | --file LIST`: warm the station's offline cache for a wave of orders.

Each order is looked up in Ingrid now and stored in the station database, so it can be packed even if
the network drops later. Prints one line per order (cached / not found / error) and exits non-zero if
any order could not be cached.
"""

from __future__ import annotations

import argparse

from packstation.commands import UserFacingError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "orders", nargs="*", metavar="ORDER_ID", help="order numbers, shipment ids or tos_ids"
    )
    parser.add_argument("--file", metavar="LIST", help="a file with one order per line ('-' for stdin)")


def read_keys(args: argparse.Namespace) -> list[str]:
    keys = list(args.orders)
    if args.file:
        import sys
        from pathlib import Path

        try:
            text = sys.stdin.read() if args.file == "-" else Path(args.file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise UserFacingError(f"cannot read the order list {args.file}: {exc}") from None
        keys += [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    seen: dict[str, None] = {}
    for key in keys:
        seen.setdefault(key.strip(), None)
    if not seen:
        raise UserFacingError("no orders given: pass ORDER_ID ... or --file LIST")
    return list(seen)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from packstation.adapters.config import config_from_args
    from packstation.adapters.som.client import SomClient
    from packstation.commands.outbox import open_store, require_token
    from packstation.services.order_lookup import OrderLookup

    keys = read_keys(args)
    config = config_from_args(args)
    token = require_token()
    store = open_store(config)

    async def prefetch():
        async with SomClient(config.api_url, token, site_id=config.site_id) as client:
            return await OrderLookup(store, client).prefetch(keys)

    try:
        results = asyncio.run(prefetch())
    finally:
        store.close()
    width = max(len(r.key) for r in results)
    for result in results:
        detail = f"  ({result.detail})" if result.detail else ""
        print(f"{result.key:<{width}}  {result.status}{detail}")
    failed = sum(1 for r in results if r.status != "cached")
    print(f"{len(results) - failed} of {len(results)} order(s) cached in {config.database_path}")
    return 1 if failed else 0
