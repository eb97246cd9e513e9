from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "trm.directory"
    label = "directory"
    verbose_name = "Directory and trust list"
    default_auto_field = "django.db.models.BigAutoField"
