// Owned, N-API-free records that carry what a CRT callback saw to the JS thread.
#pragma once

#include <napi.h>

#include "convert.h"

#include <cstdint>
#include <cstdlib>
#include <memory>

namespace mqtt5crt {

// An owned deep copy of a packet (or of the negotiated settings) made on a CRT thread and turned
// into a JS object on the JS thread.
struct OwnedPacket {
    virtual ~OwnedPacket() = default;
    virtual Napi::Object ToJs(Napi::Env env, KeyCache &keys) const = 0;
};

// The numbers are part of the contract with lib/native.ts (NativeEventType).
enum class EventType : uint8_t {
    AttemptingConnect = 0,
    ConnectionSuccess = 1,
    ConnectionFailure = 2,
    Disconnection = 3,
    Stopped = 4,
    MessageReceived = 5,
    PublishComplete = 6,
    SubscribeComplete = 7,
    UnsubscribeComplete = 8,
    WebsocketTransform = 9,  // id: transform id; packet: the handshake request to transform
    SlowConsumer = 10,       // packet: {queuedMessages, droppedMessages} (see EventQueue)
};

// How a completion that needs no packet travels: as a bare number in the batch (see lib/native.ts).
enum class Simple : uint8_t {
    No = 0,
    Done = 1,         // +id: completed, no packet (QoS 0 publish written)
    PlainPuback = 2,  // -id: PUBACK with reason Success and no properties
    Message = 3,      // a received PUBLISH with only topic, payload, QoS and retain (see Event::bytes)
};

struct FreeBytes {
    void operator()(uint8_t *p) const { std::free(p); }
};
using Bytes = std::unique_ptr<uint8_t[], FreeBytes>;

// Message bits, part of the contract with lib/mqtt5.ts (#onEvents).
constexpr uint32_t kMsgRetain = 4;     // bits 0-1: QoS
constexpr uint32_t kMsgNewTopic = 8;   // the topic differs from the previous message's: next object
constexpr uint32_t kMsgExternal = 16;  // the payload is its own Buffer: next object

struct Event {
    EventType type;
    Simple simple = Simple::No;
    int error_code = 0;
    double id = 0;      // operation id for completions
    double ack_id = 0;  // received QoS 1 PUBLISH: the manual PUBACK control id
    std::unique_ptr<OwnedPacket> packet;
    std::unique_ptr<OwnedPacket> settings;
    // Simple::Message: topic and payload live in the segment's arena (see ClientCore), or the
    // payload alone in `payload` when it is large enough to be handed over as an external Buffer.
    uint32_t bits = 0;  // qos | kMsg* flags
    uint32_t topic_len = 0;
    size_t topic_off = 0, payload_off = 0, payload_len = 0;
    Bytes payload;
};

}  // namespace mqtt5crt
