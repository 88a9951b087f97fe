"""What a start must not import: the work it saves is measured by tests/benchmarks/startup.py."""

from __future__ import annotations

import subprocess
import sys


def loaded_after(code: str, *modules: str) -> list[str]:
    probe = f"{code}; import sys; print(' '.join(m for m in {modules!r} if sys.modules.get(m) is not None))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout.split()


def test_the_som_client_does_not_import_httpxs_command_line_tool():
    assert (
        loaded_after("import packstation.adapters.som.client", "httpx._main", "rich", "pygments", "click")
        == []
    )


def test_httpx_still_works_without_its_command_line_tool():
    assert loaded_after("import packstation, httpx; httpx.URL('http://x/'); httpx.main", "httpx") == ["httpx"]


def test_a_loopback_som_client_does_not_load_the_ca_bundle():
    code = "from packstation.adapters.som.client import SomClient; SomClient('http://127.0.0.1:9', 'token')"
    assert loaded_after(code, "certifi") == []
