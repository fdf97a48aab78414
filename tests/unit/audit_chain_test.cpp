#include <boost/test/unit_test.hpp>

#include <set>

#include "core/audit_chain.h"
#include "core/digest.h"

using namespace hub::core;
using namespace hub::core::audit;

namespace {

// A chain of `count` entries as a store would write it, with its head.
struct Chain {
    std::vector<Entry> entries;
    Head head;
};

Chain makeChain(const std::string& name, int count) {
    Batch batch;
    for (int i = 1; i <= count; ++i)
        batch.add(name, 1000 + i, "PERMIT_STATE", "hub", "P0" + std::to_string(i % 10),
                  "SUBMITTED -> ACCEPTED receipt=R" + std::to_string(i));
    Chain chain;
    chain.entries = batch.byChain().at(name);
    chain.head = link(Head{name}, chain.entries);
    return chain;
}

// The GLOBAL chain anchoring each given head.
Chain anchorsOf(const std::vector<Head>& heads, const Head& after = Head{std::string(kGlobalChain)}) {
    std::vector<Entry> anchors;
    for (const auto& head : heads) {
        Entry entry;
        entry.at = 5000;
        entry.kind = kAnchor;
        entry.actor = kHubActor;
        entry.subject = head.chain;
        entry.detail = anchorDetail(head);
        anchors.push_back(entry);
    }
    Chain global;
    global.entries = anchors;
    global.head = link(after, global.entries);
    return global;
}

std::set<std::string> codesOf(const Report& report) {
    std::set<std::string> codes;
    for (const auto& problem : report.problems)
        codes.insert(problem.code + "@" + problem.chain + "#" + std::to_string(problem.seq));
    return codes;
}

Report verify(const Chain& global, const std::vector<std::pair<Chain, std::optional<Head>>>& chains,
              bool everyChain = true) {
    Verifier verifier(global.entries, global.head);
    for (const auto& [chain, head] : chains)
        verifier.check(chain.entries.empty() ? head->chain : chain.entries.front().chain, chain.entries, head);
    return verifier.finish(everyChain);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(audit_chain)

BOOST_AUTO_TEST_CASE(entries_link_to_the_one_before_and_start_from_the_genesis_hash) {
    auto chain = makeChain("PKG-A", 3);
    BOOST_TEST(chain.entries[0].seq == 1);
    BOOST_TEST(chain.entries[0].prevHash == std::string(kGenesisHash));
    BOOST_TEST(chain.entries[1].prevHash == chain.entries[0].hash);
    BOOST_TEST(chain.entries[2].prevHash == chain.entries[1].hash);
    BOOST_TEST(chain.head.seq == 3);
    BOOST_TEST(chain.head.hash == chain.entries[2].hash);
    for (const auto& entry : chain.entries) BOOST_TEST(hashOf(entry) == entry.hash);
    // Appending continues after the head.
    std::vector<Entry> more(1);
    more[0].kind = "PACKAGE_STATE";
    auto next = link(chain.head, more);
    BOOST_TEST(more[0].seq == 4);
    BOOST_TEST(more[0].prevHash == chain.head.hash);
    BOOST_TEST(next.seq == 4);
}

BOOST_AUTO_TEST_CASE(the_hash_covers_every_field_and_fields_cannot_be_shifted_into_each_other) {
    auto base = makeChain("PKG-A", 1).entries[0];
    std::set<std::string> hashes{hashOf(base)};
    auto changed = [&](auto mutate) {
        Entry copy = base;
        mutate(copy);
        return hashes.insert(hashOf(copy)).second;
    };
    BOOST_TEST(changed([](Entry& e) { e.chain = "PKG-B"; }));
    BOOST_TEST(changed([](Entry& e) { e.seq = 2; }));
    BOOST_TEST(changed([](Entry& e) { e.at += 1; }));
    BOOST_TEST(changed([](Entry& e) { e.kind = "PERMIT_STATX"; }));
    BOOST_TEST(changed([](Entry& e) { e.actor = "dept:MSA"; }));
    BOOST_TEST(changed([](Entry& e) { e.subject = "P02"; }));
    BOOST_TEST(changed([](Entry& e) { e.detail += "."; }));
    BOOST_TEST(changed([](Entry& e) { e.prevHash = std::string(64, '1'); }));
    // Moving a character from one field to the next changes the hash.
    BOOST_TEST(changed([](Entry& e) {
        e.subject = "P0";
        e.detail = "1" + e.detail;
    }));
    BOOST_TEST(!changed([](Entry& e) { e.hash = "whatever"; }));  // the hash itself is not hashed
}

BOOST_AUTO_TEST_CASE(an_untouched_trail_verifies) {
    auto a = makeChain("PKG-A", 5), b = makeChain("PKG-B", 3), empty = Chain{{}, Head{"PKG-C"}};
    auto global = anchorsOf({a.head, b.head});
    auto report = verify(global, {{a, a.head}, {b, b.head}, {empty, empty.head}});
    BOOST_TEST(report.ok(), report.problems.size());
    BOOST_TEST(report.chains == 4);
    BOOST_TEST(report.entries == 10);
    BOOST_TEST(report.anchors == 2);
    BOOST_TEST(report.global.seq == 2);
    BOOST_TEST(report.global.hash == global.head.hash);
}

BOOST_AUTO_TEST_CASE(an_edited_entry_is_found) {
    auto a = makeChain("PKG-A", 5);
    auto global = anchorsOf({a.head});
    a.entries[2].detail = "SUBMITTED -> ISSUED";
    auto report = verify(global, {{a, a.head}});
    BOOST_TEST(codesOf(report) == (std::set<std::string>{"ENTRY_ALTERED@PKG-A#3"}));
    // Re-hashing the edited entry breaks the link to the next one instead.
    a.entries[2].hash = hashOf(a.entries[2]);
    report = verify(global, {{a, a.head}});
    BOOST_TEST(codesOf(report) == (std::set<std::string>{"CHAIN_BROKEN@PKG-A#4"}));
}

BOOST_AUTO_TEST_CASE(an_inserted_entry_is_found) {
    auto a = makeChain("PKG-A", 4);
    auto global = anchorsOf({a.head});
    // Slipped in after entry 2, later entries renumbered.
    Entry forged = a.entries[1];
    forged.detail = "approved by hand";
    forged.seq = 3;
    forged.prevHash = a.entries[1].hash;
    forged.hash = hashOf(forged);
    a.entries.insert(a.entries.begin() + 2, forged);
    for (std::size_t i = 3; i < a.entries.size(); ++i) a.entries[i].seq = static_cast<std::int64_t>(i) + 1;
    auto report = verify(global, {{a, a.head}});
    auto codes = codesOf(report);
    BOOST_TEST(codes.count("CHAIN_BROKEN@PKG-A#4") == 1u);
    BOOST_TEST(codes.count("HEAD_MISMATCH@PKG-A#4") == 1u);
    BOOST_TEST(!report.ok());
    // Appended behind the head.
    auto b = makeChain("PKG-B", 2);
    std::vector<Entry> tail{b.entries[0]};
    link(b.head, tail);
    b.entries.push_back(tail[0]);
    BOOST_TEST(codesOf(verify(anchorsOf({}), {{b, b.head}})) == (std::set<std::string>{"HEAD_MISMATCH@PKG-B#2"}));
}

BOOST_AUTO_TEST_CASE(a_deleted_entry_is_found_in_the_middle_at_the_end_and_whole_chains) {
    auto a = makeChain("PKG-A", 5);
    auto global = anchorsOf({a.head});
    auto middle = a;
    middle.entries.erase(middle.entries.begin() + 1);
    BOOST_TEST(codesOf(verify(global, {{middle, middle.head}})) == (std::set<std::string>{"SEQUENCE_GAP@PKG-A#3"}));

    // The last entry gone, the head left alone.
    auto tail = a;
    tail.entries.pop_back();
    BOOST_TEST(codesOf(verify(global, {{tail, tail.head}})).count("HEAD_MISMATCH@PKG-A#5") == 1u);
    // …and the head moved back too: the anchor still says 5.
    Head cut{"PKG-A", 4, a.entries[3].hash};
    BOOST_TEST(codesOf(verify(global, {{tail, cut}})) == (std::set<std::string>{"ANCHOR_MISMATCH@PKG-A#5"}));
    // Cut back and anchored again (after the real anchor): the older anchor still tells.
    auto reanchored = anchorsOf({a.head, cut});
    BOOST_TEST(codesOf(verify(reanchored, {{tail, cut}})).count("ANCHOR_MISMATCH@PKG-A#5") == 1u);

    // The whole chain gone, its head too.
    auto b = makeChain("PKG-B", 2);
    auto both = anchorsOf({a.head, b.head});
    BOOST_TEST(codesOf(verify(both, {{a, a.head}})) == (std::set<std::string>{"ANCHOR_MISMATCH@PKG-B#2"}));
    // Checking one chain only says nothing about the others.
    BOOST_TEST(verify(both, {{a, a.head}}, false).ok());
    // Entries without a head.
    BOOST_TEST(codesOf(verify(both, {{a, a.head}, {b, std::nullopt}})) == (std::set<std::string>{"HEAD_MISSING@PKG-B#0"}));
}

BOOST_AUTO_TEST_CASE(the_global_chain_is_checked_like_any_other) {
    auto a = makeChain("PKG-A", 2);
    auto global = anchorsOf({a.head});
    global.entries[0].detail = anchorDetail(Head{"PKG-A", 1, a.entries[0].hash});
    auto report = verify(global, {{a, a.head}});
    BOOST_TEST(codesOf(report).count("ENTRY_ALTERED@GLOBAL#1") == 1u);
    auto unreadable = anchorsOf({a.head});
    unreadable.entries[0].detail = "seq=x hash=y";
    unreadable.entries[0].hash = hashOf(unreadable.entries[0]);
    unreadable.head.hash = unreadable.entries[0].hash;
    BOOST_TEST(codesOf(verify(unreadable, {{a, a.head}})).count("ANCHOR_MISMATCH@GLOBAL#1") == 1u);
}

BOOST_AUTO_TEST_CASE(anchors_round_trip_and_odd_details_are_refused) {
    Head head{"PKG-A", 42, std::string(64, 'a')};
    Entry entry;
    entry.kind = kAnchor;
    entry.subject = "PKG-A";
    entry.detail = anchorDetail(head);
    auto parsed = parseAnchor(entry);
    BOOST_TEST_REQUIRE(parsed.has_value());
    BOOST_TEST(parsed->seq == 42);
    BOOST_TEST(parsed->hash == head.hash);
    for (const char* detail : {"seq=0 hash=", "seq=-1 hash=aa", "seq=1", "seq=1 hash=XYZ", "seq=1x hash=aa"}) {
        entry.detail = detail;
        BOOST_TEST(!parseAnchor(entry).has_value(), detail);
    }
    entry.detail = anchorDetail(head);
    entry.kind = "PERMIT_STATE";
    BOOST_TEST(!parseAnchor(entry).has_value());
}

BOOST_AUTO_TEST_CASE(the_problem_list_is_bounded_but_the_count_is_not) {
    auto a = makeChain("PKG-A", 30);
    for (auto& entry : a.entries) entry.detail = "edited";
    Verifier verifier({}, Head{std::string(kGlobalChain)}, 5);
    verifier.check("PKG-A", a.entries, a.head);
    auto report = verifier.finish(true);
    BOOST_TEST(report.problems.size() == 5u);
    BOOST_TEST(report.problemCount == 30);
}

BOOST_AUTO_TEST_CASE(sha256_matches_the_standard_vectors) {
    BOOST_TEST(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_SUITE_END()
