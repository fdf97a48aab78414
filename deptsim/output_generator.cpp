#include "deptsim/output_generator.h"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

#include "core/identifiers.h"
#include "deptsim/sim_time.h"

namespace deptsim {
namespace {

constexpr std::string_view kUsccAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY";
constexpr std::string_view kDigits = "0123456789";
constexpr std::string_view kCallSignLetters = "ABCDEFGHJKLMNPQRSTUVWXYZ";

bool allDigits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::string padded(long long number, int width) {
    std::string text = std::to_string(number);
    if (static_cast<int>(text.size()) < width) text.insert(0, static_cast<std::size_t>(width) - text.size(), '0');
    return text;
}

}  // namespace

std::string runTokenFor(long long startSeconds) {
    constexpr std::string_view alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    std::string token(5, '0');
    unsigned long long value = static_cast<unsigned long long>(startSeconds);
    for (int i = 4; i >= 0; --i) {
        token[static_cast<std::size_t>(i)] = alphabet[value % 36];
        value /= 36;
    }
    return token;
}

OutputGenerator::OutputGenerator(std::uint64_t seed, std::string runToken)
    : random_(seed), runToken_(std::move(runToken)) {}

std::string OutputGenerator::randomFrom(std::string_view alphabet, int count) {
    std::string out;
    std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
    for (int i = 0; i < count; ++i) out += alphabet[pick(random_)];
    return out;
}

std::string OutputGenerator::expand(const std::string& department, const std::string& pattern,
                                    const TemplateValues& context, hub::core::EpochMillis now) {
    std::lock_guard lock(mutex_);
    return expandLocked(department, pattern, context, now);
}

std::string OutputGenerator::expandLocked(const std::string& department, const std::string& pattern,
                                          const TemplateValues& context, hub::core::EpochMillis now) {
    const CivilDate today = chinaDate(now);
    char ymd[16];
    std::snprintf(ymd, sizeof ymd, "%04d%02d%02d", today.year, today.month, today.day);
    const std::string yyyymmdd = ymd;
    std::string out;
    std::size_t pos = 0;
    while (pos < pattern.size()) {
        const auto open = pattern.find('{', pos);
        if (open == std::string::npos) {
            out += pattern.substr(pos);
            break;
        }
        out += pattern.substr(pos, open - pos);
        const auto close = pattern.find('}', open);
        if (close == std::string::npos) throw std::invalid_argument("unterminated { in pattern " + pattern);
        const std::string token = pattern.substr(open + 1, close - open - 1);
        pos = close + 1;
        if (token == "yyyy")
            out += yyyymmdd.substr(0, 4);
        else if (token == "yy")
            out += yyyymmdd.substr(2, 2);
        else if (token == "yyyymmdd")
            out += yyyymmdd;
        else if (token == "mmdd")
            out += yyyymmdd.substr(4, 4);
        else if (token == "run")
            out += runToken_;
        else if (token.rfind("seq:", 0) == 0)
            out += padded(++counters_[department + "\n" + pattern], std::stoi(token.substr(4)));
        else if (token.rfind("rand:", 0) == 0)
            out += randomFrom(kDigits, std::stoi(token.substr(5)));
        else
            out += context.first(token);
    }
    return out;
}

std::string OutputGenerator::usccFor(const std::string& division, const std::string& organisationCode) {
    const std::string first17 = "91" + division + organisationCode;
    return first17 + hub::core::usccCheckCharacter(first17);
}

std::string OutputGenerator::imoCompanyNumberFor(const std::string& sixDigits) {
    static constexpr int weights[] = {8, 6, 4, 2, 9, 7};
    int sum = 0;
    for (int i = 0; i < 6; ++i) sum += (sixDigits[static_cast<std::size_t>(i)] - '0') * weights[i];
    return sixDigits + static_cast<char>('0' + (11 - sum % 11) % 10);
}

void OutputGenerator::generate(const std::string& department, const std::vector<OutputSpec>& specs,
                               TemplateValues& values, hub::core::EpochMillis now) {
    std::lock_guard lock(mutex_);
    for (const auto& spec : specs) {
        std::string value;
        if (spec.generator == "format") {
            value = expandLocked(department, spec.pattern, values, now);
        } else if (spec.generator == "uscc") {
            std::string division = expandLocked(department, spec.pattern, values, now);
            if (division.size() != 6 || !allDigits(division) || division[0] == '0') division = "370200";
            value = usccFor(division, "MA" + randomFrom(kUsccAlphabet, 7));
            if (!hub::core::checkUscc(value).ok) throw std::logic_error("minted an invalid USCC " + value);
        } else if (spec.generator == "mmsi") {
            static constexpr const char* mids[] = {"413", "413", "413", "412", "414"};
            do {
                std::uniform_int_distribution<int> pick(0, 4);
                value = std::string(mids[pick(random_)]) + randomFrom(kDigits, 6);
            } while (!issuedMmsi_.insert(value).second);
            if (!hub::core::checkMmsi(value, true).ok) throw std::logic_error("minted an invalid MMSI " + value);
        } else if (spec.generator == "callSign") {
            do {
                value = "B" + randomFrom(kCallSignLetters, 3) + randomFrom(kDigits, 1);
            } while (!issuedCallSigns_.insert(value).second);
            if (!hub::core::checkCallSign(value).ok) throw std::logic_error("minted an invalid call sign " + value);
        } else if (spec.generator == "imoCompanyNumber") {
            value = expandLocked(department, spec.pattern, values, now);
            if (!hub::core::checkImoCompanyNumber(value).ok)
                value = imoCompanyNumberFor(randomFrom("123456789", 1) + randomFrom(kDigits, 5));
            if (!hub::core::checkImoCompanyNumber(value).ok)
                throw std::logic_error("minted an invalid IMO company number " + value);
        } else {
            throw std::logic_error("unknown output generator " + spec.generator);
        }
        values.set(spec.name, value);
    }
}

}  // namespace deptsim
