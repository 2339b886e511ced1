from django.apps import AppConfig


class CatalogueConfig(AppConfig):
    name = "coproduce.catalogue"
    label = "catalogue"
