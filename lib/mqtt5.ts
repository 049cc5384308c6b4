// aws-crt's `mqtt5` module: the client, its config and event types (the packets are in
// mqtt5_packet.ts). Split by job: mqtt5_types.ts (enums, config and event types), mqtt5_config.ts
// (reading a config), mqtt5_ack.ts (manual PUBACK control), mqtt5_client.ts (the client).
export * from './mqtt5_ack';
export { Mqtt5Client } from './mqtt5_client';
export * from './mqtt5_types';
