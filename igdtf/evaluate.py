"""`python -m igdtf.evaluate --model NAME=PATH ... --dataset SPEC --output_dir DIR`: compare models on
the robustness suite. The command line lives in igdtf/cli/evaluate/ (this entry module defines and adopts
its flags); run with --help for every flag."""

from absl import flags

from igdtf.cli import run
from igdtf.cli.evaluate import command, flags as evaluate_flags

evaluate_flags.define_evaluate_flags()
flags.adopt_module_key_flags(evaluate_flags)  # list its flags in --help

if __name__ == "__main__":
    run(command.main)
