"""`packstation end-of-day`: book the carrier pickup of every parcel this station booked and has not
handed over yet (through the outbox: a lost connection or a restart loses nothing), then print the pickup
manifest (on the document printer as PDF pages, else on the receipt printer, else the label printer)
and/or save it as CSV and PDF.

If some pickups cannot be booked before ``--timeout`` (offline), they stay queued and the command says
so; running it again finishes the same end of day and prints one manifest listing every parcel once.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from packstation.commands import UserFacingError

if TYPE_CHECKING:
    from packstation.adapters.config import Config
    from packstation.domain.end_of_day import PickupProgress


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--csv", metavar="PATH", help="also save the manifest as CSV")
    parser.add_argument("--pdf", metavar="PATH", help="also save the manifest as PDF")
    parser.add_argument("--no-print", action="store_true", help="do not print the manifest")
    parser.add_argument(
        "--timeout",
        type=float,
        default=120.0,
        help="seconds to keep trying to book the pickups (default 120); what is left stays queued",
    )


def run(args: argparse.Namespace) -> int:
    import asyncio

    from packstation.adapters.config import TokenStore, config_from_args
    from packstation.adapters.logs import register_secret

    if args.timeout <= 0:
        raise UserFacingError("--timeout must be a positive number of seconds")
    config = config_from_args(args)
    token = TokenStore().get()
    if not token:
        from packstation.domain.settings import NO_API_TOKEN

        raise UserFacingError(NO_API_TOKEN)
    register_secret(token)
    if not config.database_path.exists():
        raise UserFacingError(f"no station database in {config.data_dir}: nothing was packed here yet")
    return asyncio.run(_run(args, config, token))


async def _run(args: argparse.Namespace, config: Config, token: str) -> int:
    from packstation.adapters.outbox import Outbox
    from packstation.adapters.som.client import SomClient
    from packstation.adapters.store import SchemaTooNewError, Store
    from packstation.domain.settings import DocumentDestination, PrinterRole
    from packstation.services.end_of_day import EndOfDay, book_pickups

    try:
        store = Store.open(config.database_path)
    except (OSError, SchemaTooNewError) as exc:
        raise UserFacingError(f"cannot open the station database: {exc}") from exc
    try:
        # --printer names the printer for this run (receipt text, as before); otherwise the roles
        # decide: the document printer (PDF pages), else the receipt printer, else the label printer.
        manifest_to = config.manifest_destination()
        if getattr(args, "printer", None):
            manifest_to = DocumentDestination(config.printer, PrinterRole.LABEL)
        end_of_day = EndOfDay(
            store, station=config.station_id, printer_uri=manifest_to.uri, as_pdf=manifest_to.as_pdf
        )
        async with SomClient(config.api_url, token, site_id=config.site_id) as client:
            outbox = Outbox(store, client, printer_uri=config.printer)
            try:
                progress = await book_pickups(end_of_day, outbox, timeout=args.timeout, on_progress=_show)
            finally:
                outbox.close()
        if not progress.complete:
            for line in progress.attention:
                print(f"needs attention: {line}", file=sys.stderr)
            reason = (
                "Ingrid refused some (see above; fix them in Ingrid, then run end-of-day again)"
                if progress.stuck
                else "Ingrid could not be reached in time; they stay queued"
            )
            raise UserFacingError(
                f"{progress.waiting} of {progress.total} pickups are not booked yet: {reason}. "
                "Run end-of-day again to finish; the manifest prints once all are booked."
            )
        manifest = end_of_day.manifest()
        if not args.no_print:
            if manifest_to.as_pdf:
                _print_document(end_of_day.manifest_bytes(), manifest_to.uri)
            else:
                _print(end_of_day.manifest_bytes(), manifest_to.uri)
        if args.csv:
            print(end_of_day.export_csv(args.csv))
        if args.pdf:
            print(end_of_day.export_pdf(args.pdf))
        end_of_day.finish()
        print(
            f"End of day done: {manifest.parcel_count} parcels handed over "
            f"({', '.join(f'{c} {n}' for c, n in manifest.carrier_counts().items()) or 'none'})."
        )
        return 0
    finally:
        store.close()


def _show(progress: PickupProgress) -> None:
    print(progress.summary(), file=sys.stderr, flush=True)


def _print(data: bytes, printer_uri: str) -> None:
    """Straight to the printer (the command line runs no print queue); errors in one line."""
    from packstation.adapters.labels.errors import LabelError
    from packstation.adapters.printers.devices import make_printer
    from packstation.adapters.printers.errors import PrinterError
    from packstation.adapters.printers.queue import document_payload
    from packstation.adapters.printers.uri import label_target

    try:
        printer = make_printer(printer_uri)
        if printer.spec.kind == "preview":
            print("The printer is 'preview': the manifest was not printed (use --printer, --csv or --pdf).")
            return
        printer.send(document_payload(data, label_target(printer.spec)))
    except (PrinterError, LabelError) as exc:
        raise UserFacingError(f"the manifest could not be printed: {exc.user_message}") from exc
    print(f"Manifest printed on {printer_uri}.")


def _print_document(pdf: bytes, printer_uri: str) -> None:
    """The manifest as PDF pages through the document printer's OS queue; errors in one line."""
    from packstation.adapters.printers.errors import PrinterError
    from packstation.adapters.printers.os_queues import make_os_queue_printer
    from packstation.adapters.printers.uri import PrinterKind, parse_printer_uri

    try:
        spec = parse_printer_uri(printer_uri)
        if spec.kind not in (PrinterKind.CUPS, PrinterKind.WIN32):
            raise UserFacingError(
                f"the document printer {printer_uri!r} must be cups:QUEUE or win32:PRINTER NAME"
            )
        make_os_queue_printer(spec).print_document(pdf, "packstation pickup manifest")
    except PrinterError as exc:
        raise UserFacingError(f"the manifest could not be printed: {exc.user_message}") from exc
    print(f"Manifest printed on the document printer ({spec.describe()}).")
