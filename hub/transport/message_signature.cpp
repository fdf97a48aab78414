#include "transport/message_signature.h"

#include <charconv>

#include <Poco/DigestEngine.h>
#include <Poco/HMACEngine.h>
#include <Poco/SHA2Engine.h>

namespace hub::transport {
namespace {

// Poco's HMACEngine needs a digest type with a default constructor and the
// block/digest sizes as enum constants.
class Sha256 : public Poco::SHA2Engine {
  public:
    enum { BLOCK_SIZE = 64, DIGEST_SIZE = 32 };
    Sha256() : Poco::SHA2Engine(Poco::SHA2Engine::SHA_256) {}
};

std::string hmacHex(const std::string& secret, core::EpochMillis timestamp, std::string_view body) {
    Poco::HMACEngine<Sha256> hmac(secret);
    const std::string prefix = std::to_string(timestamp) + ".";
    hmac.update(prefix.data(), static_cast<unsigned>(prefix.size()));
    hmac.update(body.data(), static_cast<unsigned>(body.size()));
    return Poco::DigestEngine::digestToHex(hmac.digest());
}

bool constantTimeEquals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    unsigned char difference = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
}

}  // namespace

std::string signatureHeaderValue(const std::string& secret, core::EpochMillis timestamp, std::string_view body) {
    return "sha256=" + hmacHex(secret, timestamp, body);
}

SignatureCheck verifySignature(const std::string& secret, std::string_view timestampHeader,
                               std::string_view signatureHeader, std::string_view body, core::EpochMillis now,
                               core::EpochMillis maxSkewMs) {
    if (timestampHeader.empty() || signatureHeader.empty()) return SignatureCheck::Missing;
    core::EpochMillis timestamp = 0;
    auto [end, error] = std::from_chars(timestampHeader.data(), timestampHeader.data() + timestampHeader.size(), timestamp);
    if (error != std::errc() || end != timestampHeader.data() + timestampHeader.size()) return SignatureCheck::Malformed;
    constexpr std::string_view prefix = "sha256=";
    if (signatureHeader.size() != prefix.size() + 64 || signatureHeader.substr(0, prefix.size()) != prefix)
        return SignatureCheck::Malformed;
    const core::EpochMillis skew = now > timestamp ? now - timestamp : timestamp - now;
    if (skew > maxSkewMs) return SignatureCheck::Stale;
    if (!constantTimeEquals(signatureHeader.substr(prefix.size()), hmacHex(secret, timestamp, body)))
        return SignatureCheck::Mismatch;
    return SignatureCheck::Valid;
}

std::string_view toString(SignatureCheck check) {
    switch (check) {
        case SignatureCheck::Valid: return "VALID";
        case SignatureCheck::Missing: return "MISSING";
        case SignatureCheck::Malformed: return "MALFORMED";
        case SignatureCheck::Stale: return "STALE";
        case SignatureCheck::Mismatch: return "MISMATCH";
    }
    return "MISMATCH";
}

}  // namespace hub::transport
