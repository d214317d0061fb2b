// lptrain bench fuzz: the checkpoint fuzzing of the CI test (io/checkpoint_fuzz.h), for as
// many cases as you like: how the mutants ended (loaded, refused with a clear error, contained
// HDF5 failures) and the errors seen. A crash or a hang of this process would end it instead.
#include <cstdlib>
#include <string>

#include "common/clock.h"
#include "common/json.h"
#include "common/strings.h"
#include "io/checkpoint_fuzz.h"
#include "trainer/bench/benches.h"

namespace lpt::bench {
namespace {

StatusOr<Report> Run(const BenchArgs& args, const BenchContext& context) {
  io::FuzzOptions options;
  LPT_ASSIGN_OR_RETURN(options.cases, args.Integer("cases", 1, 100000000));
  LPT_ASSIGN_OR_RETURN(const int64_t seed, args.Integer("seed", 0, INT64_MAX));
  options.seed = static_cast<uint64_t>(seed);
  options.work_dir = args.Text("dir");
  if (options.work_dir.empty()) {
    char dir[] = "/tmp/lptrain_fuzz_XXXXXX";
    if (mkdtemp(dir) == nullptr) return Status::IoError("bench fuzz: cannot make a work directory");
    options.work_dir = dir;
  }
  const Stopwatch watch;
  LPT_ASSIGN_OR_RETURN(
      const io::FuzzReport r, io::FuzzCheckpoints(options, [&](int64_t done) {
        if (context.progress) {
          context.progress(StrFormat("bench fuzz: %lld of %lld cases", static_cast<long long>(done),
                                     static_cast<long long>(options.cases)));
        }
      }));
  const double seconds = watch.Seconds();
  Report report;
  report.text = StrFormat(
      "bench fuzz: %lld mutated checkpoints (seed %llu) in %.1f s, in %s\n"
      "  loaded      %8lld   (the mutation hit nothing that matters)\n"
      "  refused     %8lld   (a clear error naming the file)\n"
      "  contained   %8lld   (the HDF5 library crashed or looped on them, in the child)\n"
      "  unclear     %8zu   (errors that do not name the file)\n"
      "errors seen (the file's name as FILE):\n",
      static_cast<long long>(r.cases), static_cast<unsigned long long>(options.seed), seconds,
      options.work_dir.c_str(), static_cast<long long>(r.loaded), static_cast<long long>(r.refused),
      static_cast<long long>(r.contained), r.unclear.size());
  for (const auto& [message, count] : r.messages) {
    report.text += StrFormat("  %8lld  %s\n", static_cast<long long>(count), message.c_str());
  }
  JsonWriter j(9);
  j.BeginObject()
      .String("bench", "fuzz")
      .Int("cases", r.cases)
      .Int("seed", static_cast<int64_t>(options.seed))
      .Int("loaded", r.loaded)
      .Int("refused", r.refused)
      .Int("contained", r.contained)
      .Int("unclear", static_cast<int64_t>(r.unclear.size()))
      .Number("seconds", seconds)
      .EndObject();
  report.json = j.text();
  if (args.Text("dir").empty()) std::system(("rm -rf '" + options.work_dir + "'").c_str());
  return report;
}

}  // namespace

Bench FuzzBench() {
  Bench b;
  b.name = "fuzz";
  b.summary = "mutated checkpoints read back: loaded, refused clearly, or contained, never a crash";
  b.description =
      "Writes a small checkpoint, then mutates it where HDF5 keeps its structure (object headers, "
      "dataspace and datatype messages, attribute sizes, string lengths, truncations), re-seals "
      "each mutant with a valid lptrain header and reads it back with the checkpoint reader. "
      "Counts how the cases ended. The CI test runs 300 cases of seed 1 under ASan and UBSan.";
  b.options = {{"cases", "mutants to read", "2000"},
               {"seed", "seed of the mutations", "1"},
               {"dir", "work directory (default: a temporary one, removed after)", ""}};
  b.run = Run;
  return b;
}

}  // namespace lpt::bench
