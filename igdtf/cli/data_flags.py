"""The data flags of every command that reads a dataset (train, the dataset recipes, evaluate,
export), each defined here once: the dataset spec, where its records and archives are, and the
options passed to its loader (checked by igdtf/data/dataset_options.py)."""

from absl import flags

from igdtf.data.registry import DATASETS
from igdtf.data.sources.specs import FORMS

MANUAL_DIR_DEFAULT = "~/tensorflow_datasets/downloads/manual"


def define_data_flags(*, dataset: str | None = None, dataset_default: str | None = None, dataset_option: bool = True,
                      download: bool = True, manual_dir: str | None = None, class_list: bool = False) -> None:
    """Defines --data_dir and, as asked: --dataset (`dataset`: a sentence that ends its help, or "";
    default `dataset_default`), --dataset_option, --download, --manual_dir (`manual_dir`: where the
    loader looks without it, e.g. MANUAL_DIR_DEFAULT) and --class_list.

    Call it from an entry module (or a function it calls), then
    `flags.adopt_module_key_flags(data_flags)` so that the module's --help lists them.
    """
    if dataset is not None:
        flags.DEFINE_string("dataset", dataset_default, f"Dataset spec: a built-in name "
                            f"({', '.join(sorted(DATASETS))}), {FORMS} (README: Your own data). {dataset}".rstrip())
    flags.DEFINE_string("data_dir", None, "tensorflow-datasets data directory of tfds: specs and the built records "
                        "of built-in datasets (default: ~/tensorflow_datasets).")
    if dataset_option:
        flags.DEFINE_multi_string("dataset_option", [], "KEY=VALUE option of the dataset's loader (Python literal "
                                  "values), e.g. holdout=0.1 for folder:, image_key=NAME for tfds:, "
                                  "num_samples=1000 for the synthetic datasets; repeat for several.")
    if download:
        flags.DEFINE_bool("download", False, "Let tensorflow-datasets download a built-in dataset's archive that is "
                          "not in --manual_dir, or a tfds: dataset that is not prepared in --data_dir.")
    if manual_dir is not None:
        flags.DEFINE_string("manual_dir", None, f"Folder holding the dataset's archive(s) or files; see BUILD.md "
                            f"(default: {manual_dir}).")
    if class_list:
        flags.DEFINE_string("class_list", None, "File of 100 ILSVRC2012 WNIDs, one per line (default: the "
                            "CMC list shipped as igdtf/data/archives/imagenet100_wnids.txt).")
