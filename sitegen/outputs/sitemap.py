"""`/sitemap.xml`: every HTML page of the site, for search engines."""

from __future__ import annotations

from html import escape  # not xml.sax.saxutils, which imports urllib.request and http.client

from ..artifacts import Artifact
from ..routes import Plan


def sitemap(plan: Plan) -> Artifact:
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for route in plan.routes:
        if route.in_sitemap:
            lines.append(f"  <url><loc>{escape(plan.urls.absolute(route.path), quote=False)}</loc></url>")
    lines.append("</urlset>")
    return Artifact("sitemap.xml", ("\n".join(lines) + "\n").encode("utf-8"))


def robots(plan: Plan) -> Artifact:
    text = f"User-agent: *\nAllow: /\n\nSitemap: {plan.urls.absolute('sitemap.xml')}\n"
    return Artifact("robots.txt", text.encode("utf-8"))
