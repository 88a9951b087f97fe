"""Which parcel of a shipment a box may take, across benches: pure rules, no I/O.

The server's shipment is the only truth shared between stations; what a station recorded in its own
database is its own truth. A box takes a parcel only when the station can show the parcel is its own:

* the station recorded it (the answer to its own write named it), or
* the shipment's ``meta`` claims it for exactly this box (box keys are globally unique), or
* it is an unbooked preset parcel seen at order open (an upstream ``number_of_parcels`` placeholder)
  that the station claimed first in ``meta`` and whose claim survived a short settle, or
* it appeared after one of this station's writes whose outcome is unknown, nobody claimed it within
  the settle delay, and the station claimed it first (a late commit of its own ``add_parcel``).

A parcel that was already booked at open and that this station did not record ("packed elsewhere"),
or that ``meta`` claims for any other box, is never taken. ``meta`` is advisory: Ingrid's API has no
compare-and-swap, so two writers can overwrite each other's keys; see docs/ARCHITECTURE.md ("Exactly
once across benches") for what that leaves uncertain.

Meta keys written (all values are strings, other keys are never dropped):

* ``packstation.packing`` = ``"<station>|<ISO time>"``: this order is being packed at a station
  (``""`` once released);
* ``packstation.parcel.<parcel id>`` = ``"<station>|<box>|<ISO time>"``: that parcel belongs to that
  box (``""`` once released). The time is when the claim was first written; a claim is relied on only
  after ``claim_settle`` so a concurrent claim that overwrote it is seen first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any
from uuid import UUID, uuid5

import msgspec

from packstation.domain.models import Shipment, format_datetime

__all__ = [
    "DEFAULT_CLAIM_SETTLE",
    "DEFAULT_LATE_COMMIT_WINDOW",
    "DEFAULT_MARKER_FRESH",
    "DEFAULT_SETTLE",
    "META_PACKING",
    "META_PARCEL_PREFIX",
    "BoxKey",
    "BoxPlan",
    "CompletionReport",
    "ForeignChoice",
    "OpenAssessment",
    "OpenRecord",
    "OpenVerdict",
    "PackingMarker",
    "ParcelClaim",
    "ParcelFact",
    "PlanAction",
    "SentWrite",
    "ShipmentFacts",
    "ShipmentTriage",
    "SurplusAction",
    "SurplusParcel",
    "assess_open",
    "box_uuid",
    "meta_update",
    "plan_box_booking",
    "preclaims_at_open",
    "read_packing_marker",
    "read_parcel_claims",
    "surplus_parcels",
    "surplus_shipments",
]

META_PACKING = "packstation.packing"
META_PARCEL_PREFIX = "packstation.parcel."
SEP = "|"

DEFAULT_MARKER_FRESH = timedelta(hours=2)  # an older "being packed" marker is a forgotten bench
DEFAULT_SETTLE = timedelta(seconds=45)  # > the write deadline: a late commit shows up within it
DEFAULT_CLAIM_SETTLE = timedelta(seconds=3)  # a concurrent claim overwriting ours lands within it
DEFAULT_LATE_COMMIT_WINDOW = timedelta(minutes=10)  # a write older than this no longer commits
# Names the n-th box of a packing session (``box_uuid``); any fixed value would do, it only has to
# stay the same across releases so a restarted station names its boxes as before.
_BOX_NAMESPACE = UUID("6f0c5d1e-2b7a-4c39-9f1e-5a8d3c2b1e40")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def _check_part(name: str, value: str) -> str:
    if not value or SEP in value:
        raise ValueError(f"{name} must be non-empty and must not contain {SEP!r}, got {value!r}")
    return value


class BoxKey(msgspec.Struct, frozen=True, order=True):
    """A box, unique across all stations: the station id plus the box's own uuid."""

    station: str
    box: str

    def __post_init__(self) -> None:
        _check_part("station", self.station)
        _check_part("box", self.box)

    def __str__(self) -> str:
        return f"{self.station}{SEP}{self.box}"


def box_uuid(session_id: str, number: int, *, salt: str = "") -> str:
    """The uuid of the ``number``-th box closed in packing session ``session_id`` (1, 2, ...; a voided
    box keeps its number). Known before the box exists, so the order-open step can claim a preset
    parcel for the session's next box (``preclaims_at_open``) and the box, once closed, finds its claim
    already settled. ``salt`` is what makes the session one of a kind in the world even if its id is
    not (the store passes the session's creation time: a re-imaged bench, or a test, may reuse ids)."""
    if number < 1:
        raise ValueError(f"box numbers start at 1, got {number}")
    return uuid5(_BOX_NAMESPACE, f"{session_id}/{salt}/{number}").hex


# --- what the server said ---------------------------------------------------------------------------


class ParcelFact(msgspec.Struct, frozen=True):
    """The parts of a server parcel the claim rules look at."""

    id: str
    tracking_number: str | None = None
    label_url: str | None = None
    delivery_id: str | None = None
    created_at: datetime | None = None
    booked_at: datetime | None = None  # best known time the delivery got its tracking number

    @property
    def booked(self) -> bool:
        return self.tracking_number is not None

    def sort_key(self) -> tuple[datetime, str]:
        return (self.created_at or datetime.max.replace(tzinfo=UTC), self.id)


class ShipmentFacts(msgspec.Struct, frozen=True):
    """A shipment as the claim rules see it. ``parcels is None``: the answer did not describe the
    parcels (``"parcels": null`` or missing), which is an unknown, never "no parcels"."""

    id: str
    parcels: tuple[ParcelFact, ...] | None
    meta: Mapping[str, str]
    tos_id: str | None = None
    created_at: datetime | None = None

    @classmethod
    def from_shipment(cls, shipment: Shipment, *, parcels_known: bool | None = None) -> ShipmentFacts:
        """``parcels_known`` defaults to ``shipment.parcels_known`` where the model has it."""
        if parcels_known is None:
            known: Any = getattr(shipment, "parcels_known", True)
            parcels_known = bool(known)
        parcels: tuple[ParcelFact, ...] | None = None
        if parcels_known:
            facts = []
            for p in shipment.parcels:
                d = p.delivery
                tracking = d.tracking_number if d is not None else None
                booked_at = None
                if d is not None and tracking:
                    booked_at = d.updated_at or d.created_at or p.updated_at
                facts.append(
                    ParcelFact(
                        id=p.id,
                        tracking_number=tracking or None,
                        label_url=d.label_url if d is not None else None,
                        delivery_id=d.id if d is not None else None,
                        created_at=p.created_at,
                        booked_at=booked_at,
                    )
                )
            parcels = tuple(facts)
        return cls(
            id=shipment.id,
            parcels=parcels,
            meta=dict(shipment.meta),
            tos_id=shipment.tos_id,
            created_at=shipment.created_at,
        )

    def parcel(self, parcel_id: str) -> ParcelFact | None:
        return next((p for p in self.parcels or () if p.id == parcel_id), None)

    @property
    def parcel_ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.parcels or ())


# --- meta: the advisory markers -----------------------------------------------------------------


class PackingMarker(msgspec.Struct, frozen=True):
    station: str
    since: datetime

    def is_fresh(self, now: datetime, fresh_for: timedelta = DEFAULT_MARKER_FRESH) -> bool:
        return _utc(now) - self.since < fresh_for


class ParcelClaim(msgspec.Struct, frozen=True):
    parcel_id: str
    box: BoxKey
    at: datetime

    def settled(self, now: datetime, claim_settle: timedelta) -> bool:
        return _utc(now) - self.at >= claim_settle


def _parse_time(text: str) -> datetime | None:
    try:
        return _utc(datetime.fromisoformat(text))
    except ValueError:
        return None


def read_packing_marker(meta: Mapping[str, str]) -> PackingMarker | None:
    """The "being packed at" marker, or None (absent, released, or unreadable: advisory only)."""
    parts = meta.get(META_PACKING, "").split(SEP)
    if len(parts) != 2 or not parts[0]:
        return None
    since = _parse_time(parts[1])
    return None if since is None else PackingMarker(parts[0], since)


def read_parcel_claims(meta: Mapping[str, str]) -> dict[str, ParcelClaim]:
    """Parcel id -> claim. Released (``""``) and unreadable values are no claim."""
    claims: dict[str, ParcelClaim] = {}
    for key, value in meta.items():
        if not key.startswith(META_PARCEL_PREFIX) or len(key) == len(META_PARCEL_PREFIX):
            continue
        parts = value.split(SEP)
        if len(parts) != 3 or not parts[0] or not parts[1]:
            continue
        at = _parse_time(parts[2])
        if at is None:
            continue
        parcel_id = key[len(META_PARCEL_PREFIX) :]
        claims[parcel_id] = ParcelClaim(parcel_id, BoxKey(parts[0], parts[1]), at)
    return claims


def _claim_value(claim: ParcelClaim) -> str:
    return f"{claim.box}{SEP}{format_datetime(claim.at)}"


def meta_update(
    current: Mapping[str, str],
    *,
    station: str,
    now: datetime,
    packing: bool | None = None,
    claims: Iterable[ParcelClaim] = (),
    released: Iterable[str] = (),
) -> dict[str, str]:
    """The whole ``meta`` map to send with ``shipments.update``: ``current`` (as just read) with this
    station's entries applied and every other key kept as it is.

    ``packing`` True sets the marker (keeping its time if it is already ours), False releases it if it
    is ours, None leaves it. ``claims`` are this station's claims, all of them on every write (a write
    by another station from an older read may have dropped them; re-asserting repairs that); an
    existing claim for the same box keeps its original time. ``released`` parcel ids lose their claim
    when the claim is this station's (a voided box). Compare with ``current`` before writing: equal
    means there is nothing to send."""
    _check_part("station", station)
    now = _utc(now)
    out = dict(current)
    marker = read_packing_marker(current)
    if packing is True and (marker is None or marker.station != station):
        out[META_PACKING] = f"{station}{SEP}{format_datetime(now)}"
    elif packing is False and marker is not None and marker.station == station:
        out[META_PACKING] = ""
    existing = read_parcel_claims(current)
    for pid in released:
        old = existing.get(pid)
        if old is not None and old.box.station == station:
            out[META_PARCEL_PREFIX + pid] = ""
    for claim in claims:
        if claim.box.station != station:
            raise ValueError(f"station {station} cannot write a claim for {claim.box}")
        old = existing.get(claim.parcel_id)
        if old is not None and old.box == claim.box:
            continue
        out[META_PARCEL_PREFIX + claim.parcel_id] = _claim_value(claim)
    return out


# --- order open -------------------------------------------------------------------------------------


class OpenVerdict(StrEnum):
    CLEAR = "clear"  # nothing booked that this station did not make: pack on
    CHOOSE = "choose"  # booked parcels from elsewhere: the packer must pick a ForeignChoice
    UNKNOWN = "unknown"  # the answer did not list the parcels: fetch again, book nothing


class ForeignChoice(StrEnum):
    REPRINT = "reprint"  # print the labels of the parcels already booked (boxes never take them)
    PACK_EXTRA = "pack_extra"  # pack more boxes: each gets a new parcel
    LEAVE = "leave"  # close the order here, change nothing


class OpenAssessment(msgspec.Struct, frozen=True):
    verdict: OpenVerdict
    foreign: tuple[ParcelFact, ...] = ()  # never taken by a box of this station
    placeholders: tuple[ParcelFact, ...] = ()  # unbooked presets a box may claim
    own: tuple[ParcelFact, ...] = ()  # parcels this station recorded, found on the server
    missing_own: tuple[str, ...] = ()  # recorded here but no longer on the shipment
    other_packing: PackingMarker | None = None  # a fresh marker of another station

    @property
    def foreign_ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.foreign)

    @property
    def placeholder_ids(self) -> frozenset[str]:
        return frozenset(p.id for p in self.placeholders)

    def messages(self, tz: tzinfo = UTC) -> tuple[str, ...]:
        """Plain sentences for the packer, most important first."""
        out: list[str] = []
        if self.verdict is OpenVerdict.UNKNOWN:
            out.append(
                "Ingrid's answer did not list this order's parcels. "
                "Fetching it again; nothing is booked until then."
            )
        if self.other_packing is not None:
            since = self.other_packing.since.astimezone(tz).strftime("%H:%M")
            out.append(f"Being packed at {self.other_packing.station} since {since}.")
        if self.foreign:
            n = len(self.foreign)
            times = [p.booked_at for p in self.foreign if p.booked_at is not None]
            when = f" booked {min(times).astimezone(tz).strftime('%H:%M')}" if times else ""
            noun = "parcel" if n == 1 else "parcels"
            out.append(
                f"Already packed: {n} {noun}{when}, not by this station. "
                "Reprint their labels, pack extra boxes (each gets a new parcel), or leave the order."
            )
        if self.missing_own:
            out.append(
                f"{len(self.missing_own)} parcel(s) this station booked are no longer on the order in Ingrid."
            )
        return tuple(out)


class OpenRecord(msgspec.Struct, frozen=True):
    """What a station keeps of an ``OpenAssessment`` with its packing session, and the packer's
    choice (None: not asked, or nothing to choose)."""

    foreign_ids: frozenset[str]
    placeholder_ids: frozenset[str]
    choice: ForeignChoice | None = None


def assess_open(
    shipment: ShipmentFacts,
    *,
    station: str,
    own_parcels: Iterable[str],
    now: datetime,
    marker_fresh: timedelta = DEFAULT_MARKER_FRESH,
) -> OpenAssessment:
    """What the packer must know before the first box of ``shipment`` is closed at ``station``.

    ``own_parcels``: parcel ids this station recorded for the shipment's boxes. Store the result's
    ``foreign_ids`` and ``placeholder_ids`` with the packing session: ``plan_box_booking`` needs them."""
    marker = read_packing_marker(shipment.meta)
    other = (
        marker
        if marker is not None and marker.station != station and marker.is_fresh(now, marker_fresh)
        else None
    )
    if shipment.parcels is None:
        return OpenAssessment(OpenVerdict.UNKNOWN, other_packing=other)
    own_ids = set(own_parcels)
    claims = read_parcel_claims(shipment.meta)
    foreign: list[ParcelFact] = []
    placeholders: list[ParcelFact] = []
    own: list[ParcelFact] = []
    for p in sorted(shipment.parcels, key=ParcelFact.sort_key):
        if p.id in own_ids:
            own.append(p)
        elif p.booked or p.id in claims:
            foreign.append(p)  # booked elsewhere, or someone's box holds it
        else:
            placeholders.append(p)
    missing = tuple(sorted(own_ids - shipment.parcel_ids))
    verdict = OpenVerdict.CHOOSE if any(p.booked for p in foreign) else OpenVerdict.CLEAR
    return OpenAssessment(verdict, tuple(foreign), tuple(placeholders), tuple(own), missing, other)


def preclaims_at_open(
    shipment: ShipmentFacts,
    *,
    next_boxes: Sequence[BoxKey],
    placeholder_ids: Iterable[str],
    now: datetime,
) -> list[ParcelClaim]:
    """Claims to write with the order-open marker: each unbooked preset parcel seen at open that nobody
    claims, for the session's next boxes in order (``next_boxes``: the keys of boxes not closed yet,
    from ``box_uuid``). Claiming at open instead of at box close takes the claim's settle delay and
    its two calls off the path from closing the box to its label: the box's plan (step 2) finds its own
    claim, settled, and books at once. A box that is never closed leaves its claim to the order's
    completion (``surplus_parcels``: a claim of this station that no box holds is its surplus)."""
    if shipment.parcels is None:
        return []
    wanted = set(placeholder_ids)
    claims = read_parcel_claims(shipment.meta)
    free = sorted(
        (p for p in shipment.parcels if p.id in wanted and not p.booked and p.id not in claims),
        key=ParcelFact.sort_key,
    )
    return [ParcelClaim(p.id, key, _utc(now)) for p, key in zip(free, next_boxes, strict=False)]


# --- booking one box --------------------------------------------------------------------------------


class PlanAction(StrEnum):
    ADOPT = "adopt"  # the box's parcel is booked: record it (and write ``claim`` if given)
    BOOK_PARCELS = "book_parcels"  # record ``parcel`` as the box's, write ``claim``, send bookParcels
    ADD_PARCEL = "add_parcel"  # record a SentWrite(box, now, parcels_before), send add_parcel
    CLAIM = "claim"  # write ``claim`` to meta (meta_update), fetch again after ``until``
    WAIT = "wait"  # send nothing; fetch again at ``until``
    RECONCILE = "reconcile"  # the answer said nothing about the parcels: fetch again, send nothing


class SentWrite(msgspec.Struct, frozen=True):
    """An ``add_parcel`` this station sent for a box, not yet tied to a parcel (its answer was lost,
    or it named several new parcels). ``parcels_before``: the shipment's parcel ids when it was sent."""

    box: BoxKey
    sent_at: datetime
    parcels_before: frozenset[str]


class BoxPlan(msgspec.Struct, frozen=True):
    action: PlanAction
    reason: str
    parcel: ParcelFact | None = None
    claim: ParcelClaim | None = None  # CLAIM: write now; ADOPT/BOOK_PARCELS: write after, if set
    until: datetime | None = None  # WAIT / CLAIM: fetch again then
    resolves: tuple[SentWrite, ...] = ()  # forget these once the parcel is recorded, not before
    parcels_before: frozenset[str] = frozenset()  # ADD_PARCEL: store with the SentWrite
    # CLAIM of a late commit (step 4): the write in doubt that may have made the parcel (it stays in
    # doubt until the box takes the parcel); None for a preset's claim (step 5).
    late_commit_of: SentWrite | None = None


def _may_be_from(parcel: ParcelFact, write: SentWrite, now: datetime, window: timedelta) -> bool:
    """Could ``write`` have made ``parcel``? It is new since the write was sent, and it was created
    (server clock) within ``window`` of the write, when a commit can still land; a parcel with no
    creation time counts only while the write is that young. The window bounds what a lost write can
    attract, not how long the station has to find it (a station offline for an hour still does)."""
    if parcel.id in write.parcels_before:
        return False
    if parcel.created_at is not None:
        return _utc(parcel.created_at) - _utc(write.sent_at) < window
    return now - _utc(write.sent_at) < window


def _take(
    parcel: ParcelFact,
    box: BoxKey,
    claims: Mapping[str, ParcelClaim],
    now: datetime,
    reason: str,
    resolves: tuple[SentWrite, ...] = (),
) -> BoxPlan:
    """The box owns ``parcel`` for certain: book it if needed, record it, make sure meta says so."""
    held = claims.get(parcel.id)
    claim = None if held is not None and held.box == box else ParcelClaim(parcel.id, box, now)
    action = PlanAction.ADOPT if parcel.booked else PlanAction.BOOK_PARCELS
    return BoxPlan(action, reason, parcel=parcel, claim=claim, resolves=resolves)


def plan_box_booking(
    shipment: ShipmentFacts,
    *,
    box: BoxKey,
    now: datetime,
    recorded: str | None = None,
    own_other: Iterable[str] = (),
    foreign_at_open: Iterable[str] = (),
    placeholders_at_open: Iterable[str] = (),
    sent_writes: Sequence[SentWrite] = (),
    answered: SentWrite | None = None,
    settle: timedelta = DEFAULT_SETTLE,
    claim_settle: timedelta = DEFAULT_CLAIM_SETTLE,
    late_commit_window: timedelta = DEFAULT_LATE_COMMIT_WINDOW,
    released_boxes: Iterable[BoxKey] = (),
    released_parcels: Iterable[str] = (),
) -> BoxPlan:
    """What to do next so that ``box`` holds exactly one parcel nobody else holds.

    ``recorded``: the parcel this box already recorded as its own (booking not finished).
    ``own_other``: parcel ids held by this station's other boxes of the shipment.
    ``foreign_at_open`` / ``placeholders_at_open``: from ``assess_open``.
    ``sent_writes``: this station's unresolved add_parcel writes for the shipment (any box); keep each
    until a plan names it in ``resolves`` or the order is completed (then forget them all).
    ``answered``: the write whose answer ``shipment`` is (it came back), if any.
    ``released_boxes``: this station's voided boxes of the shipment that hold no parcel (their booking
    was settled as "no parcel", so nothing of theirs is in flight: a shipment's operations run one at a
    time). A parcel one of them claimed in meta is this station's and free: the next box takes it.
    ``released_parcels``: parcels this station's voided boxes recorded and gave up unbooked; the same.
    Left alone it would be a liability, since ``bookParcels`` books every unbooked parcel of the
    shipment, whoever holds it, and nothing would cancel it before the order completes.
    Recompute after every answer and after every doubt; the plan is only as good as ``shipment``."""
    now = _utc(now)
    if shipment.parcels is None:
        return BoxPlan(
            PlanAction.RECONCILE, "Ingrid's answer did not list the parcels; fetching the shipment again"
        )
    mine_elsewhere = set(own_other)
    foreign = set(foreign_at_open)
    released = set(released_boxes) - {box}
    all_claims = read_parcel_claims(shipment.meta)
    claims = {pid: c for pid, c in all_claims.items() if c.box not in released}
    by_id = {p.id: p for p in shipment.parcels}

    def claimed_by_other(pid: str) -> bool:
        c = claims.get(pid)
        return c is not None and c.box != box

    freed_ids = {pid for pid, c in all_claims.items() if c.box in released} | set(released_parcels)
    freed = sorted(
        (
            by_id[pid]
            for pid in freed_ids
            if pid in by_id and pid not in mine_elsewhere and pid not in foreign and not claimed_by_other(pid)
        ),
        key=ParcelFact.sort_key,
    )

    # 1. What this box recorded is its own truth.
    if recorded is not None:
        parcel = by_id.get(recorded)
        if parcel is None:
            return BoxPlan(
                PlanAction.WAIT,
                f"parcel {recorded} of this box is not on the shipment in Ingrid; check the order",
                until=None,
            )
        return _take(parcel, box, claims, now, "this box's recorded parcel")

    # 2. A claim in meta for exactly this box (box keys are unique, so this station wrote it).
    own_claims = sorted(
        (
            c
            for pid, c in claims.items()
            if c.box == box and pid in by_id and pid not in mine_elsewhere and pid not in foreign
        ),
        key=lambda c: (c.at, c.parcel_id),
    )
    if own_claims:
        c = own_claims[0]
        if not c.settled(now, claim_settle):
            return BoxPlan(
                PlanAction.WAIT, "waiting for this box's claim to settle", until=c.at + claim_settle
            )
        parcel = by_id[c.parcel_id]
        # A claim of a late commit (step 4) accounts for this box's writes in doubt that could have
        # made the parcel only now that it stood: forgotten when the claim was written, a claim
        # overwritten by another bench left a parcel no write accounted for, booked with no box.
        made_it = tuple(
            w for w in sent_writes if w.box == box and _may_be_from(parcel, w, now, late_commit_window)
        )
        return _take(parcel, box, claims, now, "claimed for this box in the shipment's meta", made_it)

    def new_since(write: SentWrite) -> list[ParcelFact]:
        return [
            p
            for p in shipment.parcels or ()
            if _may_be_from(p, write, now, late_commit_window)
            and p.id not in mine_elsewhere
            and p.id not in foreign
            and not claimed_by_other(p.id)
        ]

    # 3. The answer to this box's own add_parcel names one new parcel: that one is the box's.
    if answered is not None and answered.box == box:
        appeared = [p for p in shipment.parcels if p.id not in answered.parcels_before]
        if len(appeared) == 1 and new_since(answered) == appeared:
            return _take(appeared[0], box, claims, now, "the parcel this box's add_parcel made", (answered,))

    # 3b. A parcel a voided box of this station had claimed: this station's, and no box holds it.
    if freed:
        return _take(freed[0], box, claims, now, "the parcel of a box voided here, taken by the next box")

    # 4. Parcels that appeared after this station's writes in doubt (late commits): once settled,
    #    nobody claimed them, so they are this station's. Claim first, take after the claim settles.
    live = list(sent_writes)
    if answered is not None and answered not in live:
        live.append(answered)  # it named several new parcels: as much in doubt as a lost answer
    own_pending = [w for w in live if w.box == box]
    unsettled_own = [w for w in own_pending if now - _utc(w.sent_at) < settle]
    settled = sorted(
        (w for w in live if now - _utc(w.sent_at) >= settle),
        key=lambda w: (w.box != box, _utc(w.sent_at)),  # this box's own writes first, then oldest
    )
    candidates: dict[str, tuple[ParcelFact, SentWrite]] = {}
    young: list[datetime] = []
    for w in settled:
        for p in new_since(w):
            # Another bench whose answer came back claims its parcel right after: give it ``settle``
            # from the parcel's creation (server clock; skew is small next to the settle delay).
            if p.created_at is not None and now - _utc(p.created_at) < settle:
                young.append(_utc(p.created_at) + settle)
                continue
            candidates.setdefault(p.id, (p, w))
    # A parcel that is also new for a write still unsettled may be that write's: leave it to it.
    unsettled_any = [w for w in live if now - _utc(w.sent_at) < settle]
    reserved = {p.id for w in unsettled_any for p in new_since(w)}
    usable = sorted(
        (pw for pid, pw in candidates.items() if pid not in reserved), key=lambda pw: pw[0].sort_key()
    )
    if usable:
        parcel, write = usable[0]
        return BoxPlan(
            PlanAction.CLAIM,
            "a parcel from an earlier write in doubt: claiming it for this box",
            parcel=parcel,
            claim=ParcelClaim(parcel.id, box, now),
            until=now + claim_settle,
            late_commit_of=write,  # stays in doubt until the claim stood and the box took it (step 2)
        )
    if unsettled_own:
        until = max(_utc(w.sent_at) for w in unsettled_own) + settle
        return BoxPlan(
            PlanAction.WAIT,
            "the last add_parcel's outcome is unknown: waiting before looking again (no resend yet)",
            until=until,
        )
    if own_pending and young:
        return BoxPlan(
            PlanAction.WAIT,
            "a new parcel nobody has claimed yet may be this box's late write: waiting before resending",
            until=min(young),
        )

    # 5. An unbooked preset parcel seen at open that no box holds: claim it first.
    preset_ids = set(placeholders_at_open)
    presets = sorted(
        (
            p
            for p in shipment.parcels
            if p.id in preset_ids
            and p.id not in mine_elsewhere
            and p.id not in foreign
            and not claimed_by_other(p.id)
        ),
        key=ParcelFact.sort_key,
    )
    if presets:
        preset = presets[0]
        return BoxPlan(
            PlanAction.CLAIM,
            "a preset parcel of the order: claiming it for this box",
            parcel=preset,
            claim=ParcelClaim(preset.id, box, now),
            until=now + claim_settle,
        )

    # 6. Nothing this box may take: a new parcel (a resend if this box's earlier write is settled and
    #    left no parcel behind; that write stays in ``sent_writes`` in case it commits later still).
    return BoxPlan(
        PlanAction.ADD_PARCEL,
        "no parcel is free for this box: adding one"
        + (" (resend after an unknown outcome)" if own_pending else ""),
        parcels_before=shipment.parcel_ids,
    )


# --- order completion -----------------------------------------------------------------------------


class SurplusAction(StrEnum):
    CANCEL = "cancel"  # booked, no box: deliveries.cancel(tracking number)
    LEAVE = "leave"  # unbooked, no box: nothing is paid for it; left as it is
    HOLD = "hold"  # another station is packing the order and may still take it


class SurplusParcel(msgspec.Struct, frozen=True):
    parcel: ParcelFact
    action: SurplusAction
    sentence: str


class CompletionReport(msgspec.Struct, frozen=True):
    surplus: tuple[SurplusParcel, ...] = ()
    conflicts: tuple[str, ...] = ()  # parcels held here that meta claims for another box
    unknown: bool = False  # parcels not listed: fetch again before completing
    wait_until: datetime | None = None  # a write in doubt has not settled: complete after this

    @property
    def to_cancel(self) -> tuple[SurplusParcel, ...]:
        return tuple(s for s in self.surplus if s.action is SurplusAction.CANCEL)

    def messages(self) -> tuple[str, ...]:
        out = [s.sentence for s in self.surplus]
        out += [
            f"Parcel {pid} is held by a box here but claimed by another box in Ingrid: check both benches."
            for pid in self.conflicts
        ]
        if self.unknown:
            out.insert(
                0, "Ingrid's answer did not list the parcels; fetching again before completing the order."
            )
        return tuple(out)


def surplus_parcels(
    shipment: ShipmentFacts,
    *,
    station: str,
    owned: Mapping[str, BoxKey],
    now: datetime,
    placeholders_at_open: Iterable[str] = (),
    sent_writes: Sequence[SentWrite] = (),
    settle: timedelta = DEFAULT_SETTLE,
    late_commit_window: timedelta = DEFAULT_LATE_COMMIT_WINDOW,
    marker_fresh: timedelta = DEFAULT_MARKER_FRESH,
    released: Iterable[str] = (),
) -> CompletionReport:
    """At order completion: the parcels no box holds that are this station's to clean up.

    ``owned``: parcel id -> box, every parcel this station's boxes of the shipment hold.
    Surplus = no box of this station holds it and no other box claims it, and it is this station's:
    claimed for one of its boxes (a voided box), given up by one of its voided boxes (``released``), an
    unbooked preset seen at open, or appeared after one of its writes in doubt (a late commit). Another
    bench's parcels are never touched."""
    now = _utc(now)
    if shipment.parcels is None:
        return CompletionReport(unknown=True)
    pending = [w for w in sent_writes if now - _utc(w.sent_at) < settle]
    if pending:
        return CompletionReport(wait_until=max(_utc(w.sent_at) for w in pending) + settle)
    claims = read_parcel_claims(shipment.meta)
    presets = set(placeholders_at_open) | set(released)
    marker = read_packing_marker(shipment.meta)
    other_busy = marker is not None and marker.station != station and marker.is_fresh(now, marker_fresh)
    conflicts = tuple(
        sorted(pid for pid, b in owned.items() if (c := claims.get(pid)) is not None and c.box != b)
    )
    surplus: list[SurplusParcel] = []
    for p in sorted(shipment.parcels, key=ParcelFact.sort_key):
        if p.id in owned:
            continue
        c = claims.get(p.id)
        if c is not None and c.box.station != station:
            continue  # another bench's box
        ours = (
            c is not None
            or p.id in presets
            or any(_may_be_from(p, w, now, late_commit_window) for w in sent_writes)
        )
        if not ours:
            continue
        label = f"parcel {p.tracking_number}" if p.booked else "an unbooked parcel"
        if other_busy and c is None and marker is not None:
            surplus.append(
                SurplusParcel(
                    p,
                    SurplusAction.HOLD,
                    f"No box here holds {label}; left for {marker.station}, which is packing this order too.",
                )
            )
        elif p.booked:
            surplus.append(
                SurplusParcel(
                    p,
                    SurplusAction.CANCEL,
                    f"No box holds {label}: its delivery is being cancelled so it is not paid for.",
                )
            )
        else:
            surplus.append(
                SurplusParcel(
                    p,
                    SurplusAction.LEAVE,
                    "The order had one more parcel than boxes; it is left unbooked (nothing is paid for it).",
                )
            )
    return CompletionReport(tuple(surplus), conflicts)


# --- duplicate shipments for one order ------------------------------------------------------------


class ShipmentTriage(msgspec.Struct, frozen=True):
    keep: ShipmentFacts | None
    cancel: tuple[ShipmentFacts, ...] = ()  # no booked parcel: shipments.cancel is safe
    attention: tuple[ShipmentFacts, ...] = ()  # also has booked parcels, or unknown parcels: a person
    reason: str = ""


def surplus_shipments(shipments: Sequence[ShipmentFacts], *, prefer: str | None = None) -> ShipmentTriage:
    """Several shipments for one ``tos_id`` (a create committed after the client gave up): keep the
    one holding booked parcels (else the one ``prefer`` names, the one this station packs boxes for,
    else the oldest), cancel the others that hold none; any other one with booked or unlisted parcels
    is for a person, never cancelled blindly."""
    if not shipments:
        return ShipmentTriage(None, reason="no shipment")
    far = datetime.max.replace(tzinfo=UTC)

    def booked(s: ShipmentFacts) -> int:
        return sum(1 for p in s.parcels or () if p.booked)

    ordered = sorted(shipments, key=lambda s: (-booked(s), s.id != prefer, s.created_at or far, s.id))
    keep = ordered[0]
    cancel = tuple(s for s in ordered[1:] if s.parcels is not None and booked(s) == 0)
    attention = tuple(s for s in ordered[1:] if s not in cancel)
    if len(shipments) == 1:
        return ShipmentTriage(keep, reason="one shipment")
    why = f"{len(shipments)} shipments for one order: keeping {keep.id}"
    return ShipmentTriage(keep, cancel, attention, why)
