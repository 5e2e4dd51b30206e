// The doctest runner for every test file (ctest runs each TEST_CASE as its own test).
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
