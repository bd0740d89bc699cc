"""`python -m igdtf.evaluate --model NAME=PATH ... --dataset SPEC --output_dir DIR`: compare models on
the robustness suite. The command line lives in igdtf/recipes/evaluate.py (this shim only adopts its
flags); run with --help for every flag."""

from absl import flags

from igdtf.cli import run
from igdtf.recipes import evaluate as evaluate_recipe

flags.adopt_module_key_flags(evaluate_recipe)  # list its flags in --help

if __name__ == "__main__":
    run(evaluate_recipe.main)
