#pragma once
// The throwaway PostgreSQL 15 cluster the CTest fixture pg_cluster starts (tests/support/pg_cluster.sh), as the
// postgres_tests see it: its URL and password, and a database of a test's own in it.

#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include <Poco/Data/PostgreSQL/Connector.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include "storage/store_url.h"

namespace vc::testing::pg {

using namespace Poco::Data::Keywords;
using vc::storage::StoreUrl;

inline std::string firstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// The cluster this run's fixture started: its URL (role vc_test) and that role's password.
struct Cluster {
  StoreUrl url;
  std::string password;
  static const Cluster& get() {
    static const Cluster c = [] {
      const std::string dir = VC_PG_STATE_DIR;
      const std::string url = firstLine(dir + "/url");
      if (url.empty())
        throw std::runtime_error("no PostgreSQL cluster: run these tests through ctest (fixture pg_cluster), or "
                                 "start one: bash tests/support/pg_cluster.sh start " + dir);
      return Cluster{vc::storage::parseStoreUrl(url), firstLine(dir + "/password_file")};
    }();
    return c;
  }
  std::unique_ptr<Poco::Data::Session> session(const std::string& dbname) const {
    Poco::Data::PostgreSQL::Connector::registerConnector();
    StoreUrl u = url;
    u.dbname = dbname;
    auto s = std::make_unique<Poco::Data::Session>(Poco::Data::PostgreSQL::Connector::KEY,
                                                   vc::storage::postgresConnectionString(u, password));
    *s << "SET client_min_messages = warning", now;
    return s;
  }
};

inline std::string randomName(const std::string& prefix) {
  static std::mt19937_64 rng{std::random_device{}()};
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(rng()));
  return prefix + hex;
}

// A database of its own for one test, dropped after it.
struct FreshDatabase {
  const Cluster& cluster = Cluster::get();
  std::string name = randomName("vc_t_");
  StoreUrl url;
  FreshDatabase() {
    *cluster.session(cluster.url.dbname) << "CREATE DATABASE " + name, now;
    url = cluster.url;
    url.dbname = name;
  }
  ~FreshDatabase() {
    try {
      *cluster.session(cluster.url.dbname) << "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)", now;
    } catch (...) {
    }
  }
  std::unique_ptr<Poco::Data::Session> session() const { return cluster.session(name); }
};


}  // namespace vc::testing::pg
