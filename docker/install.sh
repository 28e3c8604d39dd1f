#!/bin/sh
# Installs the default pyotelcol distribution into a virtual environment: the build step of the
# container image (Dockerfile), also run by CI in a fresh directory (no container engine there).
#   docker/install.sh <source-dir> <prefix>
# leaves <prefix>/bin/pyotelcol and the default config in <prefix>/etc/config.yaml.
set -eu
src=$1
prefix=$2
python3 -m venv "$prefix"
"$prefix/bin/pip" install -q --no-cache-dir --upgrade pip
"$prefix/bin/pip" install -q --no-cache-dir "$src[full,speed]"
mkdir -p "$prefix/etc"
cp "$src/docker/config.yaml" "$prefix/etc/config.yaml"
"$prefix/bin/pyotelcol" validate --config "$prefix/etc/config.yaml"
