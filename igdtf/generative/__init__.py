"""Generative estimates of Δx, the vector from x to the closest point of another class's support
(Lanfredi et al.): direct (a residual generator G(x, ¬y), binary datasets) and indirect
(projection onto a class-conditional generator G(z, c), any number of classes)."""

from igdtf.generative.direct import (
    DeltaXGAN, DirectDeltaX, mean_cosine, projection_discriminator, residual_generator, train_direct_estimator,
)
from igdtf.generative.projection import (
    ConditionalGenerator, Projection, ProjectionError, ProjectionSettings, ProjectionTable, project, project_dataset,
)

__all__ = [
    "ConditionalGenerator", "Projection", "ProjectionError", "ProjectionSettings", "ProjectionTable", "project",
    "project_dataset",
    "DeltaXGAN", "DirectDeltaX", "mean_cosine", "projection_discriminator", "residual_generator",
    "train_direct_estimator",
]
