// A count of owners, the last of which deletes the object. A client core has three (see
// client_core.h); every task it schedules on a CRT loop holds one more until the task ran, so a
// CRT thread never runs code of a core that is gone.
#pragma once

#include <atomic>

namespace mqtt5crt {

class RefCounted {
public:
    RefCounted(const RefCounted &) = delete;
    RefCounted &operator=(const RefCounted &) = delete;

    void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
    void Unref() {
        if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
    }

protected:
    explicit RefCounted(int owners) : refs_(owners) {}
    virtual ~RefCounted() = default;

private:
    std::atomic<int> refs_;
};

}  // namespace mqtt5crt
