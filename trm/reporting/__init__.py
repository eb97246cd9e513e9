"""The reporting template engine: pure Python, no Django.

Load a template, then validate, derive, project, render and compare reports written against it::

    from trm import reporting
    template = reporting.load_template()            # trm-case-report, newest version
    errors = reporting.validate(template, report)   # [] when valid
    message = reporting.project(template, report, "CASE_NOTIFICATION")
"""
from .engine import (
    Change, NotAReport, Place, UnknownProfile, applicable, check_header, derive, diff, display_value, project,
    redact, render, restore_hidden, validate, walk,
)
from .i18n import LANGUAGES
from .load import TemplateError, UnknownTemplate, load_file, load_template, template_for_report
from .migrate import MigrationError, migrate
from .model import Field, Profile, Section, Template
from .validate import MESSAGES, ValidationError

__all__ = [
    "Change", "Field", "NotAReport", "LANGUAGES", "MESSAGES", "MigrationError", "Place", "Profile", "Section",
    "Template", "TemplateError", "UnknownProfile", "UnknownTemplate", "ValidationError", "applicable",
    "check_header", "derive", "diff", "display_value", "load_file", "load_template", "migrate",
    "project", "redact", "render", "restore_hidden", "template_for_report", "validate", "walk",
]
