"""Fault injection for the SOM emulator: what can go wrong between a station and Ingrid, on purpose.

A ``Fault`` applies to one API method (``"shipments.add_parcel"``, ``"labels.get"``) or to all
(``"*"``), and to chosen calls of it: ``calls`` holds 1-based numbers counted from the moment the
fault was added (``{1}`` = the next call), ``None`` = every call.

Text form (``packstation emulator --fault SPEC``)::

    METHOD:KIND[=VALUE][@CALLS]

    shipments.add_parcel:commit-then-drop@1,3   apply the change, then drop the connection unanswered
    *:status=503@1-5                           answer 503 to the first five calls of any method
    shipments.bookParcels:rate-limit=2         answer 429 with Retry-After: 2
    *:latency=200                              add 200 ms to every answer
    shipments.get:hang@2                       never answer the second call (until the emulator stops)

Every kind (VALUE in brackets where it takes one):

    latency=MS            wait MS milliseconds, then handle the call and answer
    status=HTTP_STATUS    answer this status with Ingrid's error body; nothing is applied
    rate-limit[=S]        answer 429 with Retry-After: S (default 2); nothing is applied
    hang                  never answer (the connection is dropped when the emulator stops)
    commit-then-drop      apply the call, then drop the connection without a byte of answer
    late-commit[=S]       hold the call S seconds (default 20), then apply it and answer if the client
                          is still there: a write committed after the client's timeout
    trickle[=BYTES_S]     apply the call, then send the answer BYTES_S bytes a second (default 1)
    endless               answer 200 with a chunked body that never ends (labels: an endless download)
    garble                apply the call, then answer 200 with the first half of its JSON
    null-parcels          apply the call, then answer with "parcels": null in every shipment
    echo-auth             apply the call, then answer 200 with a text/plain page that echoes the
                          request headers, Authorization included (a debugging proxy)

``labels.get`` takes the label downloads (``Emulator(label_delay_ms=...)`` or ``--label-delay-ms``
delays every label download without a fault).
"""

from __future__ import annotations

from dataclasses import dataclass, field

KINDS = (
    "latency",
    "status",
    "rate-limit",
    "hang",
    "commit-then-drop",
    "late-commit",
    "trickle",
    "endless",
    "garble",
    "null-parcels",
    "echo-auth",
)
# Kinds that replace the answer of a call that was applied (at most one of them acts per call).
ANSWER_KINDS = ("commit-then-drop", "trickle", "endless", "garble", "null-parcels", "echo-auth")
HANG_LIMIT_S = 60.0
LATE_COMMIT_S = 20.0


class FaultSpecError(ValueError):
    """A --fault text that cannot be understood."""


@dataclass
class Fault:
    method: str = "*"
    kind: str = "status"
    calls: set[int] | None = None
    status: int = 503
    retry_after: float | None = None
    delay_ms: int = 0
    hang_s: float = HANG_LIMIT_S
    commit_after_s: float = LATE_COMMIT_S  # late-commit
    bytes_per_s: float = 1.0  # trickle
    seen: int = field(default=0, compare=False)  # calls of ``method`` since the fault was added

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {', '.join(KINDS)}")
        if self.kind == "rate-limit" and self.retry_after is None:
            self.retry_after = 2
        if self.kind == "status" and not 100 <= self.status <= 599:
            raise ValueError(f"status {self.status} is not an HTTP status")
        if self.kind == "trickle" and self.bytes_per_s <= 0:
            raise ValueError("trickle needs a positive number of bytes a second")
        if self.calls is not None:
            self.calls = set(self.calls)

    def matches(self, method: str) -> bool:
        return self.method in ("*", method)

    def fires(self) -> bool:
        """Count one call of the method and say whether this one gets the fault."""
        self.seen += 1
        return self.calls is None or self.seen in self.calls


def _parse_calls(text: str) -> set[int]:
    calls: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        first, dash, last = part.partition("-")
        if not first.isdigit() or (dash and not last.isdigit()):
            raise FaultSpecError(f"bad call numbers {text!r} (use e.g. 1,3,5-7)")
        low, high = int(first), int(last) if dash else int(first)
        if low < 1 or high < low or high - low > 100_000:
            raise FaultSpecError(f"bad call range {part!r}")
        calls.update(range(low, high + 1))
    if not calls:
        raise FaultSpecError(f"no call numbers in {text!r}")
    return calls


def parse_fault_spec(spec: str) -> Fault:
    """Parse ``METHOD:KIND[=VALUE][@CALLS]`` into a Fault; FaultSpecError says what is wrong."""
    text = spec.strip()
    method, colon, rest = text.partition(":")
    if not colon or not method or not rest:
        raise FaultSpecError(f"bad fault {spec!r}: expected METHOD:KIND[=VALUE][@CALLS]")
    rest, at, calls_text = rest.partition("@")
    kind, equals, value = rest.partition("=")
    kind = kind.strip()
    calls = _parse_calls(calls_text) if at else None
    if kind not in KINDS:
        raise FaultSpecError(f"bad fault {spec!r}: unknown kind {kind!r} (use {', '.join(KINDS)})")
    number: float | None = None
    if equals:
        try:
            number = float(value)
        except ValueError:
            raise FaultSpecError(f"bad fault {spec!r}: {value!r} is not a number") from None
        if number < 0:
            raise FaultSpecError(f"bad fault {spec!r}: value must not be negative")
    try:
        if kind == "latency":
            if number is None:
                raise FaultSpecError(f"bad fault {spec!r}: latency needs =MILLISECONDS")
            return Fault(method.strip(), kind, calls, delay_ms=int(number))
        if kind == "status":
            if number is None or not number.is_integer():
                raise FaultSpecError(f"bad fault {spec!r}: status needs =HTTP_STATUS, e.g. status=503")
            return Fault(method.strip(), kind, calls, status=int(number))
        if kind == "rate-limit":
            return Fault(method.strip(), kind, calls, retry_after=2 if number is None else number)
        if kind == "late-commit":
            return Fault(
                method.strip(), kind, calls, commit_after_s=LATE_COMMIT_S if number is None else number
            )
        if kind == "trickle":
            return Fault(method.strip(), kind, calls, bytes_per_s=1.0 if number is None else number)
        if equals:
            raise FaultSpecError(f"bad fault {spec!r}: {kind} takes no value")
        return Fault(method.strip(), kind, calls)
    except ValueError as exc:
        if isinstance(exc, FaultSpecError):
            raise
        raise FaultSpecError(f"bad fault {spec!r}: {exc}") from None
