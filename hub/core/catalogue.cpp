#include "core/catalogue.h"

#include <algorithm>
#include <set>

namespace hub::core {

namespace {

[[noreturn]] void fail(const std::string& message) { throw CatalogueError("catalogue: " + message); }

int durationOf(const PermitItem& permit, DurationBasis basis) {
    return basis == DurationBasis::Promised ? permit.promisedWorkingDays : permit.statutoryWorkingDays;
}

}  // namespace

namespace {

// Kahn's algorithm over the permits whose ids are in `members`, always taking
// the smallest ready id, so the order is deterministic. Needs outside
// `members` count as satisfied. Returns fewer items than `members` holds when
// a cycle remains.
std::vector<std::string> topologicalOrder(const std::map<std::string, const PermitItem*, std::less<>>& members) {
    std::map<std::string, int, std::less<>> pending;
    std::map<std::string, std::vector<std::string>, std::less<>> dependants;
    for (const auto& [id, permit] : members) {
        int count = 0;
        for (const auto& need : permit->needs) {
            if (members.contains(need)) {
                ++count;
                dependants[need].push_back(id);
            }
        }
        pending[id] = count;
    }
    std::set<std::string> ready;
    for (const auto& [id, count] : pending) {
        if (count == 0) ready.insert(id);
    }
    std::vector<std::string> order;
    while (!ready.empty()) {
        std::string next = *ready.begin();
        ready.erase(ready.begin());
        order.push_back(next);
        for (const auto& dependant : dependants[next]) {
            if (--pending[dependant] == 0) ready.insert(dependant);
        }
    }
    return order;
}

// Depth-first search for a cycle; returns it as "A -> B -> A" or "".
std::string findCycle(const std::map<std::string, const PermitItem*, std::less<>>& members) {
    enum class Mark { Unvisited, OnStack, Done };
    std::map<std::string, Mark, std::less<>> marks;
    for (const auto& [id, permit] : members) marks[id] = Mark::Unvisited;
    std::vector<std::string> stack;

    auto visit = [&](auto& self, const std::string& id) -> std::string {
        marks[id] = Mark::OnStack;
        stack.push_back(id);
        std::vector<std::string> needs = members.find(id)->second->needs;
        std::sort(needs.begin(), needs.end());
        for (const auto& need : needs) {
            auto mark = marks.find(need);
            if (mark == marks.end()) continue;
            if (mark->second == Mark::OnStack) {
                auto start = std::find(stack.begin(), stack.end(), need);
                std::string cycle;
                for (auto it = start; it != stack.end(); ++it) cycle += *it + " -> ";
                return cycle + need;
            }
            if (mark->second == Mark::Unvisited) {
                std::string cycle = self(self, need);
                if (!cycle.empty()) return cycle;
            }
        }
        stack.pop_back();
        marks[id] = Mark::Done;
        return {};
    };
    for (const auto& [id, permit] : members) {
        if (marks[id] == Mark::Unvisited) {
            std::string cycle = visit(visit, id);
            if (!cycle.empty()) return cycle;
        }
    }
    return {};
}

}  // namespace

Catalogue Catalogue::build(std::vector<Department> departments, std::vector<PermitItem> permits) {
    if (permits.empty()) fail("no permits defined");

    std::set<std::string, std::less<>> departmentCodes;
    for (const auto& department : departments) {
        if (department.code.empty()) fail("a department has an empty code");
        if (!departmentCodes.insert(department.code).second) fail("duplicate department " + department.code);
    }

    std::map<std::string, const PermitItem*, std::less<>> byId;
    for (const auto& permit : permits) {
        if (permit.id.empty()) fail("a permit has an empty id");
        if (!byId.emplace(permit.id, &permit).second) fail("duplicate permit " + permit.id);
    }

    for (const auto& permit : permits) {
        const std::string& id = permit.id;
        if (!departmentCodes.contains(permit.department)) {
            fail("permit " + id + " belongs to unknown department '" + permit.department + "'");
        }
        if (permit.statutoryWorkingDays <= 0) {
            fail("permit " + id + " has non-positive statutoryWorkingDays " +
                 std::to_string(permit.statutoryWorkingDays));
        }
        if (permit.promisedWorkingDays <= 0) {
            fail("permit " + id + " has non-positive promisedWorkingDays " +
                 std::to_string(permit.promisedWorkingDays));
        }
        if (permit.promisedWorkingDays > permit.statutoryWorkingDays) {
            fail("permit " + id + " promises " + std::to_string(permit.promisedWorkingDays) +
                 " working days, more than its statutory " + std::to_string(permit.statutoryWorkingDays));
        }
        std::set<std::string, std::less<>> seen;
        for (const auto& need : permit.needs) {
            if (need == id) fail("permit " + id + " needs itself");
            if (!byId.contains(need)) fail("permit " + id + " needs unknown permit " + need);
            if (!seen.insert(need).second) fail("permit " + id + " lists need " + need + " twice");
        }
    }

    std::string cycle = findCycle(byId);
    if (!cycle.empty()) fail("dependency cycle " + cycle);

    Catalogue catalogue;
    for (const auto& id : topologicalOrder(byId)) catalogue.permits_.push_back(*byId.at(id));
    for (std::size_t i = 0; i < catalogue.permits_.size(); ++i) {
        catalogue.permitIndex_.emplace(catalogue.permits_[i].id, i);
    }
    catalogue.departments_ = std::move(departments);
    return catalogue;
}

const PermitItem* Catalogue::findPermit(std::string_view id) const {
    auto found = permitIndex_.find(id);
    return found == permitIndex_.end() ? nullptr : &permits_[found->second];
}

const Department* Catalogue::findDepartment(std::string_view code) const {
    auto found = std::find_if(departments_.begin(), departments_.end(),
                              [&](const Department& department) { return department.code == code; });
    return found == departments_.end() ? nullptr : &*found;
}

std::vector<std::string> Catalogue::closure(const std::vector<std::string>& requested) const {
    std::map<std::string, const PermitItem*, std::less<>> members;
    std::vector<const PermitItem*> toVisit;
    for (const auto& id : requested) {
        if (const PermitItem* permit = findPermit(id)) toVisit.push_back(permit);
    }
    while (!toVisit.empty()) {
        const PermitItem* permit = toVisit.back();
        toVisit.pop_back();
        if (!members.emplace(permit->id, permit).second) continue;
        for (const auto& need : permit->needs) toVisit.push_back(findPermit(need));
    }
    return topologicalOrder(members);
}

CriticalPath Catalogue::criticalPath(const std::vector<std::string>& permits, DurationBasis basis) const {
    std::map<std::string, const PermitItem*, std::less<>> members;
    for (const auto& id : permits) {
        if (const PermitItem* permit = findPermit(id)) members.emplace(permit->id, permit);
    }
    std::map<std::string, int, std::less<>> finish;
    std::map<std::string, std::string, std::less<>> predecessor;
    std::string last;
    for (const auto& id : topologicalOrder(members)) {
        const PermitItem& permit = *members.at(id);
        std::vector<std::string> needs = permit.needs;
        std::sort(needs.begin(), needs.end());
        int start = 0;
        for (const auto& need : needs) {
            auto done = finish.find(need);
            if (done != finish.end() && done->second > start) {
                start = done->second;
                predecessor[id] = need;
            }
        }
        finish[id] = start + durationOf(permit, basis);
        if (last.empty() || finish[id] > finish[last] || (finish[id] == finish[last] && id < last)) last = id;
    }

    CriticalPath path;
    if (last.empty()) return path;
    path.workingDays = finish[last];
    for (std::string id = last;;) {
        path.permits.push_back(id);
        auto previous = predecessor.find(id);
        if (previous == predecessor.end()) break;
        id = previous->second;
    }
    std::reverse(path.permits.begin(), path.permits.end());
    return path;
}

}  // namespace hub::core
