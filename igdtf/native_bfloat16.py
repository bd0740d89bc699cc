"""Whether this machine computes bfloat16 natively, for `--attack_precision=auto`.

A bfloat16 training attack is 1.6x faster than float32 on a CPU with avx512_bf16 (docs/measurements/training_step.md,
"Small CNN"), but CPUs without bfloat16 instructions emulate it and GPUs before compute
capability 8.0 (Ampere) have no bfloat16 tensor cores, so `auto` picks bfloat16 only where the
training runs on hardware that has it: the GPUs if TensorFlow sees any, else the CPU.
"""

import tensorflow as tf

AUTO = "auto"
CPU_FLAGS = ("avx512_bf16", "amx_bf16")  # /proc/cpuinfo flags of bfloat16 arithmetic
GPU_CAPABILITY = (8, 0)


def has_native_bfloat16(cpu_flags: set, gpu_capabilities: list) -> bool:
    """True if the devices that train compute bfloat16 natively: every GPU has compute
    capability >= 8.0 when there are GPUs (capabilities as (major, minor); None = unknown),
    else the CPU has one of CPU_FLAGS."""
    if gpu_capabilities:
        return all(c is not None and tuple(c) >= GPU_CAPABILITY for c in gpu_capabilities)
    return any(flag in cpu_flags for flag in CPU_FLAGS)


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> set:
    """The CPU's feature flags from Linux's cpuinfo; empty where that file does not exist."""
    try:
        with open(cpuinfo) as f:
            lines = [line for line in f if line.startswith(("flags", "Features"))]
    except OSError:
        return set()
    return set(lines[0].split(":", 1)[1].split()) if lines else set()


def gpu_capabilities() -> list:
    """(major, minor) compute capability of every GPU TensorFlow sees (None if not reported)."""
    return [tf.config.experimental.get_device_details(gpu).get("compute_capability")
            for gpu in tf.config.list_physical_devices("GPU")]


def resolve_attack_precision(precision: str) -> str:
    """`precision` itself, or for AUTO: "bfloat16" on hardware with native bfloat16, else "float32"."""
    if precision != AUTO:
        return precision
    return "bfloat16" if has_native_bfloat16(cpu_flags(), gpu_capabilities()) else "float32"
