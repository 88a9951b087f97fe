"""The frozen one-folder bundle (packstation.spec) builds, stays lean and works offscreen.

Builds with tools/build_bundle.sh into build/ and dist/ (git-ignored; PyInstaller reuses build/ when
nothing changed), then runs the frozen binary: --version, the CLI tools that load escpos, USB, SQLite
and Qt, a test label whose bytes must equal those printed from source, and a demo replay that must
print labels.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from packstation import __version__
from packstation.adapters.config import TOKEN_ENV
from packstation.emulator import DEMO_TOKEN
from packstation.emulator.demo import DEMO_ORDERS

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

REPO = Path(__file__).resolve().parents[2]
BUNDLE = REPO / "dist" / "packstation"
EXE = BUNDLE / ("packstation.exe" if sys.platform == "win32" else "packstation")
MAX_BUNDLE_MB = 220  # 160 MB when measured; a jump means an exclusion stopped working
NOT_WIRED = ("not wired yet", "not available in this build")


def _bundle_size_mb() -> float:
    return sum(p.stat().st_size for p in BUNDLE.rglob("*") if p.is_file() and not p.is_symlink()) / 2**20


@pytest.fixture(scope="module")
def bundle() -> Path:
    if importlib.util.find_spec("PyInstaller") is None:
        pytest.skip("PyInstaller is not installed (pip install -e '.[test]' installs it)")
    if shutil.which("bash") is None:
        pytest.skip("tools/build_bundle.sh needs bash")
    env = {**os.environ, "PYTHON": sys.executable}
    result = subprocess.run(
        ["bash", str(REPO / "tools" / "build_bundle.sh")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"bundle build failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
    print(result.stdout[-600:])  # shown with -s: build time and bundle size
    assert EXE.exists()
    return BUNDLE


def run_frozen(*args: str, env_extra: dict[str, str] | None = None, cwd: Path | None = None, timeout=120):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env_extra or {})}
    env.pop("PYTHONPATH", None)  # the frozen app must not see the source tree
    return subprocess.run(
        [str(EXE), *args], cwd=cwd or REPO.parent, env=env, capture_output=True, text=True, timeout=timeout
    )


def test_frozen_version_matches_the_package(bundle):
    result = run_frozen("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"packstation {__version__}"
    assert (bundle / "VERSION").read_text().strip() == __version__


def test_bundle_carries_what_the_app_needs_and_not_what_it_does_not(bundle):
    internal = bundle / "_internal"
    names = {p.relative_to(internal).as_posix() for p in internal.rglob("*")}
    assert "escpos/capabilities.json" in names
    assert "resources/udev/60-packstation.rules" in names
    assert "resources/icons/packstation-app.svg" in names
    plugins = "PySide6/Qt/plugins"
    if sys.platform.startswith("linux"):
        for plugin in ("platforms/libqoffscreen.so", "platforms/libqxcb.so", "imageformats/libqsvg.so"):
            assert f"{plugins}/{plugin}" in names, plugin
    joined = "\n".join(names)
    for unwanted in ("QtWebEngine", "QtQml", "QtQuick", "Qt3D", "tkinter", "_tkinter", "pytest", "libgtk"):
        assert unwanted not in joined, unwanted
    # Qt's own catalogues: only those of the app's languages (Swedish), none of the other ~40
    assert {n for n in names if "Qt/translations/" in n} == {"PySide6/Qt/translations/qtbase_sv.qm"}
    size = _bundle_size_mb()
    print(f"bundle size: {size:.0f} MB")
    assert size < MAX_BUNDLE_MB


def test_frozen_test_label_bytes_equal_the_source_ones(bundle, tmp_path):
    """escpos data, the label pipeline and the SVG renderer all work frozen, byte for byte."""
    frozen_out, source_out = tmp_path / "frozen.bin", tmp_path / "source.bin"
    frozen = run_frozen("print-test", "--printer", f"file:{frozen_out}", "--data-dir", str(tmp_path / "f"))
    assert frozen.returncode == 0, frozen.stderr
    source = subprocess.run(
        [
            sys.executable,
            "-m",
            "packstation",
            "print-test",
            "--printer",
            f"file:{source_out}",
            "--data-dir",
            str(tmp_path / "s"),
        ],
        cwd=REPO,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert source.returncode == 0, source.stderr
    data = frozen_out.read_bytes()
    assert data.startswith(b"\x1b@") and b"\x1dv0" in data  # ESC @ then a GS v 0 raster image
    assert data == source_out.read_bytes()


def test_frozen_doctor_and_support_bundle(bundle, tmp_path):
    env = {TOKEN_ENV: DEMO_TOKEN}
    common = ["--printer", f"file:{tmp_path / 'labels.bin'}", "--data-dir", str(tmp_path / "data")]
    doctor = run_frozen("doctor", "--offline", *common, env_extra=env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "OK   Printer: file" in doctor.stdout and DEMO_TOKEN not in doctor.stdout

    output = tmp_path / "bundle.zip"
    result = run_frozen("support-bundle", "--offline", "--output", str(output), *common, env_extra=env)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(output) as archive:
        about = json.loads(archive.read("about.json"))
        everything = b"".join(archive.read(n) for n in archive.namelist())
    assert about["frozen"] is True and about["qt"].startswith("6.")  # Qt loads inside the bundle
    # Programs the app starts (sound players) get the user's loader path, not the bundle's libraries.
    assert "_internal" not in (about["child_ld_library_path"] or "")
    assert DEMO_TOKEN.encode() not in everything


def test_frozen_demo_replay_prints_labels(bundle, tmp_path):
    help_text = run_frozen("--help").stdout
    if "--replay" not in help_text:
        pytest.skip("the app has no --replay option yet")
    order = DEMO_ORDERS[0]
    scans = [order["pick_list"]]
    for line in order["lines"]:
        scans += [line["ean"]] * int(line["quantity"])
    scans.append("CMD:CLOSE-BOX")
    script = tmp_path / "replay.txt"
    script.write_text("\n".join(scans) + "\n", encoding="utf-8")
    labels = tmp_path / "labels.bin"
    result = run_frozen(
        "--demo",
        "--replay",
        str(script),
        "--exit-when-idle",
        "--printer",
        f"file:{labels}",
        "--data-dir",
        str(tmp_path / "data"),
        timeout=180,
    )
    if result.returncode != 0 and any(marker in result.stderr for marker in NOT_WIRED):
        pytest.skip(f"--demo --replay is not wired into the app yet: {result.stderr.strip()}")
    assert result.returncode == 0, result.stdout + result.stderr
    data = labels.read_bytes()
    assert data.startswith(b"\x1b@") and b"\x1dv0" in data, "no ESC/POS raster label came out"


def test_a_frozen_swedish_bench_shows_qt_own_swedish_texts(bundle, tmp_path):
    """qtbase_sv.qm is in the bundle where the frozen Qt looks for it: "Save"/"Cancel" are Swedish."""
    common = ["--printer", f"file:{tmp_path / 'labels.bin'}", "--data-dir", str(tmp_path / "data")]
    doctor = run_frozen("doctor", "--offline", *common, env_extra={"PACKSTATION_LANGUAGE": "sv"})
    assert (
        "OK   Language sv: the app's texts and Qt's own (Save = Spara, Cancel = Avbryt)" in doctor.stdout
    ), doctor.stdout + doctor.stderr


def _build_deb(out: Path) -> Path:
    if shutil.which("dpkg-deb") is None:
        pytest.skip("dpkg-deb is not installed (not a Debian-like system)")
    result = subprocess.run(
        ["bash", str(REPO / "tools" / "build_deb.sh"), "--out", str(out)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    deb = Path(result.stdout.strip().splitlines()[-1])
    assert deb.is_file() and deb.name.startswith(f"packstation_{__version__}_")
    return deb


@pytest.fixture(scope="module")
def deb(bundle, tmp_path_factory) -> Path:
    return _build_deb(tmp_path_factory.mktemp("deb"))


def test_the_deb_installs_the_bundle_command_udev_rules_desktop_entry_and_icon(deb, tmp_path):
    info = subprocess.run(
        ["dpkg-deb", "--field", str(deb)], capture_output=True, text=True, check=True
    ).stdout
    fields = dict(line.split(": ", 1) for line in info.splitlines() if ": " in line)
    assert fields["Package"] == "packstation" and fields["Version"] == __version__
    assert "libxcb-cursor0" in fields["Depends"] and "libusb-1.0-0" in fields["Depends"]
    contents = subprocess.run(
        ["dpkg-deb", "--contents", str(deb)], capture_output=True, text=True, check=True
    )
    assert all(
        " root/root " in line for line in contents.stdout.splitlines()
    )  # owned by root whoever built it

    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    exe = root / "opt" / "packstation" / "packstation"
    assert exe.is_file() and os.access(exe, os.X_OK)
    command = root / "usr" / "bin" / "packstation"
    assert command.is_symlink() and os.readlink(command) == "/opt/packstation/packstation"
    rules = root / "lib" / "udev" / "rules.d" / "60-packstation.rules"
    assert rules.read_bytes() == (REPO / "resources" / "udev" / "60-packstation.rules").read_bytes()
    desktop = (root / "usr" / "share" / "applications" / "packstation.desktop").read_text(encoding="utf-8")
    entry = dict(line.split("=", 1) for line in desktop.splitlines() if "=" in line)
    assert entry["Exec"] == "packstation" and entry["TryExec"] == "packstation"  # /usr/bin/packstation
    icons = root / "usr" / "share" / "icons" / "hicolor"
    for size in ("48x48", "256x256"):
        assert (icons / size / "apps" / f"{entry['Icon']}.png").is_file()
    assert (icons / "scalable" / "apps" / f"{entry['Icon']}.svg").is_file()
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(
            ["desktop-file-validate", str(root / "usr/share/applications/packstation.desktop")]
        )
        assert check.returncode == 0
    # the installed bundle runs from where the package puts it
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    env.pop("PYTHONPATH", None)
    ran = subprocess.run([str(exe), "--version"], capture_output=True, text=True, env=env, timeout=120)
    assert ran.stdout.strip() == f"packstation {__version__}", ran.stderr


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="groupadd --prefix needs root")
def test_the_deb_postinst_makes_the_shared_data_folder_in_a_scratch_root(deb, tmp_path):
    """The maintainer script's effects, run as dpkg runs it for another root (DPKG_ROOT)."""
    root = tmp_path / "root"
    subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
    control = tmp_path / "control"
    subprocess.run(["dpkg-deb", "-e", str(deb), str(control)], check=True)
    (root / "etc").mkdir()
    (root / "etc" / "group").write_text("root:x:0:\n")
    (root / "etc" / "gshadow").write_text("root:*::\n")
    (root / "etc" / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\n")
    env = {**os.environ, "DPKG_ROOT": str(root)}
    host_groups = Path("/etc/group").read_bytes()
    for _ in range(2):  # a re-configure (upgrade) changes nothing and does not fail
        subprocess.run(["sh", str(control / "postinst"), "configure", ""], env=env, check=True, timeout=60)
    groups = [line.split(":") for line in (root / "etc" / "group").read_text().splitlines()]
    [group] = [g for g in groups if g[0] == "packstation"]
    data = root / "var" / "lib" / "packstation"
    assert data.is_dir()
    assert oct(data.stat().st_mode & 0o7777) == "0o2770"
    assert data.stat().st_gid == int(group[2]) and data.stat().st_uid == 0
    assert Path("/etc/group").read_bytes() == host_groups  # the host's own groups were not touched
    subprocess.run(["sh", str(control / "postrm"), "purge"], env=env, check=True, timeout=60)
    assert data.is_dir()  # the station data is never removed
