#include "xml/package_reader.h"

#include <map>

#include "xml/document.h"
#include "xml/schema.h"

namespace hub::xml {

namespace {

constexpr std::string_view kPackageTooLarge = "PACKAGE_TOO_LARGE";
constexpr std::string_view kPackageVersionUnknown = "PACKAGE_VERSION_UNKNOWN";
constexpr std::string_view kRootElement = "ApplicationPackage";

bool isXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The value as the schema saw it for xs:token: trimmed, inner runs of
// whitespace collapsed to one space.
std::string collapseWhitespace(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    bool pendingSpace = false;
    for (char c : text) {
        if (isXmlSpace(c)) {
            pendingSpace = !out.empty();
            continue;
        }
        if (pendingSpace) {
            out.push_back(' ');
            pendingSpace = false;
        }
        out.push_back(c);
    }
    return out;
}

std::string withoutWhitespace(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        if (!isXmlSpace(c)) {
            out.push_back(c);
        }
    }
    return out;
}

core::Field fieldOf(const Element& element) { return {collapseWhitespace(element.text()), element.location()}; }

core::Field childField(const Element& parent, std::string_view name) {
    auto child = parent.child(name);
    return child ? fieldOf(*child) : core::Field{};
}

core::Person personOf(const Element& element) {
    core::Person person;
    person.name = childField(element, "Name");
    person.residentId = childField(element, "ResidentId");
    person.qualification = childField(element, "Qualification");
    person.at = element.location();
    return person;
}

core::Shareholder shareholderOf(const Element& element) {
    core::Shareholder shareholder;
    shareholder.name = childField(element, "Name");
    shareholder.kind = childField(element, "Kind").value == "LEGAL_PERSON" ? core::ShareholderKind::LegalPerson
                                                                           : core::ShareholderKind::NaturalPerson;
    shareholder.identifier = childField(element, "Identifier");
    shareholder.contribution = childField(element, "Contribution");
    shareholder.at = element.location();
    return shareholder;
}

core::Company companyOf(const Element& element) {
    core::Company company;
    company.proposedName = childField(element, "ProposedName");
    company.organisationalForm = childField(element, "OrganisationalForm");
    company.registeredCapital = childField(element, "RegisteredCapital");
    if (auto address = element.child("RegisteredAddress")) {
        company.divisionCode = childField(*address, "DivisionCode");
        company.registeredAddress = childField(*address, "AddressLine");
    }
    company.businessScope = childField(element, "BusinessScope");
    if (auto shareholders = element.child("Shareholders")) {
        for (const auto& shareholder : shareholders->children("Shareholder")) {
            company.shareholders.push_back(shareholderOf(shareholder));
        }
    }
    if (auto person = element.child("LegalRepresentative")) {
        company.legalRepresentative = personOf(*person);
    }
    if (auto person = element.child("MaritimeManager")) {
        company.maritimeManager = personOf(*person);
    }
    if (auto person = element.child("TechnicalManager")) {
        company.technicalManager = personOf(*person);
    }
    if (auto ism = element.child("IsmManager")) {
        company.ismCompanyImoNumber = childField(*ism, "ImoCompanyNumber");
    }
    return company;
}

core::Vessel vesselOf(const Element& element) {
    core::Vessel vessel;
    vessel.nameZh = childField(element, "NameZh");
    vessel.nameEn = childField(element, "NameEn");
    vessel.imoNumber = childField(element, "ImoNumber");
    vessel.shipIdNumber = childField(element, "ShipIdNumber");
    vessel.shipType = childField(element, "ShipType");
    vessel.grossTonnage = childField(element, "GrossTonnage");
    vessel.netTonnage = childField(element, "NetTonnage");
    vessel.deadweight = childField(element, "DeadweightTonnes");
    vessel.yearOfBuild = childField(element, "YearOfBuild");
    vessel.portOfRegistry = childField(element, "PortOfRegistry");
    vessel.at = element.location();
    return vessel;
}

core::Attachment attachmentOf(const Element& element) {
    core::Attachment attachment;
    attachment.id = childField(element, "Id");
    attachment.kind = childField(element, "Kind");
    attachment.fileName = childField(element, "FileName");
    attachment.mediaType = childField(element, "MediaType");
    attachment.sha256 = childField(element, "Sha256");
    if (auto content = element.child("Content")) {
        attachment.content = {withoutWhitespace(content->text()), content->location()};
    }
    attachment.at = element.location();
    return attachment;
}

// Extraction for schema version 1; the document is already schema-valid.
core::ApplicationPackage packageV1(const Element& root) {
    core::ApplicationPackage package;
    package.schemaVersion = "1";
    package.applicantReference = childField(root, "ApplicantReference");
    if (auto company = root.child("Company")) {
        package.company = companyOf(*company);
    }
    if (auto vessels = root.child("Vessels")) {
        for (const auto& vessel : vessels->children("Vessel")) {
            package.vessels.push_back(vesselOf(vessel));
        }
    }
    if (auto permits = root.child("RequestedPermits")) {
        for (const auto& permit : permits->children("Permit")) {
            package.requestedPermits.push_back(fieldOf(permit));
        }
    }
    if (auto attachments = root.child("Attachments")) {
        for (const auto& attachment : attachments->children("Attachment")) {
            package.attachments.push_back(attachmentOf(attachment));
        }
    }
    package.notificationUrl = childField(root, "NotificationUrl");
    return package;
}

using Extractor = core::ApplicationPackage (*)(const Element&);

struct PackageVersion {
    Schema schema;
    Extractor extract;
};

PackageReadResult failure(ReadFailure kind, core::ValidationErrors errors) {
    PackageReadResult result;
    result.failure = kind;
    result.errors = std::move(errors);
    return result;
}

}  // namespace

struct PackageReader::Impl {
    XmlLimits limits;
    std::map<std::string, PackageVersion, std::less<>> versions;  // by root namespace
};

PackageReader::PackageReader(const std::string& schemasDir, XmlLimits limits) : impl_(std::make_unique<Impl>()) {
    impl_->limits = limits;
    impl_->versions.emplace(std::string(kPackageNamespaceV1),
                            PackageVersion{Schema(schemasDir + "/package/v1/package.xsd"), &packageV1});
}

PackageReader::~PackageReader() = default;

PackageReadResult PackageReader::read(std::string_view bytes) const {
    if (bytes.size() > impl_->limits.maxBytes) {
        return failure(ReadFailure::TooLarge,
                       {{std::string(kPackageTooLarge),
                         "the package is " + std::to_string(bytes.size()) + " bytes; at most " +
                             std::to_string(impl_->limits.maxBytes) + " are accepted",
                         {}}});
    }

    ParseResult parsed = parseSafely(bytes, ParseOptions{impl_->limits.maxDepth});
    switch (parsed.failure) {
        case ParseFailure::None:
            break;
        case ParseFailure::Malformed:
        case ParseFailure::Encoding:
            return failure(ReadFailure::NotWellFormed, std::move(parsed.errors));
        case ParseFailure::DoctypeForbidden:
        case ParseFailure::TooDeep:
            return failure(ReadFailure::ForbiddenConstruct, std::move(parsed.errors));
    }

    const Document& document = *parsed.document;
    Element root = document.root();
    auto version = impl_->versions.find(root.namespaceUri());
    if (root.localName() != kRootElement || version == impl_->versions.end()) {
        std::string found = root.namespaceUri().empty()
                                ? std::string(root.localName()) + " in no namespace"
                                : std::string(root.localName()) + " in namespace " + std::string(root.namespaceUri());
        std::string known;
        for (const auto& [ns, _] : impl_->versions) {
            known += (known.empty() ? "" : ", ") + ns;
        }
        return failure(ReadFailure::SchemaInvalid,
                       {{std::string(kPackageVersionUnknown),
                         "the root element is " + found + "; expected ApplicationPackage in one of: " + known,
                         root.location()}});
    }

    core::ValidationErrors schemaErrors = version->second.schema.validate(document);
    if (!schemaErrors.empty()) {
        return failure(ReadFailure::SchemaInvalid, std::move(schemaErrors));
    }

    PackageReadResult result;
    result.package = version->second.extract(root);
    return result;
}

}  // namespace hub::xml
