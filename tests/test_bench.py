"""The benchmark scripts: bench/throughput.py in a tiny mode, bench/quality.py's table and curves."""

import json
import subprocess
import sys

import pytest
from PIL import Image

from conftest import ROOT, run_main
from tfganzoo import models

sys.path.insert(0, str(ROOT / "bench"))
import cards  # noqa: E402  (bench/cards.py)

pytestmark = pytest.mark.slow


def run_bench(script, *args):
    """Runs a bench/ script from the repository root, as a user would, in a new process; returns the
    CompletedProcess. For the cases where what the script's own train.py runs print is checked."""
    return subprocess.run(
        [sys.executable, f"bench/{script}", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def run_bench_main(script, *args):
    """The same in this process (conftest.run_main): the cases that start no train.py, or only the benchmark's
    own measuring processes."""
    return run_main(f"bench/{script}", *args)


def test_throughput_benchmark_runs_in_a_tiny_mode():
    result = run_bench_main(
        "throughput.py",
        "--models=gan",
        "--variants=tutorial,fit",  # not `default`: its XLA compilation would double the test's time
        "--rounds=1",
        "--windows=1",
        "--window_steps=20",
        "--num_images=256",
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert "| model | batch | tutorial | fit |" in lines
    batch = models.get_model("gan").DEFAULTS["batch_size"]  # the benchmark's default: each model's own
    row = next(line for line in lines if line.startswith(f"| `gan` | {batch} |"))
    assert row.count("x)") == 1 and row.count("MiB") == 2


def test_throughput_variants_name_train_py_options_or_are_refused():
    result = run_bench_main("throughput.py", "--models=cgan", "--variants=default,default+penalty_wieght=1")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "unknown option 'penalty_wieght' in variant 'default+penalty_wieght=1'" in result.stderr


def test_quality_benchmark_tabulates_finished_runs_and_plots_their_curves(tmp_path):
    # Finished runs (nothing is trained), one of them a candidate tagged g4 to show beside the presets.
    for name, fid in (("cgan-s1", 50.0), ("cgan-tutorial-s1", 300.0), ("cgan-g4-s1", 40.0)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "metrics.json").write_text(
            json.dumps(
                {
                    "num_samples": 100,
                    "scores": {"fid": fid, "recall": 0.25, "label_accuracy": 0.75},
                    "features": {"architecture": "convnet", "test_accuracy": 0.91, "weights_sha256": "ab"},
                }
            )
        )
        (tmp_path / name / "metrics.csv").write_text(
            f"epoch,fid,recall,label_accuracy\n1,400,0,0.1\n2,{fid},0.25,0.75\n"
        )
    result = run_bench_main(
        "quality.py",
        "--models=cgan",
        "--presets=default,tutorial",
        "--also=g4",
        "--seeds=1",
        "--epochs=2",
        f"--log_dir={tmp_path}",
        f"--plot_dir={tmp_path}/plots",
    )
    assert result.returncode == 0, result.stderr
    assert "| cgan | default | 50.000 | – | – | 0.250 | 0.750 | – |" in result.stdout
    assert "| cgan | tutorial | 300.000 |" in result.stdout and "--preset=tutorial" in result.stdout
    assert "| cgan | default (g4) | 40.000 |" in result.stdout and "the `--tag=g4` runs (cgan-g4-sS)" in result.stdout
    with Image.open(tmp_path / "plots" / "cgan.png") as png:  # FID, recall and label accuracy side by side
        assert png.size[0] > 2.5 * png.size[1]


def test_quality_benchmark_refuses_another_tag_that_has_not_finished(tmp_path):
    result = run_bench_main("quality.py", "--models=cgan", "--also=g4", "--seeds=1", f"--log_dir={tmp_path}")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"--also=g4: {tmp_path}/cgan-g4-s1/metrics.json does not exist" in result.stderr
    assert not list(tmp_path.iterdir())  # nothing trained


def test_quality_benchmark_refuses_curves_without_evaluations(tmp_path):
    result = run_bench_main("quality.py", "--eval_every=0", f"--plot_dir={tmp_path}", f"--log_dir={tmp_path}")
    assert result.returncode != 0
    assert "--plot_dir plots the --eval_every curves" in result.stderr and "Traceback" not in result.stderr
    assert not list(tmp_path.iterdir())  # nothing trained


def test_quality_benchmark_stops_with_one_line_when_a_run_fails(tmp_path):
    result = run_bench(
        "quality.py",
        "--models=cgan",
        "--presets=default",
        "--seeds=1",
        "--eval_every=0",
        "--extra=--ema_decay=2",
        f"--log_dir={tmp_path}",
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert r"ema_decay must lie in [0, 1), got 2.0" in result.stderr  # train.py's own reason
    assert f"bench/quality.py: error: the run {tmp_path}/cgan-s1 did not finish" in result.stderr


def test_a_translation_runs_name_holds_its_dataset_of_pairs(tmp_path):
    # pix2pix trains on several datasets into one log directory: a run of one must not stand for another's.
    args = ("--models=pix2pix", "--seeds=1", "--eval_every=0", "--extra=--ema_decay=2", f"--log_dir={tmp_path}")
    result = run_bench("quality.py", "--dataset=grey2colour", *args)
    assert f"the run {tmp_path}/pix2pix-grey2colour-s1 did not finish" in result.stderr


def fake_run(log_dir, name, scores, sha="ab"):
    (log_dir / name).mkdir(parents=True)
    (log_dir / name / "metrics.json").write_text(
        json.dumps(
            {
                "num_samples": 100,
                "scores": scores,
                "features": {
                    "architecture": "convnet",
                    "test_accuracy": 0.91,
                    "weights_sha256": sha,
                    "reference": "test split, 20 images",
                },
            }
        )
    )


def write_docs(log_dir, docs_root, models):
    """bench/quality.py --write_docs on the finished runs of `models` (a comma-separated list) in `log_dir`."""
    args = [f"--models={models}", "--presets=default,tutorial", "--seeds=1,2", "--epochs=2", f"--log_dir={log_dir}"]
    return run_bench_main("quality.py", *args, "--write_docs", f"--docs_root={docs_root}")


def test_quality_benchmark_writes_the_cards_and_the_readme_table_from_the_runs(tmp_path):
    logs, docs = tmp_path / "logs", tmp_path / "root"
    for name, fid, accuracy in (
        ("cgan-s1", 10.0, 0.9),
        ("cgan-s2", 12.0, 0.8),
        ("cgan-tutorial-s1", 100.0, 0.1),
        ("cgan-tutorial-s2", 120.0, 0.3),
    ):
        fake_run(logs, name, {"fid": fid, "precision": 0.5, "recall": 0.25, "label_accuracy": accuracy})
    others = [model for model in models.NOISE_MODELS if model != "cgan"]
    for model in others:
        for preset in ("", "-tutorial"):
            for seed in (1, 2):
                fake_run(logs, f"{model}{preset}-s{seed}", {"fid": 4.0, "precision": 0.7, "recall": 0.6})
    docs.mkdir()
    (docs / "README.md").write_text(f"# zoo\n\n{cards.BEGIN}\nold table\n{cards.END}\n\nmore text\n")
    assert write_docs(logs, docs, "cgan,dcgan").returncode == 0
    assert "old table" in (docs / "README.md").read_text()  # its table is written with every model only
    result = write_docs(logs, docs, ",".join(models.NOISE_MODELS))
    assert result.returncode == 0, result.stderr
    readme = (docs / "README.md").read_text()
    assert readme.startswith("# zoo\n\n") and readme.endswith("\n\nmore text\n") and "old table" not in readme
    assert "Trained 2 epochs on fashion_mnist, seeds 1, 2; each cell is the mean over the seeds." in readme
    (table,) = cards.parse_tables(cards.generated_block(readme))
    assert table[0] == ["model", "preset", "FID", "precision", "recall", "label accuracy"]
    cgan = table.index(["[`cgan`](docs/results/cgan.md)", "`default`", "11.0", "0.50", "0.25", "0.850"])
    assert table[cgan + 1] == ["", "`tutorial`", "110.0", "0.50", "0.25", "0.200"]
    assert ["[`dcgan`](docs/results/dcgan.md)", "`default`", "4.0", "0.70", "0.60", "–"] in table
    assert len(table) == 1 + 2 * len(models.NOISE_MODELS)
    card = (docs / "docs" / "results" / "cgan.md").read_text()
    assert card.startswith("# `cgan`\n")
    recipe, rows = cards.parse_tables(cards.generated_block(card))
    assert recipe[0] == ["option", "`default`", "`tutorial`"] and ["`--batch_size`", "`64`", "`256`"] in recipe
    assert rows[0] == ["preset", "seed", "FID", "precision", "recall", "label accuracy"]
    assert rows[1:4] == [
        ["`default`", "1", "10.0", "0.50", "0.25", "0.900"],
        ["`default`", "2", "12.0", "0.50", "0.25", "0.800"],
        ["`default`", "**mean**", "11.0", "0.50", "0.25", "0.850"],
    ]
    assert "python train.py --model=cgan --preset=P --dataset=fashion_mnist --epochs=2 --seed=S" in card
    assert "classifier `convnet` (test accuracy 0.91, sha256 `ab`)" in card
    # A second run leaves the hand-written parts of a card alone.
    (docs / "docs" / "results" / "cgan.md").write_text(card.replace("# `cgan`\n", "# `cgan`\n\nWhy the recipe.\n"))
    assert write_docs(logs, docs, "cgan").returncode == 0
    assert (docs / "docs" / "results" / "cgan.md").read_text().count("Why the recipe.") == 1


def test_quality_benchmark_refuses_runs_scored_by_different_classifiers(tmp_path):
    fake_run(tmp_path, "dcgan-s1", {"fid": 4.0}, sha="ab")
    fake_run(tmp_path, "dcgan-s2", {"fid": 5.0}, sha="cd")
    result = run_bench_main(
        "quality.py",
        "--models=dcgan",
        "--seeds=1,2",
        "--write_docs",
        f"--log_dir={tmp_path}",
        f"--docs_root={tmp_path}",
    )
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "bench/quality.py: error: --write_docs: the runs were scored by different classifiers" in result.stderr


def test_every_number_of_the_readme_results_table_is_in_its_models_card():
    (table,) = cards.parse_tables(cards.generated_block((ROOT / "README.md").read_text()))
    assert table[0][:2] == ["model", "preset"] and len(table) == 1 + 2 * len(models.NOISE_MODELS)
    model = None
    for row in table[1:]:
        model = row[0].split("`")[1] if row[0] else model
        card_rows = cards.parse_tables(cards.generated_block((ROOT / "docs" / "results" / f"{model}.md").read_text()))[
            -1
        ]
        means = [r for r in card_rows if r[0] == row[1] and r[1] == "**mean**"]
        assert len(means) == 1, (model, row)
        for number in (cell for cell in row[2:] if cell != "–"):
            float(number)  # every cell parses
            assert number in means[0], (model, row[1], number)


def test_matrix_benchmark_tabulates_the_cells_against_their_floors(tmp_path):
    entropy = {"class_entropy": 2.2}
    fake_run(tmp_path, "dcgan-recipe-s1", {"fid": 10.0, "recall": 0.5, **entropy})
    fake_run(tmp_path, "dcgan-lsgan-s1", {"fid": 31.0, "recall": 0.3, **entropy})  # over 3 x 10
    fake_run(tmp_path, "dcgan-hinge-s1", {"fid": 12.0, "recall": 0.1, "class_entropy": 1.5})
    # dcgan's recipe is ns with spectral norm: those cells are its runs (none of their own to train, or this fails).
    args = [
        "--models=dcgan",
        "--cells=lsgan,hinge,ns,spectral_norm",
        f"--log_dir={tmp_path}",
        f"--docs_root={tmp_path}",
    ]
    result = run_bench_main("matrix.py", *args, "--write_docs")
    assert result.returncode == 0, result.stderr
    doc = (tmp_path / "docs" / "matrix.md").read_text()
    assert "| `dcgan` | `recipe` | – | 10.0 | 0.50 | 2.20 | – | met |" in doc
    assert "| `dcgan` | `ns` (the recipe) | `--loss=ns --penalty=none` | 10.0 | 0.50 | 2.20 | – | met |" in doc
    assert "| `dcgan` | `spectral_norm` (the recipe) | `--spectral_norm` | 10.0 |" in doc
    assert (
        "| `dcgan` | `lsgan` | `--loss=lsgan --penalty=none` | 31.0 | 0.30 | 2.20 | – | missed: FID 31.0 > 3 x 10.0 |"
        in doc
    )
    assert "| 12.0 | 0.10 | 1.50 | – | missed: class_entropy 1.50 < 2.0; recall 0.10 < 0.2 |" in doc
    assert "Each cell is `python train.py --model=dcgan --dataset=fashion_mnist --epochs=5 --seed=S` with" in doc
    # Another model's section is written beside it, scored by its own classifier; dcgan's stays as it was.
    fake_run(tmp_path, "gan-recipe-s1", {"fid": 20.0, "recall": 0.4, **entropy}, sha="cd")
    result = run_bench_main("matrix.py", "--models=gan", "--cells=ns", *args[2:], "--write_docs")
    assert result.returncode == 0, result.stderr
    both = (tmp_path / "docs" / "matrix.md").read_text()
    assert both.startswith(doc.rstrip()) and "| `gan` | `ns` (the recipe) |" in both and "`cd`" in both
    result = run_bench_main("matrix.py", *args[:1], *args[2:], "--cells=lsgan,wgan")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "bench/matrix.py: error: unknown cells wgan; valid choices: recipe, ns, minimax" in result.stderr


def test_a_close_cell_trains_at_more_seeds_against_the_recipes_mean_over_them(tmp_path):
    entropy = {"recall": 0.5, "class_entropy": 2.2}
    for name, fid in (("recipe-s1", 10.0), ("recipe-s2", 14.0), ("lsgan-s1", 33.0), ("lsgan-s2", 35.0)):
        fake_run(tmp_path, f"dcgan-{name}", {"fid": fid, **entropy})
    fake_run(tmp_path, "dcgan-hinge-s1", {"fid": 31.0, **entropy})
    args = ["--models=dcgan", "--cells=lsgan,hinge", f"--log_dir={tmp_path}", f"--docs_root={tmp_path}"]
    result = run_bench_main("matrix.py", *args, "--cell_seeds=lsgan=1,2", "--write_docs")
    assert result.returncode == 0, result.stderr
    doc = (tmp_path / "docs" / "matrix.md").read_text()
    assert "| `dcgan` | `recipe` | – | 10.0 | 0.50 | 2.20 | – | met |" in doc
    assert "| `dcgan` | `recipe` (seeds 1, 2) | – | 12.0 | 0.50 | 2.20 | – | met |" in doc
    # 34.0 is within 3 x 12.0 (the recipe over seeds 1 and 2), though not 3 x 10.0 (seed 1 alone).
    assert "| `dcgan` | `lsgan` (seeds 1, 2) | `--loss=lsgan --penalty=none` | 34.0 | 0.50 | 2.20 | – | met |" in doc
    assert (
        "| `dcgan` | `hinge` | `--loss=hinge --penalty=none` | 31.0 | 0.50 | 2.20 | – | missed: FID 31.0 > 3 x 10.0 |"
        in doc
    )
    assert "--cells=lsgan,hinge --seeds=1 --cell_seeds=lsgan=1,2 --epochs=5 --write_docs" in doc
    result = run_bench_main("matrix.py", *args, "--cell_seeds=lsgn=1,2")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert (
        "bench/matrix.py: error: --cell_seeds=lsgn=1,2: expected CELL=S1,S2 with CELL among recipe, ns" in result.stderr
    )


def fake_curve(log_dir, name, rows):
    """A finished run whose metrics.csv has one row (epoch, train_seconds, fid, recall, label_accuracy) per epoch."""
    fake_run(log_dir, name, {"fid": rows[-1][2]})
    lines = ["epoch,num_samples,train_seconds,fid,recall,class_entropy,label_accuracy"]
    lines += [f"{epoch},100,{seconds},{fid},{recall},2.2,{accuracy}" for epoch, seconds, fid, recall, accuracy in rows]
    (log_dir / name / "metrics.csv").write_text("\n".join(lines) + "\n")


def test_time_to_quality_is_the_first_evaluation_from_which_every_target_holds(tmp_path):
    # default: FID bound 1.5 x 20 = 30; epoch 2 meets it but epoch 3 (accuracy 0.8) does not, so epoch 4 counts.
    fake_curve(
        tmp_path,
        "cgan-s1",
        [(1, 10, 90, 0.1, 0.5), (2, 20, 25, 0.3, 0.95), (3, 30, 28, 0.3, 0.8), (4, 40, 20, 0.3, 0.92)],
    )
    fake_curve(
        tmp_path,
        "cgan-tutorial-s1",
        [(1, 5, 200, 0.0, 0.1), (2, 10, 29, 0.25, 0.9), (3, 15, 31, 0.3, 0.9), (4, 20, 29, 0.3, 0.9)],
    )
    args = ["--models=cgan", "--seeds=1", "--epochs=4", f"--log_dir={tmp_path}", f"--docs_root={tmp_path}"]
    result = run_bench_main("time_to_quality.py", *args, "--write_docs")
    assert result.returncode == 0, result.stderr
    row = "| `cgan` | 1 | 30.0 | 40 s (epoch 4) | 20 s (epoch 4) | 2.00 | 10.0 / 5.0 |"
    assert row in result.stdout
    doc = (tmp_path / "docs" / "time_to_quality.md").read_text()
    assert row in doc and "on 100 generated images" in doc
    assert (tmp_path / "docs" / "time_to_quality.png").stat().st_size > 0
    # The tutorial never holds the bound: a lower bound on the ratio, from its whole run.
    (tmp_path / "cgan-tutorial-s1" / "metrics.csv").write_text(
        "epoch,num_samples,train_seconds,fid,recall,class_entropy,label_accuracy\n1,100,5,200,0,2.2,0.1\n2,100,80,40,0.3,2.2,0.9\n"
    )
    result = run_bench_main("time_to_quality.py", *args)
    assert "| `cgan` | 1 | 30.0 | 40 s (epoch 4) | not within 2 epochs (80 s) | < 0.50 | 10.0 / 40.0 |" in result.stdout


def test_a_card_keeps_one_generated_block_per_dataset_of_pairs():
    text = cards.replace_between_markers("# `pix2pix`\n", "edges v1", key="edges2fashion")
    text = cards.replace_between_markers(text, "colour v1", key="grey2colour")
    text = cards.replace_between_markers(text, "edges v2", key="edges2fashion")
    assert text.count("begin results") == 2 and "edges v2" in text and "colour v1" in text
    assert "edges v1" not in text and "(edges2fashion)" in text and cards.BEGIN not in text
