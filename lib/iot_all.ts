// The `iot` namespace: aws-crt's IoT config builder, and the C++ SDK's IoT client builder.
export * from './iot';
export { Mqtt5ClientBuilder, Mqtt5CustomAuthConfig, WebsocketConfig } from './builder';
export type { Pkcs12Options } from './cpp/support';
export { AwsIotMqttConnectionConfigBuilder, type MqttWebsocketConfig } from './iot_mqtt';
