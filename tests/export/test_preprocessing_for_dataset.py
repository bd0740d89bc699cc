from igdtf.data.registry import dataset_info
from igdtf.export.preprocessing import ImagePreprocessing


def test_serving_resize_crop_follows_the_datasets_evaluation_preprocessing():
    assert ImagePreprocessing.for_dataset(dataset_info("imagenet100")).crop_fraction == 0.875
    assert ImagePreprocessing.for_dataset(dataset_info("cifar10")).crop_fraction == 1.0
    assert ImagePreprocessing.for_dataset(dataset_info("shapes")).crop_fraction == 1.0
