"""Entry points: `python -m igdtf.recipes.<name>`.

Flags (absl) are defined only in entry modules: igdtf/recipes/, igdtf/benchmarks/ and the
`python -m` shims; library modules never define flags. Entry modules import library modules
(and the shims import recipes), never each other across recipes/ and benchmarks/.
"""
