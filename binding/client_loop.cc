#include "client_loop.h"

#include <aws/io/channel_bootstrap.h>
#include <aws/io/event_loop.h>

#include "addon.h"

namespace mqtt5crt {

aws_event_loop *ClientLoop::IfCurrent() {
    aws_event_loop *loop = Get();
    if (!loop) {
        // Unset: the process-wide group.
        aws_event_loop_group *group = group_ ? group_ : Crt::Get().bootstrap->event_loop_group;
        for (size_t i = 0, n = aws_event_loop_group_get_loop_count(group); i < n && !loop; ++i) {
            aws_event_loop *candidate = aws_event_loop_group_get_loop_at(group, i);
            if (aws_event_loop_thread_is_callers_thread(candidate)) loop = candidate;
        }
        if (loop) loop_.store(loop, std::memory_order_relaxed);
    }
    return loop && aws_event_loop_thread_is_callers_thread(loop) ? loop : nullptr;
}

void ClientLoop::ScheduleNow(aws_task *task) const { aws_event_loop_schedule_task_now(Get(), task); }

}  // namespace mqtt5crt
