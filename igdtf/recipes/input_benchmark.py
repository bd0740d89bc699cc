"""Former name of the input-pipeline benchmark; see igdtf/benchmarks/input_pipeline.py.

  python -m igdtf.recipes.input_benchmark --fake_imagenet
"""

from absl import flags

from igdtf.benchmarks import input_pipeline
from igdtf.cli import run

flags.adopt_module_key_flags(input_pipeline)  # list its flags in --help

if __name__ == "__main__":
    run(input_pipeline.main)
