"""Every model with every loss and stabiliser: a short run of each cell, scored, against floors (issue 30).

    python bench/matrix.py --epochs=5 --seeds=1 --write_docs        # every model x every cell -> docs/matrix.md
    python bench/matrix.py --models=gan --epochs=5 --seeds=1 --write_docs   # gan's section only; others stay
    python bench/matrix.py --models=dcgan --cells=lsgan,hinge        # some cells, printed only
    python bench/matrix.py --models=dcgan --cell_seeds=minibatch_discrimination=1,2 --write_docs  # a close cell

A cell is the model's default recipe with one choice made on the command line (CELLS), which brings its
paper's settings for the options not given (docs/flags.md); the `recipe` cell is the default itself. Each run
is bench/quality.py's (`--tag=<cell> --extra=<the cell's flags>`, the same run names, a finished run is not
trained again). A cell passes its floors when the samples are not collapsed (class entropy >= 2.0 of the 2.30
possible, recall >= 0.2) and its FID is at most 3 times the `recipe` cell's. A cell close to a floor is
trained at more seeds (--cell_seeds); the `recipe` cell then trains at them too, its table has a row for each
set of seeds, and each cell's FID floor is the recipe's mean over the cell's own seeds.
"""

import shlex
import sys
from pathlib import Path

from absl import app, flags

sys.path.insert(0, str(Path(__file__).resolve().parent))
import quality  # noqa: E402  (bench/quality.py: its flags, and its runs)

from tfganzoo import config as config_lib  # noqa: E402

CELLS = {
    "recipe": "",
    "ns": "--loss=ns --penalty=none",
    "minimax": "--loss=minimax --penalty=none",
    "wgan+clip": "--loss=wgan --penalty=none",
    "wgan-gp": "--loss=wgan --penalty=wgan-gp",
    "hinge": "--loss=hinge --penalty=none",
    "lsgan": "--loss=lsgan --penalty=none",
    "dragan": "--loss=ns --penalty=dragan",
    "r1": "--loss=ns --penalty=r1",
    "spectral_norm": "--spectral_norm",
    "minibatch_discrimination": "--minibatch_discrimination",
}
FLOORS = {"class_entropy": 2.0, "recall": 0.2}
FID_FACTOR = 3.0  # a cell's FID may be at most this times its model's `recipe` cell's
ACCURACY = ("label_accuracy", "code_accuracy")

flags.DEFINE_list("cells", list(CELLS), f"Cells to train and tabulate: {', '.join(CELLS)}.")
flags.DEFINE_multi_string(
    "cell_seeds",
    [],
    "CELL=S1,S2,...: the seeds of one cell in place of --seeds (two where a cell is close to its floor); repeatable.",
)
flags.DEFINE_string(
    "matrix_doc", "docs/matrix.md", "Where --write_docs writes each model's section (under --docs_root); others stay."
)
TITLE = "Every model with every loss and stabiliser"
FLAGS = flags.FLAGS
FLAGS.set_default("log_dir", "logs/matrix")
FLAGS.set_default("seeds", ["1"])
FLAGS.set_default("eval_every", 0)  # scored once, after training


def floors_missed(scores, recipe_fid):
    """The floors a cell's scores miss, e.g. ["recall 0.12 < 0.2"]."""
    missed = [f"{name} {scores[name]:.2f} < {floor}" for name, floor in FLOORS.items() if scores[name] < floor]
    if recipe_fid is not None and scores["fid"] > FID_FACTOR * recipe_fid:
        missed.append(f"FID {scores['fid']:.1f} > {FID_FACTOR:g} x {recipe_fid:.1f}")
    return missed


def chosen_cells():
    """--cells, after the `recipe` cell (the FID floor's reference), which is always there."""
    return ["recipe"] + [cell for cell in FLAGS.cells if cell != "recipe"]


def config_of(model, cell):
    """The Config train.py makes of the cell's command for `model` (its recipe and choices resolved)."""
    return config_lib.config_from_args([f"--model={model}", f"--dataset={FLAGS.dataset}", *shlex.split(CELLS[cell])])


def parsed_cell_seeds():
    """{cell: [seeds]} of --cell_seeds; a one-line error for a bad entry."""
    seeds = {}
    for entry in FLAGS.cell_seeds:
        cell, _, listed = entry.partition("=")
        if cell not in CELLS or not listed:
            sys.exit(
                f"bench/matrix.py: error: --cell_seeds={entry}: expected CELL=S1,S2 with CELL among {', '.join(CELLS)}"
            )
        seeds[cell] = listed.split(",")
    return seeds


def seed_sets():
    """The distinct sets of seeds the chosen cells use, --seeds first: the recipe's table has a row for each."""
    sets = [FLAGS.seeds] + [seeds for cell, seeds in parsed_cell_seeds().items() if cell in FLAGS.cells]
    return [list(seeds) for seeds in dict.fromkeys(tuple(seeds) for seeds in sets)]


def seeds_of(cell):
    """The seeds a cell trains at: --cell_seeds's, else --seeds; the recipe's: every seed of seed_sets()."""
    if cell != "recipe":
        return parsed_cell_seeds().get(cell, FLAGS.seeds)
    return list(dict.fromkeys(seed for seeds in seed_sets() for seed in seeds))


def train_cell(model, cell):
    """{seed: metrics.json} of the cell's runs (bench/quality.py trains what has not finished)."""
    return {seed: quality.train(model, "default", seed, tag=cell, extra=CELLS[cell]) for seed in seeds_of(cell)}


def train_row(model):
    """{cell: its runs}. A cell whose choice the model's recipe already makes (gan's minibatch discrimination)
    is not trained again: it holds the recipe cell's runs, the same object."""
    recipe, row = config_of(model, "recipe"), {}
    for cell in chosen_cells():
        same = cell != "recipe" and config_of(model, cell) == recipe
        row[cell] = row["recipe"] if same else train_cell(model, cell)
    return row


def mean(reports, name):
    values = [report["scores"][name] for report in reports.values() if name in report["scores"]]
    return sum(values) / len(values) if values else None


def of_seeds(reports, seeds):
    return {seed: report for seed, report in reports.items() if seed in seeds}


def table(results):
    """Markdown: a row per model and cell (its flags), the mean scores over the seeds, and the floors it misses
    (the recipe: a row per set of seeds the cells use; another cell's seeds are named where they are not
    --seeds)."""
    lines = [
        "| model | cell | flags | FID | recall | class entropy | label or code accuracy | floors |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for model, by_cell in results.items():
        rows = []
        for cell, runs in by_cell.items():
            same = cell != "recipe" and runs is by_cell.get("recipe")  # train_row: the recipe's own runs
            sets = seed_sets() if cell == "recipe" else [FLAGS.seeds if same else seeds_of(cell)]
            rows += [(cell, same, seeds, of_seeds(runs, seeds)) for seeds in sets]
        for cell, same, seeds, reports in rows:
            scores = {name: mean(reports, name) for name in ("fid", "recall", "class_entropy", *ACCURACY)}
            accuracy = next((scores[name] for name in ACCURACY if scores[name] is not None), None)
            recipe_fid = mean(of_seeds(by_cell["recipe"], seeds), "fid") if "recipe" in by_cell else None
            missed = floors_missed(scores, None if cell == "recipe" else recipe_fid)
            name = f"`{cell}` (the recipe)" if same else f"`{cell}`"
            name += "" if seeds == FLAGS.seeds else f" (seeds {', '.join(seeds)})"
            lines.append(
                f"| `{model}` | {name} | {f'`{CELLS[cell]}`' if CELLS[cell] else '–'} | {scores['fid']:.1f} | "
                f"{scores['recall']:.2f} | {scores['class_entropy']:.2f} | "
                f"{'–' if accuracy is None else f'{accuracy:.3f}'} | "
                f"{'missed: ' + '; '.join(missed) if missed else 'met'} |"
            )
    return "\n".join(lines)


def section(model, by_cell, identity):
    """docs/matrix.md's section of one model (a block of its own, so that models are measured apart): how it
    was made, and its table."""
    sweep = " ".join(f"--{name}={','.join(FLAGS[name].value)}" for name in ("cells", "seeds"))
    sweep += "".join(f" --cell_seeds={entry}" for entry in FLAGS.cell_seeds)
    run = f"python train.py --model={model} --dataset={FLAGS.dataset} --epochs={FLAGS.epochs} --seed=S"
    return "\n".join(
        [
            f"## `{model}`",
            "",
            f"Generated by `python bench/matrix.py --models={model} {sweep} --epochs={FLAGS.epochs} --write_docs`. "
            f"Each cell is `{run}` with the cell's flags, for seeds {', '.join(FLAGS.seeds)} (the mean; a cell "
            f"named with its seeds: those), scored "
            f"after training by {identity}. Floors: class entropy >= {FLOORS['class_entropy']} (of 2.30), recall "
            f">= {FLOORS['recall']}, and FID at most {FID_FACTOR:g} times the `recipe` cell's.",
            "",
            table({model: by_cell}),
        ]
    )


def main(argv):
    del argv
    unknown = [cell for cell in FLAGS.cells if cell not in CELLS]
    if unknown:
        sys.exit(f"bench/matrix.py: error: unknown cells {', '.join(unknown)}; valid choices: {', '.join(CELLS)}")
    parsed_cell_seeds()  # a bad entry is refused before anything trains
    results = {model: train_row(model) for model in FLAGS.models}
    print(table(results))
    if FLAGS.write_docs:
        path = Path(FLAGS.docs_root) / FLAGS.matrix_doc
        for model, by_cell in results.items():
            try:
                identity = quality.cards.identity([r for runs in by_cell.values() for r in runs.values()])
            except ValueError as e:
                sys.exit(f"bench/matrix.py: error: --write_docs: {model}: {e}")
            block = section(model, by_cell, identity)
            quality.cards.write_between_markers(path, block, TITLE, key=model, script="bench/matrix.py")
        print(f"wrote {path}: the sections of {', '.join(results)}")


if __name__ == "__main__":
    app.run(main)
