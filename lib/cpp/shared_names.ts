// The C++ SDK's names the package exports both at its top level (lib/index.ts) and in the
// `Mqtt5` namespace (cpp/mqtt5_namespace.ts). `DisconnectPacket` and `NegotiatedSettings` would
// clash with aws-crt names at the top level: they are in the namespace only.
export type {
    OnPublishCompletionHandler,
    OnSubscribeCompletionHandler,
    OnUnsubscribeCompletionHandler,
} from './completion';
export {
    ClientOperationQueueBehaviorType,
    ClientSessionBehaviorType,
    ExponentialBackoffJitterMode,
    JitterMode,
    PubAckReasonCode,
    QOS,
    SubAckReasonCode,
    UnSubAckReasonCode,
} from './enums';
export * from './events';
export { ConnAckPacket, PubAckPacket, PublishResult, SubAckPacket, UnSubAckPacket } from './results';
