"""`python -m flightpath.cli` runs the command."""

from flightpath.cli.app import main

main()
