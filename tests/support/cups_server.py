"""A private CUPS scheduler for tests: ``cupsd -f`` with its own config, spool and socket in a temp folder.

The system's CUPS is left alone: the scheduler listens only on a Unix socket in the folder and the CUPS
commands (``lp``, ``lpstat``, ``lpadmin``) find it through ``CUPS_SERVER``. ``add_raw_queue`` makes a raw
queue to a ``socket://127.0.0.1:PORT`` device (a loopback listener stands in for the printer); CUPS
passes raw jobs on unchanged. Needs Debian's ``cups`` package (the socket backend) and ``cups-client``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

CUPSD = "/usr/sbin/cupsd"


def cups_available() -> bool:
    return (
        os.path.exists(CUPSD) and os.path.exists("/usr/lib/cups/backend/socket") and bool(shutil.which("lp"))
    )


class CupsServer:
    def __init__(self, root: Path) -> None:
        # Unix socket paths are limited to ~107 bytes: keep the folder short.
        self.root = root
        self.socket = root / "cups.sock"
        etc = root / "etc"
        for sub in ("etc/ppd", "spool/tmp", "cache", "state", "log"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        # Backends run as the unprivileged "lp" user: they must reach the spooled job files.
        for path in (root, root / "spool", root / "spool/tmp"):
            path.chmod(0o755)
        (etc / "cupsd.conf").write_text(
            f"Listen {self.socket}\nLogLevel warn\nBrowsing Off\n"
            "<Location />\n  Order allow,deny\n  Allow all\n</Location>\n"
            "<Policy default>\n  <Limit All>\n    Order deny,allow\n  </Limit>\n</Policy>\n"
        )
        (etc / "cups-files.conf").write_text(
            f"ServerRoot {etc}\nRequestRoot {root / 'spool'}\nTempDir {root / 'spool/tmp'}\n"
            f"CacheDir {root / 'cache'}\nStateDir {root / 'state'}\nErrorLog {root / 'log/error_log'}\n"
            f"AccessLog {root / 'log/access_log'}\nPageLog {root / 'log/page_log'}\n"
            "ServerBin /usr/lib/cups\nDataDir /usr/share/cups\n"
        )
        self.env = {**os.environ, "CUPS_SERVER": str(self.socket)}
        self.process = subprocess.Popen(
            [CUPSD, "-f", "-c", str(etc / "cupsd.conf"), "-s", str(etc / "cups-files.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self._answers():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError(f"cupsd did not start: {self.error_log()}")
            time.sleep(0.05)

    def _answers(self) -> bool:
        if not self.socket.exists():
            return False
        done = subprocess.run(["lpstat", "-r"], env=self.env, capture_output=True, text=True, check=False)
        return "is running" in done.stdout

    def lpadmin(self, *args: str) -> None:
        subprocess.run(["lpadmin", *args], env=self.env, capture_output=True, check=True)

    def add_raw_queue(self, name: str, port: int) -> None:
        self.lpadmin("-p", name, "-E", "-v", f"socket://127.0.0.1:{port}", "-m", "raw")

    def error_log(self) -> str:
        path = self.root / "log/error_log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def close(self) -> None:
        """Stop the scheduler and remove its folder."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)  # its spool, logs and socket
