"""Loaded by Python at start-up when ``pyotelcol-instrument`` put this folder on PYTHONPATH:
starts the embedded collector and configures the SDK before the program's code runs."""

from pyotelcol.embed.instrument import configure

configure()
