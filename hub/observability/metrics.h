#pragma once

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace hub::observability {

// A monotonically increasing count per label set, e.g.
// hub_dispatch_attempts_total{department="MSA",outcome="ACKNOWLEDGED"}.
// Thread-safe.
class CounterFamily {
  public:
    CounterFamily(std::string name, std::string help, std::vector<std::string> labelNames);
    // `labelValues` in the order of the label names.
    void add(const std::vector<std::string>& labelValues, double amount = 1);
    void render(std::string& out) const;

  private:
    const std::string name_, help_;
    const std::vector<std::string> labelNames_;
    mutable std::mutex mutex_;
    std::map<std::vector<std::string>, double> values_;
};

// Observations counted into fixed buckets (Prometheus histogram: _bucket
// with cumulative le, _sum, _count). Thread-safe.
class Histogram {
  public:
    Histogram(std::string name, std::string help, std::vector<double> upperBounds);
    void observe(double value);
    void render(std::string& out) const;

  private:
    const std::string name_, help_;
    const std::vector<double> bounds_;
    mutable std::mutex mutex_;
    std::vector<std::uint64_t> counts_;  // per bucket, not cumulative; last is +Inf
    double sum_ = 0;
    std::uint64_t count_ = 0;
};

// One gauge sample computed at scrape time.
struct GaugeSample {
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct GaugeFamily {
    std::string name;
    std::string help;
    std::vector<GaugeSample> samples;
};

// Prometheus text format 0.0.4: "# HELP", "# TYPE", one line per sample;
// label values escaped (backslash, double quote, newline).
std::string escapeLabelValue(const std::string& value);
void renderGauges(const GaugeFamily& family, std::string& out);

// The hub's own counters and histograms, updated where things happen; the
// gauges (queue depth, permits by state…) are read from the store at scrape
// time by the HTTP edge.
struct HubMetrics {
    HubMetrics();
    Histogram intakeSeconds;           // hub_intake_duration_seconds
    CounterFamily intakeTotal;         // hub_intake_requests_total{outcome}
    CounterFamily dispatchAttempts;    // hub_dispatch_attempts_total{department,outcome} (DeliveryReport::result)
    Histogram dispatchSeconds;         // hub_dispatch_attempt_duration_seconds
    CounterFamily callbacks;           // hub_callbacks_total{department,status}
    CounterFamily httpRequests;        // hub_http_requests_total{route,status}

    void render(std::string& out) const;
};

}  // namespace hub::observability
