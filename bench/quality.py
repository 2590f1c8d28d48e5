"""The README's quality tables: train each configuration over several seeds, then tabulate metrics.json.

    python bench/quality.py --models=gan,cgan,dcgan,infogan,acgan --epochs=5 --seeds=1,2 --dataset=fashion_mnist

Each run is `python train.py --model=M --epochs=E --seed=S --run_name=<M>[-<tag>]-s<S> --log_dir=LOG_DIR
[--eval_every=...] EXTRA...`; a run directory that already has its metrics.json is not trained again, so the
table can be rebuilt (or a cut-short sweep finished) by rerunning the same command. Prints a Markdown table
with one row per configuration: each score as mean ± half the spread over the seeds, and the command.
"""

import json
import shlex
import subprocess
import sys
from pathlib import Path

from absl import app, flags

ROOT = Path(__file__).resolve().parents[1]
SCORES = ("fid", "kid", "precision", "recall", "label_accuracy", "code_accuracy")

flags.DEFINE_list("models", ["gan", "cgan", "dcgan", "infogan", "acgan"], "Models to train.")
flags.DEFINE_list("seeds", ["1", "2"], "Seeds; each configuration is trained once per seed.")
flags.DEFINE_integer("epochs", 5, "Epochs of every run (the same budget for each row).")
flags.DEFINE_string("dataset", "fashion_mnist", "Dataset.")
flags.DEFINE_string("log_dir", "logs/quality", "Where the runs go.", allow_override=True)
flags.DEFINE_string("tag", "", "Suffix of the run names, for sweeps that differ in EXTRA flags.")
flags.DEFINE_integer("eval_every", 1, "Passed to train.py (curves in each run's metrics.csv / metrics.png).")
flags.DEFINE_string("extra", "", "More train.py flags, as one string (e.g. \"--loss=hinge --d_steps=1\").")
FLAGS = flags.FLAGS


def run_name(model, seed):
    return f"{model}{'-' + FLAGS.tag if FLAGS.tag else ''}-s{seed}"


def command(model, seed):
    return (["python", "train.py", f"--model={model}", f"--dataset={FLAGS.dataset}", f"--epochs={FLAGS.epochs}",
             f"--seed={seed}", f"--log_dir={FLAGS.log_dir}", f"--run_name={run_name(model, seed)}",
             f"--eval_every={FLAGS.eval_every}"] + shlex.split(FLAGS.extra))


def train(model, seed):
    """metrics.json of the run (model, seed), training it first unless it already finished."""
    report = ROOT / FLAGS.log_dir / run_name(model, seed) / "metrics.json"
    if not report.exists():
        print("$", shlex.join(command(model, seed)), file=sys.stderr, flush=True)
        subprocess.run([sys.executable] + command(model, seed)[1:], cwd=ROOT, check=True)
    return json.loads(report.read_text())


def cell(values):
    if not values:
        return "–"
    mean, half_spread = sum(values) / len(values), (max(values) - min(values)) / 2
    return f"{mean:.3f} ± {half_spread:.3f}" if len(values) > 1 else f"{mean:.3f}"


def main(argv):
    del argv
    reports = {model: [train(model, seed) for seed in FLAGS.seeds] for model in FLAGS.models}
    print(f"| model | {' | '.join(SCORES)} | command (seeds {', '.join(FLAGS.seeds)}) |")
    print("|---" * (len(SCORES) + 2) + "|")
    for model, runs in reports.items():
        cells = [cell([r["scores"][name] for r in runs if name in r["scores"]]) for name in SCORES]
        shown = [c for c in command(model, "S") if not c.startswith(("--log_dir", "--run_name", "--eval_every"))]
        print(f"| {model} | {' | '.join(cells)} | `{shlex.join(shown)}` |")
    features = reports[FLAGS.models[0]][0]["features"]
    print(f"\nfeatures: {features['architecture']}, test accuracy {features.get('test_accuracy')}, "
          f"sha256 {features.get('weights_sha256')}; {reports[FLAGS.models[0]][0]['num_samples']} samples per run")


if __name__ == "__main__":
    app.run(main)
