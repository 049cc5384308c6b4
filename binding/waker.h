// Wakes the JS thread to take a client's queued events.
//
// Two hand-off mechanisms cross from CRT threads to JS in this addon, for different traffic:
//  - client events (this file): a libuv async handle, one per environment shared by its clients
//    (wake_hub.h). Events are already queued, in order, in the client's EventQueue; a wake-up only
//    has to say "look": the client is listed once in the hub until the JS thread ran it. uv_async_send
//    coalesces (many sends before the JS thread runs make one callback), which a thread-safe
//    function's per-call queue does not; at 100k+ events/s that difference counts.
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

class WakeHub;
class WakeTimer;

// The moderation delay in microseconds (MQTT5_CRT_WAKE_DELAY_US, read once per process).
uint64_t WakeDelayUs();

class Waker {
public:
    using Callback = void (*)(void *arg);

    // JS thread: joins the environment's wake hub, not keeping the loop alive; `on_wake(arg)`
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
    // JS thread, once: closes the timer and leaves the hub; `on_closed(arg)` runs later, from
    // the hub, once no wake-up can reach this Waker any more.
    void Close(Callback on_closed);
    bool closed() const { return closed_; }  // JS thread
    // JS thread, from the hub: this Waker's turn (a wake-up, or the end of its closing).
    void OnHub();

private:
    static void OnTimer(void *arg);
    bool Hot() const;
    void PostLocked();  // mu_ held: lists this Waker in the hub unless it is listed

    uv_loop_t *loop_ = nullptr;
    WakeHub *hub_ = nullptr;  // a reference held until OnHub ends the closing
    Callback on_wake_ = nullptr, on_closed_ = nullptr;
    void *arg_ = nullptr;
    bool closed_ = false;     // JS thread: Close() was called
    bool has_timer_ = false;  // JS thread: timer_ was made
    bool kept_ = false;       // JS thread: counted among the hub's keepers
    std::mutex mu_;
    bool open_ = true;                       // guarded by mu_: wake-ups may be posted
    bool posted_ = false;                    // guarded by mu_: listed in the hub, OnHub not run yet
    bool closing_ = false;                   // guarded by mu_: Close() waits for OnHub
    WakeTimer *timer_ = nullptr;             // guarded by mu_: made once the client runs hot
    std::atomic<uint64_t> taken_ns_{0};      // when JS last took events (steady clock)
    std::atomic<uint32_t> taken_events_{0};  // how many it took then
};

}  // namespace mqtt5crt
