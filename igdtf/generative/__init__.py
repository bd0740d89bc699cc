"""Generative estimates of Δx, the vector from x to the closest point of another class's support
(Lanfredi et al.): direct (a residual generator G(x, ¬y), binary datasets) and indirect
(projection onto a class-conditional generator G(z, c), any number of classes), and a small
class-conditional GAN to project onto (conditional_gan)."""

from igdtf.generative.direct import (
    DeltaXGAN, DirectDeltaX, mean_cosine, projection_discriminator, residual_generator, train_direct_estimator,
)
from igdtf.generative.projection import (
    ConditionalGenerator, Projection, ProjectionSettings, Projector, load_conditional_generator, project,
)
from igdtf.generative.projection_table import ProjectionError, ProjectionTable, project_dataset
from igdtf.generative.conditional_gan import (
    ConditionalGAN, conditional_discriminator, conditional_generator, conditional_samples, train_conditional_gan,
)

__all__ = [
    "ConditionalGenerator", "Projection", "ProjectionError", "ProjectionSettings", "ProjectionTable", "Projector",
    "project", "load_conditional_generator", "project_dataset",
    "ConditionalGAN", "conditional_discriminator", "conditional_generator", "conditional_samples",
    "train_conditional_gan",
    "DeltaXGAN", "DirectDeltaX", "mean_cosine", "projection_discriminator", "residual_generator",
    "train_direct_estimator",
]
