#include "http/json_io.h"

#include <sstream>

#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include "common/json_reader.h"
#include "common/text.h"
#include "domain/date.h"

namespace vc::http {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

Object::Ptr ordered() { return new Object(Poco::JSON_PRESERVE_KEY_ORDER); }

Var parseJson(const std::string& text) {
  Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));  // keep the stored key order
  return parser.parse(text);
}

Response json(const Object::Ptr& o, int status) {
  std::ostringstream os;
  o->stringify(os);
  Response r;
  r.status = status;
  r.body = os.str();
  return r;
}

Response json(std::string text, int status) {
  Response r;
  r.status = status;
  r.body = std::move(text);
  return r;
}

Error notFound(const std::string& what) { return Error(Error::Kind::kNotFound, "not_found", what); }

void requireJsonBody(const Request& req) {
  const std::string& ct = req.content_type;
  const std::string media = ct.substr(0, ct.find(';'));
  if (media != "application/json")
    throw Error(Error::Kind::kUnsupportedMediaType, "unsupported_media_type",
                "the body must be JSON with Content-Type: application/json (got '" + ct + "')");
}

int limitFrom(const Request& req) {
  const std::string text = req.queryOr("limit", "100");
  int n = 0;
  try {
    size_t used = 0;
    n = std::stoi(text, &used);
    if (used != text.size()) n = 0;
  } catch (...) {
    n = 0;
  }
  if (n < 1 || n > 1000)
    throw Error(Error::Kind::kInvalidArgument, "invalid_query", "limit: must be a whole number from 1 to 1000", {},
                "limit");
  return n;
}

std::string dateParam(const Request& req, const std::string& key) {
  std::string v = req.queryOr(key);
  if (!v.empty() && !domain::Date::parse(v))
    throw Error(Error::Kind::kInvalidArgument, "invalid_query", key + ": not a date (YYYY-MM-DD)", {}, key);
  return v;
}

Object::Ptr bodyObject(const Request& req) {
  requireJsonBody(req);
  Var v;
  try {
    v = readUntrustedJson(req.body);
  } catch (const JsonSyntaxError& e) {
    throw Error(Error::Kind::kInvalidArgument, "invalid_json", std::string("the body is not valid JSON: ") + e.what());
  }
  if (v.type() != typeid(Object::Ptr))
    throw Error(Error::Kind::kInvalidArgument, "invalid_json", "the body must be a JSON object");
  // The text a caller sends us here is either a code or an officer's paragraphs.
  visitJsonText(v, [](const std::string& path, const std::string&, const std::string& text, bool is_key) {
    if (auto problem = textProblem(text, is_key ? TextKind::kLine : TextKind::kFreeText)) {
      const std::string field = path.empty() ? "keys" : path;
      throw Error(Error::Kind::kInvalidArgument, "invalid_body", field + ": " + (is_key ? "a key " : "") + *problem, {},
                  field);
    }
  });
  return v.extract<Object::Ptr>();
}

storage::AuditFilter auditFilterFrom(const Request& req) {
  storage::AuditFilter f;
  f.actor = req.queryOr("actor");
  f.action = req.queryOr("action");
  f.subject = req.queryOr("subject");
  f.correlation_id = req.queryOr("correlation_id");
  const std::string from = dateParam(req, "from"), to = dateParam(req, "to");
  if (!from.empty()) f.at_from = from;
  if (!to.empty()) f.at_before = domain::Date::parse(to)->plusDays(1).toString();
  f.limit = limitFrom(req);
  f.area = req.principal->areaScope();  // a manager bound to an Area sees the entries about it only
  const std::string cursor = req.queryOr("cursor");
  if (!cursor.empty()) {
    try {
      size_t used = 0;
      f.before_seq = std::stoll(cursor, &used);
      if (used != cursor.size() || f.before_seq < 1) throw std::invalid_argument("cursor");
    } catch (const std::exception&) {
      throw Error(Error::Kind::kInvalidArgument, "invalid_query", "cursor: not a cursor this service gave", {},
                  "cursor");
    }
  }
  return f;
}

}  // namespace vc::http
