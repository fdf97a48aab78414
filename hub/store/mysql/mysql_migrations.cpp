#include "store/mysql/mysql_migrations.h"

namespace hub::store::mysql {

// core::audit::kGenesisHash, as SQL text.
#define HUB_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
#define HUB_TABLE_OPTIONS " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin"
#define HUB_COLUMN_EXISTS(table, column)                                                  \
    "SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE() " \
    "AND table_name = '" table "' AND column_name = '" column "'"
#define HUB_INDEX_EXISTS(table, index)                                                     \
    "SELECT COUNT(*) FROM information_schema.statistics WHERE table_schema = DATABASE() " \
    "AND table_name = '" table "' AND index_name = '" index "'"

const std::string_view kCreateSchemaMigrations =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT NOT NULL PRIMARY KEY,"
    " applied_at BIGINT NOT NULL,"
    " description VARCHAR(255) NOT NULL"
    ")" HUB_TABLE_OPTIONS;

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> all = {
        {1,
         "packages, permits, outbox and events",
         {
             "CREATE TABLE IF NOT EXISTS packages ("
             " id VARCHAR(64) NOT NULL PRIMARY KEY,"
             " company_id VARCHAR(64) NOT NULL,"
             " state VARCHAR(32) NOT NULL,"
             " received_at BIGINT NOT NULL,"
             " updated_at BIGINT NOT NULL,"
             " original_xml LONGBLOB NOT NULL,"
             " sha256 CHAR(64) NOT NULL,"
             " proposed_name VARCHAR(512) NOT NULL,"
             " applicant_reference VARCHAR(255) NOT NULL,"
             " notification_url VARCHAR(2048) NOT NULL,"
             " INDEX packages_company_id (company_id, id)"
             ")" HUB_TABLE_OPTIONS,
             "CREATE TABLE IF NOT EXISTS permits ("
             " package_id VARCHAR(64) NOT NULL,"
             " permit VARCHAR(16) NOT NULL,"
             " department VARCHAR(32) NOT NULL,"
             " state VARCHAR(32) NOT NULL,"
             " requested_by_applicant TINYINT(1) NOT NULL,"
             " receipt_number VARCHAR(128) NULL,"
             " updated_at BIGINT NOT NULL,"
             " PRIMARY KEY (package_id, permit),"
             " CONSTRAINT permits_package FOREIGN KEY (package_id) REFERENCES packages (id)"
             ")" HUB_TABLE_OPTIONS,
             "CREATE TABLE IF NOT EXISTS outbox ("
             " message_id VARCHAR(64) NOT NULL PRIMARY KEY,"
             " package_id VARCHAR(64) NOT NULL,"
             " permit VARCHAR(16) NOT NULL,"
             " department VARCHAR(32) NOT NULL,"
             " kind VARCHAR(32) NOT NULL,"
             " state VARCHAR(32) NOT NULL DEFAULT 'PENDING',"
             " attempts INT NOT NULL DEFAULT 0,"
             " due_at BIGINT NOT NULL,"
             " lease_owner VARCHAR(128) NULL,"
             " lease_until BIGINT NULL,"
             " created_at BIGINT NOT NULL,"
             " INDEX outbox_state_due (state, due_at),"
             " CONSTRAINT outbox_package FOREIGN KEY (package_id) REFERENCES packages (id)"
             ")" HUB_TABLE_OPTIONS,
             "CREATE TABLE IF NOT EXISTS events ("
             " sequence BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
             " package_id VARCHAR(64) NOT NULL,"
             " permit VARCHAR(16) NOT NULL,"
             " type VARCHAR(64) NOT NULL,"
             " from_state VARCHAR(32) NOT NULL,"
             " to_state VARCHAR(32) NOT NULL,"
             " detail VARCHAR(1024) NOT NULL,"
             " at BIGINT NOT NULL,"
             " INDEX events_package (package_id, sequence),"
             " CONSTRAINT events_package_fk FOREIGN KEY (package_id) REFERENCES packages (id)"
             ")" HUB_TABLE_OPTIONS,
         }},
        {2,
         "idempotency keys and api tokens",
         {
             "CREATE TABLE IF NOT EXISTS idempotency_keys ("
             " company_id VARCHAR(64) NOT NULL,"
             " idem_key VARCHAR(255) NOT NULL,"
             " request_sha256 CHAR(64) NOT NULL,"
             " state ENUM('IN_PROGRESS', 'DONE') NOT NULL,"
             " status INT NULL,"
             " content_type VARCHAR(255) NULL,"
             " location VARCHAR(2048) NULL,"
             " response_body LONGBLOB NULL,"
             " created_at BIGINT NOT NULL,"
             " updated_at BIGINT NOT NULL,"
             " PRIMARY KEY (company_id, idem_key)"
             ")" HUB_TABLE_OPTIONS,
             "CREATE TABLE IF NOT EXISTS api_tokens ("
             " token_id VARCHAR(64) NOT NULL PRIMARY KEY,"
             " token_sha256 CHAR(64) NOT NULL,"
             " role VARCHAR(32) NOT NULL,"
             " subject VARCHAR(64) NOT NULL,"
             " label VARCHAR(255) NOT NULL,"
             " created_at BIGINT NOT NULL,"
             " revoked_at BIGINT NULL,"
             " UNIQUE KEY api_tokens_sha256 (token_sha256)"
             ")" HUB_TABLE_OPTIONS,
         }},
        {3,
         "dispatch attempts and incidents",
         {
             "CREATE TABLE IF NOT EXISTS dispatch_attempts ("
             " message_id VARCHAR(64) NOT NULL,"
             " attempt INT NOT NULL,"
             " started_at BIGINT NOT NULL,"
             " latency_ms INT NOT NULL,"
             " outcome VARCHAR(32) NOT NULL,"
             " http_status INT NOT NULL,"
             " error TEXT NOT NULL,"
             " PRIMARY KEY (message_id, attempt),"
             " CONSTRAINT dispatch_attempts_outbox FOREIGN KEY (message_id) REFERENCES outbox (message_id)"
             ")" HUB_TABLE_OPTIONS,
             "CREATE TABLE IF NOT EXISTS incidents ("
             " id VARCHAR(64) NOT NULL PRIMARY KEY,"
             " message_id VARCHAR(64) NOT NULL,"
             " package_id VARCHAR(64) NOT NULL,"
             " permit VARCHAR(16) NOT NULL,"
             " department VARCHAR(32) NOT NULL,"
             " kind VARCHAR(32) NOT NULL,"
             " reason TEXT NOT NULL,"
             " state ENUM('OPEN', 'RETRIED', 'CANCELLED') NOT NULL,"
             " note TEXT NOT NULL,"
             " created_at BIGINT NOT NULL,"
             " closed_at BIGINT NULL,"
             " INDEX incidents_state_created (state, created_at),"
             " INDEX incidents_message (message_id),"
             " CONSTRAINT incidents_outbox FOREIGN KEY (message_id) REFERENCES outbox (message_id),"
             " CONSTRAINT incidents_package FOREIGN KEY (package_id) REFERENCES packages (id)"
             ")" HUB_TABLE_OPTIONS,
         }},
        {4,
         "certificates and their outputs",
         {
             "CREATE TABLE IF NOT EXISTS certificates ("
             " package_id VARCHAR(64) NOT NULL,"
             " permit VARCHAR(16) NOT NULL,"
             " department VARCHAR(32) NOT NULL,"
             " number VARCHAR(128) NOT NULL,"
             " issued_on VARCHAR(10) NOT NULL,"
             " valid_until VARCHAR(10) NOT NULL,"
             " document_sha256 CHAR(64) NOT NULL,"
             " recorded_at BIGINT NOT NULL,"
             " PRIMARY KEY (package_id, permit),"
             " CONSTRAINT certificates_package FOREIGN KEY (package_id) REFERENCES packages (id)"
             ")" HUB_TABLE_OPTIONS,
             "CREATE TABLE IF NOT EXISTS certificate_outputs ("
             " package_id VARCHAR(64) NOT NULL,"
             " permit VARCHAR(16) NOT NULL,"
             " position INT NOT NULL,"
             " name VARCHAR(255) NOT NULL,"
             " value TEXT NOT NULL,"
             " PRIMARY KEY (package_id, permit, position),"
             " CONSTRAINT certificate_outputs_certificate FOREIGN KEY (package_id, permit)"
             " REFERENCES certificates (package_id, permit)"
             ")" HUB_TABLE_OPTIONS,
         }},
        {5,
         "permit tracking: dispatch payloads, clock facts, readiness, inbound messages",
         {
             // Each ALTER is one atomic statement; its guard sees its first column.
             {"ALTER TABLE outbox ADD COLUMN payload LONGBLOB NULL",
              HUB_COLUMN_EXISTS("outbox", "payload")},
             {"ALTER TABLE permits"
              " ADD COLUMN submitted_at BIGINT NOT NULL DEFAULT 0,"
              " ADD COLUMN accepted_at BIGINT NOT NULL DEFAULT 0,"
              " ADD COLUMN deemed_accepted TINYINT(1) NOT NULL DEFAULT 0,"
              " ADD COLUMN suspended_at BIGINT NOT NULL DEFAULT 0,"
              " ADD COLUMN paused_working_days INT NOT NULL DEFAULT 0,"
              " ADD COLUMN extension_working_days INT NOT NULL DEFAULT 0,"
              " ADD COLUMN decided_at BIGINT NOT NULL DEFAULT 0,"
              " ADD COLUMN overdue_since BIGINT NOT NULL DEFAULT 0,"
              " ADD INDEX permits_receipt (department, receipt_number),"
              " ADD INDEX permits_state_updated (state, updated_at)",
              HUB_COLUMN_EXISTS("permits", "submitted_at")},
             {"ALTER TABLE packages ADD COLUMN ready_at BIGINT NOT NULL DEFAULT 0",
              HUB_COLUMN_EXISTS("packages", "ready_at")},
             // A package that became ready before this version: the time of
             // its PACKAGE_STATE event into READY_TO_OPERATE.
             "UPDATE packages SET ready_at = COALESCE("
             " (SELECT MAX(e.at) FROM events e WHERE e.package_id = packages.id"
             " AND e.type = 'PACKAGE_STATE' AND e.to_state = 'READY_TO_OPERATE'), 0)"
             " WHERE state = 'READY_TO_OPERATE'",
             "CREATE TABLE IF NOT EXISTS inbound_messages ("
             " department VARCHAR(32) NOT NULL,"
             " message_id VARCHAR(255) NOT NULL,"
             " package_id VARCHAR(64) NOT NULL,"
             " permit VARCHAR(16) NOT NULL,"
             " sha256 VARCHAR(64) NOT NULL,"
             " result VARCHAR(32) NOT NULL,"
             " to_state VARCHAR(32) NOT NULL,"
             " detail TEXT NOT NULL,"
             " received_at BIGINT NOT NULL,"
             " PRIMARY KEY (department, message_id)"
             ")" HUB_TABLE_OPTIONS,
             // Refused messages are recorded as they came: no length limits
             // that could turn a refusal into a store failure.
             "CREATE TABLE IF NOT EXISTS refused_inbound ("
             " sequence BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"
             " department TEXT NOT NULL,"
             " message_id TEXT NOT NULL,"
             " package_id TEXT NOT NULL,"
             " permit TEXT NOT NULL,"
             " code TEXT NOT NULL,"
             " detail TEXT NOT NULL,"
             " sha256 TEXT NOT NULL,"
             " at BIGINT NOT NULL"
             ")" HUB_TABLE_OPTIONS,
         }},
        {6,
         "department pauses shared by every process",
         {
             "CREATE TABLE IF NOT EXISTS department_pauses ("
             " department VARCHAR(32) NOT NULL PRIMARY KEY,"
             " paused_at BIGINT NOT NULL,"
             " note TEXT NOT NULL"
             ")" HUB_TABLE_OPTIONS,
         }},
        {7,
         "resolved incidents; indexes for the operators' views",
         {
             "ALTER TABLE incidents MODIFY state ENUM('OPEN', 'RETRIED', 'CANCELLED', 'RESOLVED') NOT NULL",
             {"ALTER TABLE packages ADD INDEX packages_state (state, id)",
              HUB_INDEX_EXISTS("packages", "packages_state")},
             {"ALTER TABLE outbox ADD INDEX outbox_department_state (department, state)",
              HUB_INDEX_EXISTS("outbox", "outbox_department_state")},
             {"ALTER TABLE dispatch_attempts ADD INDEX dispatch_attempts_started (started_at)",
              HUB_INDEX_EXISTS("dispatch_attempts", "dispatch_attempts_started")},
         }},
        {8,
         "the hash-chained audit trail",
         {
             "CREATE TABLE IF NOT EXISTS audit_log ("
             " chain VARCHAR(64) NOT NULL,"
             " seq BIGINT NOT NULL,"
             " at BIGINT NOT NULL,"
             " kind VARCHAR(64) NOT NULL,"
             " actor TEXT NOT NULL,"
             " subject TEXT NOT NULL,"
             " detail TEXT NOT NULL,"
             " prev_hash CHAR(64) NOT NULL,"
             " hash CHAR(64) NOT NULL,"
             " PRIMARY KEY (chain, seq)"
             ")" HUB_TABLE_OPTIONS,
             "CREATE TABLE IF NOT EXISTS audit_heads ("
             " chain VARCHAR(64) NOT NULL PRIMARY KEY,"
             " seq BIGINT NOT NULL,"
             " hash CHAR(64) NOT NULL"
             ")" HUB_TABLE_OPTIONS,
             // Bookkeeping of the anchoring (which head was last anchored);
             // the verification trusts the GLOBAL chain, not this table.
             "CREATE TABLE IF NOT EXISTS audit_anchored ("
             " chain VARCHAR(64) NOT NULL PRIMARY KEY,"
             " seq BIGINT NOT NULL"
             ")" HUB_TABLE_OPTIONS,
             "INSERT IGNORE INTO audit_heads (chain, seq, hash) VALUES ('GLOBAL', 0, '" HUB_AUDIT_GENESIS "'), "
             "('HUB', 0, '" HUB_AUDIT_GENESIS "')",
             "INSERT IGNORE INTO audit_heads (chain, seq, hash) SELECT id, 0, '" HUB_AUDIT_GENESIS "' FROM packages",
         }},
        {9,
         "a package version that every planned write checks and moves on",
         {
             {"ALTER TABLE packages ADD COLUMN version BIGINT NOT NULL DEFAULT 0",
              HUB_COLUMN_EXISTS("packages", "version")},
         }},
    };
    return all;
}

#undef HUB_INDEX_EXISTS
#undef HUB_COLUMN_EXISTS
#undef HUB_TABLE_OPTIONS
#undef HUB_AUDIT_GENESIS

}  // namespace hub::store::mysql
