// Each client's native object, for the request-response client, which is built over an MQTT 5
// client or an MQTT 3.1.1 connection and needs the CRT object behind it. Not public API.
export const nativeHandles = new WeakMap<object, object>();
