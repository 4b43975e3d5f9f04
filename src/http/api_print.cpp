// Print batches: the posted letters handed to the print room together, and its confirmation.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Logger.h>

#include "common/error.h"
#include "http/api.h"
#include "http/json_io.h"
#include "http/views.h"

namespace vc::http {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

// "pb-7" -> 7; anything else names no batch.
int64_t batchNumber(const std::string& id) {
  const auto bad = [&] { return notFound("no print batch " + id); };
  if (id.size() < 4 || id.size() > 20 || id.compare(0, 3, "pb-") != 0) throw bad();
  for (size_t i = 3; i < id.size(); ++i)
    if (id[i] < '0' || id[i] > '9') throw bad();
  return std::stoll(id.substr(3));
}

Object::Ptr batchView(const delivery::PrintBatch& b) {
  Object::Ptr o = ordered();
  o->set("id", "pb-" + std::to_string(b.n));
  o->set("state", b.state);
  o->set("letters", b.letters);
  o->set("manifest", b.manifest);
  o->set("handed_over_at", b.created_at);
  o->set("confirm_by", b.due_at);
  o->set("confirmed_at", b.confirmed_at.empty() ? Var() : Var(b.confirmed_at));
  o->set("confirmed_by", b.confirmed_by.empty() ? Var() : Var(b.confirmed_by));
  return o;
}

delivery::PrintRoom& need(delivery::PrintRoom* p) {
  if (!p) throw notFound("no print batches");
  return *p;
}

}  // namespace

Response Api::listPrintBatches(Request& req) {
  const std::string state = req.queryOr("state");
  if (!state.empty() && state != "unconfirmed" && state != "confirmed" && state != "overdue")
    throw Error(Error::Kind::kInvalidArgument, "invalid_query", "state: must be one of unconfirmed, confirmed, overdue",
                {}, "state");
  Array::Ptr items = new Array;
  for (const auto& b : need(print_room_).list())
    if (state.empty() || b.state == state) items->add(batchView(b));
  Object::Ptr o = ordered();
  o->set("confirm_within_hours", print_room_->confirmWithinHours());
  o->set("items", items);
  return json(o);
}

Response Api::confirmPrintBatch(Request& req) {
  const std::string& id = req.params.at("id");
  const int64_t n = batchNumber(id);
  const Principal& p = *req.principal;
  if (!need(print_room_).confirm(n, p.user)) throw notFound("no print batch " + id);
  audit_.record(p.user, "print_batch_confirm", id, "");
  return json(batchView(*print_room_->find(n)));
}

}  // namespace vc::http
