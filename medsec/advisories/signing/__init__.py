"""Signing CSAF documents: the :class:`~medsec.advisories.signing.interfaces.Signer` port and
its OpenPGP adapter (:mod:`medsec.advisories.signing.openpgp`, pysequoia).

The instance keeps one OpenPGP key for its CSAF provider, encrypted at rest under
``data_dir/csaf/openpgp/`` with a passphrase derived from the instance secret.
"""
