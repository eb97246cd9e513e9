from django.urls import path

from . import people, views

urlpatterns = [
    path("login", views.login, name="login"),
    path("login/verify", views.login_verify, name="login-verify"),
    path("logout", views.logout, name="logout"),
    path("people", people.people, name="people"),
    path("people/<int:user_id>/<slug:action>", people.person_change, name="person-change"),
]
