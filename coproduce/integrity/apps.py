from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "coproduce.integrity"
    label = "integrity"
    verbose_name = "Integrity: findings, outputs and the ledger"
