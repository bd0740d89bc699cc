"""Convolution and BatchNorm layers of the ResNet family (resnet18, resnet50, preact_resnet18,
wide_resnet), padded and initialised as the PyTorch models the papers trained.

Padding is explicit and symmetric (Keras' "same" pads stride-2 convolutions on one side only),
convolutions have no bias and He fan-out initialisation (normal, std √(2 / (k²·out))), BatchNorm
uses momentum 0.9 (PyTorch's 0.1) and epsilon 1e-5.
"""

import keras


def he_conv(channels: int, kernel: int, stride: int, name: str) -> keras.layers.Conv2D:
    """A bias-free `kernel`×`kernel` convolution with "valid" padding and He fan-out init."""
    return keras.layers.Conv2D(
        channels,
        kernel,
        strides=stride,
        padding="valid",
        use_bias=False,
        kernel_initializer=keras.initializers.VarianceScaling(2.0, "fan_out", "untruncated_normal"),
        name=name,
    )


def padded_conv(h, channels: int, kernel: int, stride: int, name: str, pad_name: str):
    """`he_conv` applied to h [N, H, W, C] after zero padding of kernel // 2 on every side
    (PyTorch's padding=k//2): [N, ⌈H/stride⌉, ⌈W/stride⌉, channels] for odd kernels."""
    if kernel > 1:
        h = keras.layers.ZeroPadding2D(kernel // 2, name=pad_name)(h)
    return he_conv(channels, kernel, stride, name)(h)


def batch_norm(name: str, synchronized: bool) -> keras.layers.BatchNormalization:
    """BatchNorm as PyTorch's defaults; `synchronized`: statistics over all replicas."""
    return keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-5, synchronized=synchronized, name=name)
