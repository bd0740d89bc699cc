"""`python -m igdtf.export --checkpoint PATH --output BASE [--version N] [--overwrite]`.

The command line lives in igdtf/cli/export.py (this entry module defines and adopts its flags).
"""

from absl import flags

from igdtf.cli import export as export_command, run

export_command.define_export_flags()
flags.adopt_module_key_flags(export_command)  # list its flags in --help

if __name__ == "__main__":
    run(export_command.main)
