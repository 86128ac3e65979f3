"""The showcase site's output equals its reviewed expected output, file for file and byte for byte.

After an intended change: `python3 -m tests.showcase --regenerate`, then review `git diff`.
"""

from __future__ import annotations

from pathlib import Path

from tests.showcase import EXPECTED, build_showcase
from tests.sites import snapshot


def test_showcase_output_matches_the_reviewed_tree(tmp_path: Path) -> None:
    build_showcase(tmp_path / "output")
    built, expected = snapshot(tmp_path / "output"), snapshot(EXPECTED)
    assert sorted(built) == sorted(expected), "files differ; run python3 -m tests.showcase --regenerate"
    changed = [path for path in built if built[path] != expected[path]]
    assert changed == [], f"{changed} differ; run python3 -m tests.showcase --regenerate and review"
