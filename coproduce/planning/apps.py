from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "coproduce.planning"
    label = "planning"
