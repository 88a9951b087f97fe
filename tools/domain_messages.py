"""List the domain's translatable sentences (every literal first argument of ``t(...)`` in
packstation/domain and the adapters in TRANSLATED_ADAPTERS, plus station_text's constants) and check or
update a domain catalogue.

    python tools/domain_messages.py                       # print the message ids
    python tools/domain_messages.py resources/translations/domain_sv.json   # add missing ids (empty)

A catalogue keeps its translations; ids no longer used are dropped, new ones are added with an empty
translation (shown in English until someone translates them).
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "packstation"
DOMAIN = PACKAGE / "domain"
# Adapters whose messages reach the packer as they are (the scale's faults) use t() too.
TRANSLATED_ADAPTERS = (
    PACKAGE / "adapters" / "scale.py",
    PACKAGE / "adapters" / "scale_hid.py",
    PACKAGE / "adapters" / "scale_serial.py",
)


def message_ids() -> list[str]:
    found: list[str] = []
    for path in [*sorted(DOMAIN.glob("*.py")), *TRANSLATED_ADAPTERS]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "t"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.append(node.args[0].value)
            if isinstance(node, ast.Assign) and any(
                isinstance(target, ast.Name) and target.id == "_CONSTANTS" for target in node.targets
            ):
                found += [v.value for v in node.value.values if isinstance(v, ast.Constant)]
            if isinstance(node, ast.Dict) and path.name == "station_text.py":
                # no_order_for's sub-phrases go through t(what)
                found += [
                    v.value
                    for v in node.values
                    if isinstance(v, ast.Constant)
                    and isinstance(v.value, str)
                    and v.value.startswith(("no ", "nothing"))
                ]
    return sorted(set(found))


def update(path: Path) -> int:
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"language": path.stem[7:]}
    old = data.get("messages", {})
    data["messages"] = {msgid: old.get(msgid, "") for msgid in message_ids()}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    missing = [k for k, v in data["messages"].items() if not v]
    print(f"{path}: {len(data['messages'])} messages, {len(missing)} untranslated")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1:
        raise SystemExit(max(update(Path(p)) for p in sys.argv[1:]))
    print("\n".join(message_ids()))
