"""Measures the search: `python scripts/benchmark.py COMMAND [options]`; `COMMAND --help` says what each prints.

Older spellings still work: `--index DIR` (= query), `--http URL`, `--build`, `--scale`, `--scale-corpus SIZES`."""

from __future__ import annotations

import argparse
import importlib
import sys

# subcommand -> its module in scripts/bench, imported only when named: what one imports must not weigh on another's
# figures (scale prints the process's RSS)
COMMANDS = {
    "query": "query",
    "http": "http",
    "latency": "latency",
    "build": "build",
    "scale": "scale",
    "scale-corpus": "scale_corpus",
    "lexical": "lexical",
    "embedders": "embedders",
}


def parser(names: list[str]) -> argparse.ArgumentParser:
    """The command line with these subcommands: one per module of scripts/bench, its docstring as its help."""
    top = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = top.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in names:
        module = importlib.import_module(f"bench.{COMMANDS[name]}")
        doc = module.__doc__ or ""
        sub = commands.add_parser(
            name, help=doc.splitlines()[0], description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
        )
        module.add_arguments(sub)
        sub.set_defaults(run=module.run)
    return top


def modern(argv: list[str]) -> list[str]:
    """The spellings from before the subcommands, rewritten: `--index DIR` was query, `--http URL` http, and so on."""
    if not argv or not argv[0].startswith("-") or argv[0] in ("-h", "--help"):
        return argv
    for flag, command in (("--build", "build"), ("--scale", "scale")):
        if flag in argv:
            return [command] + [a for a in argv if a != flag]
    if "--scale-corpus" in argv:
        return ["scale-corpus"] + ["--sizes" if a == "--scale-corpus" else a for a in argv]
    if "--http" in argv:
        return ["http"] + [a for a in argv if a != "--http"]
    return ["query", *argv]


def main(argv: list[str] | None = None) -> int:
    argv = modern(sys.argv[1:] if argv is None else argv)
    args = parser([argv[0]] if argv and argv[0] in COMMANDS else list(COMMANDS)).parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
