#pragma once
// The SQL a list runs, and its text arguments in order (what follows them, the page size, is bound by
// the list itself). Storage-internal: public only so that a test can hold each filter's plan to the index
// it means to walk (tests/storage/list_index_test.cpp). Not in records.h, which the front includes.

#include <string>
#include <vector>

namespace vc::storage {

struct ListQuery {
  std::string sql;
  std::vector<std::string> args;
};

}  // namespace vc::storage
