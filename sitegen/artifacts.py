"""What a build produces: files for the writer, by path under the output directory."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Artifact:
    """A file whose bytes were made by the build."""

    path: str  # under output/, "/" separators, never absolute, never with ".."
    data: bytes


@dataclass(frozen=True, slots=True)
class Copy:
    """A file copied as is from content/files/ (read by the writer, not held in memory)."""

    path: str
    source: str  # absolute path of the source file
    size: int
    digest: str


Output = Artifact | Copy
