"""`packstation fleet status [URL...]`: one line per bench for a supervisor.

With bench URLs (``bench-07:9464``, ``http://10.0.4.7:9464/metrics``) it reads each bench's metrics
endpoint (the bench needs ``metrics_listen`` set to a LAN address); without, it asks the Prometheus
server named by ``--prometheus`` or the ``fleet_prometheus_url`` setting (usually in the site file).
Each line: bench, online/offline/unreachable, outbox depth, needs attention, printer, version. The exit
status is 0 when every bench is online with nothing waiting for a person, 1 otherwise (for scripts).
"""

from __future__ import annotations

import argparse
import json

from packstation.commands import UserFacingError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    # a sub-parser, so that options may come after the bench URLs as well as before them
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    status = actions.add_parser("status", help="one line per bench", description=__doc__.splitlines()[0])
    _add_status_arguments(status)


def _add_status_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "benches", nargs="*", metavar="URL", help="bench metrics endpoints (HOST:PORT or URL)"
    )
    parser.add_argument("--prometheus", metavar="URL", help="ask this Prometheus server instead")
    parser.add_argument("--job", default=".*", help="Prometheus scrape job (a regular expression)")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for each answer")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of the table")


def run(args: argparse.Namespace) -> int:
    import msgspec.structs

    from packstation.adapters.fleet import FleetQueryError, format_table, query_prometheus, scrape_benches

    if args.benches:
        statuses = scrape_benches(args.benches, timeout=args.timeout)
    else:
        prometheus = args.prometheus
        if not prometheus:
            from packstation.adapters.config import config_from_args

            prometheus = config_from_args(args).fleet_prometheus_url
        if not prometheus:
            raise UserFacingError(
                "name the benches (packstation fleet status bench-07:9464 ...) or a Prometheus server "
                "(--prometheus URL, or fleet_prometheus_url in the site file)",
                exit_status=2,
            )
        try:
            statuses = query_prometheus(prometheus, job=args.job, timeout=args.timeout)
        except FleetQueryError as exc:
            raise UserFacingError(str(exc)) from None
        if not statuses:
            raise UserFacingError(f"Prometheus at {prometheus} knows no packstation bench (job {args.job!r})")
    if args.json:
        print(json.dumps([{**msgspec.structs.asdict(s), "printer": s.printer} for s in statuses], indent=2))
    else:
        print("\n".join(format_table(statuses)))
    return 0 if all(s.healthy for s in statuses) else 1
