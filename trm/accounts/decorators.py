"""Who may open a page: logged in, and past the second factor where the role needs one."""
from functools import wraps

from django.conf import settings
from django.shortcuts import redirect


def verified_login_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        user = request.user
        if not user.is_authenticated:
            return redirect("login")
        if settings.REQUIRE_MFA and user.needs_second_factor and not user.is_verified():
            return redirect("login")
        return view(request, *args, **kwargs)

    return wrapper
