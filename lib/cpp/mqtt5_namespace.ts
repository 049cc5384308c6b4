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
export { NegotiatedSettings } from './results';
export * from './shared_names';
