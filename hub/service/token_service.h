#pragma once

#include <optional>
#include <string>

#include "core/clock.h"
#include "store/store.h"

namespace hub::service {

// Who is calling, once their bearer token has been checked.
struct Principal {
    std::string role;     // "applicant" or "admin"
    std::string subject;  // company id for applicants, the admin's name for admins
    std::string tokenId;
};

struct IssuedToken {
    std::string tokenId;  // public handle, for revocation and audit
    std::string secret;   // shown once; only its SHA-256 is stored
};

// Issues, checks and revokes bearer tokens. Tokens are 256-bit random secrets
// ("hub_" + base64url); the store keeps their SHA-256 only. Thread-safe.
class TokenService {
  public:
    TokenService(store::Store& store, const core::Clock& clock);

    // Throws std::invalid_argument for an unknown role or an empty/invalid
    // subject (1-64 of [A-Za-z0-9._-]); StoreError on store failure.
    // `actor` ("admin:<name>", "cli") is who issues it, for the audit trail.
    IssuedToken issue(const std::string& role, const std::string& subject, const std::string& label,
                      const std::string& actor);
    // The principal for an "Authorization" header value ("Bearer <secret>"),
    // or nullopt when absent, malformed, unknown or revoked. Throws StoreError.
    std::optional<Principal> authenticate(const std::string& authorizationHeader);
    // False when there is no such token id.
    bool revoke(const std::string& tokenId, const std::string& actor);

  private:
    store::Store& store_;
    const core::Clock& clock_;
};

// True for a valid company id: 1-64 characters of [A-Za-z0-9._-].
bool isValidCompanyId(const std::string& id);

}  // namespace hub::service
