"""pyotelcol's built-in processors: one folder each, found through the pyotelcol.processors entry-point group."""
