"""The station's weighing policy: what the scale shows in words, and whether a box may close on it.

The station keeps a ``WeighState``: the scale's latest ``Reading`` (from ``Station.weight_changed``), the
scale's current fault in words (``Station.scale_failed``), a weight typed for the open box (a
``WEIGHT:850`` / ``W:1.25kg`` scan, or the same text in the window's entry field) and whether an
auto-close is waiting for a weight. ``weight_for_close`` applies ``WeightGate``: stable and above zero
only; a typed weight outranks the scale (the packer typed it on purpose, e.g. a box too heavy for it).

Weight modes (``StationSettings.weight_mode``, a ``WeightMode``): OFF no scale (a typed weight is still
kept with the box), SCALE a USB scale (typing is the fallback when ``manual_weight`` allows it), MANUAL
typed only.
With ``require_weight`` a box without a usable weight does not close; otherwise it closes unweighed.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import msgspec

from packstation.domain.i18n import t
from packstation.domain.scale import Reading, ScaleStatus, WeightGate, format_grams


class WeightMode(StrEnum):
    """How the bench weighs boxes. The values are the words ``Config.weight_mode`` derives from the
    ``scale`` setting, so ``WeightMode(config.weight_mode)`` converts it."""

    OFF = ""  # no scale
    SCALE = "scale"  # a USB scale
    MANUAL = "manual"  # typed weights only


TYPE_HINT = "W:1.25kg"

# Why a reading cannot be a box's weight, as the start of a sentence (the caller says what comes next).
# Callables so that the words follow the language chosen at start-up.
_NOT_USABLE = {
    ScaleStatus.IN_MOTION: lambda: t("Scale not steady: wait for a stable weight"),
    ScaleStatus.STABLE_ZERO: lambda: t("The scale shows zero: put the box on the scale"),
    ScaleStatus.UNDER_ZERO: lambda: t("The scale reads below zero: take everything off and press ZERO"),
    ScaleStatus.OVER_WEIGHT: lambda: t(
        "The box is too heavy for the scale: weigh it elsewhere and type the weight"
    ),
    ScaleStatus.FAULT: lambda: t("The scale reports a fault: switch it off and on"),
    ScaleStatus.NEEDS_CALIBRATION: lambda: t("The scale needs calibrating: ask a supervisor"),
    ScaleStatus.NEEDS_REZEROING: lambda: t("The scale needs re-zeroing: empty it and press ZERO"),
}


@dataclass
class WeighState:
    reading: Reading | None = None
    problem: str = ""  # the scale's fault in words ("" while it answers)
    typed: tuple[str, int] | None = None  # (session id, grams) typed for that session's open box
    waiting_close: str = ""  # session id whose auto-close was held back for want of a weight
    accepted: tuple[str, int] | None = None  # (session id, box number) whose weight a supervisor accepted


class WeightCheck(msgspec.Struct, frozen=True):
    """``grams`` to record (None: unweighed), or ``refusal`` (a clause, no final full stop) when the box
    must not close."""

    grams: int | None
    refusal: str = ""


def weight_for_close(
    mode: WeightMode,
    require: bool,
    manual_allowed: bool,
    gate: WeightGate,
    state: WeighState,
    session_id: str,
) -> WeightCheck:
    if state.typed is not None and state.typed[0] == session_id:
        return WeightCheck(state.typed[1])
    refusal = ""
    if mode is WeightMode.SCALE:
        if state.problem:
            refusal = t("No weight from the scale ({problem})", problem=state.problem.rstrip(". "))
            if manual_allowed:
                refusal = t("{reason}: type the weight ({hint})", reason=refusal, hint=TYPE_HINT)
        elif state.reading is None:
            refusal = t("No weight from the scale yet: put the box on the scale")
        else:
            decision = gate.decide(state.reading)
            if decision.allowed:
                return WeightCheck(decision.weight_g)
            reason = _NOT_USABLE.get(state.reading.status)
            refusal = reason() if reason else decision.message.rstrip(".")
    elif mode is WeightMode.MANUAL:
        refusal = t("Type the box's weight first ({hint})", hint=TYPE_HINT)
    if not require:
        return WeightCheck(None)
    return WeightCheck(None, refusal)


def weight_mismatch(actual_g: int, expected_g: float, tolerance_pct: float, tolerance_g: int) -> bool:
    """True when a box's weight is off its expected weight by more than both tolerances (the larger
    of ``tolerance_pct`` percent of the expected weight and ``tolerance_g`` grams)."""
    allowed = max(expected_g * tolerance_pct / 100, tolerance_g)
    return abs(actual_g - expected_g) > allowed


def typed_weight(gate: WeightGate, text: str) -> tuple[int | None, str]:
    """(grams, "") for a typed weight the gate accepts, else (None, what to type instead)."""
    decision = gate.decide_manual(text)
    if not decision.allowed:
        return None, decision.message
    return decision.weight_g, ""


def weight_display(mode: WeightMode, state: WeighState, session_id: str) -> tuple[str, str, str]:
    """(short text, style state, tooltip) for the live weight item; ("", "", "") when weights are off."""
    if state.typed is not None and state.typed[0] == session_id:
        return t("{weight} typed", weight=format_grams(state.typed[1])), "ok", t("Typed for the open box")
    if mode is WeightMode.MANUAL:
        return t("No weight: type {hint}", hint=TYPE_HINT), "muted", t("Weights are typed at this bench")
    if mode is not WeightMode.SCALE:
        return "", "", ""
    if state.problem:
        return t("No scale"), "bad", state.problem
    reading = state.reading
    if reading is None:
        return t("Scale: waiting"), "muted", t("Waiting for the scale's first weight")
    shown = reading.display
    if reading.status is ScaleStatus.STABLE:
        return t("{weight} stable", weight=shown), "ok", ""
    if reading.status is ScaleStatus.STABLE_ZERO:
        return t("Scale empty"), "muted", ""
    if reading.status is ScaleStatus.IN_MOTION:
        return t("{weight} unstable", weight=shown), "warn", t("Scale not steady: wait for a stable weight")
    reason = _NOT_USABLE.get(reading.status)
    return t("Scale not ready"), "bad", reason() if reason else t("The scale is not ready")
