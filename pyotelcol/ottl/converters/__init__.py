"""The OTTL converters (Go's ``ottlfuncs`` converters): importing this package registers them
all in :data:`pyotelcol.ottl.functions.CONVERTERS`."""

from pyotelcol.ottl.converters import (  # noqa: F401 - imported to register
    grok,
    hashes,
    ids,
    maps,
    parsing,
    strings,
    times,
    types,
    useragent,
    xmledit,
)
