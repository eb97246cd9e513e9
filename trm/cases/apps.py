from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "trm.cases"
    label = "cases"
