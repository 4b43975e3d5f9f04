// victim-comms: one executable, several subcommands (see --help).
// Follows the ServerApplication lifecycle: options in defineOptions(),
// configuration read once in initialize(), work in main().

#include <algorithm>
#include <chrono>
#include <deque>
#include <mutex>
#include <thread>
#include <condition_variable>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Path.h>
#include <Poco/Logger.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/Option.h>
#include <Poco/Util/OptionSet.h>
#include <Poco/Util/ServerApplication.h>

#include "app/logging.h"
#include "app/http_front.h"
#include "app/import_progress.h"
#include "app/backup_command.h"
#include "app/rederive_command.h"
#include "app/services.h"
#include "app/settings.h"
#include "app/users.h"
#include "compliance/ledger_service.h"
#include "compliance/report_format.h"
#include "common/correlation.h"
#include "common/error.h"
#include "common/json_reader.h"
#include "common/keyring.h"
#include "domain/clock.h"
#include "domain/engine.h"
#include "domain/phone_script.h"
#include "http/api.h"
#include "http/server.h"
#include "ingest/ingestor.h"
#include "letters/letter_context.h"
#include "loading/policy_files.h"
#include "notifications/notification_context.h"
#include "rendering/template_set.h"
#include "retention/purger.h"
#include "scheduling/audit_checkpointer.h"
#include "storage/audit_log.h"
#include "storage/store.h"
#include "storage/database.h"
#include "storage/postgres/postgres_database.h"
#include "storage/store_url.h"

namespace vc::app {
namespace {

using Poco::Util::Application;
using Poco::Util::Option;
using Poco::Util::OptionCallback;
using Poco::Util::OptionSet;

class VictimCommsApp : public Poco::Util::ServerApplication {
 protected:
  void defineOptions(OptionSet& options) override {
    ServerApplication::defineOptions(options);  // --daemon, --pidfile=FILE, --umask=MASK
    options.addOption(Option("help", "h", "show this help and exit")
                          .callback(OptionCallback<VictimCommsApp>(this, &VictimCommsApp::onOption)));
    options.addOption(Option("sample", "", "for `render`: use the built-in synthetic sample context")
                          .callback(OptionCallback<VictimCommsApp>(this, &VictimCommsApp::onOption)));
    options.addOption(Option("password-stdin", "", "for `user add`: read a password for the web pages from standard "
                                                   "input (one line, at least 12 characters)")
                          .callback(OptionCallback<VictimCommsApp>(this, &VictimCommsApp::onOption)));
    options.addOption(Option("dry-run", "", "for `purge`: list the cases that would be purged, change nothing; for "
                                            "`rederive`: list what would appear, change or go, write nothing")
                          .callback(OptionCallback<VictimCommsApp>(this, &VictimCommsApp::onOption)));
    options.addOption(Option("read-only", "", "for `verify-audit`: open the store read-only and record nothing, even "
                                              "if it could be written (a copy being examined)")
                          .callback(OptionCallback<VictimCommsApp>(this, &VictimCommsApp::onOption)));
    for (auto [name, help, arg, repeatable] : std::vector<std::tuple<std::string, std::string, std::string, bool>>{
             {"config", "properties file; may be repeated, later files override earlier ones "
                        "(default: config/victim-comms.properties)", "FILE", true},
             {"db", "SQLite file (overrides db.path)", "PATH", false},
             {"port", "HTTP port (overrides http.port)", "N", false},
             {"role", "for `user add`: ingest, vlu, isva, manager or admin", "ROLE", false},
             {"isva-id", "for `user add --role isva`: the ISVA this user is", "ID", false},
             {"area", "for `user add --role vlu`: the CPS Area the officer works in", "AREA", false},
             {"letter", "for `render`: the letter kind (a template name, e.g. decision_not_to_prosecute)", "KIND", false},
             {"lang", "for `render`: en or cy", "LANG", false},
             {"variant", "for `render`: a variant of the sample (see the list under Commands)", "NAME", false},
             {"format", "for `render`: text (default), html, context (the fields, as JSON), or script (the "
                        "letter as a phone task's call script); "
                        "for `report`: json (default) or csv", "FORMAT", false},
             {"from", "for `report`: first due date counted (YYYY-MM-DD; default: three months before --to)", "DATE", false},
             {"to", "for `report`: last due date counted (YYYY-MM-DD; default: today)", "DATE", false},
             {"group-by", "for `report`: rule (default), right, area, basis or month", "BY", false},
             {"table", "for `report --format csv`: summary (default) or misses", "TABLE", false},
             {"case", "for `rederive`: only this case (its URN)", "URN", false},
             {"before", "for `purge`: purge cases that ended before this date (YYYY-MM-DD; default: today less "
                        "retention.closed_case_days)", "DATE", false},
         }) {
      Option o(name, "", help);
      o.required(false).repeatable(repeatable).argument(arg, true);
      o.callback(OptionCallback<VictimCommsApp>(this, &VictimCommsApp::onOption));
      options.addOption(o);
    }
  }

  void onOption(const std::string& name, const std::string& value) {
    if (name == "sample") {
      sample_ = true;
    } else if (name == "dry-run") {
      dry_run_ = true;
    } else if (name == "read-only") {
      read_only_ = true;
    } else if (name == "password-stdin") {
      password_stdin_ = true;
    } else if (name == "help") {
      help_ = true;
      stopOptionsProcessing();
    } else if (name == "config") {
      config_files_.push_back(value);
    } else {
      cli_[name] = value;
    }
  }

  void initialize(Application& self) override {
    ServerApplication::initialize(self);
    if (help_) return;
    std::map<std::string, std::string> overrides;
    if (cli_.count("db")) overrides["db.path"] = cli_["db"];
    if (cli_.count("port")) overrides["http.port"] = cli_["port"];
    std::vector<std::string> files = config_files_;
    if (files.empty()) files.push_back("config/victim-comms.properties");
    try {
      settings_ = loadSettings(files, overrides);
      configureLogging(settings_);
    } catch (const std::exception& e) {
      config_error_ = e.what();  // reported by main(), which alone can choose the exit code
    }
  }

  int main(const std::vector<std::string>& args) override {
    if (help_ || args.empty() || args[0] == "help") {
      printHelp();
      return help_ || (!args.empty() && args[0] == "help") ? EXIT_OK : EXIT_USAGE;
    }
    const std::string& command = args[0];
    if (!config_error_.empty()) {
      std::cerr << "victim-comms: " << config_error_ << std::endl;
      return EXIT_CONFIG;
    }
    // A command's audit entries share one correlation id (serve's requests and passes have their own).
    CorrelationScope scope(newCorrelationId("cli"));
    try {
      if (command == "serve") return serve();
      if (command == "migrate") return migrate();
      if (command == "import") {
        if (args.size() != 2) return usage("import needs one FILE (one JSON event per line)");
        return importFile(args[1]);
      }
      if (command == "demo") return importFile(settings_.demo_file);
      if (command == "check-templates") return checkTemplates();
      if (command == "render") return render();
      if (command == "report") return report();
      if (command == "verify-audit") return verifyAudit();
      if (command == "purge") return purge();
      if (command == "rederive") {
        if (args.size() != 1) return usage("rederive takes no arguments: rederive [--case URN] [--dry-run]");
        if (cli_.count("case") && cli_["case"].empty()) return usage("rederive: --case needs a case URN");
        return rederive();
      }
      if (command == "backup") {
        if (args.size() != 2) return usage("backup needs one DEST (the copy's file; its manifest goes beside it)");
        std::unique_ptr<domain::Clock> clock = makeClock(settings_);
        return runBackup(settings_, args[1], *clock, std::cout, std::cerr);
      }
      if (command == "restore") {
        if (args.size() != 2) return usage("restore needs one SRC (a copy made by backup, its manifest beside it)");
        std::unique_ptr<domain::Clock> clock = makeClock(settings_);
        return runRestore(settings_, args[1], *clock, std::cout, std::cerr);
      }
      if (command == "rotate-key") {
        if (args.size() != 2 || (args[1] != "audit" && args[1] != "retention"))
          return usage("rotate-key needs audit or retention");
        return rotateKey(args[1]);
      }
      if (command == "user") {
        if (args.size() != 3 || args[1] != "add") return usage("user add NAME --role ROLE [--isva-id ID] [--area AREA]");
        return userAdd(args[2]);
      }
      return usage("unknown command '" + command + "'");
    } catch (const http::ListenError& e) {
      // serve on an address in use (or not this host's): the configuration's to fix
      std::cerr << "victim-comms " << command << ": " << e.what() << std::endl;
      return EXIT_CONFIG;
    } catch (const Error& e) {
      std::cerr << "victim-comms " << command << ": " << e.what() << std::endl;
      if (e.code() == "store_location") return EXIT_CONFIG;  // where db.path points cannot hold the store
      // the PostgreSQL store cannot be reached or signed in to, or has no audit.checkpoint_file
      if (e.code() == "store_connect" || e.code() == "db_password" || e.code() == "db_url" ||
          e.code() == "store_incomplete")
        return EXIT_CONFIG;
      return e.kind() == Error::Kind::kInternal ? EXIT_SOFTWARE : EXIT_DATAERR;
    } catch (const Poco::Exception& e) {
      std::cerr << "victim-comms " << command << ": " << e.displayText() << std::endl;
      return EXIT_SOFTWARE;
    } catch (const std::exception& e) {
      std::cerr << "victim-comms " << command << ": " << e.what() << std::endl;
      return EXIT_CONFIG;
    }
  }

 private:
  int usage(const std::string& what) {
    std::cerr << "victim-comms: " << what << " (see victim-comms --help)" << std::endl;
    return EXIT_USAGE;
  }

  void printHelp() {
    Poco::Util::HelpFormatter help(options());
    help.setCommand("victim-comms");
    help.setUsage("COMMAND [ARGS] [OPTIONS]");
    help.setHeader(
        "Victims' Code communications for CPS Victim Liaison Units.\n\n"
        "Commands:\n"
        "  serve                 run the daemon (HTTP API); --daemon detaches, --pidfile=FILE records its pid;\n"
        "                        SIGTERM or SIGINT stops it cleanly\n"
        "  migrate               create or upgrade the store's schema (SQLite, or PostgreSQL when db.url is\n"
        "                        postgresql://...), then exit\n"
        "  import FILE           load journey events, one JSON object per line, as one atomic batch\n"
        "  demo                  load the synthetic demo cases (demo.file), idempotently\n"
        "  user add NAME --role ingest|vlu|isva|manager|admin|metrics [--isva-id ID] [--area AREA] [--password-stdin]\n"
        "                        add a user; the API token is printed once, on the last line;\n"
        "                        --password-stdin also sets a password for the web pages (PBKDF2)\n"
        "  check-templates       load and check the letter templates (templates.dir) as start-up does\n"
        "  render --letter KIND --lang en|cy --sample [--variant NAME] [--format text|html|context|script]\n"
        "                        print a letter rendered from the synthetic sample, for template authors\n"
        "                        (context: the fields a template may use, as JSON; script: the letter as a\n"
        "                        phone task's call script); what would block it\n"
        "                        goes to standard error. Variants:\n" +
        sampleVariantHelp() +
        "  report [--from DATE] [--to DATE] [--group-by rule|right|area|basis|month] [--area AREA]\n"
        "         [--format json|csv] [--table summary|misses]\n"
        "                        the compliance report (obligations due in the period) on standard output\n"
        "  verify-audit [--read-only]\n"
        "                        re-walk the audit log's keyed hash chain and check it against the checkpoint\n"
        "                        file; exit 0 if intact, 65 naming the first entry that does not match. A store\n"
        "                        that cannot be written (or --read-only) is opened read-only and nothing recorded\n"
        "                        (--read-only is refused on PostgreSQL: it opens a SQLite file read-only)\n"
        "  rotate-key audit|retention\n"
        "                        add a new key to audit.key_file or retention.key_file (used from the next\n"
        "                        start; the older keys stay in the file)\n"
        "  purge [--before DATE] [--dry-run]\n"
        "                        replace with keyed markers the personal data of cases that ended before DATE\n"
        "                        (needs retention.closed_case_days; DATE no later than today less that)\n"
        "  rederive [--case URN] [--dry-run]\n"
        "                        replay stored cases under the current rule book and calendar: list the\n"
        "                        obligations that appear, change or go; without --dry-run apply it (one audited\n"
        "                        transaction per case) and re-draft or withdraw their letters. Met, late and\n"
        "                        waived obligations and sent letters are never changed\n"
        "  backup DEST           copy the SQLite store while the daemon runs into DEST (never overwritten), with\n"
        "                        a manifest beside it (DEST.manifest.json: schema, counts, audit head, SHA-256)\n"
        "  restore SRC           check the copy SRC against its manifest and its audit chain, then put it in\n"
        "                        place of db.path (what it replaces is kept beside it); refused while a daemon\n"
        "                        serves the store. PostgreSQL: use pg_dump and pg_restore (docs/deployment.md)\n"
        "  help                  this text\n\n"
        "Options:");
    help.setFooter("Configuration keys and their defaults: README.md. Exit codes: 0 ok, 64 usage, 65 bad data, "
                   "70 internal error, 75 try again later (restore: a daemon serves the store), 78 configuration error.");
    help.format(std::cout);
  }

  int serve() {
    const HangupReopensLogs hangup(settings_);  // first: every thread started below has SIGHUP blocked
    Services services(settings_);
    // restore will not replace the store while this is held (a SQLite file; nothing on PostgreSQL).
    const ServingLock serving(settings_.db_postgres_url.empty() ? settings_.db_path : "");
    BackupTimer backups(services.db, settings_, *services.clock);
    HttpFront front(services, settings_);
    http::ServerOptions options;
    options.bind = settings_.http_bind;
    options.port = settings_.http_port;
    options.threads = settings_.http_threads;
    options.max_body_bytes = settings_.http_max_body_bytes;
    options.header_timeout = std::chrono::seconds(settings_.http_header_timeout_seconds);
    options.keepalive_idle = std::chrono::seconds(settings_.http_keepalive_idle_seconds);
    options.body_timeout = std::chrono::seconds(settings_.http_body_timeout_seconds);
    options.max_connections = settings_.http_max_connections;
    options.max_connections_per_client = settings_.http_max_connections_per_client;
    http::HttpServer server(front.router, options);
    services.checkpointer.start();  // notes the head now; a checkpoint file of another store stops start-up here
    services.chainer.start();       // PostgreSQL: audit entries waiting in audit_pending onto the chain
    services.db.checkpointInBackground(kWalCheckpointEvery);  // not in the commits readers wait on
    services.drafter.start();       // first writes the letters a stop left being written
    services.scheduler.start();
    backups.start();  // backup.dir: the first copy now if none is an interval old
    server.start();
    Poco::Logger& log = Poco::Logger::get("vc.app");
    log.information("victim-comms listening on http://%s:%hu/ (database %s; %z letter template files checked)",
                    settings_.http_bind, server.port(),
                    settings_.db_postgres_url.empty() ? settings_.db_path : storeUrl(settings_).display(),
                    services.templates.fileCount());
    waitForTerminationRequest();
    log.information("stopping");
    server.stop();
    services.drafter.stop();  // letters still being written are written at the next start
    services.scheduler.stop();
    backups.stop();
    services.chainer.stop();       // what the writers left waiting, onto the chain
    services.checkpointer.stop();  // the head at shutdown, after every writer has stopped
    log.information("stopped");
    return EXIT_OK;
  }

  int checkTemplates() {
    const domain::WorkingDayCalendar calendar = loading::loadCalendar(settings_.calendar_file);
    const domain::RuleBook rules = loading::loadRuleBook(settings_.rules_files);
    try {
      const rendering::TemplateSet set = loadLetterTemplates(settings_.templates_dir, rules, calendar);
      std::cout << "letter templates in " << settings_.templates_dir << ": " << set.fileCount() << " files, "
                << letterKinds(rules).size() << " letters in " << kLetterLanguages.size()
                << " languages: every field they name exists, nothing is unescaped, and each renders from the sample"
                << std::endl;
      const rendering::TemplateSet notes = notifications::loadNotificationTemplates(settings_.templates_dir + "/notifications");
      std::cout << "notification templates in " << notes.dir() << ": " << notes.fileCount()
                << " files, the ISVA notification in 2 languages: likewise" << std::endl;
      return EXIT_OK;
    } catch (const rendering::TemplateError& e) {
      std::cerr << e.what() << std::endl;
      return EXIT_CONFIG;
    }
  }

  static std::string sampleVariantHelp() {
    std::string out;
    for (const auto& [name, what] : letters::sampleVariants()) out += "                          " + name + ": " + what + "\n";
    return out;
  }

  int render() {
    const std::string kind = cli_["letter"], lang = cli_.count("lang") ? cli_["lang"] : "en";
    const std::string variant = cli_.count("variant") ? cli_["variant"] : "";
    const std::string format = cli_.count("format") ? cli_["format"] : "text";
    if (!sample_) return usage("render needs --sample (the only context it renders from)");
    if (kind.empty()) return usage("render needs --letter KIND");
    if (lang != "en" && lang != "cy") return usage("--lang must be en or cy");
    if (format != "text" && format != "html" && format != "context" && format != "script")
      return usage("--format must be text, html, context or script");
    const domain::WorkingDayCalendar calendar = loading::loadCalendar(settings_.calendar_file);
    const domain::RuleBook rules = loading::loadRuleBook(settings_.rules_files);
    const auto kinds = letterKinds(rules);
    const bool notification = kind == notifications::kNotificationKind;
    if (!notification && std::find(kinds.begin(), kinds.end(), kind) == kinds.end()) {
      std::string known;
      for (const auto& k : kinds) known += (known.empty() ? "" : ", ") + k;
      return usage("no letter '" + kind + "' (letters: " + known + "; and " + notifications::kNotificationKind + ")");
    }
    if (!variant.empty()) {
      const auto variants = notification ? std::vector<std::string>{} : letters::sampleVariants(kind);
      if (std::find(variants.begin(), variants.end(), variant) == variants.end()) {
        std::string known;
        for (const auto& v : variants) known += (known.empty() ? "" : ", ") + v;
        return usage("no variant '" + variant + "' of " + kind + " (variants: " + (known.empty() ? "none" : known) + ")");
      }
    }
    try {
      const rendering::TemplateSet set =
          notification ? notifications::loadNotificationTemplates(settings_.templates_dir + "/notifications")
                       : loadLetterTemplates(settings_.templates_dir, rules, calendar);
      // The ISVA notification's sample is a meeting response, the fullest of its kinds.
      // The sample, with the configured support services (the built-in ones only check the templates).
      const letters::SupportServices support = loading::loadSupportServices(settings_.support_services_file);
      letters::LetterInputs in = letters::sampleInputs(kind, lang, variant);
      in.support = &support;
      const letters::LetterContext letter = letters::buildLetterContext(in, calendar);
      if (!notification)
        for (const auto& b : letter.blocked_by) std::cerr << "blocked: " << b.code << ": " << b.message << std::endl;
      const rendering::Value context =
          notification
              ? notifications::buildNotificationContext(notifications::sampleNotificationInputs("meeting.responded", lang)).data
              : letter.data;
      if (format == "context") {
        // Every field a template may name, as JSON (the sample fills them all).
        Poco::JSON::Parser parser;
        parser.parse(context.canonical()).extract<Poco::JSON::Object::Ptr>()->stringify(std::cout, 2);
        std::cout << std::endl;
        return EXIT_OK;
      }
      const auto rendered = set.render(kind, lang, context);
      if (format == "script" && !notification) {
        // The call script the letter page shows for this letter as a phone task.
        const letters::PhoneContact who = letters::phoneContact(in.profile);
        const letters::ContactSafety safety = letters::contactSafety(in.profile);
        domain::PhoneScriptInput script;
        script.letter_text = rendered.text;
        script.recipient_name = who.name;
        script.recipient_role = who.role;
        script.number = who.number;
        script.callback_phone = in.vlu ? in.vlu->phone : "";
        script.voicemail_safe = safety.voicemail;
        script.discreet = safety.discreet;
        script.welsh = letter.language == "cy";
        std::cout << domain::phoneScript(script).text();
        return EXIT_OK;
      }
      std::cout << (format == "html" ? rendered.html : rendered.text);
      return EXIT_OK;
    } catch (const rendering::TemplateError& e) {
      std::cerr << e.what() << std::endl;
      return EXIT_CONFIG;
    }
  }

  // The store, migrated, with a clock, for the commands that read or change it without serving. The
  // audit chain's head is noted in the checkpoint file when it opens and when the command is done.
  struct OfflineStore {
    std::unique_ptr<domain::Clock> clock;
    storage::Database db;
    scheduling::AuditCheckpointer checkpointer;
    explicit OfflineStore(const Settings& s)
        : clock(makeClock(s)), db(storeUrl(s), storePassword(s), storeOptions(s, 2)), checkpointer(db, *clock, std::chrono::seconds(1)) {
      db.migrate();
      checkpointer.writeNow();
    }
    void done() { checkpointer.writeNow(); }
  };

  int report() {
    OfflineStore store(settings_);
    const domain::WorkingDayCalendar calendar = loading::loadCalendar(settings_.calendar_file);
    std::map<std::string, std::string> params = {{"from", cli_["from"]},     {"to", cli_["to"]},
                                                 {"group_by", cli_["group-by"]}, {"format", cli_["format"]},
                                                 {"table", cli_["table"]},   {"area", cli_["area"]}};
    compliance::ReportRequest r;
    try {
      r = compliance::parseReportRequest([&params](const std::string& k) { return params[k]; }, store.clock->today());
    } catch (const Error& e) {
      return usage(std::string("report: --") + (e.field() == "group_by" ? "group-by" : e.field()) +
                   std::string(e.what()).substr(e.field().size()));
    }
    compliance::LedgerService ledger(store.db, *store.clock, calendar);
    const domain::ComplianceReport report = ledger.report(r.query, "cli", r.format);
    store.done();
    if (r.format == "csv") {
      std::cout << compliance::reportCsv(report, r.table);
    } else {
      compliance::reportJson(report, r.query.area)->stringify(std::cout, 2);
      std::cout << std::endl;
    }
    return EXIT_OK;
  }

  // Verifies the chain without migrating the store. A store that cannot be written (no write permission
  // on it or its directory, for root too: a copy being examined), or any with --read-only, is opened
  // read-only and the check is not recorded; a writable, current one records it (audit_verified).
  int verifyAudit() {
    if (!settings_.db_postgres_url.empty()) return verifyAuditOnPostgres();
    const std::string& path = settings_.db_path;
    if (!Poco::File(path).exists()) {
      std::cerr << "victim-comms verify-audit: there is no store at " << path << std::endl;
      return EXIT_NOINPUT;
    }
    // The key must be the one the entries were made with: never make a new one here.
    storage::StoreOptions o;
    o.max_sessions = 2;
    if (Poco::File(settings_.audit_key_file).exists())
      o.audit_keys = std::make_shared<const Keyring>(Keyring::open(settings_.audit_key_file, "audit.key_file", false));
    o.audit_checkpoint_file = settings_.audit_checkpoint_file;
    o.read_only = read_only_ || !writableByPermission(path);
    storage::Database db(path, o);
    const int schema = db.schemaVersion();
    const bool record = !o.read_only && schema == storage::Database::latestSchemaVersion() && o.audit_keys;
    std::unique_ptr<domain::Clock> clock = makeClock(settings_);
    storage::AuditVerification v;
    {
      auto lease = db.session();
      storage::AuditLog log(lease);
      v = record ? log.verifyAndRecord(domain::formatRfc3339Utc(clock->now()), "cli") : log.verify();
    }
    if (record) scheduling::AuditCheckpointer(db, *clock, std::chrono::seconds(1)).writeNow();
    const std::string how = o.read_only ? " (opened read-only; this check is not recorded)"
                            : record    ? ""
                                        : " (schema " + std::to_string(schema) + ", not migrated; this check is not recorded)";
    if (v.ok) {
      std::cout << "audit log of " << path << ": " << v.entries << " entries";
      if (v.unkeyed_entries) std::cout << " (" << v.unkeyed_entries << " from before the chain was keyed)";
      std::cout << ", the hash chain is intact";
      if (!v.keyed)
        std::cout << " but not keyed: schema " << schema << " chains with plain SHA-256, which anyone with the file "
                  << "could recompute";
      if (v.checkpoint_checked && v.checkpoint_seq > 0)
        std::cout << " and holds the checkpoint of " << v.checkpoint_at << " (entry " << v.checkpoint_seq << ") in "
                  << v.checkpoint_file;
      else if (v.checkpoint_checked)
        std::cout << " (" << v.checkpoint_file << " notes no entry yet)";
      else if (v.keyed)
        std::cout << " (no checkpoint file configured)";
      std::cout << "; head hash " << (v.head_hash.empty() ? "(none)" : v.head_hash) << how << std::endl;
      return EXIT_OK;
    }
    std::cout << "audit log of " << path << ": BROKEN"
              << (v.broken_seq ? " at entry " + std::to_string(v.broken_seq) : std::string()) << ": " << v.problem
              << (v.broken_seq ? " (" + std::to_string(v.entries) + " entries before it match)"
                               : " (the chain's " + std::to_string(v.entries) + " entries match each other)")
              << how << std::endl;
    return EXIT_DATAERR;
  }

  // verify-audit on PostgreSQL: the same walk of the chain and the checkpoint file, recorded (audit_verified)
  // when the schema is current and the audit key exists. --read-only is refused there: it opens a SQLite file
  // read-only (a copy being examined); PostgreSQL has no file to open so, and a check that may not write is
  // the database role's to enforce (docs/deployment.md). Nothing is migrated and no key is made.
  int verifyAuditOnPostgres() {
    const std::string store = storage::parseStoreUrl(settings_.db_postgres_url).display();
    if (read_only_) {
      std::cerr << "victim-comms verify-audit: --read-only opens a SQLite file read-only and is refused on a "
                   "PostgreSQL store (db.url = "
                << store << "): run verify-audit without it, or against a SQLite copy" << std::endl;
      return EXIT_USAGE;
    }
    storage::StoreOptions o;
    o.max_sessions = 2;
    o.busy_timeout_ms = settings_.db_busy_timeout_ms;
    if (Poco::File(settings_.audit_key_file).exists())
      o.audit_keys = std::make_shared<const Keyring>(Keyring::open(settings_.audit_key_file, "audit.key_file", false));
    o.audit_checkpoint_file = settings_.audit_checkpoint_file;
    storage::Database db(storeUrl(settings_), storePassword(settings_), o);
    const int schema = db.schemaVersion();
    if (schema == 0) {
      std::cerr << "victim-comms verify-audit: there is no store at " << store << " (run migrate)" << std::endl;
      return EXIT_NOINPUT;
    }
    const bool record = schema == storage::postgres::PostgresDatabase::latestSchemaVersion() && o.audit_keys;
    std::unique_ptr<domain::Clock> clock = makeClock(settings_);
    storage::AuditVerification v;
    {
      auto lease = db.session();
      storage::AuditLog log(lease);
      v = record ? log.verifyAndRecord(domain::formatRfc3339Utc(clock->now()), "cli") : log.verify();
    }
    if (record && !o.audit_checkpoint_file.empty())
      scheduling::AuditCheckpointer(db, *clock, std::chrono::seconds(1)).writeNow();
    const std::string how = record ? "" : " (schema " + std::to_string(schema) + " or no audit key: this check is not recorded)";
    if (v.ok) {
      std::cout << "audit log of " << store << ": " << v.entries << " entries, the hash chain is intact";
      if (v.checkpoint_checked && v.checkpoint_seq > 0)
        std::cout << " and holds the checkpoint of " << v.checkpoint_at << " (entry " << v.checkpoint_seq << ") in "
                  << v.checkpoint_file;
      else if (v.checkpoint_checked)
        std::cout << " (" << v.checkpoint_file << " notes no entry yet)";
      else
        std::cout << " (no checkpoint file configured)";
      std::cout << "; head hash " << (v.head_hash.empty() ? "(none)" : v.head_hash) << how << std::endl;
      return EXIT_OK;
    }
    std::cout << "audit log of " << store << ": BROKEN"
              << (v.broken_seq ? " at entry " + std::to_string(v.broken_seq) : std::string()) << ": " << v.problem
              << how << std::endl;
    return EXIT_DATAERR;
  }

  // Whether the store may be written: the file and its directory carry a write permission bit and the
  // process may write both (root passes access(2) whatever the bits, so the bits are checked too).
  static bool writableByPermission(const std::string& path) {
    const std::string dir = Poco::Path(Poco::Path(path).absolute()).parent().toString();
    struct stat file_st {}, dir_st {};
    if (::stat(path.c_str(), &file_st) != 0 || ::stat(dir.c_str(), &dir_st) != 0) return false;
    return (file_st.st_mode & 0222) && (dir_st.st_mode & 0222) && ::access(path.c_str(), W_OK) == 0 &&
           ::access(dir.c_str(), W_OK) == 0;
  }

  int rotateKey(const std::string& which) {
    const bool audit = which == "audit";
    const std::string setting = audit ? "audit.key_file" : "retention.key_file";
    const std::string& file = audit ? settings_.audit_key_file : settings_.retention_key_file;
    const std::string id = Keyring::addKey(file, setting);
    std::cout << "added key " << id << " to " << file << " (" << setting << "); "
              << (audit ? "new audit entries are made with it from the daemon's next start, and the older keys stay in "
                          "the file to verify the entries they made. Back the file up again now."
                        : "purges use it from the next start; markers made with the older keys keep them. To make "
                          "older markers unlinkable for good, remove their keys from the file (and its backups).")
              << std::endl;
    return EXIT_OK;
  }

  int purge() {
    const int days = settings_.retention_closed_case_days;
    if (days <= 0) {
      std::cerr << "victim-comms purge: retention is off (retention.closed_case_days = 0), so nothing is purged; "
                   "set it to the number of days a case's data is kept after it ends"
                << std::endl;
      return EXIT_CONFIG;
    }
    OfflineStore store(settings_);
    const domain::Date latest = store.clock->today().plusDays(-days);
    domain::Date before = latest;
    if (!cli_["before"].empty()) {
      auto given = domain::Date::parse(cli_["before"]);
      if (!given) return usage("purge: --before must be a date (YYYY-MM-DD)");
      if (*given > latest)
        return usage("purge: --before " + given->toString() + " would purge cases that ended less than " +
                     std::to_string(days) + " days ago (retention.closed_case_days); the latest allowed is " +
                     latest.toString());
      before = *given;
    }
    retention::Purger purger(store.db, *store.clock);
    const retention::PurgeResult r = purger.run(before, dry_run_, "cli");
    store.done();
    for (const auto& c : r.cases)
      std::cout << (r.dry_run ? "would purge " : "purged ") << c.urn << " (" << c.area << ", ended " << c.ended_on
                << (r.dry_run ? "" : ", " + std::to_string(c.values) + " values replaced by their hashes") << ")\n";
    std::cout << (r.dry_run ? "dry run: " : "") << r.cases.size() << " cases that ended before " << before.toString()
              << (r.dry_run ? " would be purged" : " purged") << "; the compliance ledger and the audit log are kept"
              << (!r.dry_run && !r.cases.empty() && !r.checkpointed
                      ? " (a reader held the write-ahead log: old pages go at its next checkpoint)"
                      : "")
              << std::endl;
    if (!r.dry_run && !r.cases.empty() && !settings_.db_postgres_url.empty())
      std::cout << "PostgreSQL: the tables the purge changed were vacuumed; copies of the old values in the "
                   "write-ahead log, its archive and backups remain until they expire (docs/compliance.md)"
                << std::endl;
    return EXIT_OK;
  }

  int rederive() {
    Services services(settings_);
    services.checkpointer.writeNow();
    const int code = runRederive(services, cli_.count("case") ? cli_["case"] : "", dry_run_, std::cout, std::cerr);
    services.checkpointer.writeNow();
    return code;
  }

  int migrate() {
    if (!settings_.db_postgres_url.empty()) {
      // PostgreSQL: its own migrations (storage/postgres/migrations). No audit checkpoint yet: the audit
      // chain on PostgreSQL is issue 17's next step (docs/storage-seam.md).
      const storage::StoreUrl url = storage::parseStoreUrl(settings_.db_postgres_url);
      const std::string password =
          settings_.db_password_file.empty() ? "" : storage::readPasswordFile(settings_.db_password_file);
      storage::postgres::PostgresDatabase db(url, password);
      auto [from, to] = db.migrate();
      std::cout << "schema of " << url.display() << " at version " << to
                << (from == to ? " (already current)" : " (was " + std::to_string(from) + ")") << std::endl;
      return EXIT_OK;
    }
    std::unique_ptr<domain::Clock> clock = makeClock(settings_);
    storage::Database db(settings_.db_path, storeOptions(settings_, 2));
    auto [from, to] = db.migrate();
    scheduling::AuditCheckpointer(db, *clock, std::chrono::seconds(1)).writeNow();
    std::cout << "schema of " << settings_.db_path << " at version " << to
              << (from == to ? " (already current)" : " (was " + std::to_string(from) + ")") << std::endl;
    return EXIT_OK;
  }

  // Streams the file in chunks into one write transaction (all or nothing), so memory does not grow
  // with its length, with a progress line on stderr every couple of seconds.
  int importFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "victim-comms import: cannot read " << path << std::endl;
      return EXIT_NOINPUT;
    }
    constexpr size_t kChunk = 2000;           // events parsed and stored at a time
    // The line number of each event of the last two chunks read (the one being stored and the one read
    // ahead of it), by chunk: where an error names an event, it names its line. Touched by the import's
    // reader thread only until importStream returns.
    struct ChunkLines {
      size_t first_event = 0;
      std::vector<size_t> line_of;
    };
    std::deque<ChunkLines> recent;
    size_t read = 0;
    size_t line_no = 0;
    ImportProgress progress(std::cerr, std::chrono::seconds(2));
    auto next = [&](std::vector<Poco::Dynamic::Var>& items) {
      if (recent.size() == 2) recent.pop_front();
      recent.push_back({read, {}});
      std::string line;
      while (items.size() < kChunk && std::getline(in, line)) {
        ++line_no;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        items.push_back(readUntrustedJson(line));  // JsonSyntaxError: rolls the whole import back
        recent.back().line_of.push_back(line_no);
        ++read;
      }
      progress.read(read);
      return !items.empty();
    };
    Services services(settings_);
    services.checkpointer.writeNow();
    // A line at least every 2 s however long one step takes (ImportProgress::heartbeat), while the import
    // runs (its own last lines follow it).
    struct Ticker {
      ImportProgress& progress;
      std::mutex mutex;
      std::condition_variable wake;
      bool done = false;
      std::thread thread{[this] {
        std::unique_lock<std::mutex> lock(mutex);
        while (!wake.wait_for(lock, std::chrono::milliseconds(500), [this] { return done; })) progress.heartbeat();
      }};
      ~Ticker() {
        {
          std::lock_guard<std::mutex> lock(mutex);
          done = true;
        }
        wake.notify_all();
        thread.join();
      }
    };
    try {
      const auto started = std::chrono::steady_clock::now();
      ingest::IngestResult r = [&] {
        Ticker ticker{progress};
        return services.ingestor.importStream(next, "cli", std::ref(progress));
      }();
      // The import's letters are in the store from its commit, being written; their words are written
      // right after it, here (the drafting worker is not started in the CLI): say how long each took.
      const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      const scheduling::DraftingStats drafted = services.drafter.stats();
      std::cerr << std::fixed << std::setprecision(2) << "import: committed " << r.accepted << " events in "
                << total - drafted.busy_seconds << " s; the letters of " << r.affected_cases.size()
                << " cases written in " << drafted.busy_seconds << " s after the commit (" << drafted.letters
                << " letters, " << std::setprecision(0)
                << (drafted.busy_seconds > 0 ? drafted.letters / drafted.busy_seconds : 0.0) << " letters/s)"
                << std::defaultfloat << std::endl;
      services.checkpointer.writeNow();
      std::cout << "imported " << r.accepted << " events (" << r.duplicates << " duplicates) from " << path << " into "
                << services.db.path() << "; " << r.affected_cases.size() << " cases updated" << std::endl;
      return EXIT_OK;
    } catch (const JsonSyntaxError& e) {
      std::cerr << path << ":" << line_no << ": not valid JSON: " << e.what() << " (nothing was imported)" << std::endl;
      return EXIT_DATAERR;
    } catch (const Error& e) {
      std::string where = path;
      for (const auto& chunk : recent)
        if (e.index() && *e.index() >= chunk.first_event && *e.index() - chunk.first_event < chunk.line_of.size())
          where += ":" + std::to_string(chunk.line_of[*e.index() - chunk.first_event]);
      std::cerr << where << ": " << e.what() << " (nothing was imported)" << std::endl;
      return EXIT_DATAERR;
    }
  }

  int userAdd(const std::string& name) {
    OfflineStore store(settings_);
    storage::Database& db = store.db;
    const std::string role = cli_.count("role") ? cli_["role"] : "";
    domain::SystemClock clock;
    NewPassword password;
    password.iterations = settings_.auth_pbkdf2_iterations;
    if (password_stdin_) {
      std::getline(std::cin, password.password);
      if (!password.password.empty() && password.password.back() == '\r') password.password.pop_back();
      if (password.password.empty()) return usage("user add --password-stdin: no password on standard input");
    }
    const std::string token =
        addUser(db, name, role, cli_["isva-id"], cli_["area"], domain::formatRfc3339Utc(clock.now()), password);
    store.done();
    std::cout << "added user " << name << " with role " << role << (password_stdin_ ? " and a password" : "");
    if (!cli_["isva-id"].empty()) std::cout << " for ISVA " << cli_["isva-id"];
    if (!cli_["area"].empty()) std::cout << " in " << cli_["area"];
    std::cout << ".\nThe API token below is shown only this once; keep it safe.\n" << token << std::endl;
    return EXIT_OK;
  }

  bool help_ = false;
  bool sample_ = false;
  bool dry_run_ = false;
  bool read_only_ = false;
  bool password_stdin_ = false;
  std::string config_error_;
  std::vector<std::string> config_files_;
  std::map<std::string, std::string> cli_;
  Settings settings_;
};

}  // namespace
}  // namespace vc::app

namespace {

// --daemon changes directory to / before options are read, so paths given
// on the command line are made absolute here, first.
std::vector<std::string> absolutePathArguments(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  bool has_config = false;
  for (size_t i = 1; i < args.size(); ++i) {
    for (const std::string name : {"--config", "--db", "--pidfile"}) {
      if (args[i] == name && i + 1 < args.size()) {
        args[i + 1] = Poco::Path(args[i + 1]).absolute().toString();
      } else if (args[i].rfind(name + "=", 0) == 0) {
        args[i] = name + "=" + Poco::Path(args[i].substr(name.size() + 1)).absolute().toString();
      } else {
        continue;
      }
      has_config = has_config || name == "--config";
    }
  }
  if (!has_config) {
    // config/victim-comms.properties under the current directory, else beside the build directory.
    Poco::Path local("config/victim-comms.properties");
    Poco::Path beside_exe(Poco::Path(Poco::Path(argv[0]).absolute().parent()).parent());
    beside_exe.append("config/victim-comms.properties");
    Poco::Path chosen = Poco::File(local.absolute()).exists() ? local.absolute() : beside_exe;
    args.push_back("--config=" + chosen.toString());
  }
  return args;
}

}  // namespace

int main(int argc, char** argv) {
  vc::app::VictimCommsApp app;
  std::vector<std::string> args = absolutePathArguments(argc, argv);
  std::vector<char*> argp;
  for (auto& a : args) argp.push_back(a.data());
  argp.push_back(nullptr);
  try {
    return app.run(static_cast<int>(args.size()), argp.data());
  } catch (const std::exception& e) {
    std::cerr << "victim-comms: " << e.what() << std::endl;
    return Poco::Util::Application::EXIT_CONFIG;
  }
}
