// End to end: the lptrain binary trains for a few iterations, writes the resolved config and
// one metrics line per iteration, exits 0; refuses to overwrite a run; rejects bad input with
// exit 2 and a message naming the key.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>

#include "tests/trainer/lptrain_runner.h"
#include "trainer/run/config.h"

namespace lpt::testing {
namespace {

const std::string kSmall = std::string(kTinyRun) + " trainer.total_timesteps=384";

TEST(TrainEndToEnd, FewIterationsWriteConfigAndMetricsAndExitZero) {
  char dir[] = "/tmp/lptrain_e2e_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string run_dir = std::string(dir) + "/run";
  const Outcome ok = Lptrain("train --run-dir " + run_dir + " " + kSmall);
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("iter 3/3"), std::string::npos) << ok.output;

  // The resolved config reads back and is the config that ran.
  run::ConfigBuilder b;
  ASSERT_TRUE(b.LoadYaml(run_dir + "/config.yaml").ok());
  const run::RunConfig c = b.Resolve().value();
  EXPECT_EQ(c.num_envs, 2);
  EXPECT_EQ(c.task.max_steps, 20);
  EXPECT_EQ(c.seed, 5u);

  const std::string metrics = ReadFile(run_dir + "/metrics.jsonl");
  int lines = 0;
  for (char ch : metrics) lines += ch == '\n';
  EXPECT_EQ(lines, 3);
  for (const char* key :
       {"\"charts/sps\":", "\"charts/episode_return\":", "\"env/ore_red.gained\":",
        "\"env/battery_red.gained\":", "\"env/heart.gained\":", "\"losses/approx_kl\":",
        "\"curriculum/gini_sampling\":", "\"timing/update\":"}) {
    EXPECT_NE(metrics.find(key), std::string::npos) << key;
  }

  // A second run into the same directory is refused and changes nothing.
  const Outcome again = Lptrain("train --run-dir " + run_dir + " " + kSmall);
  EXPECT_EQ(again.exit_code, 2) << again.output;
  EXPECT_NE(again.output.find("already holds a run"), std::string::npos) << again.output;
  EXPECT_EQ(ReadFile(run_dir + "/metrics.jsonl"), metrics);
  std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST(TrainEndToEnd, TheBlasInUseIsNamedAndTheReferenceOneWarnedAbout) {
  char dir[] = "/tmp/lptrain_e2e_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string args = " " + std::string(kTinyRun) + " trainer.total_timesteps=128";
  // As installed (scripts/setup.sh installs OpenBLAS): named, no warning.
  const Outcome plain = Lptrain("train --run-dir " + std::string(dir) + "/plain" + args);
  ASSERT_EQ(plain.exit_code, 0) << plain.output;
  EXPECT_NE(plain.output.find("; BLAS "), std::string::npos) << plain.output;
  EXPECT_EQ(plain.output.find("reference BLAS"), std::string::npos) << plain.output;
  // The reference BLAS preloaded over it (where the machine has it): that one is named.
  const char* reference = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3";
  if (access(reference, R_OK) != 0) {
    std::system(("rm -rf " + std::string(dir)).c_str());
    GTEST_SKIP() << "no reference BLAS at " << reference << " to preload";
  }
  const Outcome slow = RunShell("env LD_PRELOAD=" + std::string(reference) + " " + LPTRAIN_BINARY +
                                " train --run-dir " + std::string(dir) + "/slow" + args);
  ASSERT_EQ(slow.exit_code, 0) << slow.output;
  EXPECT_NE(slow.output.find("WARNING: matrix products run on the reference BLAS"),
            std::string::npos)
      << slow.output;
  EXPECT_NE(slow.output.find("; BLAS reference"), std::string::npos) << slow.output;
  std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST(TrainEndToEnd, CtrlCStopsAtAnIterationBoundaryWithExitZero) {
  char dir[] = "/tmp/lptrain_e2e_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string run_dir = std::string(dir) + "/run";
  std::vector<std::string> words = {LPTRAIN_BINARY, "train", "--run-dir", run_dir};
  std::stringstream small(kSmall);
  for (std::string w; small >> w;) words.push_back(w);
  words.push_back("trainer.total_timesteps=100000000");
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);
  pid_t pid;
  ASSERT_EQ(posix_spawn(&pid, LPTRAIN_BINARY, nullptr, nullptr, argv.data(), environ), 0);
  // Wait for two iterations' metrics, then interrupt.
  const auto lines = [&] {
    int n = 0;
    for (char ch : ReadFile(run_dir + "/metrics.jsonl")) n += ch == '\n';
    return n;
  };
  for (int i = 0; i < 600 && lines() < 2; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  ASSERT_GE(lines(), 2);
  kill(pid, SIGINT);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  // Whole lines only: the iteration in progress finished and was logged.
  const std::string metrics = ReadFile(run_dir + "/metrics.jsonl");
  EXPECT_EQ(metrics.back(), '\n');
  EXPECT_GE(lines(), 2);
  std::system(("rm -rf " + std::string(dir)).c_str());
}

TEST(TrainEndToEnd, BadKeysAndValuesExitTwoNamingThem) {
  Outcome bad = Lptrain("train --run-dir /tmp/lptrain_never_created env.max_step=5");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("did you mean 'env.max_steps'"), std::string::npos) << bad.output;
  bad = Lptrain("train --run-dir /tmp/lptrain_never_created trainer.gamma=2");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("trainer.gamma: 2 is out of range [0, 1]"), std::string::npos)
      << bad.output;
  bad = Lptrain("train --config /nonexistent.yaml");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("/nonexistent.yaml"), std::string::npos) << bad.output;
  EXPECT_NE(std::system("test -e /tmp/lptrain_never_created"), 0);
}

TEST(ConfigCommand, ListValuesWithCommasPassThroughTheCommandLine) {
  const Outcome out =
      Lptrain("config curriculum.task_set=custom curriculum.buckets.rewards.ore_red=[0,0.1,0.5]");
  ASSERT_EQ(out.exit_code, 0) << out.output;
  EXPECT_NE(out.output.find("curriculum.buckets.rewards.ore_red: [0, 0.1, 0.5]"), std::string::npos)
      << out.output;
}

TEST(ConfigCommand, ListsEveryKeyWithDefaultAndMeaning) {
  const Outcome out = Lptrain("config");
  ASSERT_EQ(out.exit_code, 0);
  for (const char* key :
       {"env.max_steps", "curriculum.perf_invalidation_batch_size", "trainer.learning_rate",
        "curriculum.buckets.<env field>", "seed", "run"}) {
    EXPECT_NE(out.output.find(key), std::string::npos) << key;
  }
}

// The default task set (mixed difficulty, enumerated) with evaluation during training, then
// `lptrain eval` on the checkpoint: the table, JSON, class filters, and bad input.
TEST(TrainEndToEnd, EvaluationDuringTrainingAndLptrainEvalOnTheCheckpoint) {
  const std::string dir = TempDir();
  const std::string run_dir = dir + "/run";
  const Outcome ok =
      Lptrain("train --run-dir " + run_dir +
              " env.recipe=hearts env.num_envs=1 env.max_steps=24 trainer.num_steps=16 "
              "trainer.bptt_horizon=8 "
              "trainer.num_minibatches=2 trainer.torch_threads=1 trainer.total_timesteps=1536 "
              "eval.interval=2 eval.episodes=1");
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  EXPECT_NE(ok.output.find("mixed_difficulty (26 tasks, enumerated; 7 task features)"),
            std::string::npos)
      << ok.output;
  const std::vector<std::string> rows = Lines(run_dir + "/metrics.jsonl");
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(rows[0].find("eval/success.possible"),
            std::string::npos);  // iteration 1: no evaluation
  for (size_t i : {1u, 3u}) {
    for (const char* key : {"\"eval/success.possible\":", "\"eval/success.learnable\":",
                            "\"eval/hearts.all\":", "\"curriculum/results.impossible\":"}) {
      EXPECT_NE(rows[i].find(key), std::string::npos) << key << " in row " << i;
    }
  }
  // The run's plot draws (every panel's data, evaluation included).
  const Outcome plot = RunShell("/usr/bin/python3 " + std::string(LPT_SOURCE_DIR) +
                                "/scripts/plot_run.py " + run_dir + " " + dir + "/metrics.png");
  EXPECT_EQ(plot.exit_code, 0) << plot.output;
  EXPECT_FALSE(ReadFile(dir + "/metrics.png").empty());
  // Hearts over several runs (the run twice here): the curves, their mean and the last tenth.
  const Outcome hearts =
      RunShell("/usr/bin/python3 " + std::string(LPT_SOURCE_DIR) + "/scripts/plot_hearts.py " +
               dir + "/hearts.png " + run_dir + " " + run_dir);
  EXPECT_EQ(hearts.exit_code, 0) << hearts.output;
  EXPECT_NE(hearts.output.find("last tenth: mean"), std::string::npos) << hearts.output;
  EXPECT_FALSE(ReadFile(dir + "/hearts.png").empty());
  const std::string ckpt = run_dir + "/checkpoints/ckpt-4.h5";
  Outcome eval = Lptrain("eval " + ckpt + " --episodes 1 --seed 3");
  ASSERT_EQ(eval.exit_code, 0) << eval.output;
  EXPECT_NE(eval.output.find("26 tasks x 1 episodes, seed 3, sampled actions"), std::string::npos)
      << eval.output;
  EXPECT_NE(eval.output.find("trivial|map.instance_size=9"), std::string::npos) << eval.output;
  EXPECT_NE(eval.output.find("possible"), std::string::npos) << eval.output;
  // The same seed gives the same table, whatever the thread count.
  const Outcome again = Lptrain("eval " + ckpt + " --episodes 1 --seed 3 --threads 2 --json");
  const Outcome once = Lptrain("eval " + ckpt + " --episodes 1 --seed 3 --json");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  std::string a = again.output, b = once.output;
  a = a.substr(a.find("\"tasks\""));
  b = b.substr(b.find("\"tasks\""));
  EXPECT_EQ(a, b);
  const Outcome learnable = Lptrain("eval " + ckpt + " --episodes 1 --class learnable --greedy");
  ASSERT_EQ(learnable.exit_code, 0) << learnable.output;
  EXPECT_NE(learnable.output.find("16 tasks x 1 episodes"), std::string::npos) << learnable.output;
  EXPECT_NE(learnable.output.find("greedy actions"), std::string::npos) << learnable.output;
  const Outcome custom =
      Lptrain("eval " + ckpt + " --episodes 1 --task altar.initial_resource_count=6");
  ASSERT_EQ(custom.exit_code, 0) << custom.output;
  EXPECT_NE(custom.output.find("altar.initial_resource_count=6"), std::string::npos)
      << custom.output;
  for (const std::string& bad :
       {"eval " + dir + "/missing.h5", "eval " + ckpt + " --task nothing=1",
        "eval " + ckpt + " --class nonesuch", "eval " + ckpt + " --episodes 0"}) {
    const Outcome out = Lptrain(bad);
    EXPECT_EQ(out.exit_code, 2) << bad << "\n" << out.output;
  }
  RemoveDir(dir);
}

// lptrain replay writes one self-contained page; a real browser (headless Chromium) runs its
// script, which draws every recorded frame and writes a summary the test reads back.
TEST(Replay, ThePageDrawsEveryFrameAndEveryAgentInABrowser) {
  const std::string dir = TempDir();
  const std::string run_dir = dir + "/run";
  ASSERT_EQ(Lptrain("train --run-dir " + run_dir + " " + kTinyRun + " trainer.total_timesteps=256")
                .exit_code,
            0);
  const std::string ckpt = run_dir + "/checkpoints/ckpt-2.h5";
  const std::string page = dir + "/replay.html";
  const Outcome made = Lptrain("replay " + ckpt + " --steps 15 --seed 4 --out " + page);
  ASSERT_EQ(made.exit_code, 0) << made.output;
  EXPECT_NE(made.output.find("16 frames (15 steps), 4 agents"), std::string::npos) << made.output;
  const std::string html = ReadFile(page);
  // Self-contained: no network, no external script or style.
  for (const char* outside : {"http://", "https://", "<script src", "<link"}) {
    EXPECT_EQ(html.find(outside), std::string::npos) << outside;
  }
  // The whole episode (20 steps here) when no --steps is given.
  const Outcome whole = Lptrain("replay " + ckpt + " --out " + dir + "/whole.html");
  ASSERT_EQ(whole.exit_code, 0) << whole.output;
  EXPECT_NE(whole.output.find("21 frames (20 steps, the whole episode)"), std::string::npos)
      << whole.output;
  // Bad input: exit 2, nothing written.
  for (const std::string& bad :
       {"replay " + dir + "/missing.h5 --out " + dir + "/x.html", "replay " + ckpt,
        "replay " + ckpt + " --task nothing=1 --out " + dir + "/x.html",
        "replay " + ckpt + " --recipe nonesuch --out " + dir + "/x.html"}) {
    EXPECT_EQ(Lptrain(bad).exit_code, 2) << bad;
  }
  EXPECT_TRUE(ReadFile(dir + "/x.html").empty());

  const Outcome which = RunShell("sh -c 'command -v chromium || command -v chromium-browser'");
  if (which.exit_code != 0) {
    RemoveDir(dir);
    GTEST_SKIP() << "no Chromium on this machine (scripts/setup.sh installs Debian's chromium; "
                    "it could not be installed here), so the page was not run in a browser";
  }
  std::string browser = which.output.substr(0, which.output.find('\n'));
  const Outcome dom =
      RunShell(browser +
                   " --headless --no-sandbox --disable-gpu --disable-background-networking "
                   "--disable-component-update --disable-sync --no-first-run --user-data-dir=" +
                   dir + "/browser --dump-dom file://" + page + " 2>/dev/null",
               180);
  ASSERT_EQ(dom.exit_code, 0) << dom.output.substr(0, 2000);
  const size_t at = dom.output.find("<pre id=\"summary\">");
  ASSERT_NE(at, std::string::npos) << "the page's script did not run";
  const std::string summary = dom.output.substr(at, dom.output.find("</pre>", at) - at);
  EXPECT_NE(summary.find("frames drawn: 16 of 16"), std::string::npos) << summary;
  EXPECT_NE(summary.find("agents: 4"), std::string::npos) << summary;
  // One agent row per agent in the side panel.
  size_t rows = 0;
  for (size_t p = dom.output.find("class=\"agent\""); p != std::string::npos;
       p = dom.output.find("class=\"agent\"", p + 1)) {
    ++rows;
  }
  EXPECT_EQ(rows, 4u);
  RemoveDir(dir);
}

}  // namespace
}  // namespace lpt::testing
