"""`python -m igdtf.evaluate --suite=...,alignment --delta_x_generator=G.keras`: ᾱ_Δx with the
indirect Δx of a class-conditional generator on a dataset without a closed-form Δx."""

import json

import numpy as np

from igdtf.generative import conditional_generator

from tests.recipes.test_evaluate import _run_script, _shapes_model
from tests.recipes.test_recipes import _run


def _generator(path, shape=(32, 32, 3), classes=10, seed=0):
    import keras

    keras.utils.set_random_seed(seed)
    conditional_generator(shape, classes, latent_dim=4, width=2).save(path)
    return path


def test_bad_generator_settings_are_refused_before_any_model_loads(tmp_path):
    model = _shapes_model(str(tmp_path / "m.keras"))
    good = _generator(str(tmp_path / "g.keras"))
    base = [f"--model=a={model}", "--dataset=shapes", f"--output_dir={tmp_path / 'out'}"]
    alignment = base + ["--suite=clean,alignment"]
    cases = {
        "--delta_x_generator estimates the Δx of the alignment suite; add it": base + [f"--delta_x_generator={good}"],
        "--delta_x_generator=/no/g.keras: no such .keras file": alignment + ["--delta_x_generator=/no/g.keras"],
        "The generator": alignment + [f"--delta_x_generator={_generator(str(tmp_path / 'g3.keras'), classes=3)}"],
        "The generator outputs shape (8, 8, 1), but the data has shape (32, 32, 3)":
            alignment + [f"--delta_x_generator={_generator(str(tmp_path / 'g8.keras'), shape=(8, 8, 1))}"],
        "--delta_x_projection must be KEY=VALUE with KEY one of steps, learning_rate, prior_weight, tolerance, "
        "objective_tolerance, window, restart_ratio, checks; received 'rate=1'":
            alignment + [f"--delta_x_generator={good}", "--delta_x_projection=rate=1"],
        "--delta_x_projection steps takes an integer, received '1.5'":
            alignment + [f"--delta_x_generator={good}", "--delta_x_projection=steps=1.5"],
        "projection window must be in (0, 1]": alignment + [f"--delta_x_generator={good}",
                                                            "--delta_x_projection=window=2"],
        "--delta_x_projection and --delta_x_projection_cache need --delta_x_generator":
            alignment + ["--delta_x_projection=steps=10"],
    }
    done = _run_script(json.dumps(list(cases.values())))
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for (message, extra), result in zip(cases.items(), results):
        assert result["error"] and message in result["error"], (extra, result)
        assert result["models_loaded"] == 0 and not result["evaluated"], (extra, result)
    assert "makes 3 classes (one-hot input (None, 3)); the data has 10" in results[2]["error"]


def test_alignment_suite_measures_alpha_dx_with_a_generator_and_caches_the_projections(tmp_path):
    models = [f"--model={name}={_shapes_model(str(tmp_path / f'{name}.keras'), seed)}"
              for seed, name in enumerate("ab")]
    cache = tmp_path / "projections.npz"
    common = [*models, "--dataset=shapes", "--dataset_option=num_samples=10", "--batch_size=10",
              "--suite=clean,alignment", "--alignment_steps=1", "--figure_images=0",
              f"--delta_x_generator={_generator(str(tmp_path / 'g.keras'))}", f"--delta_x_projection_cache={cache}"]
    out = tmp_path / "eval"
    done = _run("igdtf.evaluate", *common, "--delta_x_projection=steps=200", f"--output_dir={out}")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    for name in ("a", "b"):
        row = report["alignment"]["table"][name]
        assert set(row) >= {"clean_acc", "eps50_linf", "eps50_l2", "alpha_dx", "alpha_x"}
        assert -1 <= row["alpha_dx"] <= 1 and row["alpha_dx"] != 0
    described = report["protocol"]["evaluators"]
    projection = next(v for v in described.values() if v.get("delta_x") == "tabulated points (indirect estimate)")
    assert projection["projection"]["steps"] == 200 and projection["mean_residual_own_class"] > 0
    with np.load(cache) as cached:
        assert cached["points"].shape == (10, 10, 32, 32, 3)
    # Projections that the check's restart still moves are refused, with the residuals (exit code 2).
    done = _run("igdtf.evaluate", *common, "--delta_x_projection=steps=10", "--delta_x_projection=tolerance=0",
                f"--output_dir={tmp_path / 'eval2'}")
    assert done.returncode == 2, done.stderr[-3000:]
    assert "projections did not converge" in done.stderr and "residual" in done.stderr
    assert "--delta_x_projection steps=N" in done.stderr
