// Outgoing operations' completions: each operation submitted to the CRT carries an OpContext (which
// queue, which operation id); the CRT's completion callbacks turn the outcome into an event for
// that id and free the context.
#pragma once

#include <atomic>
#include <cstdint>

#include <aws/mqtt/v5/mqtt5_types.h>

namespace mqtt5crt {

class EventQueue;
struct OpBlock;

struct OpContext {
    EventQueue *events;  // the client's queue: alive until the CRT client terminated
    double id;
    OpBlock *block;  // null: allocated alone
};

// Contexts of queued publishes come from a block shared by up to kSize of them (one allocation
// per turn of JS instead of one per publish, made on the JS thread and freed on the CRT's).
struct OpBlock {
    static constexpr uint32_t kSize = 32;
    // One per context handed out and not yet released, plus one while the JS thread may hand out more.
    std::atomic<uint32_t> refs{1};
    uint32_t used = 0;  // JS thread
    OpContext ctx[kSize];
};

OpContext *NewOpContext(EventQueue &events, double id);
void DeleteOpContext(OpContext *op);
void ReleaseOpBlock(OpBlock *block);  // drops one reference

// CRT threads (or the JS thread, for a submission that failed at once): the completion callbacks.
void OnPublishComplete(enum aws_mqtt5_packet_type type, const void *packet, int error_code, void *ctx);
void OnSubscribeComplete(const aws_mqtt5_packet_suback_view *suback, int error_code, void *ctx);
void OnUnsubscribeComplete(const aws_mqtt5_packet_unsuback_view *unsuback, int error_code, void *ctx);

// CRT thread, for aws_mqtt5_client_withdraw_operation: whether the queued operation whose context
// this is has operation id `id`. The context is alive (its operation has not completed), but its
// address may have been another operation's before: the id tells them apart.
bool IsOperation(void *ctx, uint64_t id);

}  // namespace mqtt5crt
