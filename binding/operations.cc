#include "operations.h"

#include <aws/mqtt/v5/mqtt5_client.h>

#include <memory>

#include "event_queue.h"
#include "stored_packets.h"

namespace mqtt5crt {

OpContext *NewOpContext(EventQueue &events, double id) { return new OpContext{&events, id, nullptr}; }

void ReleaseOpBlock(OpBlock *block) {
    if (block->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) delete block;
}

void DeleteOpContext(OpContext *op) {
    if (op->block)
        ReleaseOpBlock(op->block);
    else
        delete op;
}

namespace {
void Complete(void *ctx, EventType type, int error_code, std::unique_ptr<OwnedPacket> packet, Simple simple = Simple::No,
              uint8_t reason_code = 0) {
    auto *op = static_cast<OpContext *>(ctx);
    Event ev;
    ev.type = type;
    ev.simple = simple;
    ev.reason_code = reason_code;
    ev.error_code = error_code;
    ev.id = op->id;
    ev.packet = std::move(packet);
    op->events->Push(std::move(ev));
    DeleteOpContext(op);
}
}  // namespace

void OnPublishComplete(enum aws_mqtt5_packet_type type, const void *packet, int error_code, void *ctx) {
    // The common outcomes need no copy and no JS object from here: a bare number says it all.
    if (error_code == 0 && (type != AWS_MQTT5_PT_PUBACK || !packet)) {
        return Complete(ctx, EventType::PublishComplete, 0, nullptr, Simple::Done);
    }
    std::unique_ptr<OwnedPacket> p;
    if (type == AWS_MQTT5_PT_PUBACK && packet) {
        const auto *puback = static_cast<const aws_mqtt5_packet_puback_view *>(packet);
        if (error_code == 0 && !puback->reason_string && puback->user_property_count == 0) {
            // A reason code alone (Success, or e.g. 16: no matching subscribers) is a number too.
            if (puback->reason_code == AWS_MQTT5_PARC_SUCCESS)
                return Complete(ctx, EventType::PublishComplete, 0, nullptr, Simple::PlainPuback);
            return Complete(ctx, EventType::PublishComplete, 0, nullptr, Simple::PubackReason,
                            static_cast<uint8_t>(puback->reason_code));
        }
        p = CopyPacket(puback);
    }
    Complete(ctx, EventType::PublishComplete, error_code, std::move(p));
}

void OnSubscribeComplete(const aws_mqtt5_packet_suback_view *suback, int error_code, void *ctx) {
    Complete(ctx, EventType::SubscribeComplete, error_code, suback ? CopyPacket(suback) : nullptr);
}

void OnUnsubscribeComplete(const aws_mqtt5_packet_unsuback_view *unsuback, int error_code, void *ctx) {
    Complete(ctx, EventType::UnsubscribeComplete, error_code, unsuback ? CopyPacket(unsuback) : nullptr);
}

bool IsOperation(void *ctx, uint64_t id) { return static_cast<const OpContext *>(ctx)->id == static_cast<double>(id); }

}  // namespace mqtt5crt
