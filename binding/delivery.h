// The JS end of a native client's events: the queue CRT threads push to, the wake-up of the JS
// thread, and the sink function each batch is handed to. Any client kind (the MQTT 5 client's
// ClientCore, the MQTT 3.1.1 connection's core) composes one; the producer tells it when the CRT
// object terminated, and it closes its handles once every event was delivered.
//
// Keeping the process alive: while the client runs (SetRunning(true)), the wake-up handle is
// ref'd and the sink held strongly; once stopped, both are weak, so a stopped client lets the
// process exit and its JS wrapper be collected.
#pragma once

#include <napi.h>

#include "event_queue.h"
#include "waker.h"

namespace mqtt5crt {

class ClientLoop;
class RefCounted;

class Delivery {
public:
    using Callback = void (*)(void *arg);

    // `owner` is held by the queue's deferred wake-up task.
    Delivery(RefCounted &owner, ClientLoop &loop) : events_(owner, loop, waker_) {}

    // JS thread: the handles and the sink. `on_closed(arg)` runs once, on the JS thread, after the
    // handles closed (the owner drops the reference the handles held). False: out of memory.
    bool Init(Napi::Env env, Napi::Function sink, Callback on_closed, void *arg);

    EventQueue &events() { return events_; }

    // CRT thread: the CRT object terminated; once its last events are delivered, the handles close.
    void End();

    // JS thread.
    void SetRunning(bool running);
    void KeepAlive(bool keep);  // the wake-up handle ref'd + the sink strong, or neither
    void Close();               // closes the handles (once)
    napi_env env() const { return env_; }

private:
    void Deliver(Napi::Env env);
    void CallSink(napi_env env, napi_value objects, napi_value records, size_t count);
    static void OnWake(void *arg);
    static void OnClosed(void *arg);
    static void OnEnvTeardown(napi_async_cleanup_hook_handle handle, void *arg);

    Waker waker_;
    EventQueue events_;
    Callback on_closed_ = nullptr;
    void *arg_ = nullptr;
    napi_env env_ = nullptr;
    napi_ref sink_ = nullptr;  // weak while stopped, strong while running
    napi_async_context async_context_ = nullptr;
    napi_async_cleanup_hook_handle teardown_hook_ = nullptr;
    bool running_ = false;     // JS thread: the client was started and not stopped since
    bool kept_alive_ = false;  // JS thread: the wake-up handle and the sink are strong
};

}  // namespace mqtt5crt
