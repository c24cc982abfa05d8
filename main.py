"""soreg — 社会组织登记窗口.

``python main.py`` starts the GUI; ``python main.py [--db PATH] SUBCOMMAND …`` runs the same
domain code headless (see ``--help``).
"""

from __future__ import annotations

import sys

GLOBAL_OPTIONS_WITH_VALUE = ("--db", "--user")


def _has_subcommand(argv: list[str]) -> bool:
    """Whether anything but the global options was given (then the CLI runs, not the GUI)."""
    args = iter(argv)
    for arg in args:
        if arg in GLOBAL_OPTIONS_WITH_VALUE:
            next(args, None)
        elif not arg.startswith(GLOBAL_OPTIONS_WITH_VALUE):
            return True
    return False


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if _has_subcommand(argv):
        from cli.app import run

        return run(argv)
    from ui.app import run_gui

    return run_gui(argv)


if __name__ == "__main__":
    sys.exit(main())
