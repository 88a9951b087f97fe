#!/usr/bin/env bash
# Build the one-folder packstation bundle with PyInstaller: dist/packstation/ (build/ holds the work
# files; both are git-ignored). Prints the bundle's size and its biggest parts.
#   tools/build_bundle.sh            build (incremental: PyInstaller reuses build/ when nothing changed)
#   tools/build_bundle.sh --clean    build from scratch
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-.venv/bin/python}"
if ! "$PYTHON" -c "import PyInstaller" 2>/dev/null; then
  echo "PyInstaller is missing: run  .venv/bin/pip install -e '.[test]'  (or pip install pyinstaller)" >&2
  exit 1
fi

clean=()
[ "${1:-}" = "--clean" ] && clean=(--clean)

export QT_QPA_PLATFORM="${QT_QPA_PLATFORM:-offscreen}"
start=$(date +%s)
# PYINSTALLER_CONFIG_DIR keeps PyInstaller's cache inside build/ instead of ~/.cache.
PYINSTALLER_CONFIG_DIR="$PWD/build/pyinstaller-cache" \
  "$PYTHON" -m PyInstaller --noconfirm --log-level WARN "${clean[@]}" \
  --distpath dist --workpath build packstation.spec
end=$(date +%s)

bundle=dist/packstation
version=$(cat "$bundle/VERSION")
echo
echo "Built packstation $version in $((end - start)) s: $bundle"
echo "Bundle size: $(du -sh "$bundle" | cut -f1) ($(find "$bundle" -type f | wc -l) files)"
echo "Largest parts:"
# (sed, not head: head closing the pipe early would fail the script under pipefail)
du -sh "$bundle"/_internal/* 2>/dev/null | sort -rh | sed -n '1,8s/^/  /p'
