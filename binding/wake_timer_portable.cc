// Platforms without a timer the CRT's threads can arm cheaply: no moderation, every wake-up goes at
// once (libuv's own timers may only be started on the loop's thread).
#include "wake_timer.h"

namespace mqtt5crt {

WakeTimer *MakeWakeTimer(uv_loop_t *, WakeTimer::Fired, void *) { return nullptr; }

}  // namespace mqtt5crt
