"""Package list for the folder → namespace mapping declared in pyproject.toml.

The components live in top-level folders (receivers/, processors/, ...) but import as
``pyotelcol.receivers.<name>`` etc.; setuptools needs every sub-package named explicitly.
"""

from setuptools import find_packages, setup

MAPPED = {
    "pyotelcol.receivers": "receivers",
    "pyotelcol.processors": "processors",
    "pyotelcol.exporters": "exporters",
    "pyotelcol.extensions": "extensions",
    "pyotelcol.connectors": "connectors",
    "pyotelcol_builder": "builder",
}

packages = ["pyotelcol", *(f"pyotelcol.{p}" for p in find_packages("pyotelcol"))]
for namespace, folder in MAPPED.items():
    packages.append(namespace)
    packages.extend(f"{namespace}.{p}" for p in find_packages(folder, exclude=["*.testdata*"]))

setup(packages=packages)
