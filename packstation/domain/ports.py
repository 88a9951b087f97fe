"""Small interfaces (Protocols) the outer layers implement or call, so the GUI and the app can be wired
and tested with fakes without importing each other."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class ScanSink(Protocol):
    """Takes one scan, exactly as the scanner delivered it (the station normalises it).

    The window's only call into the station: it forwards scans here and renders the views it is given.
    ``submit_scan`` must return quickly; slow work (network, printer, disk) happens elsewhere.
    """

    def submit_scan(self, raw: str) -> None: ...
