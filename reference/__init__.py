"""Reference oracles: small, readable implementations that the tests compare torch against.

Each module holds one topic and imports no pytest, and no torch where the claim allows.
"""
