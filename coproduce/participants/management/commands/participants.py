"""`coproduce participants`: the participant key.

`new-key` prints a fresh key for COPRODUCE_PARTICIPANT_KEY. `check-key` says whether the
configured key opens every participant's details. `rotate-key` encrypts every participant's
details again under the newest key, after the new key has been put in front of the old one
(see docs/participants.md).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coproduce.participants import crypto, services
from coproduce.participants.models import Participant


class Command(BaseCommand):
    help = "Make, check or rotate the key that encrypts participants' identifying details."
    # `new-key` is how a missing or broken key is put right, so it must run without one.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        actions.add_parser("new-key", help=f"Print a fresh key for {crypto.ENV}.")
        actions.add_parser("check-key", help="Check the configured key opens every participant.")
        actions.add_parser(
            "rotate-key",
            help="Encrypt every participant's details again under the first (newest) key.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "new-key":
            self.stdout.write(crypto.new_key())
            return
        try:
            if action == "check-key":
                self._check()
            else:
                done = services.reencrypt_all()
                self.stdout.write(
                    self.style.SUCCESS(
                        f"Re-encrypted the details of {done} participant{'s' if done != 1 else ''}"
                        " under the newest key. Older keys can now be removed from "
                        f"{crypto.ENV}."
                    )
                )
        except crypto.ParticipantKeyError as error:
            raise CommandError(str(error)) from error

    def _check(self) -> None:
        crypto.check_key()
        keys = crypto.configured_keys()
        count = 0
        for participant in Participant.objects.order_by("pk").iterator():
            services.details(participant)
            count += 1
        self.stdout.write(
            self.style.SUCCESS(
                f"The key opens the details of all {count} participants "
                f"({len(keys)} key{'s' if len(keys) != 1 else ''} configured)."
            )
        )
