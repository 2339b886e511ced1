from django.apps import AppConfig
from django.core import checks


class ParticipantsConfig(AppConfig):
    name = "coproduce.participants"
    label = "participants"
    verbose_name = "Study participants behind the firewall"

    def ready(self) -> None:
        from coproduce.participants.checks import participant_key

        checks.register(participant_key, "security")
