// The numbers the addon and lib/ agree on, defined here once: each list below is a TypeScript
// const enum of the same name in lib/native_contract.ts, which scripts/contract.mjs generates from
// this file (npm run build:ts runs it), and a C++ enum below. The addon also exports the lists
// (binding.contract), and lib/native.ts refuses to load an addon whose numbers differ from the
// ones its JavaScript was built with.
#pragma once

#include <cstdint>

// What happened: a NativeEvent's `event` field. WebsocketTransform: `id` is the transform's id and
// `packet` the handshake request to transform; SlowConsumer: `packet` is {queuedMessages,
// droppedMessages} (see EventQueue). The MQTT 3.1.1 connection's (mqtt311_connection.cc):
// Mqtt311ConnectComplete (`id` of connect()/reconnect(), error, packet {returnCode,
// sessionPresent}), Mqtt311Success and Mqtt311Resumed (packet {returnCode, sessionPresent}),
// Mqtt311Failure and Mqtt311Interrupted (error), Mqtt311Closed (after disconnect()),
// Mqtt311OpComplete (`id`, error, packet {packetId, and topic and qos for a SUBACK}). The
// request-response client's (request_response.cc): RrRequestComplete (`id` of the request, error,
// packet {topic, payload}), RrStreamStatus (`id` of the stream, error, packet {status}),
// RrStreamPublish (`id` of the stream, packet {topic, payload}). The MQTT 5 client's
// TlsHandshakeFailed (error): the TLS negotiation with the broker failed, reported as soon as the
// TLS handler knows, while the ConnectionFailure that follows waits out s2n's blinding delay.
#define MQTT5CRT_NativeEventType(X) \
    X(AttemptingConnect, 0)         \
    X(ConnectionSuccess, 1)         \
    X(ConnectionFailure, 2)         \
    X(Disconnection, 3)             \
    X(Stopped, 4)                   \
    X(MessageReceived, 5)           \
    X(PublishComplete, 6)           \
    X(SubscribeComplete, 7)         \
    X(UnsubscribeComplete, 8)       \
    X(WebsocketTransform, 9)        \
    X(SlowConsumer, 10)             \
    X(Mqtt311ConnectComplete, 11)   \
    X(Mqtt311Success, 12)           \
    X(Mqtt311Failure, 13)           \
    X(Mqtt311Interrupted, 14)       \
    X(Mqtt311Resumed, 15)           \
    X(Mqtt311Closed, 16)            \
    X(Mqtt311OpComplete, 17)        \
    X(RrRequestComplete, 18)        \
    X(RrStreamStatus, 19)           \
    X(RrStreamPublish, 20)          \
    X(TlsHandshakeFailed, 21)

// The kind of a record in a batch's numeric array, and the numbers that follow it:
//   Done, id      a completion with nothing more to say (a QoS 0 publish written);
//   Puback, id    a PUBACK with reason Success and no properties;
//   PubackReason, id, reasonCode
//                 a PUBACK with another reason code and no properties (no reason string, no user
//                 properties): 16, no matching subscribers, is what a publisher to a topic nobody
//                 subscribes to gets from every PUBLISH;
//   Message, bits, ackId, offset, length
//                 a received PUBLISH with only topic, payload, QoS and retain (ackId 0 at QoS 0);
//   Arena         the next object is the ArrayBuffer that following payloads are views of;
//   Event         the next object is a NativeEvent (any other message: a MessageReceived event).
#define MQTT5CRT_NativeRecord(X) \
    X(Done, 1)                   \
    X(Puback, 2)                 \
    X(Message, 3)                \
    X(Arena, 4)                  \
    X(Event, 5)                  \
    X(PubackReason, 6)

// The bits of a Message record: QoS in bits 0-1; NewTopic: the topic is the next object (else the
// previous message's); External: the payload is the next object (else a view of the arena at
// offset/length); Dup: the DUP flag (shown by the MQTT 3.1.1 connection).
#define MQTT5CRT_NativeMessageBits(X) \
    X(QosMask, 3)                     \
    X(Retain, 4)                      \
    X(NewTopic, 8)                    \
    X(External, 16)                   \
    X(Dup, 32)

// Every list, for code that walks them all (the addon's export).
#define MQTT5CRT_CONTRACT(LIST) LIST(NativeEventType) LIST(NativeRecord) LIST(NativeMessageBits)

namespace mqtt5crt {

#define MQTT5CRT_ENUMERATOR(name, value) name = value,
enum class EventType : uint8_t { MQTT5CRT_NativeEventType(MQTT5CRT_ENUMERATOR) };
enum class Record : uint8_t { MQTT5CRT_NativeRecord(MQTT5CRT_ENUMERATOR) };
#undef MQTT5CRT_ENUMERATOR

struct MessageBits {
#define MQTT5CRT_BIT(name, value) static constexpr uint32_t name = value;
    MQTT5CRT_NativeMessageBits(MQTT5CRT_BIT)
#undef MQTT5CRT_BIT
};

}  // namespace mqtt5crt
