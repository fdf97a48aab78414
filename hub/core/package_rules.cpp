#include "core/package_rules.h"
#include "core/digest.h"

#include <Poco/DigestEngine.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>

#include "core/identifiers.h"

namespace hub::core {

namespace {

const Location kPackageRoot{"/ApplicationPackage", 0};
const Location kAttachmentsElement{"/ApplicationPackage/Attachments", 0};

class Findings {
  public:
    void add(std::string code, std::string message, const Location& at) {
        errors_.push_back({std::move(code), std::move(message), at});
    }

    void addIdentifier(const IdentifierCheck& check, const std::string& what, const Field& field) {
        if (!check.ok) add(check.code, what + " '" + field.value + "': " + check.reason, field.at);
    }

    // Resident identity numbers are personal data: the message does not repeat them.
    void addResidentId(const IdentifierCheck& check, const std::string& whose, const Field& field) {
        if (!check.ok) add(check.code, whose + " resident ID: " + check.reason, field.at);
    }

    ValidationErrors take() { return std::move(errors_); }

  private:
    ValidationErrors errors_;
};

// Amounts in fen (1/100 CNY), exactly; nullopt when the text is not a
// non-negative decimal with at most two significant fraction digits or is too
// large to add up safely.
std::optional<std::int64_t> parseFen(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n')) {
        text.remove_suffix(1);
    }
    if (text.starts_with('+')) text.remove_prefix(1);
    std::string_view whole = text;
    std::string_view fraction;
    if (auto dot = text.find('.'); dot != std::string_view::npos) {
        whole = text.substr(0, dot);
        fraction = text.substr(dot + 1);
    }
    if (whole.empty() && fraction.empty()) return std::nullopt;
    auto digitsOnly = [](std::string_view part) {
        return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (!digitsOnly(whole) || !digitsOnly(fraction)) return std::nullopt;
    while (fraction.size() > 2 && fraction.back() == '0') fraction.remove_suffix(1);
    if (fraction.size() > 2) return std::nullopt;
    while (whole.size() > 1 && whole.front() == '0') whole.remove_prefix(1);
    if (whole.size() > 15) return std::nullopt;
    std::int64_t fen = 0;
    for (char c : whole) fen = fen * 10 + (c - '0');
    for (std::size_t i = 0; i < 2; ++i) fen = fen * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    return fen;
}

std::string formatFen(std::int64_t fen) {
    std::string cents = std::to_string(fen % 100);
    if (cents.size() < 2) cents.insert(0, "0");
    return std::to_string(fen / 100) + "." + cents;
}

int base64Value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// Standard base64 (RFC 4648 §4) with padding; whitespace is ignored.
std::optional<std::string> decodeBase64(std::string_view text) {
    std::string symbols;
    symbols.reserve(text.size());
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        symbols.push_back(c);
    }
    if (symbols.size() % 4 != 0) return std::nullopt;
    std::size_t padding = 0;
    while (padding < 2 && padding < symbols.size() && symbols[symbols.size() - 1 - padding] == '=') ++padding;
    std::string decoded;
    decoded.reserve(symbols.size() / 4 * 3);
    std::uint32_t buffer = 0;
    int bits = 0;
    for (std::size_t i = 0; i < symbols.size() - padding; ++i) {
        int value = base64Value(symbols[i]);
        if (value < 0) return std::nullopt;
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            decoded.push_back(static_cast<char>((buffer >> bits) & 0xFF));
        }
    }
    if ((buffer & ((1u << bits) - 1)) != 0) return std::nullopt;  // non-canonical trailing bits
    return decoded;
}


std::string lowerCase(std::string text) {
    for (char& c : text) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return text;
}

bool isAbsoluteHttpUrl(std::string_view url) {
    std::string lowered = lowerCase(std::string(url.substr(0, 8)));
    std::string_view rest;
    if (lowered.starts_with("http://")) {
        rest = url.substr(7);
    } else if (lowered.starts_with("https://")) {
        rest = url.substr(8);
    } else {
        return false;
    }
    for (char c : url) {
        if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7F) return false;
    }
    std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
    if (auto at = authority.rfind('@'); at != std::string_view::npos) authority.remove_prefix(at + 1);
    std::string_view host = authority;
    if (authority.starts_with('[')) {
        auto close = authority.find(']');
        if (close == std::string_view::npos || close == 1) return false;
        host = authority.substr(1, close - 1);
        authority.remove_prefix(close + 1);
        if (!authority.empty() && !authority.starts_with(':')) return false;
    } else if (auto colon = authority.find(':'); colon != std::string_view::npos) {
        host = authority.substr(0, colon);
        authority.remove_prefix(colon);
    } else {
        authority = {};
    }
    if (host.empty()) return false;
    if (authority.starts_with(':')) {
        std::string_view port = authority.substr(1);
        if (port.empty() || port.size() > 5 ||
            !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
            std::stoi(std::string(port)) > 65535) {
            return false;
        }
    }
    return true;
}

void checkPerson(Findings& findings, const Person& person, const std::string& role, int today) {
    if (person.residentId.present()) {
        findings.addResidentId(checkResidentId(person.residentId.value, today), role, person.residentId);
    }
}

void checkCompany(Findings& findings, const Company& company, const IntakePolicy& policy, int today) {
    findings.addIdentifier(checkDivisionCode(company.divisionCode.value), "division code", company.divisionCode);

    if (!company.shareholders.empty()) {
        std::optional<std::int64_t> capital = parseFen(company.registeredCapital.value);
        if (!capital) {
            findings.add("CAPITAL_MISMATCH",
                         "registered capital '" + company.registeredCapital.value +
                             "' is not an amount in yuan with at most two decimals",
                         company.registeredCapital.at);
        }
        std::int64_t total = 0;
        bool allRead = true;
        for (const auto& shareholder : company.shareholders) {
            std::optional<std::int64_t> contribution = parseFen(shareholder.contribution.value);
            if (!contribution) {
                allRead = false;
                findings.add("CAPITAL_MISMATCH",
                             "contribution '" + shareholder.contribution.value + "' of shareholder '" +
                                 shareholder.name.value + "' is not an amount in yuan with at most two decimals",
                             shareholder.contribution.at);
                continue;
            }
            total += *contribution;
        }
        if (capital && allRead && total != *capital) {
            findings.add("CAPITAL_MISMATCH",
                         "shareholders' contributions add up to " + formatFen(total) +
                             " but the registered capital is " + formatFen(*capital),
                         company.registeredCapital.at);
        }
    }

    for (const auto& shareholder : company.shareholders) {
        const std::string who = "shareholder '" + shareholder.name.value + "'";
        if (shareholder.kind == ShareholderKind::LegalPerson) {
            IdentifierCheck check = checkUscc(shareholder.identifier.value);
            bool allowed = !check.ok && check.code == "USCC_CHECK_DIGIT" &&
                           policy.usccAllowList.contains(shareholder.identifier.value);
            if (!allowed) findings.addIdentifier(check, who + " credit code", shareholder.identifier);
        } else {
            findings.addResidentId(checkResidentId(shareholder.identifier.value, today), who, shareholder.identifier);
        }
    }

    findings.addResidentId(checkResidentId(company.legalRepresentative.residentId.value, today),
                           "legal representative", company.legalRepresentative.residentId);
    checkPerson(findings, company.maritimeManager, "maritime manager", today);
    checkPerson(findings, company.technicalManager, "technical manager", today);

    if (company.ismCompanyImoNumber.present()) {
        findings.addIdentifier(checkImoCompanyNumber(company.ismCompanyImoNumber.value), "ISM company IMO number",
                               company.ismCompanyImoNumber);
    }
}

void checkVessels(Findings& findings, const std::vector<Vessel>& vessels, int today) {
    for (const auto& vessel : vessels) {
        const std::string which = "vessel '" + vessel.nameEn.value + "'";
        if (vessel.imoNumber.present()) {
            findings.addIdentifier(checkImoShipNumber(vessel.imoNumber.value), which + " IMO number",
                                   vessel.imoNumber);
        }
        if (vessel.shipIdNumber.present()) {
            findings.addIdentifier(checkChinaShipId(vessel.shipIdNumber.value, today / 10000),
                                   which + " ship identification number", vessel.shipIdNumber);
        }
    }
}

// Returns the known, distinct requested permit ids in submission order.
std::vector<std::string> checkRequestedPermits(Findings& findings, const std::vector<Field>& requested,
                                               const Catalogue& catalogue) {
    std::vector<std::string> known;
    for (const auto& field : requested) {
        if (!catalogue.findPermit(field.value)) {
            findings.add("PERMIT_UNKNOWN", "permit '" + field.value + "' is not in the catalogue", field.at);
        } else if (std::find(known.begin(), known.end(), field.value) != known.end()) {
            findings.add("PERMIT_DUPLICATE", "permit " + field.value + " is requested more than once", field.at);
        } else {
            known.push_back(field.value);
        }
    }
    return known;
}

void reportMissingPrerequisites(Findings& findings, const std::vector<std::string>& missing,
                                const std::vector<std::string>& requested, const std::vector<Field>& fields,
                                const Catalogue& catalogue) {
    for (const auto& prerequisite : missing) {
        std::string neededBy;
        Location at = kPackageRoot;
        for (const auto& id : requested) {
            std::vector<std::string> needs = catalogue.closure({id});
            if (std::find(needs.begin(), needs.end(), prerequisite) == needs.end()) continue;
            if (neededBy.empty()) {
                auto field = std::find_if(fields.begin(), fields.end(), [&](const Field& f) { return f.value == id; });
                if (field != fields.end()) at = field->at;
            }
            neededBy += (neededBy.empty() ? "" : ", ") + id;
        }
        findings.add("PERMIT_PREREQUISITE_MISSING",
                     "permit " + prerequisite + " (" + catalogue.findPermit(prerequisite)->nameEn +
                         ") is a prerequisite of requested " + neededBy + " but is not requested",
                     at);
    }
}

void checkAttachments(Findings& findings, const std::vector<Attachment>& attachments) {
    std::vector<std::string> seenIds;
    for (const auto& attachment : attachments) {
        if (std::find(seenIds.begin(), seenIds.end(), attachment.id.value) != seenIds.end()) {
            findings.add("ATTACHMENT_DUPLICATE_ID", "attachment id '" + attachment.id.value + "' is used twice",
                         attachment.id.present() ? attachment.id.at : attachment.at);
        } else {
            seenIds.push_back(attachment.id.value);
        }
        std::optional<std::string> bytes = decodeBase64(attachment.content.value);
        if (!bytes) {
            findings.add("ATTACHMENT_BASE64",
                         "content of attachment '" + attachment.id.value + "' is not valid base64",
                         attachment.content.present() ? attachment.content.at : attachment.at);
            continue;
        }
        std::string actual = sha256Hex(*bytes);
        if (lowerCase(attachment.sha256.value) != actual) {
            findings.add("ATTACHMENT_DIGEST_MISMATCH",
                         "attachment '" + attachment.id.value + "' declares SHA-256 '" + attachment.sha256.value +
                             "' but its content hashes to " + actual,
                         attachment.sha256.present() ? attachment.sha256.at : attachment.at);
        }
    }
}

void checkRequiredAttachments(Findings& findings, const std::vector<std::string>& permits,
                              const std::vector<Attachment>& attachments, const Catalogue& catalogue) {
    const Location& at = attachments.empty() ? kPackageRoot : kAttachmentsElement;
    for (const auto& id : permits) {
        const PermitItem& permit = *catalogue.findPermit(id);
        for (const auto& kind : permit.requiredAttachments) {
            bool supplied = std::any_of(attachments.begin(), attachments.end(),
                                        [&](const Attachment& attachment) { return attachment.kind.value == kind; });
            if (!supplied) {
                findings.add("ATTACHMENT_MISSING",
                             "permit " + id + " (" + permit.nameEn + ") requires an attachment of kind " + kind,
                             at);
            }
        }
    }
}

void checkVesselPresence(Findings& findings, const std::vector<std::string>& permits,
                         const std::vector<Vessel>& vessels, const Catalogue& catalogue) {
    if (!vessels.empty()) return;
    std::string vesselPermits;
    for (const auto& id : permits) {
        if (catalogue.findPermit(id)->concernsVessel) vesselPermits += (vesselPermits.empty() ? "" : ", ") + id;
    }
    if (!vesselPermits.empty()) {
        findings.add("VESSEL_REQUIRED",
                     "permits " + vesselPermits + " concern a vessel but the package describes none", kPackageRoot);
    }
}

}  // namespace

IntakeAssessment assessPackage(const ApplicationPackage& package, const Catalogue& catalogue,
                               const IntakePolicy& policy, int todayYyyymmdd) {
    Findings findings;
    checkCompany(findings, package.company, policy, todayYyyymmdd);
    checkVessels(findings, package.vessels, todayYyyymmdd);

    std::vector<std::string> requested = checkRequestedPermits(findings, package.requestedPermits, catalogue);
    IntakeAssessment assessment;
    assessment.permits = catalogue.closure(requested);
    std::vector<std::string> missing;
    for (const auto& id : assessment.permits) {
        if (std::find(requested.begin(), requested.end(), id) == requested.end()) missing.push_back(id);
    }
    if (policy.addMissingPrerequisites) {
        assessment.addedPermits = missing;
    } else {
        reportMissingPrerequisites(findings, missing, requested, package.requestedPermits, catalogue);
    }

    checkAttachments(findings, package.attachments);
    checkRequiredAttachments(findings, assessment.permits, package.attachments, catalogue);
    checkVesselPresence(findings, assessment.permits, package.vessels, catalogue);

    if (package.notificationUrl.present() && !isAbsoluteHttpUrl(package.notificationUrl.value)) {
        findings.add("NOTIFICATION_URL_INVALID",
                     "notification URL '" + package.notificationUrl.value +
                         "' is not an absolute http:// or https:// URL with a host",
                     package.notificationUrl.at);
    }

    assessment.errors = findings.take();
    return assessment;
}

}  // namespace hub::core
