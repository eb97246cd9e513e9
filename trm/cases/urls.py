from django.urls import path

from . import views

urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("due", views.due_list, name="due-list"),
    path("new", views.case_new, name="case-new"),
    path("<int:case_id>/", views.case_detail, name="case-detail"),
    path("<int:case_id>/edit", views.case_edit, name="case-edit"),
    path("<int:case_id>/close", views.case_close, name="case-close"),
    path("<int:case_id>/stage", views.case_stage, name="case-stage"),
    path("<int:case_id>/group", views.case_group, name="case-group"),
    path("<int:case_id>/group/share", views.case_group_share, name="case-group-share"),
]
