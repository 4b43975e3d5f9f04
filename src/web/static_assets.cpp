#include "web/static_assets.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vc::web {
namespace {

namespace fs = std::filesystem;

std::string readAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

std::string StaticAssets::contentType(const std::string& path) {
  static const std::map<std::string, std::string> kTypes = {
      {".css", "text/css; charset=utf-8"}, {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"}, {".woff2", "font/woff2"}, {".woff", "font/woff"},
      {".png", "image/png"}, {".svg", "image/svg+xml"}, {".ico", "image/x-icon"},
      {".json", "application/json"}};
  const std::string ext = fs::path(path).extension().string();
  auto it = kTypes.find(ext);
  return it == kTypes.end() ? "" : it->second;
}

bool StaticAssets::addFile(const std::string& url, const std::string& path) {
  const std::string type = contentType(path);
  std::error_code ec;
  if (type.empty() || !fs::is_regular_file(path, ec)) return false;
  assets_[url] = Asset{type, readAll(path)};
  return true;
}

size_t StaticAssets::addDirectory(const std::string& url_prefix, const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return 0;
  size_t added = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir, ec)) {
    if (!entry.is_regular_file()) continue;
    const std::string relative = fs::relative(entry.path(), dir).generic_string();
    if (addFile(url_prefix + relative, entry.path().string())) ++added;
  }
  return added;
}

const Asset* StaticAssets::find(const std::string& url) const {
  auto it = assets_.find(url);
  return it == assets_.end() ? nullptr : &it->second;
}

}  // namespace vc::web
