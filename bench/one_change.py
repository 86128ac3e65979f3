"""One typical commit's build, in process, with the stage timings: a sentence appended to the
5,001st procedure (or the last, on a smaller corpus), then `build()` with the site's cache and
output kept, as CI restores them. Makes the search index unless --no-search.

    python3 bench/one_change.py SITE_DIR LABEL [--no-search]

SITE_DIR holds content/ and, after a first build, .sitegen-cache/ and output/. Prints one line:
LABEL, the process's seconds from start, the build's, the search stage's and the files written.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path

started = time.perf_counter()

from sitegen.build import build  # noqa: E402  (timed: a command pays for its imports)
from sitegen.options import BuildOptions  # noqa: E402


def main() -> None:
    site, label = Path(sys.argv[1]), sys.argv[2]
    procedures = sorted((site / "content" / "procedures").iterdir())
    edited = procedures[min(5000, len(procedures) - 1)]
    edited.write_text(edited.read_text(encoding="utf-8") + f"\n本次提交的修改{time.time_ns()}。\n", encoding="utf-8")
    begin = time.perf_counter()
    report = build(BuildOptions(site, site / "output", cache_dir=site / ".sitegen-cache",
                                build_date=dt.date(2026, 11, 27), search="--no-search" not in sys.argv))
    end = time.perf_counter()
    stages = dict(report.timings)
    print(f"{label} total {end - started:.2f} build {end - begin:.2f} search {stages.get('search', 0):.2f} "
          f"written {report.written}", flush=True)


if __name__ == "__main__":
    main()
