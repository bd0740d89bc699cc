"""The data flags of every command that reads a dataset (train, the dataset recipes, evaluate,
export), each defined here once: the dataset spec, where its records and archives are, and the
options passed to its loader (checked by igdtf/data/dataset_options.py)."""

from absl import flags

from igdtf.data.registry import DATASETS
from igdtf.data.specs import FORMS


def define_data_flags(*, dataset: str | None = None, dataset_option: bool = True, download: bool = True,
                      manual_dir: bool = False, class_list: bool = False) -> None:
    """Defines --data_dir and, as asked, --dataset (`dataset`: a sentence that ends its help, or ""),
    --dataset_option, --download, --manual_dir and --class_list.

    Call it from an entry module (or a function it calls), then
    `flags.adopt_module_key_flags(data_flags)` so that the module's --help lists them.
    """
    if dataset is not None:
        flags.DEFINE_string("dataset", None, f"Dataset spec: a built-in name ({', '.join(sorted(DATASETS))}), "
                            f"{FORMS} (README: Your own data). {dataset}".rstrip())
    flags.DEFINE_string("data_dir", None, "tensorflow-datasets data directory of tfds: specs and the built records "
                        "of built-in datasets (default: ~/tensorflow_datasets).")
    if dataset_option:
        flags.DEFINE_multi_string("dataset_option", [], "KEY=VALUE option of the dataset's loader (Python literal "
                                  "values), e.g. holdout=0.1 for folder:, image_key=NAME for tfds:, "
                                  "num_samples=1000 for the synthetic datasets; repeat for several.")
    if download:
        flags.DEFINE_bool("download", False, "Let tensorflow-datasets download a built-in dataset's archive that is "
                          "not in --manual_dir, or a tfds: dataset that is not prepared in --data_dir.")
    if manual_dir:
        flags.DEFINE_string("manual_dir", None, "Folder holding the dataset's archive(s); see BUILD.md "
                            "(default: ~/tensorflow_datasets/downloads/manual).")
    if class_list:
        flags.DEFINE_string("class_list", None, "File of 100 ILSVRC2012 WNIDs, one per line (default: the "
                            "CMC list shipped as igdtf/data/imagenet100_wnids.txt).")
