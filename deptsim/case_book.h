#pragma once

#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.h"
#include "deptsim/message_template.h"

namespace deptsim {

struct DepartmentStats {
    long received = 0;       // every request on the department's path
    long accepted = 0;       // answered with a business answer (2xx)
    long invalid = 0;        // malformed, schema-invalid or unsupported (400)
    long unauthorized = 0;   // bad or missing signature (401)
    long duplicates = 0;     // a message id seen before: the first answer replayed
    long duplicateEffects = 0;  // the same (package, permit, call kind) under another message id
    long effects = 0;        // logical calls that changed something
    long callbacksSent = 0;
    long callbacksFailed = 0;
    long pollsAnswered = 0;
    long selfCheckFailures = 0;  // an answer or callback that did not validate against the dialect
    std::map<std::string, long> decisions;  // approve, reject, correction, not-accept
    std::map<std::string, long> faults;     // error, timeout, malformed, down
    std::vector<std::string> duplicateEffectIds;  // "<first id> <later id>" pairs
};

// The answer given to a message id, replayed for duplicates.
struct StoredAnswer {
    int status = 200;
    std::string body;
    std::string outcome;
};

// One application as the department holds it, by receipt number.
struct Case {
    std::string receiptNumber;
    std::string permit;
    std::string package;
    std::string callbackUrl;
    TemplateValues fields;    // request fields of the latest submission
    std::string status;       // RECEIVED, ACCEPTED, UNDER_REVIEW, CORRECTION_REQUIRED, APPROVED, REJECTED, WITHDRAWN
    hub::core::EpochMillis statusTime = 0;
    hub::core::EpochMillis receivedAt = 0;
    bool correctionRequested = false;  // a correction notice went out
    bool corrected = false;            // the CORRECTION call arrived
    unsigned long generation = 0;      // replaced to cancel the pending timeline
    TemplateValues decision;           // outputs, reasons, correction items of the latest status
};

struct LoggedMessage {
    std::string messageId;
    hub::core::EpochMillis time = 0;
    std::string kind;
    std::string permit;
    std::string package;
    std::string receiptNumber;
    std::string outcome;
    int httpStatus = 0;
    std::string body;
};

// One department's memory. Not thread-safe by itself: every access holds
// `mutex`.
struct DepartmentState {
    std::mutex mutex;
    DepartmentStats stats;
    std::map<std::string, StoredAnswer> answers;    // by request message id
    std::map<std::string, Case> cases;              // by receipt number
    std::map<std::string, std::string> effects;     // effect key -> first message id
    std::deque<LoggedMessage> log;
    std::size_t logLimit = 200;
    unsigned long nextGeneration = 1;  // never reset: stale timelines must not match a new case

    void record(LoggedMessage message) {
        log.push_back(std::move(message));
        while (log.size() > logLimit) log.pop_front();
    }
    // Forgets everything; pending timelines see their cases gone and stop.
    void clear() {
        stats = {};
        answers.clear();
        cases.clear();
        effects.clear();
        log.clear();
    }
};

}  // namespace deptsim
