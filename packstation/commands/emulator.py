"""`packstation emulator`: run the SOM API emulator on its own until Ctrl-C or SIGTERM.

The first line on stdout is the emulator's base URL (scripts read it); the demo token follows when
the default token is in use. Requests are logged on stderr, never with their Authorization header.
"""

from __future__ import annotations

import argparse

from packstation.commands import ExitCode, UserFacingError

FAULT_EPILOG = """\
fault SPEC: METHOD:KIND[=VALUE][@CALLS]
  METHOD  a SOM method (shipments.add_parcel, shipments.get, deliveries.bookPickup, labels.get, ...) or *
  KIND    latency=MS            wait MS, then handle the call and answer
          status=HTTP_STATUS    answer that status with Ingrid's error body; nothing is applied
          rate-limit[=S]        answer 429 with Retry-After: S (default 2); nothing is applied
          hang                  never answer
          commit-then-drop      apply the call, then drop the connection unanswered
          late-commit[=S]       apply the call after S seconds (default 20), then answer if still connected
          trickle[=BYTES_PER_S] apply the call, then send the answer that slowly (default 1 byte a second)
          endless               answer 200 with a body that never ends (labels.get: an endless download)
          garble                apply the call, then answer the first half of its JSON
          null-parcels          apply the call, then answer with "parcels": null in each shipment
          echo-auth             apply the call, then answer 200 text/plain echoing the request headers,
                                Authorization included
  CALLS   1-based numbers of the calls of METHOD that get the fault: 1,3,5-7 (default: every call)
examples:
  --fault shipments.add_parcel:commit-then-drop@1,3   apply the change, then drop the connection unanswered
  --fault '*:status=503@1-5'                           first five calls of any method answer 503
  --fault shipments.bookParcels:rate-limit=2          429 with Retry-After: 2
  --fault '*:latency=200'                              200 ms more on every answer
  --fault shipments.get:hang@2                         the second shipments.get never gets an answer
  --fault shipments.add_parcel:late-commit=17@1       the first add_parcel is applied and answered after 17 s
  --fault labels.get:trickle=1                         labels arrive one byte a second
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = FAULT_EPILOG
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port to listen on (default: any free port)")
    parser.add_argument(
        "--token", help="the emulator's own fake API token it accepts (default: the demo token)"
    )
    parser.add_argument("--seed-demo", action="store_true", help="load the demo orders")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every answer (default 0)")
    parser.add_argument(
        "--label-delay-ms", type=int, default=0, help="added to every label download (default 0)"
    )
    parser.add_argument(
        "--fault", action="append", default=[], metavar="SPEC", help="inject a fault (repeatable, see below)"
    )
    parser.add_argument(
        "--label-format",
        choices=["svg", "pdf", "png", "zpl"],
        default="svg",
        help="format of the labels at label_url (default svg)",
    )


def run(args: argparse.Namespace) -> int:
    import logging
    import signal
    import sys
    import threading

    from packstation.emulator import DEMO_TOKEN, Emulator, FaultSpecError, parse_fault_spec
    from packstation.emulator.demo import DEMO_ORDERS

    faults = []
    for spec in args.fault:
        try:
            faults.append(parse_fault_spec(spec))
        except FaultSpecError as exc:
            raise UserFacingError(str(exc), exit_status=ExitCode.USAGE) from None
    if not 0 <= args.port <= 65535:
        raise UserFacingError(f"--port {args.port} is not a port number", exit_status=ExitCode.USAGE)
    if args.latency_ms < 0:
        raise UserFacingError("--latency-ms must not be negative", exit_status=ExitCode.USAGE)
    if args.label_delay_ms < 0:
        raise UserFacingError("--label-delay-ms must not be negative", exit_status=ExitCode.USAGE)

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    emulator_log = logging.getLogger("packstation.emulator")
    emulator_log.addHandler(handler)
    emulator_log.setLevel(logging.INFO)

    token = args.token or DEMO_TOKEN
    emu = Emulator(
        token=token,
        host=args.host,
        port=args.port,
        latency_ms=args.latency_ms,
        seed_demo=args.seed_demo,
        label_format=args.label_format,
        label_delay_ms=args.label_delay_ms,
    )
    for fault in faults:
        emu.add_fault(fault)
    try:
        emu.start()
    except OSError as exc:
        raise UserFacingError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    print(emu.base_url)
    if args.token is None:
        print(f"API token: {DEMO_TOKEN} (the demo token)")
    print(f"site id: {emu.site_id}")
    if args.seed_demo:
        shipments = sum(1 for o in DEMO_ORDERS if not o["tos_only"])
        print(f"demo orders: {shipments} shipments, {len(DEMO_ORDERS) - shipments} checkout orders (tos_id)")
    for spec in args.fault:
        print(f"fault: {spec}")
    print("Press Ctrl-C to stop.", flush=True)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emu.stop()
        emulator_log.removeHandler(handler)
    print("emulator stopped", flush=True)
    return 0
