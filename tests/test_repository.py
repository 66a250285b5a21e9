"""Repository hygiene a reviewer would otherwise have to catch by eye."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(rb"^(<{7}|>{7}) ", re.MULTILINE)


def test_no_merge_conflict_markers_are_left_in_tracked_files():
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True)
    left = [name for name in files.stdout.split() if MARKER.search((ROOT / name).read_bytes())]
    assert left == []


def test_makefile_targets_parse():
    out = subprocess.run(["make", "-n", "help"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
