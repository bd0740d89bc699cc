"""Former name of the input-pipeline benchmark; see igdtf/benchmarks/input_pipeline.py.

  python -m igdtf.recipes.input_benchmark --fake_imagenet
"""

from igdtf.benchmarks.input_pipeline import main
from igdtf.recipes.runner import run

if __name__ == "__main__":
    run(main)
