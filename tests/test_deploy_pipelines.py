"""The example CI pipelines in deploy/: valid YAML, every `sitegen …` command parses with sitegen's
real argument parser, they check on merge requests, build with the cache and deploy on main, and
their sitegen steps run as written on a copy of the demo site."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from sitegen import cli
from tests.checked_sites import REPO
from tests.sites import DEPARTMENT, run, snapshot, write_site

PIPELINES = {"github": REPO / "deploy" / "github-actions.yml", "gitlab": REPO / "deploy" / "gitlab-ci.yml"}
# The jobs whose sitegen steps run here, in pipeline order: merge-request checks, then the main build.
LOCAL_JOBS = {"github": ("check", "deploy"), "gitlab": ("check", "build")}
_COMMAND = re.compile(r"(?<![\w/.-])sitegen\s+[^|;&>\n]*")


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load(PIPELINES[name].read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from strings(value)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)


def sitegen_commands(text: str) -> list[list[str]]:
    """Each `sitegen …` command in a shell script, as argv without the program name."""
    commands = []
    for line in text.replace("\\\n", " ").splitlines():
        line = line.split(" #", 1)[0]
        for match in _COMMAND.finditer(line):
            commands.append(shlex.split(match.group(0))[1:])
    return commands


def job_scripts(name: str, job: str) -> list[str]:
    """The shell lines a job runs, in order (GitHub `run:` steps, GitLab `script:`)."""
    spec = load(name)["jobs"][job] if name == "github" else load(name)[job]
    if name == "github":
        return [line for step in spec["steps"] if "run" in step for line in step["run"].splitlines()]
    return list(spec["script"])


# --- the files ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_the_pipeline_is_valid_yaml_naming_real_sitegen_commands(name: str) -> None:
    commands = [argv for text in strings(load(name)) for argv in sitegen_commands(text)]
    assert len(commands) >= 4
    for argv in commands:
        try:
            args = cli._parser().parse_args(argv)
        except SystemExit as exc:  # sitegen's parser exits 2 on anything it does not know
            pytest.fail(f"{PIPELINES[name].name}: `sitegen {shlex.join(argv)}` does not parse (exit {exc.code})")
        assert args.command in ("check", "build"), argv


def test_github_checks_pull_requests_with_annotations_and_deploys_main() -> None:
    workflow = load("github")
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert "pull_request" in triggers and triggers["push"]["branches"] == ["main"]
    check, deploy = workflow["jobs"]["check"], workflow["jobs"]["deploy"]
    assert "pull_request" in check["if"] and "refs/heads/main" in deploy["if"]
    assert ["check", "--strict", "--format", "github"] in commands_of("github", "check")
    build = commands_of("github", "deploy")
    assert ["build", "--strict", "--cache-dir", ".sitegen-cache"] in build
    assert ["check", "--strict", "--output", "output", "--format", "github"] in build
    assert cached_paths("github") == [".sitegen-cache/", "output/", ".output.sitegen-spare/"]
    deploys = "\n".join(step.get("run", "") for step in deploy["steps"])
    assert "rsync -a --delete --delay-updates" in deploys and "output/ " in deploys
    assert 'aws s3 sync output/ "s3://$S3_BUCKET/"' in deploys and "--delete" in deploys
    text = PIPELINES["github"].read_text(encoding="utf-8")
    for secret in ("DEPLOY_SSH_KEY", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY"):
        assert "${{ secrets." + secret + " }}" in text


def test_gitlab_reports_code_quality_on_merge_requests_and_deploys_main() -> None:
    pipeline = load("gitlab")
    check, build = pipeline["check"], pipeline["build"]
    assert check["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "merge_request_event"'
    assert build["rules"][0]["if"] == "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"
    report = check["artifacts"]["reports"]["codequality"]
    assert f"sitegen check --strict --format gitlab > {report} || true" in check["script"]
    assert ["build", "--strict", "--cache-dir", ".sitegen-cache"] in commands_of("gitlab", "build")
    assert cached_paths("gitlab") == [".sitegen-cache/", "output/"]
    assert build["artifacts"]["paths"] == ["output/"]
    rsync = " ".join(pipeline["deploy-rsync"]["script"])
    assert "rsync -a --delete --delay-updates" in rsync and "output/ " in rsync
    assert "aws s3 sync output/" in " ".join(pipeline["deploy-s3"]["script"])
    for job in ("deploy-rsync", "deploy-s3"):
        assert pipeline[job]["needs"] == ["build"]


def commands_of(name: str, job: str) -> list[list[str]]:
    return [argv for line in job_scripts(name, job) for argv in sitegen_commands(line)]


def cached_paths(name: str) -> list[str]:
    """What the main branch's build keeps from one pipeline run to the next."""
    pipeline = load(name)
    if name == "github":
        steps = pipeline["jobs"]["deploy"]["steps"]
        cache = next(step for step in steps if str(step.get("uses", "")).startswith("actions/cache@"))
        return str(cache["with"]["path"]).split()
    return list(pipeline["build"]["cache"]["paths"])


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_no_secret_is_written_in_the_pipeline(name: str) -> None:
    text = PIPELINES[name].read_text(encoding="utf-8")
    assert "PRIVATE KEY" not in text
    assert not re.search(r"(?i)(secret|password|token)\s*[:=]\s*['\"]?[A-Za-z0-9/+]{16,}", text)


# --- run as written -------------------------------------------------------------------------------


def china_noon(date: str) -> int:
    """SOURCE_DATE_EPOCH for a date: the build date is read in China time."""
    return int(dt.datetime.fromisoformat(date + "T12:00:00+08:00").timestamp())


# The job that builds and deploys the main branch, with the cache.
MAIN_JOBS = {"github": "deploy", "gitlab": "build"}


def pipeline_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a pipeline job: `sitegen` on the PATH is this checkout's, and the
    build date is fixed (as SOURCE_DATE_EPOCH), as two runs of one day would have it."""
    shim = tmp_path / "bin" / "sitegen"
    shim.parent.mkdir(exist_ok=True)
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sitegen "$@"\n', encoding="utf-8")
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    return {**os.environ, "PATH": f"{shim.parent}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(REPO),
            "SOURCE_DATE_EPOCH": str(china_noon("2026-11-27"))}


def run_job(name: str, job: str, site: Path, env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """The job's sitegen lines, as written, in a checkout; installing Python and deploying are
    not run here."""
    ran = []
    for line in job_scripts(name, job):
        if not line.lstrip().startswith("sitegen "):
            continue
        result = subprocess.run(["bash", "-euo", "pipefail", "-c", line], cwd=site, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, f"{job}: {line}\n{result.stdout}\n{result.stderr}"
        ran.append(result)
    return ran


def checkout(site: Path) -> None:
    """A fresh checkout of the content repository: every file new, whatever was there before."""
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(REPO / "content", site / "content")


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_the_sitegen_steps_run_on_a_copy_of_the_demo(name: str, tmp_path: Path) -> None:
    site = tmp_path / "repo"
    checkout(site)
    env = pipeline_env(tmp_path)
    ran = [" ".join(result.args) for job in LOCAL_JOBS[name] for result in run_job(name, job, site, env)]
    assert any(" build " in f" {line} " for line in ran) and any("--output output" in line for line in ran)
    assert (site / "output" / "index.html").is_file()
    assert (site / ".sitegen-cache").is_dir() and any((site / ".sitegen-cache").iterdir())
    if name == "gitlab":
        assert json.loads((site / "gl-code-quality-report.json").read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_a_main_build_with_the_pipeline_cache_renders_only_what_changed(name: str, tmp_path: Path) -> None:
    """What CI sees on a typical commit: a fresh checkout with one procedure edited, and what the
    pipeline caches restored as a CI cache restores it (copied, mtimes kept). Only the pages
    that read the edit are rendered, the other files keep their mtimes (rsync sends the edit
    alone), and the output is a clean build's."""
    site, saved, env = tmp_path / "repo", tmp_path / "ci-cache", pipeline_env(tmp_path)
    checkout(site)
    run_job(name, MAIN_JOBS[name], site, env)
    for path in cached_paths(name):
        if (site / path).is_dir():
            shutil.copytree(site / path, saved / path, symlinks=True)  # copy2: mtimes kept

    checkout(site)  # the next commit: the same place, a new checkout
    procedure = sorted((site / "content" / "procedures").glob("*.md"))[0]
    procedure.write_text(procedure.read_text(encoding="utf-8") + "\n本段为测试追加的说明。\n", encoding="utf-8")
    for path in cached_paths(name):
        if (saved / path).is_dir():
            shutil.copytree(saved / path, site / path, symlinks=True)
    restored = {p: p.stat().st_mtime_ns for p in (site / "output").rglob("*") if p.is_file()}
    builds = [r for r in run_job(name, MAIN_JOBS[name], site, env) if " build " in f" {' '.join(r.args)} "]

    assert "--no-search" not in " ".join(builds[0].args)  # what main publishes has its search index
    summary = re.search(r"生成 (\d+) 个页面（其中 (\d+) 个重新渲染", builds[0].stderr)
    assert summary is not None, builds[0].stderr
    pages, rendered = int(summary[1]), int(summary[2])
    assert 0 < rendered < pages / 20
    kept = [p for p, mtime in restored.items() if p.is_file() and p.stat().st_mtime_ns == mtime]
    assert len(kept) > pages * 0.9
    assert "本段为测试追加的说明。" in (site / "output" / "procedures" / procedure.stem / "index.html").read_text(
        encoding="utf-8")
    clean = subprocess.run(["sitegen", "build", "--no-cache", "--output", str(tmp_path / "clean")], cwd=site,
                           env=env, capture_output=True, text=True, timeout=300)
    assert clean.returncode == 0, clean.stderr
    assert snapshot(site / "output") == snapshot(tmp_path / "clean")


def merge_request_cache(name: str) -> tuple[list[str], str]:
    """What a merge request's job restores (paths), and whether it may save it ("pull": never)."""
    pipeline = load(name)
    if name == "github":
        steps = pipeline["jobs"]["check"]["steps"]
        restore = next(step for step in steps if str(step.get("uses", "")).startswith("actions/cache"))
        return str(restore["with"]["path"]).split(), "pull" if "/restore@" in restore["uses"] else "push"
    cache = pipeline["check"]["cache"]
    return list(cache["paths"]), str(cache.get("policy", "pull-push"))


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_a_merge_request_reads_mains_cache_and_renders_only_what_it_changed(name: str, tmp_path: Path) -> None:
    """The merge request's job restores what main's build keeps, never saves it, and then its
    check and its build render only the pages that read the edit."""
    paths, policy = merge_request_cache(name)
    assert policy == "pull" and set(paths) == set(cached_paths(name))
    site, saved, env = tmp_path / "repo", tmp_path / "ci-cache", pipeline_env(tmp_path)
    checkout(site)
    run_job(name, MAIN_JOBS[name], site, env)
    for path in paths:
        if (site / path).is_dir():
            shutil.copytree(site / path, saved / path, symlinks=True)

    checkout(site)
    procedure = sorted((site / "content" / "procedures").glob("*.md"))[0]
    procedure.write_text(procedure.read_text(encoding="utf-8") + "\n合并请求追加的说明。\n", encoding="utf-8")
    for path in paths:
        if (saved / path).is_dir():
            shutil.copytree(saved / path, site / path, symlinks=True)
    ran = run_job(name, "check", site, env)
    checks = [r.stderr.splitlines()[-1] for r in ran if r.args[-1].startswith("sitegen check --strict")
              and "--output" not in r.args[-1] and r.stderr]
    assert checks and all(re.search(r"检查通过：\d+ 个页面（其中 [12] 个重新渲染", line) for line in checks), checks
    built = next(r for r in ran if " build " in f" {r.args[-1]} ")
    assert re.search(r"生成 \d+ 个页面（其中 [12] 个重新渲染", built.stderr), built.stderr
    # its build only serves the link check: no search index (main's build makes it), and no
    # page rendered for that, though main's cache was made with one
    assert "--no-search" in built.args[-1] and not (site / "output" / "pagefind").exists()


# --- the GitLab code quality report -------------------------------------------------------------


def test_check_format_gitlab_is_a_code_quality_report(tmp_path: Path) -> None:
    site = write_site(tmp_path, {"content/departments/office.yaml": DEPARTMENT.replace("027-87000001", "87000001")})
    first = run("check", str(site), "--build-date", "2026-11-27", "--format", "gitlab")
    assert first.code == 1
    issues = json.loads(first.stdout)
    assert issues and all(set(issue) >= {"description", "check_name", "fingerprint", "severity", "location"}
                          for issue in issues)
    phone = next(issue for issue in issues if issue["location"]["path"].endswith("departments/office.yaml"))
    assert phone["severity"] == "major"
    assert phone["location"]["lines"]["begin"] == DEPARTMENT.splitlines().index("    number: 027-87000001") + 1
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    again = run("check", str(site), "--build-date", "2026-11-27", "--format", "gitlab")
    assert json.loads(again.stdout) == issues  # stable fingerprints: GitLab tells fixed from new
