"""A station's print queue in a child process, made to hang at one chosen step so a test can SIGKILL it
there: ``download`` (the label download never ends) or ``send`` (the device write never ends).

Usage: ``python -m tests.support.print_crash_child DB URL PRINTER_URI STEP MARKER``. The child queues one
LABEL job for ``URL`` (unless the database already has jobs), writes ``MARKER`` once it is inside the
chosen step, then waits there until it is killed.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from packstation.adapters.labels import LabelPipeline
from packstation.adapters.printers.devices import make_printer
from packstation.adapters.printers.queue import PrintQueue
from packstation.adapters.store import Store
from packstation.domain import labelgen
from packstation.domain.printing import PrintJobKind


def main(db: str, url: str, printer_uri: str, step: str, marker: str) -> None:
    store = Store.open(db)

    async def fetch(_url: str) -> tuple[bytes, str]:
        if step == "download":
            Path(marker).write_text("in download")
            await asyncio.sleep(3600)
        return labelgen.make_label("png", tracking_number="CRASH-TRK-1"), "image/png"

    class HangingPrinter:
        def __init__(self, uri: str) -> None:
            self.printer = make_printer(uri)
            self.spec = self.printer.spec

        def send(self, payload: object) -> None:
            if step == "send":
                Path(marker).write_text("in send")
                time.sleep(3600)
            self.printer.send(payload)  # type: ignore[arg-type]

        def probe(self) -> None:
            self.printer.probe()

    queue = PrintQueue(store.print_jobs, HangingPrinter, fetch, LabelPipeline())
    queue.enqueue(kind=PrintJobKind.LABEL, printer_uri=printer_uri, source_url=url, box_id=None)
    asyncio.run(queue.drain())


if __name__ == "__main__":
    main(*sys.argv[1:6])
