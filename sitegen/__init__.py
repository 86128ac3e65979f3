"""sitegen: static sites for government-affairs openness (政务公开)."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "BuildOptions", "BuildReport", "build"]


def __getattr__(name: str) -> object:
    # The public API, imported lazily so that `sitegen --version` stays fast.
    if name in ("BuildOptions", "BuildReport", "build"):
        from . import build as _build

        return getattr(_build, name)
    raise AttributeError(name)
