#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"

// The audit trail's hash chains, independent of where they are stored.
//
// Every entry names its chain (a package id; "HUB" for what belongs to no
// package: admin actions on departments and tokens, refused messages of no
// known package; "GLOBAL" for anchors), its place in it (seq 1, 2, …) and the
// hash of the entry before it. Appending to one package's chain locks only
// that chain's head, so packages are audited in parallel. From time to time
// the head of every chain that moved is written into the GLOBAL chain (an
// ANCHOR entry), which fixes what each chain held at that moment: a chain cut
// back or rewritten below an anchor no longer matches it.
namespace hub::core::audit {

inline constexpr std::string_view kGenesisHash =
    "0000000000000000000000000000000000000000000000000000000000000000";
inline constexpr std::string_view kGlobalChain = "GLOBAL";
inline constexpr std::string_view kHubChain = "HUB";
// The actor of the hub's own work (dispatch, clocks, anchoring).
inline constexpr std::string_view kHubActor = "hub";

// Entry kinds: the timeline's event types (PACKAGE_RECEIVED, PERMIT_STATE,
// PACKAGE_STATE, DEADLINE_MISSED, …) and these.
inline constexpr std::string_view kPackageReceived = "PACKAGE_RECEIVED";  // also an event type
inline constexpr std::string_view kMessageOut = "MESSAGE_OUT";
inline constexpr std::string_view kMessageIn = "MESSAGE_IN";
inline constexpr std::string_view kMessageRefused = "MESSAGE_REFUSED";
inline constexpr std::string_view kAdminAction = "ADMIN_ACTION";
inline constexpr std::string_view kAnchor = "ANCHOR";

// One row of the audit log.
struct Entry {
    std::string chain;
    std::int64_t seq = 0;   // 1, 2, … within the chain
    EpochMillis at = 0;
    std::string kind;       // an event type or one of the kinds above
    std::string actor;      // "hub", "applicant:<company>", "dept:<CODE>", "admin:<name>", "cli"
    std::string subject;    // the permit, department, incident, token or (ANCHOR) chain concerned; may be empty
    std::string detail;     // what happened, with digests rather than message bodies
    std::string prevHash;   // the hash of entry seq - 1; kGenesisHash for seq 1
    std::string hash;       // hashOf(this entry)
};

// Lower-case hex SHA-256 over prevHash, chain, seq, at, kind, actor, subject
// and detail, each written as "<byte length>:<bytes>\n" so that no two
// different entries hash the same text.
std::string hashOf(const Entry& entry);

// The last entry of a chain, as the head table keeps it (seq 0 and
// kGenesisHash for a chain with no entries yet).
struct Head {
    std::string chain;
    std::int64_t seq = 0;
    std::string hash = std::string(kGenesisHash);
};

// Gives `entries` (new entries of head.chain, in order) their seq, prevHash
// and hash after `head`; returns the chain's new head.
Head link(const Head& head, std::vector<Entry>& entries);

// The entries one transaction appends, grouped by chain. Chains come out in
// name order, the order a store locks their heads in.
class Batch {
  public:
    void add(const std::string& chain, EpochMillis at, std::string_view kind, std::string_view actor,
             std::string_view subject, std::string detail);
    bool empty() const { return chains_.empty(); }
    const std::map<std::string, std::vector<Entry>>& byChain() const { return chains_; }
    std::map<std::string, std::vector<Entry>>& byChain() { return chains_; }

  private:
    std::map<std::string, std::vector<Entry>> chains_;
};

// An ANCHOR entry records (chain, seq, hash): subject = the chain, detail =
// "seq=<n> hash=<hex>".
std::string anchorDetail(const Head& head);
std::optional<Head> parseAnchor(const Entry& entry);

// A finding of the verification. Codes:
//   ENTRY_ALTERED      the entry's fields no longer give its hash (edited)
//   CHAIN_BROKEN       the entry does not follow the one before it (inserted, or one deleted before it)
//   SEQUENCE_GAP       entries are missing before this one (deleted)
//   HEAD_MISMATCH      the chain's head says another last entry (entries deleted at the end, or added behind the head)
//   HEAD_MISSING       entries without a head, or the head of a chain with no entries
//   ANCHOR_MISMATCH    an anchored entry is gone or differs from what the GLOBAL chain recorded
struct Problem {
    std::string chain;
    std::int64_t seq = 0;   // 0 when about the chain as a whole
    std::string code;
    std::string detail;
};

struct Report {
    int chains = 0;
    std::int64_t entries = 0;
    int anchors = 0;        // anchors checked against their chains
    Head global;            // the GLOBAL chain's last entry (publish it to witness the whole trail)
    std::int64_t problemCount = 0;   // all problems found
    std::vector<Problem> problems;   // the first of them (at most the verifier's maxProblems)
    bool ok() const { return problemCount == 0; }
};

// Checks chains one at a time, so that only one chain is in memory: first the
// GLOBAL chain (constructor), then every other chain, then finish().
class Verifier {
  public:
    // At most `maxProblems` problems are listed (the count still grows).
    Verifier(const std::vector<Entry>& global, const std::optional<Head>& globalHead, std::size_t maxProblems = 200);
    // `entries` in seq order, as stored; `head` from the head table.
    void check(const std::string& chain, const std::vector<Entry>& entries, const std::optional<Head>& head);
    // With `everyChainChecked`, the anchors of a chain never checked are
    // problems (the chain was deleted whole); otherwise they are ignored.
    Report finish(bool everyChainChecked);

  private:
    // Returns the chain's last entry as found.
    Head walk(const std::string& chain, const std::vector<Entry>& entries, const std::optional<Head>& head);
    void report(const std::string& chain, std::int64_t seq, std::string code, std::string detail);

    Report report_;
    std::size_t maxProblems_;
    // chain -> its anchors (seq -> hash), from the GLOBAL chain; removed once checked.
    std::unordered_map<std::string, std::map<std::int64_t, std::string>> anchors_;
};

}  // namespace hub::core::audit
