// docs/openapi.json checked against the real `hub` binary: the document is
// well-formed, every operation it describes answers with a status it lists
// and a JSON body its schema accepts, and every route the server knows is in
// it. The store is chosen on the command line after "--" (sqlite by default).
#define BOOST_TEST_MODULE openapi
#define BOOST_TEST_DYN_LINK
#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <regex>
#include <set>
#include <sstream>

#include <Poco/DigestEngine.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/SHA2Engine.h>
#include <Poco/String.h>

#include "hub_process.h"

using hub::testing::HttpResponse;
using hub::testing::HubProcess;
using hub::testing::readFile;
using hub::testing::sourceDirectory;
using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

constexpr std::size_t kMaxPackageBytes = 262144;

// ---------------------------------------------------------------------------
// The document and a small JSON Schema validator for OpenAPI 3.0 schemas:
// type, nullable, required, properties, additionalProperties (default true),
// items, enum, $ref, oneOf (at least one matches), allOf, minimum, maximum,
// pattern. Other keywords (format, description…) are ignored.

bool isObject(const Var& value) { return value.type() == typeid(Object::Ptr); }
bool isArray(const Var& value) { return value.type() == typeid(Array::Ptr); }

std::string describeValue(const Var& value) {
    if (value.isEmpty()) return "null";
    if (isObject(value)) return "an object";
    if (isArray(value)) return "an array";
    if (value.isString()) return "\"" + value.convert<std::string>().substr(0, 60) + "\"";
    return value.convert<std::string>();
}

bool sameValue(const Var& a, const Var& b) {
    if (a.isEmpty() || b.isEmpty()) return a.isEmpty() && b.isEmpty();
    if (a.isString() || b.isString()) return a.isString() && b.isString() && a.convert<std::string>() == b.convert<std::string>();
    if (a.isBoolean() || b.isBoolean()) return a.isBoolean() && b.isBoolean() && a.convert<bool>() == b.convert<bool>();
    if (a.isNumeric() && b.isNumeric()) return a.convert<double>() == b.convert<double>();
    return false;
}

class OpenApiDocument {
  public:
    explicit OpenApiDocument(const std::string& text) {
        Poco::JSON::Parser parser;
        root_ = parser.parse(text).extract<Object::Ptr>();
    }

    Object::Ptr root() const { return root_; }

    // The value a local reference ("#/components/schemas/Package") points at;
    // an empty Var when it does not resolve.
    Var resolve(const std::string& reference) const {
        if (reference.rfind("#/", 0) != 0) return {};
        Var current = root_;
        std::istringstream parts(reference.substr(2));
        std::string part;
        while (std::getline(parts, part, '/')) {
            part = unescapePointer(part);
            if (!isObject(current)) return {};
            Object::Ptr object = current.extract<Object::Ptr>();
            if (!object->has(part)) return {};
            current = object->get(part);
        }
        return current;
    }

    // Follows $ref chains; throws when one does not resolve.
    Object::Ptr deref(Object::Ptr object) const {
        for (int hops = 0; object && object->has("$ref"); ++hops) {
            const std::string reference = object->getValue<std::string>("$ref");
            Var target = resolve(reference);
            if (!isObject(target) || hops > 20) throw std::runtime_error("unresolvable $ref " + reference);
            object = target.extract<Object::Ptr>();
        }
        return object;
    }

    // Every mismatch of `value` against `schema`, each naming its JSON path.
    std::vector<std::string> validate(const Var& value, Object::Ptr schema, const std::string& path = "$") const {
        std::vector<std::string> errors;
        check(value, schema, path, errors);
        return errors;
    }

  private:
    static std::string unescapePointer(std::string part) {
        for (std::size_t at = 0; (at = part.find('~', at)) != std::string::npos; ++at)
            part.replace(at, 2, part.compare(at, 2, "~1") == 0 ? "/" : "~");
        return part;
    }

    static bool hasType(const Var& value, const std::string& type) {
        if (type == "object") return isObject(value);
        if (type == "array") return isArray(value);
        if (type == "string") return value.isString();
        if (type == "boolean") return value.isBoolean();
        if (type == "integer") return !value.isBoolean() && value.isInteger();
        if (type == "number") return !value.isBoolean() && !value.isString() && value.isNumeric();
        return false;
    }

    void check(const Var& value, Object::Ptr schema, const std::string& path, std::vector<std::string>& errors) const {
        schema = deref(schema);
        if (!schema) return;
        if (value.isEmpty()) {
            if (!schema->optValue<bool>("nullable", false) && (schema->has("type") || schema->has("properties")))
                errors.push_back(path + ": null is not allowed here");
            return;
        }
        if (schema->has("allOf")) {
            Array::Ptr parts = schema->getArray("allOf");
            for (std::size_t i = 0; i < parts->size(); ++i) check(value, parts->getObject(i), path, errors);
        }
        if (schema->has("oneOf")) {
            Array::Ptr choices = schema->getArray("oneOf");
            bool matched = false;
            std::string reasons;
            for (std::size_t i = 0; i < choices->size() && !matched; ++i) {
                std::vector<std::string> attempt;
                check(value, choices->getObject(i), path, attempt);
                matched = attempt.empty();
                if (!attempt.empty()) reasons += (reasons.empty() ? "" : "; ") + attempt.front();
            }
            if (!matched) errors.push_back(path + ": matches none of oneOf (" + reasons + ")");
        }
        if (schema->has("type")) {
            const std::string type = schema->getValue<std::string>("type");
            if (!hasType(value, type)) {
                errors.push_back(path + ": expected " + type + ", got " + describeValue(value));
                return;
            }
        }
        if (schema->has("enum")) {
            Array::Ptr allowed = schema->getArray("enum");
            bool found = false;
            for (std::size_t i = 0; i < allowed->size() && !found; ++i) found = sameValue(value, allowed->get(i));
            if (!found) errors.push_back(path + ": " + describeValue(value) + " is not one of the enum");
        }
        if (value.isString() && schema->has("pattern")) {
            const std::string pattern = schema->getValue<std::string>("pattern");
            if (!std::regex_search(value.convert<std::string>(), std::regex(pattern)))
                errors.push_back(path + ": " + describeValue(value) + " does not match " + pattern);
        }
        if (!value.isString() && !value.isBoolean() && value.isNumeric()) {
            const double number = value.convert<double>();
            if (schema->has("minimum") && number < schema->getValue<double>("minimum"))
                errors.push_back(path + ": " + describeValue(value) + " is below the minimum");
            if (schema->has("maximum") && number > schema->getValue<double>("maximum"))
                errors.push_back(path + ": " + describeValue(value) + " is above the maximum");
        }
        if (isObject(value)) {
            Object::Ptr object = value.extract<Object::Ptr>();
            if (schema->has("required")) {
                Array::Ptr required = schema->getArray("required");
                for (std::size_t i = 0; i < required->size(); ++i) {
                    const std::string name = required->getElement<std::string>(i);
                    if (!object->has(name)) errors.push_back(path + "." + name + ": required but missing");
                }
            }
            Object::Ptr properties = schema->has("properties") ? schema->getObject("properties") : Object::Ptr();
            const Var additional = schema->has("additionalProperties") ? schema->get("additionalProperties") : Var(true);
            std::vector<std::string> names;
            object->getNames(names);
            for (const auto& name : names) {
                if (properties && properties->has(name)) {
                    check(object->get(name), properties->getObject(name), path + "." + name, errors);
                } else if (isObject(additional)) {
                    check(object->get(name), additional.extract<Object::Ptr>(), path + "." + name, errors);
                } else if (additional.isBoolean() && !additional.convert<bool>()) {
                    errors.push_back(path + "." + name + ": not an allowed property");
                }
            }
        }
        if (isArray(value) && schema->has("items")) {
            Array::Ptr array = value.extract<Array::Ptr>();
            for (std::size_t i = 0; i < array->size(); ++i)
                check(array->get(i), schema->getObject("items"), path + "[" + std::to_string(i) + "]", errors);
        }
    }

    Object::Ptr root_;
};

const OpenApiDocument& document() {
    static const OpenApiDocument loaded(readFile(sourceDirectory() + "/docs/openapi.json"));
    return loaded;
}

Object::Ptr parseObject(const std::string& text) {
    Poco::JSON::Parser parser;
    return parser.parse(text).extract<Object::Ptr>();
}

const std::vector<std::string> kMethods{"get", "put", "post", "delete", "patch", "head", "options", "trace"};

// "/api/v1/applications/{id}/events" -> "/api/v1/applications/{}/events"
std::string shapeOf(const std::string& templatePath) {
    return std::regex_replace(templatePath, std::regex(R"(\{[^}/]*\})"), "{}");
}

// ---------------------------------------------------------------------------
// The routes hub/http/api_server.cpp's routeOf knows, with the methods each
// allows. A route added there must be added here and to the document.

struct ServerRoute {
    std::string method;
    std::string path;     // a template
    std::string example;  // a concrete path the server routes to it
};

const std::vector<ServerRoute> kServerRoutes{
    {"GET", "/healthz", "/healthz"},
    {"GET", "/readyz", "/readyz"},
    {"GET", "/metrics", "/metrics"},
    {"GET", "/api/v1/applications", "/api/v1/applications"},
    {"POST", "/api/v1/applications", "/api/v1/applications"},
    {"GET", "/admin/api/incidents", "/admin/api/incidents"},
    {"GET", "/admin/api/departments", "/admin/api/departments"},
    {"GET", "/admin/api/callbacks/refused", "/admin/api/callbacks/refused"},
    {"GET", "/admin/api/audit/verify", "/admin/api/audit/verify"},
    {"GET", "/admin/api/audit/chains/{chain}", "/admin/api/audit/chains/HUB"},
    {"POST", "/admin/api/tokens", "/admin/api/tokens"},
    {"GET", "/admin/api/overview", "/admin/api/overview"},
    {"GET", "/admin/api/packages", "/admin/api/packages"},
    {"GET", "/admin/api/packages/{id}", "/admin/api/packages/PKG-X"},
    {"GET", "/admin", "/admin"},
    {"GET", "/admin/", "/admin/"},
    {"GET", "/admin/{file}", "/admin/app.js"},
    {"HEAD", "/admin", "/admin"},
    {"HEAD", "/admin/", "/admin/"},
    {"HEAD", "/admin/{file}", "/admin/app.js"},
    {"POST", "/admin/api/departments/{code}/pause", "/admin/api/departments/X/pause"},
    {"POST", "/admin/api/departments/{code}/resume", "/admin/api/departments/X/resume"},
    {"POST", "/admin/api/tokens/{tokenId}/revoke", "/admin/api/tokens/X/revoke"},
    {"POST", "/admin/api/incidents/{incidentId}/retry", "/admin/api/incidents/X/retry"},
    {"POST", "/admin/api/incidents/{incidentId}/cancel", "/admin/api/incidents/X/cancel"},
    {"POST", "/admin/api/incidents/{incidentId}/resolve", "/admin/api/incidents/X/resolve"},
    {"GET", "/api/v1/applications/{id}", "/api/v1/applications/PKG-X"},
    {"GET", "/api/v1/applications/{id}/events", "/api/v1/applications/PKG-X/events"},
    {"POST", "/api/v1/applications/{id}/withdraw", "/api/v1/applications/PKG-X/withdraw"},
    {"POST", "/api/v1/applications/{id}/permits/{permit}/corrections", "/api/v1/applications/PKG-X/permits/P01/corrections"},
    {"POST", "/api/v1/departments/{dept}/callbacks", "/api/v1/departments/X/callbacks"},
};

// ---------------------------------------------------------------------------
// The hub under test.

hub::testing::StoreChoice storeFromArguments() {
    auto& suite = boost::unit_test::framework::master_test_suite();
    return hub::testing::storeChoiceFromArguments(suite.argc, suite.argv);
}

struct HubFixture {
    HubFixture() : hub(storeFromArguments(), R"("maxPackageBytes": )" + std::to_string(kMaxPackageBytes)) {
        hub.start();
        applicantToken = hub.issueToken("openapi-shipping");
        std::string out;
        if (hub.runCommand({"token", "issue", "--role", "admin", "--label", "openapi"}, out) != 0)
            throw std::runtime_error("hub token issue --role admin failed");
        adminToken = Poco::trim(out);
        instance = this;
    }
    ~HubFixture() { instance = nullptr; }
    HubProcess hub;
    std::string applicantToken;
    std::string adminToken;
    static HubFixture* instance;
};
HubFixture* HubFixture::instance = nullptr;

HubFixture& fixture() { return *HubFixture::instance; }

std::set<std::string> exercisedOperations;

std::string mediaTypeOf(const HttpResponse& response) {
    const std::string header = response.header("content-type");
    return Poco::toLower(Poco::trim(header.substr(0, header.find(';'))));
}

Object::Ptr operationOf(const std::string& method, const std::string& templatePath) {
    Object::Ptr paths = document().root()->getObject("paths");
    if (!paths->has(templatePath)) return {};
    Object::Ptr item = paths->getObject(templatePath);
    const std::string key = Poco::toLower(method);
    return item->has(key) ? item->getObject(key) : Object::Ptr();
}

// Sends one request and checks its answer against the document: the status
// is listed for the operation, required headers are there, the media type is
// listed and a JSON body validates against its schema.
HttpResponse call(const std::string& method, const std::string& templatePath, const std::string& path,
                  std::map<std::string, std::string> headers = {}, const std::string& body = {}) {
    const HttpResponse response = fixture().hub.request(method, path, headers, body);
    const std::string where = method + " " + path + " -> " + std::to_string(response.status);
    Object::Ptr operation = operationOf(method, templatePath);
    if (!operation) {
        BOOST_ERROR("no operation " << method << " " << templatePath << " in docs/openapi.json");
        return response;
    }
    exercisedOperations.insert(operation->getValue<std::string>("operationId"));

    Object::Ptr responses = operation->getObject("responses");
    const std::string status = std::to_string(response.status);
    if (!responses->has(status)) {
        BOOST_ERROR(where << ": status not documented for this operation; body " << response.body.substr(0, 500));
        return response;
    }
    Object::Ptr documented = document().deref(responses->getObject(status));

    if (documented->has("headers")) {
        Object::Ptr documentedHeaders = documented->getObject("headers");
        std::vector<std::string> names;
        documentedHeaders->getNames(names);
        for (const auto& name : names) {
            Object::Ptr header = document().deref(documentedHeaders->getObject(name));
            if (header->optValue<bool>("required", false))
                BOOST_TEST(!response.header(Poco::toLower(name)).empty(), where << ": header " << name << " missing");
        }
    }
    for (const char* name : {"Location", "Idempotent-Replayed"}) {
        if (response.header(Poco::toLower(std::string(name))).empty()) continue;
        const bool listed = documented->has("headers") && documented->getObject("headers")->has(name);
        BOOST_TEST(listed, where << ": sends header " << name << " the document does not list");
    }

    if (response.body.empty()) return response;
    const std::string mediaType = mediaTypeOf(response);
    Object::Ptr content = documented->has("content") ? documented->getObject("content") : Object::Ptr();
    if (!content || !content->has(mediaType)) {
        BOOST_ERROR(where << ": a body of " << mediaType << " the document does not list for this response");
        return response;
    }
    if (mediaType.size() >= 4 && mediaType.compare(mediaType.size() - 4, 4, "json") == 0) {
        Object::Ptr media = content->getObject(mediaType);
        if (!media->has("schema")) {
            BOOST_ERROR(where << ": no schema for " << mediaType);
            return response;
        }
        Var parsed;
        try {
            Poco::JSON::Parser parser;
            parsed = parser.parse(response.body);
        } catch (const Poco::Exception& error) {
            BOOST_ERROR(where << ": body is not JSON: " << error.displayText());
            return response;
        }
        const auto errors = document().validate(parsed, media->getObject("schema"));
        std::string listed;
        for (const auto& error : errors) listed += "\n  " + error;
        BOOST_TEST(errors.empty(), where << ": body does not match its schema:" << listed << "\nbody: "
                                         << response.body.substr(0, 1500));
    }
    return response;
}

std::map<std::string, std::string> bearer(const std::string& token, std::map<std::string, std::string> headers = {}) {
    headers["Authorization"] = "Bearer " + token;
    return headers;
}

std::string applicant() { return fixture().applicantToken; }
std::string admin() { return fixture().adminToken; }

std::map<std::string, std::string> xml(const std::string& token, std::map<std::string, std::string> headers = {}) {
    headers["Content-Type"] = "application/xml";
    return bearer(token, std::move(headers));
}

std::map<std::string, std::string> json(const std::string& token) {
    return bearer(token, {{"Content-Type", "application/json"}});
}

std::string hmacSha256Hex(const std::string& key, const std::string& message) {
    constexpr std::size_t kBlock = 64;
    std::string block = key;
    if (block.size() > kBlock) {
        Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
        engine.update(block);
        const auto digest = engine.digest();
        block.assign(digest.begin(), digest.end());
    }
    block.resize(kBlock, '\0');
    std::string inner(kBlock, '\0'), outer(kBlock, '\0');
    for (std::size_t i = 0; i < kBlock; ++i) {
        inner[i] = static_cast<char>(block[i] ^ 0x36);
        outer[i] = static_cast<char>(block[i] ^ 0x5c);
    }
    Poco::SHA2Engine first(Poco::SHA2Engine::SHA_256);
    first.update(inner);
    first.update(message);
    const auto innerDigest = first.digest();
    Poco::SHA2Engine second(Poco::SHA2Engine::SHA_256);
    second.update(outer);
    second.update(innerDigest.data(), static_cast<unsigned>(innerDigest.size()));
    return Poco::DigestEngine::digestToHex(second.digest());
}

const char* kSupplement = R"(<?xml version="1.0" encoding="UTF-8"?>
<CorrectionSupplement xmlns="urn:licensing-hub:package:v1">
  <Permit>P02</Permit>
  <Answer item="1">The safety management manual now names the designated person ashore.</Answer>
</CorrectionSupplement>
)";

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(HubFixture);

BOOST_AUTO_TEST_CASE(the_validator_reports_mismatches_with_their_path) {
    auto errorsOf = [](const std::string& body, const std::string& schemaName) {
        Poco::JSON::Parser parser;
        Object::Ptr schema = new Object;
        schema->set("$ref", "#/components/schemas/" + schemaName);
        return document().validate(parser.parse(body), schema);
    };
    BOOST_TEST(errorsOf(R"({"type":"urn:licensing-hub:problem:not-found","title":"x","status":404,"errors":[]})",
                        "Problem").empty());
    const auto missing = errorsOf(R"({"type":"urn:licensing-hub:problem:not-found","title":"x","errors":[]})", "Problem");
    BOOST_TEST_REQUIRE(missing.size() == 1u);
    BOOST_TEST(missing.front() == "$.status: required but missing");
    const auto wrongType = errorsOf(
        R"({"type":"urn:licensing-hub:problem:not-found","title":"x","status":404,
            "errors":[{"code":"C","message":"m","location":{"path":"/a","line":"7"}}]})",
        "Problem");
    BOOST_TEST_REQUIRE(wrongType.size() == 1u);
    BOOST_TEST(wrongType.front() == "$.errors[0].location.line: expected integer, got \"7\"");
    const auto badEnum = errorsOf(R"({"incidents":[{"id":"i","state":"LOST","packageId":"PKG-01JDZ8X4Q8N7M4V0C3K2H1G9FE",
        "permit":"P12","department":"CCS","kind":"SUBMIT","messageId":"m","reason":"r","createdAt":"t"}]})",
                                  "IncidentList");
    BOOST_TEST_REQUIRE(badEnum.size() == 1u);
    BOOST_TEST(badEnum.front() == "$.incidents[0].state: \"LOST\" is not one of the enum");
    // nullable and oneOf: latencyMs may be null, outputs values a string or an array of strings.
    BOOST_TEST(errorsOf(R"({"number":"1","issuer":"CCS","holder":"h","issuedOn":"2026-11-27",
        "outputs":{"a":"x","b":["y","z"]},"documentSha256":")" + std::string(64, 'a') + R"("})",
                        "Certificate").empty());
    const auto badOneOf = errorsOf(R"({"number":"1","issuer":"CCS","holder":"h","issuedOn":"2026-11-27",
        "outputs":{"a":3},"documentSha256":")" + std::string(64, 'a') + R"("})",
                                   "Certificate");
    BOOST_TEST_REQUIRE(badOneOf.size() == 1u);
    BOOST_TEST(badOneOf.front().rfind("$.outputs.a: matches none of oneOf", 0) == 0u);
    BOOST_TEST(errorsOf(R"({"p50":1,"p99":2})", "Latency").empty());
    Object::Ptr latency = new Object;
    latency->set("$ref", "#/components/schemas/Latency");
    BOOST_TEST(document().validate(Var(), latency).empty());
    Object::Ptr status = new Object;
    status->set("$ref", "#/components/schemas/Health");
    BOOST_TEST(document().validate(Var(), status).size() == 1u);
}

BOOST_AUTO_TEST_CASE(the_document_is_openapi_3_0_and_self_consistent) {
    Object::Ptr root = document().root();
    BOOST_TEST(root->getValue<std::string>("openapi").rfind("3.0.", 0) == 0u);
    BOOST_TEST(root->getObject("info")->has("title"));
    BOOST_TEST(root->getObject("info")->has("version"));

    // Every $ref anywhere resolves.
    std::size_t references = 0;
    std::function<void(const Var&, const std::string&)> walk = [&](const Var& value, const std::string& at) {
        if (isObject(value)) {
            Object::Ptr object = value.extract<Object::Ptr>();
            if (object->has("$ref")) {
                ++references;
                const std::string reference = object->getValue<std::string>("$ref");
                BOOST_TEST(!document().resolve(reference).isEmpty(), at << ": $ref " << reference << " does not resolve");
            }
            std::vector<std::string> names;
            object->getNames(names);
            for (const auto& name : names) walk(object->get(name), at + "/" + name);
        } else if (isArray(value)) {
            Array::Ptr array = value.extract<Array::Ptr>();
            for (std::size_t i = 0; i < array->size(); ++i) walk(array->get(i), at + "/" + std::to_string(i));
        }
    };
    walk(root, "#");
    BOOST_TEST(references > 50u);

    // Every operation: a unique operationId, responses with descriptions, its
    // path parameters declared, its security schemes defined.
    Object::Ptr schemes = root->getObject("components")->getObject("securitySchemes");
    std::set<std::string> operationIds;
    Object::Ptr paths = root->getObject("paths");
    std::vector<std::string> templates;
    paths->getNames(templates);
    for (const auto& templatePath : templates) {
        Object::Ptr item = paths->getObject(templatePath);
        for (const auto& method : kMethods) {
            if (!item->has(method)) continue;
            const std::string where = method + " " + templatePath;
            Object::Ptr operation = item->getObject(method);
            BOOST_TEST_REQUIRE(operation->has("operationId"), where << ": no operationId");
            BOOST_TEST(operationIds.insert(operation->getValue<std::string>("operationId")).second,
                       where << ": duplicate operationId");
            BOOST_TEST_REQUIRE(operation->has("responses"), where << ": no responses");
            Object::Ptr responses = operation->getObject("responses");
            BOOST_TEST(responses->size() >= 1u, where << ": no responses");
            std::vector<std::string> statuses;
            responses->getNames(statuses);
            for (const auto& status : statuses) {
                BOOST_TEST(std::regex_match(status, std::regex("[1-5][0-9][0-9]|default")), where << ": status " << status);
                BOOST_TEST(document().deref(responses->getObject(status))->has("description"),
                           where << " " << status << ": no description");
            }
            std::set<std::string> declared;
            if (operation->has("parameters")) {
                Array::Ptr parameters = operation->getArray("parameters");
                for (std::size_t i = 0; i < parameters->size(); ++i) {
                    Object::Ptr parameter = document().deref(parameters->getObject(i));
                    if (parameter->getValue<std::string>("in") == "path") {
                        BOOST_TEST(parameter->optValue<bool>("required", false), where << ": path parameter not required");
                        declared.insert(parameter->getValue<std::string>("name"));
                    }
                }
            }
            std::set<std::string> inTemplate;
            const std::regex placeholder(R"(\{([^}/]+)\})");
            for (auto it = std::sregex_iterator(templatePath.begin(), templatePath.end(), placeholder);
                 it != std::sregex_iterator(); ++it)
                inTemplate.insert((*it)[1].str());
            BOOST_TEST((declared == inTemplate), where << ": path parameters differ from the template");
            BOOST_TEST_REQUIRE(operation->has("security"), where << ": no security (use [] for none)");
            Array::Ptr security = operation->getArray("security");
            for (std::size_t i = 0; i < security->size(); ++i) {
                std::vector<std::string> names;
                security->getObject(i)->getNames(names);
                for (const auto& name : names) BOOST_TEST(schemes->has(name), where << ": unknown scheme " << name);
            }
        }
    }
    BOOST_TEST(operationIds.size() == kServerRoutes.size());

    // The enums of the states the server sends.
    Object::Ptr schemas = root->getObject("components")->getObject("schemas");
    BOOST_TEST(schemas->getObject("PermitState")->getArray("enum")->size() == 12u);
    BOOST_TEST(schemas->getObject("PackageState")->getArray("enum")->size() == 5u);
    BOOST_TEST(schemas->getObject("IncidentState")->getArray("enum")->size() == 4u);
    BOOST_TEST(schemas->getObject("BreakerState")->getArray("enum")->size() == 3u);
}

BOOST_AUTO_TEST_CASE(every_server_route_is_documented_and_every_documented_path_is_routed) {
    Object::Ptr paths = document().root()->getObject("paths");
    std::set<std::pair<std::string, std::string>> documented;
    std::vector<std::string> templates;
    paths->getNames(templates);
    for (const auto& templatePath : templates)
        for (const auto& method : kMethods)
            if (paths->getObject(templatePath)->has(method))
                documented.insert({Poco::toUpper(method), shapeOf(templatePath)});
    std::set<std::pair<std::string, std::string>> served;
    for (const auto& route : kServerRoutes) served.insert({route.method, shapeOf(route.path)});
    for (const auto& route : served)
        BOOST_TEST(documented.count(route) == 1u, "undocumented route " << route.first << " " << route.second);
    for (const auto& route : documented)
        BOOST_TEST(served.count(route) == 1u, "documented but not served " << route.first << " " << route.second);

    // The table is the server's: each example reaches a route (an unknown
    // path is 404 "No resource at …", a known one is anything else: 401,
    // 404 for the unknown id, a file…).
    for (const auto& route : kServerRoutes) {
        const auto response = fixture().hub.request(route.method, route.example, {},
                                                    route.method == "POST" ? std::string("{}") : std::string());
        const bool unknown = response.status == 404 && response.body.find("No resource at") != std::string::npos;
        BOOST_TEST(!unknown, route.method << " " << route.example << " is not routed by the server");
    }
    const auto missing = fixture().hub.request("GET", "/api/v1/nothing-here");
    BOOST_TEST(missing.status == 404);
    BOOST_TEST(missing.body.find("No resource at") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(operations_without_authentication) {
    call("GET", "/healthz", "/healthz");
    call("GET", "/readyz", "/readyz");
    const auto metrics = call("GET", "/metrics", "/metrics");
    BOOST_TEST(metrics.body.find("hub_store_up 1") != std::string::npos);
    const auto redirect = call("GET", "/admin", "/admin");
    BOOST_TEST(redirect.status == 308);
    BOOST_TEST(redirect.header("location") == "/admin/");
    BOOST_TEST(call("GET", "/admin/", "/admin/").status == 200);
    BOOST_TEST(call("GET", "/admin/{file}", "/admin/app.js").status == 200);
    BOOST_TEST(call("GET", "/admin/{file}", "/admin/style.css").status == 200);
    BOOST_TEST(call("GET", "/admin/{file}", "/admin/missing.js").status == 404);
    BOOST_TEST(call("HEAD", "/admin", "/admin").status == 308);
    const auto head = call("HEAD", "/admin/", "/admin/");
    BOOST_TEST(head.status == 200);
    BOOST_TEST(head.body.empty());
    BOOST_TEST(call("HEAD", "/admin/{file}", "/admin/app.js").status == 200);
    BOOST_TEST(call("HEAD", "/admin/{file}", "/admin/missing.js").status == 404);
}

BOOST_AUTO_TEST_CASE(applicant_operations) {
    const std::string package = readFile(sourceDirectory() + "/examples/full-12-permits.xml");
    const std::string key = "openapi-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());

    const auto created = call("POST", "/api/v1/applications", "/api/v1/applications",
                              xml(applicant(), {{"Idempotency-Key", key}}), package);
    BOOST_TEST_REQUIRE(created.status == 201, created.body.substr(0, 1000));
    const std::string id = parseObject(created.body)->getValue<std::string>("id");
    BOOST_TEST(created.header("location") == "/api/v1/applications/" + id);
    const auto replayed = call("POST", "/api/v1/applications", "/api/v1/applications",
                               xml(applicant(), {{"Idempotency-Key", key}}), package);
    BOOST_TEST(replayed.status == 201);
    BOOST_TEST(replayed.header("idempotent-replayed") == "true");
    BOOST_TEST(call("POST", "/api/v1/applications", "/api/v1/applications", xml(applicant()), package).status == 400);
    BOOST_TEST(call("POST", "/api/v1/applications", "/api/v1/applications",
                    xml(applicant(), {{"Idempotency-Key", key + "-malformed"}}), "<ApplicationPackage")
                   .status == 400);
    BOOST_TEST(call("POST", "/api/v1/applications", "/api/v1/applications",
                    xml(applicant(), {{"Idempotency-Key", key + "-schema"}}),
                    R"(<ApplicationPackage xmlns="urn:licensing-hub:package:v1"/>)")
                   .status == 422);
    const auto refusedAgain = call("POST", "/api/v1/applications", "/api/v1/applications",
                                   xml(applicant(), {{"Idempotency-Key", key + "-schema"}}),
                                   R"(<ApplicationPackage xmlns="urn:licensing-hub:package:v1"/>)");
    BOOST_TEST(refusedAgain.status == 422);
    BOOST_TEST(refusedAgain.header("idempotent-replayed") == "true");
    BOOST_TEST(call("POST", "/api/v1/applications", "/api/v1/applications",
                    bearer(applicant(), {{"Idempotency-Key", key + "-text"}, {"Content-Type", "text/plain"}}), package)
                   .status == 415);
    BOOST_TEST(call("POST", "/api/v1/applications", "/api/v1/applications",
                    xml(applicant(), {{"Idempotency-Key", key + "-large"}}), std::string(kMaxPackageBytes + 1, ' '))
                   .status == 413);
    BOOST_TEST(call("POST", "/api/v1/applications", "/api/v1/applications", {{"Idempotency-Key", key}}, package)
                   .status == 401);

    BOOST_TEST(call("GET", "/api/v1/applications", "/api/v1/applications?limit=1", bearer(applicant())).status == 200);
    BOOST_TEST(call("GET", "/api/v1/applications", "/api/v1/applications", bearer(applicant())).status == 200);
    BOOST_TEST(call("GET", "/api/v1/applications", "/api/v1/applications?limit=0", bearer(applicant())).status == 400);
    BOOST_TEST(call("GET", "/api/v1/applications", "/api/v1/applications", bearer(admin())).status == 403);

    const std::string self = "/api/v1/applications/" + id;
    BOOST_TEST(call("GET", "/api/v1/applications/{id}", self, bearer(applicant())).status == 200);
    BOOST_TEST(call("GET", "/api/v1/applications/{id}", "/api/v1/applications/PKG-00000000000000000000000000",
                    bearer(applicant()))
                   .status == 404);
    BOOST_TEST(call("GET", "/api/v1/applications/{id}", self).status == 401);
    BOOST_TEST(call("GET", "/api/v1/applications/{id}/events", self + "/events", bearer(applicant())).status == 200);
    BOOST_TEST(call("GET", "/api/v1/applications/{id}/events", "/api/v1/applications/PKG-nope/events",
                    bearer(applicant()))
                   .status == 404);

    const std::string corrections = "/api/v1/applications/{id}/permits/{permit}/corrections";
    const auto notRequested = call("POST", corrections, self + "/permits/P02/corrections", xml(applicant()), kSupplement);
    BOOST_TEST(notRequested.status == 409);
    BOOST_TEST(notRequested.body.find("CORRECTION_NOT_REQUESTED") != std::string::npos);
    BOOST_TEST(call("POST", corrections, self + "/permits/P03/corrections", xml(applicant()), kSupplement).status == 422);
    BOOST_TEST(call("POST", corrections, self + "/permits/P02/corrections",
                    bearer(applicant(), {{"Content-Type", "text/plain"}}), kSupplement)
                   .status == 415);
    BOOST_TEST(call("POST", corrections, self + "/permits/P02/corrections", xml(applicant()), "<CorrectionSupplement")
                   .status == 400);

    const auto withdrawn = call("POST", "/api/v1/applications/{id}/withdraw", self + "/withdraw", bearer(applicant()));
    BOOST_TEST(withdrawn.status == 202);
    BOOST_TEST(withdrawn.header("location") == self);
    BOOST_TEST(parseObject(withdrawn.body)->getValue<std::string>("state") == "WITHDRAWN");
    const auto again = call("POST", "/api/v1/applications/{id}/withdraw", self + "/withdraw", bearer(applicant()));
    BOOST_TEST(again.status == 409);
    BOOST_TEST(again.body.find("NOT_WITHDRAWABLE") != std::string::npos);
    BOOST_TEST(call("GET", "/api/v1/applications/{id}", self, bearer(applicant())).status == 200);

    // The admin's view of the same package: events and calls.
    BOOST_TEST(call("GET", "/admin/api/packages/{id}", "/admin/api/packages/" + id, bearer(admin())).status == 200);
}

BOOST_AUTO_TEST_CASE(department_callback_operation) {
    const std::string templatePath = "/api/v1/departments/{dept}/callbacks";
    const std::string body = readFile(sourceDirectory() + "/tests/fixtures/adapters/ccs/callback-issued.xml");
    const auto unsigned_ = call("POST", templatePath, "/api/v1/departments/CCS/callbacks",
                                {{"Content-Type", "application/xml"}}, body);
    BOOST_TEST(unsigned_.status == 401);
    BOOST_TEST(unsigned_.body.find("BAD_SIGNATURE") != std::string::npos);
    BOOST_TEST(call("POST", templatePath, "/api/v1/departments/NOPE/callbacks", {{"Content-Type", "application/xml"}}, body)
                   .status == 404);

    // Signed as a department would: the receipt is nobody's (404
    // UNKNOWN_PERMIT), or not known yet while calls to CCS are pending (503).
    const std::string timestamp = std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count());
    const auto signedAnswer =
        call("POST", templatePath, "/api/v1/departments/CCS/callbacks",
             {{"Content-Type", "application/xml"},
              {"X-Hub-Timestamp", timestamp},
              {"X-Hub-Signature", "sha256=" + hmacSha256Hex("dev-secret-ccs", timestamp + "." + body)}},
             body);
    BOOST_TEST((signedAnswer.status == 404 || signedAnswer.status == 503), signedAnswer.body);
    BOOST_TEST(signedAnswer.body.find("BAD_SIGNATURE") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(admin_operations) {
    BOOST_TEST(call("GET", "/admin/api/overview", "/admin/api/overview", bearer(admin())).status == 200);
    BOOST_TEST(call("GET", "/admin/api/overview", "/admin/api/overview", bearer(applicant())).status == 403);
    BOOST_TEST(call("GET", "/admin/api/overview", "/admin/api/overview").status == 401);

    BOOST_TEST(call("GET", "/admin/api/packages", "/admin/api/packages", bearer(admin())).status == 200);
    BOOST_TEST(call("GET", "/admin/api/packages", "/admin/api/packages?state=WITHDRAWN&limit=1", bearer(admin())).status ==
               200);
    BOOST_TEST(call("GET", "/admin/api/packages", "/admin/api/packages?state=LOST", bearer(admin())).status == 400);
    BOOST_TEST(call("GET", "/admin/api/packages/{id}", "/admin/api/packages/PKG-00000000000000000000000000",
                    bearer(admin()))
                   .status == 404);

    BOOST_TEST(call("GET", "/admin/api/incidents", "/admin/api/incidents?state=all", bearer(admin())).status == 200);
    BOOST_TEST(call("GET", "/admin/api/incidents", "/admin/api/incidents?state=some", bearer(admin())).status == 400);
    const std::string incident = "/admin/api/incidents/INC-unknown/";
    BOOST_TEST(call("POST", "/admin/api/incidents/{incidentId}/retry", incident + "retry", json(admin()), "{}").status ==
               404);
    BOOST_TEST(call("POST", "/admin/api/incidents/{incidentId}/cancel", incident + "cancel", json(admin()),
                    R"({"note":"not needed"})")
                   .status == 404);
    BOOST_TEST(call("POST", "/admin/api/incidents/{incidentId}/resolve", incident + "resolve", json(admin()), "{}")
                   .status == 400);
    BOOST_TEST(call("POST", "/admin/api/incidents/{incidentId}/resolve", incident + "resolve", json(admin()),
                    R"({"note":"filed at the counter"})")
                   .status == 404);
    BOOST_TEST(call("POST", "/admin/api/incidents/{incidentId}/retry", incident + "retry", json(admin()), "[1")
                   .status == 400);

    const auto departments = call("GET", "/admin/api/departments", "/admin/api/departments", bearer(admin()));
    BOOST_TEST(departments.status == 200);
    BOOST_TEST(parseObject(departments.body)->getArray("departments")->size() == 5u);
    const auto paused = call("POST", "/admin/api/departments/{code}/pause", "/admin/api/departments/MOT/pause",
                             json(admin()), R"({"note":"openapi test"})");
    BOOST_TEST(paused.status == 200);
    BOOST_TEST(parseObject(paused.body)->getValue<bool>("paused") == true);
    const auto resumed =
        call("POST", "/admin/api/departments/{code}/resume", "/admin/api/departments/MOT/resume", bearer(admin()));
    BOOST_TEST(resumed.status == 200);
    BOOST_TEST(parseObject(resumed.body)->getValue<bool>("paused") == false);
    BOOST_TEST(call("POST", "/admin/api/departments/{code}/pause", "/admin/api/departments/NOPE/pause", bearer(admin()))
                   .status == 404);

    const auto issued = call("POST", "/admin/api/tokens", "/admin/api/tokens", json(admin()),
                             R"({"role":"applicant","company":"openapi-second","label":"test"})");
    BOOST_TEST_REQUIRE(issued.status == 201);
    const std::string tokenId = parseObject(issued.body)->getValue<std::string>("tokenId");
    BOOST_TEST(call("POST", "/admin/api/tokens", "/admin/api/tokens", json(admin()), R"({"role":"root"})").status == 400);
    BOOST_TEST(call("POST", "/admin/api/tokens", "/admin/api/tokens", json(admin()), std::string(70 * 1024, ' ')).status ==
               413);
    BOOST_TEST(call("POST", "/admin/api/tokens/{tokenId}/revoke", "/admin/api/tokens/" + tokenId + "/revoke",
                    bearer(admin()))
                   .status == 200);
    BOOST_TEST(call("POST", "/admin/api/tokens/{tokenId}/revoke", "/admin/api/tokens/tok_unknown/revoke", bearer(admin()))
                   .status == 404);

    // The department_callback_operation case left refusals to list.
    const auto refused =
        call("GET", "/admin/api/callbacks/refused", "/admin/api/callbacks/refused?limit=10", bearer(admin()));
    BOOST_TEST(refused.status == 200);
    BOOST_TEST(parseObject(refused.body)->getArray("refused")->size() >= 2u);
    BOOST_TEST(call("GET", "/admin/api/callbacks/refused", "/admin/api/callbacks/refused?limit=0", bearer(admin()))
                   .status == 400);

    // The audit trail: what the cases above did, all of it intact.
    const auto verified = call("GET", "/admin/api/audit/verify", "/admin/api/audit/verify", bearer(admin()));
    BOOST_TEST_REQUIRE(verified.status == 200, verified.body);
    BOOST_TEST(parseObject(verified.body)->getValue<bool>("ok"), verified.body);
    BOOST_TEST(call("GET", "/admin/api/audit/verify", "/admin/api/audit/verify?chain=HUB", bearer(admin())).status == 200);
    BOOST_TEST(call("GET", "/admin/api/audit/verify", "/admin/api/audit/verify?chain=PKG-NOPE", bearer(admin())).status ==
               404);
    BOOST_TEST(call("GET", "/admin/api/audit/verify", "/admin/api/audit/verify").status == 401);
    BOOST_TEST(call("GET", "/admin/api/audit/verify", "/admin/api/audit/verify", bearer(applicant())).status == 403);
    const auto hubChain = call("GET", "/admin/api/audit/chains/{chain}", "/admin/api/audit/chains/HUB", bearer(admin()));
    BOOST_TEST_REQUIRE(hubChain.status == 200);
    BOOST_TEST(parseObject(hubChain.body)->getArray("entries")->size() >= 3u);
    BOOST_TEST(call("GET", "/admin/api/audit/chains/{chain}", "/admin/api/audit/chains/NOPE", bearer(admin())).status ==
               404);
    BOOST_TEST(call("GET", "/admin/api/audit/chains/{chain}", "/admin/api/audit/chains/HUB").status == 401);
    BOOST_TEST(call("GET", "/admin/api/audit/chains/{chain}", "/admin/api/audit/chains/HUB", bearer(applicant()))
                   .status == 403);
}

// Every route against every role it is not for: no token 401, the applicant
// on the admin API 403, the admin on the applicant API 403, a department
// (whose messages carry a signature, not a token) nowhere but its callbacks.
BOOST_AUTO_TEST_CASE(each_role_is_refused_everything_that_is_not_its_own) {
    int checked = 0;
    for (const auto& route : kServerRoutes) {
        const bool open = route.path == "/healthz" || route.path == "/readyz" || route.path == "/metrics" ||
                          (route.path.rfind("/admin", 0) == 0 && route.path.rfind("/admin/api/", 0) != 0);
        if (open) continue;
        const std::string body = route.method == "POST" ? "{}" : "";
        if (route.path == "/api/v1/departments/{dept}/callbacks") {
            // Tokens mean nothing here: only the department's signature counts.
            for (const auto& token : {applicant(), admin()}) {
                const auto answer = call(route.method, route.path, "/api/v1/departments/CCS/callbacks",
                                         bearer(token, {{"Content-Type", "application/xml"}}), "<x/>");
                BOOST_TEST(answer.status == 401, route.path << " with a token: " << answer.status);
            }
            ++checked;
            continue;
        }
        const auto anonymous = call(route.method, route.path, route.example, {}, body);
        BOOST_TEST(anonymous.status == 401, route.method << " " << route.example << " without a token: " << anonymous.status);
        // A department's signature headers are no token either.
        const auto signedOnly = call(route.method, route.path, route.example,
                                     {{"X-Hub-Timestamp", "1"}, {"X-Hub-Signature", "sha256=00"}}, body);
        BOOST_TEST(signedOnly.status == 401, route.method << " " << route.example << " signed: " << signedOnly.status);
        const bool adminRoute = route.path.rfind("/admin/api/", 0) == 0;
        const auto wrongRole = call(route.method, route.path, route.example,
                                    bearer(adminRoute ? applicant() : admin(), {{"Content-Type", "application/json"}}), body);
        BOOST_TEST(wrongRole.status == 403, route.method << " " << route.example << " with the other role: " << wrongRole.status);
        ++checked;
    }
    BOOST_TEST(checked == 22);  // every route but health, readiness, metrics and the dashboard's files
}

BOOST_AUTO_TEST_CASE(every_documented_operation_was_exercised) {
    Object::Ptr paths = document().root()->getObject("paths");
    std::vector<std::string> templates;
    paths->getNames(templates);
    std::size_t operations = 0;
    for (const auto& templatePath : templates)
        for (const auto& method : kMethods) {
            Object::Ptr item = paths->getObject(templatePath);
            if (!item->has(method)) continue;
            ++operations;
            const std::string id = item->getObject(method)->getValue<std::string>("operationId");
            BOOST_TEST(exercisedOperations.count(id) == 1u, "operation " << id << " (" << method << " " << templatePath
                                                                         << ") was never called");
        }
    BOOST_TEST(operations == kServerRoutes.size());
}
