from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "trm.web"
    label = "web"

    def ready(self):
        # Montenegrin and Serbian Cyrillic are not in Django's own language table.
        from django.conf import settings
        from django.conf.locale import LANG_INFO
        for code, info in settings.EXTRA_LANG_INFO.items():
            LANG_INFO.setdefault(code, info)
