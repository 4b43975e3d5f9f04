#include "app/settings.h"

#include "common/email_address.h"
#include "common/error.h"
#include "storage/store_url.h"

#include <Poco/AutoPtr.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Util/PropertyFileConfiguration.h>

namespace vc::app {

const std::vector<SettingDoc> kSettingDocs = {
    {"http.bind", "127.0.0.1", "address the HTTP server listens on"},
    {"http.port", "8080", "TCP port (0 picks a free one; the log says which)"},
    {"http.threads", "8", "most requests handled at once"},
    {"http.header_timeout_seconds", "10", "a request's whole head must arrive within this; else 408 and the connection is closed"},
    {"http.keepalive_idle_seconds", "5", "an idle kept-alive connection is closed after this (0: no keep-alive)"},
    {"http.body_timeout_seconds", "30", "a request's whole body must arrive within this of its head; else 408"},
    {"http.max_connections", "512", "open connections, all clients together; beyond it 503 at once"},
    {"http.max_connections_per_client", "64", "open connections from one client address (behind a proxy: the proxy's); beyond it 503"},
    {"http.max_body_bytes", "16777216", "largest request body; larger is 413"},
    {"http.max_events_per_request", "10000", "most events in one POST; more is 413"},
    {"http.victim_cache_mb", "64", "MiB of victim answers (GET /api/v1/victims/{id}) kept in memory and given again while nothing they show has changed; each read is still audited first; 0: none kept"},
    {"ingest.max_event_bytes", "65536", "largest single event (as compact JSON, unknown fields included), posted or imported; larger is 413 naming the event's index"},
    {"db.path", "../var/victim-comms.db", "SQLite file (created and migrated on first start); its directory must exist and be writable (the default's, var/, is made if missing)"},
    {"db.url", "`sqlite:` + `db.path`", "which store: `sqlite:PATH` (a SQLite file, what db.path says) or `postgresql://USER@HOST:PORT/DBNAME` (one PostgreSQL database; every command works on it, and set audit.checkpoint_file there). Never a password: see db.password_file. Set db.url or db.path, not both to different stores"},
    {"db.password_file", "(unset: libpq's PGPASSWORD, PGPASSFILE or ~/.pgpass)", "for a postgresql:// db.url: a file only its owner may read (mode 0600) whose first line is the password"},
    {"db.busy_timeout_ms", "2000", "how long a write waits for another writer's lock before giving up: the request is then answered 503 with Retry-After"},
    {"rules.file", "rules/victims-code-2020.json", "rule sets, comma-separated; each chosen by its effective_from"},
    {"calendar.file", "calendars/england-and-wales.json", "England and Wales bank holidays"},
    {"templates.dir", "../letter_templates", "letter templates, checked at start (`victim-comms check-templates`)"},
    {"letters.contacts_file", "letters/vlu-contacts.json", "each CPS Area's Victim Liaison Unit: name, address, phone, email"},
    {"letters.support_services_file", "letters/support-services.json", "the national support services letters list, each chosen by the case's offences and the victim's age"},
    {"letters.welsh_areas", "CPS Cymru-Wales", "CPS Areas, comma-separated, whose letters are bilingual (Welsh first) when the victim has not stated a language"},
    {"letters.plain_english_file", "letters/plain-english.json", "terms inspectors flag in officers' words, with a plain alternative each, and the longest sentence; checked at approval"},
    {"letters.discreet_sender_name", "Letters Team", "the email sender's display name for a victim who asked for discretion (contact_safety.discreet): must not name the CPS or the offence"},
    {"letters.discreet_subject", "A letter for you", "the email subject for a victim who asked for discretion"},
    {"letters.discreet_subject_cy", "Llythyr i chi / A letter for you", "the same, for a Welsh (bilingual) letter"},
    {"demo.file", "demo/events.jsonl", "synthetic events loaded by `victim-comms demo`"},
    {"scheduler.interval_seconds", "60", "how often the scheduler drafts, re-renders, withdraws and sends"},
    {"drafting.max_lag_seconds", "5", "when the letters of a batch committed this many seconds ago still wait for their words, the next batch answers only once the drafting worker has taken them: a feed faster than drafting is slowed instead of the words falling behind; 0: a batch waits whenever an earlier one is still queued"},
    {"spool.dir", "../var/spool", "where approved postal letters are written (HTML with print CSS, and text) for printing"},
    {"bounces.dir", "", "a directory the relay delivers mail for smtp.sender into, one file per message (a Maildir's new/): delivery reports there mark letters and notifications bounced or delivered; empty: none is watched"},
    {"spool.confirm_within_hours", "24", "hours the print room has to confirm a print batch (batch-<n>.confirmed or the API) before it is reported overdue"},
    {"smtp.host", "localhost", "SMTP server for emailed letters"},
    {"smtp.port", "25", "SMTP port"},
    {"smtp.sender", "victim-liaison@localhost.localdomain", "From address, a plain address (name@a.dotted.domain); its domain also names each Message-ID"},
    {"smtp.starttls", "false", "true: require STARTTLS, checking the server's certificate"},
    {"smtp.require_tls", "true", "true: every email (letters and ISVA notifications) goes only over STARTTLS; a server that does not offer it fails the message for good, nothing sent in clear text"},
    {"smtp.ca_file", "(unset: the system's certificates)", "PEM file of certificates to trust for STARTTLS"},
    {"smtp.user", "(unset: no AUTH)", "SMTP AUTH user"},
    {"smtp.password", "(unset)", "SMTP AUTH password"},
    {"smtp.auth", "plain", "SMTP AUTH method: plain or login"},
    {"smtp.timeout_seconds", "30", "SMTP connect and reply timeout"},
    {"outbox.max_attempts", "10", "attempts before a message is dead (shown for a person to handle)"},
    {"outbox.retry_base_seconds", "60", "wait after the first failed attempt; doubled after each"},
    {"outbox.retry_max_seconds", "3600", "the longest wait between attempts"},
    {"outbox.lease_seconds", "300", "how long a daemon has to send a message it took before another daemon may take it back and send it again, with the same Message-ID (several daemons on one PostgreSQL; a daemon that died mid-send). At least twice smtp.timeout_seconds"},
    {"web.public_url", "http://localhost:8080", "the address people reach the daemon at; links in ISVA notifications start with it"},
    {"web.dir", "../web", "the web pages' templates (`templates/`), their own static files (`static/`) and GOV.UK Frontend (`node_modules/govuk-frontend`, from `npm ci`), checked at start"},
    {"web.session_idle_minutes", "30", "a web session ends after this many minutes without a request (1 to 720)"},
    {"web.secure_cookie", "false", "`true` when people reach the daemon over TLS (behind a proxy): the session cookie is marked Secure"},
    {"auth.pbkdf2_iterations", "600000", "PBKDF2-HMAC-SHA256 iterations for new passwords (at least 100000)"},
    {"retention.closed_case_days", "0 (off)", "days after a case ends before `victim-comms purge` may remove its personal data; 0: never"},
    {"retention.key_file", "../var/retention.key", "the secret key purge markers are made with (HMAC-SHA256), created with mode 0600 on first start; destroying it leaves no way to tell what a marker stood for"},
    {"audit.key_file", "../var/audit.key", "the secret key the audit chain is made with (HMAC-SHA256), created with mode 0600 on first start; start-up refuses one its group or others may read (exit 78)"},
    {"audit.checkpoint_file", "`db.path` + `.audit-checkpoint`", "append-only file where the audit chain's head is noted (at start, every interval, at shutdown); keep it where those who can write the database cannot. No default on a PostgreSQL store (`db.url`): set it there"},
    {"audit.checkpoint_interval_seconds", "300", "how often the daemon notes the audit chain's head in the checkpoint file (when it has moved)"},
    {"backup.dir", "", "a directory for scheduled online backups of the SQLite store (`victim-comms-<UTC time>.db`, each with its manifest); empty: none are taken. Not for PostgreSQL, which has its own tools"},
    {"backup.interval_hours", "24", "hours between scheduled backups (1 to 720), counted from the newest copy in backup.dir, so a restart neither skips one nor adds one"},
    {"backup.keep", "7", "how many scheduled backups to keep in backup.dir; older ones (and their manifests) are removed once a new one is written"},
    {"clock.now", "(unset: the system clock)", "an RFC 3339 time that fixes now, for tests and demos"},
    {"logging.*", "console, information", "Poco LoggingConfigurator keys (channels, formatters, loggers)"},
};

namespace {

struct Source {
  std::string value;
  std::string dir;   // directory of the file that set it ("" for a command-line override)
  std::string file;  // for error messages
};

class Reader {
 public:
  Reader(const std::vector<std::string>& files, const std::map<std::string, std::string>& overrides) {
    for (const auto& f : files) {
      Poco::Path path(f);
      path.makeAbsolute();
      if (!Poco::File(path).exists()) throw SettingsError("config: " + path.toString() + ": no such file");
      Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> props;
      try {
        props = new Poco::Util::PropertyFileConfiguration(path.toString());
      } catch (const Poco::Exception& e) {
        throw SettingsError("config: " + path.toString() + ": " + e.displayText());
      }
      files_.push_back(path.toString());
      collect(*props, "", path.parent().toString(), path.toString());
    }
    for (const auto& [k, v] : overrides) values_[k] = {v, Poco::Path::current(), "the command line"};
  }

  const std::map<std::string, Source>& values() const { return values_; }
  const std::vector<std::string>& files() const { return files_; }

  const Source* find(const std::string& key) const {
    auto it = values_.find(key);
    return it == values_.end() ? nullptr : &it->second;
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    const Source* s = find(key);
    throw SettingsError("config: " + key + (s ? " = '" + s->value + "' (set in " + s->file + ")" : "") + ": " + what);
  }

  std::string string(const std::string& key, const std::string& fallback) const {
    const Source* s = find(key);
    return s ? s->value : fallback;
  }

  long integer(const std::string& key, long fallback, long min, long max) const {
    const Source* s = find(key);
    if (!s) return fallback;
    try {
      size_t used = 0;
      long v = std::stol(s->value, &used);
      if (used != s->value.size()) throw std::invalid_argument("trailing");
      if (v < min || v > max) fail(key, "must be from " + std::to_string(min) + " to " + std::to_string(max));
      return v;
    } catch (const std::logic_error&) {
      fail(key, "not a whole number");
    }
  }

  bool boolean(const std::string& key, bool fallback) const {
    const Source* s = find(key);
    if (!s) return fallback;
    if (s->value == "true") return true;
    if (s->value == "false") return false;
    fail(key, "must be true or false");
  }

  // A path: relative ones are resolved against the directory of the file that set them.
  std::string path(const std::string& key, const std::string& fallback, const std::string& fallback_dir) const {
    const Source* s = find(key);
    std::string value = s ? s->value : fallback;
    if (value.empty()) fail(key, "must not be empty");
    return resolve(value, s ? s->dir : fallback_dir);
  }

  static std::string resolve(const std::string& value, const std::string& dir) {
    Poco::Path p(value);
    if (p.isAbsolute()) return p.toString();
    Poco::Path base(dir.empty() ? Poco::Path::current() : dir);
    base.makeDirectory();
    return Poco::Path(base, p).absolute().toString();
  }

 private:
  void collect(const Poco::Util::AbstractConfiguration& c, const std::string& prefix, const std::string& dir,
               const std::string& file) {
    Poco::Util::AbstractConfiguration::Keys keys;
    c.keys(prefix, keys);
    for (const auto& k : keys) {
      const std::string full = prefix.empty() ? k : prefix + "." + k;
      if (c.hasProperty(full)) {
        std::string raw = c.getRawString(full);
        values_[full] = {raw, dir, file};
      }
      collect(c, full, dir, file);
    }
  }

  std::map<std::string, Source> values_;
  std::vector<std::string> files_;
};

void requireFile(const Reader& r, const std::string& key, const std::string& path, bool directory) {
  Poco::File f(path);
  if (!f.exists()) r.fail(key, path + " does not exist");
  if (directory && !f.isDirectory()) r.fail(key, path + " is not a directory");
  if (!directory && !f.isFile()) r.fail(key, path + " is not a file");
}

// A comma-separated list, each item trimmed of spaces and tabs; empty items kept (as "") for the caller to judge.
std::vector<std::string> commaList(const std::string& list) {
  std::vector<std::string> items;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string item = list.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    items.push_back(item);
    start = comma + 1;
  }
  return items;
}

}  // namespace

Settings loadSettings(const std::vector<std::string>& config_files, const std::map<std::string, std::string>& overrides) {
  Reader r(config_files, overrides);
  const std::string first_dir = r.files().empty() ? Poco::Path::current() : Poco::Path(r.files().front()).parent().toString();

  // Every key must be one this build reads: a typo should stop start-up, not be ignored.
  for (const auto& [key, src] : r.values()) {
    bool known = key.rfind("logging.", 0) == 0;
    for (const auto& doc : kSettingDocs) known = known || key == doc.key;
    if (!known) r.fail(key, "unknown key (see the configuration table in README.md)");
  }

  Settings s;
  s.config_files = r.files();
  s.http_bind = r.string("http.bind", s.http_bind);
  if (s.http_bind.empty()) r.fail("http.bind", "must not be empty");
  s.http_port = static_cast<uint16_t>(r.integer("http.port", s.http_port, 0, 65535));
  s.http_threads = static_cast<int>(r.integer("http.threads", s.http_threads, 1, 256));
  s.http_header_timeout_seconds =
      static_cast<int>(r.integer("http.header_timeout_seconds", s.http_header_timeout_seconds, 1, 300));
  s.http_keepalive_idle_seconds =
      static_cast<int>(r.integer("http.keepalive_idle_seconds", s.http_keepalive_idle_seconds, 0, 300));
  s.http_body_timeout_seconds =
      static_cast<int>(r.integer("http.body_timeout_seconds", s.http_body_timeout_seconds, 1, 3600));
  s.http_max_connections = static_cast<int>(r.integer("http.max_connections", s.http_max_connections, 1, 65536));
  s.http_max_connections_per_client = static_cast<int>(
      r.integer("http.max_connections_per_client", s.http_max_connections_per_client, 1, 65536));
  if (s.http_max_connections_per_client > s.http_max_connections)
    r.fail("http.max_connections_per_client", "must not be more than http.max_connections (" +
                                                  std::to_string(s.http_max_connections) + ")");
  s.http_max_body_bytes = static_cast<size_t>(r.integer("http.max_body_bytes", static_cast<long>(s.http_max_body_bytes), 1024, 1L << 30));
  s.http_max_events_per_request = static_cast<size_t>(
      r.integer("http.max_events_per_request", static_cast<long>(s.http_max_events_per_request), 1, 100000));
  s.http_victim_cache_mb = static_cast<size_t>(r.integer("http.victim_cache_mb", static_cast<long>(s.http_victim_cache_mb), 0, 65536));
  s.ingest_max_event_bytes = static_cast<size_t>(
      r.integer("ingest.max_event_bytes", static_cast<long>(s.ingest_max_event_bytes), 1024, 16L << 20));
  s.db_path = r.path("db.path", "../var/victim-comms.db", first_dir);
  s.db_path_is_default = s.db_path == Reader::resolve("../var/victim-comms.db", first_dir);
  s.db_busy_timeout_ms = static_cast<int>(r.integer("db.busy_timeout_ms", s.db_busy_timeout_ms, 50, 60000));
  // db.url (read by storage, the one place a store's address is parsed) or db.path: one store. A db.path left
  // at its default does not count as naming one, so a file that only shows the defaults can sit under another
  // that sets db.url. The value of db.url is never repeated in a message: it might hold a password.
  if (const Source* url_src = r.find("db.url")) {
    const std::string where = "config: db.url (set in " + url_src->file + "): ";
    storage::StoreUrl url;
    try {
      url = storage::parseStoreUrl(url_src->value);
    } catch (const Error& e) {
      throw SettingsError(where + e.what());
    }
    const Source* path_src = r.find("db.path");
    const bool path_named = path_src && !s.db_path_is_default;
    if (url.postgres()) {
      if (path_named)
        throw SettingsError(where + "names the PostgreSQL store " + url.display() + ", but db.path = '" + s.db_path +
                            "' (set in " + path_src->file + ") names a SQLite file: remove one of them");
      s.db_postgres_url = url.display();
    } else {
      const std::string path = Reader::resolve(url.sqlite_path, url_src->dir.empty() ? first_dir : url_src->dir);
      if (path_named && path != s.db_path)
        throw SettingsError(where + "names the SQLite file " + path + ", but db.path = '" + s.db_path + "' (set in " +
                            path_src->file + ") another: remove one of them");
      s.db_path = path;
      s.db_path_is_default = s.db_path == Reader::resolve("../var/victim-comms.db", first_dir);
    }
  }
  if (r.find("db.password_file")) {
    s.db_password_file = r.path("db.password_file", "", first_dir);
    if (s.db_postgres_url.empty())
      r.fail("db.password_file", "is for a PostgreSQL store, but db.url names none (a SQLite store has no password)");
  }
  {
    const Source* src = r.find("rules.file");
    for (const auto& item : commaList(src ? src->value : "rules/victims-code-2020.json")) {
      if (item.empty()) r.fail("rules.file", "an empty entry in the list");
      s.rules_files.push_back(Reader::resolve(item, src ? src->dir : first_dir));
    }
    for (const auto& f : s.rules_files) requireFile(r, "rules.file", f, false);
  }
  s.calendar_file = r.path("calendar.file", "calendars/england-and-wales.json", first_dir);
  requireFile(r, "calendar.file", s.calendar_file, false);
  s.templates_dir = r.path("templates.dir", "../letter_templates", first_dir);
  requireFile(r, "templates.dir", s.templates_dir, true);
  s.demo_file = r.path("demo.file", "demo/events.jsonl", first_dir);
  s.scheduler_interval_seconds = static_cast<int>(r.integer("scheduler.interval_seconds", 60, 1, 86400));
  s.drafting_max_lag_seconds = static_cast<int>(r.integer("drafting.max_lag_seconds", 5, 0, 3600));
  s.retention_closed_case_days = static_cast<int>(r.integer("retention.closed_case_days", 0, 0, 36500));
  s.retention_key_file = r.path("retention.key_file", "../var/retention.key", first_dir);
  s.audit_key_file = r.path("audit.key_file", "../var/audit.key", first_dir);
  if (Poco::Path(s.audit_key_file).absolute().toString() == Poco::Path(s.retention_key_file).absolute().toString())
    r.fail("retention.key_file", "must not be the audit key file (destroying the retention key must leave the audit "
                                 "chain verifiable)");
  // None by default on a PostgreSQL store (no db.path to put it beside): storeOptions asks for it.
  s.audit_checkpoint_file = r.find("audit.checkpoint_file") ? r.path("audit.checkpoint_file", "", first_dir)
                            : s.db_postgres_url.empty()      ? s.db_path + ".audit-checkpoint"
                                                             : "";
  s.audit_checkpoint_interval_seconds =
      static_cast<int>(r.integer("audit.checkpoint_interval_seconds", 300, 1, 86400));
  s.auth_pbkdf2_iterations = static_cast<int>(r.integer("auth.pbkdf2_iterations", 600000, 100000, 100000000));
  s.contacts_file = r.path("letters.contacts_file", "letters/vlu-contacts.json", first_dir);
  requireFile(r, "letters.contacts_file", s.contacts_file, false);
  s.support_services_file = r.path("letters.support_services_file", "letters/support-services.json", first_dir);
  requireFile(r, "letters.support_services_file", s.support_services_file, false);
  s.welsh_areas.clear();
  for (const auto& area : commaList(r.string("letters.welsh_areas", "CPS Cymru-Wales")))
    if (!area.empty()) s.welsh_areas.insert(area);
  s.plain_english_file = r.path("letters.plain_english_file", "letters/plain-english.json", first_dir);
  requireFile(r, "letters.plain_english_file", s.plain_english_file, false);
  // Shown outside the letter (a From display name, a subject): one short line, no quotes.
  for (auto [key, value] : std::vector<std::pair<const char*, std::string*>>{
           {"letters.discreet_sender_name", &s.discreet_sender_name},
           {"letters.discreet_subject", &s.discreet_subject},
           {"letters.discreet_subject_cy", &s.discreet_subject_cy}}) {
    *value = r.string(key, *value);
    if (value->empty() || value->size() > 120) r.fail(key, "must be 1 to 120 characters");
    for (unsigned char c : *value)
      if (c < 0x20 || c == 0x7f || c == '"' || c == '<' || c == '>')
        r.fail(key, "must be one line without quotes or angle brackets");
    if (value->find("Crown Prosecution") != std::string::npos || value->find("CPS") != std::string::npos)
      r.fail(key, "must not name the Crown Prosecution Service: it is shown where others may see it");
  }
  s.spool_dir = r.path("spool.dir", "../var/spool", first_dir);
  s.spool_confirm_within_hours =
      static_cast<int>(r.integer("spool.confirm_within_hours", s.spool_confirm_within_hours, 1, 24 * 31));
  // Optional: empty means no bounce mailbox is watched.
  if (!r.string("bounces.dir", "").empty()) s.bounces_dir = r.path("bounces.dir", "", first_dir);
  if (!r.string("backup.dir", "").empty()) s.backup_dir = r.path("backup.dir", "", first_dir);
  s.backup_interval_hours = static_cast<int>(r.integer("backup.interval_hours", 24, 1, 720));
  s.backup_keep = static_cast<int>(r.integer("backup.keep", 7, 1, 10000));
  s.smtp_host = r.string("smtp.host", s.smtp_host);
  if (s.smtp_host.empty()) r.fail("smtp.host", "must not be empty");
  s.smtp_port = static_cast<int>(r.integer("smtp.port", s.smtp_port, 1, 65535));
  s.smtp_sender = r.string("smtp.sender", s.smtp_sender);
  if (auto problem = emailAddressProblem(s.smtp_sender))
    r.fail("smtp.sender", "must be a plain email address (name@example.org), but it " + *problem);
  s.smtp_starttls = r.boolean("smtp.starttls", s.smtp_starttls);
  s.smtp_require_tls = r.boolean("smtp.require_tls", s.smtp_require_tls);
  if (r.find("smtp.ca_file")) {
    s.smtp_ca_file = r.path("smtp.ca_file", "", first_dir);
    requireFile(r, "smtp.ca_file", s.smtp_ca_file, false);
  }
  s.smtp_user = r.string("smtp.user", "");
  s.smtp_password = r.string("smtp.password", "");
  s.smtp_auth = r.string("smtp.auth", s.smtp_auth);
  if (s.smtp_auth != "plain" && s.smtp_auth != "login") r.fail("smtp.auth", "must be plain or login");
  s.smtp_timeout_seconds = static_cast<int>(r.integer("smtp.timeout_seconds", s.smtp_timeout_seconds, 1, 600));
  s.outbox_max_attempts = static_cast<int>(r.integer("outbox.max_attempts", s.outbox_max_attempts, 1, 1000));
  s.outbox_retry_base_seconds =
      static_cast<int>(r.integer("outbox.retry_base_seconds", s.outbox_retry_base_seconds, 1, 86400));
  s.outbox_retry_max_seconds =
      static_cast<int>(r.integer("outbox.retry_max_seconds", s.outbox_retry_max_seconds, 1, 7 * 86400));
  if (s.outbox_retry_max_seconds < s.outbox_retry_base_seconds)
    r.fail("outbox.retry_max_seconds", "must not be less than outbox.retry_base_seconds");
  s.outbox_lease_seconds = static_cast<int>(r.integer("outbox.lease_seconds", s.outbox_lease_seconds, 2, 86400));
  // A send is several exchanges with the SMTP server, each allowed smtp.timeout_seconds: a lease shorter than
  // two of them would let another daemon send a message again while the first is still sending it.
  if (s.outbox_lease_seconds < 2 * s.smtp_timeout_seconds)
    r.fail("outbox.lease_seconds", "must be at least twice smtp.timeout_seconds (" +
                                       std::to_string(2 * s.smtp_timeout_seconds) + ")");
  s.public_url = r.string("web.public_url", s.public_url);
  if (s.public_url.rfind("http://", 0) != 0 && s.public_url.rfind("https://", 0) != 0)
    r.fail("web.public_url", "must start with http:// or https://");
  s.web_dir = r.path("web.dir", "../web", first_dir);
  requireFile(r, "web.dir", s.web_dir, true);
  s.web_session_idle_minutes = static_cast<int>(r.integer("web.session_idle_minutes", 30, 1, 720));
  s.web_secure_cookie = r.boolean("web.secure_cookie", false);
  const std::string now_text = r.string("clock.now", "");
  if (!now_text.empty()) {
    s.clock_now = domain::parseRfc3339(now_text);
    if (!s.clock_now) r.fail("clock.now", "not an RFC 3339 time with an offset (e.g. 2026-04-02T09:00:00+01:00)");
  }
  for (const auto& [key, src] : r.values())
    if (key.rfind("logging.", 0) == 0) s.logging[key] = src.value;
  return s;
}

}  // namespace vc::app
