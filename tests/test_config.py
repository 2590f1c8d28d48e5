"""The Config: per-model defaults, overrides, validation and the config.json round trip."""

import dataclasses
import json

import pytest

from conftest import ROOT, config_from_args, with_data_shape
from tfganzoo import config as config_lib
from tfganzoo import losses, models, options
from tfganzoo.config import Config, make_config
from tfganzoo.errors import UserError


def test_model_defaults_apply_unless_overridden():
    config = make_config("cgan", "fashion_mnist")
    assert (
        config.preset,
        config.epochs,
        config.batch_size,
        config.g_lr,
        config.d_lr,
        config.beta_1,
        config.noise_dim,
        config.loss,
        config.spectral_norm,
        config.lr_decay,
        config.mismatched_labels,
        config.mismatch_temperature,
        config.dropout,
        config.ema_decay,
        config.penalty,
    ) == ("default", 20, 64, 2e-4, 5e-4, 0.5, 100, "lsgan", True, True, True, 0.05, 0.0, 0.999, "r1")
    assert make_config("cgan", spectral_norm=False).spectral_norm is False  # --nospectral_norm
    assert config.run_name == "cgan-fashion_mnist" and str(config.run_dir) == "logs/cgan-fashion_mnist"
    gan = make_config("gan")
    assert (gan.batch_size, gan.minibatch_discrimination, gan.ema_decay, gan.lr_decay, gan.d_steps) == (
        32,
        True,
        0.9999,
        False,
        2,
    )
    for conv in ("dcgan", "acgan"):
        defaults = make_config(conv)
        assert (defaults.epochs, defaults.spectral_norm, defaults.ema_decay, defaults.lr_decay) == (
            20,
            True,
            0.999,
            False,
        )
    infogan = make_config("infogan")
    assert (
        infogan.epochs,
        infogan.g_lr,
        infogan.d_lr,
        infogan.ema_decay,
        infogan.lr_decay,
        infogan.spectral_norm,
        infogan.continuous_weight,
    ) == (20, 5e-4, 2e-4, 0.999, False, False, 0.1)
    assert make_config("infogan", preset="tutorial").continuous_weight == 1.0


def test_every_value_a_preset_sets_has_a_flag_that_defaults_to_unset():
    import train  # defines train.py's flags (its main runs only as a script)

    # A flag with a default of its own would always override the preset's value.
    for module in models.MODELS.values():
        for name in {**module.DEFAULTS, **module.TUTORIAL}:
            assert train.FLAGS[name].default is None, f"--{name} should default to None (the preset's)"


@pytest.mark.parametrize("model", sorted(models.NOISE_MODELS))
def test_tutorial_preset_is_the_sources_recipe_and_flags_still_win(model):
    tutorial = models.get_model(model).TUTORIAL
    config = make_config(model, preset="tutorial", noise_dim=7)
    assert config.preset == "tutorial" and config.noise_dim == 7
    assert {name: getattr(config, name) for name in tutorial if name != "noise_dim"} == {
        name: value for name, value in tutorial.items() if name != "noise_dim"
    }


def test_the_cgan_tutorial_preset_is_the_tutorials_recipe():
    config = make_config("cgan", preset="tutorial")
    assert (
        config.epochs,
        config.batch_size,
        config.g_lr,
        config.d_lr,
        config.beta_1,
        config.beta_2,
        config.noise_dim,
        config.loss,
        config.spectral_norm,
        config.d_steps,
        config.lr_decay,
        config.mismatched_labels,
        config.mismatch_temperature,
        config.dropout,
        config.penalty,
    ) == (150, 256, 2e-4, 2e-4, 0.9, 0.999, 100, "ns", False, 1, False, False, 0.0, 0.5, "none")


def test_lr_sets_both_rates_and_separate_rates_win():
    config = make_config("gan", lr=1e-3, d_lr=4e-4)
    assert (config.g_lr, config.d_lr) == (1e-3, 4e-4)


def test_config_json_round_trip(tmp_path):
    config = with_data_shape(make_config("cgan", seed=3))
    config.save(tmp_path / "config.json")
    assert Config.load(tmp_path / "config.json") == config


@pytest.mark.parametrize(
    "options,message",
    [
        (dict(epochs=0), "epochs must be a positive integer, got 0"),
        (dict(batch_size=2.5), "batch_size must be a positive integer, got 2.5"),
        (dict(lr=-1.0), "g_lr must be positive, got -1.0"),
        (dict(beta_1=1.0), r"beta_1 must lie in \[0, 1\), got 1.0"),
        (dict(ema_decay=1.0), r"ema_decay must lie in \[0, 1\), got 1.0"),
        (dict(ema_decay=-0.5), r"ema_decay must lie in \[0, 1\), got -0.5"),
        (dict(loss="wgan2"), "unknown loss 'wgan2'; valid choices: hinge, lsgan, minimax, ns, wgan"),
        (dict(penalty_weight=5.0), "penalty_weight=5.0 needs a penalty; valid choices: wgan-gp, dragan, r1"),
        (dict(clip=0.01, penalty="wgan-gp"), "clip=0.01 and penalty=wgan-gp both constrain"),
        (dict(clip=-1.0), "clip must be positive, got -1.0"),
        (dict(d_steps=0), "d_steps must be a positive integer, got 0"),
        (dict(preset="paper"), "unknown preset 'paper'; valid choices: default, tutorial"),
        (dict(run_name="a/b"), "run_name must be a plain directory name, got 'a/b'"),
        (dict(features="inceptionv4"), "unknown features 'inceptionv4'; valid choices: classifier, inception"),
        (dict(eval_every=-1), "eval_every must be zero or a positive integer, got -1"),
        (dict(eval_samples=5), "eval_samples must be an integer of at least 10, got 5"),
        (dict(final_eval_samples=3), "final_eval_samples must be 0 or at least 10, got 3"),
        (dict(mismatched_labels=True), "mismatched_labels=True is an option of cgan, not of gan"),
        (dict(dropout=0.2), "dropout=0.2 is an option of cgan, not of gan"),
        (dict(mismatch_temperature=0.1), "mismatch_temperature=0.1 is an option of cgan, not of gan"),
        (dict(class_weight=2.0), "class_weight=2.0 is an option of acgan, not of gan"),
        (dict(info_weight=0.5), "info_weight=0.5 is an option of infogan, not of gan"),
        (dict(continuous_weight=0.1), "continuous_weight=0.1 is an option of infogan, not of gan"),
        (dict(num_categorical=5), "num_categorical=5 is an option of infogan, not of gan"),
        (dict(num_continuous=3), "num_continuous=3 is an option of infogan, not of gan"),
    ],
)
def test_invalid_values_are_named(options, message):
    with pytest.raises(UserError, match=message):
        make_config("gan", **options)


@pytest.mark.parametrize(
    "model,options",
    [
        ("cgan", dict(dropout=0.2, mismatched_labels=False)),
        ("cgan", dict(mismatched_labels=True, mismatch_temperature=0.5)),
        ("acgan", dict(class_weight=2.0)),
        ("infogan", dict(info_weight=0.5, continuous_weight=0.1, num_categorical=5, num_continuous=3)),
    ],
)
def test_model_options_are_taken_by_their_model(model, options):
    config = make_config(model, **options)
    assert {name: getattr(config, name) for name in options} == options


def test_cgan_dropout_must_be_a_rate():
    with pytest.raises(UserError, match=r"dropout must lie in \[0, 1\), got 1.0"):
        make_config("cgan", dropout=1.0)


def test_cgan_mismatch_temperature_needs_mismatched_labels_and_no_sign():
    with pytest.raises(UserError, match="mismatch_temperature must be zero or positive, got -0.1"):
        make_config("cgan", mismatch_temperature=-0.1)
    with pytest.raises(UserError, match="mismatch_temperature=0.1 draws the wrong labels of --mismatched_labels"):
        make_config("cgan", mismatched_labels=False, mismatch_temperature=0.1)
    assert make_config("cgan", mismatched_labels=False).mismatch_temperature == 0.0  # not the preset's 0.05


@pytest.mark.parametrize(
    "edit,message",
    [
        (lambda c: c.update(epochs="ten"), "config.json: epochs must be a positive integer, got 'ten'"),
        (
            lambda c: c.update(model="vae"),
            "unknown model 'vae'; valid choices: acgan, cgan, cyclegan, dcgan, gan, infogan",
        ),
        (lambda c: c.update(preset="paper"), "config.json: unknown preset 'paper'; valid choices: default, tutorial"),
        (lambda c: c.update(colour=True), r"config.json: unknown entries \['colour'\]"),
        (lambda c: c.pop("seed"), "config.json: .*missing 1 required .*'seed'"),
    ],
)
def test_hand_edited_config_json_is_refused_clearly(tmp_path, edit, message):
    values = json.loads(json.dumps(with_data_shape(make_config("gan", seed=1)).__dict__))
    edit(values)
    (tmp_path / "config.json").write_text(json.dumps(values))
    with pytest.raises(UserError, match=message):
        Config.load(tmp_path / "config.json")


def test_unreadable_config_json_is_refused(tmp_path):
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(UserError, match="cannot read .*config.json"):
        Config.load(tmp_path / "config.json")


def sample_value(name):
    """A valid value of option `name` other than its default (and other than what presets give it)."""
    field = config_lib.FIELDS[name]
    kind, _ = options.value_type(field)
    default = None if field.default is dataclasses.MISSING else field.default
    if field.metadata["choices"]:
        return next(c for c in field.metadata["choices"]() if c not in (default, field.metadata["flag_default"]))
    if kind is bool:
        return not default
    if kind is int:
        return max(default or 0, 10) + 3
    if kind is float:
        return 0.25 if field.metadata["check"] is options.FRACTION else 2.5
    return "elsewhere"


def option_model(name):
    """A model the option applies to, where it conflicts with nothing the model's preset sets."""
    owners = config_lib.FIELDS[name].metadata["models"]
    return owners[0] if owners else "gan"


@pytest.mark.parametrize("name", [name for name, f in config_lib.FIELDS.items() if f.metadata["flag"]])
def test_every_option_has_a_flag_and_is_recorded_in_config_json(name, tmp_path):
    value = sample_value(name)
    model = value if name == "model" else option_model(name)
    args = [f"--{name}={value}", f"--model={model}"] if name != "model" else [f"--model={value}"]
    if name in ("penalty_weight", "penalty_every"):
        args.append("--penalty=r1")
    if name == "mismatch_temperature":
        args.append("--mismatched_labels")
    config = config_from_args(*args)
    assert getattr(config, name) == value
    config.save(tmp_path / "config.json")
    assert json.loads((tmp_path / "config.json").read_text())[name] == value
    assert getattr(Config.load(tmp_path / "config.json"), name) == value


def test_the_tutorials_flag_spellings_set_their_options():
    config = config_from_args("--BATCH_SIZE=12", "--LOG_PATH=runs", "--MODEL_PATH=saved")
    assert (config.batch_size, config.log_dir, config.weights_dir) == (12, "runs", "saved")


def test_help_shows_each_presets_values_by_model():
    fields = config_lib.FIELDS
    expected = "Presets: default: 64 (cyclegan 16, gan 32); tutorial: 64 (cgan 256, cyclegan 1, pix2pix 1)."
    assert options.flag_help(fields["batch_size"]).endswith(expected)
    assert options.flag_help(fields["dropout"]).startswith("cgan: ")  # an option of one model says so
    assert "gan, vanilla MLP GAN (Goodfellow et al. 2014)" in options.flag_help(fields["model"])
    assert options.flag_default(fields["batch_size"]) is None and options.flag_default(fields["save_every"]) == 15


def test_the_flags_reference_in_docs_is_generated_from_the_declarations():
    reference = (ROOT / "docs" / "flags.md").read_text()
    assert reference == config_lib.flags_reference(), "regenerate: python -m tfganzoo.config > docs/flags.md"
    assert (
        "| `--batch_size` (`--BATCH_SIZE`) | int | presets: default: 64 (cyclegan 16, gan 32); "
        "tutorial: 64 (cgan 256, cyclegan 1, pix2pix 1) |" in reference
    )


def test_a_chosen_loss_or_penalty_brings_its_papers_recipe():
    config = make_config("dcgan", loss="wgan")
    assert (config.g_lr, config.d_lr, config.beta_1, config.beta_2, config.clip, config.d_steps) == (
        5e-5,
        5e-5,
        0.0,
        0.99,
        0.01,
        5,
    )
    config = make_config("dcgan", loss="wgan", penalty="wgan-gp")  # the penalty's recipe, and no clipping
    assert (config.g_lr, config.d_lr, config.beta_1, config.beta_2, config.clip, config.d_steps) == (
        1e-4,
        1e-4,
        0.0,
        0.9,
        None,
        5,
    )
    # What the preset already gave (dcgan's d_lr 1e-4) is not listed as brought.
    assert config.brought == (
        "g_lr=0.0001 beta_1=0.0 beta_2=0.9 d_steps=5 from --penalty=wgan-gp "
        "(Gulrajani et al. 2017, algorithm 1: Adam 1e-4, betas (0, 0.9), 5 critic steps)"
    )
    assert make_config("dcgan", loss="ns") == make_config("dcgan")  # ns and no penalty bring nothing
    assert make_config("dcgan").brought is None


@pytest.mark.parametrize(
    "choice,options",
    [
        ({"loss": "minimax"}, {"minibatch_discrimination": False}),
        ({"loss": "lsgan"}, {"minibatch_discrimination": False, "d_steps": 1}),
        ({"loss": "wgan"}, {"minibatch_discrimination": False, "spectral_norm": False}),
        # kept: measured better with them (hinge), or worse without them (the penalties' recall)
        ({"loss": "hinge"}, {"minibatch_discrimination": True, "spectral_norm": True}),
        ({"penalty": "wgan-gp"}, {"minibatch_discrimination": True, "spectral_norm": True}),
        ({"penalty": "dragan"}, {"minibatch_discrimination": True, "spectral_norm": True}),
    ],
)
def test_a_loss_whose_paper_had_no_minibatch_discrimination_or_spectral_norm_turns_them_off(choice, options):
    # gan's default has both; under them minimax and lsgan collapsed in the first epoch on Fashion-MNIST and
    # the clipped WGAN critic scored fakes above reals (docs/results/gan.md#what-a-chosen-loss-brings).
    config = make_config("gan", **choice)
    assert {name: getattr(config, name) for name in options} == options
    assert make_config("gan", **choice, minibatch_discrimination=True).minibatch_discrimination  # given: it wins


def test_lsgan_takes_the_dense_batch_norm_off_the_models_that_have_it():
    # With it, infogan under lsgan stayed on one image for 5 epochs (docs/matrix.md#infogan).
    for model in ("acgan", "infogan"):
        assert make_config(model).dense_batch_norm
        config = make_config(model, loss="lsgan")
        assert not config.dense_batch_norm and "dense_batch_norm=False" in config.brought
        assert make_config(model, loss="lsgan", dense_batch_norm=True).dense_batch_norm  # given: it wins
    # The models without that layer are not told to drop it.
    for model in ("gan", "dcgan", "cyclegan"):
        assert "dense_batch_norm" not in (make_config(model, loss="lsgan").brought or "")


def test_a_penalty_replaces_only_what_came_with_the_clipping():
    # wgan's clip, spectral norm and minibatch discrimination give way to the model's; hinge's spectral norm stays.
    assert make_config("gan", loss="wgan", penalty="wgan-gp").spectral_norm
    assert make_config("gan", loss="wgan", penalty="wgan-gp").minibatch_discrimination
    assert make_config("infogan", loss="hinge", penalty="r1").spectral_norm


@pytest.mark.parametrize("loss", ["hinge", "lsgan", "r1"])
def test_hinge_lsgan_and_r1_keep_the_models_own_rates(loss):
    # Measured: their papers' rates for both networks trained dcgan far worse than its own 1e-3 / 1e-4.
    plain = make_config("dcgan")
    config = make_config("dcgan", penalty="r1") if loss == "r1" else make_config("dcgan", loss=loss)
    betas = (0.0, 0.99) if loss == "r1" else (0.5, 0.999)
    assert (config.g_lr, config.d_lr, config.beta_1, config.beta_2) == (plain.g_lr, plain.d_lr, *betas)
    assert "g_lr" not in (config.brought or "") and "d_lr" not in (config.brought or "")


def test_options_given_win_over_what_the_loss_brings():
    config = make_config("dcgan", loss="wgan", lr=3e-4, d_steps=2)
    assert (config.g_lr, config.d_lr, config.d_steps, config.clip, config.beta_1) == (3e-4, 3e-4, 2, 0.01, 0.0)
    assert config.brought.startswith(
        "beta_1=0.0 beta_2=0.99 clip=0.01 spectral_norm=False from --loss=wgan (Arjovsky et al. 2017"
    )
    config = config_from_args("--model=dcgan", "--loss=wgan", "--beta_2=0.999")  # a flag set to its default
    assert (config.beta_2, config.d_steps) == (0.999, 5)


@pytest.mark.parametrize("model", models.MODELS)
def test_every_loss_and_penalty_chosen_on_every_model_gives_a_valid_config(model):
    for loss in losses.LOSSES:
        for penalty in losses.PENALTIES:
            if penalty != "none" and model == "cyclegan":  # two discriminators: a penalty takes one
                with pytest.raises(UserError, match=f"penalty={penalty} .* cyclegan trains two"):
                    make_config(model, loss=loss, penalty=penalty)
                continue
            make_config(model, loss=loss, penalty=penalty)  # validated: no clip beside a penalty, for one


def test_choosing_what_the_preset_has_already_changes_nothing():
    # cgan's default recipe trains with lsgan and r1 at its own measured rates.
    assert make_config("cgan", loss="lsgan", penalty="r1") == make_config("cgan")
    wgan = make_config("cgan", loss="wgan")  # a new loss beside the preset's penalty: the rates, no clipping
    assert (wgan.g_lr, wgan.d_steps, wgan.clip, wgan.penalty) == (5e-5, 5, None, "r1")
