"""`zorgstraf triage --workers N` (issue 17): both cores for large batches, output order and bytes
unchanged, bad lines named as in one process. Not timed: speed lives in benchmarks/."""

from __future__ import annotations

import json
import subprocess
import sys

from zorgstraf.samples import generate


def run(args: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "zorgstraf.cli", "triage", *args], capture_output=True, text=True)


def test_two_workers_give_the_same_bytes_in_the_same_order_and_name_the_same_bad_lines(tmp_path):
    path = tmp_path / "m.jsonl"
    lines = [json.dumps(m) for m in generate(4500, seed=5)]
    lines.insert(2100, '{"melding_id": "KAPOT"}')  # in the second chunk
    path.write_bytes(("\n".join(lines) + "\n").encode() + b"\xff\xfe\n")
    one, two = tmp_path / "een.jsonl", tmp_path / "twee.jsonl"
    single = run([str(path), "--format", "jsonl", "-o", str(one), "--regio", "limburg"])
    double = run([str(path), "--format", "jsonl", "-o", str(two), "--regio", "limburg", "--workers", "2"])
    assert single.returncode == double.returncode == 1
    assert one.read_bytes() == two.read_bytes() and len(one.read_bytes().splitlines()) == 4500
    assert (
        single.stderr == double.stderr and ":2101: veld 'ontvangen_op'" in double.stderr and ":4502: regel is geen UTF-8" in double.stderr
    )


def test_workers_refuse_formats_and_storing_they_cannot_keep_in_order(tmp_path):
    path = tmp_path / "m.jsonl"
    path.write_text(json.dumps(generate(1)[0]) + "\n", encoding="utf-8")
    for extra in (["--format", "table"], ["--format", "jsonl", "--opslaan"]):
        refused = run([str(path), "--workers", "2", *extra])
        assert refused.returncode == 2 and "--workers" in refused.stderr and "Traceback" not in refused.stderr
