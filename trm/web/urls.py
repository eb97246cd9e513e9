from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("health", views.health, name="health"),
    path("template/", views.template_form, name="template-form"),
    path("language", views.set_language, name="set-language"),
]
