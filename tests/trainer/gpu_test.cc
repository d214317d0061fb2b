// Training on a GPU (CTest label gpu): an iteration on cuda:0 gives finite losses and keeps
// the model on the device. Skips, saying why, where LibTorch sees no usable GPU.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>

#include "trainer/run/config.h"
#include "trainer/trainer.h"

namespace lpt::trainer {
namespace {

TEST(Gpu, AnIterationOnCudaGivesFiniteLosses) {
  if (!torch::cuda::is_available())
    GTEST_SKIP() << "LibTorch sees no usable GPU (this LibTorch build or machine)";
  run::ConfigBuilder b;
  for (const char* kv :
       {"env.num_envs=2", "env.map.num_agents=4", "env.map.num_instances=1",
        "env.map.instance_size=11", "env.map.border_width=1", "env.max_steps=20",
        "trainer.num_steps=16", "trainer.bptt_horizon=8", "trainer.num_minibatches=2",
        "trainer.device=cuda", "curriculum.num_active_tasks=16"}) {
    ASSERT_TRUE(b.SetArgument(kv).ok()) << kv;
  }
  auto trainer = Trainer::Create(b.Resolve().value(), TrainOptions()).value();
  EXPECT_NE(trainer->Describe().find("device cuda"), std::string::npos) << trainer->Describe();
  const run::MetricsRow row = trainer->RunIteration().value();
  EXPECT_TRUE(std::isfinite(row.Get("losses/value_loss")));
  EXPECT_TRUE(std::isfinite(row.Get("losses/policy_loss")));
}

}  // namespace
}  // namespace lpt::trainer
