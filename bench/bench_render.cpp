// bench_render: letters rendered per second for the longest letter template,
// by mstch (what the daemon uses) beside mustache.js and pystache, on the same
// template, partials and data, in one run, printed as ratios.
//
//   bench_render SOURCE_DIR OUT_DIR [SECONDS]
//
// Loads letter_templates/ as the daemon does, renders every letter in both
// languages from the synthetic sample and picks the longest. Exports it to
// OUT_DIR (layout.mustache, partials.json, context.json), then times for
// SECONDS each (default 3):
//   1. mstch::render alone (the engine, as the others are timed);
//   2. the daemon's TemplateSet::render: the hole check, the engine, and the plain-text form
//      (the engine is CompiledTemplate since issue 16: the same files parsed once);
//   2a. CompiledTemplate alone, checked to give mstch's bytes;
//   3. mustache.js (node, npm "mustache" in bench/.node);
//   4. pystache (Debian's python3-pystache, template parsed once).
// The outputs are compared after undoing the engines' differing escapes
// (mstch writes / as &#x2F;, mustache.js also escapes ` and =, pystache writes ' as &#x27;)
// and collapsing whitespace; a mismatch is reported, not hidden. See docs/benchmarks.md.

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <string>

#include <Poco/File.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <mstch/mstch.hpp>

#include "app/services.h"
#include "letters/letter_context.h"
#include "loading/policy_files.h"
#include "rendering/compiled_template.h"
#include "rendering/html_text.h"

using namespace vc;  // NOLINT

namespace {

using Clock = std::chrono::steady_clock;

struct Timing {
  std::string engine;
  long renders = 0;
  double seconds = 0;
  std::string note;
  double perSecond() const { return seconds > 0 ? renders / seconds : 0; }
};

// Runs `render` repeatedly for `seconds`; returns how many renders fitted.
template <class F>
Timing timeFor(const std::string& engine, double seconds, F render) {
  render();  // warm-up
  Timing t{engine, 0, 0, ""};
  const auto start = Clock::now();
  const auto limit = std::chrono::duration<double>(seconds);
  while (Clock::now() - start < limit) {
    render();
    ++t.renders;
  }
  t.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return t;
}

mstch::node toMstch(const rendering::Value& v) {
  switch (v.type()) {
    case rendering::Value::Type::kText: return v.text();
    case rendering::Value::Type::kBool: return v.boolean();
    case rendering::Value::Type::kList: {
      mstch::array a;
      for (const auto& i : v.items()) a.push_back(toMstch(i));
      return a;
    }
    case rendering::Value::Type::kMap: {
      mstch::map m;
      for (const auto& [k, f] : v.fields()) m.emplace(k, toMstch(f));
      return m;
    }
  }
  return std::string();
}

Poco::Dynamic::Var toJson(const rendering::Value& v) {
  switch (v.type()) {
    case rendering::Value::Type::kText: return v.text();
    case rendering::Value::Type::kBool: return v.boolean();
    case rendering::Value::Type::kList: {
      Poco::JSON::Array::Ptr a = new Poco::JSON::Array;
      for (const auto& i : v.items()) a->add(toJson(i));
      return a;
    }
    case rendering::Value::Type::kMap: {
      Poco::JSON::Object::Ptr o = new Poco::JSON::Object;
      for (const auto& [k, f] : v.fields()) o->set(k, toJson(f));
      return o;
    }
  }
  return {};
}

void writeFile(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The same letter whatever the engine: entities undone, whitespace runs made one space.
std::string normalised(const std::string& html) {
  std::string decoded = rendering::decodeEntities(html), out;
  bool space = false;
  for (char c : decoded) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

// Runs a helper that prints "renders=N seconds=S version=V".
Timing runHelper(const std::string& engine, const std::string& command, const std::vector<std::string>& args) {
  Poco::Pipe out;
  Poco::ProcessHandle ph = Poco::Process::launch(command, args, nullptr, &out, nullptr);
  Poco::PipeInputStream in(out);
  std::string line, all;
  while (std::getline(in, line)) all += line + "\n";
  const int rc = ph.wait();
  Timing t{engine, 0, 0, ""};
  if (rc != 0 || std::sscanf(all.c_str(), "renders=%ld seconds=%lf", &t.renders, &t.seconds) != 2) {
    t.note = "did not run (exit " + std::to_string(rc) + "): " + all;
    return t;
  }
  const auto v = all.find("version=");
  if (v != std::string::npos) t.note = all.substr(v + 8, all.find('\n', v) - v - 8);
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: bench_render SOURCE_DIR OUT_DIR [SECONDS]" << std::endl;
    return 64;
  }
  const std::string src = argv[1], out = argv[2];
  const double seconds = argc > 3 ? std::stod(argv[3]) : 3.0;
  Poco::File(out).createDirectories();

  const auto calendar = loading::loadCalendar(src + "/config/calendars/england-and-wales.json");
  const auto rules = loading::loadRuleBook({src + "/config/rules/victims-code-2020.json"});
  const auto templates = app::loadLetterTemplates(src + "/letter_templates", rules, calendar);

  // The longest letter, by its rendered size.
  std::string kind, lang;
  size_t longest = 0;
  for (const auto& k : app::letterKinds(rules))
    for (const auto& l : app::kLetterLanguages) {
      const auto r = templates.render(k, l, letters::buildLetterContext(letters::sampleInputs(k, l), calendar).data);
      if (r.html.size() > longest) {
        longest = r.html.size();
        kind = k;
        lang = l;
      }
    }
  const rendering::Value context = letters::buildLetterContext(letters::sampleInputs(kind, lang), calendar).data;
  const std::string& layout = templates.layoutText(kind, lang);
  const std::map<std::string, std::string>& partials = templates.partialTexts(kind, lang);

  writeFile(out + "/layout.mustache", layout);
  Poco::JSON::Object::Ptr partials_json = new Poco::JSON::Object;
  size_t template_bytes = layout.size();
  for (const auto& [name, text] : partials) {
    partials_json->set(name, text);
    template_bytes += text.size();
  }
  std::ostringstream pj, cj;
  partials_json->stringify(pj);
  writeFile(out + "/partials.json", pj.str());
  Poco::JSON::Stringifier::stringify(toJson(context), cj);
  writeFile(out + "/context.json", cj.str());

  const mstch::node node = toMstch(context);
  std::string html;
  std::vector<Timing> timings;
  timings.push_back(timeFor("mstch 1.0.2 (mstch::render)", seconds, [&] { html = mstch::render(layout, node, partials); }));
  writeFile(out + "/mstch.html", html);
  timings.push_back(timeFor("victim-comms TemplateSet::render (holes + engine + text)", seconds,
                            [&] { html = templates.render(kind, lang, context).html; }));
  // The engine the daemon uses since issue 16: the same files parsed once (CompiledTemplate), rendered
  // straight from the Value; its output must be mstch's, byte for byte.
  std::vector<std::unique_ptr<rendering::CompiledTemplate>> compiled_files;
  rendering::CompiledPartials compiled_partials;
  for (const auto& [name, text] : partials) {
    compiled_files.push_back(std::make_unique<rendering::CompiledTemplate>(text));
    compiled_partials[name] = compiled_files.back().get();
  }
  const rendering::CompiledTemplate compiled_layout(layout);
  std::string compiled_html;
  timings.push_back(timeFor("victim-comms CompiledTemplate alone (parsed once)", seconds,
                            [&] { compiled_html = rendering::renderCompiled(compiled_layout, compiled_partials, context); }));
  const bool compiled_same = compiled_html == readFile(out + "/mstch.html");
  timings.back().note = compiled_same ? "same bytes as mstch" : "DIFFERENT BYTES FROM MSTCH";
  Timing node_js = runHelper("mustache.js (node)", "node", {src + "/bench/render_mustache.js", out, std::to_string(seconds)});
  node_js.engine = "mustache.js " + node_js.note + " (node " + "Mustache.render)";
  timings.push_back(node_js);
  Timing py = runHelper("pystache", "/usr/bin/python3", {src + "/bench/render_pystache.py", out, std::to_string(seconds)});
  py.engine = "pystache " + py.note + " (python3, parsed once)";
  timings.push_back(py);

  const std::string reference = normalised(readFile(out + "/mstch.html"));
  std::cout << "Longest letter: " << kind << "." << lang << " (" << longest << " bytes of HTML, " << partials.size()
            << " partials, " << template_bytes << " bytes of template)\n"
            << "Each engine renders the same layout, partials and context for " << seconds << " s.\n\n";
  std::cout << std::left << std::setw(58) << "engine" << std::right << std::setw(12) << "letters/s" << std::setw(12)
            << "µs/letter" << std::setw(14) << "vs mstch" << "  same output\n";
  const double base = timings[0].perSecond();
  for (const auto& t : timings) {
    std::string same = "-";
    if (t.engine.rfind("mustache.js", 0) == 0) same = normalised(readFile(out + "/mustache.js.html")) == reference ? "yes" : "NO";
    if (t.engine.rfind("pystache", 0) == 0) same = normalised(readFile(out + "/pystache.html")) == reference ? "yes" : "NO";
    if (t.engine.rfind("victim-comms CompiledTemplate", 0) == 0) same = compiled_same ? "yes (bytes)" : "NO";
    if (t.renders == 0) {
      std::cout << std::left << std::setw(58) << t.engine << "  " << t.note << "\n";
      continue;
    }
    std::cout << std::left << std::setw(58) << t.engine << std::right << std::fixed << std::setprecision(0)
              << std::setw(12) << t.perSecond() << std::setprecision(1) << std::setw(12) << 1e6 / t.perSecond()
              << std::setprecision(2) << std::setw(13) << t.perSecond() / base << "x  " << same << "\n";
  }
  // The daemon's own work around the engine (hole check, plain-text form): TemplateSet::render less the
  // engine it calls, as a share of one mstch::render call (issue 16, item 6: at most 25%).
  const double us_mstch = 1e6 / timings[0].perSecond(), us_set = 1e6 / timings[1].perSecond(),
               us_engine = 1e6 / timings[2].perSecond();
  std::cout << std::fixed << std::setprecision(1) << "\nAround the engine (TemplateSet::render - CompiledTemplate): "
            << us_set - us_engine << " µs = " << std::setprecision(0) << 100 * (us_set - us_engine) / us_mstch
            << "% of one mstch::render call (" << std::setprecision(1) << us_mstch << " µs)\n";
  // For bench/run.sh's table (RESULT|id|label|value|unit|anchor|ratio).
  std::cout << std::fixed << std::setprecision(1) << "\nRESULT|render.around|work around the engine, "
            << kind << "." << lang << "|" << us_set - us_engine << "|µs|one mstch::render call " << us_mstch
            << " µs|" << std::setprecision(3) << (us_set - us_engine) / us_mstch << "\n"
            << std::setprecision(0) << "RESULT|render.templateset|TemplateSet::render, " << kind << "." << lang << "|"
            << timings[1].perSecond() << "|letters/s|mstch::render " << timings[0].perSecond() << " letters/s|"
            << std::setprecision(3) << timings[1].perSecond() / base << std::endl;
  return compiled_same ? 0 : 1;
}
