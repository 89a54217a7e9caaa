"""Benchmark the synthetic generator: wall time and peak memory.

Usage: python benchmarks/generate.py --people 1000000 [--out /tmp/cdp-bench]

Runs in this process (no subprocess) so `ru_maxrss` is the generator's peak.
"""

import logging
import resource
import sys
import time
from pathlib import Path

import click

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic import generate

TARGET_SECONDS = 600.0
TARGET_BYTES = 2 * 1024**3


@click.command()
@click.option("--people", default=1_000_000, show_default=True)
@click.option("--seed", default=42, show_default=True)
@click.option("--out", default="/tmp/cdp-bench", show_default=True, type=click.Path())
@click.option("--progress/--no-progress", default=True)
def main(people: int, seed: int, out: str, progress: bool) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    started = time.perf_counter()
    summary = generate(people, seed, Path(out), progress=progress)
    wall = time.perf_counter() - started
    # Linux reports ru_maxrss in KiB.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rows = sum(summary["rows"].values())
    lines = [
        f"people: {people:,}  seed: {seed}  landing rows: {rows:,}  out: {out}",
        f"{'figure':<14}{'value':>14}{'target':>14}{'ratio':>8}",
        f"{'wall time':<14}{wall:>12.1f} s{TARGET_SECONDS:>12.0f} s"
        f"{wall / TARGET_SECONDS:>8.2f}",
        f"{'peak RSS':<14}{peak / 1024**3:>10.2f} GiB{2:>10.0f} GiB"
        f"{peak / TARGET_BYTES:>8.2f}",
    ]
    click.echo("\n".join(lines))


if __name__ == "__main__":
    main()
