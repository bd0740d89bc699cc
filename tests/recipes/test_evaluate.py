import json
import os

import numpy as np

from igdtf.data.corruptions.names import CORRUPTIONS
from igdtf.models import build_model

from tests.conftest import tiny_cnn
from tests.recipes.test_recipes import ROOT, _run


def _shapes_model(path, seed=0):
    import keras

    keras.utils.set_random_seed(seed)
    build_model("small_cnn", (32, 32, 3), 10, [0.5] * 3, [0.24] * 3, width=4).save(path)
    return path


def _evaluate_two_shapes_models(tmp_path, *flags):
    """`python -m igdtf.evaluate` of models a and b (two seeds) on 12 Shapes test images in batches
    of 6, with `flags` (which include --output_dir)."""
    a = _shapes_model(str(tmp_path / "a.keras"), 0)
    b = _shapes_model(str(tmp_path / "b.keras"), 1)
    return _run("igdtf.evaluate", f"--model=a={a}", f"--model=b={b}", "--dataset=shapes",
                "--dataset_option=num_samples=12", "--batch_size=6", *flags)


def test_cli_writes_report_tables_outcomes_and_figures(tmp_path):
    out = tmp_path / "eval"
    done = _evaluate_two_shapes_models(
        tmp_path, "--attribution=gradient_shap", "--pgd_steps=1", "--ina_fractions=0.01", "--rn_fractions=0.1",
        "--ioa_centres=1", "--ioa_radius=1", "--severities=1,5", "--figure_images=2", f"--output_dir={out}")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert set(report["models"]) == {"a", "b"}
    assert set(report["models"]["a"]["gaussian_noise"]) == {"1", "5"}
    protocol = report["protocol"]
    assert protocol["num_samples"] == 12 and protocol["dataset_options"] == {"num_samples": 12}
    assert protocol["batch_size"] == 6 and protocol["split"] == "test"
    assert protocol["evaluators"]["PGDAccuracy"]["attack"]["steps"] == 1
    assert protocol["settings"]["ioa_radius"] == 1
    markdown = (out / "report.md").read_text()
    assert "Table 1" in markdown and "Table 7" in markdown and "| a |" in markdown
    assert np.load(out / "outcomes.npz")["b/ina2[gradient_shap]@0.01"].shape == (12,)
    for name in ("error_curves.png", "ioa_curves.png", "corruption_curves.png", "attributions_gradient_shap.png",
                 "attributions_gradcam.png"):
        assert (out / name).read_bytes()[:4] == b"\x89PNG", name
        assert f"]({name})" in markdown
    assert "Table 1" in done.stdout
    assert not (out / "robustbench").exists()  # only runs with AutoAttack write RobustBench model info
    assert "batch/s" in done.stderr or "s/batch" in done.stderr  # the progress bar


def test_autoattack_suite_reports_each_attack_the_ensemble_and_the_sanity_checks(tmp_path):
    out = tmp_path / "eval"
    done = _evaluate_two_shapes_models(
        tmp_path, "--suite=pgd,autoattack", "--pgd_steps=2", "--autoattack_epsilon=4", "--undefended=a",
        "--figure_images=0", "--robustbench_protocol", f"--output_dir={out}")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["protocol"]["robustbench_protocol"] and report["protocol"]["max_samples"] == 10_000
    assert report["protocol"]["suites"] == ["pgd", "autoattack", "sanity"]  # sanity comes with them
    attack = report["protocol"]["evaluators"]["AutoAttackAccuracy"]["attack"]
    assert attack["version"] == "standard" and attack["norm"] == "linf" and attack["epsilon"] == 4 / 255
    for name, summary in report["models"].items():
        after = summary["autoattack_acc_after"]
        assert list(after) == ["apgd-ce", "apgd-t", "fab-t", "square"]
        assert summary["clean_acc"] >= after["apgd-ce"] >= after["square"] == summary["autoattack_acc"]
        checks = {c["name"]: c["passed"] for c in report["robustness_checks"][name]}
        assert checks["eps0_gives_clean_accuracy"] is True and checks["outputs_are_logits"] is True
        assert "autoattack_acc_not_above_pgd_acc" in checks
        assert ("undefended_model_broken_by_pgd" in checks) == (name == "a")
    markdown = (out / "report.md").read_text()
    assert "## Adversarial accuracy (%): autoattack" in markdown and "## Robustness sanity checks" in markdown
    assert "Other measurements" not in markdown  # every robustness key has its own section
    assert np.load(out / "outcomes.npz")["b/autoattack_acc_after@fab-t"].shape == (12,)
    for name, summary in report["models"].items():  # RobustBench-style model info
        info = json.loads((out / "robustbench" / f"{name}.json").read_text())
        failed = [c["name"] for c in report["robustness_checks"][name] if c["passed"] is False]
        assert info == {
            "name": name, "dataset": "shapes", "threat_model": "Linf", "eps": "4/255",
            "clean_acc": f"{100 * summary['clean_acc']:.2f}",
            "autoattack_acc": f"{100 * summary['autoattack_acc']:.2f}", "n_examples": 12,
            "autoattack_version": "standard", "additional_data": False, "number_forward_passes": 1,
            "unreliable": bool(failed), "failed_checks": failed,
            "igdtf_version": report["protocol"]["versions"]["igdtf"], "command": info["command"]}
        assert "--suite=pgd,autoattack" in info["command"] and "--robustbench_protocol" in info["command"]


def test_corruptions_suite_runs_all_nineteen_and_reports_the_mce(tmp_path):
    out = tmp_path / "eval"
    done = _evaluate_two_shapes_models(
        tmp_path, "--suite=clean,corruptions", "--corruptions=all", "--severities=1,5", "--mce_baseline=b",
        "--figure_images=0", f"--output_dir={out}")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    assert report["protocol"]["evaluators"]["GeneratedCorruptions"]["corruptions"] == list(CORRUPTIONS)
    for corruption in CORRUPTIONS:
        assert set(report["models"]["a"][corruption]) == {"1", "5"}
        assert np.load(out / "outcomes.npz")[f"a/{corruption}@5"].shape == (12,)
    errors = report["corruption_errors"]
    assert errors["baseline"] == "b" and len(errors["mce_corruptions"]) == 15
    assert errors["mce"]["b"] in (1.0, None)  # the baseline's own mCE (None if it made no error somewhere)
    markdown = (out / "report.md").read_text()
    assert "## Mean corruption error (mCE, %) relative to b" in markdown
    assert "## Frost error rate (%) by severity" in markdown and "spatter (extra)" in markdown


def test_bad_inputs_are_refused_with_clear_messages_before_any_work(tmp_path):
    good = _shapes_model(str(tmp_path / "good.keras"))
    small = str(tmp_path / "small.keras")
    tiny_cnn().save(small)
    base = [f"--model=a={good}", "--dataset=shapes", f"--output_dir={tmp_path / 'out'}"]
    cases = {
        "Unknown suite 'foo'. Allowed: alignment, autoattack, clean, corruptions, gini, ina, ioa, pgd, rn, sanity":
            ["--suite=clean,foo"],
        "--autoattack_epsilon=0 must be a finite number > 0, in 1/255 units of the pixel range":
            ["--suite=autoattack", "--autoattack_epsilon=0"],
        "--epsilon=-1 must be a finite number >= 0, in 1/255 units of the pixel range (e.g. --epsilon=8 for 8/255)":
            ["--epsilon=-1"],
        "--step_size=nan must be a finite number >= 0": ["--step_size=nan"],
        "--autoattack_epsilon=-3 must be a finite number > 0": ["--autoattack_epsilon=-3"],  # no AutoAttack: checked
        "flag --autoattack_version=fast: value should be one of": ["--suite=autoattack", "--autoattack_version=fast"],
        "--undefended names zz, not among the --model names (a)": ["--undefended=zz"],
        "Unknown attribution 'lime'. Allowed: gradient_shap": ["--attribution=saliency,lime"],
        "INA fraction must be in (0, 1], received 0.0": ["--ina_fractions=0,0.01"],
        "RN fraction must be in (0, 1], received 1.5": ["--rn_fractions=0.1,1.5"],
        "Unknown split of imagenet100 'test'. Allowed: train, validation": ["--dataset=imagenet100", "--split=test"],
        "Unknown dataset 'mnist'. Allowed: a built-in name (cifar10, cifar100": ["--dataset=mnist"],
        "Suites pgd, gini, ina, rn, ioa, corruptions, sanity need image datasets; spheres holds vectors": ["--dataset=spheres"],
        "--model must be NAME=PATH": ["--model=justapath.keras"],
        "--model b=/no/such.keras: no such .keras file": ["--model=b=/no/such.keras"],
        "--model name 'a' is given twice": [f"--model=a={good}"],
        "Unknown --dataset_option 'colour'. Allowed: num_samples, texture_amplitude": ["--dataset_option=colour=1"],
        "severity must be an integer in 1..5, received 0": ["--severities=0,1"],
        "Unknown channel reduction 'avg'": ["--gini_global_channels=avg"],
        "lacks": [f"--corruptions_dir={tmp_path}"],
        "The corruption folder /no/such/imagenet-c does not exist": ["--corruptions_dir=/no/such/imagenet-c"],
        "--dataset_option texture_amplitude takes float or int (a Python literal, e.g. 0.0157 not 4/255), "
        "received '4/255'": ["--dataset_option=texture_amplitude=4/255"],
        "--dataset_option num_samples takes int or None": ["--dataset_option=num_samples=ten"],
        "ILSVRC2012": ["--dataset=imagenet100", "--split=validation"],
        "--robustbench_protocol evaluates the first 10000 images; drop --max_samples=5":
            ["--robustbench_protocol", "--max_samples=5"],
        "--robustbench_protocol evaluates shapes's test split, not 'train'; drop --split":
            ["--robustbench_protocol", "--split=train"],
        "Models to compare must share input shape and class count": [f"--model=b={small}"],
        "Corruptions: give 'all' alone or a list of names": ["--suite=corruptions", "--corruptions=all,fog"],
        "Unknown corruption 'smoke'. Allowed: brightness": ["--suite=corruptions", "--corruptions=smoke"],
        "--mce_baseline=zz must name one of the --model names (a)": ["--suite=corruptions", "--mce_baseline=zz"],
    }
    argvs = [base + extra for extra in cases.values()]
    argvs.append([f"--model=a={small}", "--dataset=shapes", f"--output_dir={tmp_path / 'out'}"])
    done = _run_script(json.dumps(argvs))
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout.strip().splitlines()[-1])
    for (message, extra), result in zip(cases.items(), results):
        assert result["error"] and message in result["error"], (extra, result)
        assert not result["evaluated"], extra
        if "share input shape" not in message:
            assert result["models_loaded"] == 0, (extra, result)
    mismatch = results[-1]
    # The 32x32 Shapes images are resized to the model's 8x8; its 3 classes still do not fit.
    assert "Model a takes (8, 8, 3) images with 3 classes, but dataset shapes has (8, 8, 3) images with 10" \
        in mismatch["error"]
    assert not mismatch["evaluated"]


def test_alignment_suite_reports_table_2_on_spheres(tmp_path):
    import keras

    paths = []
    for seed in (0, 1):
        keras.utils.set_random_seed(seed)
        paths.append(str(tmp_path / f"m{seed}.keras"))
        build_model("mlp", (500,), 2, [0.0], [0.05], hidden=(8,)).save(paths[-1])
    out = tmp_path / "eval"
    done = _run("igdtf.evaluate", f"--model=a={paths[0]}", f"--model=b={paths[1]}", "--dataset=spheres",
                "--dataset_option=num_samples=20", "--batch_size=10", "--suite=clean,alignment",
                "--alignment_steps=2", f"--output_dir={out}")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((out / "report.json").read_text())
    for name in ("a", "b"):
        row = report["alignment"]["table"][name]
        assert set(row) >= {"clean_acc", "eps50_linf", "eps50_l2", "alpha_dx", "alpha_x"}
        assert -1 <= row["alpha_dx"] <= 1 and 0 <= row["alpha_x"] <= 1
    assert set(report["alignment"]["correlations"]) == {"alpha_dx~eps50_linf", "alpha_dx~eps50_l2",
                                                         "alpha_x~eps50_linf", "alpha_x~eps50_l2"}
    assert "Lanfredi et al., Table 2" in (out / "report.md").read_text()


def test_a_bad_flag_exits_with_code_2_and_one_line(tmp_path):
    done = _run("igdtf.evaluate", "--model=a=/x.keras", "--dataset=shapes", "--suite=nope",
                f"--output_dir={tmp_path}", timeout=120)
    assert done.returncode == 2
    assert "error: Unknown suite 'nope'" in done.stderr
    assert "Traceback" not in done.stderr


def _run_script(argument):
    import subprocess
    import sys

    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, os.path.join(ROOT, "tests", "recipes", "evaluate_bad_inputs.py"),
                           argument], capture_output=True, text=True, env=env, timeout=300, cwd=ROOT)


def test_cli_reproduces_the_quickstart_report_on_its_models(tmp_path):
    """On the quickstart's --smoke configuration (about 35 s of CPU time for both commands)."""
    quick = tmp_path / "quick"
    done = _run("igdtf.recipes.quickstart", "--smoke", f"--output_dir={quick}")
    assert done.returncode == 0, done.stderr[-3000:]
    models = [f"--model={name}={quick / name / 'model.keras'}" for name in ("standard", "pgdat", "igd")]
    done = _run("igdtf.evaluate", *models, "--dataset=shapes", "--dataset_option=num_samples=64",
                "--batch_size=64", "--pgd_steps=2", "--ina_fractions=0.01,0.02", "--suite=clean,pgd,gini,ina",
                "--figure_images=0", f"--output_dir={tmp_path / 'eval'}")
    assert done.returncode == 0, done.stderr[-3000:]
    expected = json.loads((quick / "report.json").read_text())["models"]
    got = json.loads((tmp_path / "eval" / "report.json").read_text())["models"]
    for name, summary in expected.items():
        assert {key: got[name][key] for key in summary} == summary
