#include "wake_hub.h"

#include <cstdlib>

#include "addon.h"
#include "waker.h"

namespace mqtt5crt {

WakeHub *WakeHub::Acquire(napi_env env) {
    Addon *addon = nullptr;
    napi_get_instance_data(env, reinterpret_cast<void **>(&addon));
    if (!addon) return nullptr;
    if (WakeHub *hub = addon->wake_hub) {
        hub->refs_++;
        return hub;
    }
    auto *hub = new (std::nothrow) WakeHub();
    if (!hub) return nullptr;
    hub->async_ = static_cast<uv_async_t *>(std::calloc(1, uv_handle_size(kUvAsync)));
    if (!hub->async_) {
        delete hub;
        return nullptr;
    }
    uv_loop_t *loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    uv_async_init(loop, hub->async_, OnAsync);  // fails only for a loop that is not one
    uv_handle_set_data(AsHandle(hub->async_), hub);
    uv_unref(AsHandle(hub->async_));  // only clients that are started keep the process alive
    // Registered before any client's own teardown hook, so it runs after them: the hub's handle
    // stays open for their closing, and goes once the last of them is done.
    napi_add_async_cleanup_hook(env, OnTeardown, hub, &hub->teardown_hook_);
    hub->slot_ = &addon->wake_hub;
    addon->wake_hub = hub;
    hub->refs_++;
    return hub;
}

void WakeHub::Release() {
    if (--refs_ > 0) return;
    uv_close(AsHandle(async_), [](uv_handle_t *handle) {
        auto *self = static_cast<WakeHub *>(uv_handle_get_data(handle));
        std::free(self->async_);
        if (self->teardown_hook_) napi_remove_async_cleanup_hook(self->teardown_hook_);
        delete self;
    });
}

void WakeHub::OnTeardown(napi_async_cleanup_hook_handle, void *arg) {
    auto *self = static_cast<WakeHub *>(arg);
    if (self->slot_) *self->slot_ = nullptr;
    self->slot_ = nullptr;
    self->Release();  // the environment's reference
}

void WakeHub::Post(Waker *waker) {
    {
        std::lock_guard<std::mutex> lock(mu_);
        pending_.push_back(waker);
    }
    uv_async_send(async_);  // coalesces: many posts before the JS thread runs make one callback
}

void WakeHub::Keep(bool keep) {
    const size_t before = keepers_;
    keepers_ = keep ? keepers_ + 1 : keepers_ - 1;
    if (before == 0 && keepers_ > 0) uv_ref(AsHandle(async_));
    if (before > 0 && keepers_ == 0) uv_unref(AsHandle(async_));
}

void WakeHub::OnAsync(uv_async_t *handle) {
    auto *self = static_cast<WakeHub *>(uv_handle_get_data(AsHandle(handle)));
    // A reference for the run: a Waker's OnHub may drop the last other one (its client closed
    // after environment teardown).
    self->refs_++;
    {
        std::lock_guard<std::mutex> lock(self->mu_);
        self->running_.swap(self->pending_);  // pending_ takes running_'s emptied memory
    }
    for (Waker *waker : self->running_) waker->OnHub();  // one posted again meanwhile is in pending_
    self->running_.clear();
    self->Release();
}

}  // namespace mqtt5crt
