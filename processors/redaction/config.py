"""Configuration of the ``redaction`` processor (Go's ``redactionprocessor.Config``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .redactor import Redactor

# Go's HashFunction values, in the order its error message lists them.
HASH_FUNCTIONS = ("sha1", "sha3", "md5", "hmac-sha256", "hmac-sha512")
# The shortest HMAC key Go accepts for each HMAC function, in bytes.
HMAC_MIN_KEY_BYTES = {"hmac-sha256": 32, "hmac-sha512": 64}


@dataclass
class URLSanitizerConfig:
    """``url_sanitizer``: replaces identifier-like path segments of URLs with ``*``."""

    enabled: bool = False
    # Attribute keys whose values are sanitized (string log bodies always are).
    attributes: list[str] = field(default_factory=list)
    # Sanitize HTTP-looking client and server span names (default: yes).
    sanitize_span_name: bool | None = None


@dataclass
class DBSystemConfig:
    """One database family of ``db_sanitizer``."""

    enabled: bool = False
    # Attribute keys whose values are obfuscated when the map's db.system.name is this family's.
    attributes: list[str] = field(default_factory=list)


@dataclass
class DBSanitizerConfig:
    """``db_sanitizer``: obfuscates the literals of database statements."""

    sql: DBSystemConfig = field(default_factory=DBSystemConfig)
    redis: DBSystemConfig = field(default_factory=DBSystemConfig)
    valkey: DBSystemConfig = field(default_factory=DBSystemConfig)
    memcached: DBSystemConfig = field(default_factory=DBSystemConfig)
    mongo: DBSystemConfig = field(default_factory=DBSystemConfig)
    opensearch: DBSystemConfig = field(default_factory=DBSystemConfig)
    es: DBSystemConfig = field(default_factory=DBSystemConfig)
    sanitize_span_name: bool | None = None

    def enabled_families(self) -> dict[str, list[str]]:
        """The enabled families and their attribute keys."""
        families = ("sql", "redis", "valkey", "memcached", "mongo", "opensearch", "es")
        return {name: getattr(self, name).attributes for name in families if getattr(self, name).enabled}


@dataclass
class Config:
    # Keep every attribute key (allowed_keys is then unused); values are still checked.
    allow_all_keys: bool = False
    # The attribute keys kept; every other key is deleted. Empty means none (fail closed).
    allowed_keys: list[str] = field(default_factory=list)
    # Keys whose attributes are masked as a whole (regexes).
    blocked_key_patterns: list[str] = field(default_factory=list)
    # "" (mask with masking_string), md5, sha1, sha3, hmac-sha256 or hmac-sha512 (any case).
    hash_function: str = ""
    # The HMAC secret, for hmac-sha256 (at least 32 bytes) and hmac-sha512 (at least 64).
    hmac_key: str = field(default="", metadata={"opaque": True})
    # Keys passed through untouched and uncounted as redactions.
    ignored_keys: list[str] = field(default_factory=list)
    # Regexes of keys passed through untouched.
    ignored_key_patterns: list[str] = field(default_factory=list)
    # Check non-string values too, through their string form.
    redact_all_types: bool = False
    # Regexes whose matches in kept values are masked, applied in order.
    blocked_values: list[str] = field(default_factory=list)
    # Regexes of values left unmasked even when a blocked pattern matches them.
    allowed_values: list[str] = field(default_factory=list)
    db_sanitizer: DBSanitizerConfig = field(default_factory=DBSanitizerConfig)
    # debug (keys and counts), info (counts), anything else (also unset) is silent.
    summary: str = ""
    url_sanitizer: URLSanitizerConfig = field(default_factory=URLSanitizerConfig)
    # Replaces masked parts when no hash function is set ("****" when empty).
    masking_string: str = ""
    # The compiled rules, built by ``validate``.
    redactor: Redactor | None = field(default=None, metadata={"internal": True}, repr=False, compare=False)

    def validate(self) -> None:
        function = self.hash_function.lower()
        if function and function not in HASH_FUNCTIONS:
            raise ValueError(
                f"unknown HashFunction {function}, allowed functions are sha1, sha3, md5, hmac-sha256 and hmac-sha512"
            )
        self.hash_function = function
        min_bytes = HMAC_MIN_KEY_BYTES.get(function)
        if min_bytes is not None:
            if not self.hmac_key:
                raise ValueError(f'hmac_key must not be empty when hash_function is "{function}"')
            got = len(self.hmac_key.encode())
            if got < min_bytes:
                raise ValueError(f'hmac_key must be at least {min_bytes} bytes long for "{function}", got {got} bytes')
        if self.masking_string and function:
            raise ValueError("masking_string must not be set when hash_function is defined")
        # Go compiles the patterns when it creates the processor; here ``validate`` reports them.
        self.redactor = Redactor.from_config(self)
