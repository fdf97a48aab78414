#pragma once

#include <functional>
#include <map>
#include <string>

#include <chrono>

#include "adapter/department_config.h"
#include "core/calls_in_flight.h"
#include "core/clock.h"
#include "service/reply.h"
#include "store/store.h"
#include "tracking/event_planner.h"

namespace hub::service {

struct CallbackRequest {
    std::string department;  // the {dept} of the URL
    std::string timestamp;   // X-Hub-Timestamp
    std::string signature;   // X-Hub-Signature
    std::string messageId;   // X-Hub-Message-Id, used when the body carries no message id
    std::string body;
};

// A department's status callback (POST /api/v1/departments/{dept}/callbacks),
// in that department's own dialect. In order, each refusal recorded with its
// code (store::RefusedInbound) and answered as a problem:
//   unknown department 404 UNKNOWN_DEPARTMENT; signature missing or wrong 401
//   BAD_SIGNATURE, timestamp outside the skew window 401 STALE_TIMESTAMP;
//   not well-formed 400 MALFORMED, not valid against the department's schema
//   422 SCHEMA_INVALID, a status word the adapter does not know 422
//   UNMAPPED_OUTCOME, a required field missing 422 MISSING_FIELD, a message id
//   longer than 128 characters 422 INVALID_MESSAGE_ID; a message id
//   used before for another body 422 MESSAGE_ID_REUSED; no permit of this
//   department with that receipt number (after waiting up to the early
//   callback wait for this process's calls to that department in flight to be
//   settled, see setEarlyCallbackWait): 503 RECEIPT_NOT_YET_KNOWN while
//   calls to the department may have reached it unrecorded (a retry will find
//   it), else 404 UNKNOWN_PERMIT; or the receipt
//   belongs to another department 403 WRONG_DEPARTMENT, or the message names
//   another permit than the receipt's 404 UNKNOWN_PERMIT; not allowed from
//   the permit's state 409 ILLEGAL_TRANSITION.
// Otherwise the event is applied with all its consequences in one
// transaction (see tracking::EventPlanner) and answered 200 with
// {"result": "APPLIED"|"NO_CHANGE", "department", "messageId", "packageId",
// "permit", "state", "detail"}. A replay of the same message id with the
// same body answers exactly as the first time and changes nothing. A store
// failure is 503 (the department retries). Thread-safe.
class CallbackService {
  public:
    CallbackService(store::Store& store, const tracking::EventPlanner& planner,
                    const adapter::DepartmentAdapters& departments, std::map<std::string, std::string> secrets,
                    const core::Clock& clock, core::EpochMillis maxSkewMs, std::function<void()> onNewDispatches);

    // A callback that overtakes the answer to its call (the receipt is not
    // recorded yet) while this process has calls to the department in flight
    // (`calls`, shared with the dispatcher) waits up to `wait` for them to be
    // settled, looking the receipt up again each time one is. Not set: no wait.
    // Call before serving.
    void setEarlyCallbackWait(const core::CallsInFlight* calls, std::chrono::milliseconds wait);

    Reply receive(const CallbackRequest& request);

  private:
    // The receipt's permit, once a call to `department` in flight here was
    // settled with it; nullopt when none is in flight or the wait ran out.
    std::optional<store::PermitLocation> awaitReceipt(const std::string& department, const std::string& receipt);

    Reply refuse(store::RefusedInbound refused, ErrorKind kind, const std::string& title,
                 core::ValidationErrors errors = {});

    store::Store& store_;
    const tracking::EventPlanner& planner_;
    const adapter::DepartmentAdapters& departments_;
    const std::map<std::string, std::string> secrets_;
    const core::Clock& clock_;
    const core::EpochMillis maxSkewMs_;
    const std::function<void()> onNewDispatches_;
    const core::CallsInFlight* callsInFlight_ = nullptr;
    std::chrono::milliseconds earlyCallbackWait_{0};
};

}  // namespace hub::service
