"""Start-up time of the station window, from source and frozen, against a bare PySide6 window.

Not a pytest module (no ``test_`` prefix): run it by hand and paste the table into the README::

    .venv/bin/python tests/benchmarks/startup.py            # source only
    .venv/bin/python tests/benchmarks/startup.py --frozen   # also dist/packstation (tools/build_bundle.sh)

What is timed, for each variant: launch of a new process -> the window is shown, its first frame is
painted, the event loop has spun -> the process has exited. The app runs ``--demo --replay <empty>
--exit-when-idle``, so it quits as soon as it is ready to scan and nothing is queued; the baseline is
a QMainWindow with one label doing the same. Both include interpreter start and shutdown, so the ratio
compares like with like. The first run of each variant is reported apart ("first": caches as the
build or the previous variant left them; dropping the OS page cache needs privileges we do not assume);
then the median of ``--runs`` warm runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FROZEN = REPO / "dist" / "packstation" / ("packstation.exe" if sys.platform == "win32" else "packstation")
BARE_WINDOW = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.setCentralWidget(QLabel("Scan an order"))
window.resize(1024, 700)
window.show()
QTimer.singleShot(0, app.quit)  # after the first frame: the loop has run once
sys.exit(app.exec())
"""


def time_once(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])}... failed ({result.returncode}): {result.stderr[-800:]}")
    return elapsed


def measure(name: str, command: list[str], env: dict[str, str], runs: int) -> dict[str, float | str]:
    first = time_once(command, env)
    warm = [time_once(command, env) for _ in range(runs)]
    return {"name": name, "first": first, "median": statistics.median(warm), "max": max(warm)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frozen", action="store_true", help="also time dist/packstation")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="packstation-startup-"))
    replay = work / "empty-replay.txt"
    replay.write_text("", encoding="utf-8")
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "XDG_CONFIG_HOME": str(work / "config"),
        "XDG_DATA_HOME": str(work / "data"),
        "XDG_STATE_HOME": str(work / "state"),
        "ESCPOS_CAPABILITIES_PICKLE_DIR": str(work / "escpos"),
    }
    app_args = ["--demo", "--replay", str(replay), "--exit-when-idle", "--printer", f"file:{work / 'l.bin'}"]
    variants = [
        ("bare PySide6 window (source)", [sys.executable, "-c", BARE_WINDOW]),
        ("packstation (source)", [sys.executable, "-m", "packstation", *app_args]),
    ]
    if args.frozen:
        if not FROZEN.exists():
            print(f"{FROZEN} is missing: run tools/build_bundle.sh first", file=sys.stderr)
            return 1
        variants.append(("packstation (frozen)", [str(FROZEN), *app_args]))

    results = []
    for index, (name, command) in enumerate(variants):
        step_env = {**env, "PACKSTATION_DATA_DIR": str(work / f"station-{index}")}
        results.append(measure(name, command, step_env, args.runs))
    baseline = results[0]["median"]
    print(f"{'variant':<32} {'first':>8} {'median':>8} {'max':>8} {'x bare':>7}   ({args.runs} warm runs)")
    for row in results:
        ratio = row["median"] / baseline
        times = f"{row['first']:>7.2f}s {row['median']:>7.2f}s {row['max']:>7.2f}s"
        print(f"{row['name']:<32} {times} {ratio:>6.1f}x")
    worst = max(row["first"] for row in results[1:])
    print(f"\nslowest packstation start (first run): {worst:.2f} s; target: ready to scan within 1.5 s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
