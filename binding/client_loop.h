// The CRT event loop a client's connection runs on. The CRT does not say which loop of the group it
// picked, so it is learnt from the first callback that runs on one; a client keeps its loop for
// life. Tasks of the batchers and of the event queue run on it, in order with the CRT's own.
#pragma once

#include <atomic>

struct aws_event_loop;
struct aws_event_loop_group;
struct aws_task;

namespace mqtt5crt {

class ClientLoop {
public:
    // Before the CRT client exists: the group its connection's loop is drawn from (unset: the
    // process-wide group).
    void SetGroup(aws_event_loop_group *group) { group_ = group; }
    aws_event_loop_group *group() const { return group_; }
    // Any thread: the loop, or null until a callback ran on it.
    aws_event_loop *Get() const { return loop_.load(std::memory_order_relaxed); }
    // Any thread: the client's loop when the caller runs on it (learning it on first sight), else null.
    aws_event_loop *IfCurrent();
    // Any thread: runs `task` on the loop as soon as it can. The loop must be known.
    void ScheduleNow(aws_task *task) const;

private:
    std::atomic<aws_event_loop *> loop_{nullptr};
    aws_event_loop_group *group_ = nullptr;  // the client's bootstrap holds it
};

}  // namespace mqtt5crt
