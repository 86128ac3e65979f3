"""The showcase site: a small site using every feature, with its reviewed expected output.

Regenerate the expected output after an intended change, then review the diff:

    python3 -m tests.showcase --regenerate
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from tests.sites import build

HERE = Path(__file__).resolve().parent
EXPECTED = HERE / "expected"


def build_showcase(output: Path) -> None:
    # Without the search index: its binary files would make the reviewed tree unreadable.
    result = build(HERE, "--output", str(output), "--no-search")
    if result.code != 0:
        raise SystemExit(f"the showcase site does not build:\n{result.stderr}")


def regenerate() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        output = Path(tmp) / "output"
        build_showcase(output)
        if EXPECTED.exists():
            shutil.rmtree(EXPECTED)
        shutil.copytree(output, EXPECTED)
