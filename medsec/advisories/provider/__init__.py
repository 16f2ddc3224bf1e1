"""The CSAF 2.0 provider of a manufacturer instance (CSAF 2.0 §7.1).

:func:`~medsec.advisories.provider.build.build_provider` turns a folder of CSAF documents into
the directory a web server publishes at ``/.well-known/csaf/``;
:func:`~medsec.advisories.provider.check.check_provider` checks such a directory offline
against requirements 1–23, as gocsaf's ``csaf_checker`` does online.
"""
