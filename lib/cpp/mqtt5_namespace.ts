// The `Mqtt5` namespace: the C++ SDK's `Aws::Crt::Mqtt5` names in camelCase (packet classes,
// result and event data classes, enums with their C++ spellings, callback types), next to the
// client itself.
export type { Mqtt5Callback } from '../builder';
export { Mqtt5ClientBuilder as Mqtt5ClientOptions } from '../builder';
export { Mqtt5Client } from '../mqtt5_client';
export {
    ConnectReasonCode,
    DisconnectReasonCode,
    PacketType,
    PayloadFormatIndicator,
    RetainHandlingType,
} from '../mqtt5_packet';
export {
    ClientExtendedValidationAndFlowControl,
    InboundTopicAliasBehaviorType,
    OutboundTopicAliasBehaviorType,
} from '../mqtt5_types';
export * from '../packet_classes';
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
export {
    OnAttemptingConnectEventData,
    OnConnectionFailureEventData,
    OnConnectionSuccessEventData,
    OnDisconnectionEventData,
    OnStoppedEventData,
    PublishReceivedEventData,
} from './events';
export { ConnAckPacket, NegotiatedSettings, PubAckPacket, PublishResult, SubAckPacket, UnSubAckPacket } from './results';
