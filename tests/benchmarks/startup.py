"""Start-up time of the station window, from source and frozen, against a bare PySide6 window.

Not a pytest module (no ``test_`` prefix; ``test_bench_startup.py`` runs it once as a test): run it by
hand and paste the table into the README::

    .venv/bin/python tests/benchmarks/startup.py                    # source only
    .venv/bin/python tests/benchmarks/startup.py --frozen           # also dist/packstation
    .venv/bin/python tests/benchmarks/startup.py --base /tmp/old    # also an older source tree
    .venv/bin/python tests/benchmarks/startup.py --frozen --frozen-base /tmp/old   # and its bundle
    .venv/bin/python tests/benchmarks/startup.py --importtime 15    # top imports (median of --runs starts)
    .venv/bin/python tests/benchmarks/startup.py --importtime 15 --base /tmp/old   # and of the older tree

Timed from outside, for each variant, from the launch of a new process to:

* ``paint``: the window has finished its first paint (layout, paint, flush), the station started and
  the scanner listening: the process writes ``time.monotonic()`` into ``PACKSTATION_STARTUP_MARK``
  (``packstation/gui/startup_mark.py``; the bare window does the same) and this script compares it with
  its own monotonic clock at launch;
* ``exit``: the process has exited. The app runs ``--demo --replay <empty> --exit-when-idle``: it
  starts the demo emulator, gets ready, finds nothing to do and quits cleanly; the bare window is a
  QMainWindow with one label that quits after its first frame;
* ``cpu``: the CPU time (user + system) the whole run used. On a busy machine a longer run waits longer
  for a core, so the wall-clock ratios grow with the load; the CPU ratio changes much less.

Both include interpreter start and shutdown, so the ratios compare like with like; the bare window is
measured in the same run, interleaved with the others. Byte-code caches are allowed as on an installed
bench (``PYTHONDONTWRITEBYTECODE`` is dropped, caches go to a scratch ``PYTHONPYCACHEPREFIX``): the
first run of each variant writes them and is reported apart; then the median of ``--runs`` warm runs.
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
FROZEN_PATH = Path("dist") / "packstation" / ("packstation.exe" if sys.platform == "win32" else "packstation")
FROZEN = REPO / FROZEN_PATH
TARGET = 3.0  # issue 18: at most 3x the bare window
BARE_WINDOW = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
app = QApplication(sys.argv)
window = QMainWindow()
window.setCentralWidget(QLabel("Scan an order"))
window.resize(1024, 700)

class Mark(QObject):  # as packstation/gui/startup_mark.py: the end of the first repaint
    def eventFilter(self, watched, event):
        if watched is window and event.type() == QEvent.Type.UpdateRequest:
            window.removeEventFilter(self)
            QMainWindow.event(window, event)
            with open(os.environ["PACKSTATION_STARTUP_MARK"], "w") as out:
                out.write(f"{time.monotonic():.6f}\\n")
            return True
        return False

mark = Mark()
window.installEventFilter(mark)
window.show()
QTimer.singleShot(0, app.quit)  # after the first frame: the loop has run once
sys.exit(app.exec())
"""


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's waited-for children so far; NaN without
    ``resource`` (Windows)."""
    try:
        import resource
    except ImportError:
        return float("nan")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_once(command: list[str], env: dict[str, str], mark: Path, cwd: Path) -> tuple[float, float, float]:
    """(launch -> first paint, launch -> exit, CPU seconds of the whole run) for one start; paint is
    NaN for a tree that cannot say. CPU time is what load from other processes changes least: on a
    busy machine a longer run waits longer for a core, so the wall-clock ratios grow with the load."""
    mark.unlink(missing_ok=True)
    env = {**env, "PACKSTATION_STARTUP_MARK": str(mark)}
    cpu_before = _children_cpu()
    started = time.monotonic()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=cwd)
    exited = time.monotonic() - started
    cpu = _children_cpu() - cpu_before
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])}... failed ({result.returncode}): {result.stderr[-800:]}")
    if not mark.exists():
        return float("nan"), exited, cpu  # an older tree without packstation/gui/startup_mark.py
    return float(mark.read_text(encoding="utf-8")) - started, exited, cpu


def app_args(work: Path) -> list[str]:
    replay = work / "empty-replay.txt"
    replay.write_text("", encoding="utf-8")
    return ["--demo", "--replay", str(replay), "--exit-when-idle", "--printer", f"file:{work / 'l.bin'}"]


def base_env(work: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "QT_QPA_PLATFORM": os.environ.get("QT_QPA_PLATFORM", "offscreen"),
        "XDG_CONFIG_HOME": str(work / "config"),
        "XDG_DATA_HOME": str(work / "data"),
        "XDG_STATE_HOME": str(work / "state"),
        "ESCPOS_CAPABILITIES_PICKLE_DIR": str(work / "escpos"),
        "PYTHONPYCACHEPREFIX": str(work / "pycache"),
    }
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


Variant = tuple[str, list[str], dict[str, str], Path]


def variants(args: argparse.Namespace, work: Path) -> list[Variant]:
    env = base_env(work)
    found: list[Variant] = [
        ("bare PySide6 window", [sys.executable, "-c", BARE_WINDOW], {}, REPO),
        ("packstation (source)", [sys.executable, "-m", "packstation", *app_args(work)], {}, REPO),
    ]
    if args.base:  # run from that tree, so that its packstation package is the one imported
        base = Path(args.base).resolve()
        command = [sys.executable, "-m", "packstation", *app_args(work)]
        found.append((f"packstation ({base.name})", command, {"PYTHONPATH": str(base)}, base))
    if args.frozen:
        found.append(("packstation (frozen)", [str(FROZEN), *app_args(work)], {}, REPO))
    if getattr(args, "frozen_base", None):  # another tree's bundle (its tools/build_bundle.sh)
        base = Path(args.frozen_base).resolve()
        found.append((f"frozen ({base.name})", [str(base / FROZEN_PATH), *app_args(work)], {}, base))
    return [
        (name, command, {**env, **extra, "PACKSTATION_DATA_DIR": str(work / f"station-{index}")}, cwd)
        for index, (name, command, extra, cwd) in enumerate(found)
    ]


def measure(args: argparse.Namespace, work: Path) -> list[dict[str, object]]:
    runs = variants(args, work)
    rows: list[dict[str, object]] = [
        {"name": name, "first": None, "paint": [], "exit": [], "cpu": []} for name, *_ in runs
    ]
    for round_ in range(args.runs + 1):  # interleaved: load from other processes hits every variant alike
        for row, (_name, command, env, cwd) in zip(rows, runs, strict=True):
            paint, exited, cpu = time_once(command, env, work / "mark", cwd)
            if round_ == 0:
                row["first"] = (paint, exited)
            else:
                row["paint"].append(paint)  # type: ignore[union-attr]
                row["exit"].append(exited)  # type: ignore[union-attr]
                row["cpu"].append(cpu)  # type: ignore[union-attr]
    return rows


def table(rows: list[dict[str, object]], runs: int) -> str:
    bare = {key: statistics.median(rows[0][key]) for key in ("paint", "exit", "cpu")}  # type: ignore[arg-type]
    lines = [
        f"{'variant':<30}{'paint':>8}{'x bare':>8}{'exit':>8}{'x bare':>8}{'cpu':>8}{'x bare':>8}"
        "   first run (paint / exit)",
    ]
    for row in rows:
        figures = ""
        for key in ("paint", "exit", "cpu"):
            value = statistics.median(row[key])  # type: ignore[arg-type]
            figures += f"{value:>7.2f}s{value / bare[key]:>7.1f}x"
        first_paint, first_exit = row["first"]  # type: ignore[misc]
        lines.append(f"{row['name']:<30}{figures}   {first_paint:.2f} s / {first_exit:.2f} s")
    lines.append(
        f"(median of {runs} warm runs each, interleaved; cpu: user + system time of the whole run;"
        f" target: at most {TARGET:.0f}x the bare window)"
    )
    return "\n".join(lines)


def import_profile(work: Path, top: int, tree: Path | None = None, runs: int = 1) -> str:
    """The top-level imports of an app start by cumulative time (``python -X importtime``; the median
    of ``runs`` starts, each import's own median), from this checkout or from the source tree ``tree``.
    Modules loaded with ``importlib.import_module`` do not appear in that profile (Python does not time
    them)."""
    env = {**base_env(work), "PACKSTATION_DATA_DIR": str(work / "station-importtime")}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    command = [sys.executable, "-X", "importtime", "-m", "packstation", *app_args(work)]
    cwd = tree or REPO
    subprocess.run(command, env=env, capture_output=True, timeout=120, cwd=cwd)  # warm the caches
    times: dict[str, list[int]] = {}
    totals = []
    for _ in range(max(1, runs)):
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, cwd=cwd)
        total = 0
        for line in result.stderr.splitlines():
            if not line.startswith("import time:") or "self [us]" in line:
                continue
            _self, cumulative, name = line[len("import time:") :].split("|")
            name = name.rstrip()[1:]  # one space after the bar, then two per nesting level
            if not name.startswith(" "):  # top-level imports only: their times add up
                times.setdefault(name, []).append(int(cumulative))
                total += int(cumulative)
        totals.append(total)
    rows = [(statistics.median(values), name) for name, values in times.items()]
    where = f" ({tree.name})" if tree is not None else ""
    lines = [
        f"top-level imports of a start{where}, cumulative, median of {max(1, runs)}"
        f" (all of them: {statistics.median(totals) / 1000:.0f} ms)"
    ]
    for cumulative, name in sorted(rows, reverse=True)[:top]:
        lines.append(f"{cumulative / 1000:>8.1f} ms  {name}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frozen", action="store_true", help="also time dist/packstation")
    parser.add_argument("--base", metavar="DIR", help="also time the packstation source tree in DIR")
    parser.add_argument("--frozen-base", metavar="DIR", help="also time the bundle DIR/dist/packstation")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--importtime", type=int, metavar="N", help="print the top N imports (medians)")
    args = parser.parse_args(argv)
    for wanted, bundle in (
        (args.frozen, FROZEN),
        (args.frozen_base, Path(args.frozen_base or ".") / FROZEN_PATH),
    ):
        if wanted and not bundle.exists():
            print(f"{bundle} is missing: run tools/build_bundle.sh there first", file=sys.stderr)
            return 1
    with tempfile.TemporaryDirectory(prefix="packstation-startup-") as folder:
        work = Path(folder)
        if args.importtime:
            print(import_profile(work, args.importtime, runs=args.runs))
            if args.base:
                print(import_profile(work, args.importtime, Path(args.base).resolve(), runs=args.runs))
            return 0
        print(table(measure(args, work), args.runs))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
