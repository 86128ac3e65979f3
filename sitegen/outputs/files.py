"""The theme's static files (fingerprinted, under /assets/) and content/files/ (as is, under /files/)."""

from __future__ import annotations

from ..artifacts import Artifact, Copy
from ..graph import Site
from ..theme import Theme


def theme_assets(theme: Theme) -> tuple[Artifact, ...]:
    return tuple(Artifact("assets/" + f.fingerprinted, f.data) for f in theme.static)


def content_files(site: Site) -> tuple[Copy, ...]:
    return tuple(Copy("files/" + a.name, a.source, a.size, a.digest) for a in site.assets)
