from django.urls import path

from . import views

urlpatterns = [
    path("login", views.login, name="login"),
    path("login/verify", views.login_verify, name="login-verify"),
    path("logout", views.logout, name="logout"),
]
