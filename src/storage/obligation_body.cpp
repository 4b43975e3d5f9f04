#include "storage/obligation_body.h"

#include "common/error.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/ParseHandler.h>
#include <zlib.h>

#include <algorithm>
#include <sstream>
#include <vector>

namespace vc::storage {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;
using Poco::Dynamic::Var;

constexpr const char* kPackedKey = "packed";
constexpr const char* kDeflatedPrefix = "z1:";

// The explanation's dictionary: the engine's fixed phrases (domain/engine.cpp, entitlement.cpp) and the
// explanation's keys, the commonest last (nearest, cheapest to refer to). Part of the stored format ("z1").
constexpr const char kDictionary[] =
    "Recomputed after event  changed the victim's entitlement. Extended by  from  to .  the meeting is to be held "
    "on or before the day of the  hearing listed for , so by that day itself at least  working days before , "
    "that is by the th working day before it (the earliest listed of the  hearings). The victim accepted the "
    "meeting on . This deadline applies because the defendant has been convicted. "
    "\"category\":\"vulnerable\",\"code\":\"under_18\",\"code\":\"mental_disorder\",\"has a mental disorder\""
    "\"persistently_targeted\",\"persistently targeted\",\"bereaved_close_relative\",\"close relative bereaved by "
    "criminal conduct\",\"code\":\"homicide\",\"victim of the most serious crime: harmed in a homicide case, not "
    "bereaved\",\"modern_slavery_complainant\",\"code\":\"domestic_abuse\",\"victim of the most serious crime: "
    "domestic abuse\",\"code\":\"rape\",\"detail\":\"victim of the most serious crime: rape (a sexual offence)\"}"
    "Standard tier (: no enhanced-rights reason applied on the trigger date. Skipped:  (Early May bank holiday)"
    "Saturday, Sunday, Monday Tuesday Wednesday Thursday Friday January February March April May June July "
    "August September October November December \"policy_effective_from\":\"2021-04-01\",\"trigger_event\":\""
    "\"trigger_type\":\"case.registered\",\"trigger_type\":\"victim.updated\",\"trigger_type\":\"charging.decided\","
    "\"trigger_type\":\"hearing.listed\",\"trigger_type\":\"verdict.recorded\",\"trigger_type\":\"sentence.passed\","
    "\"occurred_at\":\"2026-T00:00:00Z\",\"trigger_weekday\":\"\",\"time_zone\":\"BST (UTC+01:00)\",\"time_zone\":"
    "\"GMT (UTC+00:00)\",\"tier\":\"standard\",\"tier\":\"enhanced\",\"tier_reasons\":[],\"tier_reasons\":[{"
    "\"category\":\"most_serious_crime\",\"code\":\"\",\"detail\":\"\"},{\"category\":\"intimidated\",\"code\":"
    "\"intimidated\",\"detail\":\"in fear or distress about testifying\"},{\"category\":\"intimidated\",\"code\":"
    "\"sexual_offence_complainant\",\"detail\":\"complainant of a sexual offence (intimidated automatically)\"}],"
    "\"working_days\":,\"working_days_counted\":[\"2026-\",\"2026-\"],\"days_skipped\":[],\"days_skipped\":"
    "[{\"date\":\"2026-\",\"why\":\"Saturday\"},{\"date\":\"2026-\",\"why\":\"Sunday\"}],\"due_by\":\""
    "{\"text\":\"Due by : 1 working day after the trigger date,  working days after the trigger date, (event , "
    "charging.decided, occurred at ; Europe/London date, GMT (UTC+00:00)). Every victim gets  working days for "
    "this rule (this victim is enhanced). Enhanced tier ( working day rather than ) because: victim of the most "
    "serious crime: ; in fear or distress about testifying; complainant of a sexual offence (intimidated "
    "automatically). No days were skipped. Rule , policy victims-code-2020 effective from 2021-04-01.\",";

// The keys of a body in the order ingest::obligationJson writes them, and of its explanation.
const std::vector<std::string> kBodyKeys = {
    "id",          "rule",         "title",           "basis",   "right",   "victim_id",   "case_urn",
    "area",        "kind",         "template",        "recipient", "owner", "trigger_event", "trigger_date",
    "tier",        "due_by",       "status",          "completed_at", "completed_by_event", "late_working_days",
    "reason",      "waived_by_event", "cancelled_by_event", "carried_by", "reopened_by_event", "reopened_note",
    "extension",   "policy",       "changes",         "explanation"};
const std::vector<std::string> kExplanationKeys = {
    "text",      "rule",         "policy",       "policy_effective_from", "trigger_event", "trigger_type",
    "occurred_at", "trigger_date", "trigger_weekday", "time_zone",         "tier",          "tier_reasons",
    "working_days", "working_days_counted", "days_skipped", "due_by"};
// Explanation fields left out where they equal the obligation's own (only from an explanation the engine
// wrote, one with a text: a purge marker is kept whole).
const std::vector<std::string> kRepeatedInExplanation = {"rule", "policy", "trigger_event", "tier", "due_by",
                                                         "trigger_date"};

// Body fields held in the row's columns (never changed apart from the body: Store::upsertObligations
// writes them together; id, rule, victim_id, case_urn and trigger_event never change at all).
const std::string* columnValue(const ObligationRow& r, const std::string& key) {
  if (key == "id") return &r.id;
  if (key == "rule") return &r.rule;
  if (key == "victim_id") return &r.victim_id;
  if (key == "case_urn") return &r.case_urn;
  if (key == "trigger_event") return &r.trigger_event;
  if (key == "kind") return &r.kind;
  if (key == "basis") return &r.basis;
  if (key == "policy") return &r.policy;
  if (key == "tier") return &r.tier;
  return nullptr;
}

Object::Ptr ordered() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Object::Ptr parseObject(const std::string& text) {
  Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
  Var v = parser.parse(text);
  if (v.type() != typeid(Object::Ptr)) return nullptr;
  return v.extract<Object::Ptr>();
}

std::string toText(const Object::Ptr& o) {
  std::ostringstream os;
  o->stringify(os);
  return os.str();
}

bool sameString(const Var& a, const Var& b) {
  return a.isString() && b.isString() && a.extract<std::string>() == b.extract<std::string>();
}

Error damaged() { return Error(Error::Kind::kInternal, "storage", "a packed obligation body is damaged"); }

// One deflate and one inflate stream per thread, reset for each body rather than set up again (an
// initialisation allocates and clears a few hundred KB, which cost more than the body itself). A small hash
// (memLevel 4) suits bodies of about a kilobyte.
struct Deflater {
  z_stream z{};
  bool ok = false;
  Deflater() { ok = deflateInit2(&z, 9, Z_DEFLATED, -15, 4, Z_DEFAULT_STRATEGY) == Z_OK; }
  ~Deflater() {
    if (ok) deflateEnd(&z);
  }
};
struct Inflater {
  z_stream z{};
  bool ok = false;
  Inflater() { ok = inflateInit2(&z, -15) == Z_OK; }
  ~Inflater() {
    if (ok) inflateEnd(&z);
  }
};

std::string deflateText(const std::string& text) {
  thread_local Deflater d;
  z_stream& z = d.z;
  if (!d.ok || deflateReset(&z) != Z_OK ||
      deflateSetDictionary(&z, reinterpret_cast<const Bytef*>(kDictionary), sizeof kDictionary - 1) != Z_OK)
    throw damaged();
  std::string out(deflateBound(&z, static_cast<uLong>(text.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = static_cast<uInt>(text.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  if (deflate(&z, Z_FINISH) != Z_STREAM_END) throw damaged();
  out.resize(z.total_out);
  std::ostringstream b64;
  Poco::Base64Encoder enc(b64);
  enc.rdbuf()->setLineLength(0);
  enc << out;
  enc.close();
  return kDeflatedPrefix + std::to_string(text.size()) + ":" + b64.str();
}

std::string inflateText(const std::string& packed) {
  const size_t prefix = std::char_traits<char>::length(kDeflatedPrefix);
  const size_t colon = packed.find(':', prefix);
  if (colon == std::string::npos) throw damaged();
  const size_t size = std::stoul(packed.substr(prefix, colon - prefix));
  std::istringstream b64(packed.substr(colon + 1));
  Poco::Base64Decoder dec(b64);
  const std::string deflated((std::istreambuf_iterator<char>(dec)), std::istreambuf_iterator<char>());
  std::string out(size, '\0');
  thread_local Inflater i;
  z_stream& z = i.z;
  if (!i.ok || inflateReset(&z) != Z_OK ||
      inflateSetDictionary(&z, reinterpret_cast<const Bytef*>(kDictionary), sizeof kDictionary - 1) != Z_OK)
    throw damaged();
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(deflated.data()));
  z.avail_in = static_cast<uInt>(deflated.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  if (inflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out != size) throw damaged();
  return out;
}

Object::Ptr unpackObject(const Object::Ptr& packed, const ObligationRow& r) {
  Object::Ptr full = ordered();
  for (const auto& key : kBodyKeys) {
    if (key == "explanation" && packed->has(key)) {
      Var x = packed->get(key);
      if (x.isString() && x.extract<std::string>().rfind(kDeflatedPrefix, 0) == 0) {
        Object::Ptr short_x = parseObject(inflateText(x.extract<std::string>()));
        if (!short_x) throw damaged();
        Object::Ptr whole = ordered();
        for (const auto& k : kExplanationKeys) {
          if (short_x->has(k))
            whole->set(k, short_x->get(k));
          else if (short_x->has("text") &&
                   std::find(kRepeatedInExplanation.begin(), kRepeatedInExplanation.end(), k) !=
                       kRepeatedInExplanation.end() &&
                   full->has(k))
            whole->set(k, full->get(k));
        }
        for (const auto& k : short_x->getNames())
          if (!whole->has(k)) whole->set(k, short_x->get(k));
        full->set(key, whole);
        continue;
      }
    }
    if (packed->has(key))
      full->set(key, packed->get(key));
    else if (const std::string* column = columnValue(r, key))
      full->set(key, *column);
    else if (key == "changes")
      full->set(key, Array::Ptr(new Array));
    else
      full->set(key, Var());
  }
  for (const auto& key : packed->getNames())  // anything set after packing (none is written so)
    if (key != kPackedKey && !full->has(key)) full->set(key, packed->get(key));
  return full;
}

}  // namespace

std::string packObligationBody(const std::string& body, const ObligationRow& r) {
  try {
    Object::Ptr full = parseObject(body);
    if (!full || full->has(kPackedKey)) return body;
    Object::Ptr packed = ordered();
    packed->set(kPackedKey, 1);
    for (const auto& key : full->getNames()) {
      const Var v = full->get(key);
      if (v.isEmpty()) continue;
      const std::string* column = columnValue(r, key);
      if (column && v.isString() && v.extract<std::string>() == *column) continue;
      if (key == "changes" && v.type() == typeid(Array::Ptr) && v.extract<Array::Ptr>()->size() == 0) continue;
      if (key == "explanation" && v.type() == typeid(Object::Ptr)) {
        Object::Ptr x = v.extract<Object::Ptr>();
        Object::Ptr short_x = ordered();
        for (const auto& k : x->getNames()) {
          const bool repeated = std::find(kRepeatedInExplanation.begin(), kRepeatedInExplanation.end(), k) !=
                                kRepeatedInExplanation.end();
          if (repeated && x->has("text") && full->has(k) && sameString(x->get(k), full->get(k))) continue;
          short_x->set(k, x->get(k));
        }
        packed->set(key, deflateText(toText(short_x)));
        continue;
      }
      packed->set(key, v);
    }
    std::string text = toText(packed);
    if (text.size() >= body.size() || unpackObligationBody(text, r) != body) return body;
    return text;
  } catch (const std::exception&) {
    return body;  // not a shape this packs: kept as given
  }
}

std::string unpackObligationBody(const std::string& stored, const ObligationRow& r) {
  static const std::string kMark = std::string("{\"") + kPackedKey + "\":";
  if (stored.compare(0, kMark.size(), kMark) != 0) return stored;
  Object::Ptr packed = parseObject(stored);
  if (!packed) throw damaged();
  return toText(unpackObject(packed, r));
}

}  // namespace vc::storage
