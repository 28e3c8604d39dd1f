"""pyotelcol's built-in extensions: one folder each, found through the pyotelcol.extensions entry-point group."""
