// One libuv async handle per Node environment, shared by the Wakers of all its clients.
//
// Why not one per client: on every wake-up libuv's async callback walks every async handle of the
// loop to find the ones that were sent (uv__async_io iterates loop->async_handles). With a handle
// per client a process of 10,000 clients did 10,000 checks per wake-up, thousands of times a
// second under a trickle of one message per client per second (bench conns10k). The hub's one
// handle is found at once; the Wakers to run are in its list, each at most once (a Waker posts
// itself only when it is not already listed).
#pragma once

#include <napi.h>

#include <mutex>
#include <vector>

#include "uv_min.h"

namespace mqtt5crt {

class Waker;

class WakeHub {
public:
    // JS thread: the environment's hub, made on first use, with a reference for the caller.
    // Null: out of memory.
    static WakeHub *Acquire(napi_env env);
    // JS thread: drops a reference. The last (after environment teardown) closes the handle.
    void Release();
    // Any thread: `waker->OnHub()` runs on the JS thread soon. The waker must not be listed yet
    // and must hold a reference until its OnHub ran.
    void Post(Waker *waker);
    // JS thread: one more (keep) or one fewer client keeping the event loop alive.
    void Keep(bool keep);

private:
    WakeHub() = default;
    static void OnAsync(uv_async_t *handle);
    static void OnTeardown(napi_async_cleanup_hook_handle handle, void *arg);

    uv_async_t *async_ = nullptr;  // uv_handle_size(UV_ASYNC) bytes, freed once closed
    WakeHub **slot_ = nullptr;     // where the environment keeps its hub; cleared at teardown
    napi_async_cleanup_hook_handle teardown_hook_ = nullptr;
    size_t refs_ = 1;     // JS thread: the environment's own, plus one per Waker
    size_t keepers_ = 0;  // JS thread: clients keeping the loop alive
    std::mutex mu_;
    std::vector<Waker *> pending_;  // guarded by mu_
    std::vector<Waker *> running_;  // JS thread: the list being run; the two swap to reuse memory
};

}  // namespace mqtt5crt
