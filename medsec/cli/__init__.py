"""The ``medsec`` command line: one Typer sub-app per domain, each thin over services."""
