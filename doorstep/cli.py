"""The `doorstep` console command: Django's management commands under one name.

`doorstep demo`, `doorstep serve`, `doorstep geo locate …` are management commands of the
doorstep apps; every Django command (migrate, createsuperuser, …) works too.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "doorstep.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["doorstep", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
