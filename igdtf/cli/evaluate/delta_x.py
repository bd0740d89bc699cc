"""The Δx generator of the alignment suite (--delta_x_generator, --delta_x_projection,
--delta_x_projection_cache): checked settings, and ᾱ_Δx from the projections onto it."""

import dataclasses
import os

from absl import flags

from igdtf.errors import ConfigError, checked
from igdtf.evaluation.metrics.alignment import TabulatedDirectionAlignment
from igdtf.generative import ProjectionError, ProjectionSettings, load_conditional_generator, project_dataset

FLAGS = flags.FLAGS


def projection_settings_from_flags() -> ProjectionSettings:
    """The projection settings of --delta_x_projection KEY=VALUE (ConfigError if invalid)."""
    types = {field.name: field.type for field in dataclasses.fields(ProjectionSettings)}
    values = {}
    for spec in FLAGS.delta_x_projection:
        key, sep, raw = spec.partition("=")
        if not sep or key not in types:
            raise ConfigError(f"--delta_x_projection must be KEY=VALUE with KEY one of {', '.join(types)}; "
                              f"received {spec!r}.")
        try:
            values[key] = types[key](raw)
        except ValueError:
            kind = "an integer" if types[key] is int else "a number"
            raise ConfigError(f"--delta_x_projection {key} takes {kind}, received {raw!r}.") from None
    return checked(ProjectionSettings, **values)


def delta_x_generator_from_flags(info, suites):
    """(the ConditionalGenerator of --delta_x_generator, its ProjectionSettings), or (None, None)
    without it; ConfigError for a generator that does not fit the dataset or unused flags."""
    if not FLAGS.delta_x_generator:
        if FLAGS.delta_x_projection or FLAGS.delta_x_projection_cache:
            raise ConfigError("--delta_x_projection and --delta_x_projection_cache need --delta_x_generator.")
        return None, None
    if "alignment" not in suites:
        raise ConfigError("--delta_x_generator estimates the Δx of the alignment suite; add it: "
                          "--suite=...,alignment.")
    if not os.path.isfile(FLAGS.delta_x_generator):
        raise ConfigError(f"--delta_x_generator={FLAGS.delta_x_generator}: no such .keras file.")
    settings = projection_settings_from_flags()
    return checked(load_conditional_generator, FLAGS.delta_x_generator, info.image_shape, info.num_classes), settings


def estimated_alignment(generator, settings, data, info) -> TabulatedDirectionAlignment:
    """ᾱ_Δx with Δx from projections of `data` onto `generator` (ConfigError if any did not converge)."""
    try:
        table = project_dataset(generator, data, settings, FLAGS.delta_x_projection_cache)
    except ProjectionError as error:
        raise ConfigError(f"{error} (--delta_x_projection steps=N, learning_rate=R or prior_weight=W)") from error
    return TabulatedDirectionAlignment(table, name="alpha_dx" if info.delta_x is None else "alpha_dx_estimated")
