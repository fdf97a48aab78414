#include "fuzz_targets.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>

#include "adapter/case_document.h"
#include "adapter/department_config.h"
#include "adapter/request_renderer.h"
#include "adapter/response_mapper.h"
#include "config/hub_config.h"
#include "core/catalogue.h"
#include "core/package_rules.h"
#include "transport/transport.h"
#include "xml/document.h"
#include "xml/package_reader.h"
#include "xml/schema.h"

namespace hub::fuzz {

namespace {

// The date the intake rules see (resident ids, CN ship ids are dated).
constexpr int kToday = 20261127;
// config/hub.json's default intake.maxXmlDepth.
constexpr int kMaxXmlDepth = 64;

std::string sourcePath(std::string_view relative) {
    return std::string(HUB_SOURCE_DIR) + "/" + std::string(relative);
}

std::string readFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

[[noreturn]] void broken(const std::string& harness, const std::string& invariant) {
    std::fprintf(stderr, "%s: invariant broken: %s\n", harness.c_str(), invariant.c_str());
    std::fflush(stderr);
    std::abort();
}

void check(bool holds, const char* harness, const std::string& invariant) {
    if (!holds) broken(harness, invariant);
}

bool isXmlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Trimmed, no runs of XML whitespace: what the mapper promises for every text.
bool isNormalized(std::string_view text) {
    if (text.empty()) return true;
    if (isXmlSpace(text.front()) || isXmlSpace(text.back())) return false;
    for (std::size_t i = 0; i < text.size(); ++i)
        if (isXmlSpace(text[i]) && (text[i] != ' ' || isXmlSpace(text[i + 1]))) return false;
    return true;
}

void checkErrors(const core::ValidationErrors& errors, const char* harness, const std::string& stage) {
    for (const auto& error : errors) {
        check(!error.code.empty(), harness, stage + ": a validation error without code");
        check(!error.message.empty(), harness, stage + ": error " + error.code + " without message");
        check(error.location.line >= 0, harness, stage + ": error " + error.code + " with a negative line");
    }
}

const core::Catalogue& catalogue() {
    static const core::Catalogue loaded = config::loadCatalogue(sourcePath("config/catalogue.json"));
    return loaded;
}

const xml::PackageReader& packageReader() {
    static const xml::PackageReader reader(sourcePath("schemas"), xml::XmlLimits{});
    return reader;
}

const adapter::DepartmentAdapters& departments() {
    static const adapter::DepartmentAdapters loaded = [] {
        transport::TransportRegistry transports;
        transport::registerStandardTransports(transports);
        std::set<std::string, std::less<>> kinds;
        for (const auto& kind : transports.kinds()) kinds.insert(kind);
        return adapter::loadDepartments(sourcePath("adapters"), HUB_SOURCE_DIR, catalogue(), kinds);
    }();
    return loaded;
}

const xml::Schema& supplementSchema() {
    static const xml::Schema schema(sourcePath("schemas/package/v1/supplement.xsd"));
    return schema;
}

}  // namespace

int fuzzPackage(std::string_view bytes) {
    constexpr const char* kHarness = "package";
    const xml::PackageReadResult read = packageReader().read(bytes);
    checkErrors(read.errors, kHarness, "read");
    if (read.failure != xml::ReadFailure::None) {
        check(!read.errors.empty(), kHarness, "a read failure without any error");
        return 0;
    }
    check(read.errors.empty(), kHarness, "errors reported for a package that was read");

    const core::Catalogue& permits = catalogue();
    const core::IntakeAssessment assessment = core::assessPackage(read.package, permits, core::IntakePolicy{}, kToday);
    checkErrors(assessment.errors, kHarness, "assessPackage");
    std::set<std::string, std::less<>> listed;
    for (const auto& permit : assessment.permits)
        check(listed.insert(permit).second, kHarness, "permit " + permit + " listed twice");
    for (const auto& added : assessment.addedPermits)
        check(listed.count(added) == 1, kHarness, "added permit " + added + " missing from the permit list");
    if (!assessment.accepted()) return 0;

    check(!assessment.permits.empty(), kHarness, "an accepted package without permits");
    for (const auto& requested : read.package.requestedPermits)
        check(listed.count(requested.value) == 1, kHarness,
              "requested permit " + requested.value + " missing from an accepted package's permits");
    std::set<std::string, std::less<>> before;
    for (const auto& id : assessment.permits) {
        const core::PermitItem* permit = permits.findPermit(id);
        check(permit != nullptr, kHarness, "accepted unknown permit " + id);
        for (const auto& need : permit->needs)
            check(before.count(need) == 1, kHarness, "permit " + id + " listed before its prerequisite " + need);
        before.insert(id);
    }
    return 0;
}

char departmentSelector(std::string_view code) {
    const auto& all = departments().all();
    for (std::size_t i = 0; i < all.size(); ++i)
        if (all[i]->code() == code) return static_cast<char>('A' + i);
    throw std::invalid_argument("no department " + std::string(code));
}

int fuzzDepartmentMessage(std::string_view bytes) {
    constexpr const char* kHarness = "department_message";
    if (bytes.empty()) return 0;
    const auto& all = departments().all();
    const std::size_t count = all.size();
    const std::size_t selector = static_cast<unsigned char>(bytes.front());
    const adapter::DepartmentAdapter& department = *all[(selector + count * 'A' - 'A') % count];
    bytes.remove_prefix(1);

    const adapter::MappingResult mapped = adapter::mapDepartmentMessage(department, bytes);
    const std::string& code = department.code();
    check(mapped.event.has_value() != mapped.failure.has_value(), kHarness,
          code + ": not exactly one of event and failure");
    if (mapped.failure) {
        const adapter::MappingFailure& failure = *mapped.failure;
        check(failure.message.rfind(code, 0) == 0, kHarness, code + ": a failure message not naming the department");
        checkErrors(failure.errors, kHarness, code + " mapping");
        if (failure.kind == adapter::MappingFailureKind::SchemaInvalid)
            check(!failure.errors.empty(), kHarness, code + ": SCHEMA_INVALID without schema errors");
        if (failure.kind == adapter::MappingFailureKind::UnmappedOutcome ||
            failure.kind == adapter::MappingFailureKind::MissingField)
            check(!failure.subject.empty(), kHarness, code + ": " + std::string(toString(failure.kind)) +
                                                          " without subject");
        return 0;
    }

    const adapter::DepartmentEvent& event = *mapped.event;
    const auto& outcomeMap = department.config().mapping.outcomeMap;
    const auto word = outcomeMap.find(event.departmentWord);
    check(word != outcomeMap.end() && word->second == event.outcome, kHarness,
          code + ": the outcome is not the outcomeMap's for \"" + event.departmentWord + "\"");
    for (const std::string* text : {&event.departmentWord, &event.receiptNumber, &event.messageId, &event.permit,
                                    &event.certificateNumber, &event.issuedOn, &event.validUntil})
        check(isNormalized(*text), kHarness, code + ": text not normalized: \"" + *text + "\"");
    for (const auto& reason : event.reasons)
        check(!reason.empty() && isNormalized(reason), kHarness, code + ": reason empty or not normalized");
    for (const auto& [name, values] : event.outputs) {
        check(department.config().mapping.outputs.count(name) == 1, kHarness, code + ": unmapped output " + name);
        check(!values.empty(), kHarness, code + ": output " + name + " without values");
        for (const auto& value : values)
            check(!value.empty() && isNormalized(value), kHarness, code + ": output " + name + " empty or not normalized");
    }
    check(event.extensionDays >= 0 && event.extensionDays <= 60, kHarness, code + ": extension days out of range");
    if (event.outcome == adapter::Outcome::Issued)
        check(!event.certificateNumber.empty() && !event.issuedOn.empty(), kHarness,
              code + ": ISSUED without certificate number or issue date");
    return 0;
}

namespace {

// A CORRECTION call of one permit, as the dispatcher builds it from the
// stored package: the case fixture tests/fixtures/cases/<permit>.xml gives the
// certificates issued before it, its receipt number and vessel.
adapter::CaseInput correctionCall(const core::PermitItem& permit) {
    adapter::CaseInput input;
    input.packageId = "PKG-01JDZ8X4Q8N7M4V0C3K2H1G9FE";
    input.messageId = "0b7e4d21-58c3-4f0a-8e19-6a2d3c5b7f01";
    input.callKind = std::string(adapter::kCallCorrection);
    input.permit = permit.id;
    input.department = permit.department;
    input.sentAt = 1795762935000;  // 2026-11-27T07:02:15Z
    input.senderId = "licensing-hub";
    input.callbackUrl = "http://127.0.0.1:8080/api/v1/departments/" + permit.department + "/callbacks";
    input.receiptNumber = "RCPT-2026-00001";
    input.packageXml = readFile(sourcePath("examples/full-12-permits.xml"));

    xml::ParseResult parsed = xml::parseSafely(readFile(sourcePath("tests/fixtures/cases/" + permit.id + ".xml")),
                                               xml::ParseOptions{256});
    if (!parsed.ok()) throw std::runtime_error("case fixture of " + permit.id + " does not parse");
    const xml::Namespaces c{{"c", std::string(adapter::kCaseNamespaceV1)}};
    for (const auto& call : parsed.document->select("/c:Case/c:Call[@vessel]", c))
        input.vessel = std::stoi(*call.attribute("vessel"));
    for (const auto& certificate : parsed.document->select("/c:Case/c:Issued/c:Certificate", c)) {
        adapter::IssuedCertificate issued;
        issued.permit = certificate.attribute("permit").value_or("");
        issued.department = certificate.attribute("department").value_or("");
        issued.number = certificate.attribute("number").value_or("");
        issued.issuedOn = certificate.attribute("issuedOn").value_or("");
        issued.validUntil = certificate.attribute("validUntil");
        for (const auto& output : certificate.children("Output"))
            issued.outputs.emplace_back(output.attribute("name").value_or(""), output.text());
        input.issued.push_back(std::move(issued));
    }
    return input;
}

struct CorrectionTarget {
    std::shared_ptr<const adapter::DepartmentAdapter> department;
    adapter::CaseInput call;
};

// Permits whose CORRECTION call renders with a minimal supplement: for those,
// any supplement the intake accepts must render too.
const std::map<std::string, CorrectionTarget, std::less<>>& correctionTargets() {
    static const std::map<std::string, CorrectionTarget, std::less<>> targets = [] {
        std::map<std::string, CorrectionTarget, std::less<>> found;
        for (const auto& permit : catalogue().permits()) {
            auto department = departments().find(permit.department);
            if (!department || !department->stylesheet(adapter::kCallCorrection)) continue;
            CorrectionTarget target{department, correctionCall(permit)};
            target.call.supplementXml = "<CorrectionSupplement xmlns=\"urn:licensing-hub:package:v1\"><Permit>" +
                                        permit.id + "</Permit><Answer>done</Answer></CorrectionSupplement>";
            if (adapter::renderRequest(*department, adapter::buildCaseDocument(target.call)).ok())
                found.emplace(permit.id, std::move(target));
        }
        if (found.empty()) throw std::runtime_error("no permit's CORRECTION call renders");
        return found;
    }();
    return targets;
}

}  // namespace

int fuzzSupplement(std::string_view bytes) {
    constexpr const char* kHarness = "supplement";
    const auto& targets = correctionTargets();
    xml::ParseResult parsed = xml::parseSafely(bytes, xml::ParseOptions{kMaxXmlDepth});
    checkErrors(parsed.errors, kHarness, "parse");
    check(parsed.ok() == parsed.document.has_value(), kHarness, "a document exactly when parsing succeeded");
    if (!parsed.ok()) {
        check(!parsed.errors.empty(), kHarness, "a parse failure without any error");
        return 0;
    }
    const core::ValidationErrors schemaErrors = supplementSchema().validate(*parsed.document);
    checkErrors(schemaErrors, kHarness, "supplement.xsd");
    if (!schemaErrors.empty()) return 0;
    const auto named = parsed.document->evaluateStrings("normalize-space(/*/*[local-name() = 'Permit'])");
    check(named.size() == 1, kHarness, "normalize-space() gave not exactly one value");

    const auto target = targets.find(named.front());
    if (target == targets.end()) return 0;
    adapter::CaseInput call = target->second.call;
    call.supplementXml = std::string(bytes);
    const adapter::RenderResult rendered =
        adapter::renderRequest(*target->second.department, adapter::buildCaseDocument(call));
    if (!rendered.ok()) {
        std::string reason = std::string(toString(rendered.failure->kind)) + ": " + rendered.failure->message;
        for (const auto& error : rendered.failure->schemaErrors) reason += "; " + error.message;
        broken(kHarness, "an accepted supplement for " + named.front() + " does not render: " + reason);
    }
    return 0;
}

std::vector<std::string> supplementRenderedPermits() {
    std::vector<std::string> permits;
    for (const auto& permit : catalogue().permits())
        if (correctionTargets().count(permit.id) == 1) permits.push_back(permit.id);
    return permits;
}

const std::vector<Harness>& harnesses() {
    static const std::vector<Harness> all{
        {"package", &fuzzPackage},
        {"department_message", &fuzzDepartmentMessage},
        {"supplement", &fuzzSupplement},
    };
    return all;
}

}  // namespace hub::fuzz
