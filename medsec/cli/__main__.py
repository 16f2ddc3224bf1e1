"""``python -m medsec.cli`` runs the ``medsec`` command."""

from medsec.cli.main import main

main()
