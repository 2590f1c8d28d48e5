"""Shared fixtures: tiny MNIST-format data written by the tests themselves (tests never download)."""

import contextlib
import dataclasses
import gzip
import importlib.util
import io
import os
import re
import struct
import subprocess
import sys
from pathlib import Path

import keras
import numpy as np
import pytest
from absl import app, flags

ROOT = Path(__file__).resolve().parents[1]


def write_idx(path, array):
    """Writes a uint8 array as a gzipped IDX file (MNIST's format)."""
    array = np.asarray(array, np.uint8)
    header = bytes([0, 0, 0x08, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def make_digits(num, seed, image_size=28):
    """Tiny synthetic "digits": class k is a bright bar at row 2k plus noise, so classes really differ."""
    rng = np.random.default_rng(seed)
    labels = np.arange(num) % 10
    images = rng.integers(0, 40, (num, image_size, image_size), dtype=np.uint8)
    for image, label in zip(images, labels, strict=True):
        image[2 * label : 2 * label + 3, 4:-4] = 230
    return images, labels.astype(np.uint8)


# The modules that take longest (a run's --junitxml, summed by module), longest first. The workers take whole
# modules in collection order (setup.cfg: --dist loadscope --no-loadscope-reorder), so the short ones fill in at
# the end and the two workers finish together instead of one starting a long module when the other is nearly done.
LONGEST_MODULES = (
    "test_cli.py",
    "test_resume.py",
    "test_bench.py",
    "test_stabilisers.py",
    "test_real_data.py",
    "test_speed.py",
    "test_evaluate.py",
)


def pytest_collection_modifyitems(items):
    rank = {name: number for number, name in enumerate(LONGEST_MODULES)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: a module's tests keep their order


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Evaluation classifiers trained by the tests are cached in a temporary directory, not ~/.cache."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture(scope="session")
def tiny_idx_dir(tmp_path_factory):
    """A directory of MNIST-format IDX .gz files: 64 training and 20 test images of 10 classes."""
    directory = tmp_path_factory.mktemp("tiny_idx")
    for prefix, num, seed in (("train", 64, 0), ("t10k", 20, 1)):
        images, labels = make_digits(num, seed)
        write_idx(directory / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(directory / f"{prefix}-labels-idx1-ubyte.gz", labels)
    return directory


TINY_PAIRS_SHAPE = (16, 16, 1)  # of the tiny translation pairs: the smallest side pix2pix's default network fits


def with_data_shape(config, image_shape=None, num_classes=10):
    """A Config as training leaves it once the data is known (what config.json holds): 28x28 grey images, or
    for a translation model pairs of TINY_PAIRS_SHAPE on both sides."""
    from tfganzoo import models

    if config.model in models.TRANSLATION_MODELS:
        shape = image_shape or TINY_PAIRS_SHAPE
        return dataclasses.replace(config, image_shape=shape, source_shape=shape, num_classes=num_classes)
    return dataclasses.replace(config, image_shape=image_shape or (28, 28, 1), num_classes=num_classes)


def config_from_args(*args):
    """The Config train.py makes of its command-line arguments, made in this process (no TensorFlow start-up)."""
    from tfganzoo import config as config_lib

    return config_lib.config_from_args(args)


# What run_script gives train.py unless a test names the flag: 100 samples scored after training instead of
# 10,000, and no XLA, whose compilation costs a gan or cgan process about 5 s (tests/test_speed.py checks that
# XLA computes the same steps; test_cli's cgan run keeps the default's XLA end to end).
QUICK_TRAIN_FLAGS = ("--final_eval_samples=100", "--jit_compile=false")


def with_quick_flags(script, args, quick_flags=QUICK_TRAIN_FLAGS):
    """The arguments as strings; for train.py with each of `quick_flags` the arguments do not set."""
    args = list(map(str, args))
    if script != "train.py":
        return args
    named = {arg.partition("=")[0] for arg in args}
    return [*args, *(flag for flag in quick_flags if flag.partition("=")[0] not in named)]


def run_script(script, *args, timeout=300, quick_flags=QUICK_TRAIN_FLAGS):
    """Runs train.py or sample.py as a user would; returns the CompletedProcess (text output)."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": ""}
    return subprocess.run(
        [sys.executable, str(ROOT / script), *with_quick_flags(script, args, quick_flags)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        cwd=ROOT,
    )


SCRIPTS = {}  # script name -> its module, imported once per test process by run_main
ABSL_LOGGING_FLAGS = {flag.name for flag in flags.FLAGS.flags_by_module_dict().get("absl.logging", [])}


def script_module(script):
    """A script (sample.py, evaluate.py, bench/quality.py, ...) imported into this process, its flags moved from
    absl's global FlagValues to the module's own: sample.py and evaluate.py both define --run_dir, --output and
    --seed. A helper script it imports for its flags (bench/matrix.py imports bench/quality.py) reads the same
    FlagValues, and is imported afresh by the next script that imports it."""
    if script not in SCRIPTS:
        others = {name: flags.FLAGS[name] for name in list(flags.FLAGS)}  # set aside: a test may define --features
        for name in others:
            delattr(flags.FLAGS, name)
        imported = set(sys.modules)
        spec = importlib.util.spec_from_file_location(f"script_{Path(script).stem}", ROOT / script)
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        finally:
            module.FLAGS = flags.FlagValues()
            for name in list(flags.FLAGS):  # a flag's short name (-v) comes back with its long name
                if name == flags.FLAGS[name].name:
                    module.FLAGS[name] = flags.FLAGS[name]
                delattr(flags.FLAGS, name)
            for name, flag in others.items():
                if name == flag.name:
                    flags.FLAGS[name] = flag
                    if name in ABSL_LOGGING_FLAGS and name not in module.FLAGS:  # train.py reads --verbosity
                        module.FLAGS[name] = flag
            for name in set(sys.modules) - imported:
                if getattr(sys.modules[name], "FLAGS", None) is flags.FLAGS:
                    sys.modules.pop(name).FLAGS = module.FLAGS
        SCRIPTS[script] = module
    return SCRIPTS[script]


def app_run_exit_code(module, argv):
    """The exit code of absl's app.run(module.main) for `argv`, its messages printed on sys.stderr as app.run
    prints them. Like app.run, it reads a flags.Error as a bad command line only while parsing the flags."""
    try:
        argv = module.FLAGS(argv)
    except flags.Error as e:  # a flag's validator
        print(f"FATAL Flags parsing error: {e}", file=sys.stderr)
        return 1
    try:
        module.main(argv)
    except SystemExit as e:  # the scripts exit with their one-line error as the code
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
        return e.code if isinstance(e.code, int) else 1
    except app.UsageError as e:  # app.run prints the script's usage, then the error
        print(e, file=sys.stderr)
        return e.exitcode
    return 0


def run_main(script, *args):
    """Runs a script's main in this process, as run_script would in a new one (same result fields, train.py
    with the same QUICK_TRAIN_FLAGS), sparing TensorFlow's start-up (about 8 s a process): for the cases
    after the first of each script, which runs in a new process as a user runs it (docs/testing.md). What
    TensorFlow's C++ runtime and the script's own subprocesses print is not in the result's output."""
    module = script_module(script)
    module.FLAGS.unparse_flags()
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        returncode = app_run_exit_code(module, [script, *with_quick_flags(script, args)])
    return subprocess.CompletedProcess([script, *args], returncode, stdout.getvalue(), stderr.getvalue())


# Two ways of computing the same training (one device or two replicas, XLA or TensorFlow's kernels) add in
# different orders. In float32 that rounding can tip a LeakyReLU or maxout unit across its kink, where the
# gradient jumps, and Adam turns near-zero gradients into full steps, so the runs drift apart within a few steps
# by an amount that depends on the CPU's kernels (1e-7 to 1e-2 after 8 steps; docs/testing.md). The comparisons
# therefore run in float64 (keras.config.set_floatx), where the same runs agree to 1e-13 after 8 steps and every
# real difference injected to check them (batch norm not synchronised, noise not sliced per replica, gradients
# summed instead of averaged, label scores from one replica's pairs) moved them by 1e-4 or more.
SAME_COMPUTATION = {"rtol": 1e-9, "atol": 1e-12}
# A float32 step's forward values (the first step's losses, before any update) are continuous in the inputs:
# rounding alone.
FIRST_STEP_FLOAT32 = {"rtol": 1e-5, "atol": 1e-7}


def assert_same_computation(actual, expected, name):
    """Float64 values of two ways of running the same training agree to rounding (SAME_COMPUTATION)."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.dtype != np.float32, f"{name}: compare in float64, not float32"
    np.testing.assert_allclose(actual, expected, **SAME_COMPUTATION, err_msg=name)


@pytest.fixture
def float64():
    """Keras computes and keeps variables in float64 during the test (see SAME_COMPUTATION), float32 after."""
    keras.config.set_floatx("float64")
    keras.config.set_dtype_policy("float64")
    yield
    keras.config.set_floatx("float32")
    keras.config.set_dtype_policy("float32")


# A line of TensorFlow's own C++ runtime log (absl's format: level, date, time, thread, file:line). A run that
# stops mid-fit can get one from tf.data ("NodeDef mentions attribute use_unbounded_threadpool ..."); the
# start-up lines never reach a user (test_cli.py checks), these are not ours to reword.
TF_RUNTIME_LOG = re.compile(r"^[IWE]\d{4} [\d:.]+ +\d+ [\w.]+\.cc:\d+\] ")


def one_line_error(result):
    """The error lines of a failed run, after asserting it failed without a traceback."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line and not TF_RUNTIME_LOG.match(line)]
    return [line for line in lines if line != "Pass --helpshort or --helpfull to see help on flags."]
