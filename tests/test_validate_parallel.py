"""A cold build validates its many files on several processes: the records and problems must be
exactly those of validating them one by one here, whatever their kinds and mistakes."""

from __future__ import annotations

from pathlib import Path

from sitegen.sources import load_sources
from sitegen.validate import PARALLEL_FROM, validate

from .sites import DEPARTMENT, NOTICE, POLICY, PROCEDURE, write_site


def _many_files(root: Path) -> Path:
    """More files than PARALLEL_FROM, of several kinds, every seventh with a mistake."""
    files: dict[str, str] = {}
    for i in range(PARALLEL_FROM + 100):
        broken = i % 7 == 0
        if i % 3 == 0:
            text = PROCEDURE.replace("promised: 10", "promised: 30" if broken else f"promised: {i % 20}")
            files[f"content/procedures/p{i:04d}.md"] = text.replace("居民身份证申领", f"事项{i}")
        elif i % 3 == 1:
            text = DEPARTMENT.replace("order: 1", "order: 第一" if broken else f"order: {i}")
            files[f"content/departments/d{i:04d}.yaml"] = text
        else:
            text = POLICY if i % 2 else NOTICE
            files[f"content/{'policies' if i % 2 else 'notices'}/n{i:04d}.md"] = (
                text.replace("title:", "title: [未闭合") if broken else text.replace("全文。", f"全文{i}。"))
    return write_site(root, files)


def test_records_and_problems_are_those_of_one_process(tmp_path: Path) -> None:
    sources = load_sources(_many_files(tmp_path))
    alone = validate(sources, jobs=1)
    shared = validate(sources, jobs=2)
    assert shared.encoded, "the workers validated a share of the files"
    assert alone.encoded == {}
    assert shared.files == alone.files
    assert shared.diagnostics == alone.diagnostics
    assert any(d.is_error for d in alone.diagnostics), "the mistakes were reported"
    for kind in ("departments", "procedures", "policies", "notices", "halls", "leaders", "sessions", "pages"):
        assert getattr(shared, kind) == getattr(alone, kind), kind


def test_a_few_files_are_validated_here(tmp_path: Path) -> None:
    sources = load_sources(write_site(tmp_path, {}))
    assert validate(sources, jobs=2).encoded == {}
