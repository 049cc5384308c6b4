#include "waker.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

#include "wake_hub.h"
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
    hub_ = WakeHub::Acquire(env);
    if (!hub_) return false;
    on_wake_ = on_wake;
    arg_ = arg;
    napi_get_uv_event_loop(env, &loop_);
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
    PostLocked();
}

void Waker::PostLocked() {
    if (posted_) return;  // the JS thread has not run it yet: it will take what is queued now too
    posted_ = true;
    hub_->Post(this);
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
    if (closed_ || keep == kept_) return;
    kept_ = keep;
    hub_->Keep(keep);
}

void Waker::Close(Callback on_closed) {
    if (closed_) return;
    KeepAlive(false);
    // Until OnHub ends the closing the loop must stay alive to run it, as it would for a handle
    // being closed: at environment teardown node turns the loop only while it is alive.
    hub_->Keep(true);
    closed_ = true;
    on_closed_ = on_closed;
    WakeTimer *timer = nullptr;
    {
        std::lock_guard<std::mutex> lock(mu_);
        open_ = false;
        closing_ = true;
        std::swap(timer, timer_);
        // Through the hub, like a wake-up, so that a post already listed is run first and the
        // closing ends, as a handle's would, on a later turn of the loop.
        PostLocked();
    }
    if (timer) timer->Close();
}

void Waker::OnHub() {
    bool closing;
    {
        std::lock_guard<std::mutex> lock(mu_);
        posted_ = false;  // wake-ups from here on post again
        closing = closing_;
    }
    if (!closing) {
        on_wake_(arg_);
        return;
    }
    // Closed: nothing can post any more (open_ is false). on_closed_ may free this Waker.
    WakeHub *hub = hub_;
    hub_ = nullptr;
    Callback done = on_closed_;
    void *arg = arg_;
    done(arg);
    hub->Keep(false);
    hub->Release();
}

void Waker::OnTimer(void *arg) {
    auto *self = static_cast<Waker *>(arg);
    if (!self->closed_) self->on_wake_(self->arg_);
}

}  // namespace mqtt5crt
