#pragma once

#include <string>
#include <variant>

#include "config/hub_config.h"
#include "core/catalogue.h"
#include "core/clock.h"
#include "service/reply.h"
#include "store/store.h"
#include "tracking/event_planner.h"
#include "xml/package_reader.h"
#include "xml/schema.h"

#include <functional>

namespace hub::service {

// True for text shaped like a package id ("PKG-" + 26 of [0-9A-Z]); ids and
// cursors of any other shape are refused without asking the store.
bool looksLikePackageId(const std::string& id);

struct SubmitRequest {
    std::string companyId;       // from the authenticated principal
    std::string idempotencyKey;  // the Idempotency-Key header, may be empty
    std::string contentType;     // the Content-Type header
    std::string body;            // the whole body, at most maxPackageBytes + 1 bytes
};

struct CorrectionRequest {
    std::string companyId;
    std::string packageId;
    std::string permit;
    std::string contentType;
    std::string body;  // a CorrectionSupplement (schemas/package/v1/supplement.xsd)
};

struct ListRequest {
    std::string companyId;
    std::string limit;   // query parameter text, may be empty
    std::string cursor;  // query parameter text, may be empty
};

// The applicant-facing use cases: submit a package, read one (with its
// deadlines, certificates and forecast), list one's own, answer a correction
// notice, withdraw a package.
// Every method returns a finished Reply (success or problem) and never throws
// for bad input; a store failure becomes 503 (and is logged by the caller).
// Thread-safe: holds only references to thread-safe collaborators.
class ApplicationService {
  public:
    // `onNewDispatches` is called after a change that queued outbound calls
    // (to wake the dispatcher); it may be empty.
    ApplicationService(const core::Catalogue& catalogue, const xml::PackageReader& reader, store::Store& store,
                       const core::Clock& clock, core::IdSource& ids, const config::IntakeConfig& intake,
                       const tracking::EventPlanner& planner, const xml::Schema& supplementSchema,
                       std::function<void()> onNewDispatches);

    // Idempotency-Key semantics (DOMAIN.md): missing key 400; a key reused with
    // another body 422; otherwise the first answer, success or failure, is
    // replayed (a retry that arrives while the first request is still being
    // stored waits for it). The key is written once, with its answer and in
    // the same transaction as the package, so a request cut short by a crash
    // or a store failure (503) leaves nothing behind. 409 only for a key an
    // earlier hub version claimed and has not finished.
    Reply submit(const SubmitRequest& request);
    Reply get(const std::string& companyId, const std::string& packageId);
    Reply list(const ListRequest& request);
    // The package's timeline, oldest first.
    Reply events(const std::string& companyId, const std::string& packageId);
    // Answers the permit's correction notice: the supplement is parsed safely
    // and validated (400 / 415 / 422), the permit goes back to SUBMITTED and a
    // CORRECTION call carrying the supplement is queued — together. 404 for an
    // unknown package or permit, 409 CORRECTION_NOT_REQUESTED when the permit
    // is not CORRECTION_REQUIRED. 202 with the package.
    Reply correct(const CorrectionRequest& request);
    // Withdraws the package: every open permit WITHDRAWN, a cancellation to
    // every department holding one, nothing else sent. 202 with the package;
    // 409 NOT_WITHDRAWABLE when it is READY_TO_OPERATE or already WITHDRAWN.
    Reply withdraw(const std::string& companyId, const std::string& packageId);
    // For admins, any company: the package as its applicant sees it, plus
    // "companyId", "events" (the timeline) and "calls" (every outbound call
    // with its attempts). 404 unknown.
    Reply inspect(const std::string& packageId);

  private:
    // A package that passed every check, with its 201 answer, to be stored.
    struct Accepted {
        store::NewPackage package;
        Reply reply;
    };
    // Stores the outcome of assess() under the key (answer.response is set here).
    Reply intake(const SubmitRequest& request, store::KeyedAnswer& answer);
    // Reads and checks the package: the refusal, or the package to store.
    // `bodySha256`: the body's digest, computed once for the key and the package.
    std::variant<Reply, Accepted> assess(const SubmitRequest& request, const std::string& bodySha256);
    std::string representation(const store::PackageView& view);
    Reply applyPlan(const store::PackageView& package, const tracking::Plan& plan);

    const core::Catalogue& catalogue_;
    const xml::PackageReader& reader_;
    store::Store& store_;
    const core::Clock& clock_;
    core::IdSource& ids_;
    const config::IntakeConfig& intake_;
    const tracking::EventPlanner& planner_;
    const xml::Schema& supplementSchema_;
    const std::function<void()> onNewDispatches_;
};

}  // namespace hub::service
