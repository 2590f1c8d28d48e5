"""Time to quality: the training seconds until a model's samples are good, its default recipe against the
tutorial's (issue 33). What a user waits for, rather than images per second.

    python bench/time_to_quality.py --models=cgan --epochs=20 --seeds=1 --write_docs   # -> docs/time_to_quality.md

Each run is bench/quality.py's (the same run names; a finished run is not trained again), evaluated after every
epoch on train.py's --eval_samples generated images; its metrics.csv holds, at each evaluation, the seconds the run had
trained by then (`train_seconds`: the epochs' own time, not the evaluations', sample grids' or checkpoints').
A run reaches quality at the first evaluation from which every later one meets all the TARGETS: FID at most
FID_FACTOR times the default recipe's FID at its last epoch (same seed, same evaluation), and the no-collapse
floors of docs/matrix.md, and for conditional models and InfoGAN a label or code accuracy. Runs are timed one
at a time on the same machine, so the ratio of the two presets' times is the figure to compare.
"""

import csv
import shlex
import sys
from pathlib import Path

from absl import app, flags
from matplotlib.figure import Figure

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # noqa: E402  (bench/quality.py: its flags, and its runs)

FID_FACTOR = 1.5  # of the default recipe's FID after its last epoch
TARGETS = {  # score: the least value that counts as good (FID's bound comes from the default run)
    "recall": 0.2,  # docs/matrix.md's floors: the samples cover the data, none of them collapsed
    "class_entropy": 2.0,
    "label_accuracy": 0.9,  # nine samples in ten the class asked for (the evaluation classifier gets ~0.91 of real)
    "code_accuracy": 0.6,  # ClusterGAN's 0.63 on Fashion-MNIST, rounded down
}
PRESETS = ("default", "tutorial")

flags.DEFINE_string("doc", "docs/time_to_quality.md", "What --write_docs writes (under --docs_root).")
FLAGS = flags.FLAGS
FLAGS.set_default("log_dir", "logs/time_to_quality")
FLAGS.set_default("epochs", 20)
FLAGS.set_default("seeds", ["1"])
FLAGS.set_default("eval_every", 1)


def read_rows(run_dir):
    """metrics.csv of a finished run: one {score: float} per evaluation, in epoch order."""
    with open(run_dir / "metrics.csv", newline="") as f:
        rows = [{name: float(value) for name, value in row.items()} for row in csv.DictReader(f)]
    if not rows or "train_seconds" not in rows[0]:
        sys.exit(f"bench/time_to_quality.py: error: {run_dir}/metrics.csv has no train_seconds; train it again")
    return rows


def meets(row, fid_bound):
    """Whether one evaluation meets every target it has a score for."""
    return row["fid"] <= fid_bound and all(row[name] >= least for name, least in TARGETS.items() if name in row)


def time_to_quality(rows, fid_bound):
    """The row of the first evaluation from which every later one meets the targets, or None."""
    first = None
    for row in rows:
        first = (first or row) if meets(row, fid_bound) else None
    return first


def measure(model, seed):
    """{preset: (rows, row reached or None)}, and the FID bound, for one model and seed."""
    runs = {}
    for preset in PRESETS:
        quality.train(model, preset, seed)
        runs[preset] = read_rows(quality.run_dir(model, preset, seed))
    fid_bound = FID_FACTOR * runs["default"][-1]["fid"]
    return {preset: (rows, time_to_quality(rows, fid_bound)) for preset, rows in runs.items()}, fid_bound


def reached(row, rows):
    if row is None:
        return f"not within {int(rows[-1]['epoch'])} epochs ({rows[-1]['train_seconds']:.0f} s)"
    return f"{row['train_seconds']:.0f} s (epoch {int(row['epoch'])})"


def ratio(results):
    """The default's time to quality over the tutorial's ("< x" when only the default reaches it)."""
    (_, default), (tutorial_rows, tutorial) = results["default"], results["tutorial"]
    if default is None:
        return "–"
    if tutorial is None:
        return f"< {default['train_seconds'] / tutorial_rows[-1]['train_seconds']:.2f}"
    return f"{default['train_seconds'] / tutorial['train_seconds']:.2f}"


def table(measured):
    lines = [
        "| model | seed | FID bound | default: reached after | tutorial: reached after | ratio | "
        "s/epoch default / tutorial |",
        "|---|---|---|---|---|---|---|",
    ]
    for (model, seed), (results, fid_bound) in measured.items():
        per_epoch = " / ".join(f"{rows[-1]['train_seconds'] / rows[-1]['epoch']:.1f}" for rows, _ in results.values())
        cells = [reached(row, rows) for rows, row in results.values()]
        lines.append(f"| `{model}` | {seed} | {fid_bound:.1f} | {' | '.join(cells)} | {ratio(results)} | {per_epoch} |")
    return "\n".join(lines)


def plot(measured, path):
    """FID against training seconds, one panel per model: each preset and seed, and the FID bound."""
    model_names = list(dict.fromkeys(model for model, _ in measured))
    figure = Figure(figsize=(4.5 * len(model_names), 3.6))
    for axes, model in zip(figure.subplots(1, len(model_names), squeeze=False)[0], model_names, strict=True):
        for (run_model, seed), (results, fid_bound) in measured.items():
            if run_model != model:
                continue
            for number, (preset, (rows, row)) in enumerate(results.items()):
                seconds = [r["train_seconds"] for r in rows]
                axes.plot(seconds, [r["fid"] for r in rows], marker=".", color=f"C{number}", label=f"{preset}, s{seed}")
                if row is not None:
                    axes.axvline(row["train_seconds"], color=f"C{number}", linestyle=":", linewidth=1)
            axes.axhline(fid_bound, color="grey", linewidth=1, label=f"FID bound (s{seed})")
        axes.set(title=model, xlabel="training seconds", ylabel="FID", yscale="log")
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=80)


def document(measured, plot_path):
    command = ["python", "bench/time_to_quality.py"] + [
        f"--{name}={','.join(FLAGS[name].value) if isinstance(FLAGS[name].value, list) else FLAGS[name].value}"
        for name in ("models", "seeds", "epochs", "dataset")
    ]
    samples = int(next(iter(measured.values()))[0]["default"][0][0]["num_samples"])
    targets = ", ".join(f"{name} >= {least}" for name, least in TARGETS.items())
    return "\n".join(
        [
            "# Time to quality",
            "",
            f"Generated by `{shlex.join(command + ['--write_docs'])}`; do not edit by hand.",
            "",
            f"Each model's `default` and `tutorial` presets trained {FLAGS.epochs} epochs on {FLAGS.dataset}, one "
            f"run at a time on the same machine, evaluated after every epoch on {samples:,} generated "
            "images. A run reaches quality at the first evaluation from which every later one meets all targets: "
            f"FID at most {FID_FACTOR:g} times the default's FID after its last epoch (the bound), and {targets} "
            "(each where the model has the score). Seconds are training seconds (the epochs' own time, "
            "compilation included; evaluations, sample grids and checkpoints not); the ratio is the default's "
            "time over the tutorial's.",
            "",
            table(measured),
            "",
            f"![FID against training seconds]({Path(plot_path).name})",
            "",
        ]
    )


def main(argv):
    del argv
    measured = {(model, seed): measure(model, seed) for model in FLAGS.models for seed in FLAGS.seeds}
    print(table(measured))
    if FLAGS.write_docs:
        doc = Path(FLAGS.docs_root) / FLAGS.doc
        plot_path = doc.with_suffix(".png")
        plot(measured, plot_path)
        doc.write_text(document(measured, plot_path))
        print(f"wrote {doc} and {plot_path}")


if __name__ == "__main__":
    app.run(main)
