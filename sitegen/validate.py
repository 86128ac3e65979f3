"""Turn source files into typed records, collecting every problem with its file and line."""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from . import models as m
from . import recordjson
from .audit.engine import record_findings
from .audit.finding import Finding
from .diagnostics import Diagnostic, Reporter, from_dict, to_dict
from .fields import parse_mapping
from .schema import KINDS, SESSION, SITE, Kind, positions, references, session_id, site_config
from .sources import SourceFile, Sources, file_key
from .workdays import NO_HOLIDAYS, Holidays, parse_holidays
from .yamlfile import Map, Node, Seq, kind_name, parse_yaml, split_front_matter


@dataclass(frozen=True, slots=True)
class Validated:
    """One content file's records and problems, and the openness audit's findings on its records
    that the records alone decide (see audit.record_findings): what the build cache keeps per file."""

    records: tuple[Any, ...]
    diagnostics: tuple[Diagnostic, ...]
    findings: tuple[Finding, ...]

    def encode(self) -> Encoded:
        return (recordjson.dumps(self.records),
                json.dumps([to_dict(d) for d in self.diagnostics], ensure_ascii=False),
                json.dumps([finding.to_json() for finding in self.findings], ensure_ascii=False))

    @staticmethod
    def decode(encoded: Encoded) -> Validated:
        """Raises ValueError, KeyError or TypeError on anything but what encode gave."""
        records, problems, findings = encoded
        return Validated(recordjson.loads(records), tuple(map(from_dict, _list(problems))),
                         tuple(map(Finding.from_json, _list(findings))))


def _list(text: str) -> list[Any]:
    """A JSON list; most files have no problems and no findings, whose "[]" is not parsed."""
    if text == "[]":
        return []
    value = json.loads(text)
    if type(value) is not list:
        raise ValueError("expected a list")
    return value


# A file's records, problems and findings as JSON: a row of the build cache, and what a
# validating worker process hands back.
Encoded = tuple[str, str, str]
# Files to validate before it pays to fork worker processes for them (a cold build's many).
PARALLEL_FROM = 512
# What validating a file and encoding its records costs a worker, against validating it alone:
# this process takes the larger share, as it neither encodes its own nor waits to.
_WORKER_COST = 1.25


@dataclass(frozen=True, slots=True)
class Records:
    config: m.SiteConfig | None
    departments: tuple[m.Department, ...]
    procedures: tuple[m.Procedure, ...]
    leaders: tuple[m.Leader, ...]
    sessions: tuple[m.Session, ...]
    policies: tuple[m.Policy, ...]
    halls: tuple[m.Hall, ...]
    notices: tuple[m.Notice, ...]
    pages: tuple[m.Page, ...]
    assets: tuple[m.Asset, ...]
    diagnostics: tuple[Diagnostic, ...]
    # Every slug that has a source file, valid or not: a reference to a record that failed
    # validation is not reported again as unknown.
    attempted: dict[str, frozenset[str]]
    holidays: Holidays = NO_HOLIDAYS  # content/holidays.yaml; weekends only when the site has none
    files: dict[str, Validated] = field(default_factory=dict)  # file_key -> its records and problems
    # file_key -> Validated.encode() of the files that worker processes validated (the cache keeps it)
    encoded: dict[str, Encoded] = field(default_factory=dict)

    def findings(self) -> Iterator[Finding]:
        """The audit's record checks' findings on every record (see Validated)."""
        return (finding for validated in self.files.values() for finding in validated.findings)


def validate(
    sources: Sources, base_url: str | None = None, known: Mapping[str, Validated] | None = None, jobs: int = 1,
) -> Records:
    """Every source file's records; a file in `known` (by file_key) is taken from there. The
    others are validated on `jobs` processes when there are many (a cold build)."""
    diagnostics: list[Diagnostic] = list(sources.diagnostics)
    config = None
    if sources.site is not None:
        config, problems = validate_site_file(sources.site, base_url)
        diagnostics.extend(problems)

    holidays = NO_HOLIDAYS
    if sources.holidays is not None:
        report = Reporter(sources.holidays.path, sources.holidays.text)
        holidays = parse_holidays(parse_yaml(sources.holidays.text, report), report) or NO_HOLIDAYS
        diagnostics.extend(report.diagnostics)

    known = known or {}
    missing = [source for source in sources.records if file_key(source.path, source.digest) not in known]
    encoded: dict[str, Encoded] = {}
    if jobs > 1 and len(missing) >= PARALLEL_FROM:
        known, encoded = _validate_shared(missing, jobs, known)
    by_folder: dict[str, list[Any]] = {folder: [] for folder in KINDS}
    files: dict[str, Validated] = {}
    for source in sources.records:
        key = file_key(source.path, source.digest)
        result = known.get(key)
        if result is None:
            result = Validated.decode(encoded[key]) if key in encoded else _validate_file(source)
        for record in result.records:  # a body from the cache or a worker: its text is this file's
            if isinstance(body := getattr(record, "body", None), m.Markdown):
                body.bind(source)
        files[key] = result
        by_folder[source.folder].extend(result.records)
        diagnostics.extend(result.diagnostics)

    return Records(
        config=config,
        departments=tuple(by_folder["departments"]),
        procedures=tuple(by_folder["procedures"]),
        leaders=tuple(by_folder["leaders"]),
        sessions=tuple(by_folder["receptions"]),
        policies=tuple(by_folder["policies"]),
        halls=tuple(by_folder["halls"]),
        notices=tuple(by_folder["notices"]),
        pages=tuple(by_folder["pages"]),
        assets=sources.assets,
        holidays=holidays,
        diagnostics=tuple(diagnostics),
        attempted=sources.attempted,
        files=files,
        encoded=encoded,
    )


def validate_site_file(
    source: SourceFile, base_url: str | None = None,
) -> tuple[m.SiteConfig | None, list[Diagnostic]]:
    """content/site.yaml's settings (None when they cannot be read), and its problems."""
    report = Reporter(source.path, source.text)
    node = parse_yaml(source.text, report)
    values = _site_values(node, report)
    config = None
    if values is not None and isinstance(node, Map):
        config = site_config(values, base_url, m.Origin(source.path, node.line, (), positions(node)))
    return config, report.diagnostics


def _validate_file(source: SourceFile) -> Validated:
    report = Reporter(source.path, source.text)
    records = tuple(_records_of(source, KINDS[source.folder], report))
    return Validated(records, tuple(report.diagnostics), record_findings(source.folder, records, source.text))


def _validate_shared(
    sources: Sequence[SourceFile], jobs: int, known: Mapping[str, Validated],
) -> tuple[dict[str, Validated], dict[str, Encoded]]:
    """`known` with this process's share of the sources validated, and the other shares' results
    as forked worker processes (which inherit the sources) hand them back: as JSON, to decode."""
    if "fork" not in multiprocessing.get_all_start_methods():  # pragma: no cover - not Linux
        return dict(known), {}
    # This process takes _WORKER_COST times a worker's share, every so many files: the kinds,
    # which differ in cost, are listed folder by folder.
    own_share = _WORKER_COST / (_WORKER_COST + jobs - 1)
    own = [i for i in range(len(sources)) if int((i + 1) * own_share) != int(i * own_share)]
    theirs = sorted(set(range(len(sources))) - set(own))
    # One task per worker, handed out at once: while this process validates, the pool's threads
    # here get the interpreter only now and then, and workers would wait for further tasks.
    chunks = [theirs[k :: jobs - 1] for k in range(jobs - 1)]
    with multiprocessing.get_context("fork").Pool(jobs - 1, initializer=_adopt, initargs=(sources,)) as pool:
        elsewhere = pool.map_async(_validate_chunk, chunks, chunksize=1)
        here = dict(known)
        for i in own:
            here[file_key(sources[i].path, sources[i].digest)] = _validate_file(sources[i])
        return here, {key: encoded for chunk in elsewhere.get() for key, encoded in chunk}


_sources: Sequence[SourceFile] = ()  # a worker's, set when the pool forks it


def _adopt(sources: Sequence[SourceFile]) -> None:
    global _sources
    _sources = sources


def _validate_chunk(indexes: list[int]) -> list[tuple[str, Encoded]]:
    return [(file_key(source.path, source.digest), _validate_file(source).encode())
            for source in (_sources[i] for i in indexes)]


def _site_values(node: Node | None, report: Reporter) -> dict[str, Any] | None:
    if node is None:
        if not report.has_errors:
            report.error(1, 1, "文件是空的", "至少写上必填字段，可运行 sitegen new 生成模板", "source.empty")
        return None
    return parse_mapping(node, SITE, "", report)


def _records_of(source: SourceFile, kind: Kind, report: Reporter) -> list[Any]:
    if kind.folder == "receptions":
        return _sessions(source, report)
    body = m.Markdown("", 1)
    if kind.markdown:
        front = split_front_matter(source.text, report)
        if front is None:
            return []
        node = parse_yaml(front.yaml_text, report, line_offset=front.yaml_line)
        body = m.Markdown(front.body, front.body_line)
    else:
        node = parse_yaml(source.text, report)
    if node is None:
        if not report.has_errors:
            report.error(1, 1, "文件没有内容", "至少写上必填字段，可运行 sitegen new 生成模板", "source.empty")
        return []
    values = parse_mapping(node, kind.specs, "", report)
    if values is None:
        return []
    assert isinstance(node, Map)
    origin = m.Origin(source.path, node.line, references(node, kind), positions(node))
    cls, check = _RECORDS[kind.folder]
    checked = values if check is None else check(values, node, report)
    if checked is None:
        return []
    if kind.markdown:
        checked = {**checked, "body": body}
    return [cls(slug=source.slug, origin=origin, **checked)]


def _sessions(source: SourceFile, report: Reporter) -> list[m.Session]:
    node = parse_yaml(source.text, report)
    if node is None:
        if not report.has_errors:  # like every other kind: an empty file is a mistake, not “no sessions”
            report.error(1, 1, "文件没有内容", "每场接访以 “- leader: …” 开头；暂时没有安排时写 `[]`", "source.empty")
        return []
    if not isinstance(node, Seq):
        report.error(node.line, node.column, f"接访安排文件应为列表，实际是{kind_name(node)}",
                     "每场接访以 “- leader: …” 开头，一场一项", "schema.type")
        return []
    sessions = []
    for index, item in enumerate(node.items):
        values = parse_mapping(item, SESSION, f"[{index + 1}]", report)
        if values is None:
            continue
        assert isinstance(item, Map)
        origin = m.Origin(source.path, item.line, references(item, KINDS["receptions"]), positions(item))
        session = _session(values, origin, item, report, f"[{index + 1}]")
        if session is not None:
            sessions.append(session)
    return sessions


def _session(values: dict[str, Any], origin: m.Origin, node: Map, report: Reporter, where: str) -> m.Session | None:
    status = values["status"]
    ok = True
    if status in ("cancelled", "postponed") and values["reason"] is None:
        _error_at(node, "status", report, f"{where} 取消或延期的接访必须写明原因（reason）",
                  "添加一行 `reason: …`，说明取消或延期的原因", "session.reason")
        ok = False
    if values["new_date"] is not None and status != "postponed":
        _error_at(node, "new_date", report, f"{where} 只有延期（postponed）的接访才能写 new_date",
                  "把 status 改为 postponed，或删去 new_date", "session.new-date")
        ok = False
    if not ok:
        return None
    session_key = values["id"] or session_id(values["leader"], values["date"], values["time"].start)
    return m.Session(id=session_key, origin=origin, **{k: v for k, v in values.items() if k != "id"})


def _error_at(node: Map, key: str, report: Reporter, message: str, hint: str, code: str) -> None:
    value = node.get(key)
    line, column = (value.line, value.column) if value is not None else (node.line, node.column)
    report.error(line, column, message, hint, code)


# Cross-field rules of a kind: each returns the values to build the record from, or None
# after reporting why it cannot be built. Kinds without such rules are not listed.
_Check = Callable[[dict[str, Any], Map, Reporter], dict[str, Any] | None]


def _check_procedure(v: dict[str, Any], node: Map, report: Reporter) -> dict[str, Any] | None:
    limits: m.TimeLimits = v["time_limit"]
    statutory, promised = limits.statutory.days, limits.promised.days
    if statutory is not None and promised is not None and promised > statutory:
        limit_node = node.get("time_limit")
        assert isinstance(limit_node, Map)
        _error_at(limit_node, "promised", report,
                  f"承诺时限 {promised} 个工作日长于法定时限 {statutory} 个工作日",
                  "承诺时限不能超过法定时限；即办写 0", "procedure.time-limit")
        return None
    return v


def _check_policy(v: dict[str, Any], node: Map, report: Reporter) -> dict[str, Any] | None:
    if v["superseded_by"] is not None and v["status"] not in ("已修订", "已废止"):
        _error_at(node, "superseded_by", report,
                  f"只有“已修订”或“已废止”的文件才能写 superseded_by（当前状态：{v['status']}）",
                  "把 status 改为 已修订 或 已废止，或删去 superseded_by", "policy.superseded")
        return None
    if v["published"] is None:
        v = {**v, "published": v["issued"]}
    if v["published"] < v["issued"]:
        _error_at(node, "published", report, "发布日期早于成文日期",
                  "published 是发布日期，应不早于 issued（成文日期）", "policy.dates")
        return None
    return v


def _check_notice(v: dict[str, Any], node: Map, report: Reporter) -> dict[str, Any] | None:
    if v["expires"] is not None and v["expires"] < v["date"]:
        _error_at(node, "expires", report, "过期日期早于发布日期",
                  "expires 是公告从首页撤下的日期，应晚于 date", "notice.dates")
        return None
    return v


_RECORDS: dict[str, tuple[type, _Check | None]] = {
    "departments": (m.Department, None),
    "procedures": (m.Procedure, _check_procedure),
    "leaders": (m.Leader, None),
    "policies": (m.Policy, _check_policy),
    "halls": (m.Hall, None),
    "notices": (m.Notice, _check_notice),
    "pages": (m.Page, None),
}
