from django.apps import AppConfig


class RisksConfig(AppConfig):
    name = "coproduce.risks"
    label = "risks"
    verbose_name = "Risks and the forecast"
