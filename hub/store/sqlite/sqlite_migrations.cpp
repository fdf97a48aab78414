#include "store/sqlite/sqlite_migrations.h"

namespace hub::store::sqlite {

// core::audit::kGenesisHash, as SQL text.
#define HUB_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

const std::string_view kCreateSchemaMigrations = R"(
CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    applied_at  BIGINT NOT NULL,
    description TEXT NOT NULL
))";

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> all = {
        {1,
         "packages, permits, outbox and events",
         {
             R"(CREATE TABLE packages (
                 id                  TEXT PRIMARY KEY,
                 company_id          TEXT NOT NULL,
                 state               TEXT NOT NULL,
                 received_at         BIGINT NOT NULL,
                 updated_at          BIGINT NOT NULL,
                 original_xml        BLOB NOT NULL,
                 sha256              TEXT NOT NULL,
                 proposed_name       TEXT NOT NULL,
                 applicant_reference TEXT NOT NULL,
                 notification_url    TEXT NOT NULL
             ))",
             "CREATE INDEX packages_company_id ON packages (company_id, id)",
             R"(CREATE TABLE permits (
                 package_id             TEXT NOT NULL REFERENCES packages (id),
                 permit                 TEXT NOT NULL,
                 department             TEXT NOT NULL,
                 state                  TEXT NOT NULL,
                 requested_by_applicant INTEGER NOT NULL,
                 receipt_number         TEXT,
                 updated_at             BIGINT NOT NULL,
                 PRIMARY KEY (package_id, permit)
             ))",
             R"(CREATE TABLE outbox (
                 message_id  TEXT PRIMARY KEY,
                 package_id  TEXT NOT NULL REFERENCES packages (id),
                 permit      TEXT NOT NULL,
                 department  TEXT NOT NULL,
                 kind        TEXT NOT NULL,
                 state       TEXT NOT NULL DEFAULT 'PENDING',
                 attempts    INTEGER NOT NULL DEFAULT 0,
                 due_at      BIGINT NOT NULL,
                 lease_owner TEXT,
                 lease_until BIGINT,
                 created_at  BIGINT NOT NULL
             ))",
             "CREATE INDEX outbox_state_due ON outbox (state, due_at)",
             R"(CREATE TABLE events (
                 sequence   INTEGER PRIMARY KEY AUTOINCREMENT,
                 package_id TEXT NOT NULL REFERENCES packages (id),
                 permit     TEXT NOT NULL,
                 type       TEXT NOT NULL,
                 from_state TEXT NOT NULL,
                 to_state   TEXT NOT NULL,
                 detail     TEXT NOT NULL,
                 at         BIGINT NOT NULL
             ))",
             "CREATE INDEX events_package ON events (package_id, sequence)",
         }},
        {2,
         "idempotency keys and api tokens",
         {
             R"(CREATE TABLE idempotency_keys (
                 company_id     TEXT NOT NULL,
                 idem_key       TEXT NOT NULL,
                 request_sha256 TEXT NOT NULL,
                 state          TEXT NOT NULL CHECK (state IN ('IN_PROGRESS', 'DONE')),
                 status         INTEGER,
                 content_type   TEXT,
                 location       TEXT,
                 response_body  BLOB,
                 created_at     BIGINT NOT NULL,
                 updated_at     BIGINT NOT NULL,
                 PRIMARY KEY (company_id, idem_key)
             ))",
             R"(CREATE TABLE api_tokens (
                 token_id     TEXT PRIMARY KEY,
                 token_sha256 TEXT NOT NULL UNIQUE,
                 role         TEXT NOT NULL,
                 subject      TEXT NOT NULL,
                 label        TEXT NOT NULL,
                 created_at   BIGINT NOT NULL,
                 revoked_at   BIGINT
             ))",
         }},
        {3,
         "dispatch attempts and incidents",
         {
             R"(CREATE TABLE dispatch_attempts (
                 message_id  TEXT NOT NULL REFERENCES outbox (message_id),
                 attempt     INTEGER NOT NULL,
                 started_at  BIGINT NOT NULL,
                 latency_ms  INTEGER NOT NULL,
                 outcome     TEXT NOT NULL,
                 http_status INTEGER NOT NULL,
                 error       TEXT NOT NULL,
                 PRIMARY KEY (message_id, attempt)
             ))",
             R"(CREATE TABLE incidents (
                 id         TEXT PRIMARY KEY,
                 message_id TEXT NOT NULL REFERENCES outbox (message_id),
                 package_id TEXT NOT NULL REFERENCES packages (id),
                 permit     TEXT NOT NULL,
                 department TEXT NOT NULL,
                 kind       TEXT NOT NULL,
                 reason     TEXT NOT NULL,
                 state      TEXT NOT NULL CHECK (state IN ('OPEN', 'RETRIED', 'CANCELLED')),
                 note       TEXT NOT NULL,
                 created_at BIGINT NOT NULL,
                 closed_at  BIGINT
             ))",
             "CREATE INDEX incidents_state_created ON incidents (state, created_at)",
             "CREATE INDEX incidents_message ON incidents (message_id)",
         }},
        {4,
         "certificates and their outputs",
         {
             R"(CREATE TABLE certificates (
                 package_id      TEXT NOT NULL REFERENCES packages (id),
                 permit          TEXT NOT NULL,
                 department      TEXT NOT NULL,
                 number          TEXT NOT NULL,
                 issued_on       TEXT NOT NULL,
                 valid_until     TEXT NOT NULL,
                 document_sha256 TEXT NOT NULL,
                 recorded_at     BIGINT NOT NULL,
                 PRIMARY KEY (package_id, permit)
             ))",
             R"(CREATE TABLE certificate_outputs (
                 package_id TEXT NOT NULL,
                 permit     TEXT NOT NULL,
                 position   INTEGER NOT NULL,
                 name       TEXT NOT NULL,
                 value      TEXT NOT NULL,
                 PRIMARY KEY (package_id, permit, position),
                 FOREIGN KEY (package_id, permit) REFERENCES certificates (package_id, permit)
             ))",
         }},
        {5,
         "permit tracking: dispatch payloads, clock facts, readiness, inbound messages",
         {
             "ALTER TABLE outbox ADD COLUMN payload BLOB NOT NULL DEFAULT ''",
             "ALTER TABLE permits ADD COLUMN submitted_at BIGINT NOT NULL DEFAULT 0",
             "ALTER TABLE permits ADD COLUMN accepted_at BIGINT NOT NULL DEFAULT 0",
             "ALTER TABLE permits ADD COLUMN deemed_accepted INTEGER NOT NULL DEFAULT 0",
             "ALTER TABLE permits ADD COLUMN suspended_at BIGINT NOT NULL DEFAULT 0",
             "ALTER TABLE permits ADD COLUMN paused_working_days INTEGER NOT NULL DEFAULT 0",
             "ALTER TABLE permits ADD COLUMN extension_working_days INTEGER NOT NULL DEFAULT 0",
             "ALTER TABLE permits ADD COLUMN decided_at BIGINT NOT NULL DEFAULT 0",
             "ALTER TABLE permits ADD COLUMN overdue_since BIGINT NOT NULL DEFAULT 0",
             "CREATE INDEX permits_receipt ON permits (department, receipt_number)",
             "CREATE INDEX permits_state_updated ON permits (state, updated_at)",
             "ALTER TABLE packages ADD COLUMN ready_at BIGINT NOT NULL DEFAULT 0",
             // A package that became ready before this version: the time of
             // its PACKAGE_STATE event into READY_TO_OPERATE.
             R"(UPDATE packages SET ready_at = COALESCE(
                 (SELECT MAX(at) FROM events WHERE events.package_id = packages.id
                  AND type = 'PACKAGE_STATE' AND to_state = 'READY_TO_OPERATE'), 0)
                WHERE state = 'READY_TO_OPERATE')",
             R"(CREATE TABLE inbound_messages (
                 department  TEXT NOT NULL,
                 message_id  TEXT NOT NULL,
                 package_id  TEXT NOT NULL,
                 permit      TEXT NOT NULL,
                 sha256      TEXT NOT NULL,
                 result      TEXT NOT NULL,
                 to_state    TEXT NOT NULL,
                 detail      TEXT NOT NULL,
                 received_at BIGINT NOT NULL,
                 PRIMARY KEY (department, message_id)
             ))",
             R"(CREATE TABLE refused_inbound (
                 sequence   INTEGER PRIMARY KEY AUTOINCREMENT,
                 department TEXT NOT NULL,
                 message_id TEXT NOT NULL,
                 package_id TEXT NOT NULL,
                 permit     TEXT NOT NULL,
                 code       TEXT NOT NULL,
                 detail     TEXT NOT NULL,
                 sha256     TEXT NOT NULL,
                 at         BIGINT NOT NULL
             ))",
         }},
        {6,
         "department pauses shared by every process",
         {
             R"(CREATE TABLE department_pauses (
                 department TEXT PRIMARY KEY,
                 paused_at  BIGINT NOT NULL,
                 note       TEXT NOT NULL
             ))",
         }},
        {7,
         "resolved incidents; indexes for the operators' views",
         {
             // SQLite cannot change a CHECK constraint in place: the table is
             // rebuilt with the same columns and indexes.
             R"(CREATE TABLE incidents_v7 (
                 id         TEXT PRIMARY KEY,
                 message_id TEXT NOT NULL REFERENCES outbox (message_id),
                 package_id TEXT NOT NULL REFERENCES packages (id),
                 permit     TEXT NOT NULL,
                 department TEXT NOT NULL,
                 kind       TEXT NOT NULL,
                 reason     TEXT NOT NULL,
                 state      TEXT NOT NULL CHECK (state IN ('OPEN', 'RETRIED', 'CANCELLED', 'RESOLVED')),
                 note       TEXT NOT NULL,
                 created_at BIGINT NOT NULL,
                 closed_at  BIGINT
             ))",
             R"(INSERT INTO incidents_v7 (id, message_id, package_id, permit, department, kind, reason, state, note,
                                         created_at, closed_at)
                SELECT id, message_id, package_id, permit, department, kind, reason, state, note, created_at,
                       closed_at FROM incidents)",
             "DROP TABLE incidents",
             "ALTER TABLE incidents_v7 RENAME TO incidents",
             "CREATE INDEX incidents_state_created ON incidents (state, created_at)",
             "CREATE INDEX incidents_message ON incidents (message_id)",
             "CREATE INDEX packages_state ON packages (state, id)",
             "CREATE INDEX outbox_department_state ON outbox (department, state)",
             "CREATE INDEX dispatch_attempts_started ON dispatch_attempts (started_at)",
         }},
        {8,
         "the hash-chained audit trail",
         {
             R"(CREATE TABLE audit_log (
                 chain     TEXT NOT NULL,
                 seq       BIGINT NOT NULL,
                 at        BIGINT NOT NULL,
                 kind      TEXT NOT NULL,
                 actor     TEXT NOT NULL,
                 subject   TEXT NOT NULL,
                 detail    TEXT NOT NULL,
                 prev_hash TEXT NOT NULL,
                 hash      TEXT NOT NULL,
                 PRIMARY KEY (chain, seq)
             ))",
             R"(CREATE TABLE audit_heads (
                 chain TEXT PRIMARY KEY,
                 seq   BIGINT NOT NULL,
                 hash  TEXT NOT NULL
             ))",
             // Bookkeeping of the anchoring (which head was last anchored);
             // the verification trusts the GLOBAL chain, not this table.
             R"(CREATE TABLE audit_anchored (
                 chain TEXT PRIMARY KEY,
                 seq   BIGINT NOT NULL
             ))",
             "INSERT INTO audit_heads (chain, seq, hash) VALUES ('GLOBAL', 0, '" HUB_AUDIT_GENESIS "'), "
             "('HUB', 0, '" HUB_AUDIT_GENESIS "')",
             "INSERT INTO audit_heads (chain, seq, hash) SELECT id, 0, '" HUB_AUDIT_GENESIS "' FROM packages",
         }},
        {9,
         "a package version that every planned write checks and moves on",
         {
             "ALTER TABLE packages ADD COLUMN version BIGINT NOT NULL DEFAULT 0",
         }},
    };
    return all;
}

#undef HUB_AUDIT_GENESIS

}  // namespace hub::store::sqlite
