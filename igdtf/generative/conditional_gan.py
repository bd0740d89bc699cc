"""A small class-conditional GAN G(z, c) for the indirect Δx estimate (igdtf.generative.projection),
trainable on a CPU in minutes for MNIST-size images (e.g. 16×16 or 28×28, 1 or 3 channels).

    G(z [N, d], c one-hot [N, K]) → images [N, H, W, C] in [0, 1]     (sigmoid output)
    D(x, c one-hot) → [N, 1] logit, the class entering by projection (Miyato & Koyama 2018)
    D:  softplus(−D(x, y)) + softplus(D(G(z, y), y))     non-saturating loss; real (x, y) and fakes of
    G:  softplus(−D(G(z, y), y))                          the same classes, z ~ N(0, I) from stateless seeds

The generator has no batch normalisation, so G(z, c) is the same function in training and at
projection time (training=False). ConditionalGAN keeps an exponential moving average of G's
weights (`average_generator`), the model to project onto.
"""

import keras
import numpy as np
import tensorflow as tf

from igdtf.generative.averaged_gan import AveragedGAN
from igdtf.generative.projection import ConditionalGenerator
from igdtf.validation import check_positive_int


def conditional_generator(image_shape, num_classes: int, latent_dim: int = 32, width: int = 64,
                          name: str = "conditional_generator") -> keras.Model:
    """G(z [N, latent_dim], class one-hot [N, num_classes]) → [N, H, W, C] in [0, 1].

    [z, c] → Dense → (H/4, W/4, 2·width) → two stages (×2 nearest upsampling, 3×3 conv, ReLU) of
    2·width and width channels, the class added as a learned per-channel bias in every stage →
    3×3 conv to C channels → sigmoid. Raises ValueError unless image_shape is (H, W, C) with H
    and W divisible by 4.
    """
    image_shape = tuple(int(s) for s in image_shape)
    if len(image_shape) != 3 or image_shape[0] % 4 or image_shape[1] % 4:
        raise ValueError(f"The conditional generator makes images (H, W, C) with H and W divisible by 4; received "
                         f"shape {image_shape}.")
    check_positive_int("num_classes", num_classes)
    check_positive_int("latent_dim", latent_dim)
    check_positive_int("generator width", width)
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input((num_classes,), name="class")
    low = (image_shape[0] // 4, image_shape[1] // 4)
    hidden = keras.layers.Dense(low[0] * low[1] * 2 * width, activation="relu")(
        keras.layers.Concatenate()([z, label]))
    hidden = keras.layers.Reshape(low + (2 * width,))(hidden)
    for channels in (2 * width, width):
        hidden = keras.layers.UpSampling2D(2)(hidden)
        hidden = keras.layers.Conv2D(channels, 3, padding="same")(hidden)
        bias = keras.layers.Reshape((1, 1, channels))(keras.layers.Dense(channels, use_bias=False)(label))
        hidden = keras.layers.ReLU()(keras.layers.Add()([hidden, bias]))
    images = keras.layers.Conv2D(image_shape[2], 3, padding="same", activation="sigmoid")(hidden)
    return keras.Model([z, label], images, name=name)


def conditional_discriminator(image_shape, num_classes: int, width: int = 64,
                              name: str = "conditional_discriminator") -> keras.Model:
    """D(x [N, H, W, C], class one-hot [N, K]) → [N, 1] logit (real vs generated).

    φ(x): two strided 3×3 convolutions (width, 2·width channels, LeakyReLU 0.2), flattened (the
    shape's position and outline matter, so no global pooling), a dense layer of 4·width; the
    class enters as a projection ⟨embed(c), φ(x)⟩ (Miyato & Koyama 2018).
    """
    image_shape = tuple(int(s) for s in image_shape)
    if len(image_shape) != 3:
        raise ValueError(f"The conditional discriminator takes images (H, W, C); received shape {image_shape}.")
    check_positive_int("discriminator width", width)
    x = keras.Input(image_shape, name="x")
    label = keras.Input((num_classes,), name="class")
    features = x
    for channels in (width, 2 * width):
        features = keras.layers.LeakyReLU(0.2)(keras.layers.Conv2D(channels, 3, strides=2, padding="same")(features))
    features = keras.layers.LeakyReLU(0.2)(keras.layers.Dense(4 * width)(keras.layers.Flatten()(features)))
    projection = keras.layers.Dot(axes=1)([features, keras.layers.Dense(4 * width, use_bias=False)(label)])
    return keras.Model([x, label], keras.layers.Add()([keras.layers.Dense(1)(features), projection]), name=name)


def _check_pair(generator: keras.Model, discriminator: keras.Model) -> tuple[int, int, tuple]:
    """(latent_dim, num_classes, image shape) of a matching G(z, c) and D(x, c); ValueError otherwise."""
    if len(generator.inputs) != 2 or len(discriminator.inputs) != 2:
        raise ValueError(f"A conditional GAN needs G(z, class) and D(x, class), two inputs each; received "
                         f"{len(generator.inputs)} and {len(discriminator.inputs)} inputs.")
    (_, latent_dim), (_, classes) = generator.input_shape
    image_shape = tuple(generator.output_shape[1:])
    if tuple(discriminator.input_shape[0][1:]) != image_shape or discriminator.input_shape[1][-1] != classes:
        raise ValueError(f"The discriminator takes images {tuple(discriminator.input_shape[0][1:])} and "
                         f"{discriminator.input_shape[1][-1]} classes; the generator makes {image_shape} for "
                         f"{classes} classes.")
    return int(latent_dim), int(classes), image_shape


class ConditionalGAN(AveragedGAN):
    """compile(generator_optimizer=..., discriminator_optimizer=...) then fit on batches (x, y),
    x [N, H, W, C] in [0, 1], y int class ids [N]; each train_step updates D once, then G once.

    Metrics: d_loss, g_loss, d_real and d_fake (mean D(x) > 0 probability on real and generated
    images). A batch whose images do not have G's shape is refused when the step is traced
    (ValueError), a label outside [0, K) when it runs (InvalidArgumentError).
    """

    metric_names = ("d_loss", "g_loss", "d_real", "d_fake")

    def __init__(self, generator: keras.Model, discriminator: keras.Model, ema_decay: float = 0.999,
                 seed: int = 0, **kwargs):
        latent_dim, num_classes, image_shape = _check_pair(generator, discriminator)
        super().__init__(generator, discriminator, ema_decay, **kwargs)
        self.latent_dim, self.num_classes, self.image_shape = latent_dim, num_classes, image_shape
        self.seed = int(seed)

    def call(self, inputs, training=False):
        """[z, class ids] → G(z, class) with the averaged weights."""
        z, classes = inputs
        return self.average_generator([z, tf.one_hot(tf.cast(classes, tf.int32), self.num_classes)],
                                      training=training)

    def _checked_batch(self, data):
        x, y = data
        if tuple(x.shape[1:]) != self.image_shape:
            raise ValueError(f"The conditional GAN makes images of shape {self.image_shape}; the data's batches hold "
                             f"{tuple(x.shape[1:])}.")
        y = tf.cast(tf.reshape(y, [-1]), tf.int32)
        checks = [tf.debugging.assert_non_negative(y, message="class ids must be >= 0"),
                  tf.debugging.assert_less(y, self.num_classes,
                                           message=f"class ids must be < {self.num_classes} (the classes of the GAN)")]
        with tf.control_dependencies(checks):
            return tf.cast(x, tf.float32), tf.identity(y)

    def train_step(self, data):
        x, y = self._checked_batch(data)
        labels = tf.one_hot(y, self.num_classes)
        seed = tf.stack([tf.constant(self.seed, tf.int64), tf.cast(self.generator_optimizer.iterations, tf.int64)])
        z = tf.random.stateless_normal([tf.shape(x)[0], self.latent_dim], seed)
        fake = self.generator([z, labels], training=True)
        with tf.GradientTape() as tape:
            real_logits = self.discriminator([x, labels], training=True)
            fake_logits = self.discriminator([tf.stop_gradient(fake), labels], training=True)
            d_loss = tf.nn.compute_average_loss(tf.nn.softplus(-real_logits[:, 0]) + tf.nn.softplus(fake_logits[:, 0]))
        variables = self.discriminator.trainable_variables
        self.discriminator_optimizer.apply_gradients(zip(tape.gradient(d_loss, variables), variables))
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator([self.generator([z, labels], training=True), labels], training=True)
            g_loss = tf.nn.compute_average_loss(tf.nn.softplus(-fake_logits[:, 0]))
        variables = self.generator.trainable_variables
        self.generator_optimizer.apply_gradients(zip(tape.gradient(g_loss, variables), variables))
        self.update_average_generator()
        return self.log_step({"d_loss": d_loss, "g_loss": g_loss, "d_real": tf.sigmoid(real_logits),
                              "d_fake": tf.sigmoid(fake_logits)})


def train_conditional_gan(dataset, image_shape, num_classes: int, steps: int, latent_dim: int = 32, width: int = 64,
                          learning_rate: float = 2e-4, ema_decay: float = 0.999, seed: int = 0, verbose: int = 0):
    """Builds and trains a ConditionalGAN for `steps` steps on `dataset` (batches (x, y), repeated);
    returns (the GAN, its history {metric: [per epoch of 100 steps]}). Adam (β₁ = 0.5) at
    `learning_rate` for both players; G and D of width `width`.
    Project onto `gan.average_generator` (ConditionalGenerator(gan.average_generator, image_shape))."""
    check_positive_int("steps", steps)
    keras.utils.set_random_seed(seed)
    generator = conditional_generator(image_shape, num_classes, latent_dim, width)
    discriminator = conditional_discriminator(image_shape, num_classes, width)
    gan = ConditionalGAN(generator, discriminator, ema_decay, seed)
    gan.compile(keras.optimizers.Adam(learning_rate, beta_1=0.5), keras.optimizers.Adam(learning_rate, beta_1=0.5))
    per_epoch = min(100, steps)
    history = gan.fit(dataset.repeat(), epochs=max(1, steps // per_epoch), steps_per_epoch=per_epoch,
                      verbose=verbose)
    return gan, history.history


def conditional_samples(generator: keras.Model, classes, seed: int = 0) -> np.ndarray:
    """G(z, c) for z ~ N(0, I) (stateless `seed`) and the given class ids [N]; [N, H, W, C] numpy."""
    wrapped = ConditionalGenerator(generator, generator.output_shape[1:])
    classes = wrapped.check_classes(classes)
    z = tf.random.stateless_normal([classes.size, wrapped.latent_dim], [seed, 0])
    return wrapped(z, classes).numpy()
