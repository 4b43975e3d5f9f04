#pragma once
// The daemon's object graph, built once from the settings and shared by
// `serve`, the subcommands and the tests: policy data, the store (opened and
// migrated), the checked letter templates, ingest, letters, delivery and the
// scheduler, wired together (stored events are drafted at once, an approval
// wakes the sender, a delivery completes its letter). Starts no threads:
// serve() starts the scheduler. Members are declared in dependency order, so
// they are destroyed in reverse.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "app/settings.h"
#include "compliance/ledger_service.h"
#include "delivery/outbox.h"
#include "delivery/smtp_channel.h"
#include "delivery/spool_channel.h"
#include "delivery/bounce_mailbox.h"
#include "delivery/print_room.h"
#include "domain/calendar.h"
#include "domain/clock.h"
#include "domain/engine.h"
#include "domain/plain_english.h"
#include "domain/rules.h"
#include "ingest/ingestor.h"
#include "letters/letter_context.h"
#include "letters/letter_service.h"
#include "notifications/notification_service.h"
#include "rendering/page_templates.h"
#include "rendering/template_set.h"
#include "scheduling/audit_chainer.h"
#include "scheduling/audit_checkpointer.h"
#include "scheduling/drafting_worker.h"
#include "scheduling/scheduler.h"
#include "services/accounts.h"
#include "services/audit_service.h"
#include "services/outbox_service.h"
#include "services/operations.h"
#include "services/read_service.h"
#include "services/web_sessions.h"
#include "storage/database.h"
#include "web/static_assets.h"

namespace vc::app {

// The template names of every rule that needs a letter, and the languages letters are written in.
std::vector<std::string> letterKinds(const domain::RuleBook& rules);
extern const std::vector<std::string> kLetterLanguages;  // en, cy
// How often `serve` checkpoints the write-ahead log on its own thread (storage::Database::checkpointInBackground).
inline constexpr std::chrono::milliseconds kWalCheckpointEvery{200};
// PostgreSQL: how often a daemon moves the audit entries writers left waiting onto the chain (AuditChainer).
// An entry waits at most about this long for a reader that does not chain first itself; every reader of the
// log does.
inline constexpr std::chrono::milliseconds kAuditChainEvery{1000};

// Loads and checks the letter templates as start-up does. Throws
// rendering::TemplateError listing every problem with its file and field.
rendering::TemplateSet loadLetterTemplates(const std::string& dir, const domain::RuleBook& rules,
                                           const domain::WorkingDayCalendar& calendar);

// The web pages' static files: GOV.UK Frontend (from npm, in web_dir/node_modules) and our own
// (web_dir/static). Missing GOV.UK Frontend is logged, not fatal: the pages still work, unstyled.
web::StaticAssets loadWebAssets(const std::string& web_dir);

// The clock the configuration asks for: fixed at clock.now, else the system's.
std::unique_ptr<domain::Clock> makeClock(const Settings& settings);

// How the settings ask for the store to be opened, and what it needs from outside its file: the busy
// wait, whether a missing directory may be made (only the default var/), the audit and retention keys
// (each key file made, mode 0600, on first start) and the audit checkpoint file. Throws KeyFileError (a
// configuration error, exit 78) for a key file others may read, or when the audit key file is missing
// but the store already holds entries made with a key (a new key would orphan them: restore it).
storage::StoreOptions storeOptions(const Settings& settings, int max_sessions);
// The store the settings name (db.url, or db.path's SQLite file) and, for PostgreSQL, the password from
// db.password_file ("" : libpq's environment or .pgpass).
storage::StoreUrl storeUrl(const Settings& settings);
std::string storePassword(const Settings& settings);

struct Services {
  // Throws on bad policy files, templates or store (the caller reports and exits).
  explicit Services(const Settings& settings);

  domain::WorkingDayCalendar calendar;
  domain::RuleBook rules;
  domain::Engine engine;
  std::unique_ptr<domain::Clock> clock;
  storage::Database db;
  letters::VluContacts contacts;
  letters::SupportServices support_services;
  domain::PlainEnglishRules plain_english;  // letters.plain_english_file
  rendering::TemplateSet templates;
  rendering::TemplateSet notification_templates;
  ingest::Ingestor ingestor;
  delivery::SpoolChannel spool;
  delivery::SmtpChannel smtp;
  delivery::Outbox outbox;
  delivery::PrintRoom print_room;
  delivery::BounceMailbox bounces;
  letters::LetterService letters;
  notifications::NotificationService notifications;
  compliance::LedgerService ledger;
  scheduling::Scheduler scheduler;
  // Writes the words of the letters a batch calls for just after its commit: started by serve() (and
  // test daemons) before the scheduler; not started (the CLI), a batch's letters are written at once.
  scheduling::DraftingWorker drafter;
  scheduling::AuditCheckpointer checkpointer;  // started by serve() (and test daemons), after the scheduler
  scheduling::AuditChainer chainer;  // PostgreSQL: started by serve() (and test daemons) with the checkpointer
  services::WebSessions web_sessions;
  // What the HTTP and web front calls besides the above (it holds no store of its own).
  services::AccountService accounts;
  services::AuditService audit;
  services::ReadService reads;
  services::OutboxService outbox_service;
  rendering::PageTemplates page_templates;  // checked at start: a bad one stops it
  web::StaticAssets web_assets;
  services::OperationsService operations;  // GET /readyz and /metrics
};

}  // namespace vc::app
