"""Test-wide setup, in the strict style of qutebrowser.

* Qt runs offscreen, PySide6 is the binding for qasync and pytest-qt.
* Warnings are errors (pyproject ``filterwarnings``), and a WARNING or worse logged by packstation
  during a test fails it unless the test declares it with ``expected_log``.
* ``qasync_loop`` gives GUI tests a real qasync event loop on the Qt main thread.
* ``emulator`` (also ``emu``) is the project's SOM emulator on a free loopback port (demo token, no
  faults); ``store`` is a fresh station database file in the test's tmp_path.
"""

from __future__ import annotations

import logging
import os
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")
# Keep tests away from the developer's real config, keyring and data.
_TEST_HOME = tempfile.mkdtemp(prefix="packstation-test-home-")
# escpos writes a capabilities pickle on first import, without locking: two test runs (or a run and its
# subprocesses) sharing one folder can read a half-written pickle (EOFError). One folder per run, warmed
# here once before any subprocess starts.
os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = os.path.join(_TEST_HOME, "escpos")
os.makedirs(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"], exist_ok=True)
import escpos.capabilities  # noqa: E402,F401 - writes the pickle now, in this process alone

os.environ["XDG_CONFIG_HOME"] = os.path.join(_TEST_HOME, "config")
os.environ["XDG_DATA_HOME"] = os.path.join(_TEST_HOME, "data")
os.environ["XDG_STATE_HOME"] = os.path.join(_TEST_HOME, "state")
os.environ["XDG_CACHE_HOME"] = os.path.join(_TEST_HOME, "cache")
# No real site file (/etc/xdg/packstation/site.json) and no real bench folder (/var/lib/packstation).
os.environ["XDG_CONFIG_DIRS"] = os.path.join(_TEST_HOME, "site-config")
os.environ["PACKSTATION_BENCH_DATA_DIR"] = os.path.join(_TEST_HOME, "bench-data")
os.environ.pop("PACKSTATION_SITE_FILE", None)
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.null.Keyring"
for _var in (
    "PACKSTATION_API_URL",
    "PACKSTATION_SITE_ID",
    "PACKSTATION_API_TOKEN",
    "PACKSTATION_PRINTER",
    "PACKSTATION_DATA_DIR",
):
    os.environ.pop(_var, None)

import pytest  # noqa: E402


class _LogChecker:
    def __init__(self) -> None:
        self.allowed: list[str] = []

    def allow(self, fragment: str) -> None:
        self.allowed.append(fragment)


@pytest.fixture
def expected_log() -> _LogChecker:
    """Declare log messages (substrings) at WARNING or above that this test expects."""
    return _LogChecker()


@pytest.fixture(autouse=True)
def _fail_on_unexpected_warning_logs(request, caplog):
    caplog.set_level(logging.INFO, logger="packstation")
    yield
    checker = request.node.funcargs.get("expected_log")
    allowed = checker.allowed if checker else []
    bad = [
        r
        for r in caplog.get_records("call")
        if r.levelno >= logging.WARNING
        and r.name.startswith("packstation")
        and not any(fragment in r.getMessage() for fragment in allowed)
    ]
    if bad:
        lines = "\n".join(f"{r.levelname} {r.name}: {r.getMessage()}" for r in bad)
        pytest.fail(f"unexpected warnings logged:\n{lines}", pytrace=False)


@pytest.fixture
def qasync_loop(qapp):
    """A qasync loop on the Qt main thread, closed cleanly at teardown (see tests/support/qt_loop.py)."""
    from tests.support.qt_loop import qasync_running

    with qasync_running(qapp) as loop:
        yield loop


@pytest.fixture
def emulator():
    from packstation.emulator import DEMO_TOKEN, Emulator

    with Emulator(token=DEMO_TOKEN, port=0) as emu:
        yield emu


@pytest.fixture
def emu(emulator):
    """The same emulator, under the short name the outbox, end-of-day and contract tests use."""
    return emulator


@pytest.fixture
def store(tmp_path):
    from packstation.adapters.store import Store

    station_store = Store.open(tmp_path / "station.sqlite3")
    yield station_store
    station_store.close()
