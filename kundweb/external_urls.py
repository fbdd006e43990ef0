"""Absolute URLs (feeds, e-mail links) built from KUNDWEB_BASE_URL, never from a request's Host header."""
from urllib.parse import urlsplit

from flask import current_app

# Until KUNDWEB_BASE_URL is set (development, tests): a fixed address, still never the request's.
FALLBACK_BASE_URL = "http://localhost"
# RFC 4151 tag URIs: ids that stay the same whatever address Kundweb is reached at, or moves to.
TAG_PREFIX = "tag:lulea.se,2026:kundweb"


def external_url(endpoint, **values):
    """The absolute URL of `endpoint` at BASE_URL; works inside a request and outside one (jobs, CLI)."""
    base = urlsplit(current_app.config.get("BASE_URL") or FALLBACK_BASE_URL)
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme)
    return adapter.build(endpoint, values, force_external=True)


def tag_uri(*path):
    """A stable id, e.g. tag_uri("crisis", 42) -> tag:lulea.se,2026:kundweb/crisis/42."""
    return "/".join([TAG_PREFIX, *(str(part) for part in path)])
