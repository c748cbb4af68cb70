"""The one check of the peer scripts' Python packages: they come pinned from the Makefile."""

import importlib.util
import sys


def require(modules: list[str], make_target: str) -> None:
    """Exits with one line naming `make <make_target>` when any of `modules` is missing."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        sys.exit(
            f"error: {sys.executable} lacks {', '.join(missing)}: run `make {make_target}` "
            "(it installs the pinned versions into .venv)"
        )
