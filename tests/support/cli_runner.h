#pragma once
// Runs a program (the `keel` CLI, or mpirun starting it) as a user would, in a test's temporary
// directory, and captures its exit code, stdout and stderr. Header-only: KEEL_CLI_PATH is
// defined for the test binary, not for the support library.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "io/temp_dir.h"
#include "support/text_file.h"

namespace keel::testing {

struct Outcome {
  int code = -1;  // the exit status; a signal shows as 1000 + its number
  std::string out, err;
};

// Runs the shell command `command` in `cwd` with no stdin (the shell quotes nothing: tests pass
// simple arguments).
inline Outcome run_command(const std::string& command, const TempDir& cwd) {
  const std::string out = cwd.file("stdout.txt"), err = cwd.file("stderr.txt");
  const std::string cmd =
      "cd '" + cwd.path().string() + "' && " + command + " >'" + out + "' 2>'" + err + "' </dev/null";
  const int status = std::system(cmd.c_str());
  Outcome r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

#ifdef KEEL_CLI_PATH
// Runs `keel <args>` in `cwd`.
inline Outcome keel(const std::string& args, const TempDir& cwd) {
  return run_command("'" KEEL_CLI_PATH "' " + args, cwd);
}
#endif

}  // namespace keel::testing
