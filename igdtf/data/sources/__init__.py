"""User data: folder:PATH, npz:PATH and tfds:NAME[/CONFIG] specs (specs.py), each opened as a
checked, measured Source (source.py) whose facts the registry turns into a DatasetInfo."""
