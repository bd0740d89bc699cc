"""A user's factory module, written into a test's folder as a user would write it: a custom
layer, options, and ways to get it wrong (softmax outputs, the wrong number of outputs)."""

FACTORY_SOURCE = '''
import keras


@keras.saving.register_keras_serializable(package="my_models")
class Doubling(keras.layers.Layer):
    def call(self, x):
        return 2.0 * x - 1.0


def small_net(input_shape, num_classes, width=4, softmax=False, extra_outputs=0):
    images = keras.Input(input_shape)
    h = Doubling(name="doubling")(images)
    h = keras.layers.Conv2D(width, 3, padding="same", name="conv")(h)
    h = keras.layers.BatchNormalization(name="bn")(h)
    h = keras.layers.Activation("relu", name="relu")(h)
    h = keras.layers.GlobalAveragePooling2D(name="pool")(h)
    logits = keras.layers.Dense(num_classes + extra_outputs, activation="softmax" if softmax else None,
                                name="logits")(h)
    return keras.Model(images, logits)


def fixed_size_net(input_shape, num_classes):
    return small_net((16, 16, 3), num_classes)
'''


def write_factory_module(folder, name: str = "my_models") -> str:
    """Writes the factory module `name`.py into `folder`; returns its --arch prefix `name`."""
    with open(f"{folder}/{name}.py", "w") as f:
        f.write(FACTORY_SOURCE)
    return name
