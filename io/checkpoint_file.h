// Checkpoint files: HDF5, one file per checkpoint (docs/design.md §6). The root carries
// metadata as attributes; every group ("model", "optimizer", "trainer", "curriculum",
// "ranks/0/env", ...) holds one dataset per named array of an ArrayBundle, with explicit
// little-endian types (float32, float64, int64, uint64, uint8) and variable-length strings for
// text; a numeric array's shape is the dataset's shape.
//
// The first 512 bytes (an HDF5 user block, which HDF5 tools skip) hold lptrain's header: a
// magic string, the file length and a checksum of the rest, verified before HDF5 reads the
// file, so truncated or bit-flipped files are refused with a clear error.
//
// Writing is atomic: the data goes to "<path>.tmp", which is flushed, closed and fsync'ed,
// then renamed over <path>, and the directory is fsync'ed. A crash at any point leaves either
// the old file or the new one, never a half-written <path>.
#ifndef LPTRAIN_IO_CHECKPOINT_FILE_H_
#define LPTRAIN_IO_CHECKPOINT_FILE_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/array_bundle.h"
#include "common/status.h"

namespace lpt::io {

inline constexpr const char* kFormatName = "lptrain-checkpoint";
inline constexpr int64_t kFormatVersion = 2;  // 2: counters stored by name

struct CheckpointData {
  std::map<std::string, std::string> text_attrs;  // e.g. config, created_utc, lptrain_version
  std::map<std::string, int64_t> int_attrs;       // e.g. world_size, iteration, env_steps
  std::map<std::string, ArrayBundle> groups;      // group path (no leading '/') -> arrays
};

// Writes data (plus the format name and version attributes) atomically to path. (Only tests
// of the version check write another format_version.)
Status WriteCheckpoint(const std::string& path, const CheckpointData& data,
                       int64_t format_version = kFormatVersion);
// Reads and validates a checkpoint: lptrain's header (length, checksum) before HDF5 sees a
// byte, then HDF5, format name, format version, every dataset's type and size. Errors name the
// file and the object ("ckpt-4.h5: /model/fc.weight: ..."). A checkpoint is data, never code:
// the HDF5 library can crash or loop on a damaged file whose checksum was made to match, so it
// parses the file first in a forked child process (from memory; its output discarded) and this
// process parses it only when the child did so cleanly; a child that crashed or ran too long
// gives "damaged: the HDF5 library failed on it (..., contained)".
struct ReadOptions {
  // How long the HDF5 library may take parsing the file (in the child) before the file counts
  // as damaged. 0: 30 s plus a second per 50 MB.
  double parse_timeout_seconds = 0;
};
StatusOr<CheckpointData> ReadCheckpoint(const std::string& path, const ReadOptions& options = {});

// A run's checkpoints: DIR/ckpt-<iteration>.h5.
// A checkpoint file's bytes with a header that matches them again (its length and checksum):
// for tools and tests that damage the inside of a file on purpose (io/checkpoint_fuzz.h) so the
// damage reaches the HDF5 parser. Files shorter than the header are returned as they are.
std::vector<uint8_t> ResealCheckpoint(std::vector<uint8_t> bytes);

std::string CheckpointPath(const std::string& dir, int64_t iteration);
struct CheckpointEntry {
  int64_t iteration;
  std::string path;
};
// The checkpoint files in dir, newest (highest iteration) first. Other names, among them
// stray "*.h5.tmp" files of an interrupted write, are ignored. A missing dir has none.
std::vector<CheckpointEntry> ListCheckpoints(const std::string& dir);
// Deletes all but the newest `keep` checkpoints of dir, and stray "ckpt-*.h5.tmp" files of
// interrupted writes (call it only from the one process that writes there).
Status PruneCheckpoints(const std::string& dir, int keep);

}  // namespace lpt::io

#endif  // LPTRAIN_IO_CHECKPOINT_FILE_H_
