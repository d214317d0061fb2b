// Collective timeouts: every collective is posted non-blocking and polled until it completes
// or the deadline passes. To say who is at fault when one does not complete, the waiting ranks
// ask for signs of life: rank 0 pings every rank, any other rank pings rank 0, and a rank
// answers pings whenever it waits in a collective. A rank that does not answer within a few
// seconds is stopped, stuck outside the loop's collectives (in I/O, say) or gone. Nothing is
// sent while collectives complete in time.
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <list>

#include "common/check.h"
#include "distributed/mpi_util.h"
#include "distributed/world.h"

namespace lpt::distributed {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kPingTag = 0x4c5050;  // "LPP": no other message of lptrain uses these tags
constexpr int kPongTag = 0x4c5051;
constexpr double kAnswerSeconds = 5;  // how long a ping waits for its answer

double g_timeout = 0;

// The standing receive for pings (posted at the first collective with a timeout), and answers
// in flight (a list: MPI holds pointers into its elements).
MPI_Request g_ping = MPI_REQUEST_NULL;
int64_t g_ping_value = 0;
struct Sent {
  int64_t value;
  MPI_Request request;
};
std::list<Sent> g_sent;

Clock::duration Seconds(double s) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
}

void Send(int peer, int tag) {
  g_sent.push_back({0, MPI_REQUEST_NULL});
  MPI_Isend(&g_sent.back().value, 1, MPI_INT64_T, peer, tag, MPI_COMM_WORLD,
            &g_sent.back().request);
}

// Answers a ping that came in; drops answers that went out.
void Serve() {
  if (g_ping == MPI_REQUEST_NULL) {
    MPI_Irecv(&g_ping_value, 1, MPI_INT64_T, MPI_ANY_SOURCE, kPingTag, MPI_COMM_WORLD, &g_ping);
  }
  int done = 0;
  MPI_Status status;
  MPI_Test(&g_ping, &done, &status);
  if (done) {
    Send(status.MPI_SOURCE, kPongTag);
    MPI_Irecv(&g_ping_value, 1, MPI_INT64_T, MPI_ANY_SOURCE, kPingTag, MPI_COMM_WORLD, &g_ping);
  }
  for (auto it = g_sent.begin(); it != g_sent.end();) {
    MPI_Test(&it->request, &done, MPI_STATUS_IGNORE);
    it = done ? g_sent.erase(it) : std::next(it);
  }
}

// Polls until all requests complete (true) or `until` passes (false), answering pings.
bool PollUntil(std::vector<MPI_Request>* requests, Clock::time_point until, Status* error) {
  long sleep_ns = 0;
  for (int polls = 0;; ++polls) {
    int done = 0;
    const int rc = MPI_Testall(static_cast<int>(requests->size()), requests->data(), &done,
                               MPI_STATUSES_IGNORE);
    if (rc != MPI_SUCCESS) {
      *error = MpiStatus(rc, "MPI_Testall");
      return true;
    }
    if (done) return true;
    Serve();
    if (Clock::now() >= until) return false;
    // Spin briefly (a collective of the update loop completes in microseconds), then sleep in
    // growing steps up to a millisecond.
    if (polls > 2000) {
      sleep_ns = std::min<long>(1000000, sleep_ns == 0 ? 10000 : sleep_ns * 2);
      const timespec ts{0, sleep_ns};
      nanosleep(&ts, nullptr);
    }
  }
}

// Pings `peers` and returns those that did not answer within kAnswerSeconds (polling the
// collective meanwhile: *completed is set if it completed after all).
std::vector<int> Unanswered(const std::vector<int>& peers, std::vector<MPI_Request>* collective,
                            bool* completed, Status* error) {
  std::vector<int64_t> answers(peers.size());
  std::vector<MPI_Request> pongs(peers.size(), MPI_REQUEST_NULL);
  for (size_t i = 0; i < peers.size(); ++i) {
    Send(peers[i], kPingTag);
    MPI_Irecv(&answers[i], 1, MPI_INT64_T, peers[i], kPongTag, MPI_COMM_WORLD, &pongs[i]);
  }
  const Clock::time_point until = Clock::now() + Seconds(kAnswerSeconds);
  *completed = false;
  while (Clock::now() < until) {
    if (PollUntil(collective, Clock::now() + std::chrono::milliseconds(20), error)) {
      *completed = true;
      break;
    }
    int all = 0;
    MPI_Testall(static_cast<int>(pongs.size()), pongs.data(), &all, MPI_STATUSES_IGNORE);
    if (all) break;
  }
  std::vector<int> silent;
  for (size_t i = 0; i < peers.size(); ++i) {
    int done = 0;
    MPI_Test(&pongs[i], &done, MPI_STATUS_IGNORE);
    if (!done) {
      silent.push_back(peers[i]);
      MPI_Cancel(&pongs[i]);
      MPI_Request_free(&pongs[i]);
    }
  }
  return silent;
}

std::string List(const std::vector<int>& ranks) {
  std::string s;
  for (int r : ranks) s += (s.empty() ? "" : ", ") + std::to_string(r);
  return s;
}

}  // namespace

void SetCollectiveTimeout(double seconds) { g_timeout = std::max(0.0, seconds); }

Collective::Collective(const char* op) : op_(op) { requests_.reserve(4); }

MPI_Request* Collective::Add() {
  LPT_CHECK(requests_.size() < requests_.capacity()) << "Collective: at most 4 requests";
  requests_.push_back(MPI_REQUEST_NULL);
  return &requests_.back();
}

Status Collective::Wait() {
  const int n = static_cast<int>(requests_.size());
  if (g_timeout <= 0) {
    LPT_MPI_RETURN_IF_ERROR(MPI_Waitall(n, requests_.data(), MPI_STATUSES_IGNORE));
    return Status::Ok();
  }
  Status error;
  const Clock::time_point start = Clock::now();
  if (PollUntil(&requests_, start + Seconds(g_timeout), &error)) return error;
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  char limit[64];
  std::snprintf(limit, sizeof(limit), "%.0f", g_timeout);
  const std::string what = "lptrain: " + ProcessContext() + ": collective '" + op_ +
                           "' did not complete within distributed.timeout_seconds=" + limit +
                           " s: ";
  bool completed = false;
  if (rank == 0) {
    // Rank 0 can ask everyone.
    std::vector<int> peers;
    for (int r = 1; r < size; ++r) peers.push_back(r);
    const std::vector<int> silent = Unanswered(peers, &requests_, &completed, &error);
    if (completed) return error;
    AbortWorld(
        kExitCollectiveTimeout,
        what +
            (silent.empty() ? "every rank answers, but the operation is stuck in the transport"
                            : "rank(s) " + List(silent) + " of " + std::to_string(size) +
                                  " did not answer (stopped, stuck, or their node is gone)") +
            "; ending the job");
  }
  // Another rank asks rank 0; while rank 0 answers, it is rank 0's to judge (it ends the job
  // at its own deadline), so wait one more timeout at most.
  const std::vector<int> silent = Unanswered({0}, &requests_, &completed, &error);
  if (completed) return error;
  if (silent.empty() && PollUntil(&requests_, Clock::now() + Seconds(g_timeout), &error)) {
    return error;
  }
  AbortWorld(kExitCollectiveTimeout,
             what +
                 (silent.empty() ? "rank 0 answers but did not end the job"
                                 : "rank 0 did not answer (stopped, stuck, or its node is gone)") +
                 "; ending the job");
}

}  // namespace lpt::distributed
