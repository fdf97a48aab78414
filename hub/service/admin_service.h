#pragma once

#include <string>

#include "core/clock.h"
#include "service/reply.h"
#include "service/token_service.h"
#include "store/store.h"

namespace hub::dispatch {
class Dispatcher;
}

namespace hub::service {

// The admin's use cases so far: see and resolve incidents (calls that could
// not be delivered without a human), see the departments' delivery state.
// Thread-safe. The dispatcher may be null (dispatch disabled).
class AdminService {
  public:
    AdminService(store::Store& store, const core::Clock& clock, TokenService& tokens, dispatch::Dispatcher* dispatcher);

    // For wiring order (the dispatcher needs the listener's port): attach it
    // before the server starts; not thread-safe.
    void attachDispatcher(dispatch::Dispatcher* dispatcher) { dispatcher_ = dispatcher; }

    // ?state=open (default) or all.
    Reply incidents(const std::string& state);
    // Puts the incident's call back in the queue, due now. 404 unknown, 409 not open.
    Reply retryIncident(const std::string& incidentId, const std::string& note);
    // The call is never sent. 404 unknown, 409 not open.
    Reply cancelIncident(const std::string& incidentId, const std::string& note);
    // Each department: breaker state, calls in flight, limit, paused.
    Reply departments();
    // Department messages the hub refused (newest first, ?limit=1..500,
    // default 50): code, detail, department, message/package/permit when known.
    Reply refusedCallbacks(const std::string& limit);
    // Pauses or resumes a department for every hub process on the store: its
    // calls wait, nothing is lost. 200 with the department; 404 unknown;
    // 409 when dispatch is off in this process.
    Reply pauseDepartment(const std::string& code, bool pause, const std::string& note);
    // 201 {"tokenId", "token" (shown once), "role", "subject", "label"};
    // role "applicant" needs `company`, role "admin" a `label` (its name). 400 otherwise.
    Reply issueToken(const std::string& role, const std::string& company, const std::string& label);
    // 200 {"tokenId", "revoked": true}; 404 unknown.
    Reply revokeToken(const std::string& tokenId);

  private:
    Reply closeIncident(const std::string& incidentId, const std::string& note, bool retry);

    store::Store& store_;
    const core::Clock& clock_;
    TokenService& tokens_;
    dispatch::Dispatcher* dispatcher_;
};

}  // namespace hub::service
