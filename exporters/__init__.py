"""pyotelcol's built-in exporters: one folder each, found through the pyotelcol.exporters entry-point group."""
