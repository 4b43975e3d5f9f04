#pragma once
// The static files the pages use (GOV.UK Frontend's CSS, fonts and images;
// our own CSS and script), read into memory once at start, so a request can
// only ever reach a file that was there and allowed then: no path from a URL
// touches the file system. Immutable after loading; find() is thread-safe.

#include <map>
#include <string>

namespace vc::web {

struct Asset {
  std::string content_type;
  std::string body;
};

class StaticAssets {
 public:
  // Every file under `dir` (recursively) with a known type, served at url_prefix + its relative path.
  // Returns how many were added; a missing directory adds none.
  size_t addDirectory(const std::string& url_prefix, const std::string& dir);
  // One file, if it exists; returns whether it was added.
  bool addFile(const std::string& url, const std::string& path);

  const Asset* find(const std::string& url) const;
  size_t size() const { return assets_.size(); }

  // The MIME type of a served file by its extension ("" for a type we do not serve).
  static std::string contentType(const std::string& path);

 private:
  std::map<std::string, Asset> assets_;
};

}  // namespace vc::web
