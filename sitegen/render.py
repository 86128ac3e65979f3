"""Render a planned page through the theme's templates: the Jinja environment and Markdown bodies."""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import jinja2
from jinja2.runtime import Context
from markupsafe import Markup

from . import deps
from . import models as m
from .audit import commitments
from .cache import BodyCache, CachedBody
from .diagnostics import Diagnostic, Location, Severity
from .graph import Site
from .markdown import Heading, render_markdown
from .outputs.jsonld import jsonld, jsonld_graph, script_tag, site_jsonld
from .outputs.opendata import DataFile
from .routes import Route, Urls, record_path
from .theme import Theme

WEEKDAYS = "一二三四五六日"


@dataclass(frozen=True, slots=True)
class Body:
    """A record's Markdown body, rendered."""

    html: Markup
    headings: tuple[Heading, ...]


DATA_FILES = "data_files"  # the name under which pages that list the open data files depend on them


class _Environment(jinja2.Environment):
    """Notes, for the page being rendered, the templates it uses (records and the Site note their
    own reads, the theme strings and the open data list theirs: see deps.py and below); a page
    made with a template that names the `build_date` global reads the Site's build date."""

    dated: frozenset[str] = frozenset()  # the templates that name the global (see dated_templates)

    def get_template(self, name: Any, parent: str | None = None, globals: Any = None) -> jinja2.Template:
        recorder = deps.current()
        if recorder is not None and isinstance(name, str):
            recorder.page.templates.add(name)
            if name in self.dated:
                recorder.page.site.add("build_date")
        return super().get_template(name, parent, globals)


# `build_date` as a name of its own, not `site.build_date` (an attribute the Site notes itself)
_DATE_GLOBAL = re.compile(r"(?<![\w.])build_date\b")


def dated_templates(theme: Theme) -> frozenset[str]:
    """The templates that name the `build_date` global anywhere (a comment too: when in doubt, the
    page depends on the date). Pages made with them are rendered again on a new build date; the
    others only if they read something the date changes (site.build_date, upcoming sessions…)."""
    return frozenset(name for name, text in theme.templates.items() if _DATE_GLOBAL.search(text))


class _Strings:
    """The theme's strings as templates read them (`t.skip_to_content`, `t["day_" ~ n]`),
    noting each key read for the page being rendered. Only these reads pay for the noting:
    an override of the environment's getattr would tax every attribute read of every page."""

    __slots__ = ("_values",)

    def __init__(self, values: dict[str, str]) -> None:
        self._values = values

    def __getattr__(self, name: str) -> str:
        if name.startswith("__"):  # hasattr(t, "__html__") and friends: not a string's name
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, key: str) -> str:
        recorder = deps.current()
        if recorder is not None:
            recorder.page.strings.add(str(key))
        return self._values[key]


class _DataFiles(tuple[DataFile, ...]):
    """The open data files listed on /data/: a page that looks at the list depends on it."""

    def __iter__(self) -> Iterator[DataFile]:
        _note_data_files()
        return super().__iter__()

    def __len__(self) -> int:
        _note_data_files()
        return super().__len__()

    def __getitem__(self, index: Any) -> Any:
        _note_data_files()
        return super().__getitem__(index)


def _note_data_files() -> None:
    recorder = deps.current()
    if recorder is not None:
        recorder.page.site.add(DATA_FILES)


def make_environment(
    theme: Theme, urls: Urls, site: Site, data_files: tuple[DataFile, ...] = (),
    templates: jinja2.BytecodeCache | None = None,
) -> jinja2.Environment:
    """Jinja with autoescape and StrictUndefined: a missing value fails the build, never a blank."""
    env = _Environment(
        loader=jinja2.DictLoader(theme.templates),
        bytecode_cache=templates,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.dated = dated_templates(theme)
    static = {f.name: "assets/" + f.fingerprinted for f in theme.static}

    # Links depend on the page they are on (see Urls): these read it from the template context.
    @jinja2.pass_context
    def url(context: Context, path: str) -> str:
        return urls.link(context["page"].path, path)

    @jinja2.pass_context
    def url_of(context: Context, record: Any) -> str:
        return urls.link(context["page"].path, record_path(record))

    @jinja2.pass_context
    def asset(context: Context, name: str) -> str:
        return urls.link(context["page"].path, static[name])

    def structured_data(record: Any) -> Markup:
        """The JSON-LD block of a record page (or of a list of sessions), if its kind has one."""
        if isinstance(record, list | tuple):
            data = jsonld_graph(record, site, urls) if record else None
        else:
            data = jsonld(record, site, urls)
        return Markup(script_tag(data)) if data else Markup("")  # script_tag escapes < > &

    def qr(path: str, label: str | None = None) -> Markup:
        # imported on first use: segno costs 40 ms to import, and most rebuilds print no card
        from .outputs.qr import qr_svg

        return Markup(qr_svg(urls.absolute(path), label))  # segno escapes the title

    env.globals.update(
        site=site,
        config=site.config,
        t=_Strings(theme.strings),
        build_date=site.build_date,
        url=url,
        url_of=url_of,
        absolute_url=urls.absolute,
        asset=asset,
        jsonld=structured_data,
        site_jsonld=lambda: Markup(script_tag(site_jsonld(site, urls))),
        qr=qr,
        data_files=_DataFiles(data_files),
        commitments=functools.partial(commitments, site),  # commitments(leader[, year]): 22号 targets
    )
    env.filters.update(cn_date=cn_date, weekday=weekday, iso=_iso)
    return env


def cn_date(value: dt.date | None) -> str:
    """2026-01-28 -> 2026年1月28日."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def weekday(value: dt.date) -> str:
    return "周" + WEEKDAYS[value.weekday()]


def _iso(value: dt.date) -> str:
    return value.isoformat()


def render_body(
    markdown: m.Markdown, path: str, page: str, urls: Urls, problems: list[Diagnostic],
    cache: BodyCache | None = None,
) -> Body:
    """Render a Markdown body for the page at `page`; its link problems become diagnostics at
    the source file's own lines. A cached rendering is reused while its links still hold."""
    resolve = urls.resolver(page)
    key = BodyCache.key(markdown.text, page) if cache is not None else ""
    recorder = deps.current()
    if cache is not None and (hit := cache.get(key, resolve)) is not None:
        if recorder is not None:
            recorder.page.links.update((target, urls.resolve(target) or "") for target, _ in hit.links)
        return Body(Markup(hit.html), hit.headings)
    result = render_markdown(markdown.text, resolve)
    if recorder is not None:
        recorder.page.links.update((target, urls.resolve(target) or "") for target in result.targets)
    for problem in result.problems:
        problems.append(Diagnostic(
            Severity.ERROR, Location(path, markdown.line + problem.line - 1, problem.column),
            problem.message, problem.hint, problem.code,
            source_line=_line(markdown.text, problem.line),
        ))
    if cache is not None and not result.problems:
        links = tuple((target, resolve(target) or "") for target in result.targets)
        cache.put(key, CachedBody(result.html, result.headings, links))
    return Body(Markup(result.html), result.headings)


def _line(text: str, line: int) -> str:
    lines = text.split("\n")
    return lines[line - 1] if 1 <= line <= len(lines) else ""


def render_page(
    route: Route, env: jinja2.Environment, urls: Urls, problems: list[Diagnostic],
    cache: BodyCache | None = None,
) -> str | None:
    record = route.record
    body = None
    if record is not None and isinstance(getattr(record, "body", None), m.Markdown):
        body = render_body(record.body, record.origin.path, route.path, urls, problems, cache)
    try:
        return env.get_template(route.template).render(page=route, record=record, body=body)
    except jinja2.TemplateError as exc:
        problems.append(_template_problem(route, exc))
        return None


def _template_problem(route: Route, exc: jinja2.TemplateError) -> Diagnostic:
    """A theme bug (or a value a template did not expect): reported at the record, not as a traceback."""
    where = route.origin or m.Origin("themes/default/templates/" + route.template, 0)
    line = getattr(exc, "lineno", None) or 0
    return Diagnostic(
        Severity.ERROR, Location(where.path, where.line, 1),
        f"页面 /{route.path} 渲染失败（模板 {route.template}{f' 第 {line} 行' if line else ''}）：{exc}",
        "这通常是主题模板的问题；如果刚修改了主题，请检查该模板", "render.template")


