"""The build, as a table of contents: load, validate, link, plan, render, write."""

from __future__ import annotations

import datetime as dt
import gc
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import models as m
from . import rebuild
from .artifacts import Copy, Output
from .audit import audit, quote_lines, scorecard
from .cache import BodyCache, Memory, Store, fingerprint
from .deps import is_record, record_file
from .diagnostics import (
    Diagnostic,
    Location,
    Severity,
    count,
    promote_warnings,
    sorted_diagnostics,
    to_dict,
)
from .graph import Site, link
from .incremental import CALENDARS, OPEN_DATA
from .lastbuild import LastBuild, indexer, schema, snapshot
from .options import BuildOptions, BuildReport, resolve_build_date
from .outputs.feed import feed
from .outputs.files import content_files, theme_assets
from .outputs.search import SearchError, index_pages
from .outputs.sitemap import robots, sitemap
from .parallel import Done, Job, default_jobs, render_site
from .render import DATA_FILES, render_body
from .routes import Plan, Route, plan_routes, record_path
from .sources import Sources, file_key, load_sources
from .theme import Theme, find_theme, load_theme, require_templates
from .validate import Records, validate
from .write import Reserved, Staging, check_output_dir, finish, manifest_digest, publish, reserve, wait_for_removals


@dataclass(slots=True)
class _Timer:
    timings: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        start = time.perf_counter()
        yield
        self.timings.append((stage, time.perf_counter() - start))


class _Collector:
    """Python's cycle collector during a build. Everything before the pages render (loading,
    linking, the audit, the routes, what changed, the other outputs) makes millions of objects
    and next to no cyclic garbage, and the collector's passes walked them again and again: a
    fifth of a one-change build at 10,000 pages; at 100,000, reading what each page read took
    2.1–4.4 s instead of 0.9 s. So it is paused until the pages render; then what the build made
    is frozen (gc.freeze), as it lives as long as the build: the collector does not walk it, nor
    do forked render workers copy its memory pages by touching them. Rendering makes cyclic
    garbage page by page (Jinja's), so the collector runs again for it. The build ends with the
    collector as it found it."""

    def __init__(self) -> None:
        self._was_on = gc.isenabled()

    def pause(self) -> None:
        gc.disable()

    def rendering(self) -> None:
        """The pages render next: freeze what was made, and collect what they leave."""
        gc.freeze()
        if self._was_on:
            gc.enable()

    def done(self) -> None:
        gc.unfreeze()
        if self._was_on:
            gc.enable()


def build(options: BuildOptions) -> BuildReport:
    """Build (or with write=False, only check) a site. Raises ThemeError/OutputError for exit 2."""
    if options.write:
        check_output_dir(options.output, options.site_dir)
    # check writes nothing, not even the cache: it only reads what the last build kept there
    store = Store(options.cache_dir, options.memory if options.write else None, read_only=not options.write)
    collector = _Collector()
    try:
        # the output locked, and its staging tree made ready by a child process meanwhile
        with reserve(options.output) if options.write and options.memory is None else nullcontext() as reserved:
            report = _build(options, store, _Timer(), collector, reserved)
    finally:
        collector.done()
        store.close()
        wait_for_removals()  # the previous tree, removed while the cache was being saved
    if store.problem:
        warning = Diagnostic(Severity.WARNING, Location(str(options.cache_dir)), store.problem,
                             "缓存只影响速度，不影响结果；可以删除缓存目录", "cache.ignored")
        report = replace(report, diagnostics=(*report.diagnostics, warning))
    return report


def _build(options: BuildOptions, store: Store, timer: _Timer, collector: _Collector,
           reserved: Reserved | None) -> BuildReport:
    build_date = resolve_build_date(options.build_date)
    collector.pause()
    with timer("theme"):
        theme_dir = find_theme(options.site_dir)
        # before reading a file: an edit made after it shows as a different snapshot next time
        stats = options.snapshot or (snapshot(options, theme_dir) if store.enabled and options.memory is None else None)
        theme = load_theme(theme_dir)
    with timer("load"):  # the files the cache has records of are decoded only if a problem quotes them
        sources = load_sources(options.site_dir, options.memory.sources if options.memory else None, options.changed,
                               store.validated_keys())
    inputs = _fingerprint(options, build_date, theme, sources)
    unsure = options.memory is not None and bool(options.memory.unsure)  # a failed in-place build wrote pages
    if options.write and not unsure and (last := _unchanged(store, options.output, inputs)) is not None:
        if stats is not None and stats != last.snapshot:  # settled since, or a fresh checkout: next time by stat
            store.save_last_build(options.output, replace(last, snapshot=stats))
        return last.report(tuple(timer.timings))
    with timer("validate"):  # files whose bytes the cache has seen are not parsed again
        known = store.validated(file_key(s.path, s.digest) for s in sources.records)
        records = validate(sources, options.base_url, known, options.jobs or default_jobs())
    with timer("link"):
        linked = link(records, build_date)
    problems = list(linked.diagnostics)
    site = linked.site
    if site is None:
        return _report(problems, options, timer)
    with timer("audit"):  # on a site with content errors the audit would report their echoes: wait
        clean = not any(d.is_error for d in problems)
        findings = audit(site, site.config.audit, records.holidays, records.findings()) if clean else ()
        problems.extend(quote_lines(findings, _Texts(sources)))
    with timer("routes"):
        plan = plan_routes(site, scorecard(site, findings, site.config.audit))
    require_templates(theme, {route.template for route in plan.routes})
    problems.extend(plan.diagnostics)
    if any(d.is_error for d in _final(problems, options)):
        with timer("markdown"):  # templates would trip over the broken records: check links only
            problems.extend(check_bodies(site, plan))
        return _report(problems, options, timer)
    jobs = options.jobs or default_jobs()
    if not options.write:  # check: render every page, but those the last build rendered from the same reads
        with timer("changes"):
            checked, data_files = rebuild.to_check(store, options.output, _page_inputs(options, theme, sources),
                                                   _digests(sources), site, theme, plan, records)
        collector.rendering()
        with timer("render"):
            bodies = store.bodies(None if len(checked) == len(plan.routes) else _body_keys(checked))
            done = render_site(Job(site, plan, theme, None, checked, options.extra_head, bodies, data_files), jobs)
        problems.extend(d for batch in done for d in batch.diagnostics)
        pages = len(plan.routes) - len(checked) + sum(batch.pages for batch in done)
        return replace(_report(problems, options, timer, pages),
                       rendered=tuple(sorted(path for batch in done for path in batch.reads)))
    with publish(options.output, in_place=options.memory is not None, reserved=reserved) as staging:
        if options.early is not None and options.memory is not None:
            with timer("early"):  # serve: the edited pages first, for the browser to show at once
                _render_early(options, options.memory, Job(site, plan, theme, staging, (), options.extra_head,
                                                           templates=options.memory.templates), problems)
        since = None
        if store.enabled:  # without a cache there is nothing to compare with, nor to keep for next time
            with timer("changes"):  # what changed since the last build into this output
                since = rebuild.since(store, staging, _page_inputs(options, theme, sources),
                                      _digests(sources), site, theme, plan, records)
        with timer("outputs"):  # everything but the pages; open data and calendars when what they read changed
            data, data_reads = rebuild.data_files(since, site, plan.urls)
            calendars, calendar_reads = rebuild.calendar_files(since, site, plan.urls)
            outputs: list[Output] = [
                sitemap(plan), robots(plan), feed(site, plan.urls), *calendars,
                *data.artifacts, *theme_assets(theme), *content_files(site),
            ]
        todo: Sequence[Route] = plan.routes
        kept: list[Copy] = []
        if since is not None:
            with timer("stale"):  # which pages read something that changed
                since = since.seeing(DATA_FILES, data.files)
                todo, kept = rebuild.stale_pages(since, plan, options.memory.unsure if options.memory else set())
        bodies = store.bodies(None if len(todo) == len(plan.routes) else _body_keys(todo))
        collector.rendering()
        with timer("render+write"):
            templates = options.memory.templates if options.memory else None
            job = Job(site, plan, theme, staging, todo, options.extra_head, bodies, data.files, templates)
            # the files' records go into the cache while workers render: valid whatever the build finds next
            done = render_site(job, jobs, meanwhile=lambda: _keep_records(store, records, collector))
            collector.pause()  # what is left makes no cyclic garbage either
            carried = staging.fill(kept)  # before the search index, which reads the pages it indexes again
            filled = [batch.filled for batch in done if batch.filled is not None]
        problems.extend(d for batch in done for d in batch.diagnostics)
        pages = len(plan.routes)
        if options.search and not any(d.is_error for d in _final(problems, options)):
            with timer("search"):  # reads the pages it has not seen; its files go into the manifest like any other
                digests = {path: digest for batch in (*filled, carried) for path, digest in batch.manifest.items()}
                outputs.extend(_search_index(staging, plan, digests, problems))
        if any(d.is_error for d in _final(problems, options)):
            if options.memory is not None:  # in place: pages were written
                _forget_pages(staging, done, options.memory)
            return _report(problems, options, timer, pages=pages)  # publish() discards the staging tree
        with timer("write"):
            result = finish(staging, [*filled, carried, staging.fill(outputs)],
                            options.memory.unsure if options.memory else ())
    report = replace(_report(problems, options, timer, pages, result.written, result.unchanged),
                     rendered=tuple(sorted(path for batch in done for path in batch.reads)),
                     remade=tuple(sorted(item.path for item in (*data.artifacts, *calendars)
                                         if not isinstance(item, Copy))))
    with timer("cache"):
        store.save_bodies((key, body) for batch in done for key, body in batch.fresh.items())
        # drop the bodies of the past on a full render, or once edits have left more of them
        # than the site has: the cache does not grow edit by edit
        if len(todo) == len(plan.routes) or store.body_count() > 2 * _bodies_on(plan.routes):
            store.keep_bodies(_body_keys(plan.routes))
        published = manifest_digest(options.output) if store.enabled and report.ok else None
        if published is not None:
            store.save_last_build(options.output, LastBuild(inputs, published, _summary(report), stats))
            if since is not None:
                rebuild.remember(store, options.output, published, since, done, data,
                                 {OPEN_DATA: data_reads, CALENDARS: calendar_reads})
        if options.memory is not None and report.ok:
            options.memory.unsure.clear()
    return replace(report, timings=tuple(timer.timings))  # with the cache's time too


def _keep_records(store: Store, records: Records, collector: _Collector) -> None:
    """The files' records into the cache; the JSON the validating workers handed back is not
    needed after that (300 MB at 100,000 pages). This process renders nothing meanwhile (or
    has rendered already), and encoding makes no cyclic garbage: the collector is paused."""
    collector.pause()
    store.save_validated(records.files, records.encoded)
    records.encoded.clear()


def _render_early(options: BuildOptions, memory: Memory, job: Job, problems: list[Diagnostic]) -> None:
    """Render and write the pages of the files that changed (options.changed) and tell the
    caller (options.early). They are marked unsure until the build succeeds: the rest of the
    build renders them again, as any build would, with the open data list made after them."""
    assert options.early is not None
    changed = options.changed or frozenset()
    routes = [route for route in job.plan.routes if is_record(route.record) and record_file(route.record) in changed]
    if not routes:
        return
    memory.unsure.update(route.output for route in routes)
    done = render_site(replace(job, routes=routes, bodies=memory.bodies), 1)
    for batch in done:
        memory.bodies.update(batch.fresh)  # the rest of the build finds them
    if not any(batch.diagnostics for batch in done):
        options.early(tuple(route.output for route in routes), tuple(sorted_diagnostics(_final(problems, options))))


def _bodies_on(routes: Sequence[Route]) -> int:
    """How many of these pages render a Markdown body."""
    return sum(isinstance(getattr(route.record, "body", None), m.Markdown) for route in routes)


def _body_keys(routes: Sequence[Route]) -> list[str]:
    """The cache keys of the Markdown bodies these pages render (see render.render_body)."""
    return [BodyCache.key(route.record.body.text, route.path) for route in routes
            if isinstance(getattr(route.record, "body", None), m.Markdown)]


def _forget_pages(staging: Staging, done: list[Done], memory: Memory) -> None:
    """In place, the chunks of pages that rendered before the build failed were written: remove
    them, so that nothing takes them for the last good build's, and render them next time."""
    written = {path for batch in done if batch.filled for path in batch.filled.manifest}
    for path in written:
        (staging.root / path).unlink(missing_ok=True)
    memory.unsure.update(written)


def _page_inputs(options: BuildOptions, theme: Theme, sources: Sources) -> str:
    """What every page depends on, beyond what the pages' reads track (see incremental.py). Not
    the build date: the pages that show it, or what it decides (upcoming sessions, expired
    notices, the audit's scorecard), read it, and a new day renders those alone."""
    return fingerprint([
        schema(), *(f"{f.name}:{f.digest}" for f in theme.static),
        options.base_url or "", options.extra_head, sources.holidays.digest if sources.holidays else "",
    ])


def _digests(sources: Sources) -> dict[str, str]:
    files = {s.path: s.digest for s in sources.records}
    files.update({"content/files/" + a.name: a.digest for a in sources.assets})
    if sources.site is not None:
        files[sources.site.path] = sources.site.digest
    return files


def _search_index(staging: Staging, plan: Plan, digests: dict[str, str], problems: list[Diagnostic]) -> list[Output]:
    """Only the shards of the index whose pages changed since the published output are redone.
    `digests`: every page's, as written (path -> digest)."""
    try:
        return list(index_pages(staging.root, plan.routes, staging.output, digests))
    except SearchError as exc:
        problems.append(Diagnostic(Severity.ERROR, Location("output"), f"搜索索引生成失败：{exc}",
                                   "检查 pagefind[extended] 是否已安装；也可以用 --no-search 跳过搜索索引",
                                   "search.index"))
        return []


def _fingerprint(options: BuildOptions, build_date: dt.date, theme: Theme, sources: Sources) -> str:
    """Everything a build's output depends on: sitegen, options, theme and every source file."""
    return fingerprint([
        schema(), theme.digest, build_date.isoformat(), options.base_url or "", str(options.strict),
        options.extra_head, "search: " + (indexer() if options.search else "off"),
        sources.site.digest if sources.site else "",
        *(f"{s.path}:{s.digest}" for s in sources.records),
        *(f"{a.name}:{a.digest}" for a in sources.assets),
        *(f"{d.location}:{d.message}" for d in sources.diagnostics),
    ])


def _unchanged(store: Store, output: Path, inputs: str) -> LastBuild | None:
    """The last build, if it was made from the same inputs and its output is still as it left it."""
    last = store.last_build(output)
    if last is None or last.inputs != inputs or manifest_digest(output) != last.manifest:
        return None
    return last


def _summary(report: BuildReport) -> dict[str, object]:
    return {
        "pages": report.pages,
        "files": report.written + report.unchanged,
        "diagnostics": [to_dict(d) for d in report.diagnostics],
    }


def check_bodies(site: Site, plan: Plan) -> list[Diagnostic]:
    """Every Markdown body's link problems, without rendering pages."""
    problems: list[Diagnostic] = []
    for records in (site.procedures, site.policies, site.notices, site.pages):
        for record in records:
            render_body(record.body, record.origin.path, record_path(record), plan.urls, problems)
    return problems


class _Texts(Mapping[str, str]):
    """Each source file's text by path, for quoting the line of a finding: only the files
    quoted are decoded (see SourceFile)."""

    def __init__(self, sources: Sources) -> None:
        files = (sources.site, sources.holidays, *sources.records)
        self._files = {source.path: source for source in files if source is not None}

    def __getitem__(self, path: str) -> str:
        return self._files[path].text

    def __iter__(self) -> Iterator[str]:
        return iter(self._files)

    def __len__(self) -> int:
        return len(self._files)


def _final(problems: list[Diagnostic], options: BuildOptions) -> tuple[Diagnostic, ...]:
    """--strict makes content warnings fatal; the audit's severities are site.yaml's `audit: rules:`
    (a 22号 quota short in November is a warning that no edit can fix before the year is out)."""
    if not options.strict:
        return tuple(problems)
    audit_findings = [d for d in problems if d.code.startswith("audit.")]
    return (*promote_warnings(d for d in problems if not d.code.startswith("audit.")), *audit_findings)


def _report(problems: list[Diagnostic], options: BuildOptions, timer: _Timer, pages: int = 0,
            written: int = 0, unchanged: int = 0) -> BuildReport:
    final = sorted_diagnostics(_final(problems, options))
    return BuildReport(tuple(final), pages, written, unchanged, tuple(timer.timings))


__all__ = ["BuildOptions", "BuildReport", "build", "count", "resolve_build_date"]
