"""Plan every page of the site — the only place that knows URLs."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Any

from . import models as m
from .audit import Scorecard
from .diagnostics import Diagnostic, Location, Severity
from .graph import Site
from .markdown import LinkResolver

# folder -> the URL section of its records (records of a kind live at /SECTION/SLUG/)
SECTIONS = {
    "departments": "departments",
    "procedures": "procedures",
    "leaders": "leaders",
    "policies": "policies",
    "halls": "halls",
    "notices": "notices",
}
_RECORD_FOLDERS = {
    m.Department: "departments", m.Procedure: "procedures", m.Leader: "leaders",
    m.Policy: "policies", m.Hall: "halls", m.Notice: "notices", m.Page: "pages",
}


NOT_FOUND = "404.html"
RECEPTIONS_CALENDAR = "receptions.ics"  # every reception session (outputs/ics.py)


@dataclass(frozen=True, slots=True)
class Route:
    """One page: where it is written, which template renders it, and what it shows."""

    path: str  # site path without the base path: "" (home), "departments/office/", "404.html"
    template: str
    title: str
    record: Any = None  # the record a record page shows
    origin: m.Origin | None = None

    @property
    def output(self) -> str:
        """The file under output/."""
        return self.path + "index.html" if self.path == "" or self.path.endswith("/") else self.path

    @property
    def in_sitemap(self) -> bool:
        return self.path != NOT_FOUND


def relpath(path: str, start: str) -> str:
    """posixpath.relpath for site paths ("procedures/a/" from "notices/b/" -> "../../procedures/a"),
    without its trip through the working directory: every link of every page comes here."""
    to = [part for part in path.split("/") if part and part != "."]
    here = [part for part in start.split("/") if part and part != "."]
    if ".." in to or ".." in here:
        return posixpath.relpath(path or ".", start.rstrip("/") or ".")
    common = 0
    for a, b in zip(to, here, strict=False):
        if a != b:
            break
        common += 1
    return "/".join([".."] * (len(here) - common) + to[common:]) or "."


@dataclass(frozen=True, slots=True)
class Urls:
    """Builds every internal URL.

    Links inside pages are relative to the page ("../../procedures/id-card/"), so the output
    works under any base path, from a plain file:// folder, and byte-identical wherever it is
    deployed. The 404 page is the exception: it is served at any missing address, so its links
    are root-relative and carry base_url's path. Feeds, the sitemap and calendars use absolute
    URLs.
    """

    base_path: str  # "/" or "/zwgk/"
    base_url: str
    by_slug: dict[str, dict[str, Any]]
    paths: frozenset[str]  # every planned page's site path
    attempted: dict[str, frozenset[str]]  # records that failed validation still "exist" for links

    def link(self, page: str, path: str) -> str:
        """The URL by which the page at site path `page` links to site path `path`."""
        path = path.lstrip("/")
        if page == NOT_FOUND:
            return self.base_path + path
        here = page if page.endswith("/") or page == "" else posixpath.dirname(page) + "/"
        relative = relpath(path, here)
        if relative == ".":
            return "./"
        if ":" in relative.split("/", 1)[0]:
            relative = "./" + relative  # never let a path segment read as a URL scheme
        return relative + "/" if (path.endswith("/") or path == "") else relative

    def absolute(self, path: str) -> str:
        return self.base_url + path.lstrip("/")

    def resolve(self, target: str) -> str | None:
        """The site path of a Markdown link target (`@procedures/id-card`, `/procedures/id-card/`,
        `/files/a.pdf`, `/`), or None when nothing is published there."""
        if target.startswith("@"):
            folder, _, slug = target[1:].partition("/")
            slug = slug.strip("/")
            record = self.by_slug.get(folder, {}).get(slug)
            if record is not None and folder != "files":
                return record_path(record)
            if slug in self.attempted.get(folder, ()):  # has its own error already
                return f"{SECTIONS.get(folder, '')}/{slug}/".lstrip("/")
            return None
        if target.startswith("/files/"):
            name = target[len("/files/"):]
            return target.lstrip("/") if name in self.by_slug["files"] else None
        path = target.lstrip("/")
        if path and not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
            path += "/"
        return path if path in self.paths else None

    def resolver(self, page: str) -> LinkResolver:
        """Markdown's link resolver for one page: targets become links relative to it."""

        def resolve(target: str) -> str | None:
            path = self.resolve(target)
            return None if path is None else self.link(page, path)

        return resolve


def record_path(record: Any) -> str:
    folder = _RECORD_FOLDERS[type(record)]
    if folder == "pages":
        return f"{record.slug}/"
    return f"{SECTIONS[folder]}/{record.slug}/"


def leader_calendar_path(leader: m.Leader) -> str:
    """The calendar of one leader's sessions, next to the leader's page."""
    return f"leaders/{leader.slug}.ics"


def calendar_paths(site: Site) -> list[str]:
    """The reception calendars: all sessions in one, then one per leader (even one with none yet)."""
    return [RECEPTIONS_CALENDAR, *(leader_calendar_path(leader) for leader in site.leaders)]


@dataclass(frozen=True, slots=True)
class Plan:
    routes: tuple[Route, ...]
    urls: Urls
    diagnostics: tuple[Diagnostic, ...]


def plan_routes(site: Site, scorecard: Scorecard | None = None) -> Plan:
    """Every page; /openness/ (the audit's public scorecard) when the build passes its scorecard."""
    routes: list[Route] = [
        Route("", "home.html", site.config.title),
        Route("departments/", "departments.html", "机构职能"),
        Route("directory/", "directory.html", "职责与联系电话一览"),
        Route("procedures/", "procedures.html", "办事指南"),
        Route("leaders/", "leaders.html", "领导信息"),
        Route("receptions/", "receptions.html", "领导接访安排"),
        Route("policies/", "policies.html", "政策文件"),
        Route("halls/", "halls.html", "服务大厅"),
        Route("notices/", "notices.html", "通知公告"),
        Route("data/", "data.html", "开放数据"),
        Route("search/", "search.html", "站内搜索"),
        Route(NOT_FOUND, "404.html", "页面未找到"),
    ]
    if scorecard is not None:
        routes.append(Route("openness/", "openness.html", "政务公开体检", scorecard))
    for template, records in (
        ("department.html", site.departments), ("procedure.html", site.procedures),
        ("leader.html", site.leaders), ("policy.html", site.policies), ("hall.html", site.halls),
        ("notice.html", site.notices), ("page.html", site.pages),
    ):
        for record in records:
            title = record.name if isinstance(record, m.Department | m.Leader | m.Hall) else record.title
            routes.append(Route(record_path(record), template, title, record, record.origin))
    for department in site.departments:  # the printable card for the gate (18 articles)
        routes.append(Route(record_path(department) + "card/", "card.html", f"{department.name}公示卡",
                            department, department.origin))

    problems: list[Diagnostic] = []
    claimed: dict[str, Route] = {}
    unique: list[Route] = []
    for route in routes:
        first = claimed.get(route.output)
        if first is not None:
            problems.append(_collision(route, first))
            continue
        claimed[route.output] = route
        unique.append(route)
    paths = frozenset(r.path for r in unique)
    urls = Urls(site.config.base_path, site.config.base_url, site.by_slug, paths, site.attempted)
    ordered = tuple(sorted(unique, key=lambda r: r.output))
    return Plan(ordered, urls, tuple(problems))


def _collision(route: Route, first: Route) -> Diagnostic:
    where = route.origin or first.origin
    other = first.origin.path if first.origin else f"站点自带的 /{first.path} 页面"
    return Diagnostic(
        Severity.ERROR,
        Location(where.path if where else "content", where.line if where else 0, 1 if where else 0),
        f"两处内容会生成同一个网址 /{route.path}：{where.path if where else ''} 与 {other}",
        "给其中一个文件改名，使网址不再重复（免费页面不能与栏目同名，如 departments、procedures）",
        "route.collision",
    )
