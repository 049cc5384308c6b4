// The `mqtt5` namespace: the client and every packet type and enum, as aws-crt's `mqtt5` module has them.
export * from './mqtt5';
export * from './mqtt5_packet';
/** aws-crt's `mqtt5` module re-exports the proxy options its config takes. */
export { HttpProxyOptions } from './http';
