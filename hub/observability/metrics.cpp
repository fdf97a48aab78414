#include "observability/metrics.h"

#include <cmath>
#include <cstdio>

namespace hub::observability {
namespace {

std::string number(double value) {
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    char buffer[64];
    if (value == std::floor(value) && std::fabs(value) < 1e15)
        std::snprintf(buffer, sizeof buffer, "%.0f", value);
    else
        std::snprintf(buffer, sizeof buffer, "%.6g", value);
    return buffer;
}

void header(std::string& out, const std::string& name, const std::string& help, const char* type) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

}  // namespace

std::string escapeLabelValue(const std::string& value) {
    std::string escaped;
    escaped.reserve(value.size());
    for (char c : value) {
        if (c == '\\') escaped += "\\\\";
        else if (c == '"') escaped += "\\\"";
        else if (c == '\n') escaped += "\\n";
        else escaped += c;
    }
    return escaped;
}

CounterFamily::CounterFamily(std::string name, std::string help, std::vector<std::string> labelNames)
    : name_(std::move(name)), help_(std::move(help)), labelNames_(std::move(labelNames)) {}

void CounterFamily::add(const std::vector<std::string>& labelValues, double amount) {
    std::lock_guard lock(mutex_);
    values_[labelValues] += amount;
}

void CounterFamily::render(std::string& out) const {
    header(out, name_, help_, "counter");
    std::lock_guard lock(mutex_);
    for (const auto& [labels, value] : values_) {
        out += name_;
        if (!labelNames_.empty()) {
            out += '{';
            for (std::size_t i = 0; i < labelNames_.size(); ++i) {
                if (i) out += ',';
                out += labelNames_[i] + "=\"" + escapeLabelValue(i < labels.size() ? labels[i] : "") + '"';
            }
            out += '}';
        }
        out += ' ' + number(value) + '\n';
    }
}

Histogram::Histogram(std::string name, std::string help, std::vector<double> upperBounds)
    : name_(std::move(name)), help_(std::move(help)), bounds_(std::move(upperBounds)),
      counts_(bounds_.size() + 1, 0) {}

void Histogram::observe(double value) {
    std::size_t bucket = 0;
    while (bucket < bounds_.size() && value > bounds_[bucket]) ++bucket;
    std::lock_guard lock(mutex_);
    ++counts_[bucket];
    sum_ += value;
    ++count_;
}

void Histogram::render(std::string& out) const {
    header(out, name_, help_, "histogram");
    std::lock_guard lock(mutex_);
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
        cumulative += counts_[i];
        const std::string le = i < bounds_.size() ? number(bounds_[i]) : "+Inf";
        out += name_ + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + '\n';
    }
    out += name_ + "_sum " + number(sum_) + '\n';
    out += name_ + "_count " + std::to_string(count_) + '\n';
}

void renderGauges(const GaugeFamily& family, std::string& out) {
    header(out, family.name, family.help, "gauge");
    for (const auto& sample : family.samples) {
        out += family.name;
        if (!sample.labels.empty()) {
            out += '{';
            bool first = true;
            for (const auto& [name, value] : sample.labels) {
                if (!first) out += ',';
                first = false;
                out += name + "=\"" + escapeLabelValue(value) + '"';
            }
            out += '}';
        }
        out += ' ' + number(sample.value) + '\n';
    }
}

HubMetrics::HubMetrics()
    : intakeSeconds("hub_intake_duration_seconds", "Time to answer a package submission.",
                    {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}),
      intakeTotal("hub_intake_requests_total", "Package submissions by outcome (accepted, replayed, refused, unavailable).",
                  {"outcome"}),
      dispatchAttempts("hub_dispatch_attempts_total", "Calls to departments and the applicant, by outcome.",
                       {"department", "outcome"}),
      dispatchSeconds("hub_dispatch_attempt_duration_seconds", "Time a department took to answer a call.",
                      {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}),
      callbacks("hub_callbacks_total", "Department callbacks by HTTP status of the hub's answer.",
                {"department", "status"}),
      httpRequests("hub_http_requests_total", "HTTP requests by route and status.", {"route", "status"}) {}

void HubMetrics::render(std::string& out) const {
    intakeTotal.render(out);
    intakeSeconds.render(out);
    dispatchAttempts.render(out);
    dispatchSeconds.render(out);
    callbacks.render(out);
    httpRequests.render(out);
}

}  // namespace hub::observability
