"""The ``pyotelcol`` command line."""
