"""Redis/Valkey and Memcached command obfuscation, as DataDog's obfuscator (used by Go's redaction
processor) does it.

Redis: the text is split into commands (one per line, a double-quoted argument may span lines)
and arguments (separated by spaces, quotes kept); each command is written back as the command,
a space and its arguments joined by single spaces, with the values of known commands replaced by
``?`` (``SET k v`` -> ``SET k ?``, ``AUTH`` drops everything after its first argument, ``HSET``
masks every value, ...). Unknown commands keep their arguments. Memcached: everything from the
first CRLF on (the stored data) is dropped and the rest trimmed.
"""

from __future__ import annotations

# Go's strings.TrimSpace / bytes.TrimSpace set.
_GO_SPACE = "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"

MASK = "?"
_SECOND_ARG = frozenset(
    [
        "APPEND",
        "GETSET",
        "LPUSHX",
        "GEORADIUSBYMEMBER",
        "RPUSHX",
        "SET",
        "SETNX",
        "SISMEMBER",
        "ZRANK",
        "ZREVRANK",
        "ZSCORE",
    ]
)
_THIRD_ARG = frozenset(
    ["HSETNX", "LREM", "LSET", "SETBIT", "SETEX", "PSETEX", "SETRANGE", "ZINCRBY", "SMOVE", "RESTORE"]
)
_AFTER_FIRST = frozenset(["GEOHASH", "GEOPOS", "GEODIST", "LPUSH", "RPUSH", "SREM", "ZREM", "SADD"])


def _mask_nth(args: list[str], n: int) -> None:
    if len(args) > n:
        args[n] = MASK


def _mask_every(args: list[str], start: int, step: int) -> None:
    for i in range(start + step - 1, len(args), step):
        args[i] = MASK


def _zadd_first_score(args: list[str]) -> int:
    """The index of ZADD's first score: after the key and any NX/XX/CH/INCR flags (Go's loop
    leaves the last index when every argument is a flag)."""
    index = 0
    for index in range(len(args)):
        if index == 0:
            continue
        if args[index] not in ("NX", "XX", "CH", "INCR"):
            break
    return index


def _obfuscate_command(command: str, args: list[str]) -> str:
    if not args:
        return command
    name = command.upper()
    if name == "AUTH":
        args = [MASK]
    elif name in _SECOND_ARG:
        _mask_nth(args, 1)
    elif name in _THIRD_ARG:
        _mask_nth(args, 2)
    elif name == "LINSERT":
        _mask_nth(args, 3)
    elif name in _AFTER_FIRST:
        if len(args) > 1:
            args = [args[0], MASK]
    elif name == "GEOADD":
        _mask_every(args, 1, 3)
    elif name in ("HSET", "HMSET"):
        _mask_every(args, 1, 2)
    elif name in ("MSET", "MSETNX"):
        _mask_every(args, 0, 2)
    elif name == "CONFIG":
        if args[0].upper() == "SET":
            _mask_nth(args, 2)
    elif name == "BITFIELD":
        set_at = 0
        for i, arg in enumerate(args):
            if arg.upper() == "SET":
                set_at = i
            if set_at > 0 and i - set_at == 3:
                args[i] = MASK
                break
    elif name == "ZADD":
        _mask_every(args, _zadd_first_score(args), 2)
    return command + " " + " ".join(args)


class _RedisTokenizer:
    """Go's ``redisTokenizer``: alternates between reading a command and its arguments."""

    def __init__(self, text: str) -> None:
        self.data = text.strip(_GO_SPACE)
        self.off = -1
        self.ch = ""
        self.done = False
        self.in_command = True

    def next(self) -> None:
        self.off += 1
        if self.off <= len(self.data) - 1:
            self.ch = self.data[self.off]
        else:
            self.done = True

    def unread(self) -> None:
        if self.off < 1:
            return
        self.off -= 1
        self.ch = self.data[self.off]

    def skip_space(self) -> None:
        while self.ch in (" ", "\t") or (self.ch == "\r" and not self.done):
            self.next()
        if self.ch == "\n":
            self.in_command = True
        else:
            self.unread()

    def scan(self) -> tuple[str, bool, bool]:
        """(token, is_command, done)."""
        return self._command() if self.in_command else self._argument()

    def _command(self) -> tuple[str, bool, bool]:
        out: list[str] = []
        started = False
        while True:
            self.next()
            if self.done:
                return "".join(out), True, True
            if self.ch == " ":
                if not started:
                    self.skip_space()
                else:
                    self.in_command = False
                    self.skip_space()
                    return "".join(out), True, self.done
            elif self.ch == "\n":
                return "".join(out), True, self.done
            else:
                out.append(self.ch)
            started = True

    def _argument(self) -> tuple[str, bool, bool]:
        out: list[str] = []
        quoted = escape = False
        while True:
            self.next()
            if self.done:
                return "".join(out), False, True
            ch = self.ch
            if ch == "\\":
                out.append("\\")
                if not escape:
                    escape = True
                    continue
            elif ch == "\n":
                if not quoted:
                    self.in_command = True
                    return "".join(out), False, self.done
                out.append("\n")
            elif ch == '"':
                out.append('"')
                if not escape:
                    quoted = not quoted
            elif ch == " ":
                if not quoted:
                    self.skip_space()
                    return "".join(out), False, self.done
                out.append(" ")
            else:
                out.append(ch)
            escape = False


def obfuscate_redis(text: str) -> str:
    """Go's ``ObfuscateRedisString``."""
    tokenizer = _RedisTokenizer(text)
    parts: list[str] = []
    command = ""
    args: list[str] = []
    while True:
        token, is_command, done = tokenizer.scan()
        if is_command:
            if command:
                parts.append(_obfuscate_command(command, args) + "\n")
            command = token
            args = []
        else:
            args.append(token)
        if done:
            parts.append(_obfuscate_command(command, args))
            return "".join(parts)


def obfuscate_memcached(text: str) -> str:
    """Go's ``ObfuscateMemcachedString`` with ``keep_command``: the command line only."""
    return text.split("\r\n", 1)[0].strip(_GO_SPACE)
