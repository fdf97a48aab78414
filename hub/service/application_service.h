#pragma once

#include <string>

#include "config/hub_config.h"
#include "core/catalogue.h"
#include "core/clock.h"
#include "service/reply.h"
#include "store/store.h"
#include "xml/package_reader.h"

namespace hub::service {

struct SubmitRequest {
    std::string companyId;       // from the authenticated principal
    std::string idempotencyKey;  // the Idempotency-Key header, may be empty
    std::string contentType;     // the Content-Type header
    std::string body;            // the whole body, at most maxPackageBytes + 1 bytes
};

struct ListRequest {
    std::string companyId;
    std::string limit;   // query parameter text, may be empty
    std::string cursor;  // query parameter text, may be empty
};

// The applicant-facing use cases: submit a package, read one, list one's own.
// Every method returns a finished Reply (success or problem) and never throws
// for bad input; a store failure becomes 503 (and is logged by the caller).
// Thread-safe: holds only references to thread-safe collaborators.
class ApplicationService {
  public:
    ApplicationService(const core::Catalogue& catalogue, const xml::PackageReader& reader, store::Store& store,
                       const core::Clock& clock, core::IdSource& ids, const config::IntakeConfig& intake);

    // Idempotency-Key semantics (DOMAIN.md): missing key 400; a key reused with
    // another body 422; the first request still running 409; otherwise the
    // first answer, success or failure, is replayed.
    Reply submit(const SubmitRequest& request);
    Reply get(const std::string& companyId, const std::string& packageId);
    Reply list(const ListRequest& request);
    // The package's timeline, oldest first.
    Reply events(const std::string& companyId, const std::string& packageId);

  private:
    Reply intake(const SubmitRequest& request);

    const core::Catalogue& catalogue_;
    const xml::PackageReader& reader_;
    store::Store& store_;
    const core::Clock& clock_;
    core::IdSource& ids_;
    const config::IntakeConfig& intake_;
};

}  // namespace hub::service
