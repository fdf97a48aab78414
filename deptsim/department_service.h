#pragma once

#include <map>
#include <string>
#include <vector>

#include "deptsim/callback_deliverer.h"
#include "deptsim/case_book.h"
#include "deptsim/decision_policy.h"
#include "deptsim/dialect.h"
#include "deptsim/fault_injector.h"
#include "deptsim/output_generator.h"
#include "deptsim/scheduler.h"

namespace deptsim {

struct HttpRequestData {
    std::map<std::string, std::string> headers;  // names lower-cased
    std::string body;
};

struct HttpAnswer {
    int status = 200;
    std::string contentType = "text/plain; charset=utf-8";
    std::string body;
    int holdMs = 0;  // wait this long before answering (timeout fault)
};

// Everything a department service shares with the others.
struct ServiceContext {
    DecisionPolicy& policy;
    FaultInjector& faults;
    OutputGenerator& outputs;
    Scheduler& scheduler;
    CallbackDeliverer& deliverer;
    std::string hubUrl;            // default callback base when a request names none
    int signatureMaxSkewMs = 300000;
};

// One simulated departmental system: checks, de-duplicates and answers the
// hub's messages in its dialect, then plays the application's timeline
// (callbacks or poll answers). Thread-safe: HTTP threads call handle(),
// scheduler threads run the timelines, the control API reads the state.
class DepartmentService {
  public:
    DepartmentService(const Dialect& dialect, ServiceContext context, std::string secret, std::size_t logLimit);

    HttpAnswer handle(const HttpRequestData& request);

    const std::string& code() const { return dialect_.code(); }
    const Dialect& dialect() const { return dialect_; }
    DepartmentState& state() { return state_; }
    void reset();

  private:
    struct Step {
        std::string status;
        int offsetMs = 0;
    };
    struct Processed {
        StoredAnswer answer;
        std::string receiptNumber;
        std::string permit;
    };

    Processed process(const IncomingMessage& message, const std::string& messageId, hub::core::EpochMillis now);
    Processed decide(Case& found, const IncomingMessage& message, const std::string& messageId,
                     hub::core::EpochMillis now);
    Case& openCase(const std::string& receiptNumber, const IncomingMessage& message, hub::core::EpochMillis now);
    void applyStatus(Case& found, const std::string& status, hub::core::EpochMillis now);
    StoredAnswer renderAnswer(const std::string& answerKind, const std::string& callKind, const Case* found,
                              const IncomingMessage& message, const std::string& messageId,
                              const std::vector<std::string>& reasons, hub::core::EpochMillis now, int status = 200);
    TemplateValues caseValues(const Case& found) const;
    void startTimeline(const Case& found, std::vector<Step> steps, hub::core::EpochMillis start);
    void runStep(std::string receiptNumber, unsigned long generation, std::vector<Step> steps, std::size_t index,
                 hub::core::EpochMillis start);
    void scheduleStep(std::string receiptNumber, unsigned long generation, std::vector<Step> steps,
                      std::size_t index, hub::core::EpochMillis start);
    std::string selfChecked(std::string xml, const std::string& what);

    const Dialect& dialect_;
    ServiceContext context_;
    std::string secret_;
    DepartmentState state_;
};

}  // namespace deptsim
