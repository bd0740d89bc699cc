"""A flag that overrides a setting a recipe fixes, applied to every TrainConfig of the recipe's
configuration: --epsilon_warmup_epochs on the entry points whose settings are not flags (the
quickstart, the toy recipes, time_to_robustness)."""

import dataclasses

from igdtf.training.config import TrainConfig


def with_epsilon_warmup(settings, epochs: float | None):
    """`settings` (a TrainConfig, or dataclasses / dicts holding TrainConfigs, nested) with the ε
    warm-up of every adversarial method's TrainConfig set to `epochs`; None: unchanged."""
    if epochs is None:
        return settings
    if isinstance(settings, TrainConfig):
        if not settings.method_class.adversarial:
            return settings
        return dataclasses.replace(settings, epsilon_warmup_epochs=epochs)
    if isinstance(settings, dict):
        return {key: with_epsilon_warmup(value, epochs) for key, value in settings.items()}
    if dataclasses.is_dataclass(settings) and not isinstance(settings, type):
        changed = {}
        for field in dataclasses.fields(settings):
            value = getattr(settings, field.name)
            new = with_epsilon_warmup(value, epochs) if field.init else value
            if new is not value:
                changed[field.name] = new
        return dataclasses.replace(settings, **changed) if changed else settings
    return settings
