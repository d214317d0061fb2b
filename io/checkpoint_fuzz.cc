#include "io/checkpoint_fuzz.h"

#include <algorithm>
#include <cstring>

#include "common/files.h"

namespace lpt::io {
namespace {

constexpr size_t kHeader = 512;  // the lptrain header (HDF5 user block) before the image

// Signatures of HDF5's metadata structures; mutations aim near them.
constexpr const char* kSignatures[] = {"\x89HDF", "OHDR", "OCHK", "TREE", "HEAP",
                                       "SNOD",    "GCOL", "FRHP", "FHDB", "FHIB",
                                       "BTHD",    "BTIN", "BTLF", "FSHD", "FSSE"};

// Values that break sizes, counts, offsets and lengths.
constexpr uint64_t kInteresting[] = {0,
                                     1,
                                     2,
                                     7,
                                     8,
                                     0x7f,
                                     0x80,
                                     0xff,
                                     0x100,
                                     0x7fff,
                                     0xffff,
                                     0x10000,
                                     0x7fffffff,
                                     0x80000000,
                                     0xffffffff,
                                     0x100000000ULL,
                                     0x7fffffffffffffffULL,
                                     0xffffffffffffffffULL};

std::string Hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

CheckpointData SampleCheckpoint() {
  CheckpointData d;
  d.text_attrs["config"] = "seed: 1\nenv.recipe: hearts\ntrainer.hidden_size: 16\n";
  d.text_attrs["created_utc"] = "2026-01-01T00:00:00Z";
  d.text_attrs["lptrain_version"] = "0.1.0";
  d.int_attrs["iteration"] = 3;
  d.int_attrs["env_steps"] = 18432;
  d.int_attrs["world_size"] = 1;
  ArrayBundle& model = d.groups["model"];
  model.f32["fc.weight"].assign(16 * 24, 0.25f);
  model.shapes["fc.weight"] = {16, 24};
  model.f32["fc.bias"].assign(16, -1.0f);
  ArrayBundle& opt = d.groups["optimizer"];
  opt.f32["exp_avg.fc.weight"].assign(16 * 24, 1e-3f);
  opt.shapes["exp_avg.fc.weight"] = {16, 24};
  opt.f64["lr"] = {1e-3};
  opt.i64["step"] = {7, 7};
  ArrayBundle& cur = d.groups["curriculum"];
  cur.u64["slot_task_id"] = {1, 2, 3, 18446744073709551615ULL};
  cur.f64["slot_fast"] = {0.1, 0.2, 0.3, 0.4};
  cur.str["labels"] = {"impossible|altar.count=0", "trivial|map.instance_size=9", "",
                       std::string(300, 'x')};
  cur.i64["counter.updates"] = {123};
  ArrayBundle& env = d.groups["ranks/0/env"];
  env.u8["planes"].assign(2 * 8 * 13 * 13, 1);
  env.shapes["planes"] = {2, 8, 13, 13};
  env.i64["agent.row"] = {1, 2, 3, 4};
  return d;
}

std::vector<uint8_t> MutateCheckpoint(const std::vector<uint8_t>& file, CounterRng* rng,
                                      std::string* what) {
  std::vector<uint8_t> b = file;
  what->clear();
  const auto note = [&](const std::string& s) { *what += (what->empty() ? "" : "; ") + s; };
  if (b.size() <= kHeader + 16) return ResealCheckpoint(b);
  // Where the structures are.
  std::vector<std::pair<size_t, const char*>> marks;
  for (const char* sig : kSignatures) {
    const size_t len = std::strlen(sig);
    for (size_t at = kHeader; at + len <= b.size(); ++at) {
      if (std::memcmp(b.data() + at, sig, len) == 0) marks.emplace_back(at, sig);
    }
  }
  const auto pick_offset = [&](std::string* near) -> size_t {
    const uint32_t mode = rng->Below(10);
    if (mode < 6 && !marks.empty()) {  // within the structure after a signature
      const auto& m = marks[rng->Below(static_cast<uint32_t>(marks.size()))];
      *near = m.second[0] == '\x89' ? "superblock" : m.second;
      return std::min(b.size() - 1, m.first + rng->Below(96));
    }
    if (mode < 9) {  // the first pages: the superblock, root group, object headers
      *near = "head";
      return kHeader +
             rng->Below(static_cast<uint32_t>(std::min<size_t>(4096, b.size() - kHeader)));
    }
    *near = "anywhere";
    return kHeader + rng->Below(static_cast<uint32_t>(b.size() - kHeader));
  };
  const int edits = 1 + static_cast<int>(rng->Below(3));
  for (int e = 0; e < edits; ++e) {
    std::string near;
    const size_t at = pick_offset(&near);
    const std::string where = " at +" + Hex(at - kHeader) + " (" + near + ")";
    switch (rng->Below(6)) {
      case 0: {  // one bit
        const int bit = static_cast<int>(rng->Below(8));
        b[at] ^= static_cast<uint8_t>(1u << bit);
        note("flipped bit " + std::to_string(bit) + where);
        break;
      }
      case 1: {  // one byte
        const uint8_t v = static_cast<uint8_t>(kInteresting[rng->Below(9)]);
        b[at] = v;
        note("set byte" + where + " to " + Hex(v));
        break;
      }
      case 2:
      case 3: {  // a little-endian field of 2, 4 or 8 bytes: sizes, counts, addresses, lengths
        const size_t width = size_t{2} << rng->Below(3);
        const uint64_t v = kInteresting[rng->Below(sizeof(kInteresting) / sizeof(uint64_t))];
        for (size_t i = 0; i < width && at + i < b.size(); ++i) {
          b[at + i] = static_cast<uint8_t>(v >> (8 * i));
        }
        note("set u" + std::to_string(8 * width) + where + " to " + Hex(v));
        break;
      }
      case 4: {  // a run of zeros or of 0xff
        const size_t len = 1 + rng->Below(32);
        const uint8_t v = rng->Below(2) ? 0 : 0xff;
        std::fill(b.begin() + static_cast<ptrdiff_t>(at),
                  b.begin() + static_cast<ptrdiff_t>(std::min(b.size(), at + len)), v);
        note("filled " + std::to_string(len) + " bytes" + where + " with " + Hex(v));
        break;
      }
      default: {  // truncation
        const size_t keep = kHeader + rng->Below(static_cast<uint32_t>(b.size() - kHeader));
        b.resize(std::max(keep, kHeader + 8));
        note("truncated to " + std::to_string(b.size()) + " bytes");
        marks.erase(std::remove_if(marks.begin(), marks.end(),
                                   [&](const auto& m) { return m.first + 8 >= b.size(); }),
                    marks.end());
        break;
      }
    }
    if (b.size() <= kHeader + 16) break;
  }
  return ResealCheckpoint(b);
}

StatusOr<FuzzReport> FuzzCheckpoints(const FuzzOptions& options,
                                     const std::function<void(int64_t)>& progress) {
  if (options.work_dir.empty()) return Status::InvalidArgument("fuzz: no work directory");
  LPT_RETURN_IF_ERROR(MakeDirs(options.work_dir));
  const std::string valid = options.work_dir + "/valid.h5";
  LPT_RETURN_IF_ERROR(WriteCheckpoint(valid, SampleCheckpoint()));
  LPT_ASSIGN_OR_RETURN(const std::string text, ReadFileText(valid));
  const std::vector<uint8_t> file(text.begin(), text.end());
  const std::string mutant = options.work_dir + "/mutant.h5";
  CounterRng rng(options.seed, 0x66757a7aULL);  // "fuzz"
  FuzzReport report;
  for (int64_t i = 0; i < options.cases; ++i) {
    std::string what;
    const std::vector<uint8_t> bytes = MutateCheckpoint(file, &rng, &what);
    LPT_RETURN_IF_ERROR(WriteFileAtomically(mutant, std::string(bytes.begin(), bytes.end())));
    ReadOptions read_options;
    read_options.parse_timeout_seconds = options.parse_timeout_seconds;
    const StatusOr<CheckpointData> read = ReadCheckpoint(mutant, read_options);
    ++report.cases;
    if (read.ok()) {
      ++report.loaded;
    } else {
      std::string message = read.status().message();
      if (message.find(mutant) == std::string::npos) {
        report.unclear.push_back("case " + std::to_string(i) + " (" + what + "): " + message);
      }
      for (size_t at = message.find(mutant); at != std::string::npos; at = message.find(mutant)) {
        message.replace(at, mutant.size(), "FILE");
      }
      if (message.find("contained") != std::string::npos ||
          message.find("did not finish") != std::string::npos) {
        ++report.contained;
      } else {
        ++report.refused;
      }
      ++report.messages[message];
    }
    if (progress && (i + 1) % 50 == 0) progress(i + 1);
  }
  return report;
}

}  // namespace lpt::io
