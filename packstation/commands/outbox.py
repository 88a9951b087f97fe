"""`packstation outbox [--drain] [--retry OP_ID]`: show the station's queue of API operations.

Without options: how many operations wait, and each one that needs attention with the server's
message. ``--retry OP_ID`` puts a "needs attention" operation back in the queue. ``--drain`` sends
everything that can be sent now (same worker as the app: in order per shipment, reconciling lost
answers first) and prints what is left. Exit status 1 if anything still needs attention or is left.
"""

from __future__ import annotations

import argparse
from typing import Any

from packstation.commands import UserFacingError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--drain", action="store_true", help="send the queued operations now")
    parser.add_argument("--timeout", type=float, default=300.0, help="give up draining after SECONDS (300)")
    parser.add_argument("--retry", type=int, metavar="OP_ID", help="retry an operation that needs attention")


def require_token() -> str:
    from packstation.adapters.config import TokenStore

    token = TokenStore().get()
    if not token:
        from packstation.domain.settings import NO_API_TOKEN

        raise UserFacingError(NO_API_TOKEN)
    return token


def open_store(config: Any) -> Any:
    from packstation.adapters.store import SchemaTooNewError, Store

    try:
        return Store.open(config.database_path)
    except SchemaTooNewError as exc:
        raise UserFacingError(str(exc)) from None
    except OSError as exc:
        raise UserFacingError(f"cannot open the station database {config.database_path}: {exc}") from None


def describe(store: Any) -> tuple[int, int]:
    """The same list as the app's outbox view (Ctrl+Shift+O), in the same words."""
    from packstation.services.queue_report import queue_items, report_lines

    depth = store.outbox.depth()
    attention = store.outbox.needs_attention()
    print(f"{depth} operation(s) waiting to be sent, {len(attention)} needing attention")
    for line in report_lines(queue_items(store)):
        print(line)
    if attention:
        print("  (fix the cause, then: packstation outbox --retry OP_ID, or void the box at the station)")
    return depth, len(attention)


def run(args: argparse.Namespace) -> int:
    import asyncio

    from packstation.adapters.config import config_from_args

    config = config_from_args(args)
    store = open_store(config)
    try:
        if args.retry is not None:
            if not store.outbox.retry(args.retry):
                raise UserFacingError(
                    f"operation {args.retry} does not need attention (see: packstation outbox)"
                )
            print(f"operation {args.retry} queued again")
        if args.drain:
            status = asyncio.run(_drain(store, config, require_token(), args.timeout))
            if status.reason:
                print(f"{status.connectivity}: {status.reason}")
        depth, attention = describe(store)
    finally:
        store.close()
    return 1 if (args.drain and depth) or attention else 0


async def _drain(store: Any, config: Any, token: str, timeout: float) -> Any:
    from packstation.adapters.outbox import Outbox
    from packstation.adapters.som.client import SomClient

    async with SomClient(config.api_url, token, site_id=config.site_id) as client:
        outbox = Outbox(store, client, printer_uri=config.printer)
        try:
            return await outbox.drain(timeout)
        finally:
            outbox.close()
