"""Relative links between site paths: routes.relpath is posixpath.relpath without the working
directory, and must give the same answer for every pair of paths a site can hold."""

from __future__ import annotations

import posixpath

from hypothesis import example, given
from hypothesis import strategies as st

from sitegen.routes import relpath

# Segments as site paths have them, plus the odd ones relpath normalises away or must keep.
segment = st.sampled_from(["procedures", "p1", "notices", "a", "b", "index.html", "x.pdf", ".", "..", "", "合肥"])
# Site paths never start with "/" (Urls.link strips it): the working directory would show.
site_path = st.lists(segment, max_size=5).map(lambda parts: "/".join(parts).lstrip("/"))
folder = site_path.map(lambda path: path + "/")


@given(path=site_path, start=st.one_of(site_path, folder))
@example(path="procedures/a/", start="procedures/a/")
@example(path="", start="notices/b/")
@example(path="notices/b/", start="")
@example(path="../x", start="a/")
def test_relpath_agrees_with_posixpath(path: str, start: str) -> None:
    assert relpath(path, start) == posixpath.relpath(path or ".", start.rstrip("/") or ".")


def test_relpath_climbs_out_of_the_page_and_into_the_target() -> None:
    assert relpath("procedures/id-card/", "notices/n1/") == "../../procedures/id-card"
    assert relpath("assets/style.css", "") == "assets/style.css"
    assert relpath("", "procedures/id-card/") == "../.."
    assert relpath("procedures/", "procedures/id-card/") == ".."
