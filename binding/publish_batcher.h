// Outgoing publishes batched per turn of JS. Publishes without properties, once the client's event
// loop is known, are not submitted one by one (each a cross-thread task, a lock and often a
// wake-up of the loop) but queued here and submitted together by one task on the loop. JS
// schedules the batch once per turn (a microtask), so a burst of publishes costs one task.
//
// Order is kept for everything else: Flush submits what is queued before the caller submits its
// own operation, or waits for the loop to finish submitting it.
//
// Large payloads are not queued: the CRT copies every packet into its operation on submit, so a
// queued one would be copied twice (and a turn of 64 KiB publishes would grow the batch's buffer
// by doubling into a fresh block of megabytes, paid in page faults). They are submitted at once
// from the JS thread instead, after what is queued: for them one cross-thread task each costs
// less than the extra copy.
#pragma once

#include <aws/common/task_scheduler.h>

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "events.h"

struct aws_mqtt5_client;
struct aws_mqtt5_packet_publish_view;

namespace mqtt5crt {

class ClientLoop;
class EventQueue;
class RefCounted;
struct OpBlock;
struct OpContext;

class PublishBatcher {
public:
    // `owner` is held by a scheduled batch; completions go to `events`.
    PublishBatcher(RefCounted &owner, ClientLoop &loop, EventQueue &events) : owner_(owner), loop_(loop), events_(events) {}
    ~PublishBatcher();

    // JS thread. `client` is null once released. Copies the packet; false when it cannot queue
    // (the caller submits it directly then).
    bool Queue(aws_mqtt5_client *client, const aws_mqtt5_packet_publish_view &view, double id);
    // Payloads of at least this many bytes go by SubmitNow rather than Queue.
    static constexpr size_t kDirectPayloadMin = 16 * 1024;
    // JS thread: submits the packet now, after what is queued; a failure arrives as the
    // operation's rejection, as for a queued one. False when it cannot (no client, no memory).
    bool SubmitNow(aws_mqtt5_client *client, const aws_mqtt5_packet_publish_view &view, double id);
    // JS thread: hands this turn's batch to the loop.
    void Schedule(aws_mqtt5_client *client);
    // JS thread: submits what is queued now, and waits for a batch the loop is submitting; with
    // no client (released) the queued publishes fail instead.
    void Flush(aws_mqtt5_client *client);
    // JS thread: the current block of completion contexts takes no more (end of a turn, release).
    void SealBlock();
    // JS thread: fails publish `id` with `error_code` if it is still in the batch the loop has not
    // begun to submit (then it never reaches the CRT); false if it is not there.
    bool Withdraw(double id, int error_code);

private:
    // A queued publish: its topic and payload are at `off` in its batch's buffer. `op` is null once
    // withdrawn (completed already).
    struct QueuedPublish {
        size_t off;
        size_t payload_len;
        uint32_t topic_len;
        int qos;
        bool retain;
        OpContext *op;
    };
    // One turn's publishes: one buffer for all their bytes (one allocation, not one per publish).
    struct PublishQueue {
        std::vector<QueuedPublish> items;
        Bytes buf;
        size_t len = 0, cap = 0;
        bool Reserve(size_t more);
    };
    struct Batch {
        aws_task task;
        PublishBatcher *batcher;
        aws_mqtt5_client *client;  // a reference held until the task ran
        PublishQueue queue;
        bool scheduled = false;  // guarded by mu_: the task is scheduled (and holds the references)
        bool stolen = false;     // guarded by mu_: JS submitted the items itself
    };
    static void OnBatch(aws_task *task, void *arg, aws_task_status status);
    static void Submit(aws_mqtt5_client *client, const uint8_t *buf, const QueuedPublish &q);
    static void SubmitView(aws_mqtt5_client *client, const aws_mqtt5_packet_publish_view &view, OpContext *op);
    bool EnsureBlock();                 // JS thread: block_ has room for one more context
    OpContext *TakeContext(double id);  // JS thread, after EnsureBlock

    RefCounted &owner_;
    ClientLoop &loop_;
    EventQueue &events_;
    OpBlock *block_ = nullptr;  // JS thread: the completion contexts of queued publishes come from here
    std::mutex mu_;
    std::condition_variable drained_;
    Batch *open_ = nullptr;  // guarded by mu_: not started, still accepting
    bool draining_ = false;  // guarded by mu_: OnBatch is submitting
};

}  // namespace mqtt5crt
