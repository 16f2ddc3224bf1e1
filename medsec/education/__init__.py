"""Education and risk assessment at a hospital (medsec issue 8 §4).

- ``training``: the organization's training objectives (seeded with the four of the
  seed, editable), attestations per user with dates and expiry, who is due or overdue,
  reminders through the worker, a CSV report;
- ``risk``: a risk-assessment worksheet per integration point (an asset or a product
  version ↔ a system), with the framework used, threats, safety impact, controls,
  likelihood × impact before and after controls, and sign-off; a signed-off worksheet is
  read-only and a change makes a new revision.
"""
