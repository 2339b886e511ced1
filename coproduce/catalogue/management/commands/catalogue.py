from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coproduce.catalogue.queries import catalogue_export


class Command(BaseCommand):
    help = "Work with the framework catalogue (stages, challenges, costs, questions, criteria)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="Write the whole catalogue to standard output.")
        export.add_argument("--format", choices=["json"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            self.stdout.write(json.dumps(catalogue_export(), indent=2, ensure_ascii=False))
