"""The trainer base: Keras' own train_step skeleton with two hooks a method may override.

A method is one subclass that describes itself (class attributes below); setting
`method_name` registers it in METHODS, so --method, the generated flags, --help, build_trainer
and the test harness find it without any other file being edited:

    class MyMethod(Trainer):
        method_name = "my_method"                      # the --method value
        summary = "CE + lambda*my_term."               # its line in --method's help
        teacher_kind = None                            # or "standard" / "robust"
        options_class = MyOptions                      # a MethodOptions dataclass (options.py)
        penalty_metrics = ("my_term",)

        def penalty(self, x, y, seed, logits): ...

    x_train = training_inputs(x, y, seed)      # what CE is computed on (clean, PGD, CutOut+PGD)
    logits = f(x_train)                         # training mode
    per_example = CE(logits, y) + penalty(x, y, seed, logits)   # IGD, IGAM, PAG, TRADES, ...
                  + regularizer(x, y, seed)                     # of the training attack (GradAlign)

A method with an adversary (IGAM's discriminator) sets `adversary`, `adversary_optimizer` and
`adversary_loss_metric`: the adversary is then updated in the same step, by its own optimizer,
on the per-example loss its penalty reports under that metric name (GAN min-max).

Losses are per-example and reduced with tf.nn.compute_average_loss (sum / global batch), so a
step on R replicas equals a step on one device at the same global batch. Weight decay is the
L2 term PyTorch's SGD(weight_decay=…) adds to the gradient, so the papers' values carry over.
Random numbers come from stateless seeds derived from (seed, step, replica, stream): every
replica draws different noise, and a resumed run draws the same noise as an uninterrupted one.
Under a mixed-precision student, the hooks (attacks, gradient terms) and the evaluation attack
run in float32 (precision.py); only the training forward pass computes in float16.
"""

import contextlib
import dataclasses

import keras
import tensorflow as tf

from igdtf.attacks import PGD, cross_entropy
from igdtf.distribute import in_multi_worker_mode
from igdtf.methods.options import MethodContext, MethodOptions, split_options
from igdtf.precision import computes_in_float32, float32_compute
from igdtf.seeding import fold_seed, replica_id
from igdtf.validation import check_non_negative

_ATTACK_STREAM, _PENALTY_STREAM, _EVAL_STREAM, _REGULARIZER_STREAM = 1, 2, 3, 4
TEACHER_KINDS = (None, "standard", "robust")
METHODS: dict = {}  # method_name → Trainer subclass, filled as method classes are defined


class Trainer(keras.Model):
    """Trains `student` ([N, H, W, C] images in [0, 1] → [N, K] logits) with one method's loss.

    Subclasses override `training_inputs` and/or `penalty` and list the names of the per-example
    metrics their penalty reports in `penalty_metrics`. Metrics per step: loss, ce, the penalty
    metrics, acc (accuracy on the inputs CE sees); evaluation reports loss, ce, acc on clean
    inputs and pgd_acc when `eval_attack` is set. Inputs may be images or vectors ([N, ...]).

    Args:
      student: the classifier being trained (saved and exported on its own).
      options: the method's settings, an instance of `options_class` (default: its defaults).
      weight_decay: L2 coefficient added to the gradient of every trainable weight.
      eval_attack: PGD used by test_step for `pgd_acc` (e.g. to select the best checkpoint).
      seed: base seed of every random draw in training.
      **kwargs: option fields (replacing those of `options`) and keras.Model arguments.
    """

    method_name: str | None = None  # registered under this name; None: a base, not a method
    summary: str = ""  # one line: the method's loss and its source
    teacher_kind: str | None = None  # the frozen teacher it needs: None, "standard" or "robust"
    adversarial: bool = False  # trains on a training attack's examples (validation PGD, the guard)
    replica_invariant: bool = True  # a step on R replicas equals one on one device (False: per-replica noise)
    options_class: type = MethodOptions
    penalty_metrics: tuple = ()
    # True: penalty also receives x_train=, the inputs CE is computed on (IGDM's x' = x + δ).
    penalty_needs_training_inputs: bool = False
    # Optional adversary trained in the same step (set by the subclass; see module docstring).
    adversary: keras.Model | None = None
    adversary_optimizer: keras.optimizers.Optimizer | None = None
    adversary_loss_metric: str | None = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        name = cls.__dict__.get("method_name")
        if name is None:
            return
        if not issubclass(cls.options_class, MethodOptions):
            raise TypeError(f"{cls.__name__}.options_class must subclass MethodOptions.")
        if cls.teacher_kind not in TEACHER_KINDS or not cls.summary:
            raise TypeError(f"{cls.__name__} needs a summary and a teacher_kind in {TEACHER_KINDS}.")
        known = METHODS.get(name)
        if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
            raise TypeError(f"Method name {name!r} of {cls.__module__}.{cls.__qualname__} is taken by "
                            f"{known.__module__}.{known.__qualname__}.")
        METHODS[name] = cls

    @classmethod
    def required_teacher(cls, options: MethodOptions) -> str | None:
        """The teacher a run with `options` needs: None, "standard" or "robust"."""
        return cls.teacher_kind

    @classmethod
    def prepare(cls, context: MethodContext) -> dict:
        """What the method computes before training, as more constructor arguments (a "teacher"
        entry replaces the run's teacher). Raises ValueError for settings that cannot work.
        Default: the trainer-wide options only."""
        return {}

    def __init__(self, student, options: MethodOptions | None = None, weight_decay=0.0,
                 eval_attack: PGD | None = None, seed=0, **kwargs):
        own, kwargs = split_options(self.options_class, kwargs)
        options = self.options_class() if options is None else options
        if not isinstance(options, self.options_class):
            raise TypeError(f"{type(self).__name__} takes {self.options_class.__name__}, "
                            f"received {type(options).__name__}.")
        super().__init__(**kwargs)
        self.options = dataclasses.replace(options, **own) if own else options
        self.student = student
        self.weight_decay = check_non_negative("weight_decay", weight_decay)
        self.eval_attack = eval_attack
        self.seed = int(seed)
        names = ("loss", "ce", *self.penalty_metrics, *self.regularizer_metrics(), "acc")
        self._train_trackers = {name: keras.metrics.Mean(name=name) for name in names}
        eval_names = ("loss", "ce", "acc") + (("pgd_acc",) if eval_attack else ())
        self._eval_trackers = {name: keras.metrics.Mean(name=f"eval_{name}") for name in eval_names}
        self._only_trained, self._only_steps = set(), 0

    def train_only(self, variables, steps: int) -> None:
        """For the first `steps` optimizer steps only `variables` of the student move (e.g. its
        head while the backbone stays frozen): the gradients of the others, weight decay
        included, are zeroed. Decided by the optimizer's step counter, which checkpoints hold, so
        a resumed run freezes exactly the same steps; nothing is retraced or rebuilt when the
        others start training. Call before the first step."""
        self._only_trained, self._only_steps = {id(v) for v in variables}, int(steps)

    def call(self, x, training=False):
        return self.student(x, training=training)

    @property
    def metrics(self):
        return list(self._train_trackers.values()) + list(self._eval_trackers.values())

    # Hooks -----------------------------------------------------------------------------------
    def training_inputs(self, x, y, seed):
        """The [N, H, W, C] inputs the cross-entropy is computed on; default: x itself."""
        return x

    def penalty(self, x, y, seed, logits):
        """([N] per-example term added to CE, or None; {metric name: [N] values}).

        x, y: the clean batch; logits: the student's training-mode logits on the CE inputs
        (differentiable; TRADES compares its adversarial logits with them).
        """
        return None, {}

    def regularizer_metrics(self) -> tuple:
        """Names of the per-example metrics `regularizer` reports (self.options is set)."""
        return ()

    def regularizer(self, x, y, seed):
        """([N] term added to CE besides the method's penalty, or None; {metric name: [N]}) on
        the clean batch: a term of the training set-up rather than of the method (GradAlign)."""
        return None, {}

    def checkpoint_items(self) -> dict:
        """Trackables of the method's own training state that checkpoints must hold for an exact
        resume; the student, the optimizer and the metrics are saved already, and frozen
        teachers need not be listed. Default: the adversary and its optimizer, if any."""
        if self.adversary is None:
            return {}
        return {"adversary": self.adversary, "adversary_optimizer": self.adversary_optimizer}

    def _float32(self):
        """Context in which every model of the trainer computes in float32 (a no-op unless the
        student uses a mixed-precision policy)."""
        if computes_in_float32(self.student):
            return contextlib.nullcontext()
        return float32_compute(self)

    # Keras' skeleton ---------------------------------------------------------------------------
    def step_seed(self, per_replica: bool = True) -> tf.Tensor:
        """The stateless seed of this optimizer step, folded with the replica id unless
        `per_replica` is False (for `replica_invariant_normal`)."""
        seed = fold_seed(tf.constant([self.seed, 0], tf.int64), self.optimizer.iterations)
        return fold_seed(seed, replica_id()) if per_replica else seed

    def _regularization_loss(self, model, variables) -> tf.Tensor:
        """½·wd·Σ‖w‖² plus the model's own layer losses, scaled so that summing gradients
        over replicas counts them once."""
        total = tf.constant(0.0)
        if self.weight_decay and variables:
            squares = [tf.reduce_sum(tf.square(tf.cast(v, tf.float32))) for v in variables]
            total += 0.5 * self.weight_decay * tf.add_n(squares)
        if model.losses:
            total += tf.add_n([tf.cast(l, tf.float32) for l in model.losses])
        return total / tf.distribute.get_strategy().num_replicas_in_sync

    def train_step(self, data, method_terms: bool = True):
        """One optimizer step; method_terms=False: CE on the training inputs only, no penalty, no
        regularizer, no adversary update, the penalty metrics not updated (IGAM's warm-up)."""
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        if sample_weight is not None:
            raise ValueError("igdtf trainers do not support sample weights; pass (images, labels).")
        x = tf.cast(x, tf.float32)
        y = tf.cast(tf.reshape(y, [-1]), tf.int32)
        seed = self.step_seed()
        with self._float32():
            x_train = tf.stop_gradient(self.training_inputs(x, y, fold_seed(seed, _ATTACK_STREAM)))
        variables = self.student.trainable_variables
        adversary = self.adversary if method_terms else None
        with tf.GradientTape(persistent=adversary is not None) as tape:
            logits = tf.cast(self.student(x_train, training=True), tf.float32)
            ce = cross_entropy(y, logits)
            extra = {"x_train": x_train} if self.penalty_needs_training_inputs else {}
            penalty, penalty_values, regularizer, regularizer_values = None, {}, None, {}
            if method_terms:
                with self._float32():
                    penalty, penalty_values = self.penalty(x, y, fold_seed(seed, _PENALTY_STREAM), logits, **extra)
                    regularizer, regularizer_values = self.regularizer(x, y, fold_seed(seed, _REGULARIZER_STREAM))
            per_example = ce
            for term in (penalty, regularizer):
                per_example = per_example if term is None else per_example + term
            penalty_values = {**penalty_values, **regularizer_values}
            loss = tf.nn.compute_average_loss(per_example)
            loss += self._regularization_loss(self.student, variables)
            scaled_loss = self.optimizer.scale_loss(loss)
            if adversary is not None:
                adversary_variables = adversary.trainable_variables
                adversary_loss = tf.nn.compute_average_loss(penalty_values[self.adversary_loss_metric])
                adversary_loss += self._regularization_loss(adversary, adversary_variables)
                scaled_adversary_loss = self.adversary_optimizer.scale_loss(adversary_loss)
        gradients = self._frozen_gradients(tape.gradient(scaled_loss, variables), variables)
        if adversary is not None:  # both gradients from the same forward pass
            adversary_gradients = tape.gradient(scaled_adversary_loss, adversary_variables)
            del tape
            self.adversary_optimizer.apply(adversary_gradients, adversary_variables)
        self.optimizer.apply(gradients, variables)
        values = {"loss": per_example, "ce": ce, **penalty_values, "acc": _correct(logits, y)}
        for name, tracker in self._train_trackers.items():
            if method_terms or name in values:
                tracker.update_state(values[name])
        return self._step_logs(self._train_trackers)

    def _frozen_gradients(self, gradients, variables):
        """`gradients` with those of variables outside train_only's set zeroed while its steps last."""
        if not self._only_steps:
            return gradients
        frozen = self.optimizer.iterations < self._only_steps
        return [g if g is None or id(v) in self._only_trained else tf.where(frozen, tf.zeros_like(g), g)
                for g, v in zip(gradients, variables)]

    def test_step(self, data):
        x, y, _ = keras.utils.unpack_x_y_sample_weight(data)
        x = tf.cast(x, tf.float32)
        y = tf.cast(tf.reshape(y, [-1]), tf.int32)
        logits = tf.cast(self.student(x, training=False), tf.float32)
        ce = cross_entropy(y, logits)
        values = {"loss": ce, "ce": ce, "acc": _correct(logits, y)}
        if self.eval_attack is not None:
            # Seeded by the batch content, so every evaluation of a batch draws the same start.
            fingerprint = tf.cast(tf.reduce_sum(x) * 1e4, tf.int64)
            seed = fold_seed(tf.constant([self.seed, _EVAL_STREAM], tf.int64), fingerprint)
            with self._float32():
                x_adv = self.eval_attack(self.student, x, y, seed)
                values["pgd_acc"] = _correct(self.student(x_adv, training=False), y)
        for name, tracker in self._eval_trackers.items():
            tracker.update_state(values[name])
        return self._step_logs(self._eval_trackers)

    def _step_logs(self, trackers: dict) -> dict:
        logs = {name: tracker.result() for name, tracker in trackers.items()}
        if in_multi_worker_mode(self.distribute_strategy):
            # Keras 3 reduces step outputs across workers with reduce(MEAN, axis=0), which needs
            # a batch axis (tensorflow/tensorflow#72388): give each scalar one.
            logs = {name: tf.reshape(value, [1]) for name, value in logs.items()}
        return logs

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras 3 builds a model by reducing one input batch with strategy.reduce, which
        # MultiWorkerMirroredStrategy rejects for (images, labels) pairs. Trainers need no such
        # build: the student owns its variables and the optimizer is built explicitly.
        if in_multi_worker_mode(self.distribute_strategy):
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)


def _correct(logits, y) -> tf.Tensor:
    """[N] float32: 1 where argmax(logits) == y."""
    return tf.cast(tf.equal(tf.argmax(logits, -1, output_type=tf.int32), y), tf.float32)
