// The C++ SDK's enum spellings (`QOS::AWS_MQTT5_QOS_AT_LEAST_ONCE`, ...), with the same numeric
// values as aws-crt's enums (both are the aws-c-mqtt C enums, names from its headers).
//
// Where the C++ name differs from aws-crt's (`QOS` vs `QoS`, `PubAckReasonCode` vs
// `PubackReasonCode`, ...) it is a new frozen object holding only the C++ members, typed as the
// aws-crt enum so its values go anywhere the aws-crt enum does. Where the name is the same
// (`PacketType`, `ConnectReasonCode`, ...) the C++ members are added to the aws-crt enum object
// as non-enumerable properties: `Object.keys`/`Object.values` and the reverse mapping
// (`ConnectReasonCode[0] === 'Success'`) stay exactly as aws-crt code expects.
import {
    ConnectReasonCode,
    DisconnectReasonCode,
    PacketType,
    PayloadFormatIndicator,
    PubackReasonCode,
    QoS,
    RetainHandlingType,
    SubackReasonCode,
    UnsubackReasonCode,
} from '../mqtt5_packet';
import {
    ClientExtendedValidationAndFlowControl,
    ClientOperationQueueBehavior,
    ClientSessionBehavior,
    InboundTopicAliasBehaviorType,
    OutboundTopicAliasBehaviorType,
    RetryJitterType,
} from '../mqtt5_types';

/** C++ `Aws::Crt::Mqtt5::QOS` (= aws-crt's {@link QoS}). */
export const QOS = Object.freeze({
    AWS_MQTT5_QOS_AT_MOST_ONCE: QoS.AtMostOnce,
    AWS_MQTT5_QOS_AT_LEAST_ONCE: QoS.AtLeastOnce,
    AWS_MQTT5_QOS_EXACTLY_ONCE: QoS.ExactlyOnce,
} as const);
/** C++ `QOS` as a type: aws-crt's {@link QoS}. */
export type QOS = QoS;

/** C++ `ClientSessionBehaviorType` (= aws-crt's {@link ClientSessionBehavior}). */
export const ClientSessionBehaviorType = Object.freeze({
    AWS_MQTT5_CSBT_DEFAULT: ClientSessionBehavior.Default,
    AWS_MQTT5_CSBT_CLEAN: ClientSessionBehavior.Clean,
    AWS_MQTT5_CSBT_REJOIN_POST_SUCCESS: ClientSessionBehavior.RejoinPostSuccess,
    AWS_MQTT5_CSBT_REJOIN_ALWAYS: ClientSessionBehavior.RejoinAlways,
} as const);
/** C++ `ClientSessionBehaviorType` as a type. */
export type ClientSessionBehaviorType = ClientSessionBehavior;

/** C++ `JitterMode` / `ExponentialBackoffJitterMode` (= aws-crt's {@link RetryJitterType}). */
export const JitterMode = Object.freeze({
    AWS_EXPONENTIAL_BACKOFF_JITTER_DEFAULT: RetryJitterType.Default,
    AWS_EXPONENTIAL_BACKOFF_JITTER_NONE: RetryJitterType.None,
    AWS_EXPONENTIAL_BACKOFF_JITTER_FULL: RetryJitterType.Full,
    AWS_EXPONENTIAL_BACKOFF_JITTER_DECORRELATED: RetryJitterType.Decorrelated,
} as const);
/** C++ `JitterMode` as a type. */
export type JitterMode = RetryJitterType;
/** C++ `ExponentialBackoffJitterMode`: the same as {@link JitterMode}. */
export const ExponentialBackoffJitterMode = JitterMode;
/** C++ `ExponentialBackoffJitterMode` as a type. */
export type ExponentialBackoffJitterMode = RetryJitterType;

/** C++ `ClientOperationQueueBehaviorType` (= aws-crt's {@link ClientOperationQueueBehavior}). */
export const ClientOperationQueueBehaviorType = Object.freeze({
    AWS_MQTT5_COQBT_DEFAULT: ClientOperationQueueBehavior.Default,
    AWS_MQTT5_COQBT_FAIL_NON_QOS1_PUBLISH_ON_DISCONNECT: ClientOperationQueueBehavior.FailNonQos1PublishOnDisconnect,
    AWS_MQTT5_COQBT_FAIL_QOS0_PUBLISH_ON_DISCONNECT: ClientOperationQueueBehavior.FailQos0PublishOnDisconnect,
    AWS_MQTT5_COQBT_FAIL_ALL_ON_DISCONNECT: ClientOperationQueueBehavior.FailAllOnDisconnect,
} as const);
/** C++ `ClientOperationQueueBehaviorType` as a type. */
export type ClientOperationQueueBehaviorType = ClientOperationQueueBehavior;

/** C++ `PubAckReasonCode` (= aws-crt's {@link PubackReasonCode}). */
export const PubAckReasonCode = Object.freeze({
    AWS_MQTT5_PARC_SUCCESS: PubackReasonCode.Success,
    AWS_MQTT5_PARC_NO_MATCHING_SUBSCRIBERS: PubackReasonCode.NoMatchingSubscribers,
    AWS_MQTT5_PARC_UNSPECIFIED_ERROR: PubackReasonCode.UnspecifiedError,
    AWS_MQTT5_PARC_IMPLEMENTATION_SPECIFIC_ERROR: PubackReasonCode.ImplementationSpecificError,
    AWS_MQTT5_PARC_NOT_AUTHORIZED: PubackReasonCode.NotAuthorized,
    AWS_MQTT5_PARC_TOPIC_NAME_INVALID: PubackReasonCode.TopicNameInvalid,
    AWS_MQTT5_PARC_PACKET_IDENTIFIER_IN_USE: PubackReasonCode.PacketIdentifierInUse,
    AWS_MQTT5_PARC_QUOTA_EXCEEDED: PubackReasonCode.QuotaExceeded,
    AWS_MQTT5_PARC_PAYLOAD_FORMAT_INVALID: PubackReasonCode.PayloadFormatInvalid,
} as const);
/** C++ `PubAckReasonCode` as a type. */
export type PubAckReasonCode = PubackReasonCode;

/** C++ `SubAckReasonCode` (= aws-crt's {@link SubackReasonCode}). */
export const SubAckReasonCode = Object.freeze({
    AWS_MQTT5_SARC_GRANTED_QOS_0: SubackReasonCode.GrantedQoS0,
    AWS_MQTT5_SARC_GRANTED_QOS_1: SubackReasonCode.GrantedQoS1,
    AWS_MQTT5_SARC_GRANTED_QOS_2: SubackReasonCode.GrantedQoS2,
    AWS_MQTT5_SARC_UNSPECIFIED_ERROR: SubackReasonCode.UnspecifiedError,
    AWS_MQTT5_SARC_IMPLEMENTATION_SPECIFIC_ERROR: SubackReasonCode.ImplementationSpecificError,
    AWS_MQTT5_SARC_NOT_AUTHORIZED: SubackReasonCode.NotAuthorized,
    AWS_MQTT5_SARC_TOPIC_FILTER_INVALID: SubackReasonCode.TopicFilterInvalid,
    AWS_MQTT5_SARC_PACKET_IDENTIFIER_IN_USE: SubackReasonCode.PacketIdentifierInUse,
    AWS_MQTT5_SARC_QUOTA_EXCEEDED: SubackReasonCode.QuotaExceeded,
    AWS_MQTT5_SARC_SHARED_SUBSCRIPTIONS_NOT_SUPPORTED: SubackReasonCode.SharedSubscriptionsNotSupported,
    AWS_MQTT5_SARC_SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED: SubackReasonCode.SubscriptionIdentifiersNotSupported,
    AWS_MQTT5_SARC_WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED: SubackReasonCode.WildcardSubscriptionsNotSupported,
} as const);
/** C++ `SubAckReasonCode` as a type. */
export type SubAckReasonCode = SubackReasonCode;

/** C++ `UnSubAckReasonCode` (= aws-crt's {@link UnsubackReasonCode}). */
export const UnSubAckReasonCode = Object.freeze({
    AWS_MQTT5_UARC_SUCCESS: UnsubackReasonCode.Success,
    AWS_MQTT5_UARC_NO_SUBSCRIPTION_EXISTED: UnsubackReasonCode.NoSubscriptionExisted,
    AWS_MQTT5_UARC_UNSPECIFIED_ERROR: UnsubackReasonCode.UnspecifiedError,
    AWS_MQTT5_UARC_IMPLEMENTATION_SPECIFIC_ERROR: UnsubackReasonCode.ImplementationSpecificError,
    AWS_MQTT5_UARC_NOT_AUTHORIZED: UnsubackReasonCode.NotAuthorized,
    AWS_MQTT5_UARC_TOPIC_FILTER_INVALID: UnsubackReasonCode.TopicFilterInvalid,
    AWS_MQTT5_UARC_PACKET_IDENTIFIER_IN_USE: UnsubackReasonCode.PacketIdentifierInUse,
} as const);
/** C++ `UnSubAckReasonCode` as a type. */
export type UnSubAckReasonCode = UnsubackReasonCode;

// ---- C++ members added to the aws-crt enums of the same name --------------------------------

function alias(target: object, members: Record<string, number>): void {
    for (const [name, value] of Object.entries(members)) {
        Object.defineProperty(target, name, { value, enumerable: false, writable: false, configurable: false });
    }
}

const connectReasonCodes = {
    AWS_MQTT5_CRC_SUCCESS: ConnectReasonCode.Success,
    AWS_MQTT5_CRC_UNSPECIFIED_ERROR: ConnectReasonCode.UnspecifiedError,
    AWS_MQTT5_CRC_MALFORMED_PACKET: ConnectReasonCode.MalformedPacket,
    AWS_MQTT5_CRC_PROTOCOL_ERROR: ConnectReasonCode.ProtocolError,
    AWS_MQTT5_CRC_IMPLEMENTATION_SPECIFIC_ERROR: ConnectReasonCode.ImplementationSpecificError,
    AWS_MQTT5_CRC_UNSUPPORTED_PROTOCOL_VERSION: ConnectReasonCode.UnsupportedProtocolVersion,
    AWS_MQTT5_CRC_CLIENT_IDENTIFIER_NOT_VALID: ConnectReasonCode.ClientIdentifierNotValid,
    AWS_MQTT5_CRC_BAD_USERNAME_OR_PASSWORD: ConnectReasonCode.BadUsernameOrPassword,
    AWS_MQTT5_CRC_NOT_AUTHORIZED: ConnectReasonCode.NotAuthorized,
    AWS_MQTT5_CRC_SERVER_UNAVAILABLE: ConnectReasonCode.ServerUnavailable,
    AWS_MQTT5_CRC_SERVER_BUSY: ConnectReasonCode.ServerBusy,
    AWS_MQTT5_CRC_BANNED: ConnectReasonCode.Banned,
    AWS_MQTT5_CRC_BAD_AUTHENTICATION_METHOD: ConnectReasonCode.BadAuthenticationMethod,
    AWS_MQTT5_CRC_TOPIC_NAME_INVALID: ConnectReasonCode.TopicNameInvalid,
    AWS_MQTT5_CRC_PACKET_TOO_LARGE: ConnectReasonCode.PacketTooLarge,
    AWS_MQTT5_CRC_QUOTA_EXCEEDED: ConnectReasonCode.QuotaExceeded,
    AWS_MQTT5_CRC_PAYLOAD_FORMAT_INVALID: ConnectReasonCode.PayloadFormatInvalid,
    AWS_MQTT5_CRC_RETAIN_NOT_SUPPORTED: ConnectReasonCode.RetainNotSupported,
    AWS_MQTT5_CRC_QOS_NOT_SUPPORTED: ConnectReasonCode.QosNotSupported,
    AWS_MQTT5_CRC_USE_ANOTHER_SERVER: ConnectReasonCode.UseAnotherServer,
    AWS_MQTT5_CRC_SERVER_MOVED: ConnectReasonCode.ServerMoved,
    AWS_MQTT5_CRC_CONNECTION_RATE_EXCEEDED: ConnectReasonCode.ConnectionRateExceeded,
} as const;
const disconnectReasonCodes = {
    AWS_MQTT5_DRC_NORMAL_DISCONNECTION: DisconnectReasonCode.NormalDisconnection,
    AWS_MQTT5_DRC_DISCONNECT_WITH_WILL_MESSAGE: DisconnectReasonCode.DisconnectWithWillMessage,
    AWS_MQTT5_DRC_UNSPECIFIED_ERROR: DisconnectReasonCode.UnspecifiedError,
    AWS_MQTT5_DRC_MALFORMED_PACKET: DisconnectReasonCode.MalformedPacket,
    AWS_MQTT5_DRC_PROTOCOL_ERROR: DisconnectReasonCode.ProtocolError,
    AWS_MQTT5_DRC_IMPLEMENTATION_SPECIFIC_ERROR: DisconnectReasonCode.ImplementationSpecificError,
    AWS_MQTT5_DRC_NOT_AUTHORIZED: DisconnectReasonCode.NotAuthorized,
    AWS_MQTT5_DRC_SERVER_BUSY: DisconnectReasonCode.ServerBusy,
    AWS_MQTT5_DRC_SERVER_SHUTTING_DOWN: DisconnectReasonCode.ServerShuttingDown,
    AWS_MQTT5_DRC_KEEP_ALIVE_TIMEOUT: DisconnectReasonCode.KeepAliveTimeout,
    AWS_MQTT5_DRC_SESSION_TAKEN_OVER: DisconnectReasonCode.SessionTakenOver,
    AWS_MQTT5_DRC_TOPIC_FILTER_INVALID: DisconnectReasonCode.TopicFilterInvalid,
    AWS_MQTT5_DRC_TOPIC_NAME_INVALID: DisconnectReasonCode.TopicNameInvalid,
    AWS_MQTT5_DRC_RECEIVE_MAXIMUM_EXCEEDED: DisconnectReasonCode.ReceiveMaximumExceeded,
    AWS_MQTT5_DRC_TOPIC_ALIAS_INVALID: DisconnectReasonCode.TopicAliasInvalid,
    AWS_MQTT5_DRC_PACKET_TOO_LARGE: DisconnectReasonCode.PacketTooLarge,
    AWS_MQTT5_DRC_MESSAGE_RATE_TOO_HIGH: DisconnectReasonCode.MessageRateTooHigh,
    AWS_MQTT5_DRC_QUOTA_EXCEEDED: DisconnectReasonCode.QuotaExceeded,
    AWS_MQTT5_DRC_ADMINISTRATIVE_ACTION: DisconnectReasonCode.AdministrativeAction,
    AWS_MQTT5_DRC_PAYLOAD_FORMAT_INVALID: DisconnectReasonCode.PayloadFormatInvalid,
    AWS_MQTT5_DRC_RETAIN_NOT_SUPPORTED: DisconnectReasonCode.RetainNotSupported,
    AWS_MQTT5_DRC_QOS_NOT_SUPPORTED: DisconnectReasonCode.QosNotSupported,
    AWS_MQTT5_DRC_USE_ANOTHER_SERVER: DisconnectReasonCode.UseAnotherServer,
    AWS_MQTT5_DRC_SERVER_MOVED: DisconnectReasonCode.ServerMoved,
    AWS_MQTT5_DRC_SHARED_SUBSCRIPTIONS_NOT_SUPPORTED: DisconnectReasonCode.SharedSubscriptionsNotSupported,
    AWS_MQTT5_DRC_CONNECTION_RATE_EXCEEDED: DisconnectReasonCode.ConnectionRateExceeded,
    AWS_MQTT5_DRC_MAXIMUM_CONNECT_TIME: DisconnectReasonCode.MaximumConnectTime,
    AWS_MQTT5_DRC_SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED: DisconnectReasonCode.SubscriptionIdentifiersNotSupported,
    AWS_MQTT5_DRC_WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED: DisconnectReasonCode.WildcardSubscriptionsNotSupported,
} as const;
const packetTypes = {
    AWS_MQTT5_PT_RESERVED: 0,
    AWS_MQTT5_PT_CONNECT: PacketType.Connect,
    AWS_MQTT5_PT_CONNACK: PacketType.Connack,
    AWS_MQTT5_PT_PUBLISH: PacketType.Publish,
    AWS_MQTT5_PT_PUBACK: PacketType.Puback,
    AWS_MQTT5_PT_PUBREC: PacketType.Pubrec,
    AWS_MQTT5_PT_PUBREL: PacketType.Pubrel,
    AWS_MQTT5_PT_PUBCOMP: PacketType.Pubcomp,
    AWS_MQTT5_PT_SUBSCRIBE: PacketType.Subscribe,
    AWS_MQTT5_PT_SUBACK: PacketType.Suback,
    AWS_MQTT5_PT_UNSUBSCRIBE: PacketType.Unsubscribe,
    AWS_MQTT5_PT_UNSUBACK: PacketType.Unsuback,
    AWS_MQTT5_PT_PINGREQ: PacketType.Pingreq,
    AWS_MQTT5_PT_PINGRESP: PacketType.Pingresp,
    AWS_MQTT5_PT_DISCONNECT: PacketType.Disconnect,
    AWS_MQTT5_PT_AUTH: PacketType.Auth,
} as const;
const payloadFormats = {
    AWS_MQTT5_PFI_BYTES: PayloadFormatIndicator.Bytes,
    AWS_MQTT5_PFI_UTF8: PayloadFormatIndicator.Utf8,
} as const;
const retainHandlingTypes = {
    AWS_MQTT5_RHT_SEND_ON_SUBSCRIBE: RetainHandlingType.SendOnSubscribe,
    AWS_MQTT5_RHT_SEND_ON_SUBSCRIBE_IF_NEW: RetainHandlingType.SendOnSubscribeIfNew,
    AWS_MQTT5_RHT_DONT_SEND: RetainHandlingType.DontSend,
} as const;
const validationTypes = {
    AWS_MQTT5_EVAFCO_NONE: ClientExtendedValidationAndFlowControl.None,
    AWS_MQTT5_EVAFCO_AWS_IOT_CORE_DEFAULTS: ClientExtendedValidationAndFlowControl.AwsIotCoreDefaults,
} as const;
const outboundAliasTypes = {
    AWS_MQTT5_COTABT_DEFAULT: OutboundTopicAliasBehaviorType.Default,
    AWS_MQTT5_COTABT_MANUAL: OutboundTopicAliasBehaviorType.Manual,
    AWS_MQTT5_COTABT_LRU: OutboundTopicAliasBehaviorType.LRU,
    AWS_MQTT5_COTABT_DISABLED: OutboundTopicAliasBehaviorType.Disabled,
} as const;
const inboundAliasTypes = {
    AWS_MQTT5_CITABT_DEFAULT: InboundTopicAliasBehaviorType.Default,
    AWS_MQTT5_CITABT_ENABLED: InboundTopicAliasBehaviorType.Enabled,
    AWS_MQTT5_CITABT_DISABLED: InboundTopicAliasBehaviorType.Disabled,
} as const;

alias(ConnectReasonCode, connectReasonCodes);
alias(DisconnectReasonCode, disconnectReasonCodes);
alias(PacketType, packetTypes);
alias(PayloadFormatIndicator, payloadFormats);
alias(RetainHandlingType, retainHandlingTypes);
alias(ClientExtendedValidationAndFlowControl, validationTypes);
alias(OutboundTopicAliasBehaviorType, outboundAliasTypes);
alias(InboundTopicAliasBehaviorType, inboundAliasTypes);

/**
 * The C++ spellings added to the aws-crt enums of the same name, as TypeScript sees them. The
 * values are those enums' own numbers.
 * @internal
 */
export const CPP_ENUM_MEMBERS = {
    ConnectReasonCode: connectReasonCodes,
    DisconnectReasonCode: disconnectReasonCodes,
    PacketType: packetTypes,
    PayloadFormatIndicator: payloadFormats,
    RetainHandlingType: retainHandlingTypes,
    ClientExtendedValidationAndFlowControl: validationTypes,
    OutboundTopicAliasBehaviorType: outboundAliasTypes,
    InboundTopicAliasBehaviorType: inboundAliasTypes,
} as const;

// The types of the members alias() adds above.
declare module '../mqtt5_packet' {
    namespace ConnectReasonCode {
        const AWS_MQTT5_CRC_SUCCESS: ConnectReasonCode.Success;
        const AWS_MQTT5_CRC_UNSPECIFIED_ERROR: ConnectReasonCode.UnspecifiedError;
        const AWS_MQTT5_CRC_MALFORMED_PACKET: ConnectReasonCode.MalformedPacket;
        const AWS_MQTT5_CRC_PROTOCOL_ERROR: ConnectReasonCode.ProtocolError;
        const AWS_MQTT5_CRC_IMPLEMENTATION_SPECIFIC_ERROR: ConnectReasonCode.ImplementationSpecificError;
        const AWS_MQTT5_CRC_UNSUPPORTED_PROTOCOL_VERSION: ConnectReasonCode.UnsupportedProtocolVersion;
        const AWS_MQTT5_CRC_CLIENT_IDENTIFIER_NOT_VALID: ConnectReasonCode.ClientIdentifierNotValid;
        const AWS_MQTT5_CRC_BAD_USERNAME_OR_PASSWORD: ConnectReasonCode.BadUsernameOrPassword;
        const AWS_MQTT5_CRC_NOT_AUTHORIZED: ConnectReasonCode.NotAuthorized;
        const AWS_MQTT5_CRC_SERVER_UNAVAILABLE: ConnectReasonCode.ServerUnavailable;
        const AWS_MQTT5_CRC_SERVER_BUSY: ConnectReasonCode.ServerBusy;
        const AWS_MQTT5_CRC_BANNED: ConnectReasonCode.Banned;
        const AWS_MQTT5_CRC_BAD_AUTHENTICATION_METHOD: ConnectReasonCode.BadAuthenticationMethod;
        const AWS_MQTT5_CRC_TOPIC_NAME_INVALID: ConnectReasonCode.TopicNameInvalid;
        const AWS_MQTT5_CRC_PACKET_TOO_LARGE: ConnectReasonCode.PacketTooLarge;
        const AWS_MQTT5_CRC_QUOTA_EXCEEDED: ConnectReasonCode.QuotaExceeded;
        const AWS_MQTT5_CRC_PAYLOAD_FORMAT_INVALID: ConnectReasonCode.PayloadFormatInvalid;
        const AWS_MQTT5_CRC_RETAIN_NOT_SUPPORTED: ConnectReasonCode.RetainNotSupported;
        const AWS_MQTT5_CRC_QOS_NOT_SUPPORTED: ConnectReasonCode.QosNotSupported;
        const AWS_MQTT5_CRC_USE_ANOTHER_SERVER: ConnectReasonCode.UseAnotherServer;
        const AWS_MQTT5_CRC_SERVER_MOVED: ConnectReasonCode.ServerMoved;
        const AWS_MQTT5_CRC_CONNECTION_RATE_EXCEEDED: ConnectReasonCode.ConnectionRateExceeded;
    }
    namespace DisconnectReasonCode {
        const AWS_MQTT5_DRC_NORMAL_DISCONNECTION: DisconnectReasonCode.NormalDisconnection;
        const AWS_MQTT5_DRC_DISCONNECT_WITH_WILL_MESSAGE: DisconnectReasonCode.DisconnectWithWillMessage;
        const AWS_MQTT5_DRC_UNSPECIFIED_ERROR: DisconnectReasonCode.UnspecifiedError;
        const AWS_MQTT5_DRC_MALFORMED_PACKET: DisconnectReasonCode.MalformedPacket;
        const AWS_MQTT5_DRC_PROTOCOL_ERROR: DisconnectReasonCode.ProtocolError;
        const AWS_MQTT5_DRC_IMPLEMENTATION_SPECIFIC_ERROR: DisconnectReasonCode.ImplementationSpecificError;
        const AWS_MQTT5_DRC_NOT_AUTHORIZED: DisconnectReasonCode.NotAuthorized;
        const AWS_MQTT5_DRC_SERVER_BUSY: DisconnectReasonCode.ServerBusy;
        const AWS_MQTT5_DRC_SERVER_SHUTTING_DOWN: DisconnectReasonCode.ServerShuttingDown;
        const AWS_MQTT5_DRC_KEEP_ALIVE_TIMEOUT: DisconnectReasonCode.KeepAliveTimeout;
        const AWS_MQTT5_DRC_SESSION_TAKEN_OVER: DisconnectReasonCode.SessionTakenOver;
        const AWS_MQTT5_DRC_TOPIC_FILTER_INVALID: DisconnectReasonCode.TopicFilterInvalid;
        const AWS_MQTT5_DRC_TOPIC_NAME_INVALID: DisconnectReasonCode.TopicNameInvalid;
        const AWS_MQTT5_DRC_RECEIVE_MAXIMUM_EXCEEDED: DisconnectReasonCode.ReceiveMaximumExceeded;
        const AWS_MQTT5_DRC_TOPIC_ALIAS_INVALID: DisconnectReasonCode.TopicAliasInvalid;
        const AWS_MQTT5_DRC_PACKET_TOO_LARGE: DisconnectReasonCode.PacketTooLarge;
        const AWS_MQTT5_DRC_MESSAGE_RATE_TOO_HIGH: DisconnectReasonCode.MessageRateTooHigh;
        const AWS_MQTT5_DRC_QUOTA_EXCEEDED: DisconnectReasonCode.QuotaExceeded;
        const AWS_MQTT5_DRC_ADMINISTRATIVE_ACTION: DisconnectReasonCode.AdministrativeAction;
        const AWS_MQTT5_DRC_PAYLOAD_FORMAT_INVALID: DisconnectReasonCode.PayloadFormatInvalid;
        const AWS_MQTT5_DRC_RETAIN_NOT_SUPPORTED: DisconnectReasonCode.RetainNotSupported;
        const AWS_MQTT5_DRC_QOS_NOT_SUPPORTED: DisconnectReasonCode.QosNotSupported;
        const AWS_MQTT5_DRC_USE_ANOTHER_SERVER: DisconnectReasonCode.UseAnotherServer;
        const AWS_MQTT5_DRC_SERVER_MOVED: DisconnectReasonCode.ServerMoved;
        const AWS_MQTT5_DRC_SHARED_SUBSCRIPTIONS_NOT_SUPPORTED: DisconnectReasonCode.SharedSubscriptionsNotSupported;
        const AWS_MQTT5_DRC_CONNECTION_RATE_EXCEEDED: DisconnectReasonCode.ConnectionRateExceeded;
        const AWS_MQTT5_DRC_MAXIMUM_CONNECT_TIME: DisconnectReasonCode.MaximumConnectTime;
        const AWS_MQTT5_DRC_SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED: DisconnectReasonCode.SubscriptionIdentifiersNotSupported;
        const AWS_MQTT5_DRC_WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED: DisconnectReasonCode.WildcardSubscriptionsNotSupported;
    }
    namespace PacketType {
        const AWS_MQTT5_PT_RESERVED: 0;
        const AWS_MQTT5_PT_CONNECT: PacketType.Connect;
        const AWS_MQTT5_PT_CONNACK: PacketType.Connack;
        const AWS_MQTT5_PT_PUBLISH: PacketType.Publish;
        const AWS_MQTT5_PT_PUBACK: PacketType.Puback;
        const AWS_MQTT5_PT_PUBREC: PacketType.Pubrec;
        const AWS_MQTT5_PT_PUBREL: PacketType.Pubrel;
        const AWS_MQTT5_PT_PUBCOMP: PacketType.Pubcomp;
        const AWS_MQTT5_PT_SUBSCRIBE: PacketType.Subscribe;
        const AWS_MQTT5_PT_SUBACK: PacketType.Suback;
        const AWS_MQTT5_PT_UNSUBSCRIBE: PacketType.Unsubscribe;
        const AWS_MQTT5_PT_UNSUBACK: PacketType.Unsuback;
        const AWS_MQTT5_PT_PINGREQ: PacketType.Pingreq;
        const AWS_MQTT5_PT_PINGRESP: PacketType.Pingresp;
        const AWS_MQTT5_PT_DISCONNECT: PacketType.Disconnect;
        const AWS_MQTT5_PT_AUTH: PacketType.Auth;
    }
    namespace PayloadFormatIndicator {
        const AWS_MQTT5_PFI_BYTES: PayloadFormatIndicator.Bytes;
        const AWS_MQTT5_PFI_UTF8: PayloadFormatIndicator.Utf8;
    }
    namespace RetainHandlingType {
        const AWS_MQTT5_RHT_SEND_ON_SUBSCRIBE: RetainHandlingType.SendOnSubscribe;
        const AWS_MQTT5_RHT_SEND_ON_SUBSCRIBE_IF_NEW: RetainHandlingType.SendOnSubscribeIfNew;
        const AWS_MQTT5_RHT_DONT_SEND: RetainHandlingType.DontSend;
    }
}
declare module '../mqtt5_types' {
    namespace ClientExtendedValidationAndFlowControl {
        const AWS_MQTT5_EVAFCO_NONE: ClientExtendedValidationAndFlowControl.None;
        const AWS_MQTT5_EVAFCO_AWS_IOT_CORE_DEFAULTS: ClientExtendedValidationAndFlowControl.AwsIotCoreDefaults;
    }
    namespace OutboundTopicAliasBehaviorType {
        const AWS_MQTT5_COTABT_DEFAULT: OutboundTopicAliasBehaviorType.Default;
        const AWS_MQTT5_COTABT_MANUAL: OutboundTopicAliasBehaviorType.Manual;
        const AWS_MQTT5_COTABT_LRU: OutboundTopicAliasBehaviorType.LRU;
        const AWS_MQTT5_COTABT_DISABLED: OutboundTopicAliasBehaviorType.Disabled;
    }
    namespace InboundTopicAliasBehaviorType {
        const AWS_MQTT5_CITABT_DEFAULT: InboundTopicAliasBehaviorType.Default;
        const AWS_MQTT5_CITABT_ENABLED: InboundTopicAliasBehaviorType.Enabled;
        const AWS_MQTT5_CITABT_DISABLED: InboundTopicAliasBehaviorType.Disabled;
    }
}
