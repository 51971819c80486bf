#!/usr/bin/python3
# Fails when a source file includes across the layer rule (docs/architecture.md): an upward or
# sideways project include, a heavy third-party header in the wrong layer, or caf/all.hpp in a
# header. Never edits anything; run from anywhere (CI runs it as the ctest "layers").
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)

# layer -> (project folders it may include, third-party prefixes it must not include)
RULES = {
    "core": ({"core"}, ("caf/", "boost/", "rocksdb/", "fasttext/")),
    "llm": ({"core", "llm"}, ("caf/", "rocksdb/")),
    "storage": ({"core", "storage"}, ("caf/", "boost/", "fasttext/")),
    "actors": ({"core", "llm", "storage", "actors"}, ("boost/beast", "boost/asio", "rocksdb/", "fasttext/")),
    "transport": ({"core", "transport"}, ("caf/", "rocksdb/", "fasttext/")),
}
# the only actor headers transport may see: no CAF, storage or llm types behind them
TRANSPORT_MAY_SEE = {"actors/gateway_api.hpp", "actors/client_sink.hpp"}
PROJECT_FOLDERS = {"core", "llm", "storage", "actors", "transport", "apps", "tests", "bench"}


def check(path: pathlib.Path) -> list[str]:
    rel = path.relative_to(ROOT)
    layer = rel.parts[0]
    allowed, banned = RULES[layer]
    problems = []
    for m in INCLUDE.finditer(path.read_text(encoding="utf-8")):
        kind, target = m.group(1), m.group(2)
        line = path.read_text(encoding="utf-8")[: m.start()].count("\n") + 1
        where = f"{rel}:{line}"
        if kind == "<":
            if any(target.startswith(b) for b in banned):
                problems.append(f"{where}: {layer}/ must not include <{target}>")
            if target == "caf/all.hpp" and path.suffix == ".hpp":
                problems.append(f"{where}: no <caf/all.hpp> in a header (include what you use)")
            continue
        top = target.split("/", 1)[0]
        if top not in PROJECT_FOLDERS:
            continue  # generated headers (web_page.hpp)
        if layer == "transport" and target in TRANSPORT_MAY_SEE:
            continue
        if top not in allowed:
            problems.append(f'{where}: {layer}/ must not include "{target}" (layer rule)')
        if target.startswith("actors/session/") and not str(rel).startswith("actors/session/"):
            problems.append(f'{where}: actors/session/ is private to the session')
    return problems


def main() -> int:
    problems = []
    for layer in RULES:
        for path in sorted((ROOT / layer).rglob("*")):
            if path.suffix in (".hpp", ".cpp", ".h"):
                problems += check(path)
    # the library's public headers (apps/engine/xinyu/): the standard library only
    for path in sorted((ROOT / "apps" / "engine" / "xinyu").glob("*.hpp")):
        text = path.read_text(encoding="utf-8")
        for m in INCLUDE.finditer(text):
            if m.group(1) == '"' or "/" in m.group(2) or "." in m.group(2):
                line = text[: m.start()].count("\n") + 1
                problems.append(f"{path.relative_to(ROOT)}:{line}: the public header may include "
                                f"only the standard library, not {m.group(2)}")
    for p in problems:
        print(p)
    if problems:
        print(f"check_layers: {len(problems)} include(s) break the layer rule", file=sys.stderr)
        return 1
    print("check_layers: every include follows the layer rule")
    return 0


if __name__ == "__main__":
    sys.exit(main())
