"""The ``kechuang`` console command: Django's management commands under the project's name."""

import importlib
import os
import sys

# Commands that need no database (the offline engines) run without ``django.setup()``, which imports
# every app's models and costs about a second before the command even parses its arguments.
OFFLINE = {
    "policies": ("kechuang.policies.management.commands.policies", {"evaluate"}),
    "experts": ("kechuang.experts.management.commands.experts", {"assign", "replay"}),
    "match": ("kechuang.matching.management.commands.match", {"search"}),
    "scoring": ("kechuang.cultivation.management.commands.scoring", {"rank"}),
}


def offline_module(args: list[str]) -> str | None:
    """The command module to run directly, when ``args`` name an offline command (or its --help)."""
    if len(args) >= 2 and args[0] in OFFLINE:
        module, actions = OFFLINE[args[0]]
        if args[1] in actions or args[1] in ("-h", "--help"):
            return module
    return None


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kechuang.settings")
    if module := offline_module(args):
        from django.conf import settings

        # Translations need the app registry; without it these commands speak the source language.
        settings.USE_I18N = False
        importlib.import_module(module).Command().run_from_argv(["kechuang", *args])
        return
    from django.core.management import execute_from_command_line

    execute_from_command_line(["kechuang", *args])


if __name__ == "__main__":
    main()
