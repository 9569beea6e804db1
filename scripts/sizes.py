#!/usr/bin/env python3
"""The size guide of the production code, checked: no function over 80 lines
but the exhaustive matches named in EXHAUSTIVE, no file over 600 lines.

Production code is each crate's `src/` (an in-file `#[cfg(test)]` part left
out); tests, benches and the harness are not. A function is measured from
its `fn` line to its closing brace, braces matched outside strings and line
comments; a file by its lines. Usage: scripts/sizes.py (from the repository
root); exits 1 and names each excess."""
import os
import re
import sys

FUNCTION_LINES = 80
FILE_LINES = 600
SOURCES = ["functions/core/src", "functions/reconciler/src", "functions/attachment-watcher/src", "cli/src"]
# Functions allowed past FUNCTION_LINES, by file and name: one exhaustive
# match each, an arm per variant (splitting it would take a catch-all arm).
EXHAUSTIVE = {
    "functions/core/src/planner/action_text.rs:fmt",  # an action's line, one arm per action
    "functions/core/src/aws/ec2_write.rs:write",  # one AWS operation per action
}

FN = re.compile(r"^\s*(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")


def production(path):
    """The file's text without its `#[cfg(test)]` part."""
    with open(path, encoding="utf-8") as f:
        return f.read().split("#[cfg(test)]")[0]


def functions(text):
    """(lines, first line, name) of each function of `text`."""
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m:
            continue
        depth, started = 0, False
        for j in range(i, len(lines)):
            code = re.sub(r'"(\\.|[^"\\])*"', '""', lines[j].split("//")[0])
            for ch in code:
                if ch == "{":
                    depth, started = depth + 1, True
                elif ch == "}":
                    depth -= 1
            if started and depth <= 0:
                yield j - i + 1, i + 1, m.group(6)
                break
            if not started and code.rstrip().endswith(";"):
                break


def main():
    excess = []
    for folder in SOURCES:
        for root, _, names in os.walk(folder):
            for name in sorted(names):
                if not name.endswith(".rs"):
                    continue
                path = os.path.join(root, name)
                text = production(path)
                if text.count("\n") > FILE_LINES:
                    excess.append(f"{path}: {text.count(chr(10))} lines (guide: {FILE_LINES})")
                for size, line, fn in functions(text):
                    if size > FUNCTION_LINES and f"{path}:{fn}" not in EXHAUSTIVE:
                        excess.append(f"{path}:{line} {fn}: {size} lines (guide: {FUNCTION_LINES})")
    for e in excess:
        print(e)
    if excess:
        sys.exit(1)
    print(f"sizes: no production function over {FUNCTION_LINES} lines, no file over {FILE_LINES}")


if __name__ == "__main__":
    main()
