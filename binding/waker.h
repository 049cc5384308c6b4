// Wakes the JS thread to take a client's queued events.
//
// Two hand-off mechanisms cross from CRT threads to JS in this addon, for different traffic:
//  - client events (this file): a libuv async handle. Events are already queued, in order, in the
//    client's EventQueue; a wake-up only has to say "look". uv_async_send is lock-free and
//    coalesces (many sends before the JS thread runs make one callback), which a thread-safe
//    function's per-call queue with its mutex does not; at 100k+ events/s that difference counts.
//  - credentials requests (credentials.cc): a Napi::ThreadSafeFunction. Each request is rare,
//    stands alone, and carries its own CRT callback to be called with the result of a JS call: a
//    TSFN queues exactly that (one item per call), and its finalizer tells when the JS function is
//    gone. Nothing there needs batching or coalescing.
//
// Wake-up moderation. Under a dense stream of events each wake-up of the JS thread carried a few
// events, and the fixed cost of the wake-ups (the eventfd write, both threads going to sleep and
// being woken, the callback scope) was a third of the client's CPU at QoS 0. So when the JS thread's
// previous batch had at least kDenseBatch events and was taken less than one delay ago, a wake-up
// from the client's loop comes one delay later, by a timer (wake_timer.h), and carries what arrived
// meanwhile too. Sparse events (a request and its response, a message every few hundred
// microseconds) are delivered at once. A delay of 100 us against 50 and 200 us, and a batch of 4
// (see bench/RESULTS.md): QoS 0 CPU -19% at the same msg/s, p99 latency at 2,000 msg/s unchanged.
// MQTT5_CRT_WAKE_DELAY_US sets the delay (0 turns moderation off; at most 1 s).
#pragma once

#include <napi.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "uv_min.h"

namespace mqtt5crt {

class WakeTimer;

// The moderation delay in microseconds (MQTT5_CRT_WAKE_DELAY_US, read once per process).
uint64_t WakeDelayUs();

class Waker {
public:
    using Callback = void (*)(void *arg);

    // JS thread: the async handle on the environment's loop, not keeping it alive; `on_wake(arg)`
    // runs on the JS thread for each wake-up. False: out of memory.
    bool Init(napi_env env, Callback on_wake, void *arg);
    // Any thread. `moderated`: the wake-up a client's loop sends once an iteration queued events;
    // while the JS thread is taking dense batches, the timer sends it a moment later instead.
    void Wake(bool moderated = false);
    // JS thread, at each wake-up before taking events: the first time they come densely, the
    // timer is made.
    void StartTimerIfHot();
    // JS thread: a batch of `events` was just taken.
    void Taken(size_t events);
    // JS thread: whether the handle keeps the event loop (the process) alive.
    void KeepAlive(bool keep);
    // JS thread, once: closes the handles; `on_closed(arg)` runs once libuv is done with them.
    void Close(Callback on_closed);
    bool closed() const { return closed_; }  // JS thread

private:
    static void OnAsync(uv_async_t *handle);
    static void OnTimer(void *arg);
    bool Hot() const;

    uv_loop_t *loop_ = nullptr;
    uv_async_t *async_ = nullptr;  // uv_handle_size(UV_ASYNC) bytes, freed once closed
    Callback on_wake_ = nullptr, on_closed_ = nullptr;
    void *arg_ = nullptr;
    bool closed_ = false;     // JS thread: Close() was called
    bool has_timer_ = false;  // JS thread: timer_ was made
    std::mutex mu_;
    bool open_ = true;                       // guarded by mu_: async_ may be sent to
    WakeTimer *timer_ = nullptr;             // guarded by mu_: made once the client runs hot
    std::atomic<uint64_t> taken_ns_{0};      // when JS last took events (steady clock)
    std::atomic<uint32_t> taken_events_{0};  // how many it took then
};

}  // namespace mqtt5crt
