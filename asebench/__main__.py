"""``python -m asebench`` runs the command line."""

from asebench.cli import main

main()
