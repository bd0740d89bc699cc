"""The entry of every dataset recipe (igdtf/recipes/{cifar10,cifar100,imagenet100,stl10,
tinyimagenet}.py) and of `python -m igdtf.recipes.train`: the training command line
(igdtf/cli/train/) with the IGD paper's settings as flag defaults (paper_settings.py). A dataset's
module holds its docstring (hardware, expected time and numbers: its --help) and one call."""

from absl import flags

from igdtf.cli import training_flags
from igdtf.cli.train import command
from igdtf.recipes.paper_settings import flag_defaults

# absl attributes the flags adopted below to the module that calls dataset_recipe (the entry
# module), so that its --help lists them; this module defines no flag of its own.
flags.disclaim_key_flags()


def dataset_recipe(dataset: str | None):
    """Defines the flags of `dataset`'s recipe (None: igdtf.recipes.train, whose --dataset names
    any spec) as key flags of the calling module, and returns the recipe's absl main function."""
    command.define_flags(dataset, flag_defaults())
    flags.adopt_module_key_flags(training_flags)
    flags.adopt_module_key_flags(command)
    return command.recipe_main(dataset)
