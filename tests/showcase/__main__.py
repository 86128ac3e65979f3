"""`python3 -m tests.showcase --regenerate`: rewrite the showcase's expected output."""

import sys

from tests.showcase import EXPECTED, regenerate

if sys.argv[1:] != ["--regenerate"]:
    raise SystemExit("usage: python3 -m tests.showcase --regenerate")
regenerate()
print(f"wrote {EXPECTED}; review the change with `git diff --stat {EXPECTED}`")
