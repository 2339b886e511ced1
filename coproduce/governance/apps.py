from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "coproduce.governance"
    label = "governance"
    verbose_name = "Governance: charter, decisions and voice"
