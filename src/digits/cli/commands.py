"""The sub-commands; each takes the parsed arguments and prints its result."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from pathlib import Path

from digits.cli.params import parse_params
from digits.cli.progress import count_bar, download_bar, epoch_bar
from digits.cli.tables import format_table, percent
from digits.errors import InputError
from digits.evaluation import write_report
from digits.evaluation.report import read_metrics
from digits.models.pretrained import shipped_model_dir
from digits.models.registry import get_model_class, list_models
from digits.runs import RunConfig, checkpoint_dir_for, evaluate_saved, process_rank, train_run


def cmd_models(args: argparse.Namespace) -> int:
    """Print every model with its one-line description."""
    names = list_models()
    rows = [(name, get_model_class(name).description) for name in names]
    print(format_table(["model", "description"], rows))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Train, evaluate and save one model; print a summary."""
    config = RunConfig(
        model=args.model,
        params=parse_params(args.model, args.param),
        seed=args.seed,
        out=args.out,
        quick=args.quick,
        data_dir=args.data_dir,
        resume=args.resume,
        renderings=args.renderings,
        row_marks=args.row_marks,
        flagged_ones=args.flagged_ones,
        init=args.init,
    )
    main_process = process_rank() == 0
    show = not args.no_progress and main_process
    if main_process:
        print(f"Training {config.model}{' (quick)' if config.quick else ''} ...", file=sys.stderr)
    try:
        with (
            download_bar(show) as on_download,
            count_bar("render digits", show, unit="img") as on_render,
            count_bar("cut rows into marks", show, unit="row") as on_rows,
            epoch_bar(config.model, show) as on_epoch,
        ):
            result = train_run(config, on_epoch=on_epoch, on_download=on_download, on_render=on_render, on_rows=on_rows)
    except KeyboardInterrupt:
        if args.out is not None and checkpoint_dir_for(args.out).exists():
            print(f"Continue with: digits train {config.model} --out {args.out} --resume", file=sys.stderr)
        raise
    if result is None:
        return 0
    test = result.test
    rows = [
        ("validation accuracy", percent(result.val.accuracy)),
        ("test accuracy", percent(test.accuracy)),
        ("test macro F1", f"{test.metrics['macro_f1']:.4f}"),
        ("fit time", f"{test.fit_seconds:.1f} s"),
        ("predict time", f"{1000 * test.seconds_per_image:.3f} ms/image"),
        ("model size", f"{(test.model_size_bytes or 0) / 1e6:.2f} MB"),
        ("run folder", str(result.out)),
    ]
    print(format_table([config.model, ""], rows))
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate a saved model; print a table or one JSON object."""
    with download_bar(not args.no_progress) as on_download:
        model_dir = args.model_dir or shipped_model_dir()
        result, images = evaluate_saved(
            model_dir,
            split=args.split,
            limit=args.limit,
            data_dir=args.data_dir,
            runtime=args.runtime,
            on_download=on_download,
        )
    if args.out is not None:
        write_report(result, args.out, images=images)
    summary = result.to_dict()
    if args.json:
        print(json.dumps(summary))
        return 0
    rows = [
        ("model", result.model),
        ("split", f"{result.split} ({result.n} images)"),
        ("accuracy", percent(result.accuracy)),
        ("macro F1", f"{summary['macro_f1']:.4f}"),
        ("log-loss", f"{summary['log_loss']:.4f}"),
        ("macro AUC", f"{summary['macro_auc']:.5f}"),
        ("predict time", f"{1000 * result.seconds_per_image:.3f} ms/image"),
    ]
    print(format_table([str(model_dir), ""], rows))
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """Print the metrics of several run folders side by side."""
    runs = [(run, read_metrics(run)) for run in args.runs]
    if args.json:
        print(json.dumps([{"run": str(run), **m} for run, m in runs]))
        return 0
    headers = ["run", "model", "split", "n", "accuracy", "macro F1", "log-loss", "fit s", "ms/image", "size MB"]
    rows = [
        (
            str(run),
            m.get("model"),
            m.get("split"),
            m.get("n"),
            m.get("accuracy"),
            m.get("macro_f1"),
            m.get("log_loss"),
            m.get("fit_seconds"),
            None if m.get("predict_seconds_per_image") is None else 1000 * m["predict_seconds_per_image"],
            None if m.get("model_size_bytes") is None else m["model_size_bytes"] / 1e6,
        )
        for run, m in runs
    ]
    print(format_table(headers, rows))
    return 0


def cmd_benchmark(args: argparse.Namespace) -> int:
    """Train (or reuse) each model, measure it, print one table and write benchmark.json."""
    from digits.benchmark import benchmark_run, write_benchmark
    from digits.data.mnist import load_mnist
    from digits.runs import default_run_dir

    root = args.out or default_run_dir("benchmark")
    if args.real:
        return _benchmark_real(args, root)
    runs = list(args.runs)
    show = not args.no_progress
    for name in args.models or ([] if runs else list_models()):
        config = RunConfig(model=name, out=root / name, quick=args.quick, data_dir=args.data_dir, seed=args.seed)
        print(f"Training {name}{' (quick)' if args.quick else ''} ...", file=sys.stderr)
        with download_bar(show) as on_download, epoch_bar(name, show) as on_epoch:
            result = train_run(config, on_epoch=on_epoch, on_download=on_download)
        if result is None:  # a torchrun rank other than 0
            return 0
        runs.append(result.out)
    test_images = load_mnist(args.data_dir).test.images
    rows = [benchmark_run(run, test_images, runtime=args.runtime) for run in runs]
    root.mkdir(parents=True, exist_ok=True)
    write_benchmark(rows, root)
    if args.json:
        print(json.dumps([asdict(row) for row in rows]))
        return 0
    headers = ["model", "test acc", "macro F1", "train s", "img/s", "latency ms", "params", "size MB"]
    table = [
        (
            r.model,
            percent(r.accuracy),
            r.macro_f1,
            r.train_seconds,
            round(r.images_per_second),
            r.latency_ms,
            r.parameters,
            r.size_bytes / 1e6,
        )
        for r in rows
    ]
    print(format_table(headers, table))
    print(f"\nResults: {root}", file=sys.stderr)
    return 0


def _benchmark_real(args: argparse.Namespace, root: Path) -> int:
    """``benchmark --real``: score recognizers on the photo, drawn and string sets built from MNIST test digits."""
    from digits.evaluation.real import evaluate_real
    from digits.fileio import atomic_write_json
    from digits.recognizer import Recognizer

    if args.models:
        raise InputError("--real scores saved models: pass them with --from RUN_DIR (or none for the shipped model).")
    folders = list(args.runs) or [shipped_model_dir()]
    results = []
    for folder in folders:
        print(f"Scoring {folder} on {args.n_per_set} pictures per set ...", file=sys.stderr)
        recognizer = Recognizer(folder, min_confidence=args.min_confidence, runtime=args.runtime)
        result = evaluate_real(recognizer, n_per_set=args.n_per_set, seed=args.seed or 0, data_dir=args.data_dir)
        results.append({"run": str(folder), "min_confidence": args.min_confidence, **result})
    atomic_write_json(root / "real.json", results)
    if args.json:
        print(json.dumps(results))
        return 0
    headers = ["run", "photo acc", "photo reject", "drawn acc", "drawn reject", "strings exact", "strings per digit"]
    rows = [
        (
            r["run"],
            percent(r["photo"]["accuracy"]),
            percent(r["photo"]["reject_rate"]),
            percent(r["drawn"]["accuracy"]),
            percent(r["drawn"]["reject_rate"]),
            percent(r["strings"]["exact_accuracy"]),
            percent(r["strings"]["digit_accuracy"]),
        )
        for r in results
    ]
    print(format_table(headers, rows))
    print(f"\nResults: {root / 'real.json'}", file=sys.stderr)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Export a torch model folder to ONNX and print the file written."""
    from digits.models.onnx_runtime import export_model_dir

    print(export_model_dir(args.model_dir))
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit and record a saved model's temperature; print it with the ECE before and after."""
    from digits.runs import calibrate_saved

    with download_bar(not args.no_progress) as on_download:
        c = calibrate_saved(args.model_dir, data_dir=args.data_dir, on_download=on_download)
    rows = [
        ("temperature", f"{c['temperature']:.4f}"),
        ("ECE before", f"{c['ece_before']:.4f}"),
        ("ECE after", f"{c['ece_after']:.4f}"),
        ("fitted on", f"{c['fitted_on']} ({c['n']} images)"),
    ]
    print(format_table([str(args.model_dir), ""], rows))
    return 0
