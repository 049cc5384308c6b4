#include "delivery.h"

#include "addon.h"

namespace mqtt5crt {
namespace {

// At most this many events reach JS per wake-up; the rest wait for the next turn of the loop, so
// a message flood cannot starve timers and I/O.
constexpr size_t kMaxBatch = 1024;

}  // namespace

bool Delivery::Init(Napi::Env env, Napi::Function sink, Callback on_closed, void *arg) {
    if (!waker_.Init(env, OnWake, this)) return false;
    on_closed_ = on_closed;
    arg_ = arg;
    env_ = env;
    napi_create_reference(env, sink, 0, &sink_);
    napi_value resource_name = nullptr;
    napi_create_string_utf8(env, "mqtt5-crt", NAPI_AUTO_LENGTH, &resource_name);
    napi_async_init(env, nullptr, resource_name, &async_context_);
    // At environment teardown (process exit, worker termination) the handles are closed; node
    // waits for the close to complete.
    napi_add_async_cleanup_hook(env, OnEnvTeardown, this, &teardown_hook_);
    return true;
}

void Delivery::End() {
    events_.End();  // JS closes the handles once it has taken the last events
    waker_.Wake();
}

void Delivery::OnWake(void *arg) {
    auto *self = static_cast<Delivery *>(arg);
    self->waker_.StartTimerIfHot();
    try {
        self->Deliver(Napi::Env(self->env_));
    } catch (const Napi::Error &) {
        // Converting failed (the environment is going away, or out of memory): the rest of this
        // batch is dropped; a JS exception, if any, stays pending and is reported as uncaught.
    }
    // The CRT object is gone and every event it sent has been delivered: nothing can wake us.
    if (self->events_.Finished()) self->Close();
}

void Delivery::Deliver(Napi::Env env) {
    EventBatch batch = events_.Take(kMaxBatch);
    if (batch.events == 0) return;  // a wake-up whose events an earlier one took: not a batch
    waker_.Taken(batch.events);

    Napi::HandleScope scope(env);
    Addon *addon = env.GetInstanceData<Addon>();
    napi_value records = nullptr;
    double *rec = addon->Records(env, EncodedSize(batch), &records);
    if (!rec) return;
    napi_value objects = nullptr;
    napi_create_array(env, &objects);
    bool stopped = false;
    size_t count = EncodeBatch(env, addon->Keys(), batch, rec, objects, &stopped);
    batch.segments.clear();
    CallSink(env, objects, records, count);
    // A stopped client no longer keeps the process alive, unless it was started again.
    if (stopped && !running_) KeepAlive(false);
}

void Delivery::CallSink(napi_env env, napi_value objects, napi_value records, size_t count) {
    napi_value fn = nullptr;
    if (!sink_ || napi_get_reference_value(env, sink_, &fn) != napi_ok || fn == nullptr) return;
    // The raw call: an exception thrown by the sink stays pending and Node reports it as uncaught
    // when this callback returns (the sink already isolates listener errors).
    napi_value receiver = nullptr;
    napi_value argv[3] = {objects, records, nullptr};
    napi_create_uint32(env, static_cast<uint32_t>(count), &argv[2]);
    napi_get_global(env, &receiver);  // make_callback needs an object receiver; the sink ignores it
    // make_callback: microtasks and nextTicks run when it returns, as after any I/O callback.
    if (napi_make_callback(env, async_context_, receiver, fn, 3, argv, nullptr) == napi_pending_exception) {
        // Node would only warn (DEP0168) about an exception left pending here: report it as
        // uncaught instead, as for any callback.
        napi_value error = nullptr;
        if (napi_get_and_clear_last_exception(env, &error) == napi_ok && error != nullptr) napi_fatal_exception(env, error);
    }
}

// The N-API calls on these paths also run from finalizers and at environment teardown, where
// they may fail harmlessly; they use the C API and ignore the status instead of throwing.
void Delivery::KeepAlive(bool keep) {
    if (keep == kept_alive_ || waker_.closed()) return;
    kept_alive_ = keep;
    waker_.KeepAlive(keep);
    uint32_t count = 0;
    if (sink_ && keep) napi_reference_ref(env_, sink_, &count);
    if (sink_ && !keep) napi_reference_unref(env_, sink_, &count);
}

void Delivery::SetRunning(bool running) {
    running_ = running;
    if (running) KeepAlive(true);
}

void Delivery::Close() {
    if (waker_.closed()) return;
    waker_.Close(OnClosed);
    events_.Shut();
}

void Delivery::OnClosed(void *arg) {
    auto *self = static_cast<Delivery *>(arg);
    self->kept_alive_ = false;
    if (self->sink_) napi_delete_reference(self->env_, self->sink_);
    self->sink_ = nullptr;
    if (self->async_context_) napi_async_destroy(self->env_, self->async_context_);
    self->async_context_ = nullptr;
    if (self->teardown_hook_) napi_remove_async_cleanup_hook(self->teardown_hook_);
    self->teardown_hook_ = nullptr;
    if (self->on_closed_) self->on_closed_(self->arg_);  // may delete the owner, and this with it
}

void Delivery::OnEnvTeardown(napi_async_cleanup_hook_handle, void *arg) {
    static_cast<Delivery *>(arg)->Close();  // OnClosed tells node the cleanup is done
}

}  // namespace mqtt5crt
