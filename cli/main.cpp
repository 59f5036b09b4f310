// The `sitecache` command: parses the command line, runs one verb, maps the outcome to
// the documented exit status (0 done, 1 failure, 2 usage error, 3 not found). Every error
// is reported on stderr as "sitecache: error: <what>".
#include <cstdio>
#include <exception>

#include "app.hpp"
#include "output.hpp"

using namespace sitecache::cli;

int main(int argc, char** argv) {
  try {
    Application application;
    if (std::optional<int> refused = application.parse(argc, argv)) return *refused;
    return application.run();
  } catch (const std::exception& e) {
    print_lines("sitecache: error: internal error: ", e.what());
  } catch (...) {
    std::fputs("sitecache: error: internal error\n", stderr);
  }
  return kExitFailure;
}
