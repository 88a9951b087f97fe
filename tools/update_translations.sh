#!/usr/bin/env bash
# Refresh the translation sources from the code and compile them.
#   * Qt (the window's words): pyside6-lupdate collects self.tr(...)/translate(...) strings from
#     packstation/gui into resources/translations/packstation_<lang>.ts (translations kept; edit them
#     with pyside6-linguist or by hand), then pyside6-lrelease compiles each .ts to .qm.
#   * Domain (the packer's feedback sentences): tools/domain_messages.py adds new message ids to each
#     resources/translations/domain_<lang>.json (empty = shown in English until translated).
# A new language: touch resources/translations/packstation_<lang>.ts and domain_<lang>.json
# (with {"language": "<lang>", "name": "...", "messages": {}}), run this script, translate, run it again.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
DIR=resources/translations
shopt -s nullglob
for ts in "$DIR"/packstation_*.ts; do
    "$BIN"/pyside6-lupdate -no-obsolete packstation/gui/*.py -ts "$ts"
    "$BIN"/pyside6-lrelease "$ts" -qm "${ts%.ts}.qm"
done
for catalogue in "$DIR"/domain_*.json; do
    "$BIN"/python tools/domain_messages.py "$catalogue"
done
