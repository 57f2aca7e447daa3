"""`python -m sovlint` runs the command line."""

from sovlint.cli import main

main()
