#include "fuzz/fuzz_targets.h"

#include <stdexcept>
#include <string>

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include "common/error.h"
#include "common/json_reader.h"
#include "common/json_text.h"
#include "common/text.h"
#include "delivery/dsn.h"
#include "http/form.h"
#include "ingest/event_codec.h"

namespace vc::fuzz {
namespace {

// A property every accepted input must have; a broken one is a finding like a crash.
void require(bool holds, const char* property) {
  if (!holds) throw std::logic_error(std::string("property broken: ") + property);
}

bool eventBatch(std::string_view input) {
  Poco::Dynamic::Var body;
  try {
    body = readUntrustedJson(std::string(input));
  } catch (const JsonSyntaxError&) {
    return false;  // refused as not JSON: a 400
  }
  bool all_accepted = true;
  std::vector<Poco::Dynamic::Var> items;
  if (body.type() == typeid(Poco::JSON::Array::Ptr)) {
    auto array = body.extract<Poco::JSON::Array::Ptr>();
    for (size_t i = 0; i < array->size() && i < 50; ++i) items.push_back(array->get(static_cast<unsigned>(i)));
  } else {
    items.push_back(body);
  }
  const ingest::DecodeLimits limits{64 * 1024, 1798761600};  // now: 2027-01-01
  for (size_t i = 0; i < items.size(); ++i) {
    try {
      const ingest::DecodedEvent d = ingest::decodeEvent(items[i], i, limits);
      // What is stored must read back as the same event, and hold only acceptable text.
      const ingest::DecodedEvent again = ingest::decodeStoredEvent(d.canonical_json);
      require(again.event.id == d.event.id && again.event.type == d.event.type &&
                  again.event.case_urn == d.event.case_urn && again.event.occurred_at == d.event.occurred_at,
              "a stored event reads back as the event accepted");
      require(d.canonical_json.size() <= 2 * limits.max_event_bytes, "an accepted event is within the size limit");
      require(isValidUtf8(d.canonical_json), "an accepted event is UTF-8");
      // Written sorted straight from the sender's tree: the bytes the parse round trip wrote before (issue 16).
      Poco::JSON::Parser sorted;
      require(d.canonical_json == pocoJsonText(sorted.parse(pocoJsonText(items[i]))),
              "an event's canonical form is what Poco's sorting parse of it writes");
    } catch (const Error& e) {
      require(e.kind() == Error::Kind::kInvalidArgument || e.kind() == Error::Kind::kPayloadTooLarge,
              "an event is refused as bad input, never as an internal error");
      require(!e.index() || *e.index() == i, "a refusal names the event's own index");
      all_accepted = false;
    }
  }
  return all_accepted;
}

bool form(std::string_view input) {
  const auto fields = http::parseForm(std::string(input));
  for (const auto& [name, value] : fields) {
    // Whatever was decoded encodes and decodes back to itself.
    const auto again = http::parseForm(http::urlEncode(name) + "=" + http::urlEncode(value));
    require(again.size() == 1 && again.begin()->first == name && again.begin()->second == value,
            "a form field survives encoding and decoding");
  }
  return !fields.empty();
}

bool requestTarget(std::string_view input) {
  const http::RequestTarget t = http::parseRequestTarget(std::string(input));
  require(t.target.find('#') == std::string::npos, "the target has no fragment");
  require(t.path.find('?') == std::string::npos, "the path has no query");
  require(std::string_view(t.target).substr(0, t.path.size()) == t.path, "the path begins the target");
  (void)http::percentDecode(t.path);
  return true;
}

// The same tree: the same types, the same values, keys in the same order.
bool sameTree(const Poco::Dynamic::Var& a, const Poco::Dynamic::Var& b) {
  if (a.type() != b.type()) return false;
  if (a.type() == typeid(Poco::JSON::Object::Ptr)) {
    const auto x = a.extract<Poco::JSON::Object::Ptr>(), y = b.extract<Poco::JSON::Object::Ptr>();
    const auto xs = x->getNames(), ys = y->getNames();
    if (xs != ys) return false;
    for (const auto& k : xs)
      if (!sameTree(x->get(k), y->get(k))) return false;
    return true;
  }
  if (a.type() == typeid(Poco::JSON::Array::Ptr)) {
    const auto x = a.extract<Poco::JSON::Array::Ptr>(), y = b.extract<Poco::JSON::Array::Ptr>();
    if (x->size() != y->size()) return false;
    for (unsigned i = 0; i < x->size(); ++i)
      if (!sameTree(x->get(i), y->get(i))) return false;
    return true;
  }
  if (a.isEmpty()) return b.isEmpty();
  return a.convert<std::string>() == b.convert<std::string>();
}

bool json(std::string_view input) {
  // What the fast reader settles, Poco's parser reads to the same tree (and so accepts).
  if (isValidUtf8(input)) {
    if (const auto fast = readJsonFast(std::string(input))) {
      Poco::JSON::Parser poco(new Poco::JSON::ParseHandler(true));
      poco.setDepth(kMaxJsonDepth);
      Poco::Dynamic::Var tree;
      try {
        tree = poco.parse(std::string(input));
      } catch (const Poco::Exception&) {
        require(false, "JSON the fast reader settles, Poco's parser accepts");
      }
      require(sameTree(*fast, tree), "the fast reader builds Poco's tree");
    }
  }
  try {
    const Poco::Dynamic::Var v = readUntrustedJson(std::string(input));
    visitJsonText(v, [](const std::string&, const std::string&, const std::string& text, bool) {
      require(isValidUtf8(text), "JSON text read from valid UTF-8 is valid UTF-8");
    });
    std::string sorted_text;
    if (appendSortedPocoJson(sorted_text, v)) {
      Poco::JSON::Parser sorted;
      require(sorted_text == pocoJsonText(sorted.parse(pocoJsonText(v))), "JSON written sorted is what Poco's sorting parse writes");
    }
    return true;
  } catch (const JsonSyntaxError&) {
    return false;
  }
}

}  // namespace

// A bounce mailbox file, as the daemon reads it: whatever it keeps is bounded, one line, and ASCII.
bool deliveryReport(std::string_view input) {
  const delivery::DeliveryReport r = delivery::readDeliveryReport(input);
  require(r.action.size() <= 20 && r.status.size() <= 9 && r.diagnostic.size() <= 300 && r.message_ids.size() <= 10,
          "what a delivery report keeps is bounded");
  for (const std::string* s : {&r.action, &r.status, &r.diagnostic})
    for (unsigned char c : *s) require(c >= 0x20 && c < 0x7f, "what a delivery report keeps is printable ASCII");
  for (const auto& id : r.message_ids)
    require(id.size() >= 2 && id.size() <= 301 && id.front() == '<' && id.back() == '>' &&
                id.find_first_of(" \t\r\n") == std::string::npos,
            "a Message-ID found is one <token>");
  return r.is_report && !r.action.empty() && !r.message_ids.empty();
}

const std::vector<Target>& targets() {
  static const std::vector<Target> kTargets = {
      {"event_batch",
       eventBatch,
       {R"([{"id":"e1","type":"case.registered","occurred_at":"2026-03-30T09:00:00+01:00","case_urn":"52SW0100126","area":"CPS South West","offences":["rape"],"offence_date":"2026-03-01","prosecutor":{"name":"A. Khan","email":"a.khan@example.org"}}])",
        R"({"id":"e2","type":"victim.registered","occurred_at":"2026-03-30T09:05:00+01:00","case_urn":"52SW0100126","victim_id":"v1","name":{"given":"Sam","family":"Jones"},"date_of_birth":"1990-05-01","address":{"lines":["1 High St","Bristol"],"postcode":"BS1 1AA"},"email":"sam@example.org","needs":{"interpreter":"Polish"},"flags":["intimidated"],"representative":{"relationship":"parent_or_guardian","name":"Pat Jones","address":{"lines":["1 High St"]}}})",
        R"({"id":"e3","type":"charging.decided","occurred_at":"2026-04-02T15:20:00+01:00","case_urn":"52SW0100126","decision":"charge","charges":["Rape"],"reasons":"Line one.\nLine two.","first_hearing":{"date":"2026-04-20","court":"Bristol"}})",
        R"({"id":"e4","type":"meeting.responded","occurred_at":"2026-04-02T15:20:00Z","case_urn":"52SW0100126","victim_id":"v1","meeting":"familiarisation_meeting","response":"accepted","scheduled_for":"2026-05-01T10:00:00+01:00","invite_isva":false})"}},
      {"form",
       form,
       {"csrf_token=abc&next=%2Fqueue%3Fstate%3Ddraft&name=web-officer&password=correct+horse",
        "version=2&reasons=Not+enough+evidence.%0D%0A%0D%0ASecond&reasons_was=&free_text=&action=approve"}},
      {"request_target",
       requestTarget,
       {"/api/v1/obligations?status=at_risk&area=CPS+South+West&limit=50&cursor=2026-04-07~VCL-NFA%3Av1%3Ae3",
        "/api/v1/cases/52SW%2F0100126", "/queue?state=draft#main", "/login?next=%2F%2Fevil"}},
      {"delivery_report",
       deliveryReport,
       {"From: MAILER-DAEMON@relay.example.org\r\nSubject: Undelivered Mail\r\nMIME-Version: 1.0\r\nContent-Type: "
        "multipart/report; report-type=delivery-status;\r\n boundary=\"b1\"\r\n\r\n--b1\r\nContent-Type: text/plain"
        "\r\n\r\nYour message could not be delivered.\r\n--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; relay.example.org\r\n\r\nFinal-Recipient: rfc822; sam@example.org\r\nAction: failed\r\n"
        "Status: 5.1.1\r\nDiagnostic-Code: smtp; 550 5.1.1 no such user\r\n\r\n--b1\r\nContent-Type: "
        "text/rfc822-headers\r\n\r\nMessage-ID: <letter.l-7.v1@example.org>\r\nSubject: A letter\r\n\r\n--b1--\r\n",
        "Content-Type: multipart/report; boundary=x\n\n--x\nContent-Type: multipart/mixed; boundary=y\n\n--y\n"
        "Content-Type: message/delivery-status\n\nAction: delivered\nStatus: 2.0.0\n--y--\n--x\nContent-Type: "
        "message/rfc822\n\nMessage-ID: <isva-notification.n-3@example.org>\n\nbody\n--x--\n"}},
      {"json", json, {R"({"version":2,"fields":{"reasons":"x","reasons_cy":"y"},"free_text":"z\n\tq"})", "[1,2.5e3,true,null,\"\\u00e9\"]",
                R"( {"a":[-12,0,123456789012345678,{"b":"\"\\\/\b\f\n\r\t","c":[[]],"":{}}],"d":false,"e":null} )",
                "[\"x\"]", "[-7]", "[true]"}},  // a root that is not an object or array: Poco's parser refuses some
  };
  return kTargets;
}

}  // namespace vc::fuzz
