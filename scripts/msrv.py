"""Checks that the workspace's `rust-version` is the newest Rust that a
dependency resolved for this host asks for (`cargo metadata
--filter-platform`): not below it (the build would need more than it says),
not above it (a minimum nobody checked). Clippy's `incompatible_msrv` holds
the workspace's own code to the same version. Run by `make check` and
`make test`."""

import json
import subprocess
import sys


def version(text):
    return tuple(int(part) for part in text.split("."))


def main():
    host = next(line.split(": ", 1)[1] for line in subprocess.run(
        ["rustc", "-vV"], capture_output=True, text=True, check=True).stdout.splitlines()
        if line.startswith("host: "))
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--filter-platform", host],
        capture_output=True, text=True, check=True).stdout)
    members = set(meta["workspace_members"])
    resolved = {node["id"] for node in meta["resolve"]["nodes"]}
    ours = {p["rust_version"] for p in meta["packages"] if p["id"] in members}
    if len(ours) != 1 or None in ours:
        sys.exit(f"every workspace member states the workspace's rust-version: {ours}")
    stated = ours.pop()
    needed = max(((p["rust_version"], p["name"]) for p in meta["packages"]
                  if p["id"] in resolved and p["id"] not in members and p.get("rust_version")),
                 key=lambda v: version(v[0]))
    if version(needed[0]) > version(stated):
        sys.exit(f"rust-version {stated} is below what {needed[1]} needs ({needed[0]}): "
                 "raise the workspace's rust-version")
    if version(needed[0]) < version(stated):
        sys.exit(f"rust-version {stated} is above what any dependency needs (newest: "
                 f"{needed[1]}, {needed[0]}): state {needed[0]}, or say in Cargo.toml what "
                 "of the workspace's own code needs more")
    print(f"rust-version {stated}: the newest dependency need is {needed[0]} ({needed[1]})")


if __name__ == "__main__":
    main()
