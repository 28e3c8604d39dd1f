"""Compact JWS parsing, JWK sets and signature checks, as go-oidc (on go-jose) does them.

Only the algorithms go-oidc supports are ever accepted: RS256/384/512, PS256/384/512,
ES256/384/512 and EdDSA (Ed25519). ``none`` and the HMAC algorithms never verify.
The signature maths is ``cryptography``'s.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

RSA_ALGS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512")
EC_ALGS = ("ES256", "ES384", "ES512")
ED_ALGS = ("EdDSA",)
#: go-oidc's ``allAlgs`` order
ALL_ALGS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA")

# ES<n> needs the matching curve (go-jose refuses a P-384 key for ES256).
_EC_CURVE = {"ES256": "secp256r1", "ES384": "secp384r1", "ES512": "secp521r1"}
_JWK_CURVES: dict[str, tuple[ec.EllipticCurve, int]] = {
    "P-256": (ec.SECP256R1(), 32),
    "P-384": (ec.SECP384R1(), 48),
    "P-521": (ec.SECP521R1(), 66),
}
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey


class JoseError(ValueError):
    """A malformed token or key set; the text never contains the token."""


@dataclass(frozen=True)
class JWS:
    """A parsed compact JWS: header fields, payload bytes, and what the signature covers."""

    alg: str
    kid: str
    payload: bytes
    signing_input: bytes
    signature: bytes


@dataclass(frozen=True)
class Key:
    kid: str
    public: PublicKey
    alg: str = ""


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def _b64decode(part: str) -> bytes:
    """Unpadded base64url (Go's RawURLEncoding); errors name the byte within the part, as Go's
    do. Python's decoder would skip foreign characters silently, hence the explicit check."""
    for index, char in enumerate(part):
        if char not in _B64URL:
            raise JoseError(f"illegal base64 data at input byte {index}")
    if len(part) % 4 == 1:
        raise JoseError(f"illegal base64 data at input byte {len(part) - 1}")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _quoted_list(values: tuple[str, ...] | list[str]) -> str:
    return "[" + " ".join(json.dumps(v) for v in values) + "]"


def parse_compact(raw: str, algorithms: tuple[str, ...] | list[str]) -> JWS:
    """Parse ``header.payload.signature``; the header's ``alg`` must be one of ``algorithms``."""
    raw = "".join(raw.split())  # go-jose drops whitespace anywhere in a compact JWS
    if not raw:
        raise JoseError("go-jose/go-jose: empty input")
    if raw.startswith("{"):
        raise JoseError("go-jose/go-jose: JWS JSON serialization is not supported here")
    parts = raw.split(".")
    if len(parts) != 3:
        raise JoseError("go-jose/go-jose: compact JWS format must have three parts")
    try:
        header_bytes = _b64decode(parts[0])
        payload = _b64decode(parts[1])
        signature = _b64decode(parts[2])
    except binascii.Error as exc:
        raise JoseError(f"illegal base64 data: {exc}") from None
    try:
        header = json.loads(header_bytes)
    except ValueError as exc:
        raise JoseError(f"invalid character in the protected header: {exc}") from None
    if not isinstance(header, dict):
        raise JoseError("json: cannot unmarshal the protected header: not an object")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in algorithms:
        shown = alg if isinstance(alg, str) else ""
        raise JoseError(
            f"unexpected signature algorithm {json.dumps(shown)}; expected {_quoted_list(list(algorithms))}"
        )
    kid = header.get("kid", "")
    if not isinstance(kid, str):
        raise JoseError("go-jose/go-jose: invalid protected header: kid is not a string")
    if header.get("crit"):
        raise JoseError("go-jose/go-jose: unsupported crit header")
    return JWS(alg, kid, payload, f"{parts[0]}.{parts[1]}".encode("ascii", "replace"), signature)


def key_fits(key: PublicKey, alg: str) -> bool:
    """Whether ``key`` can check an ``alg`` signature at all."""
    if alg in RSA_ALGS:
        return isinstance(key, rsa.RSAPublicKey)
    if alg in EC_ALGS:
        return isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == _EC_CURVE[alg]
    if alg in ED_ALGS:
        return isinstance(key, ed25519.Ed25519PublicKey)
    return False


def verify(jws: JWS, key: PublicKey) -> bool:
    """go-jose's checks: PKCS#1 v1.5 for RS*, PSS with any salt length for PS*, ECDSA with the
    raw ``r || s`` form of exactly twice the curve size for ES*, Ed25519 for EdDSA."""
    if not key_fits(key, jws.alg):
        return False
    data, signature = jws.signing_input, jws.signature
    try:
        if isinstance(key, rsa.RSAPublicKey):
            digest = _HASHES[jws.alg[2:]]()
            if jws.alg.startswith("RS"):
                key.verify(signature, data, padding.PKCS1v15(), digest)
            else:
                pss = padding.PSS(mgf=padding.MGF1(digest), salt_length=padding.PSS.AUTO)
                key.verify(signature, data, pss, digest)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            size = (key.curve.key_size + 7) // 8
            if len(signature) != 2 * size:
                return False
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            key.verify(encode_dss_signature(r, s), data, ec.ECDSA(_HASHES[jws.alg[2:]]()))
        else:
            key.verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


def _field(jwk: dict[str, Any], name: str, kty: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise JoseError(f"go-jose/go-jose: invalid {kty} key, missing {name} value")
    try:
        return _b64decode(value.rstrip("="))  # go-jose tolerates padding in key members
    except JoseError as exc:
        raise JoseError(f"go-jose/go-jose: invalid {kty} key, {name}: {exc}") from None


def parse_jwk(jwk: dict[str, Any]) -> PublicKey | None:
    """A JWK's public key; None for key types go-jose does not know or that cannot sign with the
    algorithms here (skipped, as go-oidc does). Private members are ignored."""
    kty = jwk.get("kty")
    if kty == "RSA":
        n = int.from_bytes(_field(jwk, "n", "RSA"), "big")
        e = int.from_bytes(_field(jwk, "e", "RSA"), "big")
        try:
            return rsa.RSAPublicNumbers(e, n).public_key()
        except ValueError as exc:
            raise JoseError(f"go-jose/go-jose: invalid RSA key: {exc}") from None
    if kty == "EC":
        crv = jwk.get("crv")
        if not isinstance(crv, str) or crv not in _JWK_CURVES:
            raise JoseError(f"go-jose/go-jose: unsupported elliptic curve '{crv}'")
        curve, size = _JWK_CURVES[crv]
        x, y = _field(jwk, "x", "EC"), _field(jwk, "y", "EC")
        if len(x) != size or len(y) != size:
            raise JoseError("go-jose/go-jose: invalid EC key, wrong length for x/y")
        try:
            return ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"), curve).public_key()
        except ValueError:
            raise JoseError("go-jose/go-jose: invalid EC key, X/Y are not on declared curve") from None
    if kty == "OKP" and jwk.get("crv") == "Ed25519":
        x = _field(jwk, "x", "OKP")
        if len(x) != 32:
            raise JoseError("go-jose/go-jose: invalid Ed25519 key, wrong length for x")
        return ed25519.Ed25519PublicKey.from_public_bytes(x)
    return None  # "oct" (HMAC secrets), other OKP curves, unknown types


def parse_jwks(body: bytes, *, skip_unsupported_alg: bool = True) -> list[Key]:
    """A JWK set (``{"keys": [...]}``). Like go-oidc, keys advertising an algorithm it does not
    support and keys of unknown types are skipped; any other bad key fails the whole set."""
    try:
        doc = json.loads(body)
    except ValueError as exc:
        raise JoseError(str(exc)) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("keys", []), list):
        raise JoseError('json: cannot unmarshal JWK set: "keys" must be a list')
    keys: list[Key] = []
    for item in doc.get("keys") or []:
        if not isinstance(item, dict):
            raise JoseError("json: cannot unmarshal a JWK that is not an object")
        alg = item.get("alg", "")
        if not isinstance(alg, str):
            raise JoseError("json: cannot unmarshal JWK alg that is not a string")
        if skip_unsupported_alg and alg and alg not in ALL_ALGS:
            continue
        public = parse_jwk(item)
        if public is None:
            continue
        kid = item.get("kid", "")
        keys.append(Key(kid if isinstance(kid, str) else "", public, alg))
    return keys


def algorithms_for(key: Key) -> tuple[str, ...]:
    """Go's parseJWKSFile: the key's own ``alg`` when it suits the key, else every algorithm of
    its type."""
    family: tuple[str, ...]
    if isinstance(key.public, rsa.RSAPublicKey):
        family = RSA_ALGS
    elif isinstance(key.public, ec.EllipticCurvePublicKey):
        family = EC_ALGS
    else:
        family = ED_ALGS
    return (key.alg,) if key.alg in family else family
