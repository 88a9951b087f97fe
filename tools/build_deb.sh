#!/usr/bin/env bash
# Build dist/packstation_<version>_<arch>.deb from the PyInstaller bundle (dist/packstation/, made by
# tools/build_bundle.sh) with dpkg-deb. Nothing to add by hand after `apt install ./packstation_*.deb`:
#   /opt/packstation/                         the bundle
#   /usr/bin/packstation                      -> /opt/packstation/packstation
#   /usr/share/applications/packstation.desktop and the hicolor icons (48, 256, scalable)
#   /lib/udev/rules.d/60-packstation.rules    USB label/receipt printers usable by the seat's user
#   /usr/share/doc/packstation/site.json.example
#   postinst: group "packstation" and the shared data folder /var/lib/packstation (2770 root:packstation)
# Prints the path of the .deb on its last line.
#   tools/build_deb.sh [--bundle DIR] [--out DIR]
set -euo pipefail
cd "$(dirname "$0")/.."

bundle=dist/packstation
out=dist
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) bundle="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    *) echo "usage: tools/build_deb.sh [--bundle DIR] [--out DIR]" >&2; exit 2 ;;
  esac
done
[ -x "$bundle/packstation" ] || { echo "no bundle in $bundle: run tools/build_bundle.sh first" >&2; exit 1; }
command -v dpkg-deb >/dev/null || { echo "dpkg-deb is missing (Debian/Ubuntu: it comes with dpkg)" >&2; exit 1; }

version=$(cat "$bundle/VERSION")
arch=$(dpkg --print-architecture)
stage=build/deb/packstation_${version}_${arch}
rm -rf "$stage"
mkdir -p "$stage/DEBIAN" "$stage/opt" "$stage/usr/bin" "$stage/usr/share/applications" \
  "$stage/usr/share/icons/hicolor/48x48/apps" "$stage/usr/share/icons/hicolor/256x256/apps" \
  "$stage/usr/share/icons/hicolor/scalable/apps" "$stage/lib/udev/rules.d" "$stage/usr/share/doc/packstation"

cp -a "$bundle" "$stage/opt/packstation"
rm -f "$stage/opt/packstation/VERSION.tmp"
ln -s /opt/packstation/packstation "$stage/usr/bin/packstation"
install -m 644 resources/packstation.desktop "$stage/usr/share/applications/packstation.desktop"
install -m 644 resources/icons/packstation-app-48.png "$stage/usr/share/icons/hicolor/48x48/apps/packstation-app.png"
install -m 644 resources/icons/packstation-app.png "$stage/usr/share/icons/hicolor/256x256/apps/packstation-app.png"
install -m 644 resources/icons/packstation-app.svg "$stage/usr/share/icons/hicolor/scalable/apps/packstation-app.svg"
install -m 644 resources/udev/60-packstation.rules "$stage/lib/udev/rules.d/60-packstation.rules"
install -m 644 resources/debian/site.json.example "$stage/usr/share/doc/packstation/site.json.example"
install -m 755 resources/debian/postinst resources/debian/postrm "$stage/DEBIAN/"

size_kb=$(du -sk --exclude=DEBIAN "$stage" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE_KB@/$size_kb/" \
  resources/debian/control.in > "$stage/DEBIAN/control"

mkdir -p "$out"
deb="$out/packstation_${version}_${arch}.deb"
# --root-owner-group: files owned by root in the package whoever builds it; xz like Debian's own.
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "Built $deb ($(du -h "$deb" | cut -f1))"
echo "$deb"
