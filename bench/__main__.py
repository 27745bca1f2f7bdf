"""`python -m bench store|http|ws|replay|import|heavy|lab|ceiling|all|report [options]`"""

from __future__ import annotations

import argparse
import importlib
import sys
import time

BENCHMARKS = {
    "store": "bench.store",
    "http": "bench.http_load",
    "ws": "bench.fanout",
    "replay": "bench.replay",
    "import": "bench.import_bounds",
    "heavy": "bench.heavy",
    "lab": "bench.lab",
    "ceiling": "bench.ceiling",
}


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="name", required=True)
    for name, module in BENCHMARKS.items():
        mod = importlib.import_module(module)
        summary = " ".join((mod.__doc__ or "").strip().split("\n\n")[0].split())
        p = sub.add_parser(name, help=summary.split("`: ", 1)[-1])
        mod.add_arguments(p)
    sub.add_parser("all", help="every benchmark with its default sizes, then the report (about 30-40 minutes)")
    sub.add_parser("report", help="regenerate the tables in docs/PERFORMANCE.md from bench/results/*.json")
    args = parser.parse_args(argv)
    if args.name == "report":
        from .report import main as report

        report()
        return
    if args.name == "all":
        t0 = time.time()
        for name, module in BENCHMARKS.items():
            print(f"== {name} ==", flush=True)
            mod = importlib.import_module(module)
            p = argparse.ArgumentParser()
            mod.add_arguments(p)
            extra = ["--profile"] if any(a.dest == "profile" for a in p._actions) else []
            mod.main(p.parse_args(extra), ["all:", name, *extra])
            if name == "http":  # the same load from httpx clients, to show what a heavier client costs
                mod.main(p.parse_args(["--client", "httpx", "--tag", "httpx-client", "--engines", "sqlite"]),
                         ["all:", name, "--client", "httpx", "--tag", "httpx-client", "--engines", "sqlite"])
        from .report import main as report

        report()
        print(f"all benchmarks in {time.time() - t0:.0f} s")
        return
    importlib.import_module(BENCHMARKS[args.name]).main(args, argv)


if __name__ == "__main__":
    main()
