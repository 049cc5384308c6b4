// Owned, N-API-free records that carry what a CRT callback saw to the JS thread.
#pragma once

#include <napi.h>

#include "convert.h"

#include <cstdint>
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
};

// How a completion that needs no packet travels: as a bare number in the batch (see lib/native.ts).
enum class Simple : uint8_t {
    No = 0,
    Done = 1,         // +id: completed, no packet (QoS 0 publish written)
    PlainPuback = 2,  // -id: PUBACK with reason Success and no properties
};

struct Event {
    EventType type;
    Simple simple = Simple::No;
    int error_code = 0;
    double id = 0;  // operation id for completions
    double ack_id = 0;  // received QoS 1 PUBLISH: the manual PUBACK control id
    std::unique_ptr<OwnedPacket> packet;
    std::unique_ptr<OwnedPacket> settings;
};

}  // namespace mqtt5crt
