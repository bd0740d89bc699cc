"""The paper experiments: `python -m igdtf.recipes.<name>`, each with its settings in a config
function (big_vision's get_config() style) beside it.

quickstart (quickstart_config.py), fashion_mnist (fashion_mnist_config.py, method_comparison.py,
holdout_data.py), igam_transfer (igam_seeds.py), pag_toy, spheres_alignment (spheres_common.py),
alignment_metrics, alignment_metrics_shapes; the dataset recipes cifar10, cifar100, imagenet100,
stl10, tinyimagenet and train, one entry (dataset_entry.py) with the IGD paper's settings
(paper_settings.py) over the training command line of igdtf/cli/train/.

Recipes may import igdtf.cli (the run wrapper, the flag modules); igdtf.benchmarks may import
recipes; nothing else in igdtf imports them.
"""
