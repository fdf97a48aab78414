#include "service/token_service.h"
#include "core/digest.h"

#include <stdexcept>

#include <Poco/DigestEngine.h>
#include <Poco/RandomStream.h>

namespace hub::service {
namespace {

using core::sha256Hex;

constexpr std::string_view kBearerPrefix = "Bearer ";
constexpr std::string_view kTokenPrefix = "hub_";

std::string randomBytes(std::size_t count) {
    Poco::RandomInputStream random;
    std::string bytes(count, '\0');
    random.read(bytes.data(), static_cast<std::streamsize>(count));
    return bytes;
}

std::string base64Url(const std::string& bytes) {
    static constexpr char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    std::size_t i = 0;
    auto byte = [&](std::size_t k) { return static_cast<unsigned char>(bytes[k]); };
    for (; i + 2 < bytes.size(); i += 3) {
        unsigned v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (i + 1 == bytes.size()) {
        unsigned v = byte(i) << 16;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
    } else if (i + 2 == bytes.size()) {
        unsigned v = (byte(i) << 16) | (byte(i + 1) << 8);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
    }
    return out;
}


}  // namespace

bool isValidCompanyId(const std::string& id) {
    if (id.empty() || id.size() > 64) return false;
    for (char c : id) {
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                  c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

TokenService::TokenService(store::Store& store, const core::Clock& clock) : store_(store), clock_(clock) {}

IssuedToken TokenService::issue(const std::string& role, const std::string& subject, const std::string& label,
                                const std::string& actor) {
    if (role != "applicant" && role != "admin")
        throw std::invalid_argument("unknown role '" + role + "' (known: applicant, admin)");
    if (!isValidCompanyId(subject))
        throw std::invalid_argument(role == "applicant" ? "company id must be 1-64 characters of A-Z a-z 0-9 . _ -"
                                                        : "admin name must be 1-64 characters of A-Z a-z 0-9 . _ -");
    IssuedToken issued;
    issued.secret = std::string(kTokenPrefix) + base64Url(randomBytes(32));
    issued.tokenId = "tok_" + sha256Hex(randomBytes(16)).substr(0, 16);
    store::ApiToken record;
    record.tokenId = issued.tokenId;
    record.tokenSha256 = sha256Hex(issued.secret);
    record.role = role;
    record.subject = subject;
    record.label = label;
    record.createdAt = clock_.now();
    store_.saveApiToken(record, actor);
    return issued;
}

std::optional<Principal> TokenService::authenticate(const std::string& authorizationHeader) {
    if (authorizationHeader.size() <= kBearerPrefix.size() ||
        authorizationHeader.compare(0, kBearerPrefix.size(), kBearerPrefix) != 0)
        return std::nullopt;
    std::string secret = authorizationHeader.substr(kBearerPrefix.size());
    if (secret.compare(0, kTokenPrefix.size(), kTokenPrefix) != 0 || secret.size() > 128) return std::nullopt;
    auto token = store_.findApiToken(sha256Hex(secret));
    if (!token || token->revokedAt != 0) return std::nullopt;
    return Principal{token->role, token->subject, token->tokenId};
}

bool TokenService::revoke(const std::string& tokenId, const std::string& actor) {
    return store_.revokeApiToken(tokenId, clock_.now(), actor);
}

}  // namespace hub::service
