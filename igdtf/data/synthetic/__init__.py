"""Built-in datasets generated on the fly from a seed (no files): Shapes (the default), Squares,
Spheres and the PAG paper's line modes; splits.py gives each split its seed and size."""
