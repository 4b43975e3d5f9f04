#include "storage/obligation_body.h"

#include "common/base64.h"

#include "common/error.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <deque>
#include <string_view>
#include <vector>

namespace vc::storage {
namespace {

constexpr const char* kPackedKey = "packed";
constexpr const char* kDeflatedPrefix = "z1:";  // zlib, raw deflate: written until 2026-12; still read
constexpr const char* kZstdPrefix = "z2:";      // zstd: written since (a third of the CPU to pack)

// The explanation's dictionary: the engine's fixed phrases (domain/engine.cpp, entitlement.cpp) and the
// explanation's keys, the commonest last (nearest, cheapest to refer to). Part of both stored formats ("z1", "z2").
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
// wrote, one with a text: a purge marker is kept as it is).
const std::vector<std::string> kRepeatedInExplanation = {"rule", "policy", "trigger_event", "tier", "due_by",
                                                         "trigger_date"};

bool listed(const std::vector<std::string>& keys, std::string_view key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

// Body fields held in the row's columns. Invariant (a writer that broke it would change what the body
// reads as): these columns change only together with the body, in Store::upsertObligations, which packs
// the body against the row it writes and also writes a row whose body is the same but one of tier, policy,
// basis or kind is not; id, rule, victim_id, case_urn and trigger_event never change at all. (The store's
// single writer is not relied on: each row is packed and written in one statement.)
const std::string* columnValue(const ObligationRow& r, std::string_view key) {
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

Error damaged() { return Error(Error::Kind::kInternal, "storage", "a packed obligation body is damaged"); }

// A column's value as a JSON string.
std::string quoted(const std::string& value) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// The body is handled as text, member by member, each value exactly as written (no parse, no re-serialising:
// a body reads back byte for byte whichever JSON writer wrote it, the Ingestor's or SQLite's json_set).
struct Member {
  std::string_view key, value;  // the key as written between its quotes; the value's JSON text
};
constexpr size_t kNone = std::string::npos;

size_t endOfString(std::string_view s, size_t i) {  // s[i] is the opening quote
  // The next quote not escaped, found with memchr (a body is mostly the explanation's long strings; a loop
  // over every byte was most of packing and unpacking it): a quote is escaped when an odd number of
  // backslashes comes right before it. The count stops at the opening quote.
  for (size_t j = i + 1; j < s.size();) {
    const void* found = std::memchr(s.data() + j, '"', s.size() - j);
    if (!found) return kNone;
    const size_t q = static_cast<size_t>(static_cast<const char*>(found) - s.data());
    size_t backslashes = 0;
    while (s[q - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return q + 1;
    j = q + 1;
  }
  return kNone;
}

size_t endOfValue(std::string_view s, size_t i) {
  if (i >= s.size()) return kNone;
  if (s[i] == '"') return endOfString(s, i);
  if (s[i] == '{' || s[i] == '[') {
    int depth = 0;
    for (size_t j = i; j < s.size(); ++j) {
      const char c = s[j];
      if (c == '"') {
        j = endOfString(s, j);
        if (j == kNone) return kNone;
        --j;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return j + 1;
      }
    }
    return kNone;
  }
  size_t j = i;
  while (j < s.size() && s[j] != ',' && s[j] != '}' && s[j] != ']') ++j;
  return j == i ? kNone : j;
}

// The members of a JSON object written without white space; false if `s` is not one.
bool members(std::string_view s, std::vector<Member>& out) {
  out.clear();
  if (s.size() < 2 || s[0] != '{') return false;
  if (s[1] == '}') return s.size() == 2;
  for (size_t i = 1;;) {
    if (i >= s.size() || s[i] != '"') return false;
    const size_t k = endOfString(s, i);
    if (k == kNone || k >= s.size() || s[k] != ':') return false;
    const size_t e = endOfValue(s, k + 1);
    if (e == kNone || e >= s.size()) return false;
    out.push_back({s.substr(i + 1, k - i - 2), s.substr(k + 1, e - k - 1)});
    if (s[e] == '}') return e + 1 == s.size();
    if (s[e] != ',') return false;
    i = e + 1;
  }
}

const std::string_view* find(const std::vector<Member>& ms, std::string_view key) {
  for (const auto& m : ms)
    if (m.key == key) return &m.value;
  return nullptr;
}

void add(std::string& out, std::string_view key, std::string_view value) {
  out += out.size() > 1 ? ",\"" : "\"";
  out.append(key.data(), key.size());
  out += "\":";
  out.append(value.data(), value.size());
}

std::string base64(const std::string& data) {
  return base64Encode(reinterpret_cast<const unsigned char*>(data.data()), data.size());
}

std::string unbase64(std::string_view in, size_t from, size_t to) {
  auto out = base64Decode(in.substr(from, to - from));
  if (!out) throw damaged();
  return std::move(*out);
}

// Packing: zstd with the dictionary loaded once per thread (a ZSTD_CDict), at level 3. zlib with the same
// dictionary cost three times the CPU (14 us an explanation against 4.4 us here, for 147 bytes against
// 185 on average), and packing was a tenth of an import (issue 16 item 1, docs/benchmarks.md). Neither
// the level nor the stream's parameters are part of the format; the dictionary is.
struct ZstdPacker {
  ZSTD_CCtx* cctx = ZSTD_createCCtx();
  ZSTD_CDict* cdict = ZSTD_createCDict(kDictionary, sizeof kDictionary - 1, 3);
  ZstdPacker() {
    // The size is stored before the data (z2:<size>:...): not in the frame too.
    if (cctx) ZSTD_CCtx_setParameter(cctx, ZSTD_c_contentSizeFlag, 0);
  }
  ~ZstdPacker() {
    ZSTD_freeCDict(cdict);
    ZSTD_freeCCtx(cctx);
  }
  ZstdPacker(const ZstdPacker&) = delete;
  ZstdPacker& operator=(const ZstdPacker&) = delete;
};
struct ZstdUnpacker {
  ZSTD_DCtx* dctx = ZSTD_createDCtx();
  ZSTD_DDict* ddict = ZSTD_createDDict(kDictionary, sizeof kDictionary - 1);
  ZstdUnpacker() = default;
  ~ZstdUnpacker() {
    ZSTD_freeDDict(ddict);
    ZSTD_freeDCtx(dctx);
  }
  ZstdUnpacker(const ZstdUnpacker&) = delete;
  ZstdUnpacker& operator=(const ZstdUnpacker&) = delete;
};
// Reading what was packed before ("z1"): one raw inflate stream per thread, reset for each body rather
// than set up again (an initialisation allocates and clears a few hundred KB).
struct Inflater {
  z_stream z{};
  bool ok = false;
  Inflater() { ok = inflateInit2(&z, -15) == Z_OK; }
  ~Inflater() {
    if (ok) inflateEnd(&z);
  }
};

// "z2:<size>:<base64 of the zstd frame>", as a JSON string.
std::string compressed(const std::string& text) {
  thread_local ZstdPacker p;
  if (!p.cctx || !p.cdict) throw damaged();
  std::string out(ZSTD_compressBound(text.size()), '\0');
  ZSTD_CCtx_refCDict(p.cctx, p.cdict);
  const size_t n = ZSTD_compress2(p.cctx, &out[0], out.size(), text.data(), text.size());
  if (ZSTD_isError(n)) throw damaged();
  out.resize(n);
  return std::string("\"") + kZstdPrefix + std::to_string(text.size()) + ":" + base64(out) + "\"";
}

std::string decompressed(std::string_view value) {  // the JSON string compressed() wrote, or an older build's zlib one
  const size_t prefix = 1 + std::char_traits<char>::length(kDeflatedPrefix);
  const size_t colon = value.find(':', prefix);
  if (colon == kNone || value.back() != '"') throw damaged();
  const size_t size = std::stoul(std::string(value.substr(prefix, colon - prefix)));
  const std::string in = unbase64(value, colon + 1, value.size() - 1);
  std::string out(size, '\0');
  if (value.compare(1, 3, kZstdPrefix) == 0) {
    thread_local ZstdUnpacker u;
    if (!u.dctx || !u.ddict) throw damaged();
    const size_t n = ZSTD_decompress_usingDDict(u.dctx, &out[0], out.size(), in.data(), in.size(), u.ddict);
    if (ZSTD_isError(n) || n != size) throw damaged();
    return out;
  }
  thread_local Inflater i;
  z_stream& z = i.z;
  if (!i.ok || inflateReset(&z) != Z_OK ||
      inflateSetDictionary(&z, reinterpret_cast<const Bytef*>(kDictionary), sizeof kDictionary - 1) != Z_OK)
    throw damaged();
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(&out[0]);
  z.avail_out = static_cast<uInt>(out.size());
  if (inflate(&z, Z_FINISH) != Z_STREAM_END || z.total_out != size) throw damaged();
  return out;
}

bool isCompressed(std::string_view value) {
  return value.size() > 4 && value[0] == '"' &&
         (value.compare(1, 3, kDeflatedPrefix) == 0 || value.compare(1, 3, kZstdPrefix) == 0);
}

// An explanation just compressed, and the text it was compressed from.
struct Known {
  std::string_view compressed, text;
};

// The whole explanation from its packed form, given the obligation's own members. A value `known` holds is
// not decompressed again: the compressor gives back what it was given, and the check that a packed body reads back as
// given (packObligationBody) is about the packing around it, which is done in full.
std::string explanation(std::string_view value, const std::vector<Member>& whole, const Known* known = nullptr) {
  const std::string text = known && value == known->compressed ? std::string(known->text) : decompressed(value);
  std::vector<Member> x;
  if (!members(text, x)) throw damaged();
  std::string out = "{";
  for (const auto& k : kExplanationKeys) {
    if (const std::string_view* v = find(x, k))
      add(out, k, *v);
    else if (listed(kRepeatedInExplanation, k))
      if (const std::string_view* own = find(whole, k)) add(out, k, *own);
  }
  for (const auto& m : x)
    if (!listed(kExplanationKeys, m.key)) add(out, m.key, m.value);
  return out + "}";
}

std::string unpack(const std::string& stored, const ObligationRow& r, const Known* known);

}  // namespace

std::string packObligationBody(const std::string& body, const ObligationRow& r) {
  std::vector<Member> whole;
  if (!members(body, whole) || find(whole, kPackedKey)) return body;
  try {
    std::string out = "{";
    add(out, kPackedKey, "1");
    std::string short_text, packed_x;  // the explanation compressed, and the text it was compressed from
    for (const auto& m : whole) {
      if (m.value == "null" || (m.key == "changes" && m.value == "[]")) continue;
      if (const std::string* column = columnValue(r, m.key); column && m.value == quoted(*column)) continue;
      std::vector<Member> x;
      if (m.key == "explanation" && members(m.value, x) && find(x, "text")) {
        std::string short_x = "{";
        for (const auto& xm : x) {
          const std::string_view* own = find(whole, xm.key);
          if (!(listed(kRepeatedInExplanation, xm.key) && own && *own == xm.value)) add(short_x, xm.key, xm.value);
        }
        short_text = short_x + "}";
        packed_x = compressed(short_text);
        add(out, m.key, packed_x);
        continue;
      }
      add(out, m.key, m.value);
    }
    out += "}";
    const Known known{packed_x, short_text};
    if (out.size() >= body.size() || unpack(out, r, packed_x.empty() ? nullptr : &known) != body) return body;
    return out;
  } catch (const std::exception&) {
    return body;  // not a shape this packs: kept as given
  }
}

std::string unpackObligationBody(const std::string& stored, const ObligationRow& r) { return unpack(stored, r, nullptr); }

namespace {

void appendUtf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xc0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xe0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  } else {
    out += static_cast<char>(0xf0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
    out += static_cast<char>(0x80 | (cp & 0x3f));
  }
}

// A JSON string's value (`s` with its quotes), as json_extract gives it; nullopt if an escape is not JSON's.
std::optional<std::string> unescaped(std::string_view s) {
  std::string out;
  auto hex4 = [&](size_t at, unsigned long* cp) {
    if (at + 4 > s.size() - 1) return false;
    *cp = 0;
    for (size_t k = at; k < at + 4; ++k) {
      const char c = s[k];
      const int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (d < 0) return false;
      *cp = *cp * 16 + static_cast<unsigned long>(d);
    }
    return true;
  };
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i + 1 >= s.size()) return std::nullopt;
    switch (s[i]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        unsigned long cp = 0, low = 0;
        if (!hex4(i + 1, &cp)) return std::nullopt;
        i += 4;
        if (cp >= 0xd800 && cp < 0xdc00 && i + 2 < s.size() && s[i + 1] == '\\' && s[i + 2] == 'u' &&
            hex4(i + 3, &low) && low >= 0xdc00 && low < 0xe000) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
          i += 6;
        }
        appendUtf8(out, cp);
        break;
      }
      default: return std::nullopt;
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> obligationBodyMember(const std::string& body, const std::string& key) {
  std::vector<Member> ms;
  if (!members(body, ms)) return std::nullopt;
  const std::string_view* v = find(ms, key);
  if (!v || *v == "null") return std::string();
  if ((*v)[0] == '"') return unescaped(*v);
  return std::string(*v);
}

std::optional<std::string> withObligationBodyMember(const std::string& body, const std::string& key,
                                                    const std::string& json_value) {
  std::vector<Member> ms;
  if (!members(body, ms)) return std::nullopt;
  if (const std::string_view* v = find(ms, key)) {
    const size_t at = static_cast<size_t>(v->data() - body.data());
    return body.substr(0, at) + json_value + body.substr(at + v->size());
  }
  std::string out = body.substr(0, body.size() - 1);
  add(out, key, json_value);
  return out + "}";
}

namespace {

std::string unpack(const std::string& stored, const ObligationRow& r, const Known* known) {
  static const std::string kMark = std::string("{\"") + kPackedKey + "\":";
  if (stored.compare(0, kMark.size(), kMark) != 0) return stored;
  std::vector<Member> packed, whole;
  if (!members(stored, packed)) throw damaged();
  std::deque<std::string> made;  // the values not in `stored`, which `whole` refers to
  for (const auto& key : kBodyKeys) {
    if (const std::string_view* v = find(packed, key)) {
      if (key == "explanation" && isCompressed(*v))
        whole.push_back({key, made.emplace_back(explanation(*v, whole, known))});
      else
        whole.push_back({key, *v});
    } else if (const std::string* column = columnValue(r, key)) {
      whole.push_back({key, made.emplace_back(quoted(*column))});
    } else {
      whole.push_back({key, key == "changes" ? "[]" : "null"});
    }
  }
  for (const auto& m : packed)  // anything set after packing (a purge's json_set sets only listed keys)
    if (m.key != kPackedKey && !listed(kBodyKeys, m.key)) whole.push_back(m);
  std::string out = "{";
  out.reserve(stored.size() * 4);
  for (const auto& m : whole) add(out, m.key, m.value);
  return out + "}";
}

}  // namespace

}  // namespace vc::storage
