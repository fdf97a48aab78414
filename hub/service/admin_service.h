#pragma once

#include <string>

#include "core/clock.h"
#include "core/permit_clock.h"
#include "observability/metrics.h"
#include "service/application_service.h"
#include "service/reply.h"
#include "service/token_service.h"
#include "tracking/event_planner.h"
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
    AdminService(store::Store& store, const core::Clock& clock, TokenService& tokens,
                 const tracking::EventPlanner& planner, ApplicationService& applications,
                 dispatch::Dispatcher* dispatcher);

    // For wiring order (the dispatcher needs the listener's port): attach it
    // before the server starts; not thread-safe.
    // `sending`: whether this process runs the dispatcher's loops (dispatch.enabled);
    // the dispatcher object also serves pauses and the departments' view when it does not.
    void attachDispatcher(dispatch::Dispatcher* dispatcher, bool sending) {
        dispatcher_ = dispatcher;
        sending_ = sending;
    }

    // ?state=open (default) or all.
    Reply incidents(const std::string& state);
    // Puts the incident's call back in the queue, due now. 404 unknown, 409 not open.
    // `actor` ("admin:<name>") is who asks, for the audit trail.
    Reply retryIncident(const std::string& incidentId, const std::string& note, const std::string& actor);
    // The call is never sent. 404 unknown, 409 not open.
    Reply cancelIncident(const std::string& incidentId, const std::string& note, const std::string& actor);
    // Handled outside the hub: the call is never sent and `note` (required,
    // else 400) says how it was resolved. 404 unknown, 409 not open.
    Reply resolveIncident(const std::string& incidentId, const std::string& note, const std::string& actor);

    // Packages and permits by state, open incidents, and the permits whose
    // decision deadline has passed (overdue) or is at most 2 working days away.
    Reply overview();
    // Every company's packages, newest first (?state=&limit=&cursor=).
    Reply packages(const std::string& state, const std::string& limit, const std::string& cursor);
    // One package as its applicant sees it, plus its company, timeline and calls with their attempts.
    Reply package(const std::string& packageId);
    // The gauges read at scrape time: packages and permits by state, overdue
    // permits, queued calls and breaker state per department, open incidents.
    // Throws store::StoreError.
    std::vector<observability::GaugeFamily> gauges();
    // Each department: breaker state, calls in flight and queued, limit,
    // paused, and over the last hour: attempts, error rate, p50/p99 latency;
    // the last successful call.
    Reply departments();
    // Department messages the hub refused (newest first, ?limit=1..500,
    // default 50): code, detail, department, message/package/permit when known.
    Reply refusedCallbacks(const std::string& limit);
    // Pauses or resumes a department for every hub process on the store: its
    // calls wait, nothing is lost. 200 with the department; 404 unknown;
    // 409 when dispatch is off in this process.
    Reply pauseDepartment(const std::string& code, bool pause, const std::string& note, const std::string& actor);
    // 201 {"tokenId", "token" (shown once), "role", "subject", "label"};
    // role "applicant" needs `company`, role "admin" a `label` (its name). 400 otherwise.
    Reply issueToken(const std::string& role, const std::string& company, const std::string& label,
                     const std::string& actor);
    // 200 {"tokenId", "revoked": true}; 404 unknown.
    Reply revokeToken(const std::string& tokenId, const std::string& actor);

    // Checks every chain of the audit trail (core/audit_chain.h): 200 with
    // {"ok", "chains", "entries", "anchors", "globalHead", "problemCount",
    // "problems": [{chain, seq, code, detail}]}; `chain` checks that chain
    // (and GLOBAL) only.
    Reply verifyAudit(const std::string& chain);
    // A chain's entries as stored (oldest first), for the package page.
    Reply auditTrail(const std::string& chain);

  private:
    // The permits whose decision clock runs (accepted, under review,
    // suspended) with their deadlines as of now: the overview's and the
    // metrics' one scan.
    std::vector<std::pair<store::PermitLocation, core::PermitDeadlines>> runningDeadlines();
    enum class Closing { Retry, Cancel, Resolve };
    Reply closeIncident(const std::string& incidentId, const std::string& note, const std::string& actor,
                        Closing closing);

    store::Store& store_;
    const core::Clock& clock_;
    TokenService& tokens_;
    const tracking::EventPlanner& planner_;
    ApplicationService& applications_;
    dispatch::Dispatcher* dispatcher_;
    bool sending_ = false;
};

}  // namespace hub::service
