"""The `coproduce` command line.

One console script for everything people script: `coproduce demo`, `coproduce catalogue export`,
and any Django management command (`coproduce migrate`, `coproduce runserver`...). Each
subcommand is a management command, so the same code runs from `manage.py` and from here.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["coproduce", *args])


if __name__ == "__main__":
    main()
