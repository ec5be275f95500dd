#!/usr/bin/env python3
"""The component order of ARCHITECTURE.md, checked: a component under libs/ may
include and link only the components listed before it (and itself).

The order is the code block at the top of ARCHITECTURE.md, one `libs/<name>`
per line. Every file under libs/<name>/ is read: `#include "perftrack/<x>/...`
and `#include <perftrack/<x>/...>` name component x; in CMakeLists.txt,
`perftrack::<x>` and `perftrack_<x>` name it. Prints each violation as
file:line and exits 1 when there is one.

    scripts/check_layers.py [ROOT]
"""
import pathlib
import re
import sys

INCLUDE = re.compile(r'#\s*include\s*[<"]perftrack/([a-z_]+)/')
TARGET = re.compile(r"\bperftrack(?:::|_)([a-z]+)\b")
SOURCES = {".cpp", ".hpp", ".h", ".cc", ".txt"}


def component_order(architecture: pathlib.Path) -> list[str]:
    text = architecture.read_text(encoding="utf-8")
    block = text.split("```", 2)[1]
    return re.findall(r"^libs/([a-z_]+)\s", block, flags=re.MULTILINE)


def violations(root: pathlib.Path, order: list[str]):
    rank = {name: i for i, name in enumerate(order)}
    for name in order:
        folder = root / "libs" / name
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.suffix not in SOURCES:
                continue
            pattern = TARGET if path.name == "CMakeLists.txt" else INCLUDE
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
            for number, line in enumerate(lines, 1):
                for used in pattern.findall(line):
                    if used in rank and rank[used] > rank[name]:
                        yield (f"{path.relative_to(root)}:{number}: {name} uses {used}, "
                               f"which ARCHITECTURE.md lists above it")


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".").resolve()
    order = component_order(root / "ARCHITECTURE.md")
    missing = [p.name for p in (root / "libs").iterdir() if p.is_dir() and p.name not in order]
    if missing:
        print(f"check_layers: libs/{', libs/'.join(missing)} not in ARCHITECTURE.md's list")
        return 1
    found = list(violations(root, order))
    for v in found:
        print(v)
    if found:
        print(f"check_layers: {len(found)} upward dependencies (order: {' < '.join(order)})")
        return 1
    print(f"check_layers: no upward dependency ({' < '.join(order)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
