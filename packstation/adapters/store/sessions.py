"""Packing sessions: one row per order being packed, with the domain's snapshot of it and its state
(``packstation.domain.packing.SessionState``: packing, parked, complete, cancelled), and whether its
packing slip is still owed.

A snapshot is saved after every scan, and most of it does not change: the order (a 2,000-line order is
~100 KB of JSON) and the closed boxes. So a save writes only what changed since the last save of the
same session (schema v9): a row in ``session_deltas`` with the top-level values that changed and the
boxes that changed (by position), in the same transaction that updates the session's row. The session
row's ``snapshot`` is the base the deltas apply to, in ``seq`` order; reading a session applies them.
The whole snapshot is written again (and the deltas deleted, same transaction) when the store does not
know for sure what was saved last (first save in this process, another writer, a rolled-back
transaction: the row's ``snapshot_rev`` is not the one this process wrote), when the order part changed,
when the session is finished (complete or cancelled), and when the deltas add up to more than the base
(so a read applies at most about the base's size again). A box close (``update_snapshot``, inside the
box's transaction) follows the same rules.

Crash safety is that of one transaction: a save is all there or not at all, and what a read returns is
exactly the last snapshot committed.

``update_snapshot`` is the in-transaction step the boxes use (a box close saves the snapshot with it).
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from packstation.adapters.store.connection import Repository
from packstation.adapters.store.outbox import insert_op
from packstation.adapters.store.voiding import void_in
from packstation.domain.frozen import ReadOnlyDict
from packstation.domain.outbox import OpKind
from packstation.domain.packing import SessionState

ACTIVE = (SessionState.PACKING, SessionState.PARKED)
_FINAL = (SessionState.COMPLETE.value, SessionState.CANCELLED.value)
_PARTS = ("order", "boxes")  # the parts a delta handles apart; every other top-level key is "head"


@dataclass
class _Saved:
    """What this process last wrote for one session: enough to write the next save as a delta."""

    rev: int  # the row's snapshot_rev written with it
    order: Any  # the order part written (the domain's read-only value, or a private copy)
    head: dict[str, Any]  # every other top-level value but the boxes (JSON scalars, private copies)
    boxes: list[Any] = field(default_factory=list)  # private copies of the boxes written
    base_chars: int = 0  # the size of the row's snapshot text
    delta_chars: int = 0  # the deltas written since


# session id -> what was last written; a few sessions are open at once (current and parked)
_saved: OrderedDict[str, _Saved] = OrderedDict()
_SAVED_KEPT = 8
_saved_lock = threading.Lock()  # snapshots are saved from the GUI thread and the store's worker threads


def _copy(value: Any) -> Any:
    """A private copy of a JSON value (nobody else holds it, so it cannot change behind our back)."""
    if isinstance(value, ReadOnlyDict):
        return value  # cannot change at all
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return json.loads(_dumps(value))


def _remember(session_id: str, saved: _Saved | None) -> None:
    with _saved_lock:
        if saved is None:
            _saved.pop(session_id, None)
            return
        _saved[session_id] = saved
        _saved.move_to_end(session_id)
        while len(_saved) > _SAVED_KEPT:
            _saved.popitem(last=False)


def _recall(session_id: str) -> _Saved | None:
    with _saved_lock:
        return _saved.get(session_id)


def _same_order(saved: _Saved, order: Any) -> bool:
    if order is saved.order and isinstance(order, ReadOnlyDict):
        return True  # the domain's one read-only value: unchanged by construction
    return bool(order == saved.order)


def _delta(saved: _Saved, snapshot: dict[str, Any]) -> tuple[str | None, list[Any], dict[str, Any]] | None:
    """The delta from what ``saved`` says was written to ``snapshot`` (its text, None if nothing
    changed; the new boxes and head), or None where the whole snapshot must be written."""
    boxes = snapshot.get("boxes")
    if not isinstance(boxes, list) or not _same_order(saved, snapshot.get("order")):
        return None
    head = {key: value for key, value in snapshot.items() if key not in _PARTS}
    if head.keys() != saved.head.keys() or head.get("state") in _FINAL:
        return None
    changed_head = {key: value for key, value in head.items() if value != saved.head[key]}
    old = saved.boxes
    changed = [[i, box] for i, box in enumerate(boxes) if i >= len(old) or box != old[i]]
    if not changed_head and not changed and len(boxes) == len(old):
        return None, old, saved.head
    text = _dumps({"head": changed_head, "boxes": changed, "count": len(boxes)})
    if saved.delta_chars + len(text) > saved.base_chars:
        return None  # compact: the deltas would outweigh the base
    new_boxes = list(old[: len(boxes)])
    for i, box in changed:
        copy = _copy(box)
        if i < len(new_boxes):
            new_boxes[i] = copy
        else:
            new_boxes.append(copy)
    return text, new_boxes, {**saved.head, **{k: _copy(v) for k, v in changed_head.items()}}


def _apply_delta(snapshot: dict[str, Any], delta: dict[str, Any]) -> None:
    snapshot.update(delta["head"])
    boxes = snapshot.setdefault("boxes", [])
    for i, box in delta["boxes"]:
        if i < len(boxes):
            boxes[i] = box
        else:
            boxes.append(box)
    del boxes[delta["count"] :]


def _write_delta(
    conn: sqlite3.Connection, session_id: str, snapshot: dict[str, Any], sql: str, params: tuple[Any, ...]
) -> _Saved | None:
    """Write ``snapshot`` as a delta if this process knows what the row holds: ``sql`` updates the row's
    other columns and must end with ``snapshot_rev = ? WHERE id = ? AND snapshot_rev = ?`` (the three
    given here). Returns what is then saved, or None (nothing written: write the whole snapshot)."""
    saved = _recall(session_id)
    if saved is None:
        return None
    found = _delta(saved, snapshot)
    if found is None:
        return None
    text, boxes, head = found
    rev = secrets.randbits(62)
    cur = conn.execute(sql, (*params, rev, session_id, saved.rev))
    if cur.rowcount != 1:  # another writer (or a rolled-back transaction): what the row holds is unknown
        return None
    if text is None:  # nothing changed: no delta row
        return _Saved(rev, saved.order, head, boxes, saved.base_chars, saved.delta_chars)
    conn.execute("INSERT INTO session_deltas (session_id, delta) VALUES (?, ?)", (session_id, text))
    return _Saved(rev, saved.order, head, boxes, saved.base_chars, saved.delta_chars + len(text))


def _whole(session_id: str, snapshot: dict[str, Any]) -> tuple[str, _Saved | None]:
    """The whole snapshot's text, and what to remember once it is written (None: not a session's)."""
    text = dumps(snapshot)
    order, boxes = snapshot.get("order"), snapshot.get("boxes")
    if snapshot.get("session_id") != session_id or not isinstance(boxes, list):
        return text, None
    head = {key: _copy(value) for key, value in snapshot.items() if key not in _PARTS}
    return text, _Saved(
        secrets.randbits(62), _copy(order), head, [_copy(box) for box in boxes], base_chars=len(text)
    )


def update_snapshot(
    conn: sqlite3.Connection,
    now: float,
    session_id: str,
    snapshot: dict[str, Any],
    state: SessionState | None = None,
) -> None:
    """Save a session's snapshot (and state) inside the caller's write transaction: a delta where it
    can be, else the whole snapshot."""
    saved = _write_delta(
        conn,
        session_id,
        snapshot,
        "UPDATE packing_sessions SET state = COALESCE(?, state), updated_at = ?, snapshot_rev = ?"
        " WHERE id = ? AND snapshot_rev = ?",
        (None if state is None else state.value, now),
    )
    if saved is None:
        text, saved = _whole(session_id, snapshot)
        cur = conn.execute(
            "UPDATE packing_sessions SET snapshot = ?, snapshot_rev = ?, state = COALESCE(?, state),"
            " updated_at = ? WHERE id = ?",
            (text, saved.rev if saved else 0, None if state is None else state.value, now, session_id),
        )
        if cur.rowcount != 1:
            raise KeyError(f"unknown packing session {session_id!r}")
        conn.execute("DELETE FROM session_deltas WHERE session_id = ?", (session_id,))
    # Remembered before the caller's COMMIT: should it roll back, the row keeps its old snapshot_rev,
    # which the next delta's UPDATE does not match, and the whole snapshot is written again.
    _remember(session_id, saved)


class SessionStore(Repository):
    def save(
        self,
        session_id: str,
        *,
        order_key: str,
        shipment_id: str | None,
        state: SessionState | str,
        packer: str,
        snapshot: dict[str, Any],
        slip_wanted: bool = False,
    ) -> None:
        """Save a session; ``slip_wanted`` records, in the same transaction, that its packing slip is
        owed (it stays owed until its print job is queued or it is skipped, whatever crashes between)."""
        try:
            state = SessionState(state)
        except ValueError:
            raise ValueError(f"unknown session state {state!r}") from None
        now = self._clock()
        with self.db.write() as conn:
            before = conn.execute("SELECT state FROM packing_sessions WHERE id = ?", (session_id,)).fetchone()
            saved = _write_delta(
                conn,
                session_id,
                snapshot,
                "UPDATE packing_sessions SET order_key = ?, shipment_id = ?, state = ?, packer = ?,"
                " updated_at = ?, snapshot_rev = ? WHERE id = ? AND snapshot_rev = ?",
                (order_key, shipment_id, state.value, packer, now),
            )
            if saved is None:
                text, saved = _whole(session_id, snapshot)
                conn.execute(
                    "INSERT INTO packing_sessions (id, order_key, shipment_id, state, packer, snapshot,"
                    " snapshot_rev, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT(id) DO UPDATE SET order_key = excluded.order_key,"
                    " shipment_id = excluded.shipment_id, state = excluded.state, packer = excluded.packer,"
                    " snapshot = excluded.snapshot, snapshot_rev = excluded.snapshot_rev,"
                    " updated_at = excluded.updated_at",
                    (
                        session_id,
                        order_key,
                        shipment_id,
                        state.value,
                        packer,
                        text,
                        saved.rev if saved else 0,
                        now,
                        now,
                    ),
                )
                conn.execute("DELETE FROM session_deltas WHERE session_id = ?", (session_id,))
            completing = before is None or before["state"] != SessionState.COMPLETE.value
            if state is SessionState.COMPLETE and shipment_id and completing:
                # The order's clean-up (surplus parcels, the marker) rides behind its box bookings,
                # queued as the session becomes complete (a completed session saved again, at every
                # box event after completion, already has it: no scan of the whole outbox for it).
                exists = conn.execute(
                    "SELECT 1 FROM outbox WHERE kind = ? AND payload = ?",
                    (OpKind.SETTLE_ORDER.value, json.dumps({"session_id": session_id}, sort_keys=True)),
                ).fetchone()
                if exists is None:
                    insert_op(
                        conn,
                        now,
                        OpKind.SETTLE_ORDER,
                        shipment_id,
                        {"session_id": session_id},
                        None,
                    )
            if slip_wanted:
                conn.execute(
                    "UPDATE packing_sessions SET slip = 'wanted' WHERE id = ? AND slip IS NULL", (session_id,)
                )
        _remember(session_id, saved)  # committed

    def cancel(self, session_id: str, *, snapshot: dict[str, Any] | None = None) -> list[int]:
        """Cancel an order's packing: every box of the session is voided (as ``boxes.void``), the
        session becomes cancelled, in one transaction. Returns the ids of the boxes voided now."""
        with self.db.write() as conn:
            rows = conn.execute(
                "SELECT * FROM boxes WHERE session_id = ? AND state != 'voided' ORDER BY slot DESC, id DESC",
                (session_id,),
            ).fetchall()
            for row in rows:
                void_in(conn, self._clock(), row)
            if snapshot is None:
                cur = conn.execute(
                    "UPDATE packing_sessions SET state = ?, updated_at = ? WHERE id = ?",
                    (SessionState.CANCELLED.value, self._clock(), session_id),
                )
                if cur.rowcount != 1:
                    raise KeyError(f"unknown packing session {session_id!r}")
            else:
                update_snapshot(conn, self._clock(), session_id, snapshot, SessionState.CANCELLED)
        return [int(r["id"]) for r in rows]

    def get(self, session_id: str) -> dict[str, Any] | None:
        row = self.db.query_one("SELECT * FROM packing_sessions WHERE id = ?", (session_id,))
        return None if row is None else self._row(row)

    def in_states(self, states: Iterable[SessionState | str] = ACTIVE) -> list[dict[str, Any]]:
        """Sessions in these states (default: packing or parked), least recently changed first."""
        values = tuple(SessionState(s).value for s in states)
        marks = ",".join("?" * len(values))
        rows = self.db.query(
            f"SELECT * FROM packing_sessions WHERE state IN ({marks}) ORDER BY updated_at", values
        )
        return [self._row(r) for r in rows]

    def owed_a_slip(self) -> list[dict[str, Any]]:
        rows = self.db.query("SELECT * FROM packing_sessions WHERE slip = 'wanted' ORDER BY updated_at")
        return [self._row(r) for r in rows]

    def _row(self, row: sqlite3.Row) -> dict[str, Any]:
        deltas = self.db.query(
            "SELECT delta FROM session_deltas WHERE session_id = ? ORDER BY seq", (row["id"],)
        )
        return session_row(row, [d["delta"] for d in deltas])

    def slip_owed(self, session_id: str) -> bool:
        """True while the session's packing slip is owed (wanted and not yet queued or skipped)."""
        row = self.db.query_one("SELECT slip FROM packing_sessions WHERE id = ?", (session_id,))
        return row is not None and row["slip"] == "wanted"

    def skip_slip(self, session_id: str) -> None:
        """The slip cannot be made (no order details here, a render error): stop owing it."""
        with self.db.write() as conn:
            conn.execute(
                "UPDATE packing_sessions SET slip = 'skipped' WHERE id = ? AND slip = 'wanted'", (session_id,)
            )


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


_ORDER_MARK = "\x00packstation-order\x00"
_ORDER_MARK_JSON = _dumps(_ORDER_MARK)
# session id -> (its order part: the domain's read-only value or a private copy, that part's JSON)
_order_texts: OrderedDict[str, tuple[Any, str]] = OrderedDict()
_ORDER_TEXTS_KEPT = 8  # sessions open at once (current and parked) rarely exceed this
_order_texts_lock = threading.Lock()


def dumps(value: Any) -> str:
    """A session snapshot as JSON, exactly ``json.dumps(value, separators=(",", ":"), sort_keys=True)``.

    Most of a whole snapshot is the order (a 2,000-line order is ~100 KB), which does not change while
    it is packed: its JSON is made once per session and spliced into the rest. The order is unchanged
    when it is the domain's same read-only value (``domain/frozen.py``), or else equal to a private
    copy (in C, a fraction of a millisecond), so a caller changing its dicts can never get stale text."""
    order = value.get("order") if isinstance(value, dict) else None
    key = value.get("session_id") if isinstance(value, dict) else None
    if not isinstance(order, dict) or not isinstance(key, str):
        return _dumps(value)
    with _order_texts_lock:  # snapshots are saved from the GUI thread and the store's worker threads
        cached = _order_texts.get(key)
        same = cached is not None and (
            (cached[0] is order and isinstance(order, ReadOnlyDict)) or cached[0] == order
        )
        if cached is None or not same:
            text = _dumps(order)
            cached = (order if isinstance(order, ReadOnlyDict) else json.loads(text), text)
            _order_texts[key] = cached
            while len(_order_texts) > _ORDER_TEXTS_KEPT:
                _order_texts.popitem(last=False)
        else:
            _order_texts.move_to_end(key)
    rest = _dumps({**value, "order": _ORDER_MARK})
    if rest.count(_ORDER_MARK_JSON) != 1:  # the mark also inside the data itself: do it the long way
        return _dumps(value)
    return rest.replace(_ORDER_MARK_JSON, cached[1])


def session_row(row: sqlite3.Row, deltas: Iterable[str] = ()) -> dict[str, Any]:
    """A session's row as a dict, its snapshot read and its ``deltas`` (texts, in order) applied."""
    data = dict(row)
    snapshot = json.loads(data["snapshot"] or "{}")
    for text in deltas:
        _apply_delta(snapshot, json.loads(text))
    data["snapshot"] = snapshot
    data.pop("snapshot_rev", None)
    return data
