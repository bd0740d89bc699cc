"""`python -m igdtf.export --checkpoint PATH --output BASE [--version N] [--overwrite]`.

The command line lives in igdtf.recipes.export (this shim only adopts its flags).
"""

from absl import flags

from igdtf.cli import run
from igdtf.recipes import export as export_recipe

flags.adopt_module_key_flags(export_recipe)  # list its flags in --help

if __name__ == "__main__":
    run(export_recipe.main)
