#pragma once

#include <map>
#include <string>
#include <vector>

#include <Poco/JSON/Object.h>

#include "hubctl/client.h"

namespace hubctl {

// How text is decorated: ANSI colours only when `colour` (stdout is a TTY and
// NO_COLOR is unset).
struct Style {
    bool colour = false;
};

// Columns on a terminal a UTF-8 string takes (East Asian wide characters count 2).
std::size_t displayWidth(const std::string& text);

// A state name, coloured by what it means for the applicant when the style allows.
std::string paintState(const std::string& state, const Style& style);

// Left-aligned columns separated by two spaces, padded by display width (so
// colours and Chinese names do not break the alignment). The last column is
// not padded.
class Table {
  public:
    explicit Table(std::vector<std::string> headings);
    // Cells are displayed as given; `plain` widths are computed without ANSI escapes.
    void add(std::vector<std::string> cells);
    std::string render() const;
    bool empty() const { return rows_.empty(); }

  private:
    std::vector<std::string> headings_;
    std::vector<std::vector<std::string>> rows_;
};

// The human text of a package answer (submit, status, correct, withdraw).
std::string renderPackage(const Poco::JSON::Object& package, const Style& style);
// The per-permit table: permit, department, state, receipt/certificate, expectedOn/deadline.
std::string renderPermitTable(const Poco::JSON::Object& package, const Style& style);
// "receipt R" / "certificate C" / "-".
std::string permitDocument(const Poco::JSON::Object& permit);
// "expected 2026-12-07", "issued 2026-11-23", "decision due 2026-12-22 (19 wd left)", … joined by ", ".
std::string permitTiming(const Poco::JSON::Object& permit);
// One line on the forecast: expected ready day, reachability, critical path.
std::string renderForecast(const Poco::JSON::Object& package);

std::string renderPackageList(const std::vector<Poco::JSON::Object::Ptr>& items, const Style& style);
std::string renderEvents(const Poco::JSON::Object& timeline, const Style& style);
std::string renderIncidents(const Poco::JSON::Object& answer, const Style& style);
std::string renderIncident(const Poco::JSON::Object& incident, const Style& style);
std::string renderDepartments(const Poco::JSON::Object& answer, const Style& style);
std::string renderDepartment(const Poco::JSON::Object& department, const Style& style);
std::string renderIssuedToken(const Poco::JSON::Object& token);
std::string renderRefused(const Poco::JSON::Object& answer);
// GET /admin/api/audit/verify and /admin/api/audit/chains/{chain}.
std::string renderAuditVerification(const Poco::JSON::Object& answer);
std::string renderAuditChain(const Poco::JSON::Object& answer);

// The error text for stderr: status and title, detail, then each error's
// code, message and location on its own line.
std::string renderProblem(const Problem& problem);

// The watch view on a TTY: ANSI home + clear, then the package's status.
std::string renderWatchScreen(const Poco::JSON::Object& package, const Style& style);

// The watch view when stdout is not a TTY: fed each polled package in turn,
// returns one line per change since the previous one (the package's state, a
// permit's state, a receipt or certificate that appeared). The first call
// describes the package and every permit. Deterministic: no clock, no colour.
class PermitChangeTracker {
  public:
    std::vector<std::string> update(const Poco::JSON::Object& package);

  private:
    struct Seen {
        std::string state;
        std::string receipt;
        std::string certificate;
    };
    bool started_ = false;
    std::string packageState_;
    std::map<std::string, Seen> permits_;
};

// The package states after which nothing changes any more.
bool isFinalPackageState(const std::string& state);

// Reading JSON leniently: a missing or null member is "" / 0 / nullptr.
std::string text(const Poco::JSON::Object& object, const std::string& key);
Poco::JSON::Object::Ptr child(const Poco::JSON::Object& object, const std::string& key);

}  // namespace hubctl
