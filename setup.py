"""igdtf: robust image classifiers by aligning input gradients (Keras 3 / TensorFlow)."""

from setuptools import find_packages, setup

setup(
    name="igdtf",
    version="0.1.0",
    description="Input Gradient Distillation and related input-gradient methods for Keras 3 / TensorFlow",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10,<3.14",
    packages=find_packages(include=["igdtf", "igdtf.*"]),
    package_data={"igdtf.data.archives": ["imagenet100_wnids.txt"], "igdtf.data.corruptions": ["frost/*"]},
    # Exact pins: TensorFlow, Keras and tensorflow-datasets change numerics and APIs between
    # minor versions, and robustness numbers must be reproducible.
    install_requires=[
        "tensorflow==2.21.0",
        "keras==3.15.1",
        "tensorflow-datasets==4.9.10",
        "tf-keras-vis==0.8.7",
        "numpy==2.4.6",
        "absl-py==2.5.1",
        "tensorboard==2.21.0",
        # Export writes TF Serving warm-up requests (PredictionLog protos); the contract tests
        # build PredictRequests. It adds no packages TensorFlow does not already pull in.
        "tensorflow-serving-api==2.21.0",
        # Evaluation: figures, progress bar, and the ImageNet-C corruptions (see BUILD.md).
        "matplotlib==3.11.2",
        "tqdm==4.70.1",
        "scikit-image==0.26.0",
        # The ImageNet-C corruptions (data/corruptions/functions.py) call them directly; both already
        # came with scikit-image and matplotlib, pinned at the versions they brought.
        "scipy==1.17.1",
        "pillow==13.0.0",
    ],
    extras_require={"test": ["pytest==9.2.0", "pytest-xdist==3.8.0"]},
)
