"""The emulator in a process of its own, as Ingrid is: its CPU work does not compete with the station's
for one interpreter lock, and its CPU time can be read apart from the station's.

``RemoteEmulator()`` spawns the process and forwards the few ``Emulator`` methods benchmarks use over a
pipe; ``cpu_seconds()`` is the emulator process's own CPU time (every thread: HTTP parsing, the SOM
service, label generation), which is what the API costs on the server's side.
"""

from __future__ import annotations

import multiprocessing
import time
from typing import Any

from packstation.emulator import DEMO_TOKEN, Emulator, model

# How long the spawned process may take to import the package and bind its port (a cold start of a
# busy CI machine takes a few seconds; a minute means it is stuck).
START_TIMEOUT_S = 60.0


def _serve(conn: Any, latency_ms: int, label_format: str) -> None:
    offset = [0.0]  # set_clock_offset(): the server's time runs this far from the wall clock
    model.set_clock(lambda: time.time() + offset[0])
    try:
        emulator = Emulator(
            token=DEMO_TOKEN, host="127.0.0.1", port=0, latency_ms=latency_ms, label_format=label_format
        )
        emulator.start()
    except Exception as exc:  # the parent says why, instead of waiting for an address never sent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", emulator.base_url, emulator.site_id))
    while True:
        name, args, kwargs = conn.recv()
        if name == "stop":
            emulator.stop()
            conn.send(None)
            return
        if name == "cpu_seconds":
            conn.send(time.process_time())
        elif name == "request_count":
            conn.send(len(emulator.requests))
        elif name == "set_clock_offset":
            offset[0] = float(args[0])
            conn.send(None)
        elif name == "forget_shipments":
            conn.send(_forget(emulator, *args))
        else:
            conn.send(getattr(emulator, name)(*args, **kwargs))


def _forget(emulator: Emulator, shipment_ids: list[str]) -> int:
    # The emulator finds shipments by scanning its dict (Ingrid has indexes): a soak of thousands of
    # orders would otherwise measure the emulator's look-ups growing, not the station.
    with emulator.lock:
        return sum(emulator.service.shipments.pop(sid, None) is not None for sid in shipment_ids)


class RemoteEmulator:
    """An ``Emulator`` in a spawned process; call ``stop()`` when done."""

    def __init__(self, latency_ms: int = 0, *, label_format: str = "svg") -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, latency_ms, label_format), daemon=True)
        self._process.start()
        # Only the child holds its end now: if it dies before answering, recv() ends with EOFError
        # instead of waiting for ever on a pipe this process could still write to.
        child.close()
        self.base_url, self.site_id = self._started()

    def _started(self) -> tuple[str, str]:
        """The child's address and site, or a clear error when it failed, died or hung at start."""
        if not self._conn.poll(START_TIMEOUT_S):  # (a dead child's end-of-file counts as ready)
            self._process.terminate()
            raise RuntimeError(f"the emulator process did not start within {START_TIMEOUT_S:.0f} s")
        try:
            answer = self._conn.recv()
        except EOFError:
            self._process.join(timeout=10)
            raise RuntimeError(
                f"the emulator process exited (code {self._process.exitcode}) before it started"
            ) from None
        if answer[0] == "error":
            self._process.join(timeout=10)
            raise RuntimeError(f"the emulator process could not start: {answer[1]}")
        _, base_url, site_id = answer
        return base_url, site_id

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._conn.send((name, args, kwargs))
        return self._conn.recv()

    def seed_shipment(self, *args: Any, **kwargs: Any) -> str:
        return self._call("seed_shipment", *args, **kwargs)

    def set_latency(self, ms: int) -> None:
        self._call("set_latency", ms)

    def shipment_json(self, shipment_id: str) -> dict[str, Any]:
        return self._call("shipment_json", shipment_id)

    def cpu_seconds(self) -> float:
        """The emulator process's CPU time so far (user + system, all threads)."""
        return self._call("cpu_seconds")

    def request_count(self) -> int:
        """HTTP requests the emulator has answered (its request log; kept up to 10,000)."""
        return self._call("request_count")

    def set_clock_offset(self, seconds: float) -> None:
        """The emulator's timestamps run ``seconds`` from the wall clock (a simulated clock)."""
        self._call("set_clock_offset", seconds)

    def forget_shipments(self, shipment_ids: list[str]) -> int:
        """Drop these shipments from the emulator (orders long packed); returns how many it had."""
        return self._call("forget_shipments", shipment_ids)

    def stop(self) -> None:
        self._call("stop")
        self._process.join(timeout=10)
