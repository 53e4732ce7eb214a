"""``digits study``: the preprocessing/feature x model grid, with significance tests and a report."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import sys
from pathlib import Path

from digits.cli.progress import count_bar, download_bar
from digits.cli.tables import format_table, percent
from digits.study.config import BASELINE, FULL, QUICK


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The flags of ``digits study`` (``--data-dir`` and ``--no-progress`` are added by the caller)."""
    p.add_argument(
        "--quick",
        action="store_true",
        help=f"a smaller grid on {QUICK.n_train:,} training and {QUICK.n_test:,} test images, "
        "a few minutes (default: off, the full grid: up to an hour on 2 cores)",
    )
    p.add_argument("--out", type=Path, default=None, help="folder for the report (default: runs/study-TIMESTAMP)")
    p.add_argument("--seed", type=int, default=0, help="seed of the models and the degradations (default: 0)")
    p.add_argument(
        "--models",
        type=_names,
        default=None,
        metavar="A,B",
        help="run only these model families, comma-separated "
        f"(default: all of {', '.join(f.label for f in FULL.families)})",
    )
    p.add_argument(
        "--variants",
        type=_names,
        default=None,
        metavar="A,B",
        help=f"run only these variants, comma-separated; the baseline {BASELINE!r} always runs (default: all)",
    )


def _names(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated names, got {text!r}")
    return names


def _command(args: argparse.Namespace) -> str:
    """The command line that reproduces this grid (the output and data folders left out)."""
    parts = ["digits study", "--quick" if args.quick else "", f"--seed {args.seed}" if args.seed else ""]
    for flag, names in (("--models", args.models), ("--variants", args.variants)):
        if names:
            parts.append(f"{flag} '{','.join(names)}'")
    return " ".join(part for part in parts if part)


def cmd_study(args: argparse.Namespace) -> int:
    """Run the study and print each family's baseline and best clean-test accuracy."""
    from digits.study.runner import run_study  # models, figures and statistics load only when a study runs

    config = dataclasses.replace(QUICK if args.quick else FULL, seed=args.seed)
    config = config.select(args.models, args.variants)
    out = args.out or Path("runs") / f"study-{dt.datetime.now(dt.timezone.utc).strftime('%Y%m%d-%H%M%S')}"
    command = _command(args)
    show = not args.no_progress
    print(f"Study{' (quick)' if args.quick else ''}: {len(config.cells())} cells ...", file=sys.stderr)
    with download_bar(show) as on_download, count_bar("study", show, unit="cell") as on_cell:
        outcome = run_study(
            config, out, data_dir=args.data_dir, progress=on_cell, on_download=on_download, command=command
        )
    clean = [c for c in outcome.cells if c.test_set == "test"]
    rows = []
    for family in config.families:
        own = [c for c in clean if c.family == family.label]
        base = next(c for c in own if c.variant == BASELINE)
        best = min(own, key=lambda c: c.error.rate)
        rows.append((family.label, percent(1 - base.error.rate), best.variant, percent(1 - best.error.rate)))
    print(format_table(["model", "baseline accuracy", "best variant", "best accuracy"], rows))
    print(f"report: {outcome.out / 'report.md'} ({outcome.result.seconds / 60:.1f} min)")
    return 0
