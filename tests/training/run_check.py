"""Run as a script: trains PGDAT (small CNN, 8×8 random data, EpochBatches with pad-crop-flip
and CutOut, plateau schedule, mid-epoch checkpoints, TensorBoard) into OUTPUT_DIR and prints
one JSON line {"weights": path of an .npz of the final weights, "lr": final learning rate}.

  run_check.py OUTPUT_DIR [--kill_at=STEP] [--strategy=default|mirrored|multi_worker]
                          [--random_start=0|1] [--epochs=N] [--signal_at=STEP|val:EPOCH --signal=TERM|INT]
                          [--learning_rate=LR] [--poison_at=STEP] [--fill_disk_at=STEP]

--kill_at SIGKILLs the process right after optimizer step STEP (no clean-up at all).
--signal_at sends SIGTERM (or --signal=INT) to the process itself right after optimizer step
STEP, or during the validation of 1-based epoch EPOCH; the stop handlers of igdtf.cli are
installed, and a stop prints its line to stderr and exits with its code (as cli.run does).
--poison_at sets a weight of the student to NaN after optimizer step STEP (and its checkpoint).
--fill_disk_at fills the file system of OUTPUT_DIR after optimizer step STEP with OUTPUT_DIR.ballast
(a file beside it). A refused write prints "error: ..." and exits 2, as cli.run does.
--strategy=mirrored runs on 2 logical CPU devices, which must be configured before any
TensorFlow op: that is why the tests run this script in subprocesses.
"""

import argparse
import json
import os
import signal
import sys

import tensorflow as tf

parser = argparse.ArgumentParser()
parser.add_argument("output_dir")
parser.add_argument("--kill_at", type=int, default=None)
parser.add_argument("--strategy", default="default")
parser.add_argument("--random_start", type=int, default=1)
parser.add_argument("--epochs", type=int, default=3)
parser.add_argument("--signal_at", default=None)
parser.add_argument("--signal", default="TERM")
parser.add_argument("--learning_rate", type=float, default=0.05)
parser.add_argument("--poison_at", type=int, default=None)
parser.add_argument("--fill_disk_at", type=int, default=None)
args = parser.parse_args()

if args.strategy == "mirrored":
    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices("CPU")[0],
        [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()],
    )
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
elif args.strategy == "multi_worker":
    strategy = tf.distribute.MultiWorkerMirroredStrategy()
else:
    strategy = tf.distribute.get_strategy()

import keras  # noqa: E402
import numpy as np  # noqa: E402

from igdtf.attacks import PGD  # noqa: E402
from igdtf.data.pipeline import EpochBatches, evaluation_pipeline  # noqa: E402
from igdtf.data.preprocess import SmallImages  # noqa: E402
from igdtf.data.registry import DatasetInfo  # noqa: E402
from igdtf.errors import TrainingDiverged, WriteError  # noqa: E402
from igdtf.evaluation import AttributionGini  # noqa: E402
from igdtf.evaluation.reporting.tensorboard import training_probes  # noqa: E402
from igdtf.stop_signals import StopRequested, handling_stop_signals  # noqa: E402
from igdtf.training import TensorBoardOptions, TrainConfig, train_model  # noqa: E402

tf.config.experimental.enable_op_determinism()
rng = np.random.default_rng(0)
labels = rng.integers(0, 3, 64).astype("int32")
images = rng.uniform(0, 1, (64, 8, 8, 3)) * 0.5 + labels[:, None, None, None] * 0.25  # learnable
images = np.clip(images, 0, 1).astype("float32")
info = DatasetInfo("check", 3, (8, 8, 3), (0.5,) * 3, (0.25,) * 3, 2, ("train",), None)
preprocess = SmallImages(pad=2)
train = EpochBatches(tf.data.Dataset.from_tensor_slices((images[:48], labels[:48])),
                     lambda image, seed: preprocess.train(image, seed, 8), batch_size=8, seed=5,
                     shuffle_buffer=48, cutout_size=3)
validation = evaluation_pipeline(tf.data.Dataset.from_tensor_slices((images[48:], labels[48:])), 8)
attack = PGD(steps=2, random_start=bool(args.random_start))
config = TrainConfig.create(method="pgdat", arch="small_cnn", arch_options={"width": 4}, epochs=args.epochs,
                            batch_size=8, learning_rate=args.learning_rate, plateau_patience=1, attack=attack,
                            eval_attack=attack, checkpoint_every_steps=2, seed=1)


class KillAt(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.optimizer.iterations.numpy()) == args.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


class SignalAt(keras.callbacks.Callback):
    def __init__(self, at: str):
        super().__init__()
        self.validation_epoch = int(at[4:]) if at.startswith("val:") else None
        self.step = None if self.validation_epoch else int(at)
        self.epoch = 0

    def _send(self):
        os.kill(os.getpid(), getattr(signal, f"SIG{args.signal}"))

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.optimizer.iterations.numpy()) == self.step:
            self._send()

    def on_test_batch_end(self, batch, logs=None):
        if self.epoch + 1 == self.validation_epoch and batch == 0:
            self._send()


class PoisonAt(keras.callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        if int(self.model.optimizer.iterations.numpy()) == args.poison_at:
            weight = self.model.student.weights[-1]  # the logits bias
            weight.assign(np.full(weight.shape, np.nan, weight.dtype))


class FillDiskAt(keras.callbacks.Callback):
    def on_train_batch_end(self, batch, logs=None):
        if int(self.model.optimizer.iterations.numpy()) == args.fill_disk_at:
            with open(os.path.normpath(args.output_dir) + ".ballast", "wb") as f:
                try:
                    while True:
                        f.write(b"\0" * 65536)
                        f.flush()
                except OSError:
                    pass


extra = (KillAt(),) if args.kill_at else ()
extra += (FillDiskAt(),) if args.fill_disk_at else ()
extra += (PoisonAt(),) if args.poison_at else ()
extra += (SignalAt(args.signal_at),) if args.signal_at else ()
tensorboard = TensorBoardOptions(probes=training_probes((images[48:52], labels[48:52]), (AttributionGini(block=2),)),
                                 every_steps=2, hparams={"dataset": "check"})
try:
    with handling_stop_signals():
        student = train_model(config, info, train, args.output_dir, validation_data=validation, strategy=strategy,
                              tensorboard=tensorboard, callbacks=extra)
except StopRequested as stop:
    print(stop, file=sys.stderr, flush=True)
    sys.exit(stop.exit_code)
except (TrainingDiverged, WriteError) as error:
    print(f"error: {error}", file=sys.stderr, flush=True)
    sys.exit(2)
path = os.path.join(args.output_dir, f"weights_{os.getpid()}.npz")
np.savez(path, *student.get_weights())
print(json.dumps({"weights": path}), flush=True)
sys.exit(0)
