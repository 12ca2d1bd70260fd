"""What a crash or a cleanup may not break: a finished build survives power loss, and pruning spares what is served."""

import os
from pathlib import Path

from indexer.builds.layout import BUILDS, BuildReport, Manifest, PartialBuild, ServingRecord, prune


def manifest(build_id: str) -> Manifest:
    return Manifest(build_id, "now", "all-MiniLM-L6-v2", 384, 0, 0, "corpus", "fp")


def make_builds(index: Path, *ids: str) -> None:
    for build_id in ids:
        (index / BUILDS / build_id).mkdir(parents=True)
    (index / "CURRENT").write_text(ids[-1] + "\n")


def test_the_rename_of_a_finished_build_is_flushed_to_disk_before_current_names_it(tmp_path, monkeypatch):
    """Without an fsync of builds/ after the rename, a power cut could leave CURRENT naming a build not on disk."""
    events: list[str] = []
    real_fsync, real_rename, real_replace = os.fsync, os.rename, os.replace

    def fsync(fd: int) -> None:
        events.append("fsync " + os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "rename", lambda a, b: (events.append("rename"), real_rename(a, b))[1])
    monkeypatch.setattr(os, "replace", lambda a, b: (events.append("replace CURRENT"), real_replace(a, b))[1])
    build = PartialBuild(tmp_path, "b1")
    build.finish(manifest("b1"), BuildReport(), keep=3)
    builds_dir = "fsync " + str((tmp_path / BUILDS).resolve())
    assert builds_dir in events
    assert events.index("rename") < events.index(builds_dir) < events.index("replace CURRENT")


def test_prune_spares_current_and_builds_a_running_service_holds(tmp_path):
    make_builds(tmp_path, "b1", "b2", "b3", "b4")
    (tmp_path / "CURRENT").write_text("b3\n")  # b4 was refused by the service; CURRENT still names it in real life
    record = ServingRecord(tmp_path)  # as a service process does: it serves b1 (it refused b2..b4)
    record.hold("b1")
    assert prune(tmp_path, keep=1) == ["b2"]
    assert sorted(p.name for p in (tmp_path / BUILDS).iterdir()) == ["b1", "b3", "b4"]
    record.close()  # the service stopped: its build is no longer spared
    assert prune(tmp_path, keep=1) == ["b1"]


def test_a_record_left_by_a_dead_service_does_not_keep_builds_forever(tmp_path):
    make_builds(tmp_path, "b1", "b2")
    (tmp_path / ".serving-999999-dead").write_text("b1\n")  # no process holds its lock
    assert prune(tmp_path, keep=1) == ["b1"]
    assert not (tmp_path / ".serving-999999-dead").exists()
