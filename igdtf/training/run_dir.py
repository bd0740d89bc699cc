"""The files of a run directory.

A run directory holds:
  run.json       the run's identity (method, architecture, dataset, batch, seed, precision),
                 settings and epoch segments; a directory is resumed only by the same run with
                 the same settings (run_record.py)
  checkpoints/   tf.train checkpoints (the last two) after every epoch and, with
                 checkpoint_every_steps, within epochs: weights, optimizer slots, learning rate,
                 loss scale, step counter, partial-epoch metric sums and the RunState (data
                 position, reduce-on-plateau state, best value; see checkpointing.py)
  history.csv    one row of metrics per epoch
  collapse.json  the collapse check of every epoch (collapse.py)
  model_spec.json  architecture, input shape, classes, normalisation, dataset (igdtf.models.ModelSpec),
                 to rebuild the model around a checkpoint (igdtf.export)
  best.keras     with validation data: the student at its best validation metric
  best.json      (val_pgd_acc for adversarial methods, val_acc otherwise) and that epoch
  overfitting.json  catastrophic-overfitting events, if any (overfitting_guard.py)
  tensorboard/   with tensorboard options: event files (evaluation/tensorboard.py)
  model.keras    the trained classifier after the last epoch (written last; means "done")
Every file is written atomically (atomic.py): a kill leaves the old file or the new one. A
model.keras that cannot be read is rebuilt from the last checkpoint; a corrupt checkpoint
falls back to the one before it.
Running again on the same directory resumes from the last checkpoint. With EpochBatches
training data (pipeline.py) the resumed run sees the same batches and draws the same random
numbers as an uninterrupted one, so in deterministic mode it ends with the same weights.
"""

MODEL_FILE = "model.keras"
