// A Poco exception's what() is only its name ("PostgreSQL", "SQLite"): every suite reports its message instead.
#include <Poco/Exception.h>
#include <catch2/catch.hpp>

CATCH_TRANSLATE_EXCEPTION(const Poco::Exception& e) { return e.displayText(); }
