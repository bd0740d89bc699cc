"""A classifier's head: its last layer, the one that computes the logits. Replaced when a
pretrained model is fine-tuned on other classes (--replace_head), and the only part that trains
while the backbone is frozen (--freeze_backbone_epochs)."""

import keras


def head_layer(model: keras.Model) -> keras.layers.Layer:
    """The layer that computes `model`'s output; ValueError unless `model` is a functional model
    with one output whose last layer has trainable weights."""
    try:
        outputs = model.outputs
    except AttributeError:  # a subclassed model
        outputs = None
    if not outputs or len(outputs) != 1 or not model.layers:
        raise ValueError(f"{model.name} is not a functional Keras model with one output, so its head (last "
                         "layer) cannot be found.")
    head = model.layers[-1]
    if not head.trainable_weights:
        raise ValueError(f"the last layer of {model.name}, {head.name} ({type(head).__name__}), has no trainable "
                         "weights: it is not a logit layer.")
    return head


def replace_head(model: keras.Model, num_classes: int) -> keras.Model:
    """`model` with its final Dense layer replaced by a new Dense(num_classes) of the same name
    (freshly initialised; every other layer shared with `model`). ValueError if the last layer is
    not a Dense layer without activation (a logit layer)."""
    head = head_layer(model)
    if not isinstance(head, keras.layers.Dense) or head.activation not in (None, keras.activations.linear):
        raise ValueError(f"the last layer of {model.name}, {head.name} ({type(head).__name__}), is not a Dense logit "
                         "layer; only a final Dense layer without activation can be replaced.")
    logits = keras.layers.Dense(num_classes, name=head.name)(head.input)
    return keras.Model(model.inputs, logits, name=model.name)
