"""pyotelcol's built-in connectors: one folder each, found through the pyotelcol.connectors entry-point group."""
