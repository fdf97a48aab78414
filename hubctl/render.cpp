#include "hubctl/render.h"

#include <algorithm>
#include <sstream>

#include <Poco/JSON/Array.h>

namespace hubctl {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

constexpr const char* kReset = "\033[0m";

bool isWide(char32_t c) {
    return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF) || (c >= 0xAC00 && c <= 0xD7A3) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
           (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x20000 && c <= 0x3FFFD);
}

using Fields = std::vector<std::pair<std::string, std::string>>;

// "Label   value" lines, labels padded to the longest; empty values skipped.
std::string renderFields(const Fields& fields) {
    std::size_t width = 0;
    for (const auto& [label, value] : fields)
        if (!value.empty()) width = std::max(width, label.size());
    std::string out;
    for (const auto& [label, value] : fields) {
        if (value.empty()) continue;
        out += label + std::string(width - label.size() + 2, ' ') + value + "\n";
    }
    return out;
}

bool flag(const Object& object, const std::string& key) {
    try {
        return object.has(key) && !object.get(key).isEmpty() && object.get(key).convert<bool>();
    } catch (const std::exception&) {
        return false;
    }
}

std::vector<std::string> strings(const Object& object, const std::string& key) {
    std::vector<std::string> out;
    auto array = object.getArray(key);
    if (!array) return out;
    for (std::size_t i = 0; i < array->size(); ++i) {
        try {
            out.push_back(array->get(i).convert<std::string>());
        } catch (const std::exception&) {
        }
    }
    return out;
}

std::vector<Object::Ptr> objects(const Object& object, const std::string& key) {
    std::vector<Object::Ptr> out;
    auto array = object.getArray(key);
    if (!array) return out;
    for (std::size_t i = 0; i < array->size(); ++i)
        if (auto item = array->getObject(i)) out.push_back(item);
    return out;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
    std::string out;
    for (const auto& part : parts) {
        if (part.empty()) continue;
        if (!out.empty()) out += separator;
        out += part;
    }
    return out;
}

std::string pausedText(bool paused, const Style& style) {
    if (!paused) return "no";
    return style.colour ? "\033[33myes" + std::string(kReset) : "yes";
}

std::string orDash(const std::string& value) { return value.empty() ? "-" : value; }

}  // namespace

std::string text(const Object& object, const std::string& key) {
    if (!object.has(key)) return {};
    const auto& value = object.get(key);
    if (value.isEmpty()) return {};
    try {
        return value.convert<std::string>();
    } catch (const std::exception&) {
        return {};
    }
}

Object::Ptr child(const Object& object, const std::string& key) { return object.getObject(key); }

std::size_t displayWidth(const std::string& value) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < value.size();) {
        const auto byte = static_cast<unsigned char>(value[i]);
        if (byte == 0x1B && i + 1 < value.size() && value[i + 1] == '[') {
            i += 2;
            while (i < value.size() && !std::isalpha(static_cast<unsigned char>(value[i]))) ++i;
            ++i;
            continue;
        }
        char32_t code = byte;
        std::size_t length = 1;
        if (byte >= 0xF0) {
            code = byte & 0x07;
            length = 4;
        } else if (byte >= 0xE0) {
            code = byte & 0x0F;
            length = 3;
        } else if (byte >= 0xC0) {
            code = byte & 0x1F;
            length = 2;
        }
        for (std::size_t k = 1; k < length && i + k < value.size(); ++k)
            code = (code << 6) | (static_cast<unsigned char>(value[i + k]) & 0x3F);
        i += length;
        width += isWide(code) ? 2 : 1;
    }
    return width;
}

std::string paintState(const std::string& state, const Style& style) {
    if (!style.colour || state.empty()) return state;
    const char* colour = nullptr;
    if (state == "ISSUED" || state == "READY_TO_OPERATE")
        colour = "\033[32m";
    else if (state == "REJECTED" || state == "NOT_ACCEPTED" || state == "BLOCKED" || state == "PARTIALLY_FAILED")
        colour = "\033[31m";
    else if (state == "CORRECTION_REQUIRED" || state == "SUSPENDED" || state == "OPEN")
        colour = "\033[33m";
    else if (state == "WITHDRAWN")
        colour = "\033[2m";
    return colour ? colour + state + kReset : state;
}

bool isFinalPackageState(const std::string& state) {
    return state == "READY_TO_OPERATE" || state == "PARTIALLY_FAILED" || state == "WITHDRAWN";
}

Table::Table(std::vector<std::string> headings) : headings_(std::move(headings)) {}

void Table::add(std::vector<std::string> cells) {
    cells.resize(headings_.size());
    rows_.push_back(std::move(cells));
}

std::string Table::render() const {
    std::vector<std::size_t> widths(headings_.size(), 0);
    auto measure = [&](const std::vector<std::string>& row) {
        for (std::size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], displayWidth(row[c]));
    };
    measure(headings_);
    for (const auto& row : rows_) measure(row);
    std::string out;
    auto line = [&](const std::vector<std::string>& row) {
        std::string text;
        for (std::size_t c = 0; c < row.size(); ++c) {
            text += row[c];
            if (c + 1 < row.size()) text += std::string(widths[c] - displayWidth(row[c]) + 2, ' ');
        }
        while (!text.empty() && text.back() == ' ') text.pop_back();
        out += text + "\n";
    };
    line(headings_);
    for (const auto& row : rows_) line(row);
    return out;
}

std::string permitDocument(const Object& permit) {
    if (auto certificate = child(permit, "certificate")) return "certificate " + text(*certificate, "number");
    const std::string receipt = text(permit, "receiptNumber");
    return receipt.empty() ? "-" : "receipt " + receipt;
}

std::string permitTiming(const Object& permit) {
    std::vector<std::string> parts;
    if (auto certificate = child(permit, "certificate")) {
        parts.push_back("issued " + text(*certificate, "issuedOn"));
        const std::string until = text(*certificate, "validUntil");
        if (!until.empty()) parts.push_back("valid until " + until);
        return join(parts, ", ");
    }
    const std::string expected = text(permit, "expectedOn");
    if (!expected.empty()) parts.push_back("expected " + expected);
    if (auto deadlines = child(permit, "deadlines")) {
        const std::string noticeBy = text(*deadlines, "correctionNoticeBy");
        if (!noticeBy.empty()) parts.push_back("notice by " + noticeBy);
        const std::string due = text(*deadlines, "decisionDue");
        if (!due.empty()) {
            const std::string left = text(*deadlines, "workingDaysLeft");
            parts.push_back("decision due " + due + (left.empty() ? "" : " (" + left + " wd left)"));
        }
        if (flag(*deadlines, "paused")) parts.push_back("clock paused");
        if (flag(*deadlines, "overdue")) parts.push_back("OVERDUE");
    }
    if (flag(permit, "deemedAccepted")) parts.push_back("deemed accepted");
    return parts.empty() ? "-" : join(parts, ", ");
}

std::string renderForecast(const Object& package) {
    auto forecast = child(package, "forecast");
    if (!forecast) return {};
    const std::string readyOn = text(*forecast, "readyOn");
    if (!readyOn.empty()) return "ready on " + readyOn;
    if (text(*forecast, "reachable") == "false") return "cannot become ready (a permit failed or was withdrawn)";
    std::string line = "expected ready on " + orDash(text(*forecast, "expectedReadyOn"));
    const std::string days = text(*forecast, "remainingWorkingDays");
    const std::string path = join(strings(*forecast, "criticalPath"), " > ");
    std::vector<std::string> notes;
    if (!days.empty()) notes.push_back(days + " working days");
    if (!path.empty()) notes.push_back("critical path " + path);
    if (!notes.empty()) line += " (" + join(notes, "; ") + ")";
    return line;
}

std::string renderPermitTable(const Object& package, const Style& style) {
    Table table({"PERMIT", "DEPARTMENT", "STATE", "RECEIPT / CERTIFICATE", "EXPECTED / DEADLINE"});
    for (const auto& permit : objects(package, "permits")) {
        std::string id = text(*permit, "permit");
        if (text(*permit, "requestedBy") == "PREREQUISITE") id += "+";
        table.add({id, text(*permit, "department"), paintState(text(*permit, "state"), style), permitDocument(*permit),
                   permitTiming(*permit)});
    }
    return table.render();
}

std::string renderPackage(const Object& package, const Style& style) {
    const auto added = strings(package, "addedPermits");
    std::string out = renderFields({
        {"Package", text(package, "id")},
        {"State", paintState(text(package, "state"), style)},
        {"Company", text(package, "proposedName")},
        {"Reference", text(package, "applicantReference")},
        {"Received", text(package, "receivedAt")},
        {"Ready at", text(package, "readyAt")},
        {"Added", added.empty() ? std::string() : join(added, ", ") + " (prerequisites the hub added, marked +)"},
        {"Forecast", renderForecast(package)},
    });
    if (package.has("permits")) out += "\n" + renderPermitTable(package, style);
    return out;
}

std::string renderPackageList(const std::vector<Object::Ptr>& items, const Style& style) {
    if (items.empty()) return "No packages.\n";
    Table table({"ID", "STATE", "RECEIVED", "COMPANY"});
    for (const auto& item : items)
        table.add({text(*item, "id"), paintState(text(*item, "state"), style), text(*item, "receivedAt"),
                   text(*item, "proposedName")});
    return table.render();
}

std::string renderEvents(const Object& timeline, const Style& style) {
    const auto events = objects(timeline, "events");
    if (events.empty()) return "No events.\n";
    Table table({"SEQ", "AT", "TYPE", "PERMIT", "CHANGE", "DETAIL"});
    for (const auto& event : events) {
        const std::string from = text(*event, "from");
        const std::string to = paintState(text(*event, "to"), style);
        table.add({text(*event, "sequence"), text(*event, "at"), text(*event, "type"), orDash(text(*event, "permit")),
                   from.empty() ? orDash(to) : from + " -> " + to, text(*event, "detail")});
    }
    return table.render();
}

std::string renderIncidents(const Object& answer, const Style& style) {
    const auto incidents = objects(answer, "incidents");
    if (incidents.empty()) return "No incidents.\n";
    Table table({"ID", "STATE", "PACKAGE", "PERMIT", "DEPT", "KIND", "CREATED", "REASON"});
    for (const auto& incident : incidents)
        table.add({text(*incident, "id"), paintState(text(*incident, "state"), style), text(*incident, "packageId"),
                   text(*incident, "permit"), text(*incident, "department"), text(*incident, "kind"),
                   text(*incident, "createdAt"), text(*incident, "reason")});
    return table.render();
}

std::string renderIncident(const Object& incident, const Style& style) {
    return renderFields({
        {"Incident", text(incident, "id")},
        {"State", paintState(text(incident, "state"), style)},
        {"Package", text(incident, "packageId")},
        {"Permit", text(incident, "permit")},
        {"Department", text(incident, "department")},
        {"Kind", text(incident, "kind")},
        {"Message id", text(incident, "messageId")},
        {"Reason", text(incident, "reason")},
        {"Created", text(incident, "createdAt")},
        {"Closed", text(incident, "closedAt")},
        {"Note", text(incident, "note")},
    });
}

std::string renderDepartments(const Object& answer, const Style& style) {
    std::string out;
    const auto departments = objects(answer, "departments");
    if (departments.empty()) {
        out = "No departments.\n";
    } else {
        Table table({"CODE", "NAME", "TRANSPORT", "BREAKER", "FAILURES", "IN FLIGHT", "PAUSED", "ENDPOINT"});
        for (const auto& department : departments)
            table.add({text(*department, "code"), text(*department, "name"), text(*department, "transport"),
                       text(*department, "breaker"), text(*department, "consecutiveFailures"),
                       text(*department, "inFlight") + "/" + text(*department, "maxConcurrent"),
                       pausedText(flag(*department, "paused"), style),
                       text(*department, "endpoint")});
        out = table.render();
    }
    if (answer.has("dispatch") && !flag(answer, "dispatch"))
        out += "Dispatch is off in this hub: no department is called.\n";
    return out;
}

std::string renderDepartment(const Object& department, const Style& style) {
    return renderFields({
        {"Department", text(department, "code")},
        {"Name", text(department, "name")},
        {"Paused", pausedText(flag(department, "paused"), style)},
        {"Transport", text(department, "transport")},
        {"Endpoint", text(department, "endpoint")},
        {"Breaker", text(department, "breaker")},
        {"Failures", text(department, "consecutiveFailures")},
        {"In flight", department.has("inFlight")
                          ? text(department, "inFlight") + "/" + text(department, "maxConcurrent")
                          : std::string()},
        {"Note", text(department, "note")},
    });
}

std::string renderIssuedToken(const Object& token) {
    return renderFields({
               {"Token id", text(token, "tokenId")},
               {"Role", text(token, "role")},
               {"Subject", text(token, "subject")},
               {"Label", text(token, "label")},
               {"Token", text(token, "token")},
           }) +
           "The token is shown once: store it now.\n";
}

std::string renderRefused(const Object& answer) {
    const auto refused = objects(answer, "refused");
    if (refused.empty()) return "No refused callbacks.\n";
    Table table({"SEQ", "AT", "DEPT", "CODE", "PACKAGE", "PERMIT", "MESSAGE ID", "DETAIL"});
    for (const auto& entry : refused)
        table.add({text(*entry, "sequence"), text(*entry, "at"), text(*entry, "department"), text(*entry, "code"),
                   orDash(text(*entry, "packageId")), orDash(text(*entry, "permit")),
                   orDash(text(*entry, "messageId")), text(*entry, "detail")});
    return table.render();
}

std::string renderAuditVerification(const Object& answer) {
    const bool ok = answer.optValue<bool>("ok", false);
    std::string out = std::string("Audit trail: ") + (ok ? "intact" : "DAMAGED") + "\n";
    out += "Checked    " + text(answer, "chains") + " chain(s), " + text(answer, "entries") + " entries, " +
           text(answer, "anchors") + " anchor(s)" +
           (text(answer, "scope") == "all" ? std::string() : " (chain " + text(answer, "scope") + " only)") + "\n";
    if (auto head = answer.getObject("globalHead"))
        out += "GLOBAL     seq " + text(*head, "seq") + ", hash " + text(*head, "hash") + "\n";
    if (ok) return out;
    out += "Problems   " + text(answer, "problemCount") + "\n";
    Table table({"CHAIN", "SEQ", "CODE", "DETAIL"});
    for (const auto& problem : objects(answer, "problems"))
        table.add({text(*problem, "chain"), text(*problem, "seq"), text(*problem, "code"), text(*problem, "detail")});
    return out + table.render();
}

std::string renderAuditChain(const Object& answer) {
    const auto entries = objects(answer, "entries");
    if (entries.empty()) return "Chain " + text(answer, "chain") + " has no entries.\n";
    Table table({"SEQ", "AT", "KIND", "ACTOR", "SUBJECT", "DETAIL"});
    for (const auto& entry : entries)
        table.add({text(*entry, "seq"), text(*entry, "at"), text(*entry, "kind"), text(*entry, "actor"),
                   orDash(text(*entry, "subject")), text(*entry, "detail")});
    return "Chain " + text(answer, "chain") + "\n" + table.render();
}

std::string renderProblem(const Problem& problem) {
    std::string out = "error: " + std::to_string(problem.status) + " " + problem.title + "\n";
    if (!problem.detail.empty()) out += "  " + problem.detail + "\n";
    for (const auto& error : problem.errors) {
        std::string line = "  " + error.code;
        if (!error.message.empty()) line += ": " + error.message;
        if (!error.path.empty()) {
            line += " (at " + error.path;
            if (error.line > 0) line += ", line " + std::to_string(error.line);
            line += ")";
        }
        out += line + "\n";
    }
    return out;
}

std::string renderWatchScreen(const Object& package, const Style& style) {
    return "\033[H\033[2J" + renderPackage(package, style);
}

std::vector<std::string> PermitChangeTracker::update(const Object& package) {
    std::vector<std::string> lines;
    const std::string id = text(package, "id");
    const std::string state = text(package, "state");
    if (!started_) {
        lines.push_back("package " + id + " " + state);
    } else if (state != packageState_) {
        lines.push_back("package " + id + " " + packageState_ + " -> " + state);
    }
    packageState_ = state;
    for (const auto& permit : objects(package, "permits")) {
        const std::string code = text(*permit, "permit");
        Seen now{text(*permit, "state"), text(*permit, "receiptNumber"), std::string()};
        if (auto certificate = child(*permit, "certificate")) now.certificate = text(*certificate, "number");
        auto found = permits_.find(code);
        std::string department = text(*permit, "department");
        department.resize(std::max<std::size_t>(department.size(), 7), ' ');
        std::string line = code + " " + department + " ";
        std::vector<std::string> news;
        if (found == permits_.end()) {
            line += now.state;
            if (!now.receipt.empty()) news.push_back("receipt " + now.receipt);
            if (!now.certificate.empty()) news.push_back("certificate " + now.certificate);
        } else {
            const Seen& before = found->second;
            if (before.state == now.state && before.receipt == now.receipt && before.certificate == now.certificate)
                continue;
            line += before.state == now.state ? now.state : before.state + " -> " + now.state;
            if (now.receipt != before.receipt && !now.receipt.empty()) news.push_back("receipt " + now.receipt);
            if (now.certificate != before.certificate && !now.certificate.empty())
                news.push_back("certificate " + now.certificate);
        }
        if (!news.empty()) line += " (" + join(news, ", ") + ")";
        lines.push_back(line);
        permits_[code] = now;
    }
    started_ = true;
    return lines;
}

}  // namespace hubctl
