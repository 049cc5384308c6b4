#include "publish_batcher.h"

#include <aws/mqtt/v5/mqtt5_client.h>

#include <cstring>
#include <new>

#include "client_loop.h"
#include "operations.h"
#include "ref_counted.h"

namespace mqtt5crt {

PublishBatcher::~PublishBatcher() {
    // The client's release flushes queued publishes; a batch can only be left if the process
    // stopped running JS between a publish and its turn's end. (A scheduled batch holds the owner.)
    if (open_ && !open_->scheduled) {
        for (const QueuedPublish &q : open_->queue.items) {
            if (q.op) DeleteOpContext(q.op);
        }
        delete open_;
    }
    SealBlock();
}

bool PublishBatcher::PublishQueue::Reserve(size_t more) { return Grow(buf, cap, len + more); }

void PublishBatcher::SealBlock() {
    if (block_) ReleaseOpBlock(block_);
    block_ = nullptr;
}

bool PublishBatcher::EnsureBlock() {
    if (block_ && block_->used < OpBlock::kSize) return true;
    SealBlock();
    block_ = new (std::nothrow) OpBlock();
    return block_ != nullptr;
}

OpContext *PublishBatcher::TakeContext(double id) {
    OpContext &op = block_->ctx[block_->used++];
    op = OpContext{&events_, id, block_};
    block_->refs.fetch_add(1, std::memory_order_relaxed);
    return &op;
}

bool PublishBatcher::Queue(aws_mqtt5_client *client, const aws_mqtt5_packet_publish_view &view, double id) {
    if (!loop_.Get() || !client || view.topic.len > UINT32_MAX) return false;
    if (!EnsureBlock()) return false;
    const size_t need = view.topic.len + view.payload.len;
    std::lock_guard<std::mutex> lock(mu_);
    if (!open_) {
        open_ = new (std::nothrow) Batch();
        if (!open_) return false;
        open_->batcher = this;
    }
    PublishQueue &pq = open_->queue;
    if (!pq.Reserve(need)) return false;
    QueuedPublish q;
    q.off = pq.len;
    q.topic_len = static_cast<uint32_t>(view.topic.len);
    q.payload_len = view.payload.len;
    q.qos = view.qos;
    q.retain = view.retain;
    if (view.topic.len) std::memcpy(pq.buf.get() + pq.len, view.topic.ptr, view.topic.len);
    if (view.payload.len) std::memcpy(pq.buf.get() + pq.len + view.topic.len, view.payload.ptr, view.payload.len);
    q.op = TakeContext(id);
    pq.items.push_back(q);
    pq.len += need;
    return true;
}

void PublishBatcher::Schedule(aws_mqtt5_client *client) {
    SealBlock();  // an idle client keeps none
    Batch *batch = nullptr;
    {
        std::lock_guard<std::mutex> lock(mu_);
        if (!open_ || open_->scheduled || !client || !loop_.Get()) return;
        batch = open_;
        batch->scheduled = true;
        batch->client = aws_mqtt5_client_acquire(client);
    }
    owner_.Ref();  // the task holds the client core
    aws_task_init(&batch->task, OnBatch, batch, "mqtt5-crt-publish-batch");
    loop_.ScheduleNow(&batch->task);
}

void PublishBatcher::Submit(aws_mqtt5_client *client, const uint8_t *buf, const QueuedPublish &q) {
    if (!q.op) return;  // withdrawn
    aws_mqtt5_packet_publish_view view{};
    view.topic = aws_byte_cursor_from_array(buf + q.off, q.topic_len);
    view.payload = aws_byte_cursor_from_array(buf + q.off + q.topic_len, q.payload_len);
    view.qos = static_cast<aws_mqtt5_qos>(q.qos);
    view.retain = q.retain;
    SubmitView(client, view, q.op);
}

void PublishBatcher::SubmitView(aws_mqtt5_client *client, const aws_mqtt5_packet_publish_view &view, OpContext *op) {
    aws_mqtt5_publish_completion_options done{};
    done.completion_callback = OnPublishComplete;
    done.completion_user_data = op;
    if (aws_mqtt5_client_publish(client, &view, &done) != AWS_OP_SUCCESS) {
        // What the caller would have been thrown arrives as the operation's rejection.
        OnPublishComplete(AWS_MQTT5_PT_NONE, nullptr, aws_last_error(), op);
    }
}

bool PublishBatcher::SubmitNow(aws_mqtt5_client *client, const aws_mqtt5_packet_publish_view &view, double id) {
    if (!loop_.Get() || !client || !EnsureBlock()) return false;
    Flush(client);  // what is queued goes first
    SubmitView(client, view, TakeContext(id));
    return true;
}

void PublishBatcher::OnBatch(aws_task *, void *arg, aws_task_status status) {
    auto *batch = static_cast<Batch *>(arg);
    PublishBatcher *self = batch->batcher;
    bool run;
    {
        std::lock_guard<std::mutex> lock(self->mu_);
        if (self->open_ == batch) self->open_ = nullptr;
        run = !batch->stolen;
        if (run) self->draining_ = true;
    }
    if (run) {
        for (const QueuedPublish &q : batch->queue.items) {
            if (status == AWS_TASK_STATUS_RUN_READY)
                Submit(batch->client, batch->queue.buf.get(), q);
            else if (q.op)
                OnPublishComplete(AWS_MQTT5_PT_NONE, nullptr, AWS_ERROR_MQTT5_CLIENT_TERMINATED, q.op);
        }
        {
            std::lock_guard<std::mutex> lock(self->mu_);
            self->draining_ = false;
        }
        self->drained_.notify_all();
    }
    aws_mqtt5_client_release(batch->client);
    RefCounted &owner = self->owner_;
    delete batch;
    owner.Unref();
}

bool PublishBatcher::Withdraw(double id, int error_code) {
    OpContext *op = nullptr;
    {
        // open_ is a batch OnBatch has not taken yet (it clears open_ first, under the lock).
        std::lock_guard<std::mutex> lock(mu_);
        if (!open_) return false;
        for (QueuedPublish &q : open_->queue.items) {
            if (q.op && q.op->id == id) {
                op = q.op;
                q.op = nullptr;
                break;
            }
        }
    }
    if (!op) return false;
    OnPublishComplete(AWS_MQTT5_PT_NONE, nullptr, error_code, op);
    return true;
}

void PublishBatcher::Flush(aws_mqtt5_client *client) {
    PublishQueue stolen;
    {
        std::unique_lock<std::mutex> lock(mu_);
        if (open_) {
            std::swap(stolen, open_->queue);
            if (open_->scheduled)
                open_->stolen = true;  // its task frees it
            else
                delete open_;
            open_ = nullptr;
        }
        // A batch the loop is submitting right now goes first: its operations enter the CRT's
        // task queue before anything scheduled from here afterwards.
        drained_.wait(lock, [this] { return !draining_; });
    }
    for (const QueuedPublish &q : stolen.items) {
        if (client)
            Submit(client, stolen.buf.get(), q);
        else if (q.op)
            OnPublishComplete(AWS_MQTT5_PT_NONE, nullptr, AWS_ERROR_MQTT5_CLIENT_TERMINATED, q.op);
    }
}

}  // namespace mqtt5crt
