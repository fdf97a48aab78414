#!/usr/bin/env python3
"""Figures of scripts/bench (docs/performance.md).

  summarize.py e2e TIMINGS SAMPLES --store S --submitted N --ready N --issued N --cpu-ticks T
               --ticks-per-second HZ --wall START END --notified N --duplicate-effects N
      one JSON line: end-to-end throughput, submit->ready percentiles, hub CPU and memory
  summarize.py soak SAMPLES --in-flight N
      one JSON line: the hub's memory over the soak
  summarize.py report RESULTS.jsonl OUT.json OUT.md
      the figures table with ratios and targets
"""
import argparse
import json
import sys

TARGET_INTAKE_PER_S = 1000
TARGET_INTAKE_P99_MS = 100
TARGET_SHARE_OF_DB_CEILING = 0.5
TARGET_E2E_PER_S = 100
TARGET_RSS_MB = 200


def percentile(values, p):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p * (len(ordered) - 1) + 0.5))]


def read_samples(path):
    samples = []
    try:
        with open(path) as lines:
            for line in lines:
                parts = line.split()
                if len(parts) == 3 and parts[1].isdigit():
                    samples.append((float(parts[0]), int(parts[1]), int(parts[2])))
    except FileNotFoundError:
        pass
    return samples


def e2e(args):
    received, ready = [], []
    with open(args.timings) as lines:
        for line in lines:
            parts = line.split()
            if len(parts) == 2:
                received.append(int(parts[0]))
                ready.append(int(parts[1]))
    latencies = [b - a for a, b in zip(received, ready)]
    window_s = (max(ready) - min(received)) / 1000 if ready else None
    samples = read_samples(args.samples)
    rss = [kb / 1024 for _, kb, _ in samples]
    cpu_s = args.cpu_ticks / args.ticks_per_second
    out = {
        "phase": "e2e", "store": args.store, "submitted": args.submitted, "ready": args.ready,
        "ready_in_store": len(ready), "permits_issued": args.issued,
        "complete_12_permit_packages": min(len(ready), args.issued // 12),
        "window_s": round(window_s, 2) if window_s else None,
        "packages_per_s": round(len(ready) / window_s, 1) if window_s else None,
        "permits_per_s": round(args.issued / window_s, 1) if window_s else None,
        "ready_p50_ms": percentile(latencies, 0.5), "ready_p99_ms": percentile(latencies, 0.99),
        "ready_max_ms": max(latencies) if latencies else None,
        "wall_s": round(args.wall[1] - args.wall[0], 2),
        "hub_cpu_s": round(cpu_s, 2),
        "hub_cpu_ms_per_package": round(1000 * cpu_s / len(ready), 2) if ready else None,
        "rss_first_mb": round(rss[0], 1) if rss else None, "rss_max_mb": round(max(rss), 1) if rss else None,
        "rss_last_mb": round(rss[-1], 1) if rss else None,
        "rss_samples_mb": [round(value, 1) for value in rss[:: max(1, len(rss) // 30)]],
        "mariadb_cpu_ms_per_package": (round(1000 * args.db_cpu_ticks / args.ticks_per_second / len(ready), 2)
                                       if ready and args.store == "mysql" else None),
        "db_statements_per_package": (round(args.db_statements / len(ready), 1)
                                      if ready and args.store == "mysql" else None),
        "notifications_received": args.notified, "duplicate_effects": args.duplicate_effects,
    }
    # Every process on the machine, per package: the two cores are shared by
    # the hub, MariaDB, deptsim (standing in for five departments' systems)
    # and the load generator that submitted the packages.
    if ready:
        per_package = lambda ticks: 1000 * ticks / args.ticks_per_second / len(ready)
        out["deptsim_cpu_ms_per_package"] = round(per_package(args.deptsim_cpu_ticks), 2)
        out["submit_cpu_ms_per_package"] = round(1000 * args.submit_cpu_s / len(ready), 2)
        machine = (per_package(args.cpu_ticks) + per_package(args.db_cpu_ticks if args.store == "mysql" else 0)
                   + per_package(args.deptsim_cpu_ticks) + 1000 * args.submit_cpu_s / len(ready))
        out["machine_cpu_ms_per_package"] = round(machine, 2)
        out["cpu_bound_packages_per_s"] = round(1000 * args.cores / machine, 1) if machine else None
        deptsim_ms = per_package(args.deptsim_cpu_ticks)
        out["deptsim_alone_bound_packages_per_s"] = round(1000 * args.cores / deptsim_ms, 1) if deptsim_ms else None
    print(json.dumps(out))


def soak(args):
    samples = read_samples(args.samples)
    rss = [kb / 1024 for _, kb, _ in samples]
    # After the 10,000 submissions: the flat part that the target is about.
    print(json.dumps({
        "phase": "soak", "in_flight_at_end": args.in_flight, "samples": len(rss),
        "rss_first_mb": round(rss[0], 1) if rss else None, "rss_max_mb": round(max(rss), 1) if rss else None,
        "rss_last_mb": round(rss[-1], 1) if rss else None,
        "rss_samples_mb": [round(value, 1) for value in rss],
    }))


def statements(args):
    """The general log's statements grouped by shape, most frequent first."""
    import re
    import collections
    shapes = collections.Counter()
    commands = collections.Counter()
    for line in open(args.log, errors="replace"):
        command = re.search(r"\d (Query|Execute|Prepare|Close stmt|Connect|Quit|Reset stmt)\t", line)
        if command:
            commands[command.group(1)] += 1
        match = re.search(r"\d (Query|Execute)\t(.*)$", line)
        if not match:
            continue
        text = match.group(2)
        text = re.sub(r"'(?:[^'\\]|\\.)*'", "?", text)
        text = re.sub(r"\b\d+\b", "N", text)
        text = re.sub(r"\s+", " ", text)[:150]
        shapes[text] += 1
    total = sum(shapes.values())
    print(f"{total} statements in the sample; protocol commands: "
          + ", ".join(f"{name} {count}" for name, count in commands.most_common()))
    for text, count in shapes.most_common(25):
        print(f"{count:7d} {100 * count / max(1, total):5.1f}%  {text}")


def fmt(value, digits=1):
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}"


def report(args):
    rows = [json.loads(line) for line in open(args.results) if line.strip()]
    by_phase = {}
    for row in rows:
        by_phase.setdefault(row["phase"], []).append(row)
    machine = (by_phase.get("machine") or [{}])[0]
    db = by_phase.get("db-ceiling", [])
    db_best = max((row["packages_per_s"] for row in db if row["store"] == "mysql"), default=None)
    md = [f"# Benchmark {machine.get('stamp', '')} ({machine.get('mode', '')})", "",
          f"Machine: {machine.get('cores')} cores ({machine.get('cpu', '?')}), kernel {machine.get('kernel')}, "
          f"load average at start {machine.get('loadavg_at_start')}. Checkout {machine.get('commit', '?')}, "
          f"hub binary {machine.get('hub', '?')}.", ""]

    md += ["## Baselines", "", "| baseline | concurrency | per second | p50 ms | p99 ms | MariaDB CPU ms/package |",
           "|---|---|---|---|---|---|"]
    for row in db:
        shape = (f"{row['packages_per_transaction']} packages a transaction" if row.get("packages_per_transaction")
                 else "one package a transaction")
        flush = ", log flushed once a second" if row["store"] == "mysql-flush2" else ""
        md.append(f"| database ceiling ({row['rows_per_package']} rows/package, {shape}{flush}) | {row['connections']} "
                  f"| {fmt(row['packages_per_s'])} packages | – | – | {fmt(row.get('mariadb_cpu_ms_per_package'), 2)} |")
    for row in by_phase.get("http-ceiling", []):
        md.append(f"| {row['label']} | {row['concurrency']} | {fmt(row['accepted_per_s'])} answers "
                  f"| {fmt(row['p50_ms'], 2)} | {fmt(row['p99_ms'], 2)} | – |")

    md += ["", "## Intake (dispatch off)", "",
           "| store | loop | offered/s | accepted/s | not sent (backlog) | p50 ms | p90 ms | p99 ms | max ms | errors | hub CPU ms/package | MariaDB CPU ms/package | DB statements/package | of DB ceiling |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    intake = by_phase.get("intake", [])
    for row in intake:
        errors = {k: v for k, v in row["outcomes"].items() if not k.startswith("2")}
        loop = "open" if row["mode"] == "open" else f"closed c={row['concurrency']}"
        offered = fmt(row["offered_rate"], 0) if row["mode"] == "open" else "–"
        share = None
        same_store = [d for d in db if d["store"] == row["store"]]
        if same_store:
            same = [d["packages_per_s"] for d in same_store if d["connections"] == row["concurrency"]]
            ceiling = same[0] if same else max(d["packages_per_s"] for d in same_store)
            share = row["accepted_per_s"] / ceiling if ceiling else None
        md.append(f"| {row['store']} | {loop} | {offered} | {fmt(row['accepted_per_s'])} | {fmt(row.get('not_sent'))} | {fmt(row['p50_ms'], 1)} "
                  f"| {fmt(row['p90_ms'], 1)} | {fmt(row['p99_ms'], 1)} | {fmt(row['max_ms'], 0)} "
                  f"| {', '.join(f'{k}×{v}' for k, v in errors.items()) or '0'} "
                  f"| {fmt(row.get('hub_cpu_ms_per_package'), 2)} | {fmt(row.get('mariadb_cpu_ms_per_package'), 2)} "
                  f"| {fmt(row.get('db_statements_per_package'), 1)} | {fmt(share * 100, 0) + ' %' if share else '–'} |")

    md += ["", "## End to end (dispatch on, deptsim deciding instantly)", "",
           "| store | packages | complete (12 ISSUED) | packages/s | permits/s | submit→ready p50 ms | p99 ms | hub CPU ms/package | MariaDB CPU ms/package | DB statements/package | RSS max MB | duplicate effects |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    e2e_rows = by_phase.get("e2e", [])
    for row in e2e_rows:
        md.append(f"| {row['store']} | {row['submitted']} | {row['complete_12_permit_packages']} | {fmt(row['packages_per_s'])} "
                  f"| {fmt(row['permits_per_s'])} | {fmt(row['ready_p50_ms'])} | {fmt(row['ready_p99_ms'])} "
                  f"| {fmt(row['hub_cpu_ms_per_package'], 2)} | {fmt(row.get('mariadb_cpu_ms_per_package'), 2)} "
                  f"| {fmt(row.get('db_statements_per_package'), 1)} | {fmt(row['rss_max_mb'])} | {row['duplicate_effects']} |")
    md += ["", "## Where the machine's CPU goes (ms of CPU per package, every process)", "",
           "Two cores give 2,000 ms of CPU a second; the rate they allow is 2,000 / the machine's CPU per package.", "",
           "| step | hub | MariaDB | deptsim | load generator | machine | measured packages/s | CPU allows packages/s |",
           "|---|---|---|---|---|---|---|---|"]
    cores = machine.get("cores") or 2
    for row in intake:
        if row.get("machine_cpu_ms_per_package") is None:
            continue
        loop = f"open {fmt(row['offered_rate'], 0)}/s" if row["mode"] == "open" else f"closed c={row['concurrency']}"
        md.append(f"| intake {row['store']} {loop} | {fmt(row.get('hub_cpu_ms_per_package'), 2)} "
                  f"| {fmt(row.get('mariadb_cpu_ms_per_package'), 2)} | – | {fmt(row.get('loadgen_cpu_ms_per_package'), 2)} "
                  f"| {fmt(row['machine_cpu_ms_per_package'], 2)} | {fmt(row['accepted_per_s'])} "
                  f"| {fmt(1000 * cores / row['machine_cpu_ms_per_package'])} |")
    for row in e2e_rows:
        if row.get("machine_cpu_ms_per_package") is None:
            continue
        md.append(f"| end to end {row['store']} | {fmt(row['hub_cpu_ms_per_package'], 2)} "
                  f"| {fmt(row.get('mariadb_cpu_ms_per_package'), 2)} | {fmt(row['deptsim_cpu_ms_per_package'], 2)} "
                  f"| {fmt(row['submit_cpu_ms_per_package'], 2)} | {fmt(row['machine_cpu_ms_per_package'], 2)} "
                  f"| {fmt(row['packages_per_s'])} | {fmt(row['cpu_bound_packages_per_s'])} |")
    for row in e2e_rows:
        if row.get("deptsim_alone_bound_packages_per_s"):
            md.append(f"\ndeptsim alone ({row['store']} run) uses {fmt(row['deptsim_cpu_ms_per_package'], 2)} ms of CPU per package: "
                      f"even with the hub and the database free, the two cores would allow at most "
                      f"{fmt(row['deptsim_alone_bound_packages_per_s'])} packages/s.")
    for row in e2e_rows:
        md.append(f"\nHub RSS over the {row['store']} run (MB, sampled each second, thinned): "
                  + " ".join(fmt(v) for v in row["rss_samples_mb"]))

    for row in by_phase.get("soak", []):
        md += ["", "## Soak", "", f"{row['in_flight_at_end']} packages in flight at the end; hub RSS first "
               f"{fmt(row['rss_first_mb'])} MB, max {fmt(row['rss_max_mb'])} MB, last {fmt(row['rss_last_mb'])} MB; "
               "samples every 10 s: " + " ".join(fmt(v) for v in row["rss_samples_mb"])]

    # Targets (issue 7).
    targets = []
    mysql_open = [r for r in intake if r["store"] == "mysql" and r["mode"] == "open"]
    # A rate is sustained when every request that fell due was sent and
    # accepted (none left in the backlog, none refused) with p99 under the bound.
    good = [r for r in mysql_open if r["p99_ms"] < TARGET_INTAKE_P99_MS and not r.get("not_sent")
            and r["accepted"] == r["sent"] and r["accepted_per_s"] >= 0.98 * r["offered_rate"]]
    best_good = max(good, key=lambda r: r["offered_rate"], default=None)
    best_intake = max((r["accepted_per_s"] for r in intake if r["store"] == "mysql"), default=None)
    if mysql_open:
        value = best_good["offered_rate"] if best_good else 0
        measured = (f"{fmt(value, 0)}/s offered, all accepted ({fmt(best_good['accepted_per_s'])}/s), "
                    f"p99 {fmt(best_good['p99_ms'])} ms" if best_good else "no offered rate sustained")
        targets.append(("intake ≥ 1,000 packages/s with p99 < 100 ms (MySQL, open loop)", measured,
                        value >= TARGET_INTAKE_PER_S))
    if best_intake and db_best:
        share = best_intake / db_best
        grouped = max((row["packages_per_s"] for row in db if row["store"].startswith("mysql-grouped")), default=None)
        also = (f"; of the grouped ceiling (16 packages a transaction, {fmt(grouped)}/s): "
                f"{best_intake / grouped * 100:.0f} %" if grouped else "")
        targets.append(("intake ≥ 50 % of the database ceiling",
                        f"{fmt(best_intake)} / {fmt(db_best)} (one package a transaction) = {share * 100:.0f} %{also}",
                        share >= TARGET_SHARE_OF_DB_CEILING))
    mysql_e2e = [r for r in e2e_rows if r["store"] == "mysql"]
    if mysql_e2e:
        value = mysql_e2e[0]["packages_per_s"] or 0
        targets.append(("end to end ≥ 100 complete 12-permit packages/s (MySQL)", f"{fmt(value)}/s",
                        value >= TARGET_E2E_PER_S))
    for row in by_phase.get("soak", []):
        value = row["rss_max_mb"] or 0
        targets.append(("hub RSS < 200 MB with 10,000 packages in flight, 10-minute soak", f"max {fmt(value)} MB",
                        value < TARGET_RSS_MB))
    if targets:
        md += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
        for name, measured, met in targets:
            md.append(f"| {name} | {measured} | {'yes' if met else '**no**'} |")

    with open(args.out_json, "w") as out:
        json.dump({"rows": rows, "targets": [{"target": n, "measured": m, "met": ok} for n, m, ok in targets]},
                  out, indent=2, ensure_ascii=False)
    with open(args.out_md, "w") as out:
        out.write("\n".join(md) + "\n")


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("e2e")
    p.add_argument("timings")
    p.add_argument("samples")
    p.add_argument("--store", required=True)
    p.add_argument("--submitted", type=int, required=True)
    p.add_argument("--ready", type=int, required=True)
    p.add_argument("--issued", type=int, required=True)
    p.add_argument("--cpu-ticks", type=int, required=True)
    p.add_argument("--ticks-per-second", type=int, required=True)
    p.add_argument("--wall", type=float, nargs=2, required=True)
    p.add_argument("--notified", type=int, default=0)
    p.add_argument("--duplicate-effects", type=int, default=0)
    p.add_argument("--db-cpu-ticks", type=int, default=0)
    p.add_argument("--db-statements", type=int, default=0)
    p.add_argument("--deptsim-cpu-ticks", type=int, default=0)
    p.add_argument("--submit-cpu-s", type=float, default=0.0)
    p.add_argument("--cores", type=int, default=2)
    p = sub.add_parser("soak")
    p.add_argument("samples")
    p.add_argument("--in-flight", type=int, default=0)
    p = sub.add_parser("statements")
    p.add_argument("log")
    p = sub.add_parser("report")
    p.add_argument("results")
    p.add_argument("out_json")
    p.add_argument("out_md")
    args = parser.parse_args()
    {"e2e": e2e, "soak": soak, "report": report, "statements": statements}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
