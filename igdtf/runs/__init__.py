"""Run-folder records: what a run directory holds (files.py) and the records in it (run.json:
run_file.py; collapse.json: collapse_record.py; overfitting.json: overfitting_record.py),
written atomically (atomic.py; a refused write as one line: write_errors.py), read back with
errors that name the file (artefacts.py), and one process per folder (lock.py).

A leaf package: it imports only the base modules at igdtf's root (errors, ...), so that data,
models, methods, training, evaluation, export and the entry points can all use it.
"""
