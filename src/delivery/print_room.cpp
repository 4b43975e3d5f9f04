#include "delivery/print_room.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>

#include "common/sha256.h"
#include "storage/letter_store.h"
#include "storage/print_batch_store.h"
#include "storage/store.h"

namespace fs = std::filesystem;

namespace vc::delivery {
namespace {

Poco::Logger& log() { return Poco::Logger::get("vc.printroom"); }

void writeWhole(const fs::path& path, const std::string& content) {
  const fs::path temporary = path.string() + ".part";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + temporary.string());
  }
  fs::rename(temporary, path);
}

std::string manifestName(int64_t n) { return "batch-" + std::to_string(n) + ".manifest.json"; }
std::string confirmedName(int64_t n) { return "batch-" + std::to_string(n) + ".confirmed"; }

}  // namespace

bool isLargePrint(const std::string& html) { return html.find("class=\"letter large-print\"") != std::string::npos; }

int estimatePages(const std::string& text, bool large_print) {
  const size_t width = large_print ? 40 : 80;
  const size_t per_page = large_print ? 25 : 50;
  size_t lines = 0, start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    // Characters, not bytes: UTF-8 continuation bytes (Welsh accents) do not count.
    size_t chars = 0;
    for (size_t i = start; i < end; ++i)
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++chars;
    lines += chars == 0 ? 1 : (chars + width - 1) / width;
    if (end == text.size()) break;
    start = end + 1;
  }
  return static_cast<int>(std::max<size_t>(1, (lines + per_page - 1) / per_page));
}

PrintRoom::PrintRoom(storage::Database& db, const domain::Clock& clock, std::string spool_dir, int confirm_within_hours)
    : db_(db), clock_(clock), dir_(std::move(spool_dir)), hours_(confirm_within_hours) {}

int64_t PrintRoom::handOver(const std::vector<storage::OutboxRow>& posted) {
  if (posted.empty()) return 0;
  const int64_t now_s = clock_.now();
  const std::string at = domain::formatRfc3339Utc(now_s);
  auto lease = db_.session();
  storage::WriteTransaction tx(lease);
  storage::PrintBatchStore batches(lease);
  const int64_t count = static_cast<int64_t>(posted.size());
  const int64_t n = batches.open(at, now_s, count, manifestName);
  const std::string name = manifestName(n);

  Poco::JSON::Object::Ptr manifest = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  manifest->set("batch", "pb-" + std::to_string(n));
  manifest->set("created_at", at);
  manifest->set("letters", count);
  manifest->set("confirm_by_creating", confirmedName(n));
  Poco::JSON::Array::Ptr items = new Poco::JSON::Array;
  for (const auto& row : posted) {
    const bool large = isLargePrint(row.body_html);
    Poco::JSON::Object::Ptr item = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    item->set("letter_id", "l-" + std::to_string(row.letter_n));
    item->set("message_id", row.message_id);
    Poco::JSON::Array::Ptr files = new Poco::JSON::Array;
    for (const auto& [ext, body] : {std::pair<std::string, const std::string*>{".html", &row.body_html},
                                    std::pair<std::string, const std::string*>{".txt", &row.body_text}}) {
      Poco::JSON::Object::Ptr f = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
      f->set("file", row.name + ext);
      f->set("sha256", sha256Hex(*body));
      files->add(f);
    }
    item->set("files", files);
    item->set("pages", estimatePages(row.body_text, large));
    item->set("large_print", large);
    // Where the victim asked for discretion the envelope must not name the CPS either: a plain one,
    // returned to the neutral name the email would come from (the letterhead prints the street lines).
    Poco::JSON::Object::Ptr envelope = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    envelope->set("style", row.sender_name.empty() ? "cps" : "plain");
    if (!row.sender_name.empty()) envelope->set("return_name", row.sender_name);
    item->set("envelope", envelope);
    items->add(item);
    batches.assign(n, row.id);
  }
  manifest->set("items", items);
  std::ostringstream out;
  manifest->stringify(out, 2);
  out << "\n";
  writeWhole(fs::path(dir_) / name, out.str());  // before the commit: a batch on record has its manifest
  tx.commit();
  log().information("print batch %Ld handed over: %Ld letter(s), manifest %s", n, count, name);
  return n;
}

bool PrintRoom::confirm(int64_t n, const std::string& by) {
  auto lease = db_.session();
  storage::WriteTransaction tx(lease);
  storage::PrintBatchStore batches(lease);
  if (!batches.exists(n)) return false;
  const std::string at = domain::formatRfc3339Utc(clock_.now());
  const bool changed = batches.confirm(n, at, by);
  if (changed) {
    // Each letter in the batch is now accepted: said in its history and the audit log.
    storage::Store store(lease);
    storage::LetterStore letters(lease);
    const std::string batch = "pb-" + std::to_string(n);
    std::vector<storage::AuditEntry> audit;
    for (int64_t letter_n : batches.letterNumbers(n)) {
      auto row = letters.findLetter(letter_n);
      if (!row) continue;
      letters.appendHistory(letter_n, {at, by, "accepted", row->state, row->state, row->version,
                                       "the print room confirmed it has batch " + batch});
      storage::AuditEntry a;
      a.at = at;
      a.actor = by;
      a.action = "letter_accepted";
      a.subject = "letter:" + row->id();
      a.detail = "print_batch:" + batch;
      audit.push_back(std::move(a));
    }
    store.auditAll(audit);
  }
  tx.commit();
  if (changed) log().information("print batch %Ld confirmed by %s", n, by);
  return true;
}

void PrintRoom::check() {
  for (const auto& b : list()) {
    if (!b.confirmed_at.empty()) continue;
    std::error_code ec;
    if (fs::exists(fs::path(dir_) / confirmedName(b.n), ec)) {
      confirm(b.n, "print room (" + confirmedName(b.n) + ")");
      continue;
    }
    if (b.state != "overdue") continue;
    auto lease = db_.session();
    storage::WriteTransaction tx(lease);
    const bool changed = storage::PrintBatchStore(lease).noteOverdueLogged(b.n);
    tx.commit();
    if (changed)
      log().warning("print batch %Ld (%Ld letter(s), handed over %s) is not confirmed by the print room after %d hour(s)",
                    b.n, b.letters, b.created_at, hours_);
  }
}

PrintBatch PrintRoom::withState(PrintBatch b) const {
  const int64_t due = b.created_at_s + static_cast<int64_t>(hours_) * 3600;
  b.due_at = domain::formatRfc3339Utc(due);
  b.state = !b.confirmed_at.empty() ? "confirmed" : clock_.now() >= due ? "overdue" : "unconfirmed";
  return b;
}

std::vector<PrintBatch> PrintRoom::list() {
  auto lease = db_.session();
  std::vector<PrintBatch> out;
  for (const auto& row : storage::PrintBatchStore(lease).list()) {
    PrintBatch b;
    b.n = row.n;
    b.created_at = row.created_at;
    b.created_at_s = row.created_at_s;
    b.letters = row.letters;
    b.manifest = row.manifest;
    b.confirmed_at = row.confirmed_at;
    b.confirmed_by = row.confirmed_by;
    out.push_back(withState(b));
  }
  return out;
}

std::optional<PrintBatch> PrintRoom::find(int64_t n) {
  for (auto& b : list())
    if (b.n == n) return b;
  return std::nullopt;
}

}  // namespace vc::delivery
