#!/usr/bin/env python3
"""Per-trial overhead of `command` candidates, from a results folder's records.

    scripts/command-overhead.py results/native-vs-sklearn

For each candidate (medians over its successful trials): the trial's wall time (record
start to end, as the scheduler saw it), its train_time, and for a command the figures of
its hand-off note: MB of rows and job.json written and how long that took, spawn to the
first mark, exit after the last mark, and the whole command. `wall-fit` is what a trial
costs beyond its fit.
"""

import json
import re
import statistics
import sys
from datetime import datetime
from pathlib import Path

HANDOFF = re.compile(
    r"hand-off: ([\d.]+) MB .* in ([\d.]+) s; start-up \(spawn to first mark\) ([\d.]+) s; "
    r"exit after the last mark ([\d.]+) s; whole command ([\d.]+) s"
)


def when(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def main(folder):
    trials = {}
    for line in (Path(folder) / "runs.jsonl").read_text().splitlines():
        record = json.loads(line)
        if record["status"] != "ok":
            continue
        row = {
            "wall s": (when(record["ended_at"]) - when(record["started_at"])).total_seconds(),
            "fit s": record["measurements"]["train_time"]["value"],
        }
        for note in record.get("notes", []):
            if match := HANDOFF.search(note):
                for key, value in zip(["MB", "hand-off s", "start-up s", "exit s", "command s"], match.groups()):
                    row[key] = float(value)
        row["wall-fit s"] = row["wall s"] - row["fit s"]
        trials.setdefault(record["candidate"], []).append(row)
    for candidate, rows in trials.items():
        figures = "  ".join(f"{key} {statistics.median(r[key] for r in rows):.4g}" for key in rows[0])
        print(f"{candidate:<16} n={len(rows):<3} {figures}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "results/native-vs-sklearn")
