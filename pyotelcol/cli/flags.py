"""Command-line parsing with the behaviour and wording of Go's cobra and pflag.

The Go collector's command line is a cobra command tree with pflag flags, so scripts and Helm
probes see its conventions: ``--flag value`` and ``--flag=value``, flags and arguments in any
order, ``--`` ending the flags, and errors such as ``unknown flag: --foo``,
``flag needs an argument: --config``, ``invalid argument "foo" for "--set" flag: missing equal
sign`` and ``unknown command "foo" for "otelcol"``; every one exits 1 (never argparse's 2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..confmap.errors import go_quote


class FlagError(Exception):
    """A command-line error; ``str()`` is cobra's message (printed after ``Error: ``)."""


@dataclass(frozen=True)
class Flag:
    name: str
    usage: str
    kind: str = "string"  # "string" (last wins), "list" (repeatable), "bool" or "int"
    shorthand: str = ""
    varname: str = ""
    check: Callable[[str], object] | None = None  # raises ValueError with pflag's ``%v`` text


@dataclass(frozen=True)
class Command:
    name: str
    short: str
    flags: tuple[Flag, ...]
    max_args: int = 0
    use: str = ""  # cobra's Use line when it documents arguments
    long: str = ""
    aliases: tuple[str, ...] = ()


@dataclass
class Parsed:
    values: dict[str, Any] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


def parse_bool(text: str) -> bool:
    """Go's strconv.ParseBool."""
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"strconv.ParseBool: parsing {go_quote(text)}: invalid syntax")


def _parse_int(text: str) -> int:
    try:
        return int(text, 0) if text.strip() == text else int("x")
    except ValueError:
        raise ValueError(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax") from None


def _set(parsed: Parsed, flag: Flag, value: str) -> None:
    try:
        if flag.check is not None:
            flag.check(value)
        if flag.kind == "bool":
            parsed.values[flag.name] = parse_bool(value)
        elif flag.kind == "int":
            parsed.values[flag.name] = _parse_int(value)
        elif flag.kind == "list":
            parsed.values.setdefault(flag.name, []).append(value)
        else:
            parsed.values[flag.name] = value
    except ValueError as exc:
        raise FlagError(f'invalid argument {go_quote(value)} for "--{flag.name}" flag: {exc}') from None


def parse(command: Command, argv: Sequence[str]) -> Parsed:
    """pflag's interspersed parsing of ``argv`` against the command's flags."""
    by_name = {f.name: f for f in command.flags}
    by_short = {f.shorthand: f for f in command.flags if f.shorthand}
    parsed = Parsed()
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--":
            parsed.args.extend(args)
            break
        if not arg.startswith("-") or arg == "-":
            parsed.args.append(arg)
            continue
        if arg.startswith("--"):
            name, has_value, value = arg[2:].partition("=")
            if not name or name[0] in "-=":
                raise FlagError(f"bad flag syntax: {arg}")
            flag = by_name.get(name)
            if flag is None:
                raise FlagError(f"unknown flag: --{name}")
            if not has_value:
                if flag.kind == "bool":
                    value = "true"
                elif args:
                    value = args.pop(0)
                else:
                    raise FlagError(f"flag needs an argument: {arg}")
            _set(parsed, flag, value)
            continue
        shorts = arg[1:]
        while shorts:
            char, shorts = shorts[0], shorts[1:]
            flag = by_short.get(char)
            if flag is None:
                raise FlagError(f"unknown shorthand flag: '{char}' in {arg}")
            if shorts.startswith("="):
                _set(parsed, flag, shorts[1:])
                break
            if flag.kind == "bool":
                _set(parsed, flag, "true")
                continue
            if shorts:
                _set(parsed, flag, shorts)
            elif args:
                _set(parsed, flag, args.pop(0))
            else:
                raise FlagError(f"flag needs an argument: '{char}' in {arg}")
            break
    return parsed


def find_subcommand(root: Command, argv: Sequence[str], names: Sequence[str]) -> tuple[str, list[str]]:
    """cobra's Find: the first argument that is not a flag or a flag's value names the
    subcommand (``pyotelcol --config x.yaml validate`` validates); ``("", argv)`` when none does."""
    bools = {f"--{f.name}" for f in root.flags if f.kind == "bool"}
    bools |= {f"-{f.shorthand}" for f in root.flags if f.kind == "bool" and f.shorthand}
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            break
        takes_value = (arg.startswith("--") or (arg.startswith("-") and len(arg) == 2)) and "=" not in arg
        if takes_value and arg not in bools:
            if len(argv) - i <= 2:  # cobra stops here when the value would be the last argument
                break
            i += 2
            continue
        if arg and not arg.startswith("-"):
            if arg in names:
                return arg, [*argv[:i], *argv[i + 1 :]]
            break
        i += 1
    return "", list(argv)


def check_args(command: Command, args: list[str], subcommands: Sequence[str] | None = None) -> None:
    """cobra's argument checks: an unknown subcommand on the root (``subcommands`` given: their
    names, for the suggestions), ``MaximumNArgs`` on a subcommand."""
    if subcommands is not None:
        if args:
            hint = _suggest(args[0], subcommands)
            raise FlagError(f"unknown command {go_quote(args[0])} for {go_quote(command.name)}{hint}")
        return
    if len(args) > command.max_args:
        if command.max_args == 0:
            raise FlagError(f"accepts 0 arg(s), received {len(args)}")
        raise FlagError(f"accepts at most {command.max_args} arg(s), received {len(args)}")


def _distance(a: str, b: str) -> int:
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (ca != cb))
    return row[-1]


def _suggest(typed: str, names: Sequence[str]) -> str:
    """cobra's "Did you mean this?" block: names within distance 2, or starting with the input."""
    low = typed.lower()
    hits = [n for n in names if _distance(low, n.lower()) <= 2 or n.lower().startswith(low)]
    if not hits:
        return ""
    return "\n\nDid you mean this?\n" + "".join(f"\t{n}\n" for n in hits)


# -- help -------------------------------------------------------------------------------------


def _flag_usages(flags: Sequence[Flag]) -> str:
    """pflag's FlagUsages: flags sorted by name, usage text aligned in one column."""
    rows = []
    for flag in sorted(flags, key=lambda f: f.name):
        head = f"  -{flag.shorthand}, --{flag.name}" if flag.shorthand else f"      --{flag.name}"
        if flag.varname:
            head += f" {flag.varname}"
        rows.append((head, flag.usage))
    width = max(len(h) for h, _ in rows)
    return "\n".join(f"{h}{' ' * (width - len(h))}   {u}" for h, u in rows)


def help_text(prog: str, command: Command, subcommands: Sequence[Command] = ()) -> str:
    """cobra's default help: Long (or Short), then the usage block."""
    path = prog if command.name == prog else f"{prog} {command.name}"
    out: list[str] = []
    intro = command.long or command.short
    if intro:
        out += [intro.rstrip(), ""]
    use_line = prog if command.name == prog else f"{prog} {command.use or command.name}"
    out += ["Usage:", f"  {use_line} [flags]"]
    if subcommands:
        out.append(f"  {path} [command]")
    if command.aliases:
        out += ["", "Aliases:", "  " + ", ".join((command.name, *command.aliases))]
    if subcommands:
        pad = max(11, *(len(c.name) for c in subcommands))
        out += ["", "Available Commands:"]
        out += [f"  {c.name:<{pad}} {c.short}" for c in sorted(subcommands, key=lambda c: c.name)]
    out += ["", "Flags:", _flag_usages(command.flags)]
    if subcommands:
        out += ["", f'Use "{path} [command] --help" for more information about a command.']
    return "\n".join(out) + "\n"
