"""What a slug is: the file name of a record, and the last part of its URL."""

from __future__ import annotations

import re

_SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def is_slug(text: str) -> bool:
    """Lower-case ASCII letters and digits, in words joined by single hyphens: `id-card-2026`."""
    return _SLUG.fullmatch(text) is not None
