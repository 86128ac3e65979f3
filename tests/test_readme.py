"""The README against the code: content keys, example files, folders, the CI command, CLI options."""

from __future__ import annotations

import argparse
import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

from sitegen import cli
from sitegen.build import check_bodies
from sitegen.diagnostics import Diagnostic, Reporter, format_text
from sitegen.fields import Field, ListOf, Object, Spec
from sitegen.graph import link
from sitegen.routes import plan_routes
from sitegen.schema import _ACTIVITY, _HOURS_RULE, KINDS, SITE, HoursField, LabelledPhones, YearMap
from sitegen.sources import load_sources
from sitegen.validate import validate
from sitegen.yamlfile import Map, Node, Seq, parse_yaml, split_front_matter

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CI_RUN = ROOT / ".ci" / "run"

SITE_SECTION = "site.yaml"  # the key of site.yaml among the kinds' folders below
DOCUMENTED = (SITE_SECTION, *KINDS)
BUILD_DATE = dt.date(2026, 6, 1)  # the examples' receptions are planned around this day
_FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|\s*([^|]*?)\s*\|", re.MULTILINE)


# --- reading the README ------------------------------------------------------------------------


def readme() -> str:
    return README.read_text(encoding="utf-8")


def section(text: str, heading: str, level: int) -> str:
    """The text under the first heading of `level` containing `heading`, up to the next one at
    the same or a higher level."""
    marks = "#" * level
    lines = text.split("\n")
    start = None
    in_fence = False
    for index, line in enumerate(lines):
        if line.startswith("```"):
            in_fence = not in_fence
        if in_fence:
            continue
        match = re.match(r"(#+) ", line)
        if start is None:
            if match and match[1] == marks and heading in line:
                start = index + 1
        elif match and len(match[1]) <= level:
            return "\n".join(lines[start:index])
    assert start is not None, f"README has no {marks} heading containing {heading!r}"
    return "\n".join(lines[start:])


def content_reference() -> str:
    return section(readme(), "内容参考", 2)


def kind_section(folder: str) -> str:
    title = f"`{folder}`" if folder == SITE_SECTION else f"`{folder}/`"
    return section(content_reference(), title, 3)


def table_rows(text: str) -> dict[str, str]:
    """Key -> its 必填 cell, from table rows whose first cell is a code span (code blocks skipped)."""
    rows: dict[str, str] = {}
    for key, required in _ROW.findall(_FENCE.sub("", text)):
        assert key not in rows, f"the key `{key}` has two rows"
        rows[key] = required
    return rows


def code_blocks(text: str) -> list[tuple[str, str]]:
    return [(match[1], match[2]) for match in _FENCE.finditer(text)]


# --- walking the schema ------------------------------------------------------------------------


def schema_keys(specs: tuple[Spec, ...], prefix: str = "") -> dict[str, bool]:
    """Every key path (`materials[].form`, `activity.<年份>.receptions`) -> whether it is required."""
    keys: dict[str, bool] = {}
    for spec in specs:
        path = prefix + spec.key
        keys[path] = spec.required
        keys.update(nested_keys(spec.field, path))
    return keys


def nested_keys(field: Field[Any], path: str) -> dict[str, bool]:
    if isinstance(field, ListOf):
        return nested_keys(field.item, path + "[]")
    if isinstance(field, Object):
        return schema_keys(field.specs, path + ".")
    if isinstance(field, LabelledPhones):  # a list of {label, number}, built inside parse()
        return schema_keys(field._specs, path + "[].")
    if isinstance(field, YearMap):
        return schema_keys(_ACTIVITY, path + ".<年份>.")
    if isinstance(field, HoursField):  # its list form is documented once, as `hours[].…`
        return {}
    hidden = [name for name in dir(field) if _is_specs(getattr(field, name, None))]
    assert not hidden, f"{type(field).__name__} has nested keys ({hidden}) this test does not walk"
    return {}


def _is_specs(value: object) -> bool:
    return isinstance(value, tuple) and bool(value) and all(isinstance(v, Spec) for v in value)


def kind_keys(folder: str) -> dict[str, bool]:
    return schema_keys(SITE if folder == SITE_SECTION else KINDS[folder].specs)


def required_cell(required: bool) -> str:
    return "是" if required else "否"


def test_the_walker_reaches_nested_keys() -> None:
    """Guards the walk itself: if it stopped descending, the README checks below would pass empty."""
    everything = {path for folder in DOCUMENTED for path in kind_keys(folder)}
    for path in ("materials[].form", "time_limit.promised", "organization.duty_phone", "identity.jiucuo_url",
                 "windows[].procedures", "activity.<年份>.research_days", "phones[].label", "booking.phone",
                 "contact_points[].since", "attachments[].file", "nav[].url", "head.title"):
        assert path in everything
    assert {f"activity.<年份>.{spec.key}" for spec in _ACTIVITY} <= everything


# --- the content reference ---------------------------------------------------------------------


@pytest.mark.parametrize("folder", DOCUMENTED)
def test_every_key_of_every_kind_has_a_row(folder: str) -> None:
    rows = table_rows(kind_section(folder))
    for path, required in kind_keys(folder).items():
        assert path in rows, f"README: the {folder} table has no row for `{path}`"
        assert rows[path] == required_cell(required), (
            f"README: `{path}` in {folder} is marked 必填 {rows[path]!r}, the schema says {required_cell(required)}"
        )
    stale = set(rows) - set(kind_keys(folder))
    assert not stale, f"README: the {folder} table documents keys the schema does not have: {sorted(stale)}"


def test_every_hours_rule_key_has_a_row() -> None:
    rows = table_rows(section(content_reference(), "办公时间 hours", 4))
    for spec in _HOURS_RULE:
        path = f"hours[].{spec.key}"
        assert path in rows, f"README: the hours list form has no row for `{path}`"
        assert rows[path] == required_cell(spec.required)


def test_every_key_appears_in_the_content_reference_as_code() -> None:
    spans = set(re.findall(r"`([^`\n]+)`", content_reference()))
    expected = {path for folder in DOCUMENTED for path in kind_keys(folder)}
    expected |= {f"hours[].{spec.key}" for spec in _HOURS_RULE}
    missing = sorted(expected - spans)
    assert not missing, f"README content reference lacks these keys as code spans: {missing}"


def test_every_folder_is_documented() -> None:
    reference = content_reference()
    layout = section(reference, "目录结构", 3)
    tree = "\n".join(body for _, body in code_blocks(layout))
    assert "site.yaml" in tree
    for folder in (*KINDS, "files"):
        assert re.search(rf"\b{re.escape(folder)}/", tree), f"README folder layout lacks {folder}/"
        assert kind_section(folder).strip(), f"README has no section for {folder}/"


# --- the example files -------------------------------------------------------------------------


def examples(folder: str) -> list[tuple[str, str]]:
    """(path under the site, text) of each example file in a kind's section; the path is the last
    `content/…` code span written before the block."""
    text = kind_section(folder)
    found = []
    for match in _FENCE.finditer(text):
        if match[1] not in ("yaml", "markdown"):
            continue
        named = re.findall(r"`(content/[^`]+)`", text[: match.start()])
        assert named, f"README: an example in the {folder} section is not preceded by its `content/…` path"
        path = named[-1]
        prefix = "content/site.yaml" if folder == SITE_SECTION else f"content/{folder}/"
        assert path.startswith(prefix), f"README: example {path} is in the {folder} section"
        found.append((path, match[2]))
    assert found, f"README: the {folder} section has no example file"
    return found


def node_paths(node: Node, prefix: str = "") -> set[str]:
    """The key paths written in a YAML tree, in the form schema_keys uses."""
    paths: set[str] = set()
    if isinstance(node, Map):
        for key, value in node.entries:
            name = "<年份>" if prefix == "activity." and key.value.isdigit() else key.value
            paths.add(prefix + name)
            paths |= node_paths(value, prefix + name + ".")
    elif isinstance(node, Seq):
        item_prefix = prefix[:-1] + "[]." if prefix else ""
        for item in node.items:
            paths |= node_paths(item, item_prefix)
    return paths


def written_paths(folder: str, text: str) -> set[str]:
    report = Reporter("README")
    if folder != SITE_SECTION and KINDS[folder].markdown:
        front = split_front_matter(text, report)
        assert front is not None, report.diagnostics
        text = front.yaml_text
    node = parse_yaml(text, report)
    assert node is not None and not report.diagnostics, report.diagnostics
    return node_paths(node)


@pytest.mark.parametrize("folder", DOCUMENTED)
def test_the_examples_show_every_key(folder: str) -> None:
    written: set[str] = set()
    for _, text in examples(folder):
        written |= written_paths(folder, text)
    missing = sorted(set(kind_keys(folder)) - written)
    assert not missing, f"README: the {folder} examples do not show {missing}"


def test_the_examples_make_a_valid_site(tmp_path: Path) -> None:
    """Every example file, written into one site, passes every check with no warning."""
    written: list[str] = []
    for folder in DOCUMENTED:
        for path, text in examples(folder):
            target = tmp_path / path
            target.parent.mkdir(parents=True, exist_ok=True)
            assert not target.exists(), f"README: two examples are both {path}"
            target.write_text(text, encoding="utf-8")
            written.append(text)

    # The attachments and photos the examples name are not in the README: make them.
    records = validate(load_sources(tmp_path))
    names = {ref.slug for group in (records.departments, records.procedures, records.leaders, records.sessions,
                                    records.policies, records.halls)
             for record in group for ref in record.origin.refs if ref.kind == "files"}
    names |= {name for text in written for name in re.findall(r"\]\(/files/([^)#\s]+)\)", text)}
    for name in names:
        (tmp_path / "content" / "files" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "content" / "files" / name).write_text("placeholder\n", encoding="utf-8")

    linked = link(validate(load_sources(tmp_path)), BUILD_DATE)
    problems: list[Diagnostic] = list(linked.diagnostics)
    assert linked.site is not None, [format_text(d) for d in problems]
    plan = plan_routes(linked.site)
    problems += [*plan.diagnostics, *check_bodies(linked.site, plan)]
    assert not problems, "README examples have problems:\n" + "\n".join(format_text(d) for d in problems)
    site = linked.site
    assert all(len(records) > 0 for records in (site.departments, site.procedures, site.leaders, site.sessions,
                                                site.policies, site.halls, site.notices, site.pages))


# --- quick start and CI ------------------------------------------------------------------------


def quick_start_commands() -> list[str]:
    return [body.strip() for _, body in code_blocks(section(readme(), "Quick start", 2))]


def last_ci_command() -> str:
    lines = [line.strip() for line in CI_RUN.read_text(encoding="utf-8").splitlines()]
    commands = [line for line in lines if line and not line.startswith("#")]
    return commands[-1]


def test_the_quick_start_test_command_is_what_ci_runs() -> None:
    tests = [command for command in quick_start_commands() if "pytest" in command]
    assert len(tests) == 1, f"README quick start should have one test command, has {tests}"
    assert tests[0] == last_ci_command()


def test_the_quick_start_builds_the_demo() -> None:
    assert 'python3 -m pip install -e ".[fast]" && sitegen build' in quick_start_commands()
    assert "output/index.html" in section(readme(), "Quick start", 2)


# --- the command line --------------------------------------------------------------------------


def subcommands() -> dict[str, argparse.ArgumentParser]:
    for action in cli._parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("sitegen has no subcommands")


def mentioned(option: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text) is not None


def synopsis(command: str) -> str:
    block = "\n".join(body for _, body in code_blocks(section(readme(), "The command line", 2)))
    lines = [line for line in block.splitlines() if line.startswith(f"sitegen {command}")]
    assert lines, f"README: the command line synopsis has no `sitegen {command}` line"
    return lines[0]


def test_build_and_check_are_subcommands() -> None:
    assert {"build", "check"} <= set(subcommands())


@pytest.mark.parametrize("command", sorted(subcommands()))
def test_every_cli_option_is_documented(command: str) -> None:
    cli_section = section(readme(), "The command line", 2)
    line = synopsis(command)
    for action in subcommands()[command]._actions:
        if isinstance(action, argparse._HelpAction):
            continue
        if not action.option_strings:  # a positional: its metavar in the synopsis
            assert mentioned(str(action.metavar or action.dest), line), f"{action.dest} missing from {line!r}"
            continue
        for option in action.option_strings:
            assert mentioned(option, cli_section), f"README: `sitegen {command} {option}` is not documented"
            if option.startswith("--"):
                assert mentioned(option, line), f"README: {option} is missing from the synopsis {line!r}"
        if action.choices:
            for choice in action.choices:
                assert mentioned(str(choice), line), f"README: {choice} is missing from the synopsis {line!r}"


def test_top_level_options_are_documented() -> None:
    cli_section = section(readme(), "The command line", 2)
    for action in cli._parser()._actions:
        for option in action.option_strings:
            if option not in ("-h", "--help"):
                assert mentioned(option, cli_section), f"README: `sitegen {option}` is not documented"


def test_every_audit_rule_is_listed_with_its_source() -> None:
    from sitegen.audit import RULES

    rules = section(readme(), "政务公开体检", 2)
    for rule in RULES:
        row = next((line for line in rules.split("\n") if line.startswith(f"| `{rule.id}` |")), None)
        assert row is not None, f"README: the audit table has no row for `{rule.id}`"
        assert rule.source in row and rule.title in row, f"README: the row of `{rule.id}` is out of date"
