"""The README's quality tables and curves: train each configuration over several seeds, then tabulate metrics.json.

    python bench/quality.py --epochs=5 --seeds=1,2 --dataset=fashion_mnist              # every model
    python bench/quality.py --models=cgan --epochs=20 --presets=default,tutorial --plot_dir=docs/curves

Each run is `python train.py --model=M --preset=P --epochs=E --seed=S --run_name=<M>[-<tag>][-<P>]-s<S>
--log_dir=LOG_DIR --eval_every=... EXTRA...` (the preset is left out of the name for `default`); a run
directory that already has its metrics.json is not trained again, so the table can be rebuilt (or a cut-short
sweep finished) by rerunning the same command. Prints a Markdown table with one row per model and preset:
each score as mean ± half the spread over the seeds, and the command. With --plot_dir, also <model>.png there:
FID, recall and label/code accuracy against epochs (each run's metrics.csv), every preset and seed. --also
puts finished `default` runs of other tags (candidates trained earlier) beside them, in the table and plot:

    python bench/quality.py --models=infogan --presets=default,tutorial --also=g5 --epochs=20 --plot_dir=docs/curves
"""

import csv
import json
import shlex
import subprocess
import sys
from pathlib import Path

from absl import app, flags
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tfganzoo import models  # noqa: E402  (the registry)

SCORES = ("fid", "kid", "precision", "recall", "label_accuracy", "code_accuracy")
CURVES = (
    ("fid", "FID"),
    ("recall", "recall"),
    ("label_accuracy", "label accuracy"),
    ("code_accuracy", "code accuracy"),
)

flags.DEFINE_list("models", list(models.MODELS), "Models to train.")
flags.DEFINE_list("presets", ["default"], "train.py presets (default, tutorial); one table row per model and preset.")
flags.DEFINE_list("seeds", ["1", "2"], "Seeds; each configuration is trained once per seed.")
flags.DEFINE_integer("epochs", 5, "Epochs of every run (the same budget for each row).")
flags.DEFINE_string("dataset", "fashion_mnist", "Dataset.")
flags.DEFINE_string("log_dir", "logs/quality", "Where the runs go.", allow_override=True)
flags.DEFINE_string("tag", "", "Suffix of the run names, for sweeps that differ in EXTRA flags.")
flags.DEFINE_integer("eval_every", 1, "Passed to train.py (curves in each run's metrics.csv / metrics.png).")
flags.DEFINE_string("extra", "", 'More train.py flags, as one string (e.g. "--loss=hinge --d_steps=1").')
flags.DEFINE_list(
    "also",
    [],
    "Tags of finished runs of the default preset (candidates trained earlier with "
    "--tag=T --extra=...) to tabulate and plot beside these, for each model; never trained here.",
)
flags.DEFINE_string("plot_dir", None, "Also write <plot_dir>/<model>.png: curves of every preset and seed.")
FLAGS = flags.FLAGS
flags.register_multi_flags_validator(
    ["plot_dir", "eval_every"],
    lambda f: not (f["plot_dir"] and f["eval_every"] < 1),
    "--plot_dir plots the --eval_every curves: give --eval_every=1 or more, or leave out --plot_dir",
)


def run_dir(model, preset, seed, tag=None):
    tag = FLAGS.tag if tag is None else tag
    parts = [model] + [tag] * bool(tag) + [preset] * (preset != "default") + [f"s{seed}"]
    return ROOT / FLAGS.log_dir / "-".join(parts)


def command(model, preset, seed):
    return [
        "python",
        "train.py",
        f"--model={model}",
        f"--preset={preset}",
        f"--dataset={FLAGS.dataset}",
        f"--epochs={FLAGS.epochs}",
        f"--seed={seed}",
        f"--log_dir={FLAGS.log_dir}",
        f"--run_name={run_dir(model, preset, seed).name}",
        f"--eval_every={FLAGS.eval_every}",
    ] + shlex.split(FLAGS.extra)


def train(model, preset, seed):
    """metrics.json of the run (model, preset, seed), training it first unless it already finished."""
    report = run_dir(model, preset, seed) / "metrics.json"
    if not report.exists():
        print("$", shlex.join(command(model, preset, seed)), file=sys.stderr, flush=True)
        if subprocess.run([sys.executable] + command(model, preset, seed)[1:], cwd=ROOT).returncode:
            # train.py has said why, in one line above.
            sys.exit(f"bench/quality.py: error: the run {run_dir(model, preset, seed)} did not finish")
    return json.loads(report.read_text())


def finished(model, preset, seed, tag):
    """metrics.json of a run of another tag, which must have finished: its flags are not known here."""
    report = run_dir(model, preset, seed, tag) / "metrics.json"
    if not report.exists():
        sys.exit(
            f"bench/quality.py: error: --also={tag}: {report} does not exist; train that run first "
            f"(--tag={tag} with its --extra flags)"
        )
    return json.loads(report.read_text())


def cell(values):
    if not values:
        return "–"
    mean, half_spread = sum(values) / len(values), (max(values) - min(values)) / 2
    return f"{mean:.3f} ± {half_spread:.3f}" if len(values) > 1 else f"{mean:.3f}"


def read_curves(metrics_csv):
    """{column: (epochs, values)} of the CURVES a metrics.csv (written by --eval_every) has."""
    with open(metrics_csv, newline="") as f:
        rows = list(csv.DictReader(f))
    return {
        name: ([int(r["epoch"]) for r in rows], [float(r[name]) for r in rows])
        for name, _ in CURVES
        if rows and name in rows[0]
    }


def plot(runs, title, path, targets=None):
    """One panel per curve any run has. runs: {(preset, seed): read_curves(...)}; a colour per preset, a line
    style per seed; targets: {curve: value} drawn as grey lines."""
    present = [(name, ylabel) for name, ylabel in CURVES if any(name in curves for curves in runs.values())]
    presets = list(dict.fromkeys(preset for preset, _ in runs))
    seeds = list(dict.fromkeys(seed for _, seed in runs))
    figure = Figure(figsize=(4.5 * len(present), 3.6))
    for axes, (name, ylabel) in zip(figure.subplots(1, len(present), squeeze=False)[0], present, strict=True):
        for (preset, seed), curves in runs.items():
            if name in curves:
                axes.plot(
                    *curves[name],
                    ("-", "--", ":", "-.")[seeds.index(seed) % 4],
                    marker=".",
                    color=f"C{presets.index(preset)}",
                    label=f"{preset}, seed {seed}",
                )
        if name in (targets or {}):
            axes.axhline(targets[name], color="grey", linewidth=1, label="target")
        axes.set(
            xlabel="epoch",
            ylabel=ylabel,
            yscale="log" if name == "fid" else "linear",
            ylim=None if name == "fid" else (0, 1),
        )
        axes.grid(alpha=0.3)
        axes.legend(fontsize="small")
    figure.suptitle(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=80)


def targets(report, tutorial_reports):
    """The targets we set: recall 0.5, label accuracy within 5 points of the evaluation classifier's, code
    accuracy 0.7, and FID a third of the tutorial preset's after the same epochs (when it was trained)."""
    label_floor = report["features"].get("test_accuracy")
    tutorial_fid = [r["scores"]["fid"] for r in tutorial_reports]
    return {
        "recall": 0.5,
        "code_accuracy": 0.7,
        **({"label_accuracy": label_floor - 0.05} if label_floor else {}),
        **({"fid": sum(tutorial_fid) / len(tutorial_fid) / 3} if tutorial_fid else {}),
    }


def label(preset, tag):
    """A row's (and a curve's) name: the preset, and the tag of a candidate."""
    return f"{preset} ({tag})" if tag else preset


def main(argv):
    del argv
    others = {
        (model, "default", tag): [finished(model, "default", seed, tag) for seed in FLAGS.seeds]
        for model in FLAGS.models
        for tag in FLAGS.also
    }  # first: a missing one stops before any training
    reports = {
        (model, preset, FLAGS.tag): [train(model, preset, seed) for seed in FLAGS.seeds]
        for model in FLAGS.models
        for preset in FLAGS.presets
    }
    reports.update(others)
    print(f"| model | preset | {' | '.join(SCORES)} | command (seeds {', '.join(FLAGS.seeds)}) |")
    print("|---" * (len(SCORES) + 3) + "|")
    for (model, preset, tag), runs in reports.items():
        cells = [cell([r["scores"][name] for r in runs if name in r["scores"]]) for name in SCORES]
        if tag == FLAGS.tag:
            shown = [
                c for c in command(model, preset, "S") if not c.startswith(("--log_dir", "--run_name", "--eval_every"))
            ]
            how = f"`{shlex.join(shown)}`"
        else:
            how = f"the `--tag={tag}` runs ({run_dir(model, preset, 'S', tag).name})"
        print(f"| {model} | {label(preset, tag)} | {' | '.join(cells)} | {how} |")
    first = next(iter(reports.values()))[0]
    print(
        f"\nfeatures: {first['features']['architecture']}, test accuracy {first['features'].get('test_accuracy')}"
        f", sha256 {first['features'].get('weights_sha256')}; {first['num_samples']} samples per run"
    )
    if FLAGS.plot_dir:
        for model in FLAGS.models:
            runs = {
                (label(preset, tag), seed): read_curves(run_dir(model, preset, seed, tag) / "metrics.csv")
                for (run_model, preset, tag) in reports
                if run_model == model
                for seed in FLAGS.seeds
            }
            plot(
                runs,
                f"{model} on {FLAGS.dataset}",
                Path(FLAGS.plot_dir) / f"{model}.png",
                targets(first, reports.get((model, "tutorial", FLAGS.tag), [])),
            )
            print(f"wrote {Path(FLAGS.plot_dir) / f'{model}.png'}")


if __name__ == "__main__":
    app.run(main)
