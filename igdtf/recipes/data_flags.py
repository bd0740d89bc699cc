"""The data flags of the commands that read a dataset: where its records are and the options
passed to its loader (checked by igdtf/data/dataset_options.py)."""

from absl import flags


def define_data_flags(*, dataset_option: bool = True, download: bool = True, manual_dir: bool = False) -> None:
    """Defines --data_dir and, as asked, --dataset_option, --download and --manual_dir.

    Call it from an entry module, then `flags.adopt_module_key_flags(data_flags)` so that the
    module's --help lists them.
    """
    flags.DEFINE_string("data_dir", None, "tensorflow-datasets data directory of tfds: specs and built-in datasets "
                        "(default: ~/tensorflow_datasets).")
    if dataset_option:
        flags.DEFINE_multi_string("dataset_option", [], "KEY=VALUE passed to the dataset's loader (Python literal "
                                  "values), e.g. num_samples=1000 or holdout=0.1; repeat for several.")
    if download:
        flags.DEFINE_bool("download", False, "Let tensorflow-datasets download a tfds: or built-in dataset that is "
                          "not prepared.")
    if manual_dir:
        flags.DEFINE_string("manual_dir", None, "Folder holding the dataset's archive(s); see BUILD.md "
                            "(default: ~/tensorflow_datasets/downloads/manual).")
