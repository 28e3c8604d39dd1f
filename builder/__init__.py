"""``builder``: builds a pyotelcol distribution holding exactly the components a manifest lists.

The counterpart of the Go collector's ``ocb``; see builder/README.md for the manifest schema.
"""
