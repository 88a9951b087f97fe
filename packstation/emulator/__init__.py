"""An emulator of Ingrid's SOM API (and the tracking events gateway): the test double and demo backend.

A real HTTP/1.1 server on loopback in background threads, answering like the reference documents
(numbers as strings, zero times, ``x-trace-id`` on every answer, Ingrid's error body), with a state
machine for shipments, parcels and deliveries, labels at ``label_url`` (``label_delay_ms`` slows
every download) and fault injection; the fault kinds (latency, status, rate-limit, hang,
commit-then-drop, late-commit, trickle, endless, garble, null-parcels, echo-auth) and their text
form are described in ``faults.py``::

    from packstation.emulator import Emulator, Fault, DEMO_TOKEN

    with Emulator(token=DEMO_TOKEN, seed_demo=True) as emu:
        emu.add_fault(Fault(method="shipments.add_parcel", kind="commit-then-drop", calls={1}))
        emu.add_fault(parse_fault_spec("shipments.get:null-parcels@1"))
        ...  # talk to emu.base_url with "Authorization: Bearer <base64(token)>"
"""

from packstation.emulator.faults import Fault, FaultSpecError, parse_fault_spec
from packstation.emulator.server import DEMO_TOKEN, Emulator, RequestRecord
from packstation.emulator.service import DEFAULT_SITE_ID

__all__ = [
    "DEFAULT_SITE_ID",
    "DEMO_TOKEN",
    "Emulator",
    "Fault",
    "FaultSpecError",
    "RequestRecord",
    "parse_fault_spec",
]
