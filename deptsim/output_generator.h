#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "deptsim/message_template.h"
#include "deptsim/sim_config.h"

namespace deptsim {

// Mints the numbers a department issues: receipt numbers, message ids,
// certificate and licence numbers, credit codes, MMSIs, call signs.
// Deterministic for a given seed and call order. Thread-safe.
//
// Format patterns: literal text with tokens
//   {yyyy} {yy} {yyyymmdd} {mmdd}   today in China (UTC+8)
//   {run}                          5 characters unique to this process start
//   {seq:N}                        a counter, zero-padded to N digits, one per pattern and department
//   {rand:N}                       N random digits
//   {name}                         a value from the context (request fields, earlier outputs)
class OutputGenerator {
  public:
    OutputGenerator(std::uint64_t seed, std::string runToken);

    std::string expand(const std::string& department, const std::string& pattern, const TemplateValues& context,
                       hub::core::EpochMillis now);

    // Every output of `specs`, in order (later patterns may name earlier
    // outputs), added to `values`. The results pass the hub/core identifier
    // checks; a generator that cannot satisfy them throws std::logic_error.
    void generate(const std::string& department, const std::vector<OutputSpec>& specs, TemplateValues& values,
                  hub::core::EpochMillis now);

    const std::string& runToken() const { return runToken_; }

    // "91" + division + organisation code + GB 32100 check character.
    static std::string usccFor(const std::string& division, const std::string& organisationCode);
    // IMO company number: six digits and the weighted check digit (weights 8,6,4,2,9,7).
    static std::string imoCompanyNumberFor(const std::string& sixDigits);

  private:
    std::string expandLocked(const std::string& department, const std::string& pattern, const TemplateValues& context,
                             hub::core::EpochMillis now);
    std::string randomFrom(std::string_view alphabet, int count);

    std::mutex mutex_;
    std::mt19937_64 random_;
    std::string runToken_;
    std::map<std::string, long long> counters_;
    std::set<std::string> issuedMmsi_;
    std::set<std::string> issuedCallSigns_;
};

// Five base-36 characters of `startSeconds` (repeats after ~1.9 years).
std::string runTokenFor(long long startSeconds);

}  // namespace deptsim
