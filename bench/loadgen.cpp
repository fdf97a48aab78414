// hub-loadgen: HTTP load for the benchmark (scripts/bench, docs/performance.md).
//
//   hub-loadgen open   --rate R --duration S [--connections N] TARGET…
//   hub-loadgen closed --concurrency C --duration S TARGET…
//
// Target options:
//   --url URL             e.g. http://127.0.0.1:8080/api/v1/applications
//   --body FILE           request body (POST); without it: GET
//   --content-type TYPE   default application/xml
//   --token TOKEN         Authorization: Bearer TOKEN
//   --idempotency PREFIX  a distinct Idempotency-Key per request: PREFIX-<n>
//   --sign-secret SECRET  X-Hub-Timestamp / X-Hub-Signature (HMAC-SHA256 of "<ts>.<body>") per request
//   --header "Name: value" (repeatable)
//   --count N             stop after N requests (closed and open loop)
//   --label TEXT          copied into the JSON line
//
// Open loop: request n is due at start + n/R; a free connection sends it as
// soon as it is due, and its latency counts from the due time, so a stalled
// server is charged for the requests it held back (no coordinated omission).
// Closed loop: C connections, each sending its next request when the previous
// answer arrived. One keep-alive HTTPClientSession per connection thread.
//
// Prints one JSON line (prefixed "RESULT ") and a human summary.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <sys/resource.h>

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>
#include <Poco/URI.h>

#include "transport/message_signature.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
    std::string mode;
    double rate = 0;
    int concurrency = 0;
    int connections = 48;
    double durationSeconds = 10;
    long count = 0;
    std::string url;
    std::string bodyFile;
    std::string contentType = "application/xml";
    std::string token;
    std::string idempotencyPrefix;
    std::string signSecret;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string label;
};

[[noreturn]] void usage(const std::string& problem) {
    std::cerr << "hub-loadgen: " << problem << "\n"
              << "usage: hub-loadgen open --rate R --duration S [--connections N] --url URL [options]\n"
              << "       hub-loadgen closed --concurrency C --duration S --url URL [options]\n"
              << "options: --body FILE --content-type T --token T --idempotency PREFIX --sign-secret S\n"
              << "         --header 'Name: value' --count N --label TEXT\n";
    std::exit(2);
}

Options parseOptions(int argc, char** argv) {
    if (argc < 2) usage("missing mode");
    Options options;
    options.mode = argv[1];
    if (options.mode != "open" && options.mode != "closed") usage("mode must be open or closed");
    for (int i = 2; i < argc; ++i) {
        const std::string name = argv[i];
        auto value = [&]() -> std::string {
            if (i + 1 >= argc) usage(name + " needs a value");
            return argv[++i];
        };
        if (name == "--rate") options.rate = std::stod(value());
        else if (name == "--concurrency") options.concurrency = std::stoi(value());
        else if (name == "--connections") options.connections = std::stoi(value());
        else if (name == "--duration") options.durationSeconds = std::stod(value());
        else if (name == "--count") options.count = std::stol(value());
        else if (name == "--url") options.url = value();
        else if (name == "--body") options.bodyFile = value();
        else if (name == "--content-type") options.contentType = value();
        else if (name == "--token") options.token = value();
        else if (name == "--idempotency") options.idempotencyPrefix = value();
        else if (name == "--sign-secret") options.signSecret = value();
        else if (name == "--label") options.label = value();
        else if (name == "--header") {
            const std::string header = value();
            const auto colon = header.find(':');
            if (colon == std::string::npos) usage("--header needs 'Name: value'");
            std::string headerValue = header.substr(colon + 1);
            headerValue.erase(0, headerValue.find_first_not_of(' '));
            options.headers.emplace_back(header.substr(0, colon), headerValue);
        } else usage("unknown option " + name);
    }
    if (options.url.empty()) usage("--url is required");
    if (options.mode == "open" && options.rate <= 0) usage("open needs --rate > 0");
    if (options.mode == "closed" && options.concurrency <= 0) usage("closed needs --concurrency > 0");
    if (options.durationSeconds <= 0 && options.count <= 0) usage("--duration or --count must be positive");
    if (options.connections <= 0) usage("--connections must be positive");
    return options;
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

long long epochMillis() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// What one connection thread saw.
struct Tally {
    std::vector<double> latenciesMs;        // every answered request, any status
    std::vector<double> acceptedLatenciesMs;
    std::map<std::string, long> outcomes;   // "201", "503", "error: …"
    long sent = 0;
    long accepted = 0;
};

class Generator {
  public:
    Generator(Options options, std::string body)
        : options_(std::move(options)), body_(std::move(body)), uri_(options_.url) {}

    void run() {
        const int threads = options_.mode == "open" ? options_.connections : options_.concurrency;
        tallies_.resize(static_cast<std::size_t>(threads));
        start_ = Clock::now();
        end_ = options_.durationSeconds > 0
                   ? start_ + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(options_.durationSeconds))
                   : Clock::time_point::max();
        std::vector<std::thread> workers;
        for (int i = 0; i < threads; ++i) workers.emplace_back([this, i] { work(tallies_[static_cast<std::size_t>(i)]); });
        for (auto& worker : workers) worker.join();
        finished_ = Clock::now();
    }

    void report(std::ostream& out) const {
        Tally all;
        for (const auto& tally : tallies_) {
            all.sent += tally.sent;
            all.accepted += tally.accepted;
            all.latenciesMs.insert(all.latenciesMs.end(), tally.latenciesMs.begin(), tally.latenciesMs.end());
            all.acceptedLatenciesMs.insert(all.acceptedLatenciesMs.end(), tally.acceptedLatenciesMs.begin(),
                                           tally.acceptedLatenciesMs.end());
            for (const auto& [outcome, count] : tally.outcomes) all.outcomes[outcome] += count;
        }
        std::sort(all.latenciesMs.begin(), all.latenciesMs.end());
        const double elapsed = std::chrono::duration<double>(finished_ - start_).count();
        auto percentile = [&](double p) {
            if (all.latenciesMs.empty()) return 0.0;
            const auto index = static_cast<std::size_t>(p * static_cast<double>(all.latenciesMs.size() - 1) + 0.5);
            return all.latenciesMs[std::min(index, all.latenciesMs.size() - 1)];
        };
        const double p50 = percentile(0.50), p90 = percentile(0.90), p99 = percentile(0.99);
        const double max = all.latenciesMs.empty() ? 0.0 : all.latenciesMs.back();
        // Open loop: requests that fell due within the run but found no free
        // connection before it ended (the server's backlog, not sent).
        long scheduled = all.sent;
        if (options_.mode == "open") {
            scheduled = static_cast<long>(options_.rate * options_.durationSeconds);
            if (options_.count > 0) scheduled = std::min(scheduled, options_.count);
        }
        const long backlog = std::max(0L, scheduled - all.sent);
        const double throughput = elapsed > 0 ? static_cast<double>(all.sent) / elapsed : 0;
        const double acceptedPerSecond = elapsed > 0 ? static_cast<double>(all.accepted) / elapsed : 0;

        // The generator's own CPU (user + system, all threads): it shares the
        // machine with what it measures, so the benchmark accounts for it.
        rusage usage{};
        getrusage(RUSAGE_SELF, &usage);
        const double cpuSeconds = static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
                                  static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;

        char numbers[640];
        std::snprintf(numbers, sizeof numbers,
                      "\"cpu_s\":%.3f,\"elapsed_s\":%.3f,\"scheduled\":%ld,\"not_sent\":%ld,\"sent\":%ld,\"accepted\":%ld,\"throughput_per_s\":%.1f,"
                      "\"accepted_per_s\":%.1f,\"p50_ms\":%.2f,\"p90_ms\":%.2f,\"p99_ms\":%.2f,\"max_ms\":%.2f",
                      cpuSeconds, elapsed, scheduled, backlog, all.sent, all.accepted, throughput, acceptedPerSecond, p50, p90,
                      p99, max);
        std::ostringstream json;
        json << "{\"label\":\"" << escape(options_.label) << "\",\"mode\":\"" << options_.mode << "\","
             << "\"offered_rate\":" << options_.rate << ",\"concurrency\":"
             << (options_.mode == "open" ? options_.connections : options_.concurrency) << "," << numbers
             << ",\"outcomes\":{";
        bool first = true;
        for (const auto& [outcome, count] : all.outcomes) {
            json << (first ? "" : ",") << "\"" << escape(outcome) << "\":" << count;
            first = false;
        }
        json << "}}";
        out << "RESULT " << json.str() << "\n";

        std::ostringstream human;
        human << (options_.label.empty() ? options_.url : options_.label) << ": " << options_.mode << " loop, ";
        if (options_.mode == "open") human << "offered " << options_.rate << "/s over " << options_.connections << " connections";
        else human << "concurrency " << options_.concurrency;
        std::snprintf(numbers, sizeof numbers,
                      "\n  sent %ld in %.1f s (%.1f/s), accepted (2xx) %ld (%.1f/s)\n"
                      "  latency ms: p50 %.1f  p90 %.1f  p99 %.1f  max %.1f\n  outcomes:",
                      all.sent, elapsed, throughput, all.accepted, acceptedPerSecond, p50, p90, p99, max);
        human << numbers;
        if (backlog > 0) human << " not-sent(backlog at end)=" << backlog;
        for (const auto& [outcome, count] : all.outcomes) human << " " << outcome << "=" << count;
        out << human.str() << "\n";
    }

  private:
    static std::string escape(const std::string& text) {
        std::string out;
        for (char c : text) {
            if (c == '"' || c == '\\') out += '\\';
            if (static_cast<unsigned char>(c) < 0x20) continue;
            out += c;
        }
        return out;
    }

    // The next request's sequence number and, in the open loop, its due time;
    // nothing when the run is over.
    std::optional<std::pair<long, Clock::time_point>> next() {
        const long n = issued_.fetch_add(1);
        if (options_.count > 0 && n >= options_.count) return std::nullopt;
        Clock::time_point due = Clock::now();
        if (options_.mode == "open")
            due = start_ + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(static_cast<double>(n) / options_.rate));
        if (due >= end_ || Clock::now() >= end_) return std::nullopt;
        return std::make_pair(n, due);
    }

    void work(Tally& tally) {
        Poco::Net::HTTPClientSession session(uri_.getHost(), uri_.getPort());
        session.setTimeout(Poco::Timespan(30, 0));
        session.setKeepAlive(true);
        const std::string method = options_.bodyFile.empty() ? Poco::Net::HTTPRequest::HTTP_GET
                                                             : Poco::Net::HTTPRequest::HTTP_POST;
        while (auto job = next()) {
            const auto [n, due] = *job;
            std::this_thread::sleep_until(due);
            Poco::Net::HTTPRequest request(method, uri_.getPathEtc(), Poco::Net::HTTPMessage::HTTP_1_1);
            request.setKeepAlive(true);
            if (!options_.bodyFile.empty()) {
                request.setContentType(options_.contentType);
                request.setContentLength64(static_cast<Poco::Int64>(body_.size()));
            }
            if (!options_.token.empty()) request.set("Authorization", "Bearer " + options_.token);
            if (!options_.idempotencyPrefix.empty())
                request.set("Idempotency-Key", options_.idempotencyPrefix + "-" + std::to_string(n));
            if (!options_.signSecret.empty()) {
                const long long timestamp = epochMillis();
                request.set("X-Hub-Timestamp", std::to_string(timestamp));
                request.set("X-Hub-Signature", hub::transport::signatureHeaderValue(options_.signSecret, timestamp, body_));
            }
            for (const auto& [name, value] : options_.headers) request.set(name, value);
            ++tally.sent;
            std::string outcome;
            bool ok = false;
            try {
                std::ostream& out = session.sendRequest(request);
                out.write(body_.data(), static_cast<std::streamsize>(body_.size()));
                Poco::Net::HTTPResponse response;
                std::istream& in = session.receiveResponse(response);
                Poco::NullOutputStream discard;
                Poco::StreamCopier::copyStream(in, discard);
                const int status = static_cast<int>(response.getStatus());
                outcome = std::to_string(status);
                ok = status >= 200 && status < 300;
            } catch (const Poco::Exception& error) {
                outcome = std::string("error: ") + error.name();
                session.reset();
            } catch (const std::exception& error) {
                outcome = std::string("error: ") + error.what();
                session.reset();
            }
            const double latencyMs = std::chrono::duration<double, std::milli>(Clock::now() - due).count();
            ++tally.outcomes[outcome];
            tally.latenciesMs.push_back(latencyMs);
            if (ok) {
                ++tally.accepted;
                tally.acceptedLatenciesMs.push_back(latencyMs);
            }
        }
    }

    Options options_;
    std::string body_;
    Poco::URI uri_;
    std::vector<Tally> tallies_;
    std::atomic<long> issued_{0};
    Clock::time_point start_, end_, finished_;
};

}  // namespace

int main(int argc, char** argv) {
    try {
        Options options = parseOptions(argc, argv);
        std::string body = options.bodyFile.empty() ? std::string() : readFile(options.bodyFile);
        Generator generator(std::move(options), std::move(body));
        generator.run();
        generator.report(std::cout);
        return 0;
    } catch (const Poco::Exception& error) {
        std::cerr << "hub-loadgen: " << error.displayText() << "\n";
    } catch (const std::exception& error) {
        std::cerr << "hub-loadgen: " << error.what() << "\n";
    }
    return 1;
}
