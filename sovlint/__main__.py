"""`python -m sovlint` runs the command line.

`python -m` puts the working directory first on `sys.path`. sovlint runs inside repositories
it does not trust, so that entry is removed before anything else is imported: a `regorus.py`
or `yaml.py` in the scanned repository must never shadow a library.
"""

import os
import sys


def _without_working_directory(path: list[str]) -> list[str]:
    cwd = os.path.realpath(os.getcwd())
    return [entry for entry in path
            if entry not in ("", ".") and os.path.realpath(entry) != cwd]


sys.path[:] = _without_working_directory(sys.path)

from sovlint.cli import main  # noqa: E402 - after the path is cleaned

main()
