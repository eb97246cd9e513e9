from trm.reporting import world
from trm.reporting.i18n import gettext


def footnote(request):
    """The Kosovo* designation footnote, in the reader's language (from the template catalogue)."""
    from .views import engine_language
    return {"kosovo_footnote": gettext(world.KOSOVO_FOOTNOTE, engine_language(request))}
