"""Read a theme — its templates, its Chinese strings and its static files — from disk."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from .options import UsageError

PACKAGED_THEMES = Path(__file__).parent / "themes"
DEFAULT_THEME = "default"


class ThemeError(UsageError):
    """A theme that cannot be used; a usage/config error (exit 2)."""


@dataclass(frozen=True, slots=True)
class StaticFile:
    name: str  # path under static/, "/" separators
    data: bytes
    digest: str

    @property
    def fingerprinted(self) -> str:
        """`style.css` -> `style.3f2a9c1b.css`: safe to cache forever."""
        stem, dot, suffix = self.name.rpartition(".")
        return f"{stem}.{self.digest[:8]}.{suffix}" if dot else f"{self.name}.{self.digest[:8]}"


@dataclass(frozen=True, slots=True)
class Theme:
    root: str
    templates: dict[str, str]
    strings: dict[str, str]
    static: tuple[StaticFile, ...]
    digest: str  # of everything above: a change anywhere in the theme changes it


def find_theme(site_dir: Path) -> Path:
    """The site's own themes/default if it has one, else the theme shipped with sitegen."""
    own = site_dir / "themes" / DEFAULT_THEME
    return own if own.is_dir() else PACKAGED_THEMES / DEFAULT_THEME


def require_templates(theme: Theme, names: set[str]) -> None:
    missing = sorted(names - set(theme.templates))
    if missing:
        raise ThemeError(f"主题 {theme.root} 缺少模板：{'、'.join(missing)}")


def load_theme(root: Path) -> Theme:
    templates_dir, static_dir, strings_file = root / "templates", root / "static", root / "strings.yaml"
    if not templates_dir.is_dir() or not strings_file.is_file():
        raise ThemeError(f"主题目录 {root} 不完整：需要 templates/ 文件夹和 strings.yaml")
    whole = hashlib.sha256()
    templates: dict[str, str] = {}
    for path in sorted(templates_dir.rglob("*.html")):
        name = path.relative_to(templates_dir).as_posix()
        templates[name] = path.read_text(encoding="utf-8")
        whole.update(name.encode() + b"\0" + templates[name].encode())
    strings_text = strings_file.read_text(encoding="utf-8")
    whole.update(strings_text.encode())
    import yaml  # here: a build with nothing to do finds the theme (find_theme) but never loads it

    try:
        strings = yaml.load(strings_text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise ThemeError(f"主题文字文件 {strings_file} 无法解析：{exc}") from exc
    if not isinstance(strings, dict) or not all(isinstance(v, str) for v in strings.values()):
        raise ThemeError(f"主题文字文件 {strings_file} 应为“键: 文字”的列表")
    static: list[StaticFile] = []
    if static_dir.is_dir():
        for path in sorted(p for p in static_dir.rglob("*") if p.is_file()):
            data = path.read_bytes()
            name = path.relative_to(static_dir).as_posix()
            static.append(StaticFile(name, data, hashlib.sha256(data).hexdigest()))
            whole.update(name.encode() + b"\0" + data)
    return Theme(str(root), templates, {str(k): v for k, v in strings.items()}, tuple(static), whole.hexdigest())
