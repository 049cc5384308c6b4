// The timer behind wake-up moderation (waker.h): fires once, a delay after it was armed, on the JS
// thread. One implementation per platform, chosen by CMakeLists.txt: wake_timer_linux.cc (a timerfd
// watched by a libuv poll handle: arming it is one system call from any thread, no lock of libuv's)
// and wake_timer_portable.cc (none: MakeWakeTimer returns null and every wake-up goes at once).
#pragma once

#include <cstdint>

#include "uv_min.h"

namespace mqtt5crt {

class WakeTimer {
public:
    using Fired = void (*)(void *arg);
    // Any thread (the waker serialises the calls): fires once after `delay_ns`. False when it
    // cannot; the caller wakes JS at once instead.
    virtual bool Arm(uint64_t delay_ns) = 0;
    // JS thread, once: stops it; it deletes itself when libuv is done with its handle.
    virtual void Close() = 0;

protected:
    virtual ~WakeTimer() = default;
};

// JS thread: a timer on `loop` that calls `fired(arg)` on expiry, or null where there is none.
WakeTimer *MakeWakeTimer(uv_loop_t *loop, WakeTimer::Fired fired, void *arg);

}  // namespace mqtt5crt
