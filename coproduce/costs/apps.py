from django.apps import AppConfig


class CostsConfig(AppConfig):
    name = "coproduce.costs"
    label = "costs"
    verbose_name = "Costs and who bears them"
