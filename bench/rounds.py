"""Interleaved wrk rounds: hello-world, page, hello-world, page … and the ratio per round."""

from __future__ import annotations

import statistics
from pathlib import Path

from . import wrk
from .scenarios import Scenario


def run(sc: Scenario, app_base: str, hello_base: str, rounds: int, seconds: float,
        workdir: Path, log) -> dict:
    per_round = []
    remaining = list(sc.lines)
    exhausted = False
    seconds = max(seconds, sc.min_seconds)
    for r in range(rounds):
        base_file = wrk.write_requests(workdir / f"{sc.key}-baseline.tsv", sc.baseline_lines())
        baseline = wrk.run(hello_base, base_file, seconds, sc.connections)
        if sc.consumable:
            if len(remaining) < 2:
                exhausted = True
                break
            page_file = wrk.write_requests(workdir / f"{sc.key}-{r}.tsv", remaining)
        else:
            page_file = wrk.write_requests(workdir / f"{sc.key}.tsv", sc.lines)
        page = wrk.run(app_base, page_file, seconds, sc.connections)
        if sc.consumable:
            used = page["requests"] + sc.connections  # in flight at the end count too
            if used > len(remaining):
                exhausted = True
            remaining = remaining[used:]
        ratio = page["rps"] / baseline["rps"] if baseline["rps"] else 0.0
        per_round.append(
            {
                "round": r + 1,
                "baseline_rps": baseline["rps"],
                "rps": page["rps"],
                "ratio": ratio,
                "p50_ms": page["p50_ms"],
                "p99_ms": page["p99_ms"],
                "baseline_p50_ms": baseline["p50_ms"],
                "requests": page["requests"],
                "non_2xx_3xx": page["non_2xx_3xx"],
                "socket_errors": page["socket_errors"],
            }
        )
        log(
            f"    round {r + 1}: hello {baseline['rps']:.0f}/s, {sc.key} {page['rps']:.0f}/s "
            f"({ratio:.0%}), p50 {page['p50_ms']} ms, p99 {page['p99_ms']} ms"
            + (f", {page['non_2xx_3xx']} non-2xx/3xx" if page["non_2xx_3xx"] else "")
        )

    def med(key):
        values = [x[key] for x in per_round if x[key] is not None]
        return statistics.median(values) if values else None

    return {
        "rounds": per_round,
        "rps": med("rps"),
        "baseline_rps": med("baseline_rps"),
        "ratio": med("ratio"),
        "p50_ms": med("p50_ms"),
        "p99_ms": med("p99_ms"),
        "non_2xx_3xx": sum(x["non_2xx_3xx"] for x in per_round),
        "socket_errors": sum(x["socket_errors"] for x in per_round),
        "exhausted": exhausted,
    }
