// The PUBACKs JS held back for received QoS 1 messages, handed to the CRT in chunks.
//
// Two things in the CRT make the obvious way (one aws_mqtt5_client_invoke_publish_acknowledgement
// per id, each a task of its own) slow when a whole delivery batch is acknowledged at once:
//  - each PUBACK is queued behind every PUBACK not yet written, by a walk from the front, so
//    queueing n of them before the client writes any costs time quadratic in n;
//  - each one reschedules the client's service task (the one that writes) to "now", cancelling
//    it if it was due; PUBACK tasks in every loop iteration keep it from ever running.
// So OnAcks, one task of ours on the client's loop, hands the CRT kAckChunk of them, then rests
// one iteration in which the CRT queues them and the service task runs and writes them.
#pragma once

#include <aws/common/task_scheduler.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

struct aws_mqtt5_client;

namespace mqtt5crt {

class ClientLoop;
class RefCounted;

class AckBatcher {
public:
    // `owner` is held while the task is scheduled.
    AckBatcher(RefCounted &owner, ClientLoop &loop) : owner_(owner), loop_(loop) {}

    // JS thread: sends the PUBACKs for these control ids, in order (client: null once released).
    void Acknowledge(aws_mqtt5_client *client, const uint64_t *ids, size_t count);

private:
    static void OnAcks(aws_task *task, void *arg, aws_task_status status);
    size_t NextChunk(aws_task_status status, uint64_t *chunk);  // mu_ held

    RefCounted &owner_;
    ClientLoop &loop_;
    std::mutex mu_;
    std::vector<uint64_t> ids_;           // guarded by mu_: control ids, handed to the CRT up to pos_
    size_t pos_ = 0;                      // guarded by mu_
    bool scheduled_ = false;              // guarded by mu_: OnAcks is scheduled (holds the owner and client_)
    bool rest_ = false;                   // guarded by mu_: OnAcks lets the next iteration pass
    aws_mqtt5_client *client_ = nullptr;  // a reference held while OnAcks is scheduled
    aws_task task_{};
};

}  // namespace mqtt5crt
