"""The screen, projected from the station's state: ``project(state) -> StationView``.

One pure function, so what the packer sees is derived in one place from ``StationState`` alone and
can be tested without scans. ``Station`` calls it after every change and keeps the result as
``station.view``.
"""

from __future__ import annotations

from packstation.domain import station_text as text
from packstation.domain.packing import SessionState
from packstation.domain.station_state import StationState
from packstation.domain.station_weight import weight_display
from packstation.domain.view import StationView

__all__ = ["project"]


def project(state: StationState) -> StationView:
    session = state.current
    caption, other_order = "", False
    if state.preview_of is not None and state.last_label_png:
        order_id, box_number = state.preview_of
        other_order = session is not None and session.order.order_id != order_id
        caption = text.preview_caption(order_id, box_number, other_order=other_order)
    weight_text, weight_state, weight_detail = weight_display(
        state.settings.weight_mode, state.weigh, session.session_id if session else ""
    )
    return StationView(
        packer=state.packer,
        order=text.header(session) if session else None,
        lines=session.lines_view() if session else (),
        boxes=session.boxes_view() if session else (),
        feedback=state.feedback,
        status=state.status,
        prompt=text.prompt(state),
        parked_orders=tuple(s.order.order_id for s in state.parked.values()),
        pending_confirmation=text.pending(state.pending, session),
        last_label_png=state.last_label_png,
        last_label_caption=caption,
        last_label_other_order=other_order,
        complete=session is not None and session.state is SessionState.COMPLETE,
        weight_text=weight_text,
        weight_state=weight_state,
        weight_detail=weight_detail,
    )
