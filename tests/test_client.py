"""pyotelcol.client: who sent the data, visible to every stage while the pipeline runs on it."""

from __future__ import annotations

import asyncio

from pyotelcol import client


def test_metadata_is_case_insensitive_and_keeps_every_value() -> None:
    md = client.Metadata.from_pairs([("X-Tenant", "a"), ("x-tenant", "b"), ("Accept", "*/*")])
    assert md.get_values("X-TENANT") == ("a", "b") and md["x-tenant"] == ("a", "b")
    assert md.get_values("missing") == ()
    assert sorted(md) == ["accept", "x-tenant"] and len(md) == 2
    assert client.Metadata({"A": ["1"], "a": ["2"]}).get_values("a") == ("1", "2")


def test_info_follows_each_request_and_never_leaks_between_them() -> None:
    seen: dict[str, tuple[str, ...]] = {}

    async def stage(name: str) -> None:
        await asyncio.sleep(0)  # let the other request run in between
        seen[name] = client.from_context().metadata.get_values("tenant")

    async def request(tenant: str) -> None:
        with client.with_info(client.Info(addr="127.0.0.1:1", metadata=client.Metadata({"tenant": [tenant]}))):
            await stage(tenant)
        assert client.from_context() == client.Info()

    async def main() -> None:
        await asyncio.gather(request("a"), request("b"))

    asyncio.run(main())
    assert seen == {"a": ("a",), "b": ("b",)}
    assert client.from_context().metadata == client.Metadata()
