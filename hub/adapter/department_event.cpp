#include "adapter/department_event.h"

#include <array>
#include <utility>

namespace hub::adapter {

namespace {

constexpr std::array<std::pair<std::string_view, Outcome>, 9> kOutcomeWords = {{
    {"ACKNOWLEDGED", Outcome::Acknowledged},
    {"ACCEPTED", Outcome::Accepted},
    {"CORRECTION_REQUIRED", Outcome::CorrectionRequired},
    {"UNDER_REVIEW", Outcome::UnderReview},
    {"SUSPENDED", Outcome::Suspended},
    {"RESUMED", Outcome::Resumed},
    {"ISSUED", Outcome::Issued},
    {"REJECTED", Outcome::Rejected},
    {"NOT_ACCEPTED", Outcome::NotAccepted},
}};

}  // namespace

std::string_view toString(Outcome outcome) {
    for (const auto& [word, value] : kOutcomeWords) {
        if (value == outcome) return word;
    }
    return "ACKNOWLEDGED";
}

std::optional<Outcome> outcomeFromString(std::string_view word) {
    for (const auto& [name, value] : kOutcomeWords) {
        if (name == word) return value;
    }
    return std::nullopt;
}

}  // namespace hub::adapter
