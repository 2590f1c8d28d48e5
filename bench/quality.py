"""The README's quality tables and curves: train each configuration over several seeds, then tabulate metrics.json.

    python bench/quality.py --epochs=5 --seeds=1,2 --dataset=fashion_mnist              # every model
    python bench/quality.py --models=cgan --epochs=20 --presets=default,tutorial --plot_dir=docs/curves

Each run is `python train.py --model=M --preset=P --epochs=E --seed=S --run_name=<M>[-<dataset>][-<tag>][-<P>]-s<S>
--log_dir=LOG_DIR --eval_every=... EXTRA...` (the preset is left out of the name for `default`; the dataset
is in it for translation models, which train on several); a run directory that already has its metrics.json
is not trained again, so the table can be rebuilt (or a cut-short
sweep finished) by rerunning the same command. Prints a Markdown table with one row per model and preset:
each score as mean ± half the spread over the seeds, and the command. With --plot_dir, also <model>.png there:
FID, recall and label/code accuracy against epochs (each run's metrics.csv), every preset and seed. --also
puts finished `default` runs of other tags (candidates trained earlier) beside them, in the table and plot:

    python bench/quality.py --models=infogan --presets=default,tutorial --also=g5 --epochs=20 --plot_dir=docs/curves
"""

import csv
import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

from absl import app, flags
from matplotlib.figure import Figure

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import cards  # noqa: E402  (bench/cards.py)

from tfganzoo import models  # noqa: E402  (the registry)

SCORES = ("fid", "kid", "precision", "recall", "label_accuracy", "code_accuracy")
TRANSLATION_SCORES = ("l1", "psnr", "ssim", "class_preservation", "fid", "cycle_l1_a", "cycle_l1_b")
CURVES = (
    ("fid", "FID"),
    ("recall", "recall"),
    ("label_accuracy", "label accuracy"),
    ("code_accuracy", "code accuracy"),
    ("l1", "L1"),
    ("ssim", "SSIM"),
    ("class_preservation", "class preservation"),
    ("cycle_l1_a", "cycle L1 (A)"),
)

flags.DEFINE_list("models", list(models.NOISE_MODELS), "Models to train.")
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
flags.DEFINE_bool(
    "write_docs",
    False,
    "Also write the results into the docs (bench/cards.py): each model's table into its card "
    "docs/results/<model>.md and the means into README.md's headline table.",
)
flags.DEFINE_bool("draw_grids", False, "Also draw docs/images/<model>.png from each model's first default run.")
flags.DEFINE_string("docs_root", str(ROOT), "Where the README.md and docs/ that --write_docs writes are.")
FLAGS = flags.FLAGS
flags.register_multi_flags_validator(
    ["plot_dir", "eval_every"],
    lambda f: not (f["plot_dir"] and f["eval_every"] < 1),
    "--plot_dir plots the --eval_every curves: give --eval_every=1 or more, or leave out --plot_dir",
)


def run_dir(model, preset, seed, tag=None):
    tag = FLAGS.tag if tag is None else tag
    dataset = [FLAGS.dataset] if model in models.TRANSLATION_MODELS else []  # one model, several sets of pairs
    parts = [model] + dataset + [tag] * bool(tag) + [preset] * (preset != "default") + [f"s{seed}"]
    return ROOT / FLAGS.log_dir / "-".join(parts)


def command(model, preset, seed, tag=None, extra=None):
    """The train.py command of a run; tag and extra: the sweep's (--tag, --extra) unless given."""
    extra = FLAGS.extra if extra is None else extra
    return [
        "python",
        "train.py",
        f"--model={model}",
        f"--preset={preset}",
        f"--dataset={FLAGS.dataset}",
        f"--epochs={FLAGS.epochs}",
        f"--seed={seed}",
        f"--log_dir={FLAGS.log_dir}",
        f"--run_name={run_dir(model, preset, seed, tag).name}",
        f"--eval_every={FLAGS.eval_every}",
    ] + shlex.split(extra)


def train(model, preset, seed, tag=None, extra=None):
    """metrics.json of the run (model, preset, seed), training it first unless it already finished."""
    report = run_dir(model, preset, seed, tag) / "metrics.json"
    if not report.exists():
        run = command(model, preset, seed, tag, extra)
        print("$", shlex.join(run), file=sys.stderr, flush=True)
        if subprocess.run([sys.executable] + run[1:], cwd=ROOT).returncode:
            # train.py has said why, in one line above.
            sys.exit(f"bench/quality.py: error: the run {run_dir(model, preset, seed, tag)} did not finish")
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


def targets(report):
    """The targets drawn on the curves: recall 0.5, label accuracy at the evaluation classifier's own accuracy on
    the real test images, code accuracy 0.75."""
    classifier_accuracy = report["features"].get("test_accuracy")
    return {
        "recall": 0.5,
        "code_accuracy": 0.75,
        **({"label_accuracy": classifier_accuracy} if classifier_accuracy else {}),
    }


def figure_name(model):
    """<model>.png, or for a translation model <model>-<dataset>.png (one per dataset of pairs)."""
    return f"{model}-{FLAGS.dataset}.png" if model in models.TRANSLATION_MODELS else f"{model}.png"


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
    translating = all(name in models.TRANSLATION_MODELS for name in FLAGS.models)
    scores = TRANSLATION_SCORES if translating else SCORES
    print(f"| model | preset | {' | '.join(scores)} | command (seeds {', '.join(FLAGS.seeds)}) |")
    print("|---" * (len(scores) + 3) + "|")
    for (model, preset, tag), runs in reports.items():
        cells = [cell([r["scores"][name] for r in runs if name in r["scores"]]) for name in scores]
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
            plot(runs, f"{model} on {FLAGS.dataset}", Path(FLAGS.plot_dir) / figure_name(model), targets(first))
            print(f"wrote {Path(FLAGS.plot_dir) / figure_name(model)}")
    if FLAGS.write_docs:
        try:
            write_docs({key: runs for key, runs in reports.items() if key[2] == FLAGS.tag})
        except ValueError as e:
            sys.exit(f"bench/quality.py: error: --write_docs: {e}")
    if FLAGS.draw_grids:
        for model in FLAGS.models:
            path = Path(FLAGS.docs_root) / "docs" / "images" / figure_name(model)
            cards.draw_grid(run_dir(model, "default", FLAGS.seeds[0]), path)
            print(f"wrote {path}")


def write_docs(reports):
    """The cards' tables and the README's headline table (bench/cards.py) from {(model, preset, tag): reports}."""
    root = Path(FLAGS.docs_root)
    runs_by_model = {}
    for (model, preset, _), runs in reports.items():
        runs_by_model.setdefault(model, {})[preset] = dict(zip(FLAGS.seeds, runs, strict=True))
    cards_dir = root / "docs" / "results"
    for model, runs in runs_by_model.items():
        run_command = [c for c in command(model, "P", "S") if not c.startswith(("--log_dir", "--run_name"))]
        bench_command = (
            [
                "python",
                "bench/quality.py",
                f"--models={model}",
                f"--presets={','.join(runs)}",
                f"--epochs={FLAGS.epochs}",
                f"--seeds={','.join(FLAGS.seeds)}",
                f"--dataset={FLAGS.dataset}",
                f"--log_dir={FLAGS.log_dir}",
            ]
            + ([f"--tag={FLAGS.tag}"] if FLAGS.tag else [])
            + ([f"--extra={FLAGS.extra}"] if FLAGS.extra else [])
            + ([f"--plot_dir={FLAGS.plot_dir}"] if FLAGS.plot_dir else [])
            + ["--write_docs"]
        )
        curves = os.path.relpath(Path(FLAGS.plot_dir) / figure_name(model), cards_dir) if FLAGS.plot_dir else None
        # A translation model's card holds a block per dataset of pairs.
        key = FLAGS.dataset if model in models.TRANSLATION_MODELS else None
        block = cards.card_block(model, runs, shlex.join(run_command), shlex.join(bench_command), curves, key)
        cards.write_between_markers(cards_dir / f"{model}.md", block, title=f"`{model}`", key=key)
        if key:  # the recipe, once, beside the blocks of each dataset
            cards.write_between_markers(cards_dir / f"{model}.md", cards.recipe_block(model), key="recipe")
        print(f"wrote {cards_dir / f'{model}.md'}")
    if set(runs_by_model) != set(models.NOISE_MODELS):  # its table has a row per model, from one sweep
        every = ",".join(models.NOISE_MODELS)
        print(f"README.md's table left as it is: it is written with every model (--models={every})")
        return
    budget = f"{FLAGS.epochs} epochs on {FLAGS.dataset}"
    cards.write_between_markers(root / "README.md", cards.headline_block(runs_by_model, "docs/results", budget))
    print(f"wrote {root / 'README.md'}")


if __name__ == "__main__":
    app.run(main)
