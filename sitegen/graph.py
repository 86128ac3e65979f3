"""Resolve references between records into a linked, immutable Site with its reverse indexes."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from . import models as m
from .diagnostics import Diagnostic, Location, Severity
from .fields import did_you_mean
from .validate import Records
from .values.hours import Hours

R = TypeVar("R")

_KIND_LABELS = {
    "departments": "部门", "procedures": "办事事项", "leaders": "领导", "receptions": "接访",
    "policies": "政策文件", "halls": "服务大厅", "notices": "通知公告", "pages": "页面", "files": "附件",
}


@dataclass(frozen=True, slots=True)
class Site:
    """Everything a site publishes, linked: every reference in it points at an existing record."""

    config: m.SiteConfig
    build_date: dt.date
    departments: tuple[m.Department, ...]  # by order, then slug
    procedures: tuple[m.Procedure, ...]  # by slug
    leaders: tuple[m.Leader, ...]  # by order, then slug
    sessions: tuple[m.Session, ...]  # by date and time
    policies: tuple[m.Policy, ...]  # newest published first
    halls: tuple[m.Hall, ...]
    notices: tuple[m.Notice, ...]  # newest first
    pages: tuple[m.Page, ...]  # by order, then slug
    assets: tuple[m.Asset, ...]
    by_slug: dict[str, dict[str, Any]]  # folder -> slug -> record
    procedures_by_department: dict[str, tuple[m.Procedure, ...]]
    procedures_by_hall: dict[str, tuple[m.Procedure, ...]]
    children: dict[str, tuple[m.Department, ...]]
    sessions_by_leader: dict[str, tuple[m.Session, ...]]
    superseding: dict[str, tuple[m.Policy, ...]]  # slug -> the policies that supersede it
    # Slugs whose files exist but did not validate: links to them are not reported again.
    attempted: dict[str, frozenset[str]]

    def department(self, slug: str) -> m.Department:
        return self.by_slug["departments"][slug]  # type: ignore[no-any-return]

    def procedure(self, slug: str) -> m.Procedure:
        return self.by_slug["procedures"][slug]  # type: ignore[no-any-return]

    def leader(self, slug: str) -> m.Leader:
        return self.by_slug["leaders"][slug]  # type: ignore[no-any-return]

    def hall(self, slug: str) -> m.Hall:
        return self.by_slug["halls"][slug]  # type: ignore[no-any-return]

    def policy(self, slug: str) -> m.Policy:
        return self.by_slug["policies"][slug]  # type: ignore[no-any-return]

    @property
    def top_departments(self) -> tuple[m.Department, ...]:
        return tuple(d for d in self.departments if d.parent is None)

    @property
    def upcoming_sessions(self) -> tuple[m.Session, ...]:
        return tuple(s for s in self.sessions if s.date >= self.build_date)

    @property
    def past_sessions(self) -> tuple[m.Session, ...]:
        return tuple(reversed([s for s in self.sessions if s.date < self.build_date]))

    @property
    def current_notices(self) -> tuple[m.Notice, ...]:
        return tuple(n for n in self.notices if n.expires is None or n.expires >= self.build_date)

    @property
    def archived_notices(self) -> tuple[m.Notice, ...]:
        return tuple(n for n in self.notices if n.expires is not None and n.expires < self.build_date)

    def hours_of_department(self, department: m.Department) -> Hours:
        return department.hours or self.config.organization.hours

    def hours_of_procedure(self, procedure: m.Procedure) -> Hours:
        if procedure.hours is not None:
            return procedure.hours
        if procedure.hall is not None:
            return self.hall(procedure.hall).hours
        return self.config.organization.hours

    def windows_for(self, procedure: m.Procedure) -> tuple[tuple[m.Hall, m.Window], ...]:
        return tuple(
            (hall, window)
            for hall in self.halls
            for window in hall.windows
            if procedure.slug in window.procedures
        )


@dataclass(frozen=True, slots=True)
class Linked:
    site: Site | None
    diagnostics: tuple[Diagnostic, ...]


def link(records: Records, build_date: dt.date) -> Linked:
    problems: list[Diagnostic] = list(records.diagnostics)
    if records.config is None:
        return Linked(None, tuple(problems))

    by_slug: dict[str, dict[str, Any]] = {}
    for folder, items in (
        ("departments", records.departments), ("procedures", records.procedures),
        ("leaders", records.leaders), ("policies", records.policies), ("halls", records.halls),
        ("notices", records.notices), ("pages", records.pages),
    ):
        by_slug[folder] = _unique(folder, items, problems)
    by_slug["files"] = {asset.name: asset for asset in records.assets}
    sessions = _unique_sessions(records.sessions, problems)

    everything: Iterable[Any] = (
        *records.departments, *records.procedures, *records.leaders, *sessions,
        *records.policies, *records.halls,
    )
    for record in everything:
        for ref in record.origin.refs:
            if ref.slug not in records.attempted.get(ref.kind, ()):
                _check_ref(ref, record.origin.path, by_slug, problems)
    _check_parent_cycles(records.departments, problems)

    departments = _by_order(by_slug["departments"].values())
    procedures = sorted(by_slug["procedures"].values(), key=lambda p: p.slug)
    site = Site(
        config=records.config,
        build_date=build_date,
        departments=departments,
        procedures=tuple(procedures),
        leaders=_by_order(by_slug["leaders"].values()),
        sessions=tuple(sorted(sessions, key=lambda s: (s.date, s.time.start, s.id))),
        policies=tuple(sorted(by_slug["policies"].values(), key=lambda p: (-p.published.toordinal(), p.slug))),
        halls=tuple(sorted(by_slug["halls"].values(), key=lambda h: h.slug)),
        notices=tuple(sorted(by_slug["notices"].values(), key=lambda n: (-n.date.toordinal(), n.slug))),
        pages=_by_order(by_slug["pages"].values()),
        assets=records.assets,
        by_slug=by_slug,
        procedures_by_department=_group(procedures, lambda p: p.department),
        procedures_by_hall=_group(procedures, lambda p: p.hall),
        children=_group(departments, lambda d: d.parent),
        sessions_by_leader=_group(sorted(sessions, key=lambda s: (s.date, s.time.start)), lambda s: s.leader),
        superseding=_group(by_slug["policies"].values(), lambda p: p.superseded_by),
        attempted=records.attempted,
    )
    return Linked(site, tuple(problems))


def _unique(folder: str, items: Sequence[Any], problems: list[Diagnostic]) -> dict[str, Any]:
    """Records by slug; a slug used twice (sub-folders do not count) is an error naming both files."""
    found: dict[str, Any] = {}
    for item in items:
        first = found.get(item.slug)
        if first is not None:
            problems.append(Diagnostic(
                Severity.ERROR, Location(item.origin.path, 1, 1),
                f"{_KIND_LABELS[folder]} “{item.slug}” 重复：{first.origin.path} 已使用这个文件名",
                "子文件夹只用于整理文件，同一类内容的文件名不能重复；请给其中一个改名", "ref.duplicate"))
            continue
        found[item.slug] = item
    return found


def _unique_sessions(sessions: Sequence[m.Session], problems: list[Diagnostic]) -> list[m.Session]:
    seen: dict[str, m.Session] = {}
    for session in sessions:
        first = seen.get(session.id)
        if first is not None:
            problems.append(Diagnostic(
                Severity.ERROR, Location(session.origin.path, session.origin.line, 1),
                f"接访场次 “{session.id}” 重复（{first.origin.path}:{first.origin.line} 已有同一领导同一时间的场次）",
                "同一领导同一天同一时间只能有一场接访；如确有两场，请给其中一场写不同的 id", "ref.duplicate"))
            continue
        seen[session.id] = session
    return list(seen.values())


def _check_ref(ref: m.Ref, path: str, by_slug: dict[str, dict[str, Any]], problems: list[Diagnostic]) -> None:
    targets = by_slug[ref.kind]
    if ref.slug in targets:
        return
    label = _KIND_LABELS[ref.kind]
    if ref.kind == "files":
        hint = did_you_mean(ref.slug, list(targets)) + "附件要放在 content/files/ 下，这里写文件名"
        message = f"{ref.field} 引用的附件 “{ref.slug}” 不存在"
    else:
        hint = did_you_mean(ref.slug, list(targets)) or f"应填写 content/{ref.kind}/ 下某个文件的文件名（不含扩展名）"
        message = f"{ref.field} 引用的{label} “{ref.slug}” 不存在"
    problems.append(Diagnostic(Severity.ERROR, Location(path, ref.line, ref.column), message, hint, "ref.unknown"))


def _check_parent_cycles(departments: Sequence[m.Department], problems: list[Diagnostic]) -> None:
    parent = {d.slug: d.parent for d in departments}
    for department in departments:
        seen = {department.slug}
        current = department.parent
        while current is not None and current in parent:
            if current in seen:
                problems.append(Diagnostic(
                    Severity.ERROR, Location(department.origin.path, department.origin.line, 1),
                    f"部门的上级关系形成了循环：{department.slug} → … → {current}",
                    "检查各部门的 parent 字段，上级部门不能最终指回自己", "ref.cycle"))
                break
            seen.add(current)
            current = parent[current]


def _by_order(items: Iterable[R]) -> tuple[R, ...]:
    big = 1 << 30

    def key(record: Any) -> tuple[int, str]:
        order = record.order
        return (big if order is None else order, record.slug)

    return tuple(sorted(items, key=key))


def _group(items: Iterable[R], key: Any) -> dict[str, tuple[R, ...]]:
    groups: dict[str, list[R]] = defaultdict(list)
    for item in items:
        value = key(item)
        if value is not None:
            groups[value].append(item)
    return {k: tuple(v) for k, v in groups.items()}
