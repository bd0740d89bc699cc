"""`--attack_precision=auto`: bfloat16 only where the training hardware computes it natively."""

import pytest

from igdtf.native_bfloat16 import AUTO, cpu_flags, has_native_bfloat16, resolve_attack_precision


@pytest.mark.parametrize("flags, gpus, expected", [
    ({"avx2", "avx512f", "avx512_bf16"}, [], True),
    ({"avx2", "amx_bf16"}, [], True),
    ({"avx2", "avx512f"}, [], False),            # emulated bfloat16 on the CPU
    (set(), [(8, 0), (9, 0)], True),             # Ampere, Hopper
    ({"avx512_bf16"}, [(7, 5)], False),          # the GPU trains and has no bfloat16 tensor cores
    ({"avx512_bf16"}, [(8, 6), (7, 0)], False),  # one older GPU among the replicas
    (set(), [None], False),                      # capability not reported
])
def test_native_bfloat16_follows_the_device_that_trains(flags, gpus, expected):
    assert has_native_bfloat16(flags, gpus) is expected


def test_cpu_flags_are_read_from_cpuinfo_and_missing_files_give_none(tmp_path):
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text("processor\t: 0\nflags\t\t: fpu avx2 avx512_bf16\n\nprocessor\t: 1\nflags\t\t: fpu\n")
    assert cpu_flags(str(cpuinfo)) == {"fpu", "avx2", "avx512_bf16"}
    assert cpu_flags(str(tmp_path / "absent")) == set()


def test_explicit_precisions_pass_through_and_auto_resolves_to_one_of_two(monkeypatch):
    assert [resolve_attack_precision(p) for p in ("float32", "bfloat16", "float16")] == \
        ["float32", "bfloat16", "float16"]
    monkeypatch.setattr("igdtf.native_bfloat16.cpu_flags", lambda: {"avx512_bf16"})
    monkeypatch.setattr("igdtf.native_bfloat16.gpu_capabilities", lambda: [])
    assert resolve_attack_precision(AUTO) == "bfloat16"
    monkeypatch.setattr("igdtf.native_bfloat16.cpu_flags", lambda: {"avx2"})
    assert resolve_attack_precision(AUTO) == "float32"
