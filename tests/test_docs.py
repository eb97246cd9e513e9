"""Docs are part of the product: every setting, command and endpoint is documented."""
import argparse
import re
from pathlib import Path

from trm.cli import build_parser

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _commands(parser, prefix=()):
    """(command words, its parser) for every command that runs something."""
    subparsers = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subparsers:
        yield prefix, parser
    for action in subparsers:
        for name, sub in action.choices.items():
            yield from _commands(sub, prefix + (name,))


def test_every_setting_is_documented():
    used = set()
    for path in (ROOT / "trm").rglob("*.py"):
        used |= set(re.findall(r"\b(TRM_[A-Z_]+)\b", path.read_text()))
    used |= set(re.findall(r"\b(TRM_[A-Z_]+)\b", (ROOT / ".ci" / "run").read_text()))
    documented = set(re.findall(r"`(TRM_[A-Z_]+)`", (DOCS / "configuration.md").read_text()))
    assert used and used <= documented, sorted(used - documented)


def test_every_command_is_documented_with_its_options():
    text = (DOCS / "cli.md").read_text()
    commands = list(_commands(build_parser()))
    assert len(commands) >= 8
    for words, parser in commands:
        assert f"trm {' '.join(words)}" in text, words
        options = [o for a in parser._actions for o in a.option_strings if o.startswith("--") and o != "--help"]
        assert all(o in text for o in options), (words, options)


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if route.lstrip("^").startswith("api/"):
            continue  # the API is documented in api.md and checked against its OpenAPI below
        if hasattr(pattern, "url_patterns"):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"<\1>", route).replace("<case_id>", "<id>")


def test_every_page_is_documented():
    from django.urls import get_resolver
    text = (DOCS / "http.md").read_text()
    routes = list(_routes(get_resolver().url_patterns))
    assert len(routes) >= 10
    for route in routes:
        assert f"`{route}`" in text, route


def test_every_api_endpoint_is_documented():
    from trm.api import api
    text = (DOCS / "api.md").read_text()
    for path, methods in api.get_openapi_schema()["paths"].items():
        for method in methods:
            assert f"| {method.upper()} | `{path}` |" in text, (method, path)


def test_the_readme_starts_with_the_two_commands():
    lines = [line for line in (ROOT / "README.md").read_text().splitlines() if line.startswith("make ")]
    assert [line.split()[1] for line in lines[:2]] == ["run", "test"]
