"""Former name of the input-pipeline benchmark: runs `python -m igdtf.benchmarks.input_pipeline`
with the same flags (see that module).

  python -m igdtf.recipes.input_benchmark --fake_imagenet

It runs the benchmark by module name instead of importing it, so recipes/ and benchmarks/ stay
two independent sets of entry modules.
"""

import runpy

if __name__ == "__main__":
    runpy.run_module("igdtf.benchmarks.input_pipeline", run_name="__main__", alter_sys=True)
