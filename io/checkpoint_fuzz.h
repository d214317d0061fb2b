// Checkpoint fuzzing: a valid checkpoint's bytes mutated where HDF5 keeps its structure (the
// superblock, object headers, B-trees, local and global heaps: dataspace and datatype
// messages, attribute sizes, string lengths), or truncated, then re-sealed with a valid lptrain
// header so the damage gets past the checksum and reaches the HDF5 parser and the validation
// behind it. Used by the fuzz test (a bounded, seeded number of cases under ASan and UBSan) and
// by `lptrain bench fuzz` (as many as you like).
#ifndef LPTRAIN_IO_CHECKPOINT_FUZZ_H_
#define LPTRAIN_IO_CHECKPOINT_FUZZ_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/rng.h"
#include "io/checkpoint_file.h"

namespace lpt::io {

// A checkpoint like the trainer's, small: every array type, shaped and flat arrays, strings of
// several lengths (labels, the config), text and integer attributes.
CheckpointData SampleCheckpoint();

// One mutant of `file` (a whole checkpoint file, header included), re-sealed; `what` says what
// was done (e.g. "set u32 at +0x2a8 (near TREE) to 0xffffffff; truncated to 3100 bytes").
std::vector<uint8_t> MutateCheckpoint(const std::vector<uint8_t>& file, CounterRng* rng,
                                      std::string* what);

struct FuzzOptions {
  int64_t cases = 300;
  uint64_t seed = 1;
  std::string work_dir;              // where the mutants are written (one file, rewritten per case)
  double parse_timeout_seconds = 5;  // the sample parses in a millisecond: longer is a loop
};

// How the cases ended. Every case ends in exactly one class; a crash or a hang of the reading
// process itself would end the fuzzing instead (that is what the test guards against).
struct FuzzReport {
  int64_t cases = 0;
  int64_t loaded = 0;     // read without error (the mutation hit nothing that matters)
  int64_t refused = 0;    // a clear error naming the file
  int64_t contained = 0;  // the HDF5 library itself failed on it, contained (see ReadCheckpoint)
  std::map<std::string, int64_t> messages;  // error text (file name removed) -> cases
  std::vector<std::string> unclear;         // errors that do not name the file (should be none)
};

// Writes the sample checkpoint, then `cases` mutants of it, reading each with ReadCheckpoint.
// progress (optional) is called every 50 cases.
StatusOr<FuzzReport> FuzzCheckpoints(const FuzzOptions& options,
                                     const std::function<void(int64_t)>& progress = nullptr);

}  // namespace lpt::io

#endif  // LPTRAIN_IO_CHECKPOINT_FUZZ_H_
