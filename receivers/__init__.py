"""pyotelcol's built-in receivers: one folder each, found through the pyotelcol.receivers entry-point group."""
