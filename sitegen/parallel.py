"""Render pages — and write them into the staging tree — on several processes at once.

Workers are forked after the site is linked, so they share the parent's records, theme and
routes without pickling them; each returns only the manifest of what it wrote and its
problems. The output does not depend on the number of jobs: every page is rendered alone,
and results are merged in route order.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import jinja2

from .artifacts import Artifact
from .cache import BodyCache, CachedBody
from .deps import PageReads, current, tracking
from .diagnostics import Diagnostic
from .graph import Site
from .outputs.opendata import DataFile
from .render import make_environment, render_page
from .routes import Plan, Route
from .theme import Theme
from .write import Filled, Staging

CHUNK = 64  # pages per task: small enough to balance, large enough to amortise the hand-off


@dataclass(frozen=True, slots=True)
class Job:
    site: Site
    plan: Plan
    theme: Theme
    staging: Staging | None  # None: only render (sitegen check)
    routes: Sequence[Route]  # the pages to render: all of plan.routes, or those whose inputs changed
    extra_head: str = ""
    bodies: dict[str, CachedBody] = field(default_factory=dict)  # the cache's Markdown bodies
    data_files: tuple[DataFile, ...] = ()  # the open data files, listed on /data/
    templates: jinja2.BytecodeCache | None = None  # compiled templates kept between builds (serve)


@dataclass(frozen=True, slots=True)
class Done:
    filled: Filled | None
    pages: int
    diagnostics: tuple[Diagnostic, ...]
    fresh: dict[str, CachedBody]  # bodies rendered now, for the cache
    reads: dict[str, PageReads]  # output path -> what the page read (see deps.py)


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def render_site(job: Job, jobs: int, meanwhile: Callable[[], None] | None = None) -> list[Done]:
    """Render the job's routes (and write them when staging), in order, noting what each read.
    `meanwhile` runs in this process while worker processes render (or after, without them).

    Workers get ranges of positions in `job.routes`, never the routes themselves: a pickled
    route would carry a copy of its record, whose reads deps.py could not tell apart."""
    chunks = [range(i, min(i + CHUNK, len(job.routes))) for i in range(0, len(job.routes), CHUNK)]
    if jobs <= 1 or len(chunks) <= 1 or "fork" not in multiprocessing.get_all_start_methods():
        with tracking(job.site):
            worker = _Worker(job)
            done = [worker.run(chunk) for chunk in chunks]
        if meanwhile is not None:
            meanwhile()
        return done
    with tracking(job.site):  # the workers fork with reads tracked; here nothing is rendered
        pool = multiprocessing.get_context("fork").Pool(min(jobs, len(chunks)), initializer=_start, initargs=(job,))
    with pool:
        rendering = pool.map_async(_run, chunks, chunksize=1)
        if meanwhile is not None:
            meanwhile()
        return rendering.get()


class _Worker:
    """Renders chunks of routes with one Jinja environment."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.env = make_environment(job.theme, job.plan.urls, job.site, job.data_files, job.templates)

    def run(self, positions: range) -> Done:
        problems: list[Diagnostic] = []
        artifacts: list[Artifact] = []
        cache = BodyCache(self.job.bodies)
        reads: dict[str, PageReads] = {}
        recorder = current()
        for route in (self.job.routes[i] for i in positions):
            if recorder is not None:
                recorder.start()
            html = render_page(route, self.env, self.job.plan.urls, problems, cache)
            if recorder is not None:
                reads[route.output] = recorder.finish()
            if html is None:
                continue
            if self.job.extra_head:
                html = html.replace("</head>", self.job.extra_head + "</head>", 1)
            artifacts.append(Artifact(route.output, html.encode("utf-8")))
        staging = self.job.staging
        filled = staging.fill(artifacts) if staging is not None and not problems else None
        return Done(filled, len(artifacts), tuple(problems), cache.fresh, reads)


# Each worker process holds its own _Worker, made once when the pool forks it.
_worker: _Worker | None = None


def _start(job: Job) -> None:
    global _worker
    _worker = _Worker(job)


def _run(positions: range) -> Done:
    assert _worker is not None, "the pool initializer sets the worker"
    return _worker.run(positions)
