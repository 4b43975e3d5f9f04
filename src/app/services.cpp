#include "app/services.h"

#include <Poco/Path.h>

#include <Poco/File.h>
#include <Poco/Logger.h>

#include <set>

#include "domain/letter.h"
#include "loading/policy_files.h"
#include "storage/postgres/postgres_database.h"
#include "storage/store_url.h"

namespace vc::app {
namespace {

delivery::SmtpSettings smtpSettings(const Settings& s) {
  delivery::SmtpSettings m;
  m.host = s.smtp_host;
  m.port = s.smtp_port;
  m.sender = s.smtp_sender;
  m.starttls = s.smtp_starttls;
  m.require_tls = s.smtp_require_tls;
  m.ca_file = s.smtp_ca_file;
  m.user = s.smtp_user;
  m.password = s.smtp_password;
  m.auth = s.smtp_auth;
  m.timeout_seconds = s.smtp_timeout_seconds;
  return m;
}

storage::Database& migrated(storage::Database& db) {
  db.migrate();
  return db;
}

// The key of the digests kept of failed sign-in names (never the names): derived from the audit key,
// so that it too lives outside the store, and a copy of the store alone cannot test a guessed name.
std::string signInNameKey(const storage::Database& db) {
  const auto& keys = db.options().audit_keys;
  return keys ? keys->mac("victim-comms sign-in name digests v1") : std::string();
}

}  // namespace

const std::vector<std::string> kLetterLanguages = {"en", "cy"};

storage::StoreUrl storeUrl(const Settings& s) {
  if (!s.db_postgres_url.empty()) return storage::parseStoreUrl(s.db_postgres_url);
  storage::StoreUrl url;
  url.sqlite_path = s.db_path;
  return url;
}

std::string storePassword(const Settings& s) {
  return s.db_postgres_url.empty() || s.db_password_file.empty() ? "" : storage::readPasswordFile(s.db_password_file);
}

storage::StoreOptions storeOptions(const Settings& s, int max_sessions) {
  storage::StoreOptions o;
  o.max_sessions = max_sessions;
  o.busy_timeout_ms = s.db_busy_timeout_ms;
  // The keys and the chain's checkpoint file, the same for either store (once the store's own checks pass).
  auto withKeys = [&s](storage::StoreOptions& with) {
    with.audit_keys = std::make_shared<const Keyring>(Keyring::open(s.audit_key_file, "audit.key_file", true));
    with.retention_keys =
        std::make_shared<const Keyring>(Keyring::open(s.retention_key_file, "retention.key_file", true));
    with.audit_checkpoint_file = s.audit_checkpoint_file;
    if (with.audit_keys->created())
      Poco::Logger::get("vc.app").warning("made a new audit key in " + s.audit_key_file +
                                          ": back it up (see docs/compliance.md)");
    return with;
  };
  if (!s.db_postgres_url.empty()) {
    // PostgreSQL: no file to check; the chain's checkpoints go where audit.checkpoint_file says, which has no
    // default there (no db.path to put it beside).
    if (s.audit_checkpoint_file.empty())
      throw Error(Error::Kind::kUnavailable, "store_incomplete",
                  "a PostgreSQL store (db.url = " + s.db_postgres_url +
                      ") needs audit.checkpoint_file: a file of this daemon's, outside the database, where the audit "
                      "chain's head is noted");
    // Every daemon on the database must hold the same key file: one started before its copy arrived must not
    // make a key of its own (its entries, and the check of everyone else's, would fail).
    if (!Poco::File(s.audit_key_file).exists() &&
        storage::postgres::PostgresDatabase(storage::parseStoreUrl(s.db_postgres_url), storePassword(s))
            .hasKeyedAuditEntries())
      throw KeyFileError("audit.key_file " + s.audit_key_file + " does not exist, but the audit log of " +
                         storage::parseStoreUrl(s.db_postgres_url).display() +
                         " holds entries made with a key: copy the key file every daemon on this database uses "
                         "(mode 0600) to this path, or restore it from its backup (a new key would leave the "
                         "entries unverifiable)");
    return withKeys(o);
  }
  o.create_missing_directory = s.db_path_is_default;
  // Where the store goes is checked first: a key file there cannot help a store that cannot be written.
  storage::checkStoreLocation(s.db_path, o.create_missing_directory);
  if (!Poco::File(s.audit_key_file).exists() && storage::Database::hasKeyedAuditEntries(s.db_path))
    throw KeyFileError("audit.key_file " + s.audit_key_file + " does not exist, but the audit log of " + s.db_path +
                       " holds entries made with a key: restore the key file from its backup (a new key would "
                       "leave them unverifiable). If the key is lost for good, create the file empty (mode 0600): a "
                       "new key is then added, and the entries made with the lost one can no longer be verified");
  return withKeys(o);
}

std::unique_ptr<domain::Clock> makeClock(const Settings& s) {
  if (s.clock_now) return std::make_unique<domain::FixedClock>(*s.clock_now);
  return std::make_unique<domain::SystemClock>();
}

std::vector<std::string> letterKinds(const domain::RuleBook& rules) {
  std::set<std::string> kinds;
  for (const auto& set : rules.sets())
    for (const auto& r : set.rules)
      if (domain::obligationNeedsLetter(r.kind, r.recipient, r.template_name)) kinds.insert(r.template_name);
  return {kinds.begin(), kinds.end()};
}

rendering::TemplateSet loadLetterTemplates(const std::string& dir, const domain::RuleBook& rules,
                                           const domain::WorkingDayCalendar& calendar) {
  return rendering::TemplateSet::load(
      dir, letterKinds(rules), kLetterLanguages, letters::letterContextSchema(calendar),
      [&calendar](const std::string& kind, const std::string& lang) {
        return letters::buildLetterContext(letters::sampleInputs(kind, lang), calendar).data;
      });
}

web::StaticAssets loadWebAssets(const std::string& web_dir) {
  web::StaticAssets assets;
  const std::string govuk = web_dir + "/node_modules/govuk-frontend/dist/govuk";
  // The styles are GOV.UK Frontend's built with a system font (web/build-css.sh): this service is not on GOV.UK,
  // so the GDS Transport typeface may not be used, and its font files are not served at all. The CSS refers to
  // GOV.UK Frontend's images at /assets/images/.
  assets.addDirectory("/assets/images/", govuk + "/assets/images");
  assets.addFile("/assets/manifest.json", govuk + "/assets/manifest.json");
  assets.addFile("/assets/govuk-frontend.min.css", web_dir + "/build/govuk-frontend.min.css");
  assets.addFile("/assets/govuk-frontend.min.js", govuk + "/govuk-frontend.min.js");
  assets.addDirectory("/assets/app/", web_dir + "/static");
  if (!assets.find("/assets/govuk-frontend.min.css"))
    Poco::Logger::get("vc.app").warning("the web pages' styles are not built in " + web_dir +
                                        "/build (run: bash " + web_dir +
                                        "/build-css.sh); the web pages will work but look plain");
  return assets;
}

Services::Services(const Settings& s)
    : calendar(loading::loadCalendar(s.calendar_file)),
      rules(loading::loadRuleBook(s.rules_files)),
      engine(rules, calendar),
      clock(makeClock(s)),
      db(storeUrl(s), storePassword(s), storeOptions(s, s.http_threads + 4)),
      contacts(loading::loadVluContacts(s.contacts_file)),
      support_services(loading::loadSupportServices(s.support_services_file)),
      plain_english(loading::loadPlainEnglish(s.plain_english_file)),
      templates(loadLetterTemplates(s.templates_dir, rules, calendar)),
      notification_templates(notifications::loadNotificationTemplates(s.templates_dir + "/notifications")),
      ingestor(migrated(db), engine, *clock, ingest::IngestLimits{s.ingest_max_event_bytes}),
      spool(s.spool_dir),
      smtp(smtpSettings(s)),
      outbox(db, *clock, {{"post", &spool}, {"email", &smtp}},
             delivery::RetryPolicy{s.outbox_max_attempts, s.outbox_retry_base_seconds, s.outbox_retry_max_seconds,
                                   s.outbox_lease_seconds},
             s.smtp_sender.substr(s.smtp_sender.find('@') + 1)),
      print_room(db, *clock, s.spool_dir, s.spool_confirm_within_hours),
      bounces(db, s.bounces_dir, s.smtp_sender.substr(s.smtp_sender.find('@') + 1)),
      letters(db, ingestor, templates, engine, *clock, contacts, outbox, &support_services),
      notifications(db, ingestor, notification_templates, *clock, contacts, outbox, s.public_url),
      ledger(db, *clock, calendar),
      scheduler(db, letters, notifications, outbox, ledger, std::chrono::seconds(s.scheduler_interval_seconds)),
      drafter(db, scheduler, std::chrono::seconds(s.drafting_max_lag_seconds)),
      checkpointer(db, *clock, std::chrono::seconds(s.audit_checkpoint_interval_seconds)),
      chainer(db, kAuditChainEvery),
      web_sessions(db, *clock,
                   services::WebSessionSettings{s.web_session_idle_minutes, s.web_secure_cookie, signInNameKey(db)}),
      accounts(db),
      audit(db, *clock),
      reads(db, *clock, s.http_victim_cache_mb << 20),
      outbox_service(db, outbox, *clock),
      page_templates(rendering::PageTemplates::load(s.web_dir + "/templates")),
      web_assets(loadWebAssets(s.web_dir)),
      operations(db, *clock, calendar,
                 services::OperationsService::Probes{[this] { return scheduler.lastPassSeconds(); },
                                                     [this] { return templates.fileCount(); }, s.smtp_host,
                                                     s.smtp_port,
                                                     s.db_postgres_url.empty()
                                                         ? Poco::Path(s.db_path).parent().toString()
                                                         : std::string()}) {
  outbox.setListener("letter", &letters);
  outbox.setListener("notification", &notifications);
  letters.setPlainEnglish(&plain_english);
  letters.setOnApproved([this] { scheduler.wake(); });
  letters.setWelshAreas(s.welsh_areas);
  letters.setDiscretion({s.discreet_sender_name, s.discreet_subject, s.discreet_subject_cy});
  outbox.setOnRequeued([this] { scheduler.wake(); });
  outbox.setOnPosted([this](const std::vector<storage::OutboxRow>& posted) { print_room.handOver(posted); });
  scheduler.setPrintRoom(&print_room);
  bounces.setListener("letter", &letters);
  bounces.setListener("notification", &notifications);
  scheduler.setBounceMailbox(&bounces);
  // A batch's letters are in the queue with it (created in its transaction, being written), and their
  // words are written just after its commit, off the request path (the drafting worker).
  ingestor.setBeforeCommit([this](storage::Connection& session, const std::vector<std::string>& cases) {
    letters.addPendingLetters(session, cases);
  });
  ingestor.setAfterCommit([this](const ingest::IngestResult& r) { drafter.afterCommit(r.affected_cases); });
}

}  // namespace vc::app
