#pragma once

#include <string>
#include <vector>

#include "core/diagnostics.h"

namespace hub::core {

// A value read from the submitted document together with where it came from.
// An absent optional element has an empty value and a default location.
struct Field {
    std::string value;
    Location at;

    bool present() const { return !value.empty(); }
};

// The parts of a combined application package that the domain rules look at.
// The XML layer fills it from a schema-valid document (so the presence and
// lexical form of mandatory fields is already guaranteed by the XSD); the
// original bytes remain the authoritative record of everything else.

struct Person {
    Field name;
    Field residentId;      // GB 11643-1999
    Field qualification;   // certificate of competency number (managers only)
    Location at;
};

enum class ShareholderKind { NaturalPerson, LegalPerson };

struct Shareholder {
    Field name;
    ShareholderKind kind = ShareholderKind::NaturalPerson;
    Field identifier;    // resident ID (natural person) or USCC (legal person)
    Field contribution;  // subscribed capital, decimal CNY
    Location at;
};

struct Company {
    Field proposedName;
    Field organisationalForm;
    Field registeredCapital;     // decimal CNY
    Field divisionCode;          // GB/T 2260 of the registered address
    Field registeredAddress;
    Field businessScope;
    std::vector<Shareholder> shareholders;
    Person legalRepresentative;
    Person maritimeManager;
    Person technicalManager;
    Field ismCompanyImoNumber;   // optional: IMO company number of an ISM manager
};

struct Vessel {
    Field nameZh;
    Field nameEn;
    Field imoNumber;       // IMO ship number
    Field shipIdNumber;    // China ship identification number
    Field shipType;
    Field grossTonnage;
    Field netTonnage;
    Field deadweight;
    Field yearOfBuild;
    Field portOfRegistry;
    Location at;
};

struct Attachment {
    Field id;
    Field kind;        // e.g. "ARTICLES_OF_ASSOCIATION"; the catalogue names required kinds
    Field fileName;
    Field mediaType;
    Field sha256;      // lower- or upper-case hex as submitted
    Field content;     // base64 as submitted
    Location at;
};

struct ApplicationPackage {
    std::string schemaVersion;     // the namespace version, e.g. "1"
    Field applicantReference;      // the firm's own reference
    Company company;
    std::vector<Vessel> vessels;
    std::vector<Field> requestedPermits;  // permit ids as submitted
    std::vector<Attachment> attachments;
    Field notificationUrl;
};

}  // namespace hub::core
