"""The `coproduce` command line.

One console script for everything people script: `coproduce demo`, `coproduce catalogue export`,
and any Django management command (`coproduce migrate`, `coproduce runserver`...). Each
subcommand is a management command, so the same code runs from `manage.py` and from here.
"""

import os
import sys

SET_UP_HINT = "run `make migrate` (or `coproduce migrate`) first"
# These serve until stopped and meet the database in a reloader thread, where a missing table
# would print a traceback and leave the process running, so they check before they start.
SERVING_COMMANDS = frozenset({"runserver", "db_worker"})


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line
    from django.db import DatabaseError

    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SERVING_COMMANDS and "--help" not in args and "-h" not in args:
        import django

        django.setup()
        problem = database_set_up_problem()
        if problem is not None:
            sys.stderr.write(f"coproduce: {problem}; {SET_UP_HINT}.\n")
            sys.exit(1)
    try:
        execute_from_command_line(["coproduce", *args])
    except DatabaseError as error:
        # A fresh clone (or a pull that brought new migrations) has tables missing; any command
        # that reads them would end in a traceback about "no such table". Say what to do instead.
        # Other database faults keep their traceback: they need a person to look at them.
        problem = database_set_up_problem()
        if problem is None:
            raise
        sys.stderr.write(f"coproduce: {problem} ({error}); {SET_UP_HINT}.\n")
        sys.exit(1)


def database_set_up_problem() -> str | None:
    """Why the default database is not ready for the app, or None when it is (or when the
    database cannot even be asked, which is a different fault from a missing migration)."""
    from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
    from django.db.migrations.executor import MigrationExecutor

    connections.close_all()  # the failed command may have left its connection mid-transaction
    connection = connections[DEFAULT_DB_ALIAS]
    try:
        executor = MigrationExecutor(connection)
        if not executor.recorder.has_table():
            return "the database is not set up"
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError:
        return None
    if plan:
        return f"the database is not up to date ({len(plan)} migrations not applied)"
    return None


if __name__ == "__main__":
    main()
