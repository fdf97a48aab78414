#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace hub::core {

// Thrown by Catalogue::build when the catalogue is not usable. what() is one
// clear line naming the offending item, e.g.
//   "catalogue: permit P03 needs unknown permit P99".
class CatalogueError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct Department {
    std::string code;  // "SAMR", "MOT", "MSA", "CUSTOMS", "CCS"
    std::string name;
};

struct PermitItem {
    std::string id;  // "P01".."P12"
    std::string nameZh;
    std::string nameEn;
    std::string department;                       // Department::code
    std::vector<std::string> needs;               // hard prerequisites (permit ids)
    int statutoryWorkingDays = 0;
    int promisedWorkingDays = 0;
    std::vector<std::string> requiredAttachments; // attachment kinds the applicant must supply
    std::vector<std::string> outputs;             // data the issued permit carries downstream
    bool concernsVessel = false;                  // needs at least one vessel in the package
};

enum class DurationBasis { Promised, Statutory };

struct CriticalPath {
    std::vector<std::string> permits;  // in dependency order, first to last
    int workingDays = 0;
};

// The permit catalogue and its dependency graph. Immutable after build();
// safe to share between threads.
class Catalogue {
  public:
    // Checks and indexes the catalogue. Throws CatalogueError on: duplicate
    // department or permit ids, a permit of an unknown department, a need on an
    // unknown permit, a self-need or a cycle (the message names the cycle),
    // non-positive or inconsistent durations (promised > statutory), no permits.
    static Catalogue build(std::vector<Department> departments, std::vector<PermitItem> permits);

    const std::vector<Department>& departments() const { return departments_; }
    // All permits, in a topological order (every permit after its needs), ties
    // broken by id.
    const std::vector<PermitItem>& permits() const { return permits_; }

    const PermitItem* findPermit(std::string_view id) const;
    const Department* findDepartment(std::string_view code) const;

    // `requested` plus all transitive prerequisites, in topological order.
    // Unknown ids are ignored (the caller reports them).
    std::vector<std::string> closure(const std::vector<std::string>& requested) const;

    // The longest path, by the chosen duration, through the sub-graph induced
    // by `permits` (dependencies outside the set are treated as satisfied).
    CriticalPath criticalPath(const std::vector<std::string>& permits, DurationBasis basis) const;

  private:
    std::vector<Department> departments_;
    std::vector<PermitItem> permits_;
    std::map<std::string, std::size_t, std::less<>> permitIndex_;
};

}  // namespace hub::core
