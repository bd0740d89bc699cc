import json
import os
import subprocess
import sys

import keras
import pytest
import tensorflow as tf

from igdtf.data.synthetic import shapes
from igdtf.recipes.quickstart_config import CLAIMS

from tests.export.contract import check_serving_contract
from tests.export.rest import read_golden, serve_rest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*args, timeout=600):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, cwd=ROOT)


def check_quickstart_export(out, tmp_path):
    """The exported IGD model passes the serving contract and answers the golden REST requests."""
    path = os.path.join(out, "export", "igd", "1")
    igd = keras.models.load_model(os.path.join(out, "igd", "model.keras"), compile=False)
    images, _ = shapes.generate_shapes(6, seed=1, texture_amplitude=4 / 255)
    check_serving_contract(path, igd, shapes.CLASS_NAMES, images, str(tmp_path))
    signatures = tf.saved_model.load(path).signatures
    for body in ("predict", "bytes", "saliency"):
        response = serve_rest(signatures, read_golden(f"{body}_request.json"))[3]
        golden = read_golden(f"{body}_response.json")
        assert [sorted(p) for p in response["predictions"]] == [sorted(p) for p in golden["predictions"]]


def test_quickstart_smoke_run_writes_report_and_export_and_resumes(tmp_path):
    out = str(tmp_path / "quick")
    done = _run("igdtf.recipes.quickstart", "--smoke", f"--output_dir={out}")
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(open(os.path.join(out, "report.json")).read())
    assert set(report["models"]) == {"standard", "pgdat", "igd"}
    for summary in report["models"].values():
        for key in ("clean_acc", "pgd_acc", "gini_global", "gini_regional"):
            assert 0.0 <= summary[key] <= 1.0
        assert set(summary["ina1"]) == set(summary["ina2"]) == {"0.01", "0.02"}
    check_quickstart_export(out, tmp_path)
    assert "Table 1" in done.stdout
    assert set(report["claims"]) == set(CLAIMS) and report["protocol"]["seed"] == 0
    assert done.stdout.strip().splitlines()[-4:] == [
        f"Report: {out}/report.md (report.json)", f"Figures: {out}/error_curves.png, {out}/attributions_saliency.png",
        f"IGD SavedModel for TF Serving: {out}/export/igd/1", f"TensorBoard: tensorboard --logdir {out}"]
    checks = {c["name"]: c["passed"] for c in report["robustness_checks"]["pgdat"]}
    assert checks["eps0_gives_clean_accuracy"] is True and checks["outputs_are_logits"] is True
    assert "## Robustness sanity checks" in done.stdout
    assert report["protocol"]["catastrophic_overfitting"] == {"pgdat": [], "igd": []}
    from igdtf.native_bfloat16 import resolve_attack_precision
    training = report["protocol"]["training"]
    used = {training[name]["method_options"]["attack_precision"] for name in ("pgdat", "igd")}
    assert used == {resolve_attack_precision("auto")}  # the default, auto, recorded as resolved
    assert "val_pgd_acc" in open(os.path.join(out, "pgdat", "history.csv")).readline()  # the guard's input
    again = _run("igdtf.recipes.quickstart", "--smoke", f"--output_dir={out}")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "training is finished; loading it" in again.stderr
    assert json.loads(open(os.path.join(out, "report.json")).read())["models"] == report["models"]


def test_quickstart_train_attack_changes_only_the_adversarial_models_training_attack():
    from igdtf.recipes.quickstart_config import IGD_LAMBDA, get_config
    default, fast = get_config(), get_config(train_attack="n_fgsm", attack_precision="bfloat16", igd_lambda=1.0)
    for name in ("pgdat", "igd"):
        options = getattr(fast, name).method_options
        assert (options.train_attack, options.attack_precision) == ("n_fgsm", "bfloat16")
        assert getattr(default, name).method_options.train_attack == "pgd"
        assert getattr(default, name).eval_attack is not None
    assert (default.igd.method_options.igd_lambda, fast.igd.method_options.igd_lambda) == (IGD_LAMBDA, 1.0)
    assert fast.standard == default.standard and fast.eval_attack == default.eval_attack
    assert get_config(attack_precision="float32").igd.method_options.attack_precision == "float32"


def test_quickstart_auto_precision_is_bfloat16_only_on_native_hardware(monkeypatch):
    from igdtf.recipes.quickstart_config import get_config
    monkeypatch.setattr("igdtf.native_bfloat16.gpu_capabilities", lambda: [])
    for flags, expected in (({"avx512_bf16"}, "bfloat16"), ({"avx2"}, "float32")):
        monkeypatch.setattr("igdtf.native_bfloat16.cpu_flags", lambda flags=flags: flags)
        cfg = get_config()
        assert (cfg.pgdat.method_options.attack_precision, cfg.igd.method_options.attack_precision) == \
            (expected, expected)


def test_imagenet100_help_lists_its_flags():
    done = _run("igdtf.recipes.imagenet100", "--help")  # absl's --help exits with code 1
    for flag in ("--method", "--igd_lambda", "--manual_dir", "--batch_size", "--epsilon", "--plateau_patience"):
        assert flag in done.stdout


def test_help_explains_every_method_and_its_settings():
    from igdtf.methods import METHODS
    done = _run("igdtf.recipes.imagenet100", "--help")
    text = " ".join(done.stdout.split())  # absl wraps long help lines
    for method in METHODS:
        assert f"{method}:" in text
    for flag in ("--igam_lambda_adv", "--igam_lambda_diff", "--igam_adapter", "--igam_finetune_steps", "--pag_lambda",
                 "--pag_source", "--pag_pool_size", "--pag_classes_per_example", "--alignment_penalty_lambda",
                 "--input_gradient_norm_lambda", "--grad_norm_lambda", "--trades_beta",
                 "--kdiga_alpha", "--kdiga_temperature", "--kdiga_gamma", "--igdm_alpha", "--igdm_beta"):
        assert flag in text
    for choice in ("upsize", "zero_pad", "random_pad", "center_crop", "transpose_conv", "one_image", "class_mean",
                   "nearest_neighbor", "rigd"):
        assert choice in text


# Parses flag sets in one process (each recipe process costs seconds of TensorFlow start-up).
_PARSE_FLAGS = """
import json, sys
from absl import flags
import igdtf.recipes.imagenet100  # defines the shared training flags
from igdtf.cli.training_flags import config_from_flags
results = []
for args in json.loads(sys.argv[1]):
    flags.FLAGS.unparse_flags()
    try:
        flags.FLAGS(["recipe", *args])
        results.append("ok " + config_from_flags(flags.FLAGS).method)
    except Exception as error:
        results.append("error " + str(error))
print(json.dumps(results))
"""


def _parse(*flag_sets):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-c", _PARSE_FLAGS, json.dumps(flag_sets)], capture_output=True,
                          text=True, env=env, timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_shared_flags_accept_every_method_and_refuse_bad_method_settings():
    from igdtf.methods import METHODS
    methods = sorted(METHODS)
    bad = {
        "igam --igam_lambda_adv=-1": "igam_lambda_adv (λ_adv) must be a number >= 0",
        "igam --igam_lambda_diff=-0.1": "igam_lambda_diff (λ_diff) must be a number >= 0",
        "pag --pag_lambda=-1": "pag_lambda (λ) must be a number >= 0",
        "alignment_penalty --alignment_penalty_lambda=-1": "alignment_penalty_lambda (λ_α) must be a number >= 0",
        "input_gradient_norm --grad_norm_lambda=-1": "input_gradient_norm_lambda (λ) must be a number >= 0",
        "trades --trades_beta=-6": "trades_beta (β) must be a number >= 0",
        "kdiga --kdiga_alpha=1.5": "kdiga_alpha (α) must be a number in [0, 1]",
        "kdiga --kdiga_temperature=0": "kdiga_temperature (τ) must be a number > 0",
        "kdiga --kdiga_gamma=-1": "kdiga_gamma (γ) must be a number >= 0",
        "igdm --igdm_alpha=-1": "igdm_alpha (α) must be a number >= 0",
        "igdm --igdm_beta=-1": "igdm_beta (β) must be a number >= 0",
        "pag --pag_source=scores": "value should be one of <one_image|class_mean|nearest_neighbor|rigd>",
        "igam --igam_adapter=zoom":
            "value should be one of <none|upsize|zero_pad|random_pad|center_crop|transpose_conv>",
        "pgdat --igd_lambda=3": "--igd_lambda applies to igd, trades_igd, not to --method=pgdat",
        "standard --train_attack=fgsm_rs": "--train_attack applies to igd, igdm, pgdat, pgdat_cutout, trades, "
                                           "trades_igd, not to --method=standard",
    }
    flag_sets = ([f"--method={case.split()[0]}", case.split()[1]] for case in bad)
    results = _parse(*([f"--method={m}"] for m in methods), *flag_sets)
    assert results[:len(methods)] == [f"ok {m}" for m in methods]
    for result, message in zip(results[len(methods):], bad.values()):
        assert result.startswith("error") and message in result, result


def test_imagenet100_without_data_fails_fast_naming_the_files(tmp_path):
    done = _run("igdtf.recipes.imagenet100", "--method=igd", "--teacher=train", f"--manual_dir={tmp_path}", timeout=120)
    assert done.returncode == 2
    for name in ("ILSVRC2012_img_train.tar", "ILSVRC2012_img_val.tar", "--manual_dir", str(tmp_path)):
        assert name in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("flag,message", [
    ("--igd_lambda=-1", "igd_lambda (λ) must be a number >= 0"),
    ("--pag_lambda=-1", "--pag_lambda applies to pag, not to --method=igd"),
    ("--epsilon=-8", "--epsilon=-8 must be a finite number >= 0, in 1/255 units"),
    ("--eval_step_size=-0.5", "--eval_step_size=-0.5 must be a finite number >= 0, in 1/255 units"),
    ("--pgd_steps=0", "steps must be an integer >= 1"),
    ("--method=fgsm", "flag --method=fgsm: value should be one of"),
    ("--method=kdiga", "--method=kdiga needs a robust --teacher"),
    ("--method=igdm", "--method=igdm needs a robust --teacher"),
    ("--eval_autoattack_version=fast", "flag --eval_autoattack_version=fast: value should be one of"),
])
def test_imagenet100_refuses_bad_settings_before_anything_else(tmp_path, flag, message):
    done = _run("igdtf.recipes.imagenet100", flag, f"--manual_dir={tmp_path}", timeout=120)
    assert done.returncode == 2
    assert message in done.stderr
    assert "ILSVRC2012" not in done.stderr


def test_eval_autoattack_needs_a_positive_epsilon(tmp_path):
    done = _run("igdtf.recipes.imagenet100", "--eval_autoattack", "--epsilon=0", f"--manual_dir={tmp_path}",
                timeout=120)
    assert done.returncode == 2
    assert "--eval_autoattack needs --epsilon > 0, received 0.0" in done.stderr
    assert "ILSVRC2012" not in done.stderr


SMOKE = ["--arch=small_cnn", "--image_size=32", "--epochs=1", "--batch_size=16", "--pgd_steps=1",
         "--eval_pgd_steps=1", "--ina_fractions=0.01", "--eval_examples=32", "--tensorboard_every_steps=2",
         "--deterministic", "--checkpoint_every_steps=5"]


@pytest.fixture(scope="module")
def fake_ilsvrc(tmp_path_factory):
    from igdtf.benchmarks.fake_ilsvrc import make_fake_ilsvrc
    from igdtf.data.archives import imagenet100

    manual_dir = tmp_path_factory.mktemp("ilsvrc")
    make_fake_ilsvrc(str(manual_dir), imagenet100.class_wnids(), images_per_class=2, size=(36, 40))
    return str(manual_dir)


def _events(directory) -> list[str]:
    return [name for name in os.listdir(directory) if name.startswith("events.out.tfevents")]


def test_imagenet100_smoke_epoch_end_to_end_on_fake_archives(tmp_path, fake_ilsvrc):
    out = tmp_path / "run"
    data = [f"--manual_dir={fake_ilsvrc}", f"--data_dir={tmp_path / 'data'}", f"--output_dir={out}"]
    done = _run("igdtf.recipes.imagenet100", "--method=igd", "--teacher=train", *SMOKE, *data, "--eval_autoattack")
    assert done.returncode == 0, done.stderr[-3000:]
    for run_dir in (out, out / "teacher"):  # the standard teacher is trained first
        assert any(name.startswith("ckpt-") for name in os.listdir(run_dir / "checkpoints"))
        assert _events(run_dir / "tensorboard")
        assert (run_dir / "best.keras").is_file() and (run_dir / "model.keras").is_file()
    report = json.loads((out / "report.json").read_text())
    assert set(report["models"]) == {"igd", "teacher"}
    for summary in report["models"].values():
        for key in ("clean_acc", "pgd_acc", "gini_global", "gini_regional"):
            assert 0.0 <= summary[key] <= 1.0
    for name, summary in report["models"].items():  # AutoAttack and the sanity checks ran on both
        assert summary["autoattack_acc"] <= summary["clean_acc"]
        assert set(summary["autoattack_acc_after"]) == {"apgd-ce", "apgd-t", "fab-t", "square"}
        checks = {c["name"]: c["passed"] for c in report["robustness_checks"][name]}
        assert checks["eps0_gives_clean_accuracy"] is True and checks["outputs_are_logits"] is True
        assert ("undefended_model_broken_by_pgd" in checks) == (name == "teacher")
        info = json.loads((out / "robustbench" / f"{name}.json").read_text())  # RobustBench-style model info
        assert (info["dataset"], info["n_examples"], info["eps"]) == ("imagenet100", 32, "8/255")
        assert info["autoattack_acc"] == f"{100 * summary['autoattack_acc']:.2f}"
        assert "--eval_autoattack" in info["command"]
    assert "## Robustness sanity checks" in done.stdout
    assert report["protocol"]["num_samples"] == 32 and report["protocol"]["dataset"] == "imagenet100"
    assert report["protocol"]["checkpoints"]["igd"]["checkpoint"] == "best"
    assert "Table 1" in done.stdout and (out / "report.md").is_file() and (out / "outcomes.npz").is_file()
    assert (out / "export" / "igd" / "1" / "saved_model.pb").is_file()

    other = _run("igdtf.recipes.imagenet100", "--method=pgdat", *SMOKE, *data, timeout=300)
    assert other.returncode == 2
    assert "holds a checkpoint of a different run (method: 'igd' there, 'pgdat' now)" in other.stderr
    assert "Traceback" not in other.stderr


@pytest.mark.parametrize("recipe,data_flag", [("cifar10", "--[no]download"), ("cifar100", "--[no]download"),
                                              ("stl10", "--[no]download"), ("tinyimagenet", "--manual_dir:")])
def test_every_dataset_recipe_lists_the_shared_flags_and_registered_methods(recipe, data_flag):
    from igdtf.methods import METHODS

    done = _run(f"igdtf.recipes.{recipe}", "--help")
    for flag in ("--method:", "--strategy:", "--[no]mixed_precision", "--[no]synchronized_bn", "--[no]resume",
                 "--[no]deterministic", "--checkpoint_every_steps:", "--data_dir:", "--output_dir:",
                 "--image_size:", data_flag):
        assert flag in done.stdout, flag
    for method in METHODS:
        assert f"{method}:" in done.stdout


@pytest.mark.parametrize("recipe,archive", [("cifar10", "cifar-10-binary.tar.gz"),
                                            ("tinyimagenet", "tiny-imagenet-200.zip")])
def test_dataset_recipes_without_data_fail_fast_naming_the_archive(tmp_path, recipe, archive):
    done = _run(f"igdtf.recipes.{recipe}", "--teacher=train", f"--manual_dir={tmp_path}",
                f"--data_dir={tmp_path / 'data'}", f"--output_dir={tmp_path / 'out'}", timeout=120)
    assert done.returncode == 2
    assert archive in done.stderr and str(tmp_path) in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()


def test_multi_worker_without_tf_config_is_refused(tmp_path):
    env_free = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    done = subprocess.run([sys.executable, "-m", "igdtf.recipes.cifar10", "--strategy=multi_worker",
                           f"--manual_dir={tmp_path}"], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**env_free, "PYTHONPATH": ROOT})
    assert done.returncode == 2 and "needs the TF_CONFIG environment variable" in done.stderr


def test_every_flagfile_parses_into_a_valid_config():
    script = (
        "import glob, sys\n"
        "import igdtf.recipes.cifar10\n"
        "from absl import flags\n"
        "from igdtf.cli.training_flags import config_from_flags\n"
        "files = sorted(glob.glob('recipes/*/*.flags'))\n"
        "for path in files:\n"
        "    flags.FLAGS.unparse_flags()\n"
        "    flags.FLAGS(['recipe', '--flagfile=' + path])\n"
        "    config = config_from_flags(flags.FLAGS)\n"
        "    assert config.method == path.split('/')[-1][:-6], path\n"
        "print(len(files))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": ROOT})
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.strip().splitlines()[-1]) == 20  # 5 datasets x 4 methods


def _toy(module, out, *flags):
    done = _run(f"igdtf.recipes.{module}", f"--output_dir={out}", *flags)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(open(os.path.join(out, "report.json")).read()), open(os.path.join(out, "report.md")).read()


def test_pag_toy_smoke_run_writes_a_report_with_the_papers_result(tmp_path):
    report, text = _toy("pag_toy", tmp_path / "pag", "--smoke")
    assert set(report["results"]) == {"vanilla", "pag_one_image", "pag_class_mean", "pag_nearest_neighbor"}
    for result in report["results"].values():
        assert 0.0 <= result["robust_acc"] <= 1.0 and 0.0 <= result["clean_acc"] <= 1.0
    assert "Ganz et al." in text and "| pag_nearest_neighbor |" in text and "| 75.5 |" in text
    assert os.path.getsize(tmp_path / "pag" / "boundaries_seed0.png") > 10_000
    assert report["collapse"]["runs"].keys() == {f"{m}/seed0" for m in report["results"]}


def test_pag_toy_paper_scale_keeps_the_papers_two_runs(tmp_path):
    report, _ = _toy("pag_toy", tmp_path / "pag", "--smoke", "--paper_scale")
    assert set(report["results"]) == {"vanilla", "pag_nearest_neighbor"}


def test_spheres_paper_scale_smoke_trains_the_papers_three_models_on_fresh_samples(tmp_path):
    report, text = _toy("spheres_alignment", tmp_path / "spheres", "--smoke", "--paper_scale")
    assert set(report["results"]) == {"lambda_0 (baseline)", "lambda_0.1", "pgdat"}
    protocol = report["protocol"]
    assert protocol["training"]["pgdat"]["arch_options"]["scalar_output"] and protocol["paper_scale"]
    assert all("eps50_l2_over_alpha_dx" in r for r in report["results"].values())
    assert "ρ/ᾱ_Δx check" in text and "0.150" in text  # the paper's rows: ε50% / ᾱ_Δx = 0.099 / 0.659


def test_igam_transfer_smoke_run_reports_three_models_the_target_and_table_1(tmp_path):
    report, text = _toy("igam_transfer", tmp_path / "igam", "--smoke")
    assert set(report["results"]["models"]) == {"pgdat teacher", "standard student", "igam student"}
    assert isinstance(report["results"]["target"]["met"], bool)
    assert "IGAM-MNIST | 93.6 | 43.5" in text and "Target:" in text
    assert os.path.exists(tmp_path / "igam" / "igam" / "teacher_finetuned.json")  # the same-task teacher, unchanged


def test_spheres_alignment_smoke_run_writes_a_report_with_the_papers_numbers(tmp_path):
    report, text = _toy("spheres_alignment", tmp_path / "spheres", "--smoke")
    assert set(report["results"]) == {"lambda_0 (baseline)", "lambda_0.1", "lambda_1"}
    for result in report["results"].values():
        assert -1.0 <= result["alpha_dx"] <= 1.0
    assert "0.886" in text and "0.133" in text  # the paper's L_alpha alignment and L2 ε50%


@pytest.mark.slow
def test_pag_toy_reproduces_the_paper_qualitatively(tmp_path):
    results = _toy("pag_toy", tmp_path / "pag")[0]["results"]
    assert results["vanilla"]["clean_acc"] > 0.97 and results["pag_nearest_neighbor"]["clean_acc"] > 0.97
    # measured (README): vanilla 29.7 %, nearest neighbour 60.7 %, class mean 89.3 % robust, seed means
    assert results["pag_nearest_neighbor"]["robust_acc"] > results["vanilla"]["robust_acc"] + 0.1
    assert results["pag_class_mean"]["robust_acc"] > results["vanilla"]["robust_acc"] + 0.3


@pytest.mark.slow
def test_spheres_alignment_robustness_grows_with_alignment(tmp_path):
    results = _toy("spheres_alignment", tmp_path / "spheres")[0]["results"]
    ordered = [results[name] for name in ("lambda_0 (baseline)", "lambda_0.1", "lambda_1")]
    for key in ("alpha_dx", "eps50_l2", "eps50_linf"):
        values = [r[key] for r in ordered]
        assert values == sorted(values) and values[-1] > 1.3 * values[0], (key, values)


def test_alignment_metrics_smoke_run_writes_the_table_2_columns(tmp_path):
    report, text = _toy("alignment_metrics", tmp_path / "metrics", "--smoke")
    assert set(report["results"]) == {"baseline", "pgdat", "alignment_penalty"}
    for row in report["results"].values():
        assert set(row) == {"clean_acc", "eps50_linf", "eps50_l2", "alpha_dx", "alpha_dx_estimated", "alpha_x"}
        assert 0.0 <= row["alpha_x"] <= 1.0 and -1.0 <= row["alpha_dx"] <= 1.0
    assert set(report["correlations"]) == {"alpha_dx~eps50_linf", "alpha_dx~eps50_l2", "alpha_x~eps50_linf",
                                           "alpha_x~eps50_l2"}
    assert list(report["checks"]) == ["alpha_dx(pgdat) > alpha_dx(baseline)"]
    assert -1.0 <= report["delta_x_estimate_cosine"] <= 1.0
    assert "| model | accuracy (%) | ε50% (L∞) | ε50% (L2) | ᾱ_Δx | ᾱ_Δx (estimated) | ᾱ_x |" in text


@pytest.mark.slow
def test_alignment_metrics_pgdat_aligns_better_than_the_baseline(tmp_path):
    report = _toy("alignment_metrics", tmp_path / "metrics")[0]
    results = report["results"]
    assert results["alignment_penalty"]["clean_acc"] > 0.97
    assert results["pgdat"]["alpha_dx"] > results["baseline"]["alpha_dx"]
    assert results["pgdat"]["eps50_l2"] > results["baseline"]["eps50_l2"]
    assert report["delta_x_estimate_cosine"] >= 0.8
