#include "ack_batcher.h"

#include <aws/mqtt/v5/mqtt5_client.h>

#include <algorithm>

#include "client_loop.h"
#include "ref_counted.h"

namespace mqtt5crt {
namespace {

// PUBACKs handed to the CRT per turn of OnAcks. 16 to 128 measured alike in fan-in (85-92k msg/s,
// broker-bound); a whole batch at once (up to 1,024) 73-78k, one task per PUBACK from the JS
// thread 43k.
constexpr size_t kAckChunk = 64;

}  // namespace

void AckBatcher::Acknowledge(aws_mqtt5_client *client, const uint64_t *ids, size_t count) {
    if (count == 0 || !client) return;
    if (!loop_.Get()) {  // not seen yet (cannot happen for ids from received messages): one task each
        for (size_t i = 0; i < count; ++i) aws_mqtt5_client_invoke_publish_acknowledgement(client, ids[i], nullptr);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(mu_);
        ids_.insert(ids_.end(), ids, ids + count);
        if (scheduled_) return;
        scheduled_ = true;
        client_ = aws_mqtt5_client_acquire(client);
    }
    owner_.Ref();  // the task holds the client core
    aws_task_init(&task_, OnAcks, this, "mqtt5-crt-acks");
    loop_.ScheduleNow(&task_);
}

// The ids to hand over in this run of OnAcks (none in a resting run, or when the loop is going
// away: the CRT cancels its PUBACK tasks too).
size_t AckBatcher::NextChunk(aws_task_status status, uint64_t *chunk) {
    size_t n = 0;
    if (status != AWS_TASK_STATUS_RUN_READY) {
        ids_.clear();
        pos_ = 0;
        rest_ = false;
    } else if (rest_) {
        rest_ = false;
    } else {
        n = std::min(kAckChunk, ids_.size() - pos_);
        std::copy_n(ids_.begin() + static_cast<std::ptrdiff_t>(pos_), n, chunk);
        pos_ += n;
        if (pos_ == ids_.size()) {
            ids_.clear();
            pos_ = 0;
        }
    }
    return n;
}

void AckBatcher::OnAcks(aws_task *task, void *arg, aws_task_status status) {
    auto *self = static_cast<AckBatcher *>(arg);
    aws_mqtt5_client *client = self->client_;  // ours until scheduled_ is cleared
    uint64_t chunk[kAckChunk];
    size_t n;
    bool again;
    {
        std::lock_guard<std::mutex> lock(self->mu_);
        n = self->NextChunk(status, chunk);
        again = !self->ids_.empty();
        if (again) {
            self->rest_ = n > 0;
        } else {
            self->rest_ = false;
            self->scheduled_ = false;
            self->client_ = nullptr;
        }
    }
    for (size_t i = 0; i < n; ++i) aws_mqtt5_client_invoke_publish_acknowledgement(client, chunk[i], nullptr);
    if (again) {
        aws_task_init(task, OnAcks, self, "mqtt5-crt-acks");
        self->loop_.ScheduleNow(task);
        return;
    }
    aws_mqtt5_client_release(client);
    self->owner_.Unref();
}

}  // namespace mqtt5crt
