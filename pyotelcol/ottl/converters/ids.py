"""ID converters: TraceID, SpanID, ProfileID (bytes from bytes or hex), UUID, UUIDv7, and
the network flow hash CommunityID."""

from __future__ import annotations

import base64
import hashlib
import ipaddress
import os
import time
import uuid
from collections.abc import Callable
from typing import Any

from pyotelcol.ottl.functions import CompileError, ExecutionError, Getter, Param, converter
from pyotelcol.ottl.values import IdBytes, expect_int, expect_string, go_type_name, unwrap

Item = Callable[[Any], Any]


def _id_converter(name: str, size: int) -> None:
    @converter(name, Param("target", "getter"))
    def build(target: Getter) -> Item:
        """Go: exactly ``size`` bytes, or a string of ``2*size`` hex digits."""

        def run(tctx: Any) -> bytes:
            value = unwrap(target(tctx))
            if isinstance(value, bytes | bytearray):
                if len(value) != size:
                    raise ExecutionError(f"{name} must be {size} bytes, got {len(value)}")
                return IdBytes(value)
            if isinstance(value, str):
                if len(value) != size * 2:
                    raise ExecutionError(f"{name} must be {size * 2} hex characters, got {len(value)}")
                try:
                    return IdBytes(bytes.fromhex(value))
                except ValueError:
                    raise ExecutionError(f"{name}: invalid hex string {value!r}") from None
            raise ExecutionError(f"unsupported type {go_type_name(value)} for {name}")

        constant = getattr(target, "ottl_constant", None)
        if constant is None:
            return run
        # Go decodes a literal argument once, when the statement is compiled: a bad one fails
        # the config.
        try:
            result = run(None)
        except ExecutionError as err:
            raise CompileError(f"couldn't create function: {err}") from None
        return lambda tctx: result


_id_converter("TraceID", 16)
_id_converter("SpanID", 8)
_id_converter("ProfileID", 16)


@converter("UUID")
def build_uuid() -> Item:
    """A random (version 4) UUID string."""

    def run(tctx: Any) -> str:
        return str(uuid.uuid4())

    return run


def uuid7(unix_ms: int | None = None) -> uuid.UUID:
    """A version 7 UUID: 48-bit Unix milliseconds, then random bits (RFC 9562)."""
    millis = time.time_ns() // 1_000_000 if unix_ms is None else unix_ms
    raw = bytearray(millis.to_bytes(6, "big") + os.urandom(10))
    raw[6] = 0x70 | (raw[6] & 0x0F)
    raw[8] = 0x80 | (raw[8] & 0x3F)
    return uuid.UUID(bytes=bytes(raw))


@converter("UUIDv7")
def build_uuid7() -> Item:
    def run(tctx: Any) -> str:
        return str(uuid7())

    return run


_PROTOCOLS = {"ICMP": 1, "TCP": 6, "UDP": 17, "RSVP": 46, "ICMP6": 58, "SCTP": 132}


@converter(
    "CommunityID",
    Param("sourceIP", "getter"),
    Param("sourcePort", "getter"),
    Param("destinationIP", "getter"),
    Param("destinationPort", "getter"),
    Param("protocol", "getter", optional=True),
    Param("seed", "getter", optional=True),
)
def build_community_id(
    sourceIP: Getter,
    sourcePort: Getter,
    destinationIP: Getter,
    destinationPort: Getter,
    protocol: Getter | None = None,
    seed: Getter | None = None,
) -> Item:
    """Community ID v1: ``1:`` + base64(SHA1(seed, ordered endpoints, protocol, ports))."""

    def run(tctx: Any) -> str:
        try:
            src_ip = ipaddress.ip_address(expect_string(sourceIP(tctx)))
            dst_ip = ipaddress.ip_address(expect_string(destinationIP(tctx)))
        except ValueError as err:
            raise ExecutionError(f"invalid IP address: {err}") from None
        src_port = expect_int(sourcePort(tctx))
        dst_port = expect_int(destinationPort(tctx))
        for what, port in (("source", src_port), ("destination", dst_port)):
            if not 0 <= port <= 65535:
                raise ExecutionError(f"{what} port must be between 0 and 65535, got {port}")
        proto_name = "TCP" if protocol is None else expect_string(protocol(tctx))
        if proto_name not in _PROTOCOLS:
            raise ExecutionError(f"unsupported protocol: {proto_name}")
        seed_value = 0 if seed is None else expect_int(seed(tctx))
        if not 0 <= seed_value <= 65535:
            raise ExecutionError(f"seed must be between 0 and 65535, got {seed_value}")
        if src_ip.version != dst_ip.version:
            raise ExecutionError("source and destination IP addresses must be the same version")
        src = (src_ip.packed, src_port)
        dst = (dst_ip.packed, dst_port)
        # The smaller endpoint goes first so both directions of a flow hash the same.
        if (dst[0], dst[1]) < (src[0], src[1]):
            src, dst = dst, src
        payload = (
            seed_value.to_bytes(2, "big")
            + src[0]
            + dst[0]
            + bytes([_PROTOCOLS[proto_name], 0])
            + src[1].to_bytes(2, "big")
            + dst[1].to_bytes(2, "big")
        )
        digest = hashlib.sha1(payload, usedforsecurity=False).digest()
        return "1:" + base64.b64encode(digest).decode()

    return run


@converter("IsRootSpan", contexts=frozenset({"span"}))
def build_is_root_span() -> Item:
    """Go (span context only): true when the span's parent span ID is empty (all zero)."""

    def run(tctx: Any) -> bool:
        return not any(bytes(tctx.span.parent_span_id))

    return run


@converter("IsInCIDR", Param("target", "getter"), Param("networks", "getter_list"))
def build_is_in_cidr(target: Getter, networks: list[Getter]) -> Item:
    """Go: whether the target IP address is in any of the CIDR networks; a target that is not
    an IP address gives false; a network that is not valid CIDR is an error."""

    def run(tctx: Any) -> bool:
        text = expect_string(target(tctx))
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            return False
        for getter in networks:
            network_text = expect_string(getter(tctx))
            if "/" not in network_text:
                raise ExecutionError(f"invalid CIDR address: {network_text}")
            try:
                network = ipaddress.ip_network(network_text, strict=False)
            except ValueError:
                raise ExecutionError(f"invalid CIDR address: {network_text}") from None
            if address.version != network.version and address.version == 6:
                mapped = address.ipv4_mapped
                if mapped is not None and mapped in network:
                    return True
            elif address in network:
                return True
        return False

    return run
