#pragma once
// Settings: the configuration, read once from one or more Poco properties
// files (later files override earlier ones) plus command-line overrides,
// validated, with every path made absolute. Plain value; pass it down.

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <set>
#include <string>
#include <vector>

#include "domain/date.h"

namespace vc::app {

class SettingsError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Settings {
  std::string http_bind = "127.0.0.1";
  uint16_t http_port = 8080;
  int http_threads = 8;
  // Hostile or slow clients (http/server.h): deadlines and connection caps.
  int http_header_timeout_seconds = 10;      // a whole request head must arrive within this
  int http_keepalive_idle_seconds = 5;       // an idle keep-alive connection is closed after this; 0: no keep-alive
  int http_body_timeout_seconds = 30;        // a whole request body must arrive within this
  int http_max_connections = 512;            // open connections, all clients together
  int http_max_connections_per_client = 64;  // open connections from one client address
  size_t http_max_body_bytes = 16 * 1024 * 1024;
  size_t http_max_events_per_request = 10000;
  size_t http_victim_cache_mb = 64;  // victim answers kept (services::ReadService); 0: none
  size_t ingest_max_event_bytes = 64 * 1024;  // one event, unknown fields included; larger is 413
  std::string db_path;                      // absolute
  bool db_path_is_default = true;           // db.path is the default's: its directory (var/) is made if missing
  int db_busy_timeout_ms = 2000;            // how long a writer waits for another's lock before a 503
  // db.url when it names a PostgreSQL store (postgresql://USER@HOST:PORT/DBNAME, as storage::parseStoreUrl
  // reads it; never a password); "" for the SQLite file db_path (db.url's sqlite:PATH is put in db_path).
  std::string db_postgres_url;
  std::string db_password_file;             // absolute, or "": libpq's PGPASSWORD, PGPASSFILE or ~/.pgpass
  std::vector<std::string> rules_files;     // absolute
  std::string calendar_file;                // absolute
  std::string templates_dir;                // absolute
  std::string demo_file;                    // absolute
  std::string contacts_file;                // absolute: each Area's Victim Liaison Unit
  std::string support_services_file;        // absolute: the national support services letters list
  std::set<std::string> welsh_areas = {"CPS Cymru-Wales"};  // bilingual letters unless the victim stated a language
  std::string plain_english_file;           // absolute: terms flagged in officers' words (plain English)
  // What a discreet victim's email shows outside (letters.discreet_*).
  std::string discreet_sender_name = "Letters Team";
  std::string discreet_subject = "A letter for you";
  std::string discreet_subject_cy = "Llythyr i chi / A letter for you";
  int spool_confirm_within_hours = 24;      // a print batch not confirmed by then is overdue
  std::string spool_dir;                    // absolute: where posted letters are written for printing
  std::string bounces_dir;                  // absolute, or "": the mailbox delivery reports arrive in
  int scheduler_interval_seconds = 60;
  int drafting_max_lag_seconds = 5;  // scheduling::DraftingWorker's BOUNDED LAG
  // Email (SMTP).
  std::string smtp_host = "localhost";
  int smtp_port = 25;
  std::string smtp_sender = "victim-liaison@localhost.localdomain";
  bool smtp_starttls = false;
  bool smtp_require_tls = true;  // never send in clear text: no STARTTLS offered fails the message for good
  std::string smtp_ca_file;                 // absolute, or empty: the system's trusted certificates
  std::string smtp_user, smtp_password;
  std::string smtp_auth = "plain";
  int smtp_timeout_seconds = 30;
  // The outbox: retries with exponential backoff, then "dead" for a person to handle.
  int outbox_max_attempts = 10;
  int outbox_retry_base_seconds = 60;
  int outbox_retry_max_seconds = 3600;
  int outbox_lease_seconds = 300;
  std::string public_url = "http://localhost:8080";  // links in notifications start with it
  std::string web_dir;                 // absolute: templates/, static/, node_modules/govuk-frontend/
  int web_session_idle_minutes = 30;
  bool web_secure_cookie = false;      // served over TLS: the session cookie is Secure
  int retention_closed_case_days = 0;  // 0: purging is off
  std::string retention_key_file;      // absolute: the key purge markers are made with (destroy it to unlink them)
  // The audit chain's key and the file its head is noted in, both outside the database.
  std::string audit_key_file;          // absolute
  std::string audit_checkpoint_file;   // absolute; by default beside the database (db.path + ".audit-checkpoint")
  int audit_checkpoint_interval_seconds = 300;
  int auth_pbkdf2_iterations = 600000;  // for new passwords
  // Scheduled online backups of the SQLite store (app/backup_command.h).
  std::string backup_dir;  // absolute, or "": none taken
  int backup_interval_hours = 24;
  int backup_keep = 7;
  std::optional<domain::UnixSeconds> clock_now;  // fixed "now", for tests and demos
  std::map<std::string, std::string> logging;     // every logging.* key, for Poco's LoggingConfigurator
  std::vector<std::string> config_files;          // absolute, in the order read
};

// One row of the README's configuration table: key, default, meaning.
struct SettingDoc {
  const char* key;
  const char* default_value;
  const char* meaning;
};
extern const std::vector<SettingDoc> kSettingDocs;

// Reads the files in order, then applies `overrides` (e.g. from --db, --port;
// relative paths there are taken against the current directory). A relative
// path in a file is resolved against that file's directory. Throws
// SettingsError naming the key, its value and the file that set it.
Settings loadSettings(const std::vector<std::string>& config_files,
                      const std::map<std::string, std::string>& overrides = {});

}  // namespace vc::app
