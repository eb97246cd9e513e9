from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "trm.exchange"
    label = "exchange"
    verbose_name = "Exchange between nodes"
    default_auto_field = "django.db.models.BigAutoField"
