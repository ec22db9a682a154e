"""The glibc malloc settings gruchat makes before loading the engine (gruchat.allocator)."""

from __future__ import annotations

import ctypes
import platform

import pytest

from gruchat import allocator


class FakeLibc:
    def __init__(self, result: int = 1) -> None:
        self.calls: list[tuple[int, int]] = []
        self.result = result

        def mallopt(param: int, value: int) -> int:
            self.calls.append((param, value))
            return self.result

        self.mallopt = mallopt


@pytest.fixture
def libc(monkeypatch):
    fake = FakeLibc()
    monkeypatch.setattr(ctypes, "CDLL", lambda name: fake)
    return fake


def test_a_fixed_mmap_threshold_and_two_arenas(libc) -> None:
    assert allocator.tune_allocator({}) is True
    assert libc.calls == [(-3, 128 * 1024), (-8, 2)]


@pytest.mark.parametrize(
    "env",
    [{"GRUCHAT_MALLOC": "default"}, {"MALLOC_ARENA_MAX": "4"}, {"MALLOC_MMAP_THRESHOLD_": "0"}],
)
def test_left_alone_when_asked_or_when_the_user_tuned_glibc(libc, env) -> None:
    assert allocator.tune_allocator(env) is False
    assert libc.calls == []


def test_a_refused_setting_reports_false(libc) -> None:
    libc.result = 0  # mallopt returns 0 on error
    assert allocator.tune_allocator({}) is False


def test_no_glibc_no_tuning(monkeypatch) -> None:
    def no_libc(name):
        raise OSError("no C library")

    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    assert allocator.tune_allocator({}) is False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_the_real_glibc_takes_both_settings() -> None:
    assert allocator.tune_allocator({}) is True
