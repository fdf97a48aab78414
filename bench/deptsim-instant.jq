# deptsim/deptsim.json turned into the benchmark's variant (scripts/bench):
# every department decides at once (no delay, no UNDER_REVIEW step; SAMR on
# the spot), never faults, listens on a free port, and delivers callbacks on
# more threads. $root is the project root; $ccsDelayMs keeps CCS's decision
# back for the soak (0 otherwise), so that packages stay in flight.
.projectRoot = $root
| .controlPort = 0
| .delivery.threads = 8
| .departments |= with_entries(
    .value.port = 0
    | .value.templates |= map_values($root + "/deptsim/" + .)
    | .value.policy = (.value.policy + {decision: "approve", decisionDelayMs: 0, underReview: false}
                       + (if .value.supportsOnTheSpot then {onTheSpot: true} else {} end))
    | .value.faults = {errorRate: 0, timeoutRate: 0, malformedRate: 0, holdMs: 15000}
    | if .key == "CCS" and ($ccsDelayMs | tonumber) > 0
      then .value.policy.decisionDelayMs = ($ccsDelayMs | tonumber) else . end)
