// Linux: a timerfd, armed from any thread with one timerfd_settime, watched on the JS thread by a
// libuv poll handle.
#include <sys/timerfd.h>
#include <unistd.h>

#include <cstdlib>

#include "wake_timer.h"

namespace mqtt5crt {
namespace {

class TimerfdWakeTimer final : public WakeTimer {
public:
    TimerfdWakeTimer(int fd, uv_poll_t *poll, Fired fired, void *arg) : fd_(fd), poll_(poll), fired_(fired), arg_(arg) {}

    bool Arm(uint64_t delay_ns) override {
        itimerspec at{};
        at.it_value.tv_sec = static_cast<time_t>(delay_ns / 1000000000);
        at.it_value.tv_nsec = static_cast<long>(delay_ns % 1000000000);
        return timerfd_settime(fd_, 0, &at, nullptr) == 0;
    }

    void Close() override {
        uv_close(AsHandle(poll_), [](uv_handle_t *h) {
            auto *self = static_cast<TimerfdWakeTimer *>(uv_handle_get_data(h));
            ::close(self->fd_);
            std::free(h);
            delete self;
        });
    }

    static void OnReadable(uv_poll_t *handle, int, int) {
        auto *self = static_cast<TimerfdWakeTimer *>(uv_handle_get_data(AsHandle(handle)));
        // Clears its readiness (level-triggered). A failure can only be EAGAIN: nothing expired.
        uint64_t expirations = 0;
        (void)!::read(self->fd_, &expirations, sizeof expirations);
        self->fired_(self->arg_);
    }

private:
    int fd_;
    uv_poll_t *poll_;
    Fired fired_;
    void *arg_;
};

}  // namespace

WakeTimer *MakeWakeTimer(uv_loop_t *loop, WakeTimer::Fired fired, void *arg) {
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) return nullptr;
    auto *poll = static_cast<uv_poll_t *>(std::calloc(1, uv_handle_size(kUvPoll)));
    if (!poll || uv_poll_init(loop, poll, fd) != 0) {
        std::free(poll);
        ::close(fd);
        return nullptr;
    }
    auto *timer = new TimerfdWakeTimer(fd, poll, fired, arg);
    uv_handle_set_data(AsHandle(poll), timer);
    uv_unref(AsHandle(poll));  // the async handle alone decides whether the client keeps the process alive
    uv_poll_start(poll, kUvReadable, TimerfdWakeTimer::OnReadable);
    return timer;
}

}  // namespace mqtt5crt
