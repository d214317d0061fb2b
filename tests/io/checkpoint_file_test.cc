// Checkpoint files: round trip of every array type and shape, atomic publication (a writer
// killed mid-write leaves the previous file valid), and clear errors for damaged files.
#include "io/checkpoint_file.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace lpt::io {
namespace {

std::string TempDir() {
  char dir[] = "/tmp/lptrain_io_XXXXXX";
  EXPECT_NE(mkdtemp(dir), nullptr);
  return dir;
}

CheckpointData Sample() {
  CheckpointData d;
  d.text_attrs["config"] = "seed: 3\nenv.max_steps: 20\n";
  d.text_attrs["created_utc"] = "2026-11-22T00:00:00Z";
  d.int_attrs["iteration"] = 40;
  d.int_attrs["world_size"] = 2;
  ArrayBundle& model = d.groups["model"];
  model.f32["fc.weight"] = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f, 8.0f};
  model.shapes["fc.weight"] = {2, 3};
  model.f32["fc.bias"] = {0.5f, -0.5f};
  ArrayBundle& cur = d.groups["curriculum"];
  cur.f64["slot_fast_ema"] = {0.25, 1e-300, -3.5};
  cur.i64["counters"] = {-1, 0, 9007199254740993};
  cur.u64["task_rng"] = {0xffffffffffffffffULL, 42};
  cur.str["label_names"] = {"arena|rewards.ore_red=0.1", "", "ünïcode"};
  cur.i64["empty"] = {};
  d.groups["ranks/1/env"].u64["rng_key"] = {7, 8, 9};
  d.groups["ranks/1/env"].u8["world.planes"] = {0, 1, 255, 3, 4, 5};
  d.groups["ranks/1/env"].shapes["world.planes"] = {2, 3};
  return d;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteAll(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

TEST(CheckpointFile, EveryGroupTypeAndShapeRoundTrips) {
  const std::string dir = TempDir();
  const CheckpointData d = Sample();
  ASSERT_TRUE(WriteCheckpoint(dir + "/ckpt-40.h5", d).ok());
  const CheckpointData back = ReadCheckpoint(dir + "/ckpt-40.h5").value();
  EXPECT_EQ(back.text_attrs, d.text_attrs);
  EXPECT_EQ(back.int_attrs, d.int_attrs);
  ASSERT_EQ(back.groups.size(), d.groups.size());
  for (const auto& [path, bundle] : d.groups) {
    ASSERT_TRUE(back.groups.count(path)) << path;
    EXPECT_TRUE(back.groups.at(path) == bundle) << path;
  }
  EXPECT_FALSE(std::ifstream(dir + "/ckpt-40.h5.tmp").good());  // published, no leftovers
  std::system(("rm -rf " + dir).c_str());
}

TEST(CheckpointFile, AWriterKilledMidWriteLeavesThePreviousFileValid) {
  const std::string dir = TempDir();
  const std::string path = dir + "/ckpt.h5";
  ASSERT_TRUE(WriteCheckpoint(path, Sample()).ok());
  const std::string before = ReadAll(path);
  CheckpointData big = Sample();
  big.groups["model"].f32["huge"].assign(size_t{1} << 26, 1.0f);  // 256 MB: takes a while
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    (void)WriteCheckpoint(path, big);
    _exit(0);
  }
  // Kill it once the temporary file has started to grow.
  for (int i = 0; i < 2000; ++i) {
    std::ifstream tmp(path + ".tmp");
    if (tmp.good()) break;
    usleep(1000);
  }
  usleep(20000);
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_EQ(ReadAll(path), before) << "the published file must be untouched";
  const CheckpointData still = ReadCheckpoint(path).value();
  EXPECT_EQ(still.int_attrs.at("iteration"), 40);
  std::system(("rm -rf " + dir).c_str());
}

TEST(CheckpointFile, DamagedFilesGiveClearErrorsNamingTheFile) {
  const std::string dir = TempDir();
  const std::string good = dir + "/good.h5";
  ASSERT_TRUE(WriteCheckpoint(good, Sample()).ok());
  const std::string bytes = ReadAll(good);

  WriteAll(dir + "/truncated.h5", bytes.substr(0, bytes.size() / 2));
  Status st = ReadCheckpoint(dir + "/truncated.h5").status();
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  EXPECT_NE(st.message().find("truncated.h5"), std::string::npos) << st.message();

  WriteAll(dir + "/text.h5", "not a checkpoint at all\n");
  st = ReadCheckpoint(dir + "/text.h5").status();
  EXPECT_NE(st.message().find("not an HDF5 file"), std::string::npos) << st.message();
  st = ReadCheckpoint(dir + "/truncated.h5").status();
  EXPECT_NE(st.message().find("truncated"), std::string::npos) << st.message();

  // Flip a bit at bytes all over the file, one at a time: every damaged copy is refused
  // (the header's checksum covers everything after it; a flip inside the unused rest of the
  // header block changes nothing that is read).
  int refused = 0;
  const CheckpointData original = ReadCheckpoint(good).value();
  for (size_t at = 0; at < bytes.size(); at += 97) {
    std::string flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x10);
    WriteAll(dir + "/flipped.h5", flipped);
    StatusOr<CheckpointData> r = ReadCheckpoint(dir + "/flipped.h5");
    if (!r.ok()) {
      ++refused;
      EXPECT_NE(r.status().message().find("flipped.h5"), std::string::npos) << r.status().message();
      continue;
    }
    for (const auto& [path, bundle] : original.groups) {
      ASSERT_TRUE(r->groups.count(path) && r->groups.at(path) == bundle)
          << "byte " << at << " group " << path;
    }
  }
  EXPECT_GT(refused, 0);
  EXPECT_EQ(ReadCheckpoint(dir + "/missing.h5").status().code(), StatusCode::kNotFound);
  std::system(("rm -rf " + dir).c_str());
}

TEST(CheckpointFile, OtherFormatVersionsAreRefusedNamingBoth) {
  const std::string dir = TempDir();
  ASSERT_TRUE(WriteCheckpoint(dir + "/next.h5", Sample(), kFormatVersion + 1).ok());
  const Status st = ReadCheckpoint(dir + "/next.h5").status();
  EXPECT_EQ(st.code(), StatusCode::kCorruption);
  const std::string expected = "next.h5: format version " + std::to_string(kFormatVersion + 1) +
                               ", this lptrain reads version " + std::to_string(kFormatVersion);
  EXPECT_NE(st.message().find(expected), std::string::npos) << st.message();
  std::system(("rm -rf " + dir).c_str());
}

TEST(CheckpointFile, ListingIsNewestFirstIgnoringOtherNamesAndPruningKeepsTheNewest) {
  const std::string dir = TempDir();
  for (int it : {5, 40, 7}) ASSERT_TRUE(WriteCheckpoint(CheckpointPath(dir, it), Sample()).ok());
  for (const char* stray : {"/ckpt-41.h5.tmp", "/ckpt-x.h5", "/notes.txt", "/ckpt-.h5"})
    WriteAll(dir + stray, "x");
  std::vector<int64_t> seen;
  for (const CheckpointEntry& e : ListCheckpoints(dir)) seen.push_back(e.iteration);
  EXPECT_EQ(seen, (std::vector<int64_t>{40, 7, 5}));
  ASSERT_TRUE(PruneCheckpoints(dir, 2).ok());
  seen.clear();
  for (const CheckpointEntry& e : ListCheckpoints(dir)) seen.push_back(e.iteration);
  EXPECT_EQ(seen, (std::vector<int64_t>{40, 7}));
  EXPECT_TRUE(ListCheckpoints(dir + "/missing").empty());
  std::system(("rm -rf " + dir).c_str());
}

TEST(CheckpointFile, ReservedAttributesAreTheWritersOwn) {
  const std::string dir = TempDir();
  CheckpointData d = Sample();
  d.int_attrs["format_version"] = 9;
  EXPECT_EQ(WriteCheckpoint(dir + "/x.h5", d).code(), StatusCode::kInvalidArgument);
  std::system(("rm -rf " + dir).c_str());
}

TEST(CheckpointFile, ReadsWithH5dump) {
  ASSERT_EQ(std::system("command -v h5dump > /dev/null 2>&1"), 0)
      << "h5dump missing (scripts/setup.sh installs hdf5-tools)";
  const std::string dir = TempDir();
  ASSERT_TRUE(WriteCheckpoint(dir + "/c.h5", Sample()).ok());
  FILE* pipe = popen(("h5dump -H " + dir + "/c.h5 2>&1").c_str(), "r");
  std::string out;
  char buf[4096];
  while (std::fgets(buf, sizeof(buf), pipe) != nullptr) out += buf;
  EXPECT_EQ(pclose(pipe), 0) << out;
  for (const char* name :
       {"GROUP \"model\"", "GROUP \"curriculum\"", "GROUP \"ranks\"", "DATASET \"fc.weight\"",
        "H5T_IEEE_F32LE", "H5T_STD_U8LE", "ATTRIBUTE \"format\""}) {
    EXPECT_NE(out.find(name), std::string::npos) << name << "\n" << out;
  }
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace lpt::io
