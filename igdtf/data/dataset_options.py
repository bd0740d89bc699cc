"""A dataset spec's options (--dataset_option KEY=VALUE and the data flags), checked against
what its loader accepts."""

import inspect

from igdtf.data.registry import dataset_loader
from igdtf.errors import checked
from igdtf.keyword_options import parse_options


def dataset_options(dataset: str, specs, **flag_values) -> dict:
    """The options of dataset spec `dataset`: --dataset_option `specs`, plus those data flags
    (`flag_values`, e.g. data_dir, download) its loader takes; ConfigError for a bad spec."""
    loader = checked(dataset_loader, dataset)
    options = parse_options(specs, loader, "--dataset_option", ("split",))
    accepted = inspect.signature(loader).parameters
    for key, value in flag_values.items():
        if key in accepted and key not in options and value is not None:
            options[key] = value
    return options
