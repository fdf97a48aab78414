#pragma once

#include <string>

#include "core/clock.h"
#include "service/reply.h"
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
    AdminService(store::Store& store, const core::Clock& clock, dispatch::Dispatcher* dispatcher);

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

  private:
    Reply closeIncident(const std::string& incidentId, const std::string& note, bool retry);

    store::Store& store_;
    const core::Clock& clock_;
    dispatch::Dispatcher* dispatcher_;
};

}  // namespace hub::service
