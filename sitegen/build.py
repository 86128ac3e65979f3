"""The build, as a table of contents: load, validate, link, plan, render, write."""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from .artifacts import Output
from .diagnostics import Diagnostic, count, promote_warnings, sorted_diagnostics
from .graph import Site, link
from .outputs.feed import feed
from .outputs.files import content_files, theme_assets
from .outputs.ics import calendars
from .outputs.opendata import open_data
from .outputs.sitemap import robots, sitemap
from .parallel import Job, default_jobs, render_site
from .render import render_body
from .routes import Plan, plan_routes, record_path
from .sources import load_sources
from .theme import find_theme, load_theme, require_templates
from .validate import validate
from .write import check_output_dir, finish, publish

CHINA = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")


@dataclass(frozen=True, slots=True)
class BuildOptions:
    site_dir: Path
    output: Path
    base_url: str | None = None
    strict: bool = False
    build_date: dt.date | None = None  # None: SOURCE_DATE_EPOCH, else today in China
    write: bool = True  # False for `sitegen check`
    jobs: int = 0  # worker processes; 0: one per available core
    extra_head: str = ""  # markup added before </head> of every page (serve's live reload)


@dataclass(frozen=True, slots=True)
class BuildReport:
    diagnostics: tuple[Diagnostic, ...]
    pages: int = 0
    written: int = 0
    unchanged: int = 0
    timings: tuple[tuple[str, float], ...] = ()

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)

    @property
    def seconds(self) -> float:
        return sum(seconds for _, seconds in self.timings)


@dataclass(slots=True)
class _Timer:
    timings: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.timings.append((stage, time.perf_counter() - start))


def build(options: BuildOptions) -> BuildReport:
    """Build (or with write=False, only check) a site. Raises ThemeError/OutputError for exit 2."""
    timer = _Timer()
    if options.write:
        check_output_dir(options.output, options.site_dir)
    with timer("theme"):
        theme = load_theme(find_theme(options.site_dir))
    with timer("load"):
        sources = load_sources(options.site_dir)
    with timer("validate"):
        records = validate(sources, options.base_url)
    with timer("link"):
        linked = link(records, resolve_build_date(options.build_date))
    problems = list(linked.diagnostics)
    site = linked.site
    if site is None:
        return _report(problems, options, timer)
    with timer("routes"):
        plan = plan_routes(site)
    require_templates(theme, {route.template for route in plan.routes})
    problems.extend(plan.diagnostics)
    if any(d.is_error for d in _final(problems, options)):
        with timer("markdown"):  # templates would trip over the broken records: check links only
            problems.extend(check_bodies(site, plan))
        return _report(problems, options, timer)
    outputs: list[Output] = [
        sitemap(plan), robots(plan), feed(site, plan.urls), *calendars(site, plan.urls),
        *open_data(site, plan.urls).artifacts, *theme_assets(theme), *content_files(site),
    ]
    jobs = options.jobs or default_jobs()
    if not options.write:
        with timer("render"):
            done = render_site(Job(site, plan, theme, None, options.extra_head), jobs)
        problems.extend(d for batch in done for d in batch.diagnostics)
        return _report(problems, options, timer, pages=sum(batch.pages for batch in done))
    with publish(options.output) as staging, timer("render+write"):
        done = render_site(Job(site, plan, theme, staging, options.extra_head), jobs)
        problems.extend(d for batch in done for d in batch.diagnostics)
        pages = sum(batch.pages for batch in done)
        if any(d.is_error for d in _final(problems, options)):
            return _report(problems, options, timer, pages=pages)  # publish() discards the staging tree
        filled = [batch.filled for batch in done if batch.filled is not None]
        result = finish(staging, [*filled, staging.fill(outputs)])
    return _report(problems, options, timer, pages, result.written, result.unchanged)


def check_bodies(site: Site, plan: Plan) -> list[Diagnostic]:
    """Every Markdown body's link problems, without rendering pages."""
    problems: list[Diagnostic] = []
    for records in (site.procedures, site.policies, site.notices, site.pages):
        for record in records:
            render_body(record.body, record.origin.path, record_path(record), plan.urls, problems)
    return problems


def resolve_build_date(explicit: dt.date | None) -> dt.date:
    """The date pages are built for: explicit, else SOURCE_DATE_EPOCH, else today in China."""
    if explicit is not None:
        return explicit
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return dt.datetime.fromtimestamp(int(epoch), CHINA).date()
    return dt.datetime.now(CHINA).date()


def _final(problems: list[Diagnostic], options: BuildOptions) -> tuple[Diagnostic, ...]:
    return promote_warnings(problems) if options.strict else tuple(problems)


def _report(problems: list[Diagnostic], options: BuildOptions, timer: _Timer, pages: int = 0,
            written: int = 0, unchanged: int = 0) -> BuildReport:
    final = sorted_diagnostics(_final(problems, options))
    return BuildReport(tuple(final), pages, written, unchanged, tuple(timer.timings))


__all__ = ["BuildOptions", "BuildReport", "build", "count"]
