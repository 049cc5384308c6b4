#include "waker.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "wake_timer.h"

namespace mqtt5crt {
namespace {

// A batch at least this large, taken less than one delay ago, makes the next wake-up moderated.
constexpr uint32_t kDenseBatch = 4;

uint64_t NowNs() {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count());
}

uint64_t WakeDelayNs() {
    static const uint64_t ns = WakeDelayUs() * 1000;
    return ns;
}

}  // namespace

uint64_t WakeDelayUs() {
    static const uint64_t us = [] {
        uint64_t value = 100;
        const char *v = std::getenv("MQTT5_CRT_WAKE_DELAY_US");
        if (v != nullptr && *v != '\0' && std::strlen(v) <= 7 && std::strspn(v, "0123456789") == std::strlen(v)) {
            value = std::min<uint64_t>(std::strtoull(v, nullptr, 10), 1000000);
        }
        return value;
    }();
    return us;
}

bool Waker::Init(napi_env env, Callback on_wake, void *arg) {
    async_ = static_cast<uv_async_t *>(std::calloc(1, uv_handle_size(kUvAsync)));
    if (!async_) return false;
    on_wake_ = on_wake;
    arg_ = arg;
    napi_get_uv_event_loop(env, &loop_);
    uv_async_init(loop_, async_, OnAsync);  // fails only for a loop that is not one
    uv_handle_set_data(AsHandle(async_), this);
    uv_unref(AsHandle(async_));  // a client keeps the process alive only while started
    return true;
}

bool Waker::Hot() const {
    return taken_events_.load(std::memory_order_relaxed) >= kDenseBatch &&
           NowNs() - taken_ns_.load(std::memory_order_relaxed) < WakeDelayNs();
}

// Called outside the event queue's lock, so that the JS thread, woken, does not find it locked.
void Waker::Wake(bool moderated) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!open_) return;
    if (moderated && timer_ && Hot() && timer_->Arm(WakeDelayNs())) return;
    uv_async_send(async_);
}

void Waker::StartTimerIfHot() {
    if (has_timer_ || closed_ || WakeDelayNs() == 0 || !Hot()) return;
    WakeTimer *timer = MakeWakeTimer(loop_, OnTimer, this);
    if (!timer) return;  // none on this platform, or no fd left: wake-ups go at once
    has_timer_ = true;
    std::lock_guard<std::mutex> lock(mu_);
    timer_ = timer;
}

void Waker::Taken(size_t events) {
    taken_ns_.store(NowNs(), std::memory_order_relaxed);
    taken_events_.store(static_cast<uint32_t>(events), std::memory_order_relaxed);
}

void Waker::KeepAlive(bool keep) {
    if (closed_) return;
    if (keep)
        uv_ref(AsHandle(async_));
    else
        uv_unref(AsHandle(async_));
}

void Waker::Close(Callback on_closed) {
    if (closed_) return;
    closed_ = true;
    on_closed_ = on_closed;
    WakeTimer *timer = nullptr;
    {
        std::lock_guard<std::mutex> lock(mu_);
        open_ = false;
        std::swap(timer, timer_);
    }
    if (timer) timer->Close();
    uv_close(AsHandle(async_), [](uv_handle_t *handle) {
        auto *self = static_cast<Waker *>(uv_handle_get_data(handle));
        std::free(self->async_);
        self->async_ = nullptr;
        self->on_closed_(self->arg_);
    });
}

void Waker::OnAsync(uv_async_t *handle) {
    auto *self = static_cast<Waker *>(uv_handle_get_data(AsHandle(handle)));
    if (!self->closed_) self->on_wake_(self->arg_);
}

void Waker::OnTimer(void *arg) {
    auto *self = static_cast<Waker *>(arg);
    if (!self->closed_) self->on_wake_(self->arg_);
}

}  // namespace mqtt5crt
