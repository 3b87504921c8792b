"""Suites that run Ketenwacht as production does: prod-local, faults, load and security.

Run by ``make prod-local``, ``make faults``, ``make load`` and ``make security`` (see
docs/operations/README.md); not part of ``make test``.
"""
